"""The one cache of the server: values computed from one version of the data, kept until it changes.

Everything the server computes from the whole data and may be asked for again — answers to
repeated queries and whole replies to repeated GETs (:mod:`bolekg.query.service`), the pages' view
models and the VoID statistics, the dump files (:mod:`bolekg.web.state`) — is a function of what it
was computed from *and of the data*. Kept here under the version of the data it was computed on,
it is exactly what would be computed again while that version lasts, and it goes when the version
changes. A store's version changes with every write (:meth:`bolekg.store.GraphStore.version`).

The version arrives two ways. An owner that is told of every change renews the cache at once
(:meth:`VersionedCache.renew`: the query service, under the store's commit lock, so that no query
sent after a write is acknowledged can get an answer from before it). A user that can only read
the version (a remote store changed by another client is seen only through its version) calls
:meth:`VersionedCache.follow` before each use. Either way a value computed on an older version than
the current one is not kept (:meth:`VersionedCache.put` takes the version read *before* computing).

Bounded by weight, least recently used first out (``cachetools.LRUCache``): by bytes where values
are big and their size is known (answers, replies), by count where the set of keys is fixed by the
code (one view model per page and language). A value heavier than ``entry_weight`` is not kept: it
would push out many small ones. ``on_drop`` hears of every value that leaves — pushed out, discarded,
or forgotten with its version — so that the dump cache can delete the file a value names.
cachetools is not thread-safe: every operation holds the cache's lock, and a value is built outside
it, once per key even under concurrent requests (:meth:`get_or_build`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from cachetools import LRUCache

Key = TypeVar("Key", bound=Hashable)
Value = TypeVar("Value")


class _Values(LRUCache[Key, Value]):
    """``LRUCache`` that reports each value it drops (evicted, replaced by a clear)."""

    def __init__(self, maxsize: int, getsizeof: Callable[[Value], int] | None,
                 on_drop: Callable[[Key, Value], None] | None):
        super().__init__(maxsize, getsizeof)
        self._on_drop = on_drop

    def popitem(self) -> tuple[Key, Value]:
        key, value = super().popitem()
        if self._on_drop is not None:
            self._on_drop(key, value)
        return key, value


class VersionedCache(Generic[Key, Value]):
    """Values computed from one version of the data, least recently used first out; thread-safe.

    ``max_weight`` bounds the values together as ``weigh`` weighs them (by default each weighs 1:
    a bound on their number); ``entry_weight`` bounds one (by default ``max_weight``).
    """

    def __init__(self, max_weight: int, entry_weight: int | None = None,
                 weigh: Callable[[Value], int] | None = None,
                 on_drop: Callable[[Key, Value], None] | None = None, version: Hashable = None):
        if max_weight < 1:
            raise ValueError(f"a cache must hold at least 1, not {max_weight}")
        self.max_weight = max_weight
        self.entry_weight = max_weight if entry_weight is None else min(entry_weight, max_weight)
        self._weigh = weigh
        self._on_drop = on_drop
        self._values: _Values[Key, Value] = _Values(max_weight, weigh, on_drop)
        self._version = version
        self._lock = threading.Lock()
        #: key → the lock a build of its value holds (:meth:`get_or_build`)
        self._building: dict[Hashable, threading.Lock] = {}
        self.hits = self.misses = 0

    @property
    def version(self) -> Hashable:
        """The version of the data the values were computed on."""
        return self._version

    def renew(self, version: Hashable) -> None:
        """The data changed: forget every value; from now on only values of ``version`` are kept."""
        with self._lock:
            self._renew(version)

    def follow(self, version: Hashable) -> None:
        """Renew if ``version`` (the data's, just read) is not the one the values were computed on."""
        if version != self._version:
            with self._lock:
                if version != self._version:
                    self._renew(version)

    def _renew(self, version: Hashable) -> None:
        self._version = version
        while self._values:
            self._values.popitem()  # each one reported to on_drop

    def get(self, key: Key) -> Value | None:
        """The value kept for ``key`` on the current version, or ``None``."""
        with self._lock:
            try:
                value: Value = self._values[key]
            except KeyError:
                self.misses += 1
                return None
            self.hits += 1
            return value

    def put(self, version: Hashable, key: Key, value: Value) -> None:
        """Keep ``value``, computed on the data of ``version`` (read *before* the computation): not if
        the data has changed since, nor if it weighs more than ``entry_weight``."""
        if self._weigh is not None and self._weigh(value) > self.entry_weight:
            return
        with self._lock:
            if version == self._version:
                self._values[key] = value

    def discard(self, key: Key) -> None:
        """Forget the value of ``key`` (``on_drop`` hears of it)."""
        with self._lock:
            value = self._values.pop(key, None)
        if value is not None and self._on_drop is not None:
            self._on_drop(key, value)

    def get_or_build(self, version: Hashable, key: Key, build: Callable[[], Value]) -> Value:
        """The value of ``key`` on ``version`` (followed first), built by ``build()`` if not kept —
        once, even when several threads ask for it at the same time: the others wait for that build."""
        self.follow(version)
        found = self.get(key)
        if found is not None:
            return found
        with self._lock:
            gate = self._building.setdefault(key, threading.Lock())
        with gate:
            found = self.get(key)
            if found is not None:
                return found
            try:
                value = build()
                self.put(version, key, value)
            finally:
                with self._lock:
                    self._building.pop(key, None)
            return value

    @property
    def weight(self) -> int:
        """What the values weigh together (bytes, or their number)."""
        with self._lock:
            return int(self._values.currsize)

    def __len__(self) -> int:
        with self._lock:
            return len(self._values)
