"""Where live mappings come from: the Hub, reached through huggingface_hub.

Every request goes through huggingface_hub: :class:`~huggingface_hub.HfApi`
where it has a method (model info, whoami), and its shared session, header
builder and status check for the partner listing, which it has no method for.
So the endpoint, the token and the error types are the ones the rest of the
ecosystem uses.

Two settings are read when a request is made, not when this module is
imported: ``HF_ENDPOINT`` (huggingface_hub itself fixes it at import time) and
``HF_HUB_OFFLINE``, so that a process can change them and be obeyed.

Failures come out as two errors. :class:`~resolver.errors.HubUnavailableError`
is a transient failure (timeout, connection, 5xx, 429, malformed body,
offline) that a cache may paper over with its last good copy;
:class:`~resolver.errors.HubRequestError` is the Hub refusing (401, 403, 404)
and must not be.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final, Literal, TypeVar
from urllib.parse import quote

import httpx2
from huggingface_hub import (
    HfApi,
    constants,
    get_session,
    get_token,
    hf_raise_for_status,
)
from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled
from huggingface_hub.utils import build_hf_headers  # type: ignore[attr-defined]

from resolver.errors import HubRequestError, HubUnavailableError
from resolver.model import Model

__all__ = [
    "ANONYMOUS",
    "DEFAULT_TIMEOUT",
    "LIBRARY_NAME",
    "HubSource",
    "ListingStatus",
    "ModelRecord",
    "default_endpoint",
    "offline_mode",
    "token_identity",
]

LIBRARY_NAME: Final = "hub-provider-resolver"
DEFAULT_TIMEOUT: Final = 10.0
ANONYMOUS: Final = "anonymous"
# What a lookup needs from model info; siblings are asked for separately and
# only for LoRA routes, because a big repository lists thousands of files.
ROUTING_EXPAND: Final = ("inferenceProviderMapping", "tags", "pipeline_tag")
FILES_EXPAND: Final = ("siblings",)
_TRUE: Final = frozenset({"1", "ON", "YES", "TRUE"})
# Statuses after which asking again later may well succeed.
_TRANSIENT_STATUS: Final = 429

ListingStatus = Literal["live", "staging"]
Token = str | Literal[False]
_T = TypeVar("_T")


def default_endpoint() -> str:
    """``HF_ENDPOINT`` as it is now, else huggingface_hub's own default."""
    return (os.environ.get("HF_ENDPOINT") or constants.ENDPOINT).rstrip("/")


def offline_mode() -> bool:
    """Whether ``HF_HUB_OFFLINE`` is set, now or when huggingface_hub loaded."""
    value = os.environ.get("HF_HUB_OFFLINE", "").strip().upper()
    return value in _TRUE or constants.is_offline_mode()


def token_identity(token: Token) -> str:
    """A stable name for a token that is safe to keep in a cache key or a log.

    The token itself never goes into a key: keys show up in debug logs and
    memory dumps. A truncated SHA-256 is enough to keep two tokens apart.
    """
    if token is False:
        return ANONYMOUS
    return "sha256:" + hashlib.sha256(token.encode()).hexdigest()[:24]


@dataclass(frozen=True, slots=True)
class ModelRecord:
    """A model as model info described it, with its own provider mappings.

    ``entries`` are in the list form of ``inferenceProviderMapping``
    (``provider``, ``hfModelId``, ``providerId``, ...), whichever form the Hub
    sent, ready for :meth:`resolver.loading.MappingLoader.add_entries`.
    """

    model: Model
    entries: tuple[dict[str, Any], ...]


