"""A provider mapping in the one normalised form the resolver works with.

Whatever shape a mapping arrived in (a registration body, a Hub listing entry,
the dict form of model info, a partner listing), :mod:`resolver.loading` turns
it into a :class:`Mapping`. Everything downstream, the index, the explanation
and the command line, reads only this form.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from resolver.errors import MappingError, MappingProblem, describe_location

__all__ = [
    "ADAPTER_LORA",
    "CONVERSATIONAL",
    "CONVERSATIONAL_PIPELINE_TAGS",
    "Kind",
    "Mapping",
    "Status",
]

Status = Literal["live", "staging", "error"]
Kind = Literal["single-model", "tag-filter"]

ADAPTER_LORA: Final = "lora"
CONVERSATIONAL: Final = "conversational"
# A chat mapping serves models whose pipeline tag is one of these.
CONVERSATIONAL_PIPELINE_TAGS: Final = frozenset(
    {"text-generation", "image-text-to-text"}
)


@dataclass(frozen=True, slots=True)
class Mapping:
    """One mapping a provider registered with the Hub.

    A single-model mapping names ``hf_model`` and has no ``tags``; a tag-filter
    mapping has ``tags`` (every one of which a model must carry) and no
    ``hf_model``. ``order`` is the position in which the resolver loaded it,
    the last tie-breaker of precedence; ``source``, ``entry`` and ``line`` say
    where it came from.
    """

    provider: str
    task: str
    provider_model: str
    status: Status
    kind: Kind
    hf_model: str | None = None
    tags: tuple[str, ...] = ()
    adapter_type: str | None = None
    adapter_weights_path: str | None = None
    source: str = "<memory>"
    entry: int | None = 0
    line: int | None = None
    order: int = 0

    def __post_init__(self) -> None:
        # The invariants every consumer relies on, checked once here so that
        # no Mapping built in code can make the index and the explanation
        # disagree (one goes by hf_model, the other by kind).
        problem = _invariant_problem(self)
        if problem is not None:
            field, message = problem
            raise MappingError(
                [MappingProblem(self.source, self.entry, field, message, self.line)]
            )

    @property
    def is_tag_filter(self) -> bool:
        return self.kind == "tag-filter"

    @property
    def location(self) -> str:
        return describe_location(self.source, self.entry, self.line)

    def describe(self) -> str:
        """A short human description: what it maps, for which task, to what."""
        if self.hf_model is not None:
            target = self.hf_model
        else:
            target = "tags [" + ", ".join(self.tags) + "]"
        where = f"{self.task}, {self.status}"
        return f"{self.provider} {target} ({where}) -> {self.provider_model}"


_STATUSES: Final = frozenset({"live", "staging", "error"})


def _invariant_problem(mapping: Mapping) -> tuple[str, str] | None:
    if mapping.status not in _STATUSES:
        return "status", f"must be live, staging or error (got {mapping.status!r})"
    if not isinstance(mapping.tags, tuple):
        return "tags", f"must be a tuple of tags (got {mapping.tags!r})"
    if mapping.kind == "single-model":
        if not isinstance(mapping.hf_model, str):
            return "hf_model", "a single-model mapping names its model"
        if mapping.tags:
            return "tags", "a single-model mapping takes no tags"
    elif mapping.kind == "tag-filter":
        if mapping.hf_model is not None:
            return "hf_model", "a tag filter names tags, not a model"
        if not mapping.tags:
            return "tags", "a tag filter needs at least one tag"
    else:
        return "kind", f"must be single-model or tag-filter (got {mapping.kind!r})"
    return None
