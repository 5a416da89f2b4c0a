"""Client-side routing of Hugging Face Hub models to inference providers.

Providers register *mappings* with the Hub: a single-model mapping serves one
Hub model, a tag-filter mapping serves every model carrying all of its tags
(how one endpoint serves every LoRA of a base model). Given a model and a
caller, the resolver picks the provider and provider model to call, following
the routing contract in ``docs/routing.md``::

    >>> from resolver import Caller, Model, Resolver
    >>> resolver = Resolver.from_mappings([
    ...     {"provider": "fal-ai", "type": "tag-filter", "task": "text-to-image",
    ...      "tags": ["lora", "base_model:adapter:black-forest-labs/FLUX.1-dev"],
    ...      "providerModel": "fal-ai/flux-lora", "adapterType": "lora",
    ...      "status": "live"},
    ... ])
    >>> model = Model(
    ...     id="acme/flux-style-lora",
    ...     tags=["lora", "base_model:adapter:black-forest-labs/FLUX.1-dev"],
    ...     pipeline_tag="text-to-image",
    ... )
    >>> route = resolver.resolve(model, caller=Caller(orgs={"fal"}))
    >>> route.provider, route.provider_model, route.adapter_type, route.visibility
    ('fal-ai', 'fal-ai/flux-lora', 'lora', 'public')
"""

from resolver.errors import (
    AmbiguousWeightsError,
    HubRequestError,
    HubUnavailableError,
    InvalidArgumentError,
    MappingError,
    MappingProblem,
    ModelFileError,
    NoRouteError,
    ResolverError,
    UnknownProviderError,
)
from resolver.explain import Candidate, Explanation
from resolver.mapping import Mapping
from resolver.model import Caller, Model
from resolver.orgs import DEFAULT_PROVIDER_ORGS
from resolver.resolver import PUBLIC, Resolver
from resolver.route import Route

__all__ = [
    "DEFAULT_PROVIDER_ORGS",
    "PUBLIC",
    "AmbiguousWeightsError",
    "Caller",
    "Candidate",
    "Explanation",
    "HubRequestError",
    "HubUnavailableError",
    "InvalidArgumentError",
    "Mapping",
    "MappingError",
    "MappingProblem",
    "Model",
    "ModelFileError",
    "NoRouteError",
    "Resolver",
    "ResolverError",
    "Route",
    "UnknownProviderError",
]