class HubSource:
    """Reads partner listings, model info and memberships from one Hub.

    ``endpoint`` defaults to ``HF_ENDPOINT`` at the time of each request.
    ``token`` is the token used when a call names none: a string, ``False``
    for anonymous requests, or ``None`` for the locally saved token
    (``HF_TOKEN`` or ``hf auth login``), as huggingface_hub resolves it.
    ``offline`` forces offline mode; ``None`` follows ``HF_HUB_OFFLINE``.
    """

    def __init__(
        self,
        *,
        endpoint: str | None = None,
        token: str | bool | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        offline: bool | None = None,
    ) -> None:
        self._endpoint = endpoint.rstrip("/") if endpoint else None
        self._token = token
        self.timeout = timeout
        self._offline = offline

    @property
    def endpoint(self) -> str:
        return self._endpoint or default_endpoint()

    @property
    def offline(self) -> bool:
        return self._offline if self._offline is not None else offline_mode()

    def effective_token(self, token: str | bool | None = None) -> Token:
        """The token a request will carry: the call's, the source's, or the
        saved one; ``False`` when there is none."""
        chosen = token if token is not None else self._token
        if chosen is None or chosen is True:
            chosen = get_token()
        if not chosen:
            return False
        return chosen

    # -- requests ------------------------------------------------------------

    def partner_listing(
        self,
        provider: str,
        status: ListingStatus = "live",
        *,
        token: str | bool | None = None,
    ) -> dict[str, Any]:
        """``GET /api/partners/{provider}/models?status=...``, parsed."""
        url = f"{self.endpoint}/api/partners/{quote(provider, safe='')}/models"
        headers = build_hf_headers(
            token=self.effective_token(token), library_name=LIBRARY_NAME
        )

        def fetch() -> Any:
            response = get_session().get(
                url, params={"status": status}, headers=headers, timeout=self.timeout
            )
            hf_raise_for_status(response)
            return response.json()

        body = self._call(f"{url}?status={status}", fetch)
        if not isinstance(body, dict):
            raise HubUnavailableError(
                url, "malformed", f"expected an object, got {type(body).__name__}"
            )
        return body

    def model_record(
        self, model_id: str, *, token: str | bool | None = None
    ) -> ModelRecord:
        """The model's tags, pipeline tag and own provider mappings."""
        api = self._api(token)
        url = f"{self.endpoint}/api/models/{model_id}"
        info = self._call(
            url,
            lambda: api.model_info(
                model_id,
                expand=list(ROUTING_EXPAND),
                timeout=self.timeout,
            ),
        )
        tags = info.tags or ()
        if not _all_strings(tags) or not isinstance(info.pipeline_tag, str | None):
            raise HubUnavailableError(url, "malformed", "tags or pipeline_tag mistyped")
        # huggingface_hub turns both the dict and the list form into the same
        # objects; they are turned back into list-form entries here so the
        # loader validates them like any other source.
        entries = tuple(
            _list_entry(vars(m)) for m in info.inference_provider_mapping or ()
        )
        return ModelRecord(Model(info.id or model_id, tags, info.pipeline_tag), entries)

    def model_files(
        self, model_id: str, *, token: str | bool | None = None
    ) -> frozenset[str]:
        """The file names of the model repository (model info's siblings)."""
        api = self._api(token)
        url = f"{self.endpoint}/api/models/{model_id}"
        info = self._call(
            url,
            lambda: api.model_info(
                model_id,
                expand=list(FILES_EXPAND),
                timeout=self.timeout,
            ),
        )
        names = [sibling.rfilename for sibling in info.siblings or ()]
        if not _all_strings(names):
            raise HubUnavailableError(url, "malformed", "siblings without file names")
        return frozenset(names)

    def organisations(self, *, token: str | bool | None = None) -> frozenset[str]:
        """The Hub organisations the token's user belongs to; none when anonymous."""
        effective = self.effective_token(token)
        if effective is False:
            return frozenset()
        api = self._api(effective)
        url = f"{self.endpoint}/api/whoami-v2"
        answer = self._call(url, lambda: api.whoami(token=effective))
        orgs = answer.get("orgs") if isinstance(answer, dict) else None
        if not isinstance(orgs, list):
            raise HubUnavailableError(url, "malformed", "no list of orgs in whoami")
        names = [org.get("name") for org in orgs if isinstance(org, dict)]
        found = frozenset(name for name in names if isinstance(name, str))
        if len(names) != len(orgs) or len(found) != len(set(names)):
            raise HubUnavailableError(url, "malformed", "an org without a name")
        return found

    # -- plumbing ------------------------------------------------------------

    def _api(self, token: str | bool | None) -> HfApi:
        return HfApi(
            endpoint=self.endpoint,
            token=self.effective_token(token),
            library_name=LIBRARY_NAME,
        )

    def _call(self, url: str, fetch: Callable[[], _T]) -> _T:
        # huggingface_hub reads HF_HUB_OFFLINE once, at import; checking here
        # as well means a later change of the variable is obeyed.
        if self.offline:
            raise HubUnavailableError(url, "offline", "HF_HUB_OFFLINE is set")
        try:
            return fetch()
        except OfflineModeIsEnabled as error:
            raise HubUnavailableError(url, "offline", str(error)) from error
        except HfHubHTTPError as error:
            status = error.response.status_code
            if status >= 500 or status == _TRANSIENT_STATUS:
                raise HubUnavailableError(
                    url, "server-error", f"status {status}"
                ) from error
            raise HubRequestError(url, status, str(error).splitlines()[0]) from error
        except httpx2.TimeoutException as error:
            raise HubUnavailableError(url, "timeout", repr(error)) from error
        except httpx2.HTTPError as error:
            raise HubUnavailableError(url, "connection", repr(error)) from error
        except (json.JSONDecodeError, ValueError, KeyError, TypeError) as error:
            # A body that is not JSON, or JSON huggingface_hub cannot read
            # into its objects (a mapping entry without providerId, say).
            raise HubUnavailableError(url, "malformed", repr(error)) from error


def _all_strings(values: Iterable[object]) -> bool:
    return all(isinstance(value, str) for value in values)


_LIST_FORM_NAMES: Final = {
    "hf_model_id": "hfModelId",
    "provider_id": "providerId",
    "adapter_weights_path": "adapterWeightsPath",
}


def _list_entry(fields: dict[str, Any]) -> dict[str, Any]:
    entry = {
        _LIST_FORM_NAMES.get(name, name): value
        for name, value in fields.items()
        if value is not None
    }
    # In a model's own mapping a tag-filter entry is the Hub's verdict that
    # one of the provider's tag filters matches this very model; the filter's
    # tags are not part of it. Read it as the single-model mapping it amounts
    # to, keeping the adapter and its weights path.
    if entry.get("type") == "tag-filter" and not entry.get("tags"):
        del entry["type"]
    return entry
