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
    "ProviderOrgsSchema",
    "RegistrationSchema",
    "check_repo_id",
]


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


def check_repo_id(value: str) -> str:
    """Return ``value`` if it is a valid Hub repo id, else raise ValueError."""
    try:
        validate_repo_id(value)
    except HFValidationError as error:
        raise ValueError(f"{value!r} is not a valid Hub repo id: {error}") from None
    return value


Text = Annotated[str, AfterValidator(_not_blank)]
Tag = Annotated[str, AfterValidator(_not_blank)]
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

    provider: Text
    type: MappingType | None = None
    task: Text
    hf_model: RepoId | None = Field(None, alias="hfModel")
    tags: list[Tag] | None = None
    provider_model: Text = Field(alias="providerModel")
    status: Status | None = None
    adapter_type: Adapter | None = Field(None, alias="adapterType")
    adapter_weights_path: Text | None = Field(None, alias="adapterWeightsPath")


class ListEntrySchema(_Schema):
    """One entry of the list form of a model's ``inferenceProviderMapping``."""

    provider: Text
    type: MappingType | None = None
    task: Text
    hf_model: RepoId | None = Field(None, alias="hfModelId")
    tags: list[Tag] | None = None
    provider_model: Text = Field(alias="providerId")
    status: Status | None = None
    adapter: Adapter | None = None
    adapter_type: Adapter | None = Field(None, alias="adapterType")
    adapter_weights_path: Text | None = Field(None, alias="adapterWeightsPath")


class HubValueSchema(_Schema):
    """A value of the dict form, or of a partner listing's task group.

    The provider (dict form) or the model id and task (partner listing) come
    from the keys around the value, not from the value itself.
    """

    type: MappingType | None = None
    task: Text | None = None
    tags: list[Tag] | None = None
    provider_model: Text = Field(alias="providerId")
    status: Status | None = None
    adapter: Adapter | None = None
    adapter_type: Adapter | None = Field(None, alias="adapterType")
    adapter_weights_path: Text | None = Field(None, alias="adapterWeightsPath")


class ProviderOrgsSchema(_Schema):
    """The optional ``providerOrgs`` table of a rules file."""

    table: dict[Text, Text]
