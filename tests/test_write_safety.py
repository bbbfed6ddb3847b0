"""Writes that can never lose the report, on every backend, through a real ``bolekg serve`` process.

Each backend is a real server as a user starts it, on the real data and the real shapes: ``bolekg
serve`` (memory), ``bolekg serve --store DIR`` (disk: the process forks Granian's worker, which is
where RocksDB once hung every query after the first write) and ``bolekg serve --endpoint`` in front
of a real ``oxigraph serve`` (remote). README "Writes" promises, each tested here on all three:

* writes and queries interleave from several clients, and a query sees every write acknowledged
  before it was sent;
* the report's own graphs are read-only over HTTP: every route that would change them answers 403
  and changes nothing (the whole dump is byte-for-byte the same, sorted);
* what a writer may change (its own graphs) still has to conform to the shapes with the report.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import subprocess
import sys
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import ld_support
from bolekg.report.vocab import ONTOLOGY_GRAPH, REPORT_GRAPH
from ld_support import fetch, free_port, query_url, stop, wait_until_up

BOLEKG = str(Path(sys.executable).parent / "bolekg")
TOKEN = "write-safety-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
BACKENDS = ["memory", "disk", "remote"]

PREFIXES = """PREFIX bk: <https://w3id.org/bolekg/def/>
PREFIX qb: <http://purl.org/linked-data/cube#>
PREFIX nif: <http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX sdmx-attribute: <http://purl.org/linked-data/sdmx/2009/attribute#>
"""
OBS = "<https://w3id.org/bolekg/id/obs/1-06-public-rental-housing-units-target>"
QUOTE = "<https://w3id.org/bolekg/id/quote/1424-1442>"


@dataclass
class Server:
    root: str
    process: subprocess.Popen[bytes]
    kind: str


def start(args: list[str], env_extra: dict[str, str] | None = None,
          log: Path | None = None) -> subprocess.Popen[bytes]:
    """``bolekg serve`` with the write token; its output goes to ``log`` (kept for a failing test to
    show: an answer of 500 only names a reference into it) or nowhere."""
    env = {**os.environ, "BOLEKG_WRITE_TOKEN": TOKEN, **(env_extra or {})}
    env.pop("BOLEKG_HOME", None)
    out = log.open("ab") if log is not None else subprocess.DEVNULL
    try:
        return subprocess.Popen([BOLEKG, "serve", *args], env=env, stdout=out, stderr=subprocess.STDOUT)
    finally:
        if log is not None:
            out.close()  # type: ignore[union-attr]


@contextlib.contextmanager
def backend_server(kind: str, workdir: Path) -> Iterator[Server]:
    """A real ``bolekg serve`` of ``kind`` on the real data, stopped by PID afterwards."""
    with contextlib.ExitStack() as stack:
        args: list[str] = []
        if kind == "disk":
            args = ["--store", str(workdir / "db")]
        elif kind == "remote":
            oxigraph = stack.enter_context(ld_support.oxigraph_process(workdir / "oxigraph"))
            args = ["--endpoint", f"{oxigraph}/query", "--reload"]
        port = free_port()
        log = workdir / "serve.log"
        process = start(["--port", str(port), *args], log=log)
        root = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(f"{root}/openapi.json", process, attempts=1200)
            yield Server(root, process, kind)
        finally:
            stop(process)
            if "Traceback" in log.read_text("utf-8", "replace"):   # shown with a failing test's output
                print(f"--- {log} ---\n{log.read_text('utf-8', 'replace')[-20000:]}")


@pytest.fixture(scope="module", params=BACKENDS)
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with backend_server(request.param, tmp_path_factory.mktemp(f"write-safety-{request.param}")) as running:
        yield running


def update(root: str, text: str) -> ld_support.Reply:
    return fetch(f"{root}/sparql", "POST", {"Content-Type": "application/sparql-update", **AUTH},
                 text.encode("utf-8"))


def count_in(root: str, graph: str) -> int:
    reply = fetch(query_url(root, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"),
                  headers={"Accept": "text/csv"})
    assert reply.status == 200, reply.text
    return int(reply.text.split()[1])


def dump_digest(root: str) -> str:
    """The whole dataset (N-Quads dump, lines sorted: the order of a dump is not part of its content)."""
    reply = fetch(f"{root}/dumps/bolekg.nq")
    assert reply.status == 200, reply.text
    return hashlib.sha256(b"\n".join(sorted(reply.body.splitlines()))).hexdigest()


# --- writes and queries from several clients ---------------------------------------------------------


def test_writes_and_queries_interleave_from_several_clients(server: Server) -> None:
    """write → query → write → query from three clients at once while a fourth only reads: every
    write is acknowledged, and each client's query, sent after its write was acknowledged, sees it."""
    failures: list[str] = []
    rounds = 2

    def writer(client: int) -> None:
        graph = f"https://example.org/write-safety/{server.kind}/client-{client}"
        for n in range(rounds):
            reply = update(server.root, f'INSERT DATA {{ GRAPH <{graph}> {{ <{graph}#n{n}> '
                                        f'<https://example.org/says> "round {n}" }} }}')
            if reply.status != 204:
                failures.append(f"client {client} write {n}: {reply.status} {reply.text[:200]}")
                return
            seen = count_in(server.root, graph)
            if seen != n + 1:
                failures.append(f"client {client} after write {n}: {seen} triples, expected {n + 1}")

    def reader(stop_reading: threading.Event) -> None:
        while not stop_reading.is_set():
            reply = fetch(query_url(server.root, "ASK { ?s ?p ?o }"), headers={"Accept": "application/json"})
            if reply.status != 200:
                failures.append(f"reader: {reply.status} {reply.text[:200]}")
                return

    done = threading.Event()
    reading = threading.Thread(target=reader, args=(done,))
    reading.start()
    writers = [threading.Thread(target=writer, args=(client,)) for client in range(3)]
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join(timeout=300)
    done.set()
    reading.join(timeout=60)
    assert not failures, failures
    assert not any(thread.is_alive() for thread in [*writers, reading]), "a client never got its answer"
    # and the pages and the Graph Store see the same data
    graph = f"https://example.org/write-safety/{server.kind}/client-0"
    reply = fetch(f"{server.root}/store?graph={urllib.parse.quote(graph, safe='')}",
                  headers={"Accept": "application/n-triples"})
    assert reply.status == 200 and reply.body.count(b"\n") == rounds


