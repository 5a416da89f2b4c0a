"""The routing contract's per-mapping rules: visibility, task, precedence.

The explanation applies the rules through these functions. The index's
lookup path inlines the same rules for speed (see ``MappingIndex.select``);
the property tests hold the two to a brute-force resolver that shares
neither.
"""

from __future__ import annotations

from typing import Final

from resolver.mapping import CONVERSATIONAL, CONVERSATIONAL_PIPELINE_TAGS
from resolver.model import Caller
from resolver.route import Route

__all__ = [
    "KIND_SINGLE_MODEL",
    "KIND_TAG_FILTER",
    "TASK_CONVERSATIONAL",
    "TASK_EXACT",
    "is_visible",
    "near_forms",
    "normalise_tag",
    "parse_base_model_tag",
    "provider_rank",
    "task_rank",
]

# Components of the precedence key, smaller first:
# (provider rank, kind, task rank, -number of required tags, load order).
KIND_SINGLE_MODEL: Final = 0
KIND_TAG_FILTER: Final = 1
TASK_EXACT: Final = 0
TASK_CONVERSATIONAL: Final = 1


def task_rank(
    mapping_task: str, task: str | None, pipeline_tag: str | None
) -> int | None:
    """How well a mapping's task fits the lookup; ``None`` when it does not.

    An explicit task must be equal. Otherwise the mapping's task must be the
    model's pipeline tag, or ``conversational`` for a text-generation or
    image-text-to-text model; a model without a pipeline tag (as many LoRA
    repositories are) accepts a mapping of any task.
    """
    if task is not None:
        return TASK_EXACT if mapping_task == task else None
    if pipeline_tag is None or mapping_task == pipeline_tag:
        return TASK_EXACT
    if mapping_task == CONVERSATIONAL and pipeline_tag in CONVERSATIONAL_PIPELINE_TAGS:
        return TASK_CONVERSATIONAL
    return None


def is_visible(route: Route, caller: Caller) -> bool:
    """Live is public, staging is for the provider's organisation, error for nobody."""
    status = route.status
    if status == "live":
        return True
    if status == "staging":
        return caller.is_member(route.provider_org)
    return False


def provider_rank(provider: str, preferences: tuple[str, ...]) -> int:
    """Position in the caller's preference list; unlisted providers tie last."""
    if provider in preferences:
        return preferences.index(provider)
    return len(preferences)


def normalise_tag(tag: str) -> str:
    """The form in which two tags "differ only by case or spaces" are equal."""
    return tag.strip().casefold()


def parse_base_model_tag(tag: str) -> tuple[str, str] | None:
    """``(relation, base model id)`` of a ``base_model:<relation>:<id>`` tag.

    The Hub writes one such tag per model for its base model: ``adapter`` for
    a LoRA, ``finetune``, ``merge`` or ``quantized`` for the others.
    """
    parts = tag.split(":", 2)
    if len(parts) == 3 and parts[0] == "base_model" and parts[1] and parts[2]:
        return parts[1], parts[2]
    return None


def near_forms(tag: str) -> tuple[str, ...]:
    """The forms under which a tag makes a filter "near" a model.

    Its normalised form; and for ``base_model:<relation>:<id>``, the base id
    whatever the relation, so that a LoRA filter on
    ``base_model:adapter:X`` is near a repository tagged
    ``base_model:finetune:X``, the commonest near miss.
    """
    normal = normalise_tag(tag)
    parsed = parse_base_model_tag(normal)
    if parsed is not None:
        return normal, f"base_model:*:{parsed[1]}"
    return (normal,)
