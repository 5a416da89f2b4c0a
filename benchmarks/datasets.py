"""Rule sets and lookup inputs for the benchmarks, built from real Hub tags.

Every rule set is a prefix of one deterministic stream of mappings, so the
100-rule set is contained in the 1,000,000-rule set and a probe model that
hits at 100 rules hits the same mappings at every size. That is what lets the
report compare "the same model" across rule counts.

The shape follows what providers register on the Hub:

* about a fifth of the rules are single-model mappings, one to three providers
  per Hub model, the model ids taken first from the real models in
  ``hub_models.jsonl`` and then generated;
* the rest are tag filters, almost all ``lora`` plus
  ``base_model:adapter:<base>`` with one to five providers per base model; a
  few also require a style tag, and a handful (a few dozen at most, as in
  real partner registrations such as ``["flux", "lora"]``) pair ``lora`` with
  a common tag;
* statuses are mostly live, some staging, a few in the error state.

Model tags come from real tag sets of ``hub_models.jsonl``, topped up from a
Zipf-skewed vocabulary whose head is the real tags ranked by frequency, so
probe models carry between 5 and 60 tags.
"""

from __future__ import annotations

import bisect
import itertools
import json
import os
import random
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final

from resolver.mapping import ADAPTER_LORA, Mapping, Status
from resolver.model import Model

__all__ = ["Dataset", "Probes", "build_dataset", "data_dir", "raw_entries"]

DATA_DIR_VARIABLE: Final = "RESOLVER_DATA_DIR"
SEED: Final = 20250501
ADAPTER_PREFIX: Final = "base_model:adapter:"

# Providers that serve each kind of task in huggingface_hub's provider table,
# so its own selection helper can be run on the same mappings.
IMAGE_PROVIDERS: Final = ("fal-ai", "replicate", "together", "wavespeed", "nscale")
TEXT_PROVIDERS: Final = ("together", "novita", "featherless-ai", "deepinfra")
OTHER_PROVIDERS: Final = ("hf-inference",)
TEXT_TASKS: Final = frozenset({"text-generation", "image-text-to-text"})

# Groups of single-model mappings are smaller than groups of tag filters;
# this share of groups makes about a fifth of all mappings single-model.
SINGLE_MODEL_GROUP_SHARE: Final = 0.3
STYLED_FILTER_SHARE: Final = 0.04
GENERIC_FILTER_EVERY: Final = 1000
GENERIC_FILTER_LIMIT: Final = 50
VOCABULARY_SIZE: Final = 20_000
ZIPF_EXPONENT: Final = 1.1
MIN_TAGS: Final = 5
MAX_TAGS: Final = 60


def data_dir() -> Path:
    """The real Hub data, as the tests find it."""
    configured = os.environ.get(DATA_DIR_VARIABLE)
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parent.parent.parent / "shared" / "data"


@dataclass(frozen=True)
class RealModel:
    id: str
    pipeline_tag: str | None
    tags: tuple[str, ...]


def _read_models(path: Path) -> list[RealModel]:
    models = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                row = json.loads(line)
                models.append(
                    RealModel(row["id"], row["pipeline_tag"], tuple(row["tags"]))
                )
    return models


class Vocabulary:
    """Tags drawn with Zipf-skewed frequency; the head is the real Hub tags."""

    def __init__(self, models: Sequence[RealModel], size: int) -> None:
        counts = Counter(tag for model in models for tag in model.tags)
        head = [tag for tag, _ in counts.most_common()]
        tail = (f"topic:{index}" for index in itertools.count())
        self.tags = head + list(itertools.islice(tail, max(0, size - len(head))))
        weights = itertools.accumulate(
            1.0 / rank**ZIPF_EXPONENT for rank in range(1, len(self.tags) + 1)
        )
        self._cumulative = list(weights)

    def draw(self, rng: random.Random) -> str:
        point = rng.random() * self._cumulative[-1]
        return self.tags[bisect.bisect_left(self._cumulative, point)]


