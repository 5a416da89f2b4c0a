"""``resolver route --hub``: route one model with mappings fetched from the Hub.

Which partner listings are fetched: those of the provider named by
``--provider`` and of every provider named by ``--prefer``. ``--provider``
keeps its meaning (only that provider is considered); ``--prefer`` keeps its
own (the preference order). With neither, only the model's own mapping from
its model info is used, which already lists every provider serving it.

Each run writes what it fetched to a cache folder on disk (see
:mod:`resolver.hub.disk`); a later run reads it only when the Hub cannot
answer, with ``--offline`` (or ``HF_HUB_OFFLINE``) among others, and exits 2
when nothing was cached for that model and token. The caller's organisations
come from the token's ``whoami`` alone: ``--org`` does not go with ``--hub``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass

import click

from resolver.cli.common import EXIT_NO_ROUTE, fail
from resolver.errors import (
    AmbiguousWeightsError,
    HubRequestError,
    HubUnavailableError,
    UnknownProviderError,
)
from resolver.hub import HubCaller, HubResolver, HubSource
from resolver.hub.disk import DiskStore, default_cache_dir
from resolver.lora import LoraWeights
from resolver.model import Caller, Model
from resolver.resolver import Resolver
from resolver.route import Route

__all__ = ["HubLookup", "hub_lookup"]


@dataclass(frozen=True, slots=True)
class HubLookup:
    """What ``route --hub`` fetched: the per-model resolver, model and caller."""

    hub: HubResolver
    who: HubCaller
    resolver: Resolver
    model: Model
    caller: Caller

    def weights(self, route: Route | None, as_json: bool) -> LoraWeights | None:
        """The LoRA weights of ``route``; exits 1 when they are ambiguous."""
        if route is None or not route.is_lora:
            return None
        try:
            return self.hub.weights(route, self.model.id, self.who)
        except AmbiguousWeightsError as error:
            if as_json:
                document = {
                    "error": "ambiguous-weights",
                    "model": self.model.id,
                    "message": str(error),
                    "candidates": list(error.candidates),
                }
                click.echo(json.dumps(document))
            else:
                click.echo(f"no usable route: {error}")
            sys.exit(EXIT_NO_ROUTE)
        except (HubUnavailableError, HubRequestError) as error:
            fail(f"cannot list the files of {self.model.id!r}: {error}")


def hub_lookup(
    model_id: str,
    *,
    provider: str | None,
    prefer: Sequence[str],
    token: str | None,
    offline: bool,
    staging: bool = False,
) -> HubLookup:
    """Fetch what routing ``model_id`` needs, or exit 2 saying why not."""
    source = HubSource(token=token, offline=True if offline else None)
    # Each run writes what it fetched, and a later run that cannot reach the
    # Hub (or is --offline) serves it: stale-while-error across processes.
    store = DiskStore(default_cache_dir())
    listed = ([provider] if provider else []) + list(prefer)
    try:
        hub = HubResolver(source, providers=listed, staging=staging, store=store)
        who = hub.caller(token, prefer)
        resolver, model, caller = hub.resolver_for(model_id, who)
    except UnknownProviderError as error:
        fail(str(error))
    except HubUnavailableError as error:
        if error.reason == "offline":
            fail(
                "offline mode is on (--offline or HF_HUB_OFFLINE) and nothing is "
                f"cached for this model and token in {store.directory}"
            )
        fail(
            f"cannot reach the Hub at {source.endpoint} and nothing is cached: {error}"
        )
    except HubRequestError as error:
        fail(str(error))
    return HubLookup(hub, who, resolver, model, caller)
