"""The answer to a lookup: which provider and provider model to call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from resolver.mapping import Kind, Mapping, Status

__all__ = ["Route", "Visibility"]

# "public": a live mapping, visible to everyone. "org": a staging mapping,
# shown only to members of the provider's organisation. "none": a mapping in
# the error state, which nobody is routed to.
Visibility = Literal["public", "org", "none"]

_VISIBILITY: dict[Status, Visibility] = {
    "live": "public",
    "staging": "org",
    "error": "none",
}


@dataclass(frozen=True, slots=True)
class Route:
    """Where to send a request for a model.

    One route is built per mapping when the mapping is loaded and handed out
    as is by every lookup that selects that mapping, so a lookup allocates
    nothing. ``hf_model`` is the mapping's own spelling of the model id (the
    match is case-insensitive); ``tags`` are a tag filter's required tags, and ``order`` the mapping's
    position in load order.
    """

    provider: str
    provider_model: str
    adapter_type: str | None
    adapter_weights_path: str | None
    status: Status
    visibility: Visibility
    provider_org: str
    kind: Kind
    task: str
    hf_model: str | None
    tags: tuple[str, ...]
    order: int
    mapping: Mapping

    @classmethod
    def for_mapping(cls, mapping: Mapping, provider_org: str) -> Route:
        return cls(
            provider=mapping.provider,
            provider_model=mapping.provider_model,
            adapter_type=mapping.adapter_type,
            adapter_weights_path=mapping.adapter_weights_path,
            status=mapping.status,
            visibility=_VISIBILITY[mapping.status],
            provider_org=provider_org,
            kind=mapping.kind,
            task=mapping.task,
            hf_model=mapping.hf_model,
            tags=mapping.tags,
            order=mapping.order,
            mapping=mapping,
        )

    @property
    def is_lora(self) -> bool:
        return self.adapter_type == "lora"

    def to_json(self) -> dict[str, Any]:
        """The route in the command line's JSON form (camelCase keys)."""
        return {
            "provider": self.provider,
            "providerModel": self.provider_model,
            "adapterType": self.adapter_type,
            "adapterWeightsPath": self.adapter_weights_path,
            "status": self.status,
            "visibility": self.visibility,
            "providerOrg": self.provider_org,
            "kind": self.kind,
            "task": self.task,
            "hfModel": self.hf_model,
            "tags": list(self.tags) if self.mapping.is_tag_filter else None,
        }
