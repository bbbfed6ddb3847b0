"""The one versioned cache (:mod:`bolekg.query.cache`): values of one data version only, bounded by
weight with the least recently used first out, nothing kept that was computed on older data, built
once under concurrent requests, and every value that leaves reported (the dump files go with it)."""

from __future__ import annotations

import threading
import time

import pytest
from rdflib import Dataset

from bolekg.query.cache import VersionedCache


def sized() -> VersionedCache[str, bytes]:
    return VersionedCache(100, entry_weight=60, weigh=len, version="v")


def test_a_value_is_kept_for_its_key_on_its_version() -> None:
    cache: VersionedCache[str, bytes] = VersionedCache(1000, weigh=len, version="v1")
    assert cache.get("a") is None
    cache.put("v1", "a", b"x" * 10)
    assert cache.get("a") == b"x" * 10 and cache.get("b") is None
    assert (cache.hits, cache.misses) == (1, 2)


def test_a_new_version_forgets_and_a_late_value_is_not_kept() -> None:
    cache: VersionedCache[str, bytes] = VersionedCache(1000, weigh=len, version="v1")
    cache.put("v1", "a", b"x" * 10)
    cache.renew("v2")
    assert cache.get("a") is None and len(cache) == 0 and cache.weight == 0
    cache.put("v1", "a", b"x" * 10)  # computed on v1, finished after the write: stale
    assert cache.get("a") is None


def test_a_cache_that_reads_the_version_follows_it() -> None:
    cache: VersionedCache[str, bytes] = VersionedCache(1000, weigh=len, version="v1")
    cache.put("v1", "a", b"x")
    cache.follow("v1")  # the same version: kept
    assert cache.get("a") == b"x"
    cache.follow("v2")  # another: forgotten, and only values computed on v2 are kept from now on
    assert cache.get("a") is None and cache.version == "v2"
    cache.put("v1", "a", b"x")
    assert len(cache) == 0


def test_the_cache_is_bounded_by_weight_and_drops_the_least_recently_used() -> None:
    cache = sized()
    cache.put("v", "A", b"a" * 40)
    cache.put("v", "B", b"b" * 40)
    cache.put("v", "too big", b"c" * 61)
    assert cache.get("too big") is None
    assert cache.get("A") is not None  # A is now the most recently used
    cache.put("v", "C", b"c" * 40)  # 120 > 100: B goes
    assert cache.get("B") is None
    assert cache.get("A") is not None and cache.get("C") is not None
    assert cache.weight == 80 and len(cache) == 2
    cache.put("v", "A", b"a" * 50)  # replacing a value counts its new weight only
    assert cache.weight == 90


def test_without_a_weight_the_bound_is_a_count() -> None:
    cache: VersionedCache[int, str] = VersionedCache(3)
    for n in range(5):
        cache.put(None, n, str(n))
    assert len(cache) == 3 and cache.get(0) is None and cache.get(4) == "4"
    with pytest.raises(ValueError, match="at least 1"):
        VersionedCache(0)


def test_every_value_that_leaves_is_reported() -> None:
    dropped: list[str] = []
    cache: VersionedCache[str, str] = VersionedCache(2, on_drop=lambda key, value: dropped.append(key), version=1)
    for key in "abc":
        cache.put(1, key, key.upper())
    assert dropped == ["a"]  # pushed out
    cache.discard("b")
    assert dropped == ["a", "b"]
    cache.follow(2)  # forgotten with its version
    assert dropped == ["a", "b", "c"] and len(cache) == 0


def test_a_value_is_built_once_for_concurrent_requests() -> None:
    cache: VersionedCache[str, int] = VersionedCache(10)
    builds: list[int] = []

    def build() -> int:
        builds.append(1)
        time.sleep(0.2)
        return 42

    results: list[int] = []
    threads = [threading.Thread(target=lambda: results.append(cache.get_or_build("v", "k", build)))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [42] * 8 and builds == [1]
    assert cache.get_or_build("v", "k", build) == 42 and builds == [1]
    assert cache.get_or_build("w", "k", lambda: 43) == 43  # another version: built again


def test_a_failed_build_is_not_kept_and_is_tried_again() -> None:
    cache: VersionedCache[str, int] = VersionedCache(10)

    def fail() -> int:
        raise RuntimeError("no")

    with pytest.raises(RuntimeError):
        cache.get_or_build("v", "k", fail)
    assert cache.get_or_build("v", "k", lambda: 1) == 1


# --- the dump files, kept in the app's versioned cache ---------------------------------------------


def test_a_dump_file_goes_with_its_version_and_its_directory_with_the_app(real_dataset: Dataset) -> None:
    import gc

    from werkzeug.test import Client
    from werkzeug.wrappers import Response

    from bolekg.store import EmbeddedStore
    from bolekg.web import create_app
    from ld_support import small_validator

    store = EmbeddedStore(validator=small_validator, workers=0)
    try:
        store.load(real_dataset)
        app = create_app({"STORE": store})
        client = Client(app, Response)
        first = client.get("/dumps/bolekg.nt")
        assert first.status_code == 200
        first.close()
        directory = app.extensions["bolekg"].dump_directory
        assert [path.name.split("-", 1)[1] for path in directory.iterdir()] == ["bolekg.nt"]
        old = next(directory.iterdir())
        store.update('INSERT DATA { GRAPH <https://example.org/notes> { <https://example.org/n> '
                     '<https://example.org/says> "hi" } }')
        second = client.get("/dumps/bolekg.nt")
        assert second.status_code == 200 and second.headers["ETag"] != first.headers["ETag"]
        second.close()
        assert not old.exists() and len(list(directory.iterdir())) == 1
        del app, client, first, second
        gc.collect()
        assert not directory.exists()
    finally:
        store.close()
