"""The lookup structure: mappings arranged so a lookup never scans the rule set.

Single-model mappings sit in a dict keyed by the case-folded model id. Tag
filters sit in a dict keyed by each filter's *rarest* required tag (the tag
fewest filters share), so a model's lookup touches only the buckets of tags it
carries, and each bucket holds only the filters that could need it. The cost
of a lookup therefore grows with the model's tag count and the handful of
filters per bucket, not with the number of rules.

An index is immutable once built. Replacing the rule set means building a new
index and swapping it in whole, which is what keeps a concurrent lookup from
ever seeing half of one rule set and half of another.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import Final

from resolver.mapping import Mapping
from resolver.model import Caller, Model
from resolver.orgs import ProviderOrgs
from resolver.route import Route
from resolver.rules import (
    KIND_SINGLE_MODEL,
    KIND_TAG_FILTER,
    is_visible,
    normalise_tag,
    provider_rank,
    task_rank,
)

__all__ = ["MappingIndex", "PrecedenceKey"]

PrecedenceKey = tuple[int, int, int, int, int]

# Memoised answers per index. A plain dict is the cheapest structure to probe;
# when it fills up it is emptied rather than evicted entry by entry, which
# costs one slow lookup per live key afterwards and keeps the hit path free of
# any bookkeeping.
MEMO_LIMIT: Final = 1 << 16
_MISSING: Final = object()


class MappingIndex:
    """Routes for one immutable set of mappings."""

    __slots__ = (
        "_by_key",
        "_filter_keys",
        "_memo",
        "_normalised",
        "mappings",
        "routes",
        "single_model",
    )

    def __init__(self, mappings: Sequence[Mapping], orgs: ProviderOrgs) -> None:
        self.mappings = tuple(mappings)
        self.routes = tuple(Route.for_mapping(m, orgs.org_of(m.provider)) for m in mappings)

        single_model: defaultdict[str, list[Route]] = defaultdict(list)
        filters: list[Route] = []
        for route in self.routes:
            if route.hf_model is not None:
                single_model[route.hf_model.casefold()].append(route)
            else:
                filters.append(route)
        self.single_model: dict[str, tuple[Route, ...]] = {
            key: tuple(routes) for key, routes in single_model.items()
        }

        # Ties between equally rare tags are broken by the tag itself, so the
        # layout never depends on set iteration order.
        frequency = Counter(tag for route in filters for tag in set(route.tags))
        by_key: defaultdict[str, list[Route]] = defaultdict(list)
        for route in filters:
            rarest = min(route.tags, key=lambda tag: (frequency[tag], tag))
            by_key[rarest].append(route)
        self._by_key = {key: tuple(routes) for key, routes in by_key.items()}
        self._filter_keys = frozenset(self._by_key)

        self._memo: dict[tuple[Model, Caller, str | None, str | None], Route | None] = {}
        self._normalised: dict[str, tuple[Route, ...]] | None = None

    def __len__(self) -> int:
        return len(self.routes)

    # -- lookup ------------------------------------------------------------

    def find(
        self, model: Model, caller: Caller, task: str | None, provider: str | None
    ) -> Route | None:
        """The route for this lookup, or ``None``; memoised per index."""
        key = (model, caller, task, provider)
        route = self._memo.get(key, _MISSING)
        if route is not _MISSING:
            return route  # type: ignore[return-value]
        found = self._select(model, caller, task, provider)
        memo = self._memo
        if len(memo) >= MEMO_LIMIT:
            memo.clear()
        memo[key] = found
        return found

    def _select(
        self, model: Model, caller: Caller, task: str | None, provider: str | None
    ) -> Route | None:
        _, model_tags, pipeline_tag, _, folded_id = model
        preferences = caller.providers
        best: Route | None = None
        best_key: PrecedenceKey | None = None

        for route in self.single_model.get(folded_id, ()):
            if provider is not None and route.provider != provider:
                continue
            rank = task_rank(route.task, task, pipeline_tag)
            if rank is None or not is_visible(route, caller):
                continue
            key = (
                provider_rank(route.provider, preferences),
                KIND_SINGLE_MODEL,
                rank,
                0,
                route.order,
            )
            if best_key is None or key < best_key:
                best, best_key = route, key

        # A single-model match at the best provider rank cannot be beaten: at
        # equal rank, single-model mappings precede every tag filter.
        if best_key is not None and best_key[0] == 0:
            return best

        for tag in self._filter_keys.intersection(model_tags):
            for route in self._by_key[tag]:
                if provider is not None and route.provider != provider:
                    continue
                if not model_tags.issuperset(route.tags):
                    continue
                rank = task_rank(route.task, task, pipeline_tag)
                if rank is None or not is_visible(route, caller):
                    continue
                key = (
                    provider_rank(route.provider, preferences),
                    KIND_TAG_FILTER,
                    rank,
                    -len(route.tags),
                    route.order,
                )
                if best_key is None or key < best_key:
                    best, best_key = route, key
        return best

    # -- candidates for explanations ----------------------------------------

    def near(self, model: Model) -> list[Route]:
        """Every mapping that came close to ``model``, in load order.

        That is each single-model mapping of its id (any case), and each tag
        filter sharing at least one tag with it, exactly or up to case and
        surrounding spaces. This path is for diagnostics, not lookups: its
        cost grows with the number of filters sharing the model's tags.
        """
        found: dict[int, Route] = {r.order: r for r in self.single_model.get(model.folded_id, ())}
        normalised = self._normalised_index()
        for tag in {normalise_tag(tag) for tag in model.tags}:
            for route in normalised.get(tag, ()):
                found[route.order] = route
        return [found[order] for order in sorted(found)]

    def _normalised_index(self) -> dict[str, tuple[Route, ...]]:
        # Built on first use: only explanations need it. Two threads racing
        # here both build the same dict and one assignment wins; no lock.
        if self._normalised is None:
            table: defaultdict[str, list[Route]] = defaultdict(list)
            for routes in self._by_key.values():
                for route in routes:
                    for tag in {normalise_tag(tag) for tag in route.tags}:
                        table[tag].append(route)
            self._normalised = {key: tuple(routes) for key, routes in table.items()}
        return self._normalised


def build_index(mappings: Iterable[Mapping], orgs: ProviderOrgs) -> MappingIndex:
    return MappingIndex(tuple(mappings), orgs)
