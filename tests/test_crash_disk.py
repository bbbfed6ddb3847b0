"""``bolekg serve --store`` killed with SIGKILL in the middle of writes and queries, ten times over.

README "Crash safety" promises that an on-disk store survives any crash: every write that was
acknowledged (204) is there after a restart, none is half applied, and the report is whole. Here
a real server on the real data takes a stream of writes from two clients and queries from a third,
and the whole process tree (``bolekg serve``, Granian's worker, the query workers) is killed at a
random moment, as a power cut would; then the server is started again on the same directory.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

from rdflib import Graph

from bolekg.report.audit import audit, counts
from bolekg.report.validate import validate
from bolekg.report.vocab import ONTOLOGY_GRAPH, REPORT_GRAPH
from ld_support import fetch, free_port, query_url, wait_until_up

BOLEKG = str(Path(sys.executable).parent / "bolekg")
TOKEN = "crash-token"
ROUNDS = 10
PREFIX = "urn:bolekg-crash:"
#: Numeric mentions of the report, every one of which the shipped graph accounts for (bolekg audit).
MENTIONS = 218


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it, from /proc (Linux)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def kill_tree(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the server and everything it started, all at once, and wait until they are gone."""
    tree = descendants(process.pid)
    for pid in tree:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() and _alive(pid) for pid in tree):
        time.sleep(0.05)


def _alive(pid: int) -> bool:
    with contextlib.suppress(OSError, IndexError):
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    return False


def start(db: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    # a server killed with SIGKILL cannot remove its temporary folder: keep it beside the store
    scratch = db.parent / "tmp"
    scratch.mkdir(exist_ok=True)
    env = {**os.environ, "BOLEKG_WRITE_TOKEN": TOKEN, "TMPDIR": str(scratch)}
    env.pop("BOLEKG_HOME", None)
    process = subprocess.Popen([BOLEKG, "serve", "--store", str(db), "--port", str(port)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    root = f"http://127.0.0.1:{port}"
    wait_until_up(f"{root}/openapi.json", process, attempts=1200)
    return process, root


def write(root: str, number: int) -> bool:
    """One write of two triples in one request; whether the server acknowledged it (204)."""
    graph = f"{PREFIX}{number}"
    text = (f'INSERT DATA {{ GRAPH <{graph}> {{ <{graph}#a> <{PREFIX}says> "a" . '
            f'<{graph}#b> <{PREFIX}says> "b" }} }}')
    try:
        reply = fetch(f"{root}/sparql", "POST", {"Content-Type": "application/sparql-update",
                                                  "Authorization": f"Bearer {TOKEN}"}, text.encode())
    except (urllib.error.URLError, OSError):
        return False
    return reply.status == 204


def stored_writes(root: str) -> dict[int, int]:
    """Write number → how many of its triples the store holds."""
    query = (f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
             f'FILTER(STRSTARTS(STR(?g), "{PREFIX}")) }} GROUP BY ?g')
    reply = fetch(query_url(root, query), headers={"Accept": "text/csv"})
    assert reply.status == 200, reply.text
    rows = [line.split(",") for line in reply.text.strip().splitlines()[1:]]
    return {int(g[len(PREFIX):]): int(n) for g, n in rows}


def writer(root: str, stop: threading.Event, numbers: Iterator[int], acknowledged: set[int]) -> None:
    """Writes, one after another, until ``stop``; the numbers of those acknowledged go to ``acknowledged``."""
    while not stop.is_set():
        number = next(numbers)
        if write(root, number):
            acknowledged.add(number)


def reader(root: str, stop: threading.Event, failures: list[str]) -> None:
    """Queries until ``stop`` or until the server is gone; an answer other than 200 is a failure."""
    while not stop.is_set():
        try:
            reply = fetch(query_url(root, "ASK { ?s ?p ?o }"))
        except (urllib.error.URLError, OSError):
            return
        if reply.status != 200 and not stop.is_set():
            failures.append(f"{reply.status}: {reply.text[:200]}")


def report_union(root: str) -> Graph:
    union = Graph()
    for graph in (ONTOLOGY_GRAPH, REPORT_GRAPH):
        reply = fetch(f"{root}/store?graph={urllib.parse.quote(str(graph), safe='')}",
                      headers={"Accept": "application/n-triples"})
        assert reply.status == 200, reply.text
        union.parse(data=reply.body, format="nt")
    return union


def test_kill_9_during_writes_and_queries_loses_no_acknowledged_write(tmp_path: Path) -> None:
    db = tmp_path / "db"
    rng = random.Random(20261203)
    numbers = itertools.count()
    acknowledged: set[int] = set()
    query_failures: list[str] = []
    for _ in range(ROUNDS):
        process, root = start(db)
        try:
            stored = stored_writes(root)
            assert acknowledged <= set(stored), f"acknowledged writes lost: {sorted(acknowledged - set(stored))}"
            assert all(n == 2 for n in stored.values()), f"half-applied writes: {stored}"
            stop = threading.Event()

            clients = [threading.Thread(target=writer, args=(root, stop, numbers, acknowledged)) for _ in range(2)]
            clients.append(threading.Thread(target=reader, args=(root, stop, query_failures)))
            for client in clients:
                client.start()
            # let the stream get going (the first write of a process also loads the shapes), then
            # kill it at a random moment of the writes and queries that follow
            first = len(acknowledged)
            deadline = time.monotonic() + 120
            while len(acknowledged) == first and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(rng.uniform(0.0, 1.5))
            kill_tree(process)
            stop.set()
            for client in clients:
                client.join(timeout=120)
        finally:
            if process.poll() is None:
                kill_tree(process)
    assert acknowledged, "no write was acknowledged in any round: the test proved nothing"
    assert not query_failures, query_failures
    process, root = start(db)
    try:
        stored = stored_writes(root)
        assert acknowledged <= set(stored), f"acknowledged writes lost: {sorted(acknowledged - set(stored))}"
        assert all(n == 2 for n in stored.values()), f"half-applied writes: {stored}"
        union = report_union(root)
    finally:
        kill_tree(process)
    assert validate(union).conforms
    result = audit(graph=union)
    assert result.ok, result.unaccounted[:5]
    total = counts(result)["total"]
    assert total["mentions"] == MENTIONS and total["unaccounted"] == 0
