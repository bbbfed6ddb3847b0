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
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

from bolekg.isolation import Answer, Job

DEFAULT_TOTAL_MB = 64
#: Larger answers are not kept: they take long to send anyway, and would push out many small ones.
DEFAULT_ENTRY_BYTES = 1 << 20


def job_key(job: Job) -> tuple[Hashable, ...]:
    """Everything about a job that decides its answer, besides the data."""
    return (job.query, job.default_graphs, job.named_graphs, job.union, job.max_rows,
            tuple(sorted(job.media.items(), key=lambda item: item[0])))


class AnswerCache:
    """Answers to jobs on the current version of the data, least recently used first out.

    The store calls :meth:`renew` with each new version (under its write lock); an answer computed
    on an older version than the current one is not kept.
    """

    def __init__(self, version: Hashable, total_bytes: int, entry_bytes: int = DEFAULT_ENTRY_BYTES):
        self.total_bytes = total_bytes
        self.entry_bytes = min(entry_bytes, total_bytes)
        self._answers: OrderedDict[tuple[Hashable, ...], Answer] = OrderedDict()
        self._version = version
        self._size = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    @property
    def version(self) -> Hashable:
        return self._version

    def renew(self, version: Hashable) -> None:
        """The data changed: forget every answer."""
        with self._lock:
            self._answers.clear()
            self._size = 0
            self._version = version

    def get(self, job: Job) -> Answer | None:
        key = job_key(job)
        with self._lock:
            found = self._answers.get(key)
            if found is None:
                self.misses += 1
                return None
            self._answers.move_to_end(key)
            self.hits += 1
            return found

    def put(self, version: Hashable, job: Job, answer: Answer) -> None:
        """Keep ``answer``, computed on the data of ``version`` (read *before* the query ran)."""
        size = len(answer.body)
        if size > self.entry_bytes:
            return
        key = job_key(job)
        with self._lock:
            if version != self._version:
                return  # the data changed while the query ran
            previous = self._answers.pop(key, None)
            if previous is not None:
                self._size -= len(previous.body)
            self._answers[key] = answer
            self._size += size
            while self._size > self.total_bytes:
                _, dropped = self._answers.popitem(last=False)
                self._size -= len(dropped.body)

    @property
    def size(self) -> int:
        """Bytes of answer bodies held."""
        return self._size

    def __len__(self) -> int:
        return len(self._answers)
