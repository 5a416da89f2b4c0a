"""The public entry point: load mappings once, then route models fast."""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping as AnyMapping
from pathlib import Path
from typing import Any, Final

from resolver.errors import InvalidArgumentError, MappingProblem, NoRouteError
from resolver.explain import Explanation, explain
from resolver.index import MISSING as _MISSING
from resolver.index import MappingIndex
from resolver.loading import LoadResult, MappingLoader
from resolver.mapping import Mapping
from resolver.model import Caller, Model
from resolver.orgs import ProviderOrgs
from resolver.route import Route

__all__ = ["PUBLIC", "Resolver"]

PUBLIC: Final = Caller()
"""A caller with no organisations and no provider preference."""


class Resolver:
    """Routes Hub models to inference providers by the routing contract.

    Build one with :meth:`from_files` or :meth:`from_mappings`; it is
    immutable afterwards and safe to share between threads. ``problems`` holds
    the entries a lenient load skipped (empty after a strict load, which
    raises instead).
    """

    __slots__ = ("_index", "_memo", "problems", "provider_orgs")

    def __init__(
        self,
        mappings: Iterable[Mapping] = (),
        *,
        provider_orgs: AnyMapping[str, str] | None = None,
        problems: Iterable[MappingProblem] = (),
    ) -> None:
        self.provider_orgs = ProviderOrgs(provider_orgs)
        self._index = MappingIndex(tuple(mappings), self.provider_orgs)
        self._memo = self._index.memo
        self.problems = tuple(problems)

    @classmethod
    def from_files(
        cls,
        paths: Iterable[str | Path],
        *,
        lenient: bool = False,
        provider_orgs: AnyMapping[str, str] | None = None,
        listing_provider: str | None = None,
    ) -> Resolver:
        """Load rules files (JSON or JSON Lines, any entry shape).

        Strict by default: any refused entry raises :class:`MappingError`
        listing every problem. ``provider_orgs`` overrides both the default
        table and the files' own ``providerOrgs``. ``listing_provider`` names
        the provider of a file that is a raw partner listing.
        """
        loader = MappingLoader()
        for path in paths:
            loader.add_file(path, listing_provider=listing_provider)
        return cls._from_result(loader.finish(lenient=lenient), provider_orgs)

    @classmethod
    def from_mappings(
        cls,
        entries: Iterable[Any],
        *,
        source: str = "<memory>",
        lenient: bool = False,
        provider_orgs: AnyMapping[str, str] | None = None,
    ) -> Resolver:
        """Load in-memory entries: registration bodies, Hub list entries,
        model info responses (dicts), or already normalised :class:`Mapping`
        objects, which are taken as they are."""
        loader = MappingLoader()
        loader.add_entries(entries, source=source)
        result = loader.finish(lenient=lenient)
        return cls._from_result(result, provider_orgs)

    @classmethod
    def _from_result(
        cls, result: LoadResult, provider_orgs: AnyMapping[str, str] | None
    ) -> Resolver:
        orgs = {**result.provider_orgs, **(provider_orgs or {})}
        return cls(result.mappings, provider_orgs=orgs, problems=result.problems)

    @property
    def mappings(self) -> tuple[Mapping, ...]:
        return self._index.mappings

    @property
    def routes(self) -> tuple[Route, ...]:
        """One prebuilt route per mapping, in load order."""
        return self._index.routes

    def __len__(self) -> int:
        return len(self._index)

    def find(
        self,
        model: Model,
        caller: Caller = PUBLIC,
        task: str | None = None,
        provider: str | None = None,
    ) -> Route | None:
        """The route for ``model`` and ``caller``, or ``None`` when there is none.

        The fast path: no exception and no explanation on a miss.
        """
        # The memo is probed here rather than in the index: one Python call
        # less on the path most lookups take. Arguments are checked only when
        # something fails (a try block costs nothing until it catches).
        try:
            route = self._memo.get((model, caller, task, provider), _MISSING)
            if route is _MISSING:
                return self._index.select(model, caller, task, provider)
        except (TypeError, ValueError, AttributeError):
            _check_arguments(model, caller, task, provider)
            raise
        return route  # type: ignore[return-value]

    def resolve(
        self,
        model: Model,
        caller: Caller = PUBLIC,
        task: str | None = None,
        provider: str | None = None,
    ) -> Route:
        """The route for ``model`` and ``caller``.

        :raises NoRouteError: when no visible mapping fits; it carries every
            candidate and the reason it was passed over.
        """
        # The memo probe of find, repeated rather than called: resolve is a
        # hot path too, and a call costs about 50 ns.
        try:
            route = self._memo.get((model, caller, task, provider), _MISSING)
            if route is _MISSING:
                route = self._index.select(model, caller, task, provider)
        except (TypeError, ValueError, AttributeError):
            _check_arguments(model, caller, task, provider)
            raise
        if route is None:
            explanation = explain(self._index, model, caller, task, provider)
            raise NoRouteError(model, explanation.candidates, explanation.summary())
        return route  # type: ignore[return-value]

    def explain(
        self,
        model: Model,
        caller: Caller = PUBLIC,
        task: str | None = None,
        provider: str | None = None,
    ) -> Explanation:
        """Every mapping near ``model`` with the reason it was taken or not."""
        return explain(self._index, model, caller, task, provider)


def _check_arguments(model: Any, caller: Any, task: Any, provider: Any) -> None:
    """Raise InvalidArgumentError naming the first argument of the wrong type."""
    for name, value, expected in (
        ("model", model, Model),
        ("caller", caller, Caller),
        ("task", task, str | None),
        ("provider", provider, str | None),
    ):
        if not isinstance(value, expected):
            raise InvalidArgumentError(f"{name} must be a {expected}, not {value!r}")
