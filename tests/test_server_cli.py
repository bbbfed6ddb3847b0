"""``bolekg export``, ``bolekg load`` and ``bolekg serve`` as a user runs them: real processes, real ports.

Load and serve run in a copy of the project (``BOLEKG_HOME``) whose data is the real data, written
once into one file, and whose shapes are the small test shapes — so a file added there can make the
data invalid on purpose without touching the real tree.
"""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic

import ld_support
from bolekg.cli import main
from bolekg.report.vocab import BASE
from ld_support import fetch, free_port, query_url, stop, wait_until_up

BOLEKG = str(Path(sys.executable).parent / "bolekg")
NEW_BASE = "https://kg.example.org/bole/"


# --- export -----------------------------------------------------------------------------------------


def test_export_any_format_as_is(tmp_path: Path, real_union: Graph) -> None:
    out = tmp_path / "all.ttl"
    assert main(["export", "--format", "turtle", "--output", str(out)]) == 0
    # export writes the terms as parsed (no store in between, so no literal canonicalisation)
    assert isomorphic(real_union, Graph().parse(out, format="turtle"))


@pytest.mark.parametrize(("fmt", "parser"), [("nt", "nt"), ("trig", "trig"), ("jsonld", "json-ld"),
                                             ("rdfxml", "xml"), ("nquads", "nquads")])
def test_export_rebased(tmp_path: Path, real_union: Graph, fmt: str, parser: str) -> None:
    out = tmp_path / f"rebased.{fmt}"
    assert main(["export", "--format", fmt, "--base", NEW_BASE, "--output", str(out)]) == 0
    dataset = Dataset()
    dataset.parse(out, format=parser)
    triples = {(s, p, o) for s, p, o, _ in dataset.quads((None, None, None, None))}
    assert len(triples) == len(real_union)
    iris = {t for triple in triples for t in triple if isinstance(t, URIRef)}
    assert not any(str(i).startswith(BASE) for i in iris)
    assert URIRef(NEW_BASE + "id/item/1-01") in iris
    assert URIRef(NEW_BASE + "def/Observation") in iris
    # literals are untouched, the report text first of all
    originals = {o for o in real_union.objects() if isinstance(o, Literal) and len(str(o)) > 1000}
    assert originals and originals <= {o for _, _, o in triples}
    if fmt in ("trig", "nquads", "jsonld"):
        names = {str(g.identifier) for g in dataset.graphs() if len(g)}
        assert NEW_BASE + "graph/report/bole-2021-h1" in names


def test_export_refuses_a_bad_base(tmp_path: Path) -> None:
    assert main(["export", "--base", "no-slash", "--output", str(tmp_path / "x.ttl")]) == 2


# --- load and serve ---------------------------------------------------------------------------------


@pytest.fixture
def home(tmp_path: Path, real_dataset: Dataset) -> Path:
    return ld_support.make_home(tmp_path / "home", real_dataset)


def break_data(home: Path) -> None:
    (home / "data" / "turtle" / "broken.ttl").write_text(
        f"<{ld_support.EX}w1> a <{ld_support.EX}Widget> .\n", encoding="utf-8")


def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BOLEKG_HOME": str(home)}
    env.pop("BOLEKG_WRITE_TOKEN", None)
    return subprocess.run([BOLEKG, *args], env=env, capture_output=True, text=True, timeout=300)


@dataclass
class Served:
    root: str
    banner: str


