"""Last good Hub answers on disk, so that a later process can serve them.

A long-running client keeps its last good answers in memory (see
:mod:`resolver.hub.cache`). A command line process lives for one lookup, so
``resolver route --hub`` also writes each answer it fetches here, and reads it
back only when the Hub cannot answer (offline mode, timeout, 5xx): the same
stale-while-error rule, across runs. A copy on disk is never preferred over a
fresh answer.

Files are keyed like the in-memory caches, by endpoint, model or provider, and
the token's identity (a hash, never the token), and are written atomically and
readable by their owner only: membership answers name a user's organisations.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

__all__ = [
    "CACHE_DIR_VARIABLE",
    "DEFAULT_MAX_AGE",
    "DiskStore",
    "Persistence",
    "default_cache_dir",
]

logger = logging.getLogger(__name__)

CACHE_DIR_VARIABLE = "RESOLVER_CACHE_DIR"
# An answer older than this is not served even when the Hub is down: a week
# covers an outage, and a membership revoked since should not live for ever.
DEFAULT_MAX_AGE = 7 * 24 * 3600.0

V = TypeVar("V")


def default_cache_dir() -> Path:
    """``$RESOLVER_CACHE_DIR``, else ``hub-provider-resolver`` in the user's
    cache folder (``$XDG_CACHE_HOME``, else ``~/.cache``)."""
    configured = os.environ.get(CACHE_DIR_VARIABLE)
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "hub-provider-resolver"


@dataclass(frozen=True, slots=True)
class DiskStore:
    """JSON files in one folder, one per cached key; copies older than
    ``max_age`` seconds are dropped instead of served."""

    directory: Path
    max_age: float = DEFAULT_MAX_AGE

    def _path(self, namespace: str, key: Hashable) -> Path:
        name = json.dumps([namespace, key], default=str, sort_keys=True)
        digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:40]
        return self.directory / f"{namespace}-{digest}.json"

    def load(self, namespace: str, key: Hashable) -> tuple[float, Any] | None:
        """The value saved for ``key`` and its age in seconds, if any."""
        path = self._path(namespace, key)
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            saved_at = float(document["savedAt"])
            value = document["value"]
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as error:
            # A torn or foreign file is as good as none; the next good answer
            # overwrites it.
            logger.debug("ignoring unreadable cache file %s: %s", path, error)
            return None
        age = max(0.0, time.time() - saved_at)
        if age > self.max_age:
            path.unlink(missing_ok=True)
            return None
        return age, value

    def save(self, namespace: str, key: Hashable, value: Any) -> None:
        """Write ``value`` for ``key``; a failure is logged, never raised."""
        path = self._path(namespace, key)
        document = {"savedAt": time.time(), "value": value}
        temporary: str | None = None
        try:
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            # Write aside and rename: a reader sees the old file or the new
            # one, never half of one, even with two processes at once.
            handle, temporary = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                json.dump(document, file)
            os.replace(temporary, path)
            temporary = None
        except (OSError, TypeError, ValueError) as error:
            logger.warning("cannot write the Hub answer cache %s: %s", path, error)
        finally:
            if temporary is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)

    def delete(self, namespace: str, key: Hashable) -> None:
        """Forget ``key``: the Hub refused it, so no copy may outlive that."""
        try:
            self._path(namespace, key).unlink(missing_ok=True)
        except OSError as error:
            logger.warning("cannot delete a cached Hub answer: %s", error)


@dataclass(frozen=True, slots=True)
class Persistence(Generic[V]):
    """How one cache keeps its values on disk: where, and as which JSON."""

    store: DiskStore
    namespace: str
    encode: Callable[[V], Any]
    decode: Callable[[Any], V]

    def load(self, key: Hashable) -> tuple[float, V] | None:
        found = self.store.load(self.namespace, key)
        if found is None:
            return None
        age, raw = found
        try:
            return age, self.decode(raw)
        except (ValueError, KeyError, TypeError) as error:
            logger.debug("ignoring a cached %s answer: %s", self.namespace, error)
            return None

    def save(self, key: Hashable, value: V) -> None:
        self.store.save(self.namespace, key, self.encode(value))

    def delete(self, key: Hashable) -> None:
        self.store.delete(self.namespace, key)
