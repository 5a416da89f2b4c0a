"""The request-count benchmark runs, and counts one model info per model."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import REPO_ROOT


def test_request_count_benchmark_runs() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("HF_TOKEN", "HF_ENDPOINT")}
    done = subprocess.run(
        [
            sys.executable,
            "benchmarks/hub_requests.py",
            "--models",
            "20",
            "--lookups",
            "100",
        ],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    result = json.loads(done.stdout.splitlines()[-1])
    # Within one TTL each distinct model costs one model info request, for
    # the resolver and for huggingface_hub's never-expiring cache alike.
    assert result["resolverRequests"]["model"] == 20
    assert result["huggingfaceHubRequests"]["model"] == 20