# --- the report's graphs are read-only -------------------------------------------------------------

REPORT, ONTOLOGY = f"<{REPORT_GRAPH}>", f"<{ONTOLOGY_GRAPH}>"
MINE = "<https://example.org/write-safety/mine>"

#: Updates that would change the report's graphs, one per way found around the gate (issue 13).
ESCAPE_ROUTES: dict[str, str] = {
    "drop-all": "DROP ALL",
    "clear-all": "CLEAR ALL",
    "drop-named": "DROP NAMED",
    "clear-named": "CLEAR NAMED",
    "drop-report-graph": f"DROP GRAPH {REPORT}",
    "clear-ontology-graph": f"CLEAR GRAPH {ONTOLOGY}",
    "type-removed": f"DELETE WHERE {{ GRAPH ?g {{ {OBS} a bk:Observation }} }}",
    "unit-removed": f"DELETE WHERE {{ GRAPH ?g {{ {OBS} sdmx-attribute:unitMeasure ?u }} }}",
    "evidence-removed": f"DELETE WHERE {{ GRAPH ?g {{ {OBS} bk:evidence ?q }} }}",
    "half-of-every-observation": "DELETE WHERE { GRAPH ?g { ?o a bk:Observation ; bk:evidence ?q } }",
    "quote-offsets-changed": f"DELETE {{ GRAPH ?g {{ {QUOTE} nif:beginIndex ?b }} }} "
                             f'INSERT {{ GRAPH ?g {{ {QUOTE} nif:beginIndex "1425"^^xsd:nonNegativeInteger }} }} '
                             f"WHERE {{ GRAPH ?g {{ {QUOTE} nif:beginIndex ?b }} }}",
    "fact-added-to-report": f'INSERT DATA {{ GRAPH {REPORT} {{ {OBS} bk:editorialNote "added"@en }} }}',
    "move-onto-report": f'INSERT DATA {{ GRAPH {MINE} {{ {MINE} a bk:Note }} }} ; MOVE {MINE} TO {REPORT}',
    "copy-default-onto-ontology": f"COPY DEFAULT TO {ONTOLOGY}",
}


