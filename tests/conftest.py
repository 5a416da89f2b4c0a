"""Shared fixtures: where the real Hub data lives, and how to read it."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR_VARIABLE = "RESOLVER_DATA_DIR"
DEFAULT_DATA_DIR = REPO_ROOT.parent / "shared" / "data"


def _data_dir() -> Path:
    configured = os.environ.get(DATA_DIR_VARIABLE)
    return Path(configured) if configured else DEFAULT_DATA_DIR


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The real Hub data; skipped with a reason when absent, failed under CI."""
    path = _data_dir()
    if not (path / "provider_mappings.jsonl").is_file():
        message = (
            f"real Hub data not found in {path} "
            f"(set {DATA_DIR_VARIABLE} to the folder holding provider_mappings.jsonl)"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Skip suites marked ``slow`` unless CI runs them or RESOLVER_SLOW=1 asks."""
    if os.environ.get("CI") or os.environ.get("RESOLVER_SLOW") == "1":
        return
    skip = pytest.mark.skip(reason="slow suite: set RESOLVER_SLOW=1 to run it")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
