"""The lookup structure: mappings arranged so a lookup never scans the rule set.

Single-model mappings sit in a dict keyed by the case-folded model id. Tag
filters sit in a dict keyed by one required tag each: a ``base_model:`` tag if
the filter has one, else its rarest tag (the tag fewest filters share), so a
model's lookup touches only the buckets of tags it carries, and each bucket
holds only the filters that could need it. The cost
of a lookup therefore grows with the model's tag count and the handful of
filters per bucket, not with the number of rules.

An index is immutable once built. Replacing the rule set means building a new
index and swapping it in whole, which is what keeps a concurrent lookup from
ever seeing half of one rule set and half of another.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import replace
from typing import Final

from resolver.errors import InvalidArgumentError
from resolver.mapping import CONVERSATIONAL, CONVERSATIONAL_PIPELINE_TAGS, Mapping
from resolver.model import Caller, Model
from resolver.orgs import ProviderOrgs
from resolver.route import STATIC_BITS, Route
from resolver.rules import (
    KIND_SINGLE_MODEL,
    KIND_TAG_FILTER,
    TASK_CONVERSATIONAL,
    TASK_EXACT,
    near_forms,
    parse_base_model_tag,
)

__all__ = ["MISSING", "MappingIndex"]

# Memoised answers per index. A plain dict is the cheapest structure to probe;
# when it fills up it is emptied rather than evicted entry by entry, which
# costs one slow lookup per live key afterwards and keeps the hit path free of
# any bookkeeping.
MEMO_LIMIT: Final = 1 << 16
# A tag form shared by more filters than this does not make a filter "near" a
# model on its own; see MappingIndex.near.
NEAR_LIMIT: Final = 100
# What a memo probe returns for a lookup never made (None is an answer).
MISSING: Final = object()
# The smallest key a tag filter can have (provider rank 0, exact task), and a
# key larger than any real one.
_FIRST_FILTER_KEY: Final = ((0 * 2 + KIND_TAG_FILTER) * 2 + TASK_EXACT) << STATIC_BITS
_NO_KEY: Final = 1 << 80


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
    return (0 if parse_base_model_tag(tag) else 1, frequency[tag], tag)


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
        # Load order is the last tie-breaker and the identity of a mapping in
        # explanations, so it must be each mapping's position, whatever the
        # caller's Mapping objects say (two loads combined both start at 0).
        self.mappings = tuple(
            m if m.order == i else replace(m, order=i) for i, m in enumerate(mappings)
        )
        mappings = self.mappings
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
        self._by_key = {
            key: tuple(sorted(routes, key=lambda route: route.precedence))
            for key, routes in by_key.items()
        }
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

    def select(  # noqa: PLR0915 - the rules are inlined, see below
        self, model: Model, caller: Caller, task: str | None, provider: str | None
    ) -> Route | None:
        """Find the route without consulting the memo, and memoise it."""
        # The rules of resolver.rules (task_rank, is_visible, provider_rank)
        # are inlined below: as function calls they were about 60% of a first
        # lookup (1,540 ns against 610 ns for a LoRA model at 100 rules). The
        # property tests hold this copy to the brute-force resolver, which
        # shares none of it.
        if not isinstance(caller, Caller):
            # A string would index to its second letter below and pass.
            raise InvalidArgumentError(f"caller must be a Caller, not {caller!r}")
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

        # Keys are route.precedence with (provider rank, kind, task fit)
        # above STATIC_BITS; see resolver.route. Smaller wins.
        best: Route | None = None
        best_key = _NO_KEY
        for route in self.single_model.get(folded_id, ()):
            route_task = route.task
            if any_task or route_task == exact:
                fit = TASK_EXACT
            elif chat and route_task == CONVERSATIONAL:
                fit = TASK_CONVERSATIONAL
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
            if rank == 0 and fit == TASK_EXACT:
                # Single-model routes are in load order: the first at the best
                # provider rank with an exact task beats every later mapping.
                best, best_key = route, route.precedence
                break
            key = (((rank * 2 + KIND_SINGLE_MODEL) * 2 + fit) << STATIC_BITS) | (
                route.precedence
            )
            if key < best_key:
                best, best_key = route, key

        # Below _FIRST_FILTER_KEY means a single-model match at the best
        # provider rank, which no tag filter can beat: at equal rank,
        # single-model mappings precede every tag filter.
        if best_key >= _FIRST_FILTER_KEY:
            by_key = self._by_key
            for tag in self._filter_keys.intersection(model_tags):
                # Buckets are sorted by route.precedence, and no filter can
                # key lower than _FIRST_FILTER_KEY plus its precedence: once
                # that bound reaches the best key, the rest of the bucket
                # cannot win. Generic filters ([lora, style]) that match many
                # models are cut short here.
                for route in by_key[tag]:
                    precedence = route.precedence
                    if _FIRST_FILTER_KEY | precedence >= best_key:
                        break
                    name = route.provider
                    if provider is not None and name != provider:
                        continue
                    if not model_tags.issuperset(route.tags):
                        continue
                    route_task = route.task
                    if any_task or route_task == exact:
                        fit = TASK_EXACT
                    elif chat and route_task == CONVERSATIONAL:
                        fit = TASK_CONVERSATIONAL
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
                    key = (
                        ((rank * 2 + KIND_TAG_FILTER) * 2 + fit) << STATIC_BITS
                    ) | precedence
                    if key < best_key:
                        best, best_key = route, key

        memo = self.memo
        if len(memo) >= MEMO_LIMIT:
            memo.clear()
        memo[(model, caller, task, provider)] = best
        return best

    # -- candidates for explanations ----------------------------------------

    def near(self, model: Model) -> list[Route]:
        """Every mapping that came close to ``model``, in load order.

        That is each single-model mapping of its id (any case), each tag
        filter whose tags the model all carries, and each tag filter sharing a
        tag with it as compared by :func:`resolver.rules.near_forms` (case and
        surrounding spaces aside, and a ``base_model:`` tag's base whatever
        its relation). A form shared by more than ``NEAR_LIMIT`` filters
        (``lora``, in a large rule set) does not count on its own: a filter
        sharing only that with the model is not close, and listing every one
        would make a miss cost as much as a linear scan. A filter that
        matches is always listed, so an explanation never misses the route.
        """
        model_tags = model.tags
        found: dict[int, Route] = {
            r.order: r for r in self.single_model.get(model.folded_id, ())
        }
        for tag in self._filter_keys.intersection(model_tags):
            for route in self._by_key[tag]:
                if model_tags.issuperset(route.tags):
                    found[route.order] = route
        by_form = self._near_index()
        for form in {form for tag in model_tags for form in near_forms(tag)}:
            routes = by_form.get(form, ())
            if len(routes) <= NEAR_LIMIT:
                for route in routes:
                    found[route.order] = route
        return [found[order] for order in sorted(found)]

    def crowded(self, model: Model) -> dict[str, int]:
        """The forms of the model's tags that :meth:`near` did not count, each
        with how many filters share it, for an explanation to say so."""
        by_form = self._near_index()
        counts = {
            form: len(by_form.get(form, ()))
            for tag in model.tags
            for form in near_forms(tag)
        }
        return {form: n for form, n in sorted(counts.items()) if n > NEAR_LIMIT}

    def _near_index(self) -> dict[str, tuple[Route, ...]]:
        # Built on first use: only explanations need it. Two threads racing
        # here both build the same dict and one assignment wins; no lock.
        if self._normalised is None:
            table: defaultdict[str, list[Route]] = defaultdict(list)
            for routes in self._by_key.values():
                for route in routes:
                    for form in {f for tag in route.tags for f in near_forms(tag)}:
                        table[form].append(route)
            self._normalised = {key: tuple(routes) for key, routes in table.items()}
        return self._normalised
