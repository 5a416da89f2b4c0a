"""Routing against the live Hub: fetched rules, kept fresh, served when it fails.

A :class:`HubResolver` combines two kinds of source. The partner listings of
the providers it was given form the *rule set*: one immutable snapshot,
refreshed whole every ``listing_ttl`` seconds (or on :meth:`refresh`) and
swapped in by a single reference assignment. A model's own mapping comes from
its model info, fetched per model and per token. For a lookup, the rule set's
tag filters and the model's single-model mappings from the listings go through
one :class:`~resolver.loading.MappingLoader` together with the model's own
entries, so a mapping seen in both is one mapping; the result is a small
:class:`~resolver.resolver.Resolver` for that model.

The lookup hot path is one dict probe, one clock reading and one comparison,
then the resolver's own memoised lookup. Everything that expires (the rule
set, the model info, the caller's organisations) is folded into the hot
entry's single deadline when the entry is built; only a lookup past that
deadline goes back to the caches and, maybe, the Hub.

Consistency: a hot entry is built from one rule set snapshot and one model
info copy and is never changed afterwards, and a refresh replaces the rule set
and the table of hot entries by assignment, so a lookup running during a
refresh sees wholly old or wholly new rules.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from collections.abc import Mapping as AnyMapping
from dataclasses import dataclass, field, replace
from typing import Any, Final, TypeVar

from resolver._schemas import check_repo_id
from resolver.errors import (
    HubRequestError,
    HubUnavailableError,
    InvalidArgumentError,
    UnknownProviderError,
)
from resolver.hub.cache import Clock, Entry, StaleWhileErrorCache
from resolver.hub.disk import DiskStore, Persistence
from resolver.hub.membership import HubCaller, Membership
from resolver.hub.sources import HubSource, ListingStatus, ModelRecord, token_identity
from resolver.loading import MappingLoader
from resolver.lora import LoraWeights, weights_for
from resolver.mapping import Mapping
from resolver.model import Caller, Model
from resolver.orgs import ProviderOrgs
from resolver.resolver import Resolver
from resolver.route import Route
from resolver.rules import provider_rank

__all__ = [
    "DEFAULT_MAXSIZE",
    "DEFAULT_RETRY_AFTER",
    "DEFAULT_TTL",
    "HubResolver",
    "RuleSet",
]

logger = logging.getLogger(__name__)

DEFAULT_TTL: Final = 300.0
DEFAULT_RETRY_AFTER: Final = 30.0
DEFAULT_MAXSIZE: Final = 4096


@dataclass(frozen=True, slots=True)
class RuleSet:
    """One snapshot of the partner listings, never changed once built.

    ``fetched_at`` is when the oldest listing in it was fetched, ``stale`` is
    set when at least one of them is a last good copy served after a failure.
    The listings' tag filters are indexed once here, in ``filters``, and
    shared by every model's lookup; only a model's own single-model mappings
    are indexed per model.
    """

    generation: int
    mappings: tuple[Mapping, ...]
    fetched_at: float
    expires_at: float
    stale: bool
    filters: Resolver = field(repr=False)
    single_model: dict[str, tuple[Mapping, ...]] = field(repr=False)
    # (provider, task, provider model) -> the tag sets of the filters that
    # route there, to recognise a model info entry that is one of them.
    filter_targets: dict[tuple[str, str, str], tuple[frozenset[str], ...]] = field(
        repr=False
    )

    def has_filter_for(self, entry: AnyMapping[str, Any], model: Model) -> bool:
        """Whether a model info entry is the Hub's report of one of this rule
        set's tag filters matching ``model``."""
        key = (entry.get("provider"), entry.get("task"), entry.get("providerId"))
        tag_sets = self.filter_targets.get(key, ())  # type: ignore[arg-type]
        return any(model.tags.issuperset(tags) for tags in tag_sets)

    @classmethod
    def build(
        cls,
        generation: int,
        mappings: tuple[Mapping, ...],
        *,
        entries: list[Entry[Any]],
        retry_at: float,
        provider_orgs: AnyMapping[str, str],
        due: float = float("inf"),
    ) -> RuleSet:
        """``due`` bounds the expiry from above: when a listing was refused
        and so has no entry, the set is due again after one listing TTL."""
        single: defaultdict[str, list[Mapping]] = defaultdict(list)
        for mapping in mappings:
            if mapping.hf_model is not None:
                single[mapping.hf_model.casefold()].append(mapping)
        stale = any(e.stale for e in entries)
        expires_at = min((e.expires_at for e in entries), default=due)
        expires_at = min(expires_at, due)
        if stale:
            # A rule set built from a copy served after a failure is due again
            # when the caches will next try the Hub, not on every lookup.
            expires_at = max(expires_at, retry_at)
        filters = tuple(m for m in mappings if m.hf_model is None)
        targets: defaultdict[tuple[str, str, str], list[frozenset[str]]] = defaultdict(
            list
        )
        for mapping in filters:
            key = (mapping.provider, mapping.task, mapping.provider_model)
            targets[key].append(frozenset(mapping.tags))
        return cls(
            generation=generation,
            mappings=mappings,
            fetched_at=min((e.fetched_at for e in entries), default=float("inf")),
            expires_at=expires_at,
            stale=stale,
            filters=Resolver(filters, provider_orgs=provider_orgs),
            single_model={key: tuple(found) for key, found in single.items()},
            filter_targets={key: tuple(sets) for key, sets in targets.items()},
        )

    def for_model(self, folded_id: str) -> list[Mapping]:
        """Every listing mapping that can match a model, in load order."""
        found = [*self.filters.mappings, *self.single_model.get(folded_id, ())]
        return sorted(found, key=lambda mapping: mapping.order)


