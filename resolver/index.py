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

from resolver.mapping import CONVERSATIONAL, CONVERSATIONAL_PIPELINE_TAGS, Mapping
from resolver.model import Caller, Model
from resolver.orgs import ProviderOrgs
from resolver.route import Route
from resolver.rules import (
    KIND_SINGLE_MODEL,
    KIND_TAG_FILTER,
    TASK_CONVERSATIONAL,
    TASK_EXACT,
    normalise_tag,
)

__all__ = ["MISSING", "MappingIndex", "PrecedenceKey"]

PrecedenceKey = tuple[int, int, int, int, int]

# Memoised answers per index. A plain dict is the cheapest structure to probe;
# when it fills up it is emptied rather than evicted entry by entry, which
# costs one slow lookup per live key afterwards and keeps the hit path free of
# any bookkeeping.
MEMO_LIMIT: Final = 1 << 16
# What a memo probe returns for a lookup never made (None is an answer).
MISSING: Final = object()
BASE_MODEL_PREFIX: Final = "base_model:"


def _fold(model_id: str) -> str:
    # Most ids are already lower case; keeping the id itself as the key then
    # saves a second copy of the string (about 60 bytes per mapping).
    folded = model_id.casefold()
    return model_id if folded == model_id else folded


def _key_rank(tag: str, frequency: Counter[str]) -> tuple[int, int, str]:
    """Which of a filter's tags to file it under: the smallest rank wins.

    A ``base_model:<relation>:<id>`` tag names one base model, so only that
    base's derivatives carry it and its bucket is probed by few lookups;
    other tags (style words, ``flux``) are shared by unrelated models. A
    filter without such a tag goes under its rarest tag among filters. Ties go
    to the tag itself, so the layout never depends on set iteration order.

    Still missing: a generic filter such as ``[region:us, lora]`` sits under a
    tag most models carry. In the 100,000-rule benchmark set, 50 of them make
    a LoRA lookup probe 10 buckets and 30 filters instead of 1 and 2; keying
    those by tag pairs would take a second-level index.
    """
    return (0 if tag.startswith(BASE_MODEL_PREFIX) else 1, frequency[tag], tag)


