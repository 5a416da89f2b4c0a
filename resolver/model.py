"""What a lookup is about: the Hub model, and the caller who asks.

Both are immutable and hashable by value, because the resolver memoises routes
by ``(model, caller, task, provider)``. They are tuple subclasses rather than
dataclasses on purpose: a tuple hashes in C, and the frozensets inside it cache
their own hash, so a repeated lookup pays for one dict probe instead of a
Python-level ``__hash__`` call per field.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from resolver.errors import InvalidArgumentError

__all__ = ["Caller", "Model"]


def _string_set(values: Iterable[str] | None, what: str) -> frozenset[str]:
    # A bare string is iterable too; accepting it would silently turn
    # "lora" into the tags {"l", "o", "r", "a"}.
    if values is None:
        return frozenset()
    if isinstance(values, str):
        raise InvalidArgumentError(
            f"{what} must be a collection of strings, not {values!r}"
        )
    result = frozenset(values)
    for value in result:
        if not isinstance(value, str):
            raise InvalidArgumentError(f"{what} must hold strings, got {value!r}")
    return result


class Model(tuple[str, frozenset[str], str | None, frozenset[str] | None, str]):
    """A Hub model as the Hub describes it.

    ``tags`` are compared exactly (case and spaces count, as on the Hub);
    ``siblings`` are the repository's file names when known, used only to find
    LoRA weights. The id is matched against single-model mappings without
    regard to case, since Hub repo ids are unique regardless of case.
    """

    __slots__ = ()

    def __new__(
        cls,
        id: str,
        tags: Iterable[str] = (),
        pipeline_tag: str | None = None,
        siblings: Iterable[str] | None = None,
    ) -> Model:
        if not isinstance(id, str) or not id:
            raise InvalidArgumentError(
                f"model id must be a non-empty string, not {id!r}"
            )
        if pipeline_tag is not None and not isinstance(pipeline_tag, str):
            raise InvalidArgumentError(
                f"pipeline_tag must be a string or None, not {pipeline_tag!r}"
            )
        files = None if siblings is None else _string_set(siblings, "siblings")
        fields = (id, _string_set(tags, "tags"), pipeline_tag, files, id.casefold())
        return tuple.__new__(cls, fields)

    def __getnewargs__(self) -> tuple[Any, ...]:
        return (self[0], self[1], self[2], self[3])

    @property
    def id(self) -> str:
        return self[0]

    @property
    def tags(self) -> frozenset[str]:
        return self[1]

    @property
    def pipeline_tag(self) -> str | None:
        return self[2]

    @property
    def siblings(self) -> frozenset[str] | None:
        return self[3]

    @property
    def folded_id(self) -> str:
        """The id case-folded, the key single-model mappings are stored under."""
        return self[4]

    def __repr__(self) -> str:
        tags = sorted(self[1])
        return f"Model(id={self[0]!r}, tags={tags!r}, pipeline_tag={self[2]!r})"


class Caller(tuple[frozenset[str], tuple[str, ...], frozenset[str]]):
    """Who asks: the Hub organisations they belong to, and their provider order.

    Organisation names are compared without regard to case, as Hub names are
    unique regardless of case. ``providers`` is the caller's preference order;
    providers it does not list rank after all listed ones, equal to each other.
    """

    __slots__ = ()

    def __new__(
        cls, orgs: Iterable[str] | None = None, providers: Iterable[str] | None = None
    ) -> Caller:
        names = _string_set(orgs, "orgs")
        if isinstance(providers, str):
            raise InvalidArgumentError(
                f"providers must be a sequence of names, not {providers!r}"
            )
        # dict.fromkeys keeps the first position of a provider listed twice.
        order = tuple(dict.fromkeys(providers or ()))
        for name in order:
            if not isinstance(name, str):
                raise InvalidArgumentError(
                    f"providers must hold provider names, got {name!r}"
                )
        folded = frozenset(name.casefold() for name in names)
        return tuple.__new__(cls, (names, order, folded))

    def __getnewargs__(self) -> tuple[Any, ...]:
        return (self[0], self[1])

    @property
    def orgs(self) -> frozenset[str]:
        return self[0]

    @property
    def providers(self) -> tuple[str, ...]:
        return self[1]

    def is_member(self, org: str) -> bool:
        """Whether the caller belongs to the Hub organisation ``org``."""
        return org.casefold() in self[2]

    def __repr__(self) -> str:
        return f"Caller(orgs={sorted(self[0])!r}, providers={list(self[1])!r})"