@dataclass(frozen=True, slots=True)
class _Hot:
    """Everything one (model, caller) lookup needs, valid until ``expires_at``.

    ``singles`` indexes the model's own single-model mappings (from its model
    info and from the listings, merged); the tag filters are the rule set's,
    shared. Both are small or shared, so a hot entry costs little whatever
    the size of the listings.
    """

    expires_at: float
    fetched_at: float
    stale: bool
    singles: Resolver
    rules: RuleSet
    model: Model
    caller: Caller

    def find(self, task: str | None, provider: str | None) -> Route | None:
        model, caller = self.model, self.caller
        single = self.singles.find(model, caller, task, provider)
        tag_filter = self.rules.filters.find(model, caller, task, provider)
        if single is None or tag_filter is None:
            return single or tag_filter
        # At equal provider rank a single-model mapping precedes every tag
        # filter, so only the rank decides between the two winners.
        preferences = caller.providers
        if provider_rank(single.provider, preferences) <= provider_rank(
            tag_filter.provider, preferences
        ):
            return single
        return tag_filter


class HubResolver:
    """Routes models with mappings fetched from the Hub.

    ``providers`` names the providers whose partner listings form the rule
    set (their tag filters are what routes a LoRA no model info mentions);
    with none, only each model's own mapping is used. ``staging`` also fetches
    the staging listings, which the Hub only gives to the provider's members.
    ``clock`` is a monotonic clock in seconds; tests pass their own.
    ``store`` keeps every fetched answer on disk too, for a later process to
    serve when the Hub cannot answer (see :mod:`resolver.hub.disk`).

    Thread-safe. Lookups never block on each other; a lookup whose entry has
    expired fetches what it needs itself, and only one thread at a time
    refreshes the rule set (the others keep the current one meanwhile).
    """

    def __init__(
        self,
        source: HubSource | None = None,
        *,
        providers: Iterable[str] = (),
        staging: bool = False,
        provider_orgs: AnyMapping[str, str] | None = None,
        listing_ttl: float = DEFAULT_TTL,
        model_ttl: float = DEFAULT_TTL,
        membership_ttl: float = DEFAULT_TTL,
        retry_after: float = DEFAULT_RETRY_AFTER,
        maxsize: int = DEFAULT_MAXSIZE,
        clock: Clock = time.monotonic,
        store: DiskStore | None = None,
    ) -> None:
        self.source = source if source is not None else HubSource()
        self._orgs_table = dict(provider_orgs or {})
        self._known = frozenset(ProviderOrgs(self._orgs_table).as_dict())
        if isinstance(providers, str):
            raise InvalidArgumentError(
                f"providers must be a collection, not {providers!r}"
            )
        self.providers = tuple(dict.fromkeys(providers))
        for provider in self.providers:
            self._check_known(provider)
        self._statuses: tuple[ListingStatus, ...] = (
            ("live", "staging") if staging else ("live",)
        )
        self._clock = clock
        self._maxsize = maxsize
        self._retry_after = retry_after

        self._listings: StaleWhileErrorCache[tuple[str, ...], dict[str, Any]] = (
            StaleWhileErrorCache(
                "partner listings",
                ttl=listing_ttl,
                maxsize=maxsize,
                retry_after=retry_after,
                clock=clock,
                persistence=_persist(store, "listing", _same, _listing_body),
            )
        )
        self._models: StaleWhileErrorCache[tuple[str, ...], ModelRecord] = (
            StaleWhileErrorCache(
                "model info",
                ttl=model_ttl,
                maxsize=maxsize,
                retry_after=retry_after,
                clock=clock,
                persistence=_persist(store, "model", _encode_record, _decode_record),
            )
        )
        self._files: StaleWhileErrorCache[tuple[str, ...], frozenset[str]] = (
            StaleWhileErrorCache(
                "model files",
                ttl=model_ttl,
                maxsize=maxsize,
                retry_after=retry_after,
                clock=clock,
                persistence=_persist(store, "files", sorted, _names),
            )
        )
        self.membership = Membership(
            self.source,
            ttl=membership_ttl,
            maxsize=maxsize,
            retry_after=retry_after,
            clock=clock,
            persistence=_persist(store, "membership", sorted, _names),
        )
        self._rules: RuleSet | None = None
        self._hot: dict[tuple[str, HubCaller], _Hot] = {}
        self._refresh_lock = threading.Lock()
        self._warned_unknown: set[str] = set()
        self._warned_refused: set[tuple[str, ...]] = set()
        self._default_caller: HubCaller | None = None

    # -- callers -------------------------------------------------------------

    def caller(
        self,
        token: str | bool | None = None,
        providers: Iterable[str] = (),
        orgs: Iterable[str] = (),
    ) -> HubCaller:
        """A caller for ``token``: ``None`` for the saved token, ``False`` for
        none. Build it once and reuse it: lookups are keyed by it.

        :raises UnknownProviderError: for a preferred provider nobody knows.
        """
        caller = self.membership.caller(token, providers, orgs)
        for provider in caller.providers:
            self._check_known(provider)
        return caller

    # -- lookups -------------------------------------------------------------

    def find(
        self,
        model_id: str,
        caller: HubCaller | None = None,
        task: str | None = None,
        provider: str | None = None,
    ) -> Route | None:
        """The route for ``model_id``, or ``None``; see :meth:`resolve`."""
        if provider is not None:
            self._check_known(provider)
        return self._hot_entry(model_id, caller).find(task, provider)

    def resolve(
        self,
        model_id: str,
        caller: HubCaller | None = None,
        task: str | None = None,
        provider: str | None = None,
    ) -> Route:
        """The route for ``model_id`` and ``caller`` (default: the saved token).

        :raises NoRouteError: when no visible mapping fits.
        :raises UnknownProviderError: when ``provider`` is not a known provider.
        :raises HubUnavailableError: when the Hub cannot answer and nothing
            was cached for this model and caller.
        :raises HubRequestError: when the Hub refuses (unknown model, bad token).
        """
        if provider is not None:
            self._check_known(provider)
        hot = self._hot_entry(model_id, caller)
        route = hot.find(task, provider)
        if route is None:
            # The error path: build the model's whole resolver to explain.
            resolver = self._full_resolver(hot)
            return resolver.resolve(hot.model, hot.caller, task, provider)
        return route

    def resolver_for(
        self, model_id: str, caller: HubCaller | None = None
    ) -> tuple[Resolver, Model, Caller]:
        """A resolver holding every mapping a lookup of this model weighs
        (its own and the listings'), with the model and caller, for
        explanations. Built on each call; lookups do not need it."""
        hot = self._hot_entry(model_id, caller)
        return self._full_resolver(hot), hot.model, hot.caller

    def age(self, model_id: str, caller: HubCaller | None = None) -> tuple[float, bool]:
        """How old the oldest Hub answer behind this lookup is, in seconds, and
        whether any of them is a copy served after a failed refresh."""
        hot = self._hot_entry(model_id, caller)
        return self._clock() - hot.fetched_at, hot.stale

    def weights(
        self, route: Route, model_id: str, caller: HubCaller | None = None
    ) -> LoraWeights | None:
        """The weights file and URL for a LoRA route; ``None`` otherwise.

        The repository's files are fetched (and cached) only when the route
        carries no ``adapterWeightsPath`` of its own.

        :raises AmbiguousWeightsError: see :func:`resolver.lora.weights_for`.
        """
        if not route.is_lora:
            return None
        hot = self._hot_entry(model_id, caller)
        model = hot.model
        if route.adapter_weights_path is None:
            who = caller or self._caller_or_default(None)
            key = (self.source.endpoint, model.folded_id, who.identity)
            entry = self._files.get(
                key, lambda: self.source.model_files(model.id, token=who.token)
            )
            model = Model(model.id, model.tags, model.pipeline_tag, entry.value)
        return weights_for(route, model, endpoint=self.source.endpoint)

    # -- the rule set --------------------------------------------------------

    @property
    def rules(self) -> RuleSet | None:
        """The current rule set snapshot, ``None`` before the first load."""
        return self._rules

    def refresh(self, *, force: bool = True) -> RuleSet:
        """Fetch the partner listings and swap in a new rule set.

        When a listing cannot be fetched its last good copy is used (and a
        WARNING logged once); when one was never fetched the current rule set
        is kept whole.

        :raises HubUnavailableError: when a listing cannot be fetched and no
            rule set was ever loaded.
        """
        with self._refresh_lock:
            return self._refresh(force)

    def _refresh(self, force: bool) -> RuleSet:
        entries: list[Entry[Any]] = []
        due = float("inf")
        loader = MappingLoader()
        try:
            for provider in self.providers:
                for status in self._statuses:
                    entry = self._listing(provider, status, force)
                    if entry is None:
                        due = self._clock() + self._listings.ttl
                        continue
                    entries.append(entry)
                    source = f"{self.source.endpoint}/api/partners/{provider}/models"
                    loader.add_partner_listing(
                        provider, entry.value, source=f"{source}?status={status}"
                    )
        except HubUnavailableError:
            if self._rules is None:
                raise
            # Keep serving the current rules, marked stale and due again only
            # when the caches will next try the Hub: left expired, they would
            # send every lookup back to a Hub that is down.
            retry_at = self._clock() + self._retry_after
            self._rules = replace(self._rules, expires_at=retry_at, stale=True)
            logger.warning(
                "keeping the rule set of generation %d: a partner listing cannot "
                "be fetched and has no copy to serve",
                self._rules.generation,
            )
            return self._rules

        result = loader.finish(lenient=True)
        for problem in result.problems:
            logger.warning("skipped a partner listing entry: %s", problem)
        previous = self._rules
        generation = 1 if previous is None else previous.generation + 1
        rules = RuleSet.build(
            generation,
            result.mappings,
            entries=entries,
            retry_at=self._clock() + self._retry_after,
            provider_orgs=self._orgs_table,
            due=due,
        )
        # Rules first, then the hot table: a lookup that took the old table
        # may write an entry into it, which is then simply dropped.
        self._rules = rules
        self._hot = {}
        logger.debug("rule set %d: %d mappings", generation, len(rules.mappings))
        return rules

    def _listing(
        self, provider: str, status: ListingStatus, force: bool
    ) -> Entry[Any] | None:
        """A listing, or ``None`` when the Hub refuses it (a staging listing
        for a token outside the provider's organisation, say): one provider's
        refusal must not fail the lookups of every model."""
        token = self.source.effective_token()
        key = (self.source.endpoint, provider, status, token_identity(token))
        try:
            return self._listings.get(
                key,
                lambda: self.source.partner_listing(provider, status, token=token),
                force=force,
            )
        except HubRequestError as error:
            if key not in self._warned_refused:
                if len(self._warned_refused) >= self._maxsize:
                    self._warned_refused.clear()
                self._warned_refused.add(key)
                logger.warning("leaving out a refused partner listing: %s", error)
            return None

    def _current_rules(self) -> RuleSet:
        rules = self._rules
        if rules is not None and self._clock() < rules.expires_at:
            return rules
        if rules is not None and not self._refresh_lock.acquire(blocking=False):
            # Another thread is refreshing; this lookup keeps the current rules.
            return rules
        if rules is None:
            self._refresh_lock.acquire()
        try:
            current = self._rules
            if current is not None and current is not rules:
                return current
            return self._refresh(force=False)
        finally:
            self._refresh_lock.release()

    # -- building hot entries ------------------------------------------------

    def _caller_or_default(self, caller: HubCaller | None) -> HubCaller:
        if caller is not None:
            return caller
        # The saved token is read once, at the first lookup that names no
        # caller: reading it (a file) on every lookup would put disk access on
        # the hot path. A process whose saved token changes builds callers
        # explicitly with caller().
        if self._default_caller is None:
            self._default_caller = self.caller()
        return self._default_caller

    def _hot_entry(self, model_id: str, caller: HubCaller | None) -> _Hot:
        who = caller if caller is not None else self._caller_or_default(None)
        key = (model_id, who)
        hot = self._hot.get(key)
        if hot is not None and self._clock() < hot.expires_at:
            return hot
        return self._build_hot(key, who)

    def _build_hot(self, key: tuple[str, HubCaller], who: HubCaller) -> _Hot:
        # Checked here, off the hot path: a model id that cannot exist is the
        # caller's mistake, not the Hub being unavailable.
        try:
            check_repo_id(key[0])
        except (ValueError, AttributeError) as error:
            raise InvalidArgumentError(f"model id {key[0]!r}: {error}") from None
        table = self._hot
        rules = self._current_rules()
        model_id = key[0]
        endpoint = self.source.endpoint
        record_entry = self._models.get(
            (endpoint, model_id.casefold(), who.identity),
            lambda: self.source.model_record(model_id, token=who.token),
        )
        record = record_entry.value
        orgs = self.membership.organisations(who)

        # Only this model's single-model mappings are indexed here, the
        # listings' and its own model info's together, so that the same
        # mapping seen in both is one mapping. The tag filters are the rule
        # set's, indexed once for every model.
        loader = MappingLoader()
        loader.add_entries(rules.single_model.get(record.model.folded_id, ()))
        loader.add_entries(
            self._known_entries(record, rules),
            source=f"{endpoint}/api/models/{record.model.id}",
        )
        result = loader.finish(lenient=True)
        for problem in result.problems:
            logger.debug("skipped a mapping of %s: %s", record.model.id, problem)
        singles = Resolver(
            result.mappings, provider_orgs=self._orgs_table, problems=result.problems
        )

        parts: list[tuple[float, float, bool]] = [
            (rules.fetched_at, rules.expires_at, rules.stale),
            (record_entry.fetched_at, record_entry.expires_at, record_entry.stale),
            (orgs.fetched_at, orgs.expires_at, orgs.stale),
        ]
        stale = any(part[2] for part in parts)
        expires_at = min(part[1] for part in parts)
        if stale:
            # A stale answer is retried after the caches' retry interval, not
            # on every lookup.
            expires_at = max(expires_at, self._clock() + self._retry_after)
        hot = _Hot(
            expires_at=expires_at,
            fetched_at=min(part[0] for part in parts),
            stale=stale,
            singles=singles,
            rules=rules,
            model=record.model,
            caller=Caller(orgs.value, who.providers),
        )
        if len(table) >= self._maxsize:
            table.clear()
        table[key] = hot
        return hot

    def _full_resolver(self, hot: _Hot) -> Resolver:
        mappings = hot.rules.filters.mappings + hot.singles.mappings
        return Resolver(
            mappings, provider_orgs=self._orgs_table, problems=hot.singles.problems
        )

    # -- providers -----------------------------------------------------------

    def _check_known(self, provider: str) -> None:
        if provider not in self._known:
            raise UnknownProviderError(provider, sorted(self._known))

    def _known_entries(self, record: ModelRecord, rules: RuleSet) -> list[Any]:
        """The model info entries to load: those of known providers, less the
        ones that merely report a tag filter the rule set already has.

        An unknown provider in a Hub answer is skipped, not fatal: the Hub
        adds providers before clients learn of them (a caller naming such a
        provider gets UnknownProviderError at the call instead). And the Hub
        lists the tag filters matching a model among its own mappings
        (``type: "tag-filter"``, no tags): when the listings hold that very
        filter, it is one mapping, routed as the tag filter it is.
        """
        kept = []
        for entry in record.entries:
            if not isinstance(entry, dict):
                kept.append(entry)  # the loader reports it
                continue
            provider = entry.get("provider")
            if isinstance(provider, str) and provider not in self._known:
                if provider not in self._warned_unknown:
                    self._warned_unknown.add(provider)
                    logger.warning(
                        "skipping mappings of unknown provider %r (first seen for %s)",
                        provider,
                        record.model.id,
                    )
                continue
            if entry.get("type") == "tag-filter" and rules.has_filter_for(
                entry, record.model
            ):
                continue
            kept.append(entry)
        return kept


# -- values on disk ----------------------------------------------------------

_V = TypeVar("_V")


def _persist(
    store: DiskStore | None,
    namespace: str,
    encode: Callable[[_V], Any],
    decode: Callable[[Any], _V],
) -> Persistence[_V] | None:
    return None if store is None else Persistence(store, namespace, encode, decode)


def _same(value: dict[str, Any]) -> dict[str, Any]:
    return value


def _listing_body(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise TypeError(f"a partner listing is an object, not {type(raw).__name__}")
    return raw


def _names(raw: Any) -> frozenset[str]:
    if not isinstance(raw, list) or not all(isinstance(n, str) for n in raw):
        raise TypeError("expected a list of names")
    return frozenset(raw)


def _encode_record(record: ModelRecord) -> dict[str, Any]:
    model = record.model
    return {
        "id": model.id,
        "tags": sorted(model.tags),
        "pipelineTag": model.pipeline_tag,
        "entries": list(record.entries),
    }


def _decode_record(raw: Any) -> ModelRecord:
    entries = raw["entries"]
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise TypeError("expected a list of mapping entries")
    model = Model(raw["id"], raw["tags"], raw["pipelineTag"])
    return ModelRecord(model, tuple(entries))