@dataclass(frozen=True)
class Probes:
    """Lookup inputs shared by every rule set size."""

    single: tuple[Model, ...]
    lora: tuple[Model, ...]
    miss: tuple[Model, ...]


@dataclass(frozen=True)
class Dataset:
    mappings: tuple[Mapping, ...]
    probes: Probes


def _status(rng: random.Random) -> Status:
    draw = rng.random()
    if draw < 0.85:
        return "live"
    return "staging" if draw < 0.97 else "error"


def _provider_count(rng: random.Random) -> int:
    # Several providers per base model, a few popular bases served by many.
    return rng.choices((1, 2, 3, 4, 5), weights=(3, 3, 2, 1, 1))[0]


def _providers_for(task: str | None) -> tuple[str, ...]:
    if task == "text-to-image":
        return IMAGE_PROVIDERS
    if task in TEXT_TASKS:
        return TEXT_PROVIDERS
    return OTHER_PROVIDERS


class _Stream:
    """The deterministic stream of mappings every rule set is a prefix of."""

    def __init__(self, real: Sequence[RealModel], vocabulary: Vocabulary) -> None:
        self.rng = random.Random(SEED)
        self.vocabulary = vocabulary
        # Half of the real models are routed by single-model mappings; the
        # other half is kept unmapped to serve as misses.
        self.mapped = [m for index, m in enumerate(real) if index % 2 == 0]
        self.bases = sorted(
            {
                tag.removeprefix(ADAPTER_PREFIX)
                for model in real
                for tag in model.tags
                if tag.startswith(ADAPTER_PREFIX)
            }
        )
        self.used_bases: list[str] = []
        self.single_ids: list[tuple[str, str | None]] = []
        self.filter_tags: dict[str, tuple[str, ...]] = {}

    def _next_model(self, number: int) -> tuple[str, str | None]:
        if number < len(self.mapped):
            model = self.mapped[number]
            return model.id, model.pipeline_tag
        task = self.rng.choice(
            ("text-generation", "text-to-image", "feature-extraction")
        )
        return f"org{number % 9973}/model-{number}", task

    def _next_base(self, number: int) -> str:
        if number < len(self.bases):
            return self.bases[number]
        return f"base-org{number % 997}/base-model-{number}"

    def mappings(self) -> Iterator[Mapping]:
        rng = self.rng
        order = 0
        models = bases = generic = 0
        while True:
            group: list[Mapping] = []
            if rng.random() < SINGLE_MODEL_GROUP_SHARE:
                model_id, pipeline_tag = self._next_model(models)
                models += 1
                self.single_ids.append((model_id, pipeline_tag))
                task = pipeline_tag or "text-to-image"
                providers = _providers_for(task)
                count = min(len(providers), rng.choice((1, 1, 2, 3)))
                for provider in rng.sample(providers, count):
                    group.append(
                        Mapping(
                            provider=provider,
                            task=task,
                            provider_model=f"{provider}/{model_id.lower()}",
                            status=_status(rng),
                            kind="single-model",
                            hf_model=model_id,
                        )
                    )
            else:
                base = self._next_base(bases)
                bases += 1
                self.used_bases.append(base)
                tags: tuple[str, ...] = (ADAPTER_LORA, ADAPTER_PREFIX + base)
                self.filter_tags[base] = tags
                for provider in rng.sample(IMAGE_PROVIDERS, _provider_count(rng)):
                    required = tags
                    if rng.random() < STYLED_FILTER_SHARE:
                        required = (*tags, self.vocabulary.draw(rng))
                    group.append(self._tag_filter(provider, required, base))
            # One generic filter per thousand mappings, up to a few dozen.
            due = order >= (generic + 1) * GENERIC_FILTER_EVERY
            if due and generic < GENERIC_FILTER_LIMIT:
                generic += 1
                tag = self.vocabulary.draw(rng)
                provider = rng.choice(IMAGE_PROVIDERS)
                group.append(self._tag_filter(provider, (tag, ADAPTER_LORA), tag))
            for mapping in group:
                yield _with_order(mapping, order)
                order += 1

    def _tag_filter(self, provider: str, tags: tuple[str, ...], name: str) -> Mapping:
        return Mapping(
            provider=provider,
            task="text-to-image",
            provider_model=f"{provider}/{name.lower()}-lora",
            status=_status(self.rng),
            kind="tag-filter",
            tags=tags,
            adapter_type=ADAPTER_LORA,
        )