class MappingIndex:
    """Routes for one immutable set of mappings."""

    __slots__ = (
        "_by_key",
        "_filter_keys",
        "_normalised",
        "mappings",
        "memo",
        "routes",
        "single_model",
    )

    def __init__(self, mappings: Sequence[Mapping], orgs: ProviderOrgs) -> None:
        self.mappings = tuple(mappings)
        self.routes = tuple(
            Route.for_mapping(m, orgs.org_of(m.provider)) for m in mappings
        )

        single_model: defaultdict[str, list[Route]] = defaultdict(list)
        filters: list[Route] = []
        for route in self.routes:
            if route.hf_model is not None:
                single_model[_fold(route.hf_model)].append(route)
            else:
                filters.append(route)
        self.single_model: dict[str, tuple[Route, ...]] = {
            key: tuple(routes) for key, routes in single_model.items()
        }

        frequency = Counter(tag for route in filters for tag in set(route.tags))
        by_key: defaultdict[str, list[Route]] = defaultdict(list)
        for route in filters:
            by_key[min(route.tags, key=lambda tag: _key_rank(tag, frequency))].append(
                route
            )
        self._by_key = {key: tuple(routes) for key, routes in by_key.items()}
        # A model's tags are intersected with this set in C in one call; at 30
        # tags that measured about half the time of probing the dict per tag
        # in a Python loop.
        self._filter_keys = frozenset(self._by_key)

        self.memo: dict[tuple[Model, Caller, str | None, str | None], Route | None] = {}
        self._normalised: dict[str, tuple[Route, ...]] | None = None

    def __len__(self) -> int:
        return len(self.routes)

    def clear_memo(self) -> None:
        """Forget memoised answers, so the next lookup of each model is a first."""
        self.memo.clear()

    # -- lookup ------------------------------------------------------------

    def find(
        self, model: Model, caller: Caller, task: str | None, provider: str | None
    ) -> Route | None:
        """The route for this lookup, or ``None``; memoised per index."""
        route = self.memo.get((model, caller, task, provider), MISSING)
        if route is MISSING:
            return self.select(model, caller, task, provider)
        return route  # type: ignore[return-value]

    def select(
        self, model: Model, caller: Caller, task: str | None, provider: str | None
    ) -> Route | None:
        """Find the route without consulting the memo, and memoise it."""
        found = self._select(model, caller, task, provider)
        memo = self.memo
        if len(memo) >= MEMO_LIMIT:
            memo.clear()
        memo[(model, caller, task, provider)] = found
        return found

    def _select(  # noqa: PLR0915 - the rules are inlined, see below
        self, model: Model, caller: Caller, task: str | None, provider: str | None
    ) -> Route | None:
        # The rules of resolver.rules (task_rank, is_visible, provider_rank)
        # are inlined below: as function calls they were about 60% of a first
        # lookup (1,540 ns against 610 ns for a LoRA model at 100 rules). The
        # property tests hold this copy to the brute-force resolver, which
        # calls those functions.
        _, model_tags, pipeline_tag, _, folded_id = model
        preferences = caller[1]

        # Which mapping tasks fit is fixed per lookup, so it is decided once:
        # an explicit task must be equal; without one, the pipeline tag (or
        # any task when the model has none), or conversational for chat models.
        exact: str | None
        if task is not None:
            exact, any_task, chat = task, False, False
        else:
            exact, any_task = pipeline_tag, pipeline_tag is None
            chat = pipeline_tag in CONVERSATIONAL_PIPELINE_TAGS

        best: Route | None = None
        best_key: PrecedenceKey | None = None
        for route in self.single_model.get(folded_id, ()):
            route_task = route.task
            if any_task or route_task == exact:
                task_fit = TASK_EXACT
            elif chat and route_task == CONVERSATIONAL:
                task_fit = TASK_CONVERSATIONAL
            else:
                continue
            name = route.provider
            if provider is not None and name != provider:
                continue
            status = route.status
            if status != "live" and (
                status != "staging" or not caller.is_member(route.provider_org)
            ):
                continue
            rank = 0
            if preferences:
                rank = (
                    preferences.index(name) if name in preferences else len(preferences)
                )
            # Routes are in load order, so the first one on the best provider
            # rank with an exact task beats every later mapping of any kind.
            if rank == 0 and task_fit == TASK_EXACT:
                return route
            key = (rank, KIND_SINGLE_MODEL, task_fit, 0, route.order)
            if best_key is None or key < best_key:
                best, best_key = route, key

        # A single-model match at the best provider rank cannot be beaten: at
        # equal rank, single-model mappings precede every tag filter.
        if best_key is not None and best_key[0] == 0:
            return best

        by_key = self._by_key
        for tag in self._filter_keys.intersection(model_tags):
            for route in by_key[tag]:
                name = route.provider
                if provider is not None and name != provider:
                    continue
                if not model_tags.issuperset(route.tags):
                    continue
                route_task = route.task
                if any_task or route_task == exact:
                    task_fit = TASK_EXACT
                elif chat and route_task == CONVERSATIONAL:
                    task_fit = TASK_CONVERSATIONAL
                else:
                    continue
                status = route.status
                if status != "live" and (
                    status != "staging" or not caller.is_member(route.provider_org)
                ):
                    continue
                rank = 0
                if preferences:
                    rank = (
                        preferences.index(name)
                        if name in preferences
                        else len(preferences)
                    )
                key = (rank, KIND_TAG_FILTER, task_fit, -len(route.tags), route.order)
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
        single = self.single_model.get(model.folded_id, ())
        found: dict[int, Route] = {r.order: r for r in single}
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
