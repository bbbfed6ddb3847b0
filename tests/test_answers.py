"""Answers to repeated queries: kept per data version, bounded, never stale, and really served without
the query workers (shown by stopping the workers with SIGSTOP: a kept answer still comes back, a new
query does not)."""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterator

import pyoxigraph as ox
import pytest
from rdflib import Dataset

import ld_support
from bolekg.answers import AnswerCache
from bolekg.errors import QueryTimeout
from bolekg.isolation import Answer, Job
from bolekg.store import EmbeddedStore
from ld_support import EX, small_validator

real_dataset = ld_support.real_dataset

JSON_RESULTS = "application/sparql-results+json"
MEDIA = {"solutions": JSON_RESULTS, "boolean": JSON_RESULTS, "graph": "application/n-triples"}
NOTE = f'INSERT DATA {{ GRAPH <{EX}notes> {{ <{EX}n1> <{EX}says> "hello" }} }}'
COUNT = Job("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", media=MEDIA, max_rows=100)


def job(text: str, **changes: object) -> Job:
    return Job(text, media=dict(MEDIA), **changes)  # type: ignore[arg-type]


def body(size: int) -> Answer:
    return Answer("solutions", JSON_RESULTS, b"x" * size)


def number(answer: Answer) -> int:
    result = ox.parse_query_results(answer.body, format=ox.QueryResultsFormat.JSON)
    return int(next(iter(result))["n"].value)  # type: ignore[index, call-overload]


# --- the cache on its own ---------------------------------------------------------------------------


def test_an_answer_is_kept_for_the_same_job_only() -> None:
    cache = AnswerCache("v1", total_bytes=1000)
    first = job("ASK {}")
    assert cache.get(first) is None
    cache.put("v1", first, body(10))
    assert cache.get(job("ASK {}")) == body(10)  # an equal job, built anew
    for other in (job("ASK { }"), job("ASK {}", max_rows=5), job("ASK {}", default_graphs=(f"{EX}g",)),
                  job("ASK {}", union=False), Job("ASK {}", media={**MEDIA, "boolean": "text/csv"})):
        assert cache.get(other) is None, other
    assert (cache.hits, cache.misses) == (1, 6)


def test_a_new_version_forgets_and_a_late_answer_is_not_kept() -> None:
    cache = AnswerCache("v1", total_bytes=1000)
    cache.put("v1", job("ASK {}"), body(10))
    cache.renew("v2")
    assert cache.get(job("ASK {}")) is None and len(cache) == 0 and cache.size == 0
    cache.put("v1", job("ASK {}"), body(10))  # computed on v1, finished after the write: stale
    assert cache.get(job("ASK {}")) is None


def test_the_cache_is_bounded_and_drops_the_least_recently_used() -> None:
    cache = AnswerCache("v", total_bytes=100, entry_bytes=60)
    cache.put("v", job("A"), body(40))
    cache.put("v", job("B"), body(40))
    cache.put("v", job("too big"), body(61))
    assert cache.get(job("too big")) is None
    assert cache.get(job("A")) is not None  # A is now the most recently used
    cache.put("v", job("C"), body(40))  # 120 > 100: B goes
    assert cache.get(job("B")) is None
    assert cache.get(job("A")) is not None and cache.get(job("C")) is not None
    assert cache.size == 80 and len(cache) == 2
    cache.put("v", job("A"), body(50))  # replacing an answer counts its new size only
    assert cache.size == 90


# --- the cache in the embedded store, with real query workers ------------------------------------


@pytest.fixture
def store(real_dataset: Dataset) -> Iterator[EmbeddedStore]:
    store = EmbeddedStore(validator=small_validator, workers=2)
    store.load(real_dataset)
    yield store
    store.close()


@contextlib.contextmanager
def frozen(pids: list[int]) -> Iterator[None]:
    """Stop the worker processes (SIGSTOP) until the block ends: nothing they would answer comes back."""
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):  # a worker killed at the time limit is gone
                os.kill(pid, signal.SIGCONT)


def test_a_repeated_query_is_answered_without_the_workers(store: EmbeddedStore) -> None:
    first = store.run_query(COUNT, 10)
    assert number(first) > 10_000
    with frozen(store.query_pool().pids()):
        assert store.run_query(COUNT, 2) == first
        with pytest.raises(QueryTimeout):  # the workers really are stopped: a new query gets no answer
            store.run_query(job("SELECT (COUNT(*) AS ?n) WHERE { ?s a ?type }"), 1)
    assert store.answers is not None and store.answers.hits == 1


def test_after_a_write_the_query_runs_again(store: EmbeddedStore) -> None:
    before = number(store.run_query(COUNT, 10))
    store.update(NOTE)
    assert number(store.run_query(COUNT, 10)) == before + 1
    store.delete_graph(f"{EX}notes")
    assert number(store.run_query(COUNT, 10)) == before


def test_the_cache_can_be_turned_off(real_dataset: Dataset, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOLEKG_ANSWER_CACHE_MB", "0")
    store = EmbeddedStore(validator=small_validator, workers=1)
    try:
        store.load(real_dataset)
        assert store.answers is None
        store.run_query(COUNT, 10)
        with frozen(store.query_pool().pids()), pytest.raises(QueryTimeout):
            store.run_query(COUNT, 1)  # asked again, it goes to the (stopped) worker again
    finally:
        store.close()


def test_a_cache_that_reads_the_version_follows_it() -> None:
    cache = AnswerCache("v1", total_bytes=1000)
    cache.put("v1", job("ASK {}"), body(10))
    cache.follow("v1")  # the same version: kept
    assert cache.get(job("ASK {}")) == body(10)
    cache.follow("v2")  # another: forgotten, and only answers computed on v2 are kept from now on
    assert cache.get(job("ASK {}")) is None and cache.version == "v2"
    cache.put("v1", job("ASK {}"), body(10))
    assert len(cache) == 0
