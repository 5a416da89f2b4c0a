"""The answer to a lookup: which provider and provider model to call."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final, Literal

from resolver.errors import MappingError, MappingProblem
from resolver.mapping import Kind, Mapping, Status

__all__ = ["STATIC_BITS", "Route", "Visibility", "static_precedence"]

# "public": a live mapping, visible to everyone. "org": a staging mapping,
# shown only to members of the provider's organisation. "none": a mapping in
# the error state, which nobody is routed to.
Visibility = Literal["public", "org", "none"]

# Precedence keys are packed into integers, compared in one step on the
# lookup path: bits 48 and up hold (provider rank, kind, task fit), bits 32-47
# the number of required tags (inverted, so more tags sort first), bits 0-31
# the load order.
MAX_TAGS: Final = 1 << 16
MAX_ORDER: Final = 1 << 32
STATIC_BITS: Final = 48


def static_precedence(tag_count: int, order: int) -> int:
    """The lookup-independent part of a precedence key; see ``STATIC_BITS``."""
    if not (0 <= tag_count < MAX_TAGS and 0 <= order < MAX_ORDER):
        problem = MappingProblem(
            "<rule set>",
            order,
            "tags" if tag_count >= MAX_TAGS else "",
            f"too large to rank: {tag_count} tags, load order {order}",
        )
        raise MappingError([problem])
    return ((MAX_TAGS - 1 - tag_count) << 32) | order


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
    match is case-insensitive); ``tags`` are a tag filter's required tags, and
    ``order`` the mapping's position in load order. ``precedence`` packs the
    part of the precedence key that does not depend on the lookup (more
    required tags first, then load order) into one integer, smaller first.
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
    precedence: int = field(repr=False, compare=False)

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
            precedence=static_precedence(len(mapping.tags), mapping.order),
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
