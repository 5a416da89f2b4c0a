"""What a rule set captures from a file of Hub models, and what it misses.

A mapping *captures* a model when it is the route selected for that model by
a caller who asks for the mapping's provider explicitly, belongs to that
provider's Hub organisation (so staging mappings count) and asks for no task
(so the model's pipeline tag decides). That is the question a provider asks
of its own rules: "for someone who picks us, which of our mappings serves this
model?" Other providers' mappings never take a model away from a mapping, and
the provider's own single-model mappings and more specific filters do.

A mapping *matches* a model when it fits it, whatever wins: its tags are all
among the model's tags (or its ``hfModel`` is the model id, in any case), and
its task fits the model's pipeline tag. ``matched - captured`` is what the
provider's other mappings take.

A LoRA-tagged model (:func:`resolver.lora.looks_like_lora`) is *uncaptured*
when no mapping of any provider captures it; that is, even a caller in every
provider organisation gets no route. For each, the *nearest* miss is the
candidate of :meth:`resolver.Resolver.explain` for that caller with the fewest
required tags not carried exactly, then the closest reason (a task or a case
difference before a missing tag), then load order.

A model is *routed differently for staging* by a provider when a member of
the provider's organisation and the public, both asking for that provider,
get different routes (another mapping, or a route against none).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from resolver.explain import Candidate
from resolver.lora import looks_like_lora
from resolver.mapping import Mapping
from resolver.model import Caller, Model
from resolver.resolver import PUBLIC, Resolver
from resolver.route import Route
from resolver.rules import task_rank

__all__ = [
    "EXAMPLE_LIMIT",
    "Coverage",
    "MappingCoverage",
    "Miss",
    "StagingDifference",
    "coverage",
]

EXAMPLE_LIMIT: Final = 3
# How close each reason for passing a mapping over is to being a route.
_REASON_DISTANCE: Final = {
    "wrong-task": 0,
    "tag-differs": 1,
    "status-error": 2,
    "hidden": 3,
    "other-provider": 4,
    "missing-tag": 5,
}


@dataclass(slots=True)
class MappingCoverage:
    """One mapping's counts over the models file."""

    mapping: Mapping
    captured: int = 0
    matched: int = 0
    examples: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        mapping = self.mapping
        return {
            "provider": mapping.provider,
            "providerModel": mapping.provider_model,
            "kind": mapping.kind,
            "task": mapping.task,
            "status": mapping.status,
            "hfModel": mapping.hf_model,
            "tags": list(mapping.tags) if mapping.is_tag_filter else None,
            "source": mapping.location,
            "captured": self.captured,
            "matched": self.matched,
            "examples": list(self.examples),
        }


@dataclass(frozen=True, slots=True)
class Miss:
    """A LoRA-tagged model no mapping captures, and the nearest mapping."""

    model: Model
    nearest: Candidate | None
    summary: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.model.id,
            "nearest": None if self.nearest is None else self.nearest.to_json(),
            "summary": self.summary,
        }


@dataclass(frozen=True, slots=True)
class StagingDifference:
    """A model a provider routes one way for its organisation, another for all."""

    provider: str
    model: Model
    member: Route | None
    public: Route | None

    def to_json(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "id": self.model.id,
            "member": None if self.member is None else self.member.to_json(),
            "public": None if self.public is None else self.public.to_json(),
        }


@dataclass(frozen=True, slots=True)
class Coverage:
    """The whole report; see the module documentation for each definition."""

    models: int
    mappings: tuple[MappingCoverage, ...]
    lora_models: int
    uncaptured_lora: tuple[Miss, ...]
    staging: tuple[StagingDifference, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "models": self.models,
            "loraModels": self.lora_models,
            "mappings": [item.to_json() for item in self.mappings],
            "uncapturedLora": [miss.to_json() for miss in self.uncaptured_lora],
            "staging": [difference.to_json() for difference in self.staging],
        }


def coverage(resolver: Resolver, models: Sequence[Model]) -> Coverage:
    """Measure ``resolver``'s rules against ``models``."""
    providers = sorted({m.provider for m in resolver.mappings})
    orgs = resolver.provider_orgs
    members = {p: Caller(orgs=[orgs.org_of(p)]) for p in providers}
    insider = Caller(orgs=[orgs.org_of(p) for p in providers])
    counts = {id(route): MappingCoverage(route.mapping) for route in resolver.routes}
    filters = [route for route in resolver.routes if route.hf_model is None]
    singles: dict[str, list[Route]] = {}
    for route in resolver.routes:
        if route.hf_model is not None:
            singles.setdefault(route.hf_model.casefold(), []).append(route)

    misses: list[Miss] = []
    staging: list[StagingDifference] = []
    lora_models = 0
    for model in models:
        for provider in providers:
            member = resolver.find(model, members[provider], None, provider)
            if member is not None:
                item = counts[id(member)]
                item.captured += 1
                if len(item.examples) < EXAMPLE_LIMIT:
                    item.examples.append(model.id)
            public = resolver.find(model, PUBLIC, None, provider)
            if public is not member:
                staging.append(StagingDifference(provider, model, member, public))
        for route in (*singles.get(model.folded_id, ()), *filters):
            if _matches(route, model):
                counts[id(route)].matched += 1

        if looks_like_lora(model):
            lora_models += 1
            if resolver.find(model, insider) is None:
                misses.append(_miss(resolver, model, insider))
    return Coverage(
        models=len(models),
        mappings=tuple(counts.values()),
        lora_models=lora_models,
        uncaptured_lora=tuple(misses),
        staging=tuple(staging),
    )


def _matches(route: Route, model: Model) -> bool:
    if route.hf_model is not None:
        if route.hf_model.casefold() != model.folded_id:
            return False
    elif not model.tags.issuperset(route.tags):
        return False
    return task_rank(route.task, None, model.pipeline_tag) is not None


def _miss(resolver: Resolver, model: Model, caller: Caller) -> Miss:
    explanation = resolver.explain(model, caller)
    nearest = min(
        explanation.candidates,
        key=lambda c: (
            _missing_tags(c, model),
            _REASON_DISTANCE[c.reason],
            c.route.order,
        ),
        default=None,
    )
    return Miss(model, nearest, explanation.summary())


def _missing_tags(candidate: Candidate, model: Model) -> int:
    return sum(1 for tag in candidate.route.tags if tag not in model.tags)
