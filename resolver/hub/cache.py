"""A cache of Hub answers that expires them on time and outlives Hub failures.

Each key has a fresh copy, kept for ``ttl`` seconds in a
:class:`cachetools.TTLCache`, and a last good copy, kept in a
:class:`cachetools.LRUCache` of the same size bound with no time limit. A miss
on the fresh copy fetches again. When that fetch fails with
:class:`~resolver.errors.HubUnavailableError` and a last good copy exists, the
last good copy is served (stale-while-error), a WARNING is logged once for the
run of failures, and no new fetch is tried for ``retry_after`` seconds, so a
Hub that is down is not asked on every lookup and no lookup waits for a
timeout more than once per interval.

Refusals (:class:`~resolver.errors.HubRequestError`: a revoked token, a
deleted model) are never papered over: the last good copy is dropped.

With a :class:`~resolver.hub.disk.Persistence`, every fetched answer is also
written to disk, and a failure with no last good copy in memory looks there:
how a process that has just started serves what an earlier one fetched.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

from cachetools import LRUCache, TTLCache

from resolver.errors import HubRequestError, HubUnavailableError
from resolver.hub.disk import Persistence

__all__ = ["Clock", "Entry", "StaleWhileErrorCache"]

logger = logging.getLogger(__name__)

Clock = Callable[[], float]
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class Entry(Generic[V]):
    """A cached answer: the value, when it was fetched, until when it is fresh.

    ``stale`` is set when the value was served because a refresh failed.
    """

    value: V
    fetched_at: float
    expires_at: float
    stale: bool = False

    def age(self, now: float) -> float:
        return now - self.fetched_at


class StaleWhileErrorCache(Generic[K, V]):
    """Fresh copies for ``ttl`` seconds, last good copies for when fetching fails.

    Thread-safe: the cachetools containers are guarded by one lock, held only
    around dict operations, never while fetching. Two threads missing the same
    key at once both fetch it; the later answer wins. That costs a duplicate
    request in a rare race and keeps one slow fetch from blocking every other
    key.
    """

    def __init__(
        self,
        name: str,
        *,
        ttl: float,
        maxsize: int,
        retry_after: float,
        clock: Clock = time.monotonic,
        persistence: Persistence[V] | None = None,
    ) -> None:
        self.name = name
        self._persistence = persistence
        self.ttl = ttl
        self.retry_after = retry_after
        self._clock = clock
        self._fresh: TTLCache[K, Entry[V]] = TTLCache(maxsize, ttl, timer=clock)
        self._last_good: LRUCache[K, Entry[V]] = LRUCache(maxsize)
        # Keys whose fetch is failing: when to try again. A key is in here
        # from its first failure to its next success, and is warned about once.
        self._retry_at: dict[K, float] = {}
        # The failure of a key with no copy at all, raised again until its
        # retry time instead of asking the Hub on every lookup.
        self._failures: dict[K, HubUnavailableError] = {}
        self._lock = threading.Lock()

    def get(self, key: K, fetch: Callable[[], V], *, force: bool = False) -> Entry[V]:
        """The cached answer for ``key``, fetching it when it is not fresh.

        ``force`` fetches even when a fresh copy exists (an explicit refresh).

        :raises HubUnavailableError: when fetching fails and no copy was ever
            fetched for this key.
        :raises HubRequestError: when the Hub refuses; nothing is served.
        """
        now = self._clock()
        with self._lock:
            fresh = None if force else self._fresh.get(key)
            if fresh is not None:
                return fresh
            retry_at = self._retry_at.get(key)
            last_good = self._last_good.get(key)
            failure = self._failures.get(key)
        if not force and retry_at is not None and now < retry_at:
            if last_good is not None:
                return _as_stale(last_good)
            if failure is not None:
                # Nothing to serve and the Hub was just found failing: fail
                # the same way without waiting for another timeout.
                raise HubUnavailableError(failure.url, failure.reason, failure.detail)

        try:
            value = fetch()
        except HubUnavailableError as error:
            return self._failed(key, error, last_good)
        except HubRequestError:
            # A refusal (revoked token, model gone private) must not be
            # outlived by any copy: fresh, last good, or on disk.
            with self._lock:
                self._fresh.pop(key, None)
                self._last_good.pop(key, None)
                self._retry_at.pop(key, None)
                self._failures.pop(key, None)
            if self._persistence is not None:
                self._persistence.delete(key)
            raise

        now = self._clock()
        entry = Entry(value, now, now + self.ttl)
        with self._lock:
            self._fresh[key] = entry
            self._last_good[key] = entry
            recovered = self._retry_at.pop(key, None) is not None
            self._failures.pop(key, None)
        if self._persistence is not None:
            self._persistence.save(key, value)
        if recovered:
            logger.info("%s: the Hub answers again for %r", self.name, key)
        return entry

    def _failed(
        self, key: K, error: HubUnavailableError, last_good: Entry[V] | None
    ) -> Entry[V]:
        now = self._clock()
        if last_good is None and self._persistence is not None:
            saved = self._persistence.load(key)
            if saved is not None:
                age, value = saved
                last_good = Entry(value, now - age, now - age + self.ttl)
                with self._lock:
                    self._last_good[key] = last_good
        with self._lock:
            first = key not in self._retry_at
            if first and len(self._retry_at) >= self._last_good.maxsize:
                # Bounded like the copies it refers to; forgetting a key only
                # means one extra fetch attempt and one more warning.
                self._retry_at.clear()
                self._failures.clear()
            self._retry_at[key] = now + self.retry_after
            if last_good is None:
                self._failures[key] = error
        if last_good is None:
            raise error
        if first:
            logger.warning(
                "%s: serving a copy %.0f s old for %r: %s",
                self.name,
                last_good.age(now),
                key,
                error,
            )
        else:
            logger.debug("%s: still failing for %r: %s", self.name, key, error)
        return _as_stale(last_good)


def _as_stale(entry: Entry[V]) -> Entry[V]:
    if entry.stale:
        return entry
    return Entry(entry.value, entry.fetched_at, entry.expires_at, stale=True)
