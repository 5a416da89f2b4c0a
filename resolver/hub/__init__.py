"""Live mappings from the Hub: sources, caching, membership.

>>> from resolver.hub import HubResolver               # doctest: +SKIP
>>> hub = HubResolver(providers=["fal-ai"])             # doctest: +SKIP
>>> me = hub.caller(token="hf_...")                     # doctest: +SKIP
>>> hub.resolve("acme/flux-style-lora", me).provider    # doctest: +SKIP
'fal-ai'
"""

from resolver.hub.cache import Entry, StaleWhileErrorCache
from resolver.hub.live import HubResolver, RuleSet
from resolver.hub.membership import HubCaller, Membership
from resolver.hub.sources import HubSource, ModelRecord, token_identity

__all__ = [
    "Entry",
    "HubCaller",
    "HubResolver",
    "HubSource",
    "Membership",
    "ModelRecord",
    "RuleSet",
    "StaleWhileErrorCache",
    "token_identity",
]