def wrong_answers(server: Server, routes: dict[str, str], status: int, reason: str) -> list[str]:
    """Send each update of ``routes``; the ones not answered ``status`` with ``reason`` in the text."""
    wrong = []
    for route, text in routes.items():
        reply = update(server.root, PREFIXES + text)
        if reply.status != status or reason not in reply.text:
            wrong.append(f"{route}: {reply.status} {reply.text[:300]}")
    return wrong


def test_every_route_around_the_gate_is_refused_and_changes_nothing(server: Server) -> None:
    """Each route, as an update or through the Graph Store, answers 403 with the reason, and the whole
    dataset (its dump) is the same after all of them as before."""
    before = dump_digest(server.root)
    wrong = wrong_answers(server, ESCAPE_ROUTES, 403, "read-only over HTTP")
    body = b'<https://example.org/a> <https://example.org/b> "c" .\n'
    for method in ("PUT", "POST", "DELETE"):
        for graph in (REPORT_GRAPH, ONTOLOGY_GRAPH):
            url = f"{server.root}/store?graph={urllib.parse.quote(str(graph), safe='')}"
            reply = fetch(url, method, {"Content-Type": "application/n-triples", **AUTH},
                          body if method != "DELETE" else None)
            if reply.status != 403 or "read-only over HTTP" not in reply.text:
                wrong.append(f"Graph Store {method} {graph}: {reply.status} {reply.text[:300]}")
    assert not wrong, wrong
    assert dump_digest(server.root) == before


def test_writers_own_graphs_can_be_created_replaced_and_dropped(server: Server) -> None:
    graph = f"https://example.org/write-safety/{server.kind}/own"
    assert update(server.root, f'INSERT DATA {{ GRAPH <{graph}> {{ <{graph}#a> <https://example.org/b> "c" }} }}'
                  ).status == 204
    url = f"{server.root}/store?graph={urllib.parse.quote(graph, safe='')}"
    replaced = fetch(url, "PUT", {"Content-Type": "application/n-triples", **AUTH},
                     f'<{graph}#x> <https://example.org/b> "d" .\n'.encode())
    assert replaced.status == 204, replaced.text
    assert count_in(server.root, graph) == 1
    assert update(server.root, f"DROP GRAPH <{graph}>").status == 204
    assert count_in(server.root, graph) == 0


#: Writes to a graph of the writer's own that would still break the shapes with the report (422).
OWN_GRAPH_ESCAPES: dict[str, str] = {
    # a node carrying an observation's properties without being one escaped every shape before
    "untyped-observation": f"INSERT DATA {{ GRAPH {MINE} {{ <https://example.org/o1> qb:measureType bk:actual ; "
                           "bk:actual 5 } }",
    "second-value-for-a-report-observation": f"INSERT DATA {{ GRAPH {MINE} {{ {OBS} bk:target 501 }} }}",
    "quote-without-its-text": f'INSERT DATA {{ GRAPH {MINE} {{ <https://example.org/q1> nif:anchorOf "x" }} }}',
}


def test_own_graphs_still_answer_to_the_shapes(server: Server) -> None:
    """Each write to a graph of the writer's own that breaks the shapes with the report answers 422,
    and the dataset is as it was."""
    before = dump_digest(server.root)
    wrong = wrong_answers(server, OWN_GRAPH_ESCAPES, 422, "nothing was changed")
    assert not wrong, wrong
    assert dump_digest(server.root) == before
