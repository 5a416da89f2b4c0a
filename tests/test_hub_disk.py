"""Hub answers kept on disk for a later process: DiskStore and the caches."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from resolver.errors import HubUnavailableError
from resolver.hub.cache import StaleWhileErrorCache
from resolver.hub.disk import DiskStore, Persistence, default_cache_dir
from tests.hub_fake import FakeClock


def names(raw: object) -> frozenset[str]:
    if not isinstance(raw, list):
        raise TypeError("expected a list")
    return frozenset(raw)


def persistence(directory: Path) -> Persistence[frozenset[str]]:
    return Persistence(DiskStore(directory), "membership", sorted, names)


def make_cache(
    stored: Persistence[frozenset[str]],
) -> StaleWhileErrorCache[tuple[str, str], frozenset[str]]:
    return StaleWhileErrorCache(
        "membership",
        ttl=60,
        maxsize=8,
        retry_after=30,
        clock=FakeClock(),
        persistence=stored,
    )


def unavailable() -> frozenset[str]:
    raise HubUnavailableError("http://127.0.0.1:9/api/whoami-v2", "offline", "off")


class TestDiskStore:
    def test_round_trip(self, tmp_path: Path) -> None:
        store = DiskStore(tmp_path)
        store.save("model", ("endpoint", "a/b", "anonymous"), {"x": [1, 2]})
        found = store.load("model", ("endpoint", "a/b", "anonymous"))
        assert found is not None
        age, value = found
        assert value == {"x": [1, 2]}
        assert 0 <= age < 60

    def test_keys_do_not_collide(self, tmp_path: Path) -> None:
        store = DiskStore(tmp_path)
        store.save("model", ("e", "a/b", "token-1"), 1)
        assert store.load("model", ("e", "a/b", "token-2")) is None
        assert store.load("files", ("e", "a/b", "token-1")) is None

    def test_files_are_private(self, tmp_path: Path) -> None:
        store = DiskStore(tmp_path / "cache")
        store.save("membership", ("e", "id"), ["acme"])
        (path,) = (tmp_path / "cache").iterdir()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600

    def test_unreadable_file_is_as_good_as_none(self, tmp_path: Path) -> None:
        store = DiskStore(tmp_path)
        store.save("model", ("e",), 1)
        (path,) = tmp_path.iterdir()
        path.write_text("{torn")
        assert store.load("model", ("e",)) is None

    def test_a_write_failure_is_logged_not_raised(
        self, tmp_path: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        blocker = tmp_path / "file"
        blocker.write_text("not a folder")
        DiskStore(blocker).save("model", ("e",), 1)
        assert "cannot write" in caplog.text

    def test_default_folder_follows_the_environment(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        monkeypatch.setenv("RESOLVER_CACHE_DIR", str(tmp_path / "mine"))
        assert default_cache_dir() == tmp_path / "mine"
        monkeypatch.delenv("RESOLVER_CACHE_DIR")
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
        assert default_cache_dir() == tmp_path / "hub-provider-resolver"


class TestCacheAcrossProcesses:
    def test_a_new_cache_serves_what_an_old_one_fetched_when_the_hub_fails(
        self, tmp_path: Path
    ) -> None:
        key = ("endpoint", "identity")
        first = make_cache(persistence(tmp_path))
        first.get(key, lambda: frozenset({"acme"}))

        second = make_cache(persistence(tmp_path))
        entry = second.get(key, unavailable)
        assert entry.value == frozenset({"acme"})
        assert entry.stale

    def test_the_disk_copy_never_replaces_a_fresh_answer(self, tmp_path: Path) -> None:
        key = ("endpoint", "identity")
        store = persistence(tmp_path)
        store.save(key, frozenset({"old"}))
        cache = make_cache(store)
        assert cache.get(key, lambda: frozenset({"new"})).value == frozenset({"new"})

    def test_nothing_on_disk_still_raises(self, tmp_path: Path) -> None:
        cache = make_cache(persistence(tmp_path))
        with pytest.raises(HubUnavailableError):
            cache.get(("endpoint", "identity"), unavailable)


def test_a_failed_write_leaves_no_file_behind(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = DiskStore(tmp_path)
    store.save("model", ("e",), [1, 2])
    # A value JSON cannot hold fails half way through the write: the old file
    # stays whole and no temporary file is left.
    store.save("model", ("e",), [1, object()])
    assert "cannot write" in caplog.text
    assert [p.suffix for p in tmp_path.iterdir()] == [".json"]
    found = store.load("model", ("e",))
    assert found is not None
    assert found[1] == [1, 2]


def test_a_copy_past_its_maximum_age_is_dropped(tmp_path: Path) -> None:
    fresh = DiskStore(tmp_path)
    fresh.save("membership", ("e", "id"), ["acme"])
    assert DiskStore(tmp_path, max_age=3600).load("membership", ("e", "id"))
    assert DiskStore(tmp_path, max_age=-1).load("membership", ("e", "id")) is None
    assert list(tmp_path.iterdir()) == []
