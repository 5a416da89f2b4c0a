"""A stand-in Hub served over loopback HTTP by pytest-httpserver.

It answers the three routes the resolver reads (model info, partner listings,
whoami) from bodies the test gives it, counts requests per route, and can be
told to fail: a 5xx status, a body that is not JSON, or a slow answer.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from typing import Any

from pytest_httpserver import HTTPServer, URIPattern
from werkzeug import Request, Response

MODELS_PREFIX = "/api/models/"
PARTNERS_PREFIX = "/api/partners/"


class FakeHub:
    def __init__(self) -> None:
        # model id -> full model info body; a token -> its model bodies, for
        # answers that depend on who asks (a private model).
        self.models: dict[str, dict[str, Any]] = {}
        self.private_models: dict[str, dict[str, dict[str, Any]]] = {}
        self.listings: dict[tuple[str, str], dict[str, Any]] = {}
        # (provider, status) listings answered 403, as the Hub answers a token
        # outside the provider's organisation asking for staging.
        self.refused_listings: set[tuple[str, str]] = set()
        # path -> Location: answered 302, as the Hub answers for a renamed
        # repository (or a hostile server for anything).
        self.redirects: dict[str, str] = {}
        # path -> raw body, served as is with status 200.
        self.raw: dict[str, str] = {}
        self.whoami: dict[str, list[str]] = {}
        self.failure: str | None = None
        self.delay = 0.0
        self.requests: Counter[str] = Counter()

    def install(self, server: HTTPServer) -> None:
        server.expect_request(_AnyPath()).respond_with_handler(self.handle)

    def handle(self, request: Request) -> Response:
        path = request.path
        kind = (
            "model"
            if path.startswith(MODELS_PREFIX)
            else "listing"
            if path.startswith(PARTNERS_PREFIX)
            else "whoami"
            if path == "/api/whoami-v2"
            else "other"
        )
        self.requests[kind] += 1
        if path in self.redirects:
            # As the Hub does, the query string goes along.
            query = request.query_string.decode()
            location = self.redirects[path] + (f"?{query}" if query else "")
            return Response("", status=307, headers={"Location": location})
        if path in self.raw:
            return Response(self.raw[path], content_type="application/json")
        if self.delay:
            time.sleep(self.delay)
        if self.failure == "server-error":
            return Response("upstream down", status=503)
        if self.failure == "malformed":
            return Response("{not json", status=200, content_type="application/json")

        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if kind == "model":
            return self._model(path.removeprefix(MODELS_PREFIX), request, token)
        if kind == "listing":
            provider = path.removeprefix(PARTNERS_PREFIX).split("/")[0]
            status = request.args.get("status", "live")
            if (provider, status) in self.refused_listings:
                return _json({"error": "forbidden"}, 403)
            body = self.listings.get((provider, status))
            return _json(body) if body is not None else _json({}, 200)
        if kind == "whoami":
            if token not in self.whoami:
                return _json({"error": "Invalid credentials"}, 401)
            orgs = [{"name": name, "type": "org"} for name in self.whoami[token]]
            return _json({"type": "user", "name": "someone", "orgs": orgs})
        return _json({"error": "not found"}, 404)

    def _model(self, model_id: str, request: Request, token: str) -> Response:
        body = self.private_models.get(token, {}).get(model_id) or self.models.get(
            model_id
        )
        if body is None:
            return Response(
                json.dumps({"error": "Repository not found"}),
                status=404,
                headers={"X-Error-Code": "RepoNotFound"},
                content_type="application/json",
            )
        expand = request.args.getlist("expand")
        answer = {"id": body["id"], "_id": "0" * 24}
        for name in expand:
            if name in body:
                answer[name] = body[name]
        return _json(answer)


class _AnyPath(URIPattern):
    """Every path: the fake routes requests itself."""

    def match(self, uri: str) -> bool:
        return True


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