@pytest.fixture
def serve(home: Path) -> Iterator[Callable[..., Served]]:
    """Start ``bolekg serve`` with the given options (stopped by PID afterwards)."""
    processes: list[subprocess.Popen[str]] = []

    def start(*args: str) -> Served:
        port = free_port()
        env = {**os.environ, "BOLEKG_HOME": str(home)}
        env.pop("BOLEKG_WRITE_TOKEN", None)
        process = subprocess.Popen([BOLEKG, "serve", "--port", str(port), *args], env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        processes.append(process)
        root = f"http://127.0.0.1:{port}"
        wait_until_up(f"{root}/openapi.json", process)
        assert process.stdout is not None
        lines = []
        for line in process.stdout:  # printed before the server starts answering
            lines.append(line)
            if "Press Ctrl+C" in line:
                break
        return Served(root, "".join(lines))

    yield start
    for process in processes:
        stop(process)


def count(root: str) -> int:
    import pyoxigraph as ox

    reply = fetch(query_url(root, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"),
                  headers={"Accept": "application/sparql-results+json"})
    return int(next(iter(ox.parse_query_results(reply.body, format=ox.QueryResultsFormat.JSON)))["n"].value)


def test_load_then_serve_an_on_disk_store(home: Path, tmp_path: Path, serve, real_union: Graph) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "db"
    loaded = run(home, "load", "--store", str(db))
    assert loaded.returncode == 0, loaded.stderr
    # invalid data afterwards: refused with the readable report, the store keeps what it had
    break_data(home)
    refused = run(home, "load", "--store", str(db))
    assert refused.returncode == 1
    assert "A widget needs a label" in refused.stdout
    assert "unchanged" in refused.stderr
    # a restart serves what the store kept, without loading
    root = serve("--store", str(db)).root
    assert count(root) == len(real_union)
    assert fetch(f"{root}/id/item/1-01.ttl").status == 200
    assert fetch(f"{root}/id/w1").status == 404


def test_serve_refuses_invalid_data(home: Path) -> None:
    break_data(home)
    refused = run(home, "serve", "--port", str(free_port()))
    assert refused.returncode == 1
    assert "A widget needs a label" in refused.stdout


def test_serve_prints_where_to_click(home: Path, serve, real_union: Graph) -> None:  # type: ignore[no-untyped-def]
    served = serve()
    assert f"Open {served.root}/" in served.banner
    assert f"{served.root}/sparql" in served.banner
    assert count(served.root) == len(real_union)


def test_the_server_refuses_oversized_headers_and_keeps_serving(serve) -> None:  # type: ignore[no-untyped-def]
    """Granian's HTTP/1 limit (README "Limits"): a request head of a megabyte is a 431, 100 kB is fine."""
    import socket

    root = serve().root
    port = int(root.rsplit(":", 1)[1])

    def status_of(header_bytes: int) -> bytes:
        with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
            connection.sendall(b"GET /openapi.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Big: "
                               + b"a" * header_bytes + b"\r\n\r\n")
            return connection.recv(64).split(b"\r\n", 1)[0]

    assert status_of(100_000) == b"HTTP/1.1 200 OK"
    assert status_of(1_000_000) == b"HTTP/1.1 431 Request Header Fields Too Large"
    assert fetch(f"{root}/openapi.json").status == 200


def test_load_and_serve_a_remote_store(home: Path, serve, oxigraph_scratch: str, real_union: Graph) -> None:  # type: ignore[no-untyped-def]
    ld_support.empty_remote(oxigraph_scratch)
    loaded = run(home, "load", "--endpoint", f"{oxigraph_scratch}/query",
                 "--graph-store", f"{oxigraph_scratch}/store")
    assert loaded.returncode == 0, loaded.stderr
    assert f"Loaded {len(real_union)} triples" in loaded.stdout
    # the data is in the remote server itself
    direct = fetch(f"{oxigraph_scratch}/query?" + urllib.parse.urlencode(
        {"query": "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }"}),
        headers={"Accept": "text/tab-separated-values"})
    assert direct.text.split() == ["?n", str(len(real_union))]
    root = serve("--endpoint", f"{oxigraph_scratch}/query").root
    assert count(root) == len(real_union)
    reply = fetch(f"{root}/id/item/1-01", headers={"Accept": "text/turtle"})
    assert reply.status == 200
    assert (URIRef(BASE + "id/item/1-01"), None, None) in Graph().parse(data=reply.body, format="turtle")


def test_load_and_serve_behind_virtuoso(home: Path, serve, virtuoso_scratch: str,  # type: ignore[no-untyped-def]
                                        real_union: Graph) -> None:
    """The second real server behind ``--endpoint`` (README "On another SPARQL server"): ``--server virtuoso``
    finds its update and Graph Store services beside ``/sparql`` and keeps its system graphs out."""
    ld_support.empty_remote(virtuoso_scratch, "virtuoso")
    loaded = run(home, "load", "--endpoint", f"{virtuoso_scratch}/sparql", "--server", "virtuoso")
    assert loaded.returncode == 0, loaded.stderr
    assert f"Loaded {len(real_union)} triples" in loaded.stdout
    assert "openlinksw" not in loaded.stdout  # its system graphs are not BoleKG's
    # the data is in Virtuoso itself, in BoleKG's two graphs
    direct = fetch(f"{virtuoso_scratch}/sparql?" + urllib.parse.urlencode(
        {"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), '{BASE}')) }}"}),
        headers={"Accept": "text/tab-separated-values"})
    assert direct.text.split()[-1] == str(len(real_union)), direct.text
    root = serve("--endpoint", f"{virtuoso_scratch}/sparql", "--server", "virtuoso").root
    assert count(root) == len(real_union)
    ask = fetch(query_url(root, f"ASK {{ <{BASE}id/item/1-01> ?p ?o }}"),
                headers={"Accept": "application/sparql-results+json"})
    assert ask.status == 200 and b'"boolean":true' in ask.body.replace(b" ", b""), ask.text
    page = fetch(f"{root}/id/item/1-01", headers={"Accept": "text/turtle"})
    assert page.status == 200
    assert (URIRef(BASE + "id/item/1-01"), None, None) in Graph().parse(data=page.body, format="turtle")
    dump = fetch(f"{root}/dumps/bolekg.nt")
    assert dump.status == 200, dump.text
    assert len(Graph().parse(data=dump.body, format="nt")) == len(real_union)


def test_an_unknown_server_is_refused_by_name(home: Path) -> None:
    refused = run(home, "load", "--endpoint", "http://127.0.0.1:9/sparql", "--server", "blazegraph")
    assert refused.returncode != 0
    assert "unknown --server 'blazegraph': one of oxigraph, fuseki, virtuoso" in refused.stderr
