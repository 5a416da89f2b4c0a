"""Where live mappings come from: the Hub, reached through huggingface_hub.

Every request goes through huggingface_hub: its shared HTTP session, its
header builder (token, user agent), its status check and error types, its
endpoint and offline settings. :class:`~huggingface_hub.HfApi` is not used for
the requests themselves, for two reasons: its session follows redirects to any
host, and an answer about a caller's organisations or a model's mappings must
come from the Hub it was asked of; and it parses model info whole, so one
malformed mapping entry would discard a model's every mapping, where the
loader can skip just that entry and report it.

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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal, TypeGuard, TypeVar
from urllib.parse import quote

import httpx2
from huggingface_hub import constants, get_session, get_token, hf_raise_for_status
from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled
from huggingface_hub.utils import build_hf_headers  # type: ignore[attr-defined]

from resolver.errors import HubRequestError, HubUnavailableError, InvalidArgumentError
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
# Statuses below 500 after which asking again later may well succeed.
_TRANSIENT_STATUSES: Final = frozenset({429})
MAX_REDIRECTS: Final = 3

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
        path = f"/api/partners/{quote(provider, safe='')}/models"
        body, _ = self._get_json(path, [("status", status)], token)
        if not isinstance(body, dict):
            raise HubUnavailableError(
                self.endpoint + path,
                "malformed",
                f"expected an object, got {type(body).__name__}",
            )
        return body

    def model_record(
        self, model_id: str, *, token: str | bool | None = None
    ) -> ModelRecord:
        """The model's tags, pipeline tag and own provider mappings."""
        path = f"/api/models/{quote(model_id, safe='/')}"
        expand = [("expand", name) for name in ROUTING_EXPAND]
        body, renamed = self._get_json(path, expand, token)
        url = self.endpoint + path
        if not isinstance(body, dict):
            raise HubUnavailableError(url, "malformed", "model info is not an object")
        # The answer names the model it describes. Another name is the Hub's
        # word only when it redirected the request (a renamed repository).
        answered = body.get("id", model_id)
        if not isinstance(answered, str) or (
            not renamed and answered.casefold() != model_id.casefold()
        ):
            raise HubUnavailableError(url, "malformed", f"answer about {answered!r}")
        try:
            model = Model(answered, body.get("tags") or (), body.get("pipeline_tag"))
        except InvalidArgumentError as error:
            raise HubUnavailableError(url, "malformed", str(error)) from None
        mapping = body.get("inferenceProviderMapping") or {}
        return ModelRecord(model, _list_form(mapping, answered))

    def model_files(
        self, model_id: str, *, token: str | bool | None = None
    ) -> frozenset[str]:
        """The file names of the model repository (model info's siblings)."""
        path = f"/api/models/{quote(model_id, safe='/')}"
        expand = [("expand", name) for name in FILES_EXPAND]
        body, _ = self._get_json(path, expand, token)
        siblings = body.get("siblings") if isinstance(body, dict) else None
        names = [s.get("rfilename") for s in siblings or () if isinstance(s, dict)]
        if not isinstance(siblings, list) or len(names) != len(siblings):
            raise HubUnavailableError(self.endpoint + path, "malformed", "siblings")
        if not _all_strings(names):
            raise HubUnavailableError(
                self.endpoint + path, "malformed", "siblings without file names"
            )
        return frozenset(names)

    def organisations(self, *, token: str | bool | None = None) -> frozenset[str]:
        """The Hub organisations the token's user belongs to; none when anonymous."""
        effective = self.effective_token(token)
        if effective is False:
            return frozenset()
        path = "/api/whoami-v2"
        answer, _ = self._get_json(path, [], effective)
        url = self.endpoint + path
        orgs = answer.get("orgs") if isinstance(answer, dict) else None
        if not isinstance(orgs, list):
            raise HubUnavailableError(url, "malformed", "no list of orgs in whoami")
        names = [org.get("name") if isinstance(org, dict) else None for org in orgs]
        if not _all_strings(names):
            raise HubUnavailableError(url, "malformed", "an org without a name")
        return frozenset(names)

    # -- plumbing ------------------------------------------------------------

    def _get_json(
        self, path: str, params: Sequence[tuple[str, str]], token: str | bool | None
    ) -> tuple[Any, bool]:
        """GET ``path`` on the endpoint: its JSON body, and whether the Hub
        redirected the request.

        Redirects are followed only within the endpoint's own origin (the Hub
        redirects a renamed repository), at most ``MAX_REDIRECTS`` times; an
        answer from anywhere else is not the Hub's answer.
        """
        url = self.endpoint + path
        headers = build_hf_headers(
            token=self.effective_token(token), library_name=LIBRARY_NAME
        )
        origin = httpx2.URL(self.endpoint)

        def fetch() -> tuple[Any, bool]:
            session = get_session()
            response = session.get(
                url,
                params=httpx2.QueryParams(list(params)),
                headers=headers,
                timeout=self.timeout,
                follow_redirects=False,
            )
            redirected = False
            for _ in range(MAX_REDIRECTS):
                target = response.next_request
                if target is None:
                    break
                redirected = True
                if (target.url.scheme, target.url.host, target.url.port) != (
                    origin.scheme,
                    origin.host,
                    origin.port,
                ):
                    raise HubUnavailableError(
                        url, "malformed", f"redirected off the Hub to {target.url}"
                    )
                response = session.send(target, follow_redirects=False)
            if response.next_request is not None:
                raise HubUnavailableError(url, "malformed", "too many redirects")
            hf_raise_for_status(response)
            return response.json(), redirected

        return self._call(url, fetch)

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
            if status >= 500 or status in _TRANSIENT_STATUSES:
                raise HubUnavailableError(
                    url, "server-error", f"status {status}"
                ) from error
            raise HubRequestError(url, status, str(error).splitlines()[0]) from error
        except httpx2.TimeoutException as error:
            raise HubUnavailableError(url, "timeout", repr(error)) from error
        except httpx2.HTTPError as error:
            raise HubUnavailableError(url, "connection", repr(error)) from error
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise HubUnavailableError(url, "malformed", repr(error)) from error
        except RecursionError:
            raise HubUnavailableError(url, "malformed", "nested too deeply") from None


def _all_strings(values: list[Any]) -> TypeGuard[list[str]]:
    return all(isinstance(value, str) for value in values)


def _list_form(mapping: Any, model_id: str) -> tuple[Any, ...]:
    """A model's ``inferenceProviderMapping`` as list-form entries.

    The dict form keys each entry by provider; the list form names the
    provider and the model in each entry. Entries are passed on as they are,
    valid or not: the loader checks each one and skips only the bad ones.
    """
    if isinstance(mapping, dict):
        return tuple(
            {"provider": provider, "hfModelId": model_id, **value}
            if isinstance(value, dict)
            else value
            for provider, value in mapping.items()
        )
    if isinstance(mapping, list):
        return tuple(
            {"hfModelId": model_id, **entry} if isinstance(entry, dict) else entry
            for entry in mapping
        )
    return (mapping,)
