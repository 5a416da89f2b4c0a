"""What the resolver is compared with: a linear scan and huggingface_hub.

The linear scan is the implementation a user would write first: check every
mapping in turn against the contract's rules and keep the best by precedence.
It shares the rule functions with the resolver, so it answers the same.

huggingface_hub does not match tag filters on the client: the Hub expands
them server-side and returns each model's ``inferenceProviderMapping`` list,
which the client caches per model id and scans for the provider. The adapter
here hands that cache the list the Hub would return (the visible matching
mappings, best first), through a stand-in for ``HfApi`` so nothing touches the
network, and then times the client's cached selection path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

from huggingface_hub import hf_api
from huggingface_hub.hf_api import InferenceProviderMapping
from huggingface_hub.inference._providers import PROVIDERS, get_provider_helper
from huggingface_hub.inference._providers._common import (
    _fetch_inference_provider_mapping as fetch,
)

from resolver.mapping import Mapping
from resolver.model import Caller, Model
from resolver.orgs import ProviderOrgs
from resolver.resolver import Resolver
from resolver.route import Route
from resolver.rules import (
    KIND_SINGLE_MODEL,
    KIND_TAG_FILTER,
    is_visible,
    provider_rank,
    task_rank,
)

__all__ = ["HubSelection", "linear_find"]

Key = tuple[int, int, int, int, int]
# The provider table, keyed by plain provider names as mappings spell them.
_SUPPORTED: dict[str, dict[str, Any]] = {
    str(name): dict(tasks) for name, tasks in PROVIDERS.items()
}


def linear_find(
    mappings: Sequence[Mapping],
    orgs: ProviderOrgs,
    model: Model,
    *,
    caller: Caller,
    task: str | None = None,
    provider: str | None = None,
) -> Mapping | None:
    """The best mapping for ``model`` found by checking every mapping in turn."""
    best: Mapping | None = None
    best_key: Key | None = None
    for mapping in mappings:
        if provider is not None and mapping.provider != provider:
            continue
        if mapping.hf_model is not None:
            if mapping.hf_model.casefold() != model.folded_id:
                continue
        elif not all(tag in model.tags for tag in mapping.tags):
            continue
        rank = task_rank(mapping.task, task, model.pipeline_tag)
        if rank is None:
            continue
        if mapping.status == "error":
            continue
        if mapping.status == "staging" and not caller.is_member(
            orgs.org_of(mapping.provider)
        ):
            continue
        kind = KIND_SINGLE_MODEL if mapping.hf_model is not None else KIND_TAG_FILTER
        key = (
            provider_rank(mapping.provider, caller.providers),
            kind,
            rank,
            -len(mapping.tags),
            mapping.order,
        )
        if best_key is None or key < best_key:
            best, best_key = mapping, key
    return best


def _hub_list(resolver: Resolver, model: Model, caller: Caller) -> list[Route]:
    """Every visible mapping that fits ``model``, best first, as the Hub lists
    them in ``inferenceProviderMapping``."""
    index = resolver._index
    candidates = list(index.single_model.get(model.folded_id, ()))
    for tag in model.tags:
        candidates.extend(index._by_key.get(tag, ()))
    ranked = []
    for route in candidates:
        rank = task_rank(route.task, None, model.pipeline_tag)
        if rank is None or not is_visible(route, caller):
            continue
        if route.hf_model is None and not model.tags.issuperset(route.tags):
            continue
        kind = KIND_SINGLE_MODEL if route.hf_model is not None else KIND_TAG_FILTER
        key = (provider_rank(route.provider, caller.providers), kind, rank)
        ranked.append(((*key, -len(route.tags), route.order), route))
    ranked.sort(key=lambda item: item[0])
    return [route for _, route in ranked]


class HubSelection:
    """huggingface_hub's provider selection, fed the lists the Hub would return."""

    def __init__(self, resolver: Resolver, models: Sequence[Model], caller: Caller):
        self.tasks: dict[str, str] = {}
        self.lists: dict[str, list[Any]] = {}
        for model in models:
            taken = _hub_list(resolver, model, caller)
            # The hf-inference helper asks the Hub for the model's task on every
            # call (a network request), so it has no offline cached path.
            first = taken[0] if taken else None
            if first is None or first.provider == "hf-inference":
                continue
            if first.task not in _SUPPORTED.get(first.provider, {}):
                continue
            self.tasks[model.id] = taken[0].task
            self.lists[model.id] = [
                InferenceProviderMapping(  # type: ignore[no-untyped-call]
                    provider=route.provider,
                    hf_model_id=model.id,
                    providerId=route.provider_model,
                    status=route.status,
                    task=route.task,
                    adapter=route.adapter_type,
                    type=route.kind,
                )
                for route in taken
            ]

    @contextmanager
    def installed(self) -> Iterator[Callable[[Model], Any]]:
        """Fill the client's per-model cache, and yield its selection call."""
        lists = self.lists

        class OfflineApi:
            def model_info(self, model_id: str, **_: Any) -> SimpleNamespace:
                return SimpleNamespace(inference_provider_mapping=lists[model_id])

        real_api = hf_api.HfApi
        hf_api.HfApi = OfflineApi  # type: ignore[misc, assignment]
        try:
            fetch.cache_clear()
            for model_id in lists:
                fetch(model_id)
        finally:
            hf_api.HfApi = real_api  # type: ignore[misc]
        tasks = self.tasks

        def select(model: Model) -> Any:
            # "auto" picks the first provider of the model's list, then the
            # provider helper finds its mapping in the same cached list.
            model_id = model.id
            helper = get_provider_helper("auto", tasks[model_id], model_id)
            return helper._prepare_mapping_info(model_id)

        try:
            yield select
        finally:
            fetch.cache_clear()

    def covers(self, model: Model) -> bool:
        return model.id in self.lists
