"""Who is asking: a caller built from a Hub token.

A staging mapping is visible only to members of its provider's organisation,
and the Hub tells a token's organisations through ``whoami``. The answer is
cached per token, keyed by the token's hash: one token's organisations are
never given to another, and the token itself is never a key.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from resolver.errors import InvalidArgumentError
from resolver.hub.cache import Clock, Entry, StaleWhileErrorCache
from resolver.hub.disk import Persistence
from resolver.hub.sources import HubSource, Token, token_identity

__all__ = ["HubCaller", "Membership"]


@dataclass(frozen=True, slots=True)
class HubCaller:
    """A caller as the Hub knows it: a token, and a provider preference order.

    Equality and hashing use the token's identity, not the token, so a
    ``HubCaller`` can key a cache. ``orgs`` are organisations claimed on top of
    what the token's ``whoami`` says (for a caller with no token, say).
    Build one with :meth:`Membership.caller` or
    :meth:`resolver.hub.HubResolver.caller`.
    """

    identity: str
    providers: tuple[str, ...] = ()
    orgs: frozenset[str] = frozenset()
    token: Token = field(default=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        # The identity keys every cache: one that does not come from the token
        # would file this token's answers under another caller's name.
        if self.identity != token_identity(self.token):
            raise InvalidArgumentError(
                "a HubCaller's identity must be token_identity(token); build "
                "callers with HubResolver.caller"
            )


class Membership:
    """Organisations per token, from ``whoami``, cached with a TTL."""

    def __init__(
        self,
        source: HubSource,
        *,
        ttl: float,
        maxsize: int,
        retry_after: float,
        clock: Clock,
        persistence: Persistence[frozenset[str]] | None = None,
    ) -> None:
        self._source = source
        self._cache: StaleWhileErrorCache[tuple[str, str], frozenset[str]] = (
            StaleWhileErrorCache(
                "membership",
                ttl=ttl,
                maxsize=maxsize,
                retry_after=retry_after,
                clock=clock,
                persistence=persistence,
            )
        )

    def caller(
        self,
        token: str | bool | None = None,
        providers: Iterable[str] = (),
        orgs: Iterable[str] = (),
    ) -> HubCaller:
        """A caller for ``token`` (``None``: the saved token; ``False``: none)."""
        for name, value in (("providers", providers), ("orgs", orgs)):
            if isinstance(value, str):
                raise InvalidArgumentError(
                    f"{name} must be a collection, not {value!r}"
                )
        effective = self._source.effective_token(token)
        return HubCaller(
            identity=token_identity(effective),
            providers=tuple(dict.fromkeys(providers)),
            orgs=frozenset(orgs),
            token=effective,
        )

    def organisations(self, caller: HubCaller) -> Entry[frozenset[str]]:
        """The caller's organisations: ``whoami``'s, plus any it claims."""
        key = (self._source.endpoint, caller.identity)
        entry = self._cache.get(
            key, lambda: self._source.organisations(token=caller.token)
        )
        if not caller.orgs:
            return entry
        return Entry(
            entry.value | caller.orgs, entry.fetched_at, entry.expires_at, entry.stale
        )
