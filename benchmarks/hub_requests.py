"""Count the HTTP requests that routing costs, against a Hub on loopback.

Runs ``--lookups`` resolutions spread over ``--models`` distinct models twice:
once through :class:`resolver.hub.HubResolver` and once through
huggingface_hub's own provider lookup (the function its InferenceClient calls
to find a model's providers), and prints the request count of each as JSON.

huggingface_hub fixes its endpoint when it is imported, so the loopback server
is started and ``HF_ENDPOINT`` set before anything imports it.

    python benchmarks/hub_requests.py [--models 200] [--lookups 1000]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
from collections import Counter
from typing import Any

from pytest_httpserver import HTTPServer, URIPattern
from werkzeug import Request, Response

MODELS_PREFIX = "/api/models/"


class _Every(URIPattern):
    def match(self, uri: str) -> bool:
        return True


class _Hub:
    """Serves one live together mapping per model, and counts requests."""

    def __init__(self, models: int) -> None:
        self.ids = [f"bench/model-{number}" for number in range(models)]
        self.requests: Counter[str] = Counter()

    def handle(self, request: Request) -> Response:
        if not request.path.startswith(MODELS_PREFIX):
            # huggingface_hub makes requests of its own on first use.
            self.requests[request.path] += 1
            return Response("{}", content_type="application/json")
        self.requests["model"] += 1
        model_id = request.path.removeprefix(MODELS_PREFIX)
        body = {
            "id": model_id,
            "tags": ["text-generation"],
            "pipeline_tag": "text-generation",
            "inferenceProviderMapping": {
                "together": {
                    "status": "live",
                    "providerId": f"together/{model_id}",
                    "task": "conversational",
                }
            },
        }
        return Response(json.dumps(body), content_type="application/json")


def measure(models: int, lookups: int) -> dict[str, Any]:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = HTTPServer(threaded=True)
    server.start()
    hub = _Hub(models)
    server.expect_request(_Every()).respond_with_handler(hub.handle)
    os.environ["HF_ENDPOINT"] = server.url_for("/").rstrip("/")
    os.environ.pop("HF_HUB_OFFLINE", None)
    try:
        # Imported only now: huggingface_hub reads HF_ENDPOINT on import.
        from huggingface_hub.inference._providers._common import (  # noqa: PLC0415
            _fetch_inference_provider_mapping,
        )

        from resolver.hub import HubResolver, HubSource  # noqa: PLC0415

        workload = [hub.ids[number % models] for number in range(lookups)]

        resolver = HubResolver(HubSource(token=False))
        caller = resolver.caller(False)
        for model_id in workload:
            resolver.resolve(model_id, caller)
        ours = dict(hub.requests)

        hub.requests.clear()
        for model_id in workload:
            _fetch_inference_provider_mapping(model_id)
        theirs = dict(hub.requests)
    finally:
        server.clear()
        server.stop()
    return {
        "models": models,
        "lookups": lookups,
        "resolverRequests": ours,
        "huggingfaceHubRequests": theirs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=200)
    parser.add_argument("--lookups", type=int, default=1000)
    arguments = parser.parse_args()
    print(json.dumps(measure(arguments.models, arguments.lookups)))


if __name__ == "__main__":
    main()
