"""The query workers as processes (the query service's, :mod:`bolekg.query.service`): they are killed
at the limit and give their memory back, they see every completed write, the on-disk store's workers
read their own checkpoint, and none outlives the store or the server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset

import ld_support
from bolekg.errors import QueryTimeout, StoreError
from bolekg.query.service import QueryService
from bolekg.settings import Limits
from bolekg.store import EmbeddedStore
from bolekg.store.jobs import Job
from hardening_support import IN_A_WORKER, RUNAWAY, alive, children, limited_site, rss_mb, wait_for
from ld_support import EX, fetch, free_port, query_url, small_validator, wait_until_up

JSON_RESULTS = "application/sparql-results+json"
MEDIA = {"solutions": JSON_RESULTS, "boolean": JSON_RESULTS, "graph": "application/n-triples"}
TOKEN = "isolation-token"
NOTE = f'INSERT DATA {{ GRAPH <{EX}notes> {{ <{EX}n1> <{EX}says> "hello" }} }}'


def service(store: EmbeddedStore, timeout: float = 10) -> QueryService:
    """The store's query service (no answers kept: every query goes to a worker)."""
    return QueryService(store, Limits(timeout=timeout, client_queries=10), cache_mb=0)


def count(queries: QueryService, pattern: str = "?s ?p ?o") -> int:
    answer = queries.run(Job(f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}", media=MEDIA), "127.0.0.1")
    result = ox.parse_query_results(answer.body, format=ox.QueryResultsFormat.JSON)
    return int(next(iter(result))["n"].value)


@pytest.fixture
def serve_process(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen, int]]:
    """A real ``bolekg serve`` (in memory, 2 workers, a 3 s limit) on a free loopback port, and the PID
    of its HTTP worker (Granian's one child process, the parent of the query workers)."""
    port = free_port()
    env = {**os.environ, "BOLEKG_QUERY_TIMEOUT": "3", "BOLEKG_QUERY_WORKERS": "2",
           "BOLEKG_QUERY_MEMORY_MB": "2048"}
    log = open(tmp_path / "serve.log", "wb")  # noqa: SIM115 (closed below)
    process = subprocess.Popen([sys.executable, "-m", "bolekg.cli", "serve", "--port", str(port)],
                               env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    root = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{root}/openapi.json", process, attempts=1200)
        assert len(children(process.pid)) == 1, "bolekg serve runs one HTTP worker process"
        yield root, process, children(process.pid)[0]
    finally:
        ld_support.stop(process)
        log.close()


def test_memory_comes_back_after_a_runaway(serve_process: tuple[str, subprocess.Popen, int]) -> None:
    """A query that grows without end is cut at the limit; its worker is killed, so the memory it took
    returns to the system; the server process itself never held it."""
    root, _, server = serve_process
    assert fetch(query_url(root, IN_A_WORKER), headers={"Accept": JSON_RESULTS}).status == 200
    assert wait_for(lambda: len(children(server)) == 2)
    workers = children(server)
    baseline = sum(rss_mb(pid) for pid in workers)
    server_before = rss_mb(server)
    grow = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f"  # must hold every row before the first
    peak = {"mb": 0.0}
    outcome: dict[str, ld_support.Reply] = {}
    thread = threading.Thread(target=lambda: outcome.update(reply=fetch(query_url(root, grow))))
    thread.start()
    while thread.is_alive():
        peak["mb"] = max(peak["mb"], sum(rss_mb(pid) for pid in children(server)))
        time.sleep(0.05)
    thread.join()
    assert outcome["reply"].status == 503, outcome["reply"].text
    assert peak["mb"] > baseline + 100, "the query never grew: the test proves nothing"
    # the worker that ran it is killed (the kernel may take a moment to tear down its memory) and replaced
    assert wait_for(lambda: len(set(children(server)) - set(workers)) == 1 == len(children(server)) - 1)
    killed = set(workers) - set(children(server))
    assert len(killed) == 1 and not any(alive(pid) for pid in killed)
    after = sum(rss_mb(pid) for pid in children(server))
    assert after < baseline + 50, (baseline, peak["mb"], after)
    assert rss_mb(server) < server_before + 50
    assert fetch(query_url(root, IN_A_WORKER), headers={"Accept": JSON_RESULTS}).status == 200


def test_workers_do_not_outlive_the_server(serve_process: tuple[str, subprocess.Popen, int]) -> None:
    root, process, server = serve_process
    assert fetch(query_url(root, IN_A_WORKER), headers={"Accept": JSON_RESULTS}).status == 200
    assert wait_for(lambda: len(children(server)) == 2)
    workers = children(server)
    os.kill(process.pid, signal.SIGKILL)  # the master: its HTTP worker and their query workers follow
    process.wait()
    assert wait_for(lambda: not any(alive(pid) for pid in [server, *workers]), timeout=10)
    with pytest.raises(OSError):  # and the port is free, no worker kept the listening socket
        fetch(f"{root}/openapi.json")


def test_closing_the_store_stops_its_workers(real_dataset: Dataset) -> None:
    store = EmbeddedStore(validator=small_validator, workers=3)
    store.load(real_dataset)
    queries = service(store)
    assert count(queries) > 10_000
    # the pool starts its workers in the background and answers as soon as the first is up
    assert wait_for(lambda: len(queries.pool().pids()) == 3)
    pids = queries.pool().pids()
    store.close()
    assert not any(alive(pid) for pid in pids)
    with pytest.raises(StoreError, match="closed"):
        queries.pool()


@pytest.mark.parametrize("on_disk", [False, True], ids=["memory", "disk"])
def test_workers_see_every_completed_write(tmp_path: Path, real_dataset: Dataset, on_disk: bool) -> None:
    store = EmbeddedStore(tmp_path / "db" if on_disk else None, validator=small_validator, workers=2)
    try:
        store.load(real_dataset)
        queries = service(store)
        before = count(queries)
        store.update(NOTE)
        assert count(queries) == before + 1
        assert count(queries, f'GRAPH <{EX}notes> {{ ?s ?p "hello" }}') == 1
        store.delete_graph(f"{EX}notes")
        assert count(queries) == before
    finally:
        store.close()


def test_on_disk_workers_are_stopped_at_the_limit_too(tmp_path: Path, real_dataset: Dataset) -> None:
    store = EmbeddedStore(tmp_path / "db", validator=small_validator, workers=2)
    try:
        store.load(real_dataset)
        queries = service(store, timeout=1.5)
        first = queries.pool()
        assert count(queries) > 10_000
        pids = first.pids()
        with pytest.raises(QueryTimeout):
            queries.run(Job(RUNAWAY, media=MEDIA), "127.0.0.1")
        assert wait_for(lambda: len(first.pids()) == 2)
        assert set(first.pids()) != set(pids)
        assert count(queries) > 10_000
        # the workers read checkpoints, never the live database; old ones are removed
        readers = tmp_path / "db" / "readers"
        store.update(NOTE)
        assert count(queries, f'GRAPH <{EX}notes> {{ ?s ?p "hello" }}') == 1
        assert wait_for(lambda: len(list(readers.iterdir())) == 1)
    finally:
        store.close()
    assert not (tmp_path / "db" / "readers").exists()


def test_a_store_in_use_cannot_be_opened_twice(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "db", validator=small_validator)
    try:
        with pytest.raises(OSError, match="in use"):
            EmbeddedStore(tmp_path / "db", validator=small_validator)
    finally:
        store.close()
    EmbeddedStore(tmp_path / "db", validator=small_validator).close()


def test_a_write_through_the_endpoint_reaches_the_workers(real_dataset: Dataset) -> None:
    with limited_site("embedded", None, real_dataset, Limits(timeout=5), token=TOKEN) as site:
        ask = query_url(site.root, f"ASK {{ GRAPH <{EX}notes> {{ <{EX}n1> ?p ?o }} }}")
        assert b"false" in fetch(ask, headers={"Accept": JSON_RESULTS}).body
        reply = fetch(f"{site.root}/sparql", "POST", {"Content-Type": "application/x-www-form-urlencoded",
                                                      "Authorization": f"Bearer {TOKEN}"},
                      urllib.parse.urlencode({"update": NOTE}).encode())
        assert reply.status == 204, reply.text
        assert b"true" in fetch(ask, headers={"Accept": JSON_RESULTS}).body


def test_a_worker_that_took_memory_of_its_own_is_replaced(real_dataset: Dataset) -> None:
    """A forked worker's copied pages stay with it; after a long job with the pool over its budget, the
    idle worker over its share is replaced by a fresh fork (which shares the parent's pages again).
    Short jobs never cause the check."""
    from bolekg.children import private_mb

    assert private_mb(os.getpid()) > 0
    store = EmbeddedStore(validator=small_validator, workers=1)
    try:
        store.load(real_dataset)
        queries = service(store)
        pool = queries.pool()
        count(queries, "<https://w3id.org/bolekg/id/item/1-01> ?p ?o")  # starts the worker
        first = pool.pids()
        pool.private_limit_mb = 100_000  # within the budget: a worker keeps its pages after a long job
        checks = pool.memory_checks
        count(queries, "?s ?p ?o . ?s ?q ?r . FILTER(?p != ?q)")
        assert wait_for(lambda: pool.memory_checks > checks)  # measured after the answer, off its path
        assert pool.pids() == first
        pool.private_limit_mb = 0  # the pool is over its budget, and the worker over its share
        checks = pool.memory_checks
        count(queries, "?s ?p <https://w3id.org/bolekg/id/item/1-01>")  # quick: kept
        assert pool.memory_checks == checks and pool.pids() == first
        count(queries, "?s ?p ?o . ?s ?q ?r")  # tens of milliseconds: replaced
        assert wait_for(lambda: len(pool.pids()) == 1 and pool.pids() != first)
        assert count(queries) > 10_000
    finally:
        store.close()