def _with_order(mapping: Mapping, order: int) -> Mapping:
    return replace(mapping, source="benchmark", entry=order, order=order)


def _lora_model(
    number: int,
    base: str,
    host: RealModel,
    vocabulary: Vocabulary,
    rng: random.Random,
) -> Model:
    # A real tag set with its base-model relations replaced by the adapter
    # relation to ``base``, topped up from the vocabulary to a drawn size.
    tags = [t for t in host.tags if not t.startswith("base_model:")]
    tags += [ADAPTER_LORA, ADAPTER_PREFIX + base, f"base_model:{base}"]
    target = rng.randint(MIN_TAGS, MAX_TAGS)
    while len(set(tags)) < target:
        tags.append(vocabulary.draw(rng))
    pipeline_tag = None if rng.random() < 0.3 else "text-to-image"
    return Model(
        f"lora-user{number}/{base.rsplit('/', maxsplit=1)[-1]}-lora", tags, pipeline_tag
    )


def build_dataset(size: int, probe_rules: int = 100, probes: int = 64) -> Dataset:
    """``size`` mappings, and probe models drawn from the first ``probe_rules``.

    Probe models only hit mappings among the first ``probe_rules`` of the
    stream, so they hit the same mappings in every rule set at least that big.
    """
    real = _read_models(data_dir() / "hub_models.jsonl")
    vocabulary = Vocabulary(real, VOCABULARY_SIZE)
    stream = _Stream(real, vocabulary)
    mappings = tuple(itertools.islice(stream.mappings(), size))

    rng = random.Random(SEED + 1)
    head = mappings[: min(size, probe_rules)]
    # Probes hit a live mapping, so the public caller gets a route.
    live = [m for m in head if m.status == "live"]
    single_ids = sorted({m.hf_model for m in live if m.hf_model is not None})
    real_by_id = {model.id: model for model in real}
    single = tuple(
        Model(model_id, real_by_id[model_id].tags, real_by_id[model_id].pipeline_tag)
        if model_id in real_by_id
        else Model(model_id, (), None)
        for model_id in single_ids
    )

    bases = sorted(
        {
            tag.removeprefix(ADAPTER_PREFIX)
            for m in live
            if m.kind == "tag-filter"
            for tag in m.tags
            if tag.startswith(ADAPTER_PREFIX)
        }
    )
    hosts = [m for m in real if MIN_TAGS <= len(m.tags) <= MAX_TAGS]
    lora = tuple(
        _lora_model(n, bases[n % len(bases)], rng.choice(hosts), vocabulary, rng)
        for n in range(probes if bases else 0)
    )

    # Unmapped real models without LoRA tags: no single-model mapping and no
    # tag filter can take them at any size.
    unmapped = [
        m
        for index, m in enumerate(real)
        if index % 2 == 1 and ADAPTER_LORA not in m.tags and len(m.tags) >= MIN_TAGS
    ]
    miss = tuple(
        Model(m.id, m.tags, m.pipeline_tag)
        for m in rng.sample(unmapped, min(probes, len(unmapped)))
    )
    return Dataset(mappings, Probes(single[:probes], lora, miss))


def raw_entries(mappings: Sequence[Mapping]) -> list[dict[str, Any]]:
    """The registration bodies the loader would read for these mappings."""
    entries: list[dict[str, Any]] = []
    for m in mappings:
        body: dict[str, Any] = {
            "provider": m.provider,
            "task": m.task,
            "providerModel": m.provider_model,
            "status": m.status,
        }
        if m.kind == "tag-filter":
            body.update(type="tag-filter", tags=list(m.tags), adapterType="lora")
        else:
            body["hfModel"] = m.hf_model
        entries.append(body)
    return entries
