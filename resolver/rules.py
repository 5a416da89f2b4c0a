"""The routing contract's per-mapping rules: visibility, task, precedence.

These small functions are shared by the fast index and by the explanation,
so that both apply one definition of each rule. They run on the lookup path
and are kept free of allocation.
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


def near_forms(tag: str) -> tuple[str, ...]:
    """The forms under which a tag makes a filter "near" a model.

    Its normalised form; and for ``base_model:<relation>:<id>``, the base id
    whatever the relation, so that a LoRA filter on
    ``base_model:adapter:X`` is near a repository tagged
    ``base_model:finetune:X``, the commonest near miss.
    """
    normal = normalise_tag(tag)
    parts = normal.split(":", 2)
    if len(parts) == 3 and parts[0] == "base_model":
        return normal, f"base_model:*:{parts[2]}"
    return (normal,)
