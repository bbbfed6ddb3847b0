"""Answers to repeated queries on unchanged data, kept in memory and served without evaluating again.

A query's answer is a function of its text, its dataset, the format, the row cap — and the data.
The embedded store changes only through this process, under its write lock, and every change gives
it a new version, so an answer recorded under one version is exactly what the query would answer
again while that version lasts. Researchers re-run the same query from a notebook; a dashboard
polls its few. For such a query the endpoint skips the worker round trip (0.1–0.15 ms on a 2-core
virtual machine) and the evaluation, and costs only the HTTP exchange.

Bounded twice: answers over ``entry_bytes`` are not kept, and the least recently used go once the
total passes ``total_bytes`` (``BOLEKG_ANSWER_CACHE_MB``; 0 turns the cache off). A new version
empties it. Only complete answers are kept — errors and timeouts are not.

The same rule serves the SPARQL front (:mod:`bolekg.web.query_wsgi`), which keeps whole replies to
repeated GETs: hence :class:`VersionedCache`, of which the answer cache is one use.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from bolekg.isolation import Answer, Job

Source = TypeVar("Source")  # what a value is computed from, besides the data
Value = TypeVar("Value")

DEFAULT_TOTAL_MB = 64
#: Larger answers are not kept: they take long to send anyway, and would push out many small ones.
DEFAULT_ENTRY_BYTES = 1 << 20


def job_key(job: Job) -> tuple[Hashable, ...]:
    """Everything about a job that decides its answer, besides the data."""
    return (job.query, job.default_graphs, job.named_graphs, job.union, job.max_rows,
            tuple(sorted(job.media.items(), key=lambda item: item[0])))


class VersionedCache(Generic[Source, Value]):
    """Values computed from one version of the data, least recently used first out.

    ``key(item)`` is what the value depends on besides the data, ``size(value)`` its weight in bytes.
    Whoever owns the version calls :meth:`renew` when it changes (the store, under its write lock);
    a cache that only reads the version calls :meth:`follow` before each use instead. A value
    computed on an older version than the current one is not kept.
    """

    def __init__(self, version: Hashable, total_bytes: int, entry_bytes: int,
                 key: Callable[[Source], Hashable], size: Callable[[Value], int]):
        self.total_bytes = total_bytes
        self.entry_bytes = min(entry_bytes, total_bytes)
        self._key = key
        self._weigh = size
        self._values: OrderedDict[Hashable, tuple[Value, int]] = OrderedDict()
        self._version = version
        self._size = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    @property
    def version(self) -> Hashable:
        return self._version

    def renew(self, version: Hashable) -> None:
        """The data changed: forget every value."""
        with self._lock:
            self._values.clear()
            self._size = 0
            self._version = version

    def follow(self, version: Hashable) -> None:
        """Renew if ``version`` (the data's, just read) is not the one the values were computed on."""
        if version != self._version:
            self.renew(version)

    def get(self, item: Source) -> Value | None:
        key = self._key(item)
        with self._lock:
            found = self._values.get(key)
            if found is None:
                self.misses += 1
                return None
            self._values.move_to_end(key)
            self.hits += 1
            return found[0]

    def put(self, version: Hashable, item: Source, value: Value) -> None:
        """Keep ``value``, computed on the data of ``version`` (read *before* the computation)."""
        size = self._weigh(value)
        if size > self.entry_bytes:
            return
        key = self._key(item)
        with self._lock:
            if version != self._version:
                return  # the data changed while the value was computed
            previous = self._values.pop(key, None)
            if previous is not None:
                self._size -= previous[1]
            self._values[key] = (value, size)
            self._size += size
            while self._size > self.total_bytes:
                _, (_, dropped) = self._values.popitem(last=False)
                self._size -= dropped

    @property
    def size(self) -> int:
        """Bytes held, as weighed by ``size``."""
        return self._size

    def __len__(self) -> int:
        return len(self._values)


class AnswerCache(VersionedCache[Job, Answer]):
    """Answers to jobs on the current version of the data (the store renews it with each write)."""

    def __init__(self, version: Hashable, total_bytes: int, entry_bytes: int = DEFAULT_ENTRY_BYTES):
        super().__init__(version, total_bytes, entry_bytes, key=job_key, size=_body_size)


def _body_size(answer: Answer) -> int:
    return len(answer.body)
