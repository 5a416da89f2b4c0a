"""Pydantic schemas of the shapes in which the Hub and providers write mappings.

Field aliases are the Hub's own camelCase names, so a validation error's
location is the field as it is spelled in the entry. Unknown fields are
ignored: the Hub adds fields over time and an old client must keep working.
"""

from __future__ import annotations

from typing import Annotated, Literal

from huggingface_hub.errors import HFValidationError

# huggingface_hub exports its utils lazily, which type checkers cannot follow.
from huggingface_hub.utils import validate_repo_id  # type: ignore[attr-defined]
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

__all__ = [
    "HubValueSchema",
    "ListEntrySchema",
    "RegistrationSchema",
    "check_name",
    "check_repo_id",
    "check_repo_path",
    "check_text",
    "field_path",
]


def check_text(value: str) -> str:
    """Return ``value`` if it is non-blank Unicode text, else raise ValueError."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate from a "\ud800" escape: not text anything could print.
        raise ValueError("is not valid Unicode text (a lone surrogate)") from None
    if not value.strip():
        raise ValueError("must not be blank")
    return value


def check_repo_id(value: str) -> str:
    """Return ``value`` if it is a valid Hub repo id, else raise ValueError."""
    check_text(value)
    try:
        validate_repo_id(value)
    except HFValidationError:
        raise ValueError(
            f"{value!r} is not a valid Hub repo id (at most one '/', letters, digits, "
            "'-', '_' and '.', no '--' or '..')"
        ) from None
    return value


def field_path(loc: tuple[int | str, ...]) -> str:
    """A pydantic error location as a dotted path with indices: ``tags[1]``."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
    return path


def check_name(value: str) -> str:
    """Like :func:`check_text`, and no surrounding spaces: a provider or task
    name with them could never equal the name a caller asks for."""
    check_text(value)
    if value != value.strip():
        raise ValueError(f"must not have surrounding spaces (got {value!r})")
    return value


def check_repo_path(value: str) -> str:
    """A file path inside a repository: relative, with no ``..`` segment, so
    a download URL built from it cannot leave the repository."""
    check_text(value)
    parts = value.replace("\\", "/").split("/")
    if value.startswith("/") or ".." in parts or "" in parts:
        raise ValueError(
            f"must be a relative path inside the repository (got {value!r})"
        )
    return value


Text = Annotated[str, AfterValidator(check_text)]
Name = Annotated[str, AfterValidator(check_name)]
RepoPath = Annotated[str, AfterValidator(check_repo_path)]
# Tags are kept as the Hub has them, surrounding spaces included: the Hub
# compares them exactly, and lint warns about the spaces.
Tag = Annotated[str, AfterValidator(check_text)]
RepoId = Annotated[str, AfterValidator(check_repo_id)]
Status = Literal["live", "staging", "error"]
# "single-file" is an older spelling of "single-model" that the Hub has used.
MappingType = Literal["single-model", "single-file", "tag-filter"]
Adapter = Literal["lora"]


class _Schema(BaseModel):
    # strict: a number is not a provider name and `true` is not a status.
    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)


class RegistrationSchema(_Schema):
    """A body POSTed to ``/api/partners/{provider}/models``, provider added."""

    provider: Name
    type: MappingType | None = None
    task: Name
    hf_model: RepoId | None = Field(None, alias="hfModel")
    tags: list[Tag] | None = None
    provider_model: Text = Field(alias="providerModel")
    status: Status | None = None
    adapter_type: Adapter | None = Field(None, alias="adapterType")
    adapter_weights_path: RepoPath | None = Field(None, alias="adapterWeightsPath")


class HubValueSchema(_Schema):
    """A value of the dict form, or of a partner listing's task group.

    The provider (dict form) or the model id and task (partner listing) come
    from the keys around the value, not from the value itself. The Hub has
    written the adapter type both as ``adapter`` and as ``adapterType``.
    """

    type: MappingType | None = None
    task: Name | None = None
    tags: list[Tag] | None = None
    provider_model: Text = Field(alias="providerId")
    status: Status | None = None
    adapter: Adapter | None = None
    adapter_type: Adapter | None = Field(None, alias="adapterType")
    adapter_weights_path: RepoPath | None = Field(None, alias="adapterWeightsPath")


class ListEntrySchema(HubValueSchema):
    """One entry of the list form of a model's ``inferenceProviderMapping``:
    a Hub value that names its provider and model itself."""

    provider: Name
    task: Name
    hf_model: RepoId | None = Field(None, alias="hfModelId")
