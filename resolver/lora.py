"""LoRA adapters: recognising them by their tags, and finding their weights."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from huggingface_hub import hf_hub_url

from resolver.errors import AmbiguousWeightsError
from resolver.model import Model
from resolver.route import Route
from resolver.rules import normalise_tag, parse_base_model_tag

__all__ = [
    "WEIGHTS_SUFFIX",
    "LoraWeights",
    "looks_like_lora",
    "weights_for",
]

WEIGHTS_SUFFIX: Final = ".safetensors"


def looks_like_lora(model: Model) -> bool:
    """Whether the model's tags say it is a LoRA adapter, however loosely.

    This is deliberately wider than any tag filter: it counts ``LoRA`` and
    `` lora`` (which no exact filter matches), ``base_model:adapter:`` tags and
    training templates such as ``template:sd-lora``, because its use is to
    find LoRA repositories that the rules fail to route.
    """
    for tag in model.tags:
        normal = normalise_tag(tag)
        base = parse_base_model_tag(normal)
        if (
            normal == "lora"
            or normal.endswith("-lora")
            or (base and base[0] == "adapter")
        ):
            return True
    return False


@dataclass(frozen=True, slots=True)
class LoraWeights:
    """The weights file a provider must load for a LoRA route, and its URL."""

    path: str
    url: str

    def to_json(self) -> dict[str, str]:
        return {"adapterWeightsPath": self.path, "weightsUrl": self.url}


def weights_for(
    route: Route,
    model: Model,
    *,
    endpoint: str | None = None,
    revision: str | None = None,
) -> LoraWeights | None:
    """The weights of ``model`` for a LoRA ``route``; ``None`` if not a LoRA.

    The Hub's ``adapterWeightsPath`` wins; otherwise the single ``.safetensors``
    file at the top of the repository, when ``model.siblings`` is known. The
    URL is built by huggingface_hub, so ``endpoint`` (default: ``HF_ENDPOINT``
    as huggingface_hub read it) is honoured. Routes are shared between
    lookups, so the answer is a new object rather than a change to the route.

    :raises AmbiguousWeightsError: when the Hub gave no path and the files do
        not name exactly one candidate (or are not known): routing such a
        request would silently run the bare base model.
    """
    if not route.is_lora:
        return None
    path = route.adapter_weights_path
    if path is None:
        if model.siblings is None:
            raise AmbiguousWeightsError(model.id, (), files_known=False)
        candidates = sorted(
            name
            for name in model.siblings
            if "/" not in name and name.endswith(WEIGHTS_SUFFIX)
        )
        if len(candidates) != 1:
            raise AmbiguousWeightsError(model.id, candidates)
        path = candidates[0]
    url = hf_hub_url(model.id, path, revision=revision, endpoint=endpoint)
    return LoraWeights(path, url)
