"""Answers to repeated queries (the query service's versioned cache, :mod:`bolekg.query.service`): kept
per data version, bounded, never stale, and really served without the query workers (shown by stopping
the workers with SIGSTOP: a kept answer still comes back, a new query does not)."""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterator

import pyoxigraph as ox
import pytest
from rdflib import Dataset

from bolekg.errors import QueryTimeout
from bolekg.query.service import QueryService, job_key
from bolekg.settings import Limits
from bolekg.store import EmbeddedStore
from bolekg.store.jobs import Answer, Job
from ld_support import EX, small_validator

JSON_RESULTS = "application/sparql-results+json"
MEDIA = {"solutions": JSON_RESULTS, "boolean": JSON_RESULTS, "graph": "application/n-triples"}
NOTE = f'INSERT DATA {{ GRAPH <{EX}notes> {{ <{EX}n1> <{EX}says> "hello" }} }}'
COUNT = Job("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", media=MEDIA, max_rows=100)
CLIENT = "127.0.0.1"


def job(text: str, **changes: object) -> Job:
    return Job(text, media=dict(MEDIA), **changes)  # type: ignore[arg-type]


def number(answer: Answer) -> int:
    result = ox.parse_query_results(answer.body, format=ox.QueryResultsFormat.JSON)
    return int(next(iter(result))["n"].value)  # type: ignore[index, call-overload]


def test_the_key_is_everything_that_decides_the_answer_but_the_data() -> None:
    first = job("ASK {}")
    assert job_key(job("ASK {}")) == job_key(first)  # an equal job, built anew
    others = [job("ASK { }"), job("ASK {}", max_rows=5), job("ASK {}", default_graphs=(f"{EX}g",)),
              job("ASK {}", named_graphs=(f"{EX}g",)), job("ASK {}", union=False),
              Job("ASK {}", media={**MEDIA, "boolean": "text/csv"})]
    assert len({job_key(first), *map(job_key, others)}) == len(others) + 1


# --- the cache in the query service, with real query workers ---------------------------------------


@pytest.fixture
def store(real_dataset: Dataset) -> Iterator[EmbeddedStore]:
    store = EmbeddedStore(validator=small_validator, workers=2)
    store.load(real_dataset)
    yield store
    store.close()


def service(store: EmbeddedStore, timeout: float = 10, **config: object) -> QueryService:
    return QueryService(store, Limits(timeout=timeout, client_queries=10), **config)  # type: ignore[arg-type]


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
    queries = service(store)
    first = queries.run(COUNT, CLIENT)
    assert number(first) > 10_000
    queries.limits = Limits(timeout=1)
    with frozen(queries.pool().pids()):
        assert queries.run(COUNT, CLIENT) == first
        with pytest.raises(QueryTimeout):  # the workers really are stopped: a new query gets no answer
            queries.run(job("SELECT (COUNT(*) AS ?n) WHERE { ?s a ?type }"), CLIENT)
    assert queries.answers is not None and queries.answers.hits == 1


def test_after_a_write_the_query_runs_again(store: EmbeddedStore) -> None:
    queries = service(store)
    before = number(queries.run(COUNT, CLIENT))
    store.update(NOTE)
    assert number(queries.run(COUNT, CLIENT)) == before + 1
    store.delete_graph(f"{EX}notes")
    assert number(queries.run(COUNT, CLIENT)) == before


def test_a_write_empties_the_caches_before_it_returns(store: EmbeddedStore) -> None:
    queries = service(store)
    queries.run(COUNT, CLIENT)
    assert queries.answers is not None and queries.replies is not None and len(queries.answers) == 1
    version = queries.answers.version
    store.update(NOTE)
    assert len(queries.answers) == 0 and queries.answers.version != version == 0
    assert queries.replies.version == queries.answers.version


def test_the_cache_can_be_turned_off(store: EmbeddedStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOLEKG_ANSWER_CACHE_MB", "0")
    queries = service(store, timeout=1)
    assert queries.answers is None and queries.replies is None
    queries.run(COUNT, CLIENT)
    with frozen(queries.pool().pids()), pytest.raises(QueryTimeout):
        queries.run(COUNT, CLIENT)  # asked again, it goes to the (stopped) worker again


def test_answers_over_their_share_are_not_kept(store: EmbeddedStore) -> None:
    queries = service(store, cache_mb=1)  # answers of over 1 MB are never kept
    assert queries.answers is not None
    big = job("SELECT * WHERE { ?s ?p ?o }", max_rows=None)
    assert len(queries.run(big, CLIENT).body) > 1 << 20
    queries.run(COUNT, CLIENT)
    assert len(queries.answers) == 1


def test_without_workers_queries_run_here_and_are_not_kept(real_dataset: Dataset) -> None:
    store = EmbeddedStore(validator=small_validator, workers=0)
    try:
        store.load(real_dataset)
        queries = service(store)
        assert number(queries.run(COUNT, CLIENT)) > 10_000
        assert queries.answers is not None and len(queries.answers) == 0
        assert queries.admission.capacity is None  # no line for workers there are not
    finally:
        store.close()
