"""Which Hub organisation each inference provider answers to.

A ``staging`` mapping is visible only to members of its provider's Hub
organisation. The provider name used in routing (``fal-ai``) is not always the
organisation's name on the Hub (``fal``); this table bridges the two. Its
entries are the facts huggingface.js publishes for the same purpose. A
provider missing from the table is taken to be its own organisation, which is
the Hub's stated convention for new providers.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from resolver.errors import InvalidArgumentError

__all__ = ["DEFAULT_PROVIDER_ORGS", "ProviderOrgs"]

DEFAULT_PROVIDER_ORGS: Mapping[str, str] = MappingProxyType(
    {
        "baseten": "baseten",
        "black-forest-labs": "black-forest-labs",
        "cerebras": "cerebras",
        "clarifai": "clarifai",
        "cohere": "CohereLabs",
        "fal-ai": "fal",
        "featherless-ai": "featherless-ai",
        "fireworks-ai": "fireworks-ai",
        "groq": "groq",
        "hf-inference": "hf-inference",
        "hyperbolic": "Hyperbolic",
        "nebius": "nebius",
        "novita": "novita",
        "nscale": "nscale",
        "openai": "openai",
        "ovhcloud": "ovhcloud",
        "publicai": "publicai",
        "replicate": "replicate",
        "sambanova": "sambanovasystems",
        "scaleway": "scaleway",
        "together": "togethercomputer",
        "wavespeed": "wavespeed",
        "zai-org": "zai-org",
    }
)


class ProviderOrgs:
    """The provider-to-organisation table, defaults first, overrides on top."""

    __slots__ = ("_table",)

    def __init__(self, *overrides: Mapping[str, str] | None) -> None:
        table = dict(DEFAULT_PROVIDER_ORGS)
        for layer in overrides:
            for provider, org in (layer or {}).items():
                if not (isinstance(provider, str) and isinstance(org, str) and org):
                    raise InvalidArgumentError(
                        "provider_orgs must map provider names to organisation "
                        f"names, got {provider!r}: {org!r}"
                    )
                table[provider] = org
        self._table = table

    def org_of(self, provider: str) -> str:
        return self._table.get(provider, provider)

    def as_dict(self) -> dict[str, str]:
        return dict(self._table)
