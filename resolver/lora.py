"""LoRA adapters: recognising them by their tags."""

from __future__ import annotations

from typing import Final

from resolver.model import Model
from resolver.rules import normalise_tag

__all__ = ["ADAPTER_TAG_PREFIX", "looks_like_lora"]

ADAPTER_TAG_PREFIX: Final = "base_model:adapter:"


def looks_like_lora(model: Model) -> bool:
    """Whether the model's tags say it is a LoRA adapter, however loosely.

    This is deliberately wider than any tag filter: it counts ``LoRA`` and
    `` lora`` (which no exact filter matches), ``base_model:adapter:`` tags and
    training templates such as ``template:sd-lora``, because its use is to
    find LoRA repositories that the rules fail to route.
    """
    for tag in model.tags:
        normal = normalise_tag(tag)
        if normal == "lora" or normal.endswith("-lora") or tag.startswith(ADAPTER_TAG_PREFIX):
            return True
    return False
