"""``make bench``: BoleKG side by side with Oxigraph server, rdflib and rdflib-endpoint, in one run.

For each scale (``BENCH_SCALE=small``: real + 200k; default: real + 200k + 1M; ``full``: also 10M on
disk; ``disk``: only the 10M on-disk comparison) the same N-Quads file (``bench/generate.py``) is
loaded into every engine and the same queries are timed against each, median and p95 after warm-up:

* ``bolekg-http`` — BoleKG's ``/sparql`` over HTTP (Granian, embedded store, as ``bolekg serve``);
  repeats of a query are answered from its answer cache (``bolekg.query.service``), so also
* ``bolekg-http-computed`` — the same server with the cache off: every request evaluated again;
* ``bolekg-http-inline`` — … and also without query worker processes (default and full modes);
* ``bolekg-inproc`` — the same kind of store queried in this process (``EmbeddedStore.query`` and
  pyoxigraph's JSON writer), i.e. what the web layer adds is the difference;
* ``oxigraph`` — a real ``oxigraph serve`` over HTTP: the Rust baseline;
* ``rdflib-inproc`` — rdflib's in-memory ``Dataset``, timed inside the process that holds it;
* ``rdflib-endpoint`` — the Python peer over HTTP (FastAPI on uvicorn).

Then BoleKG's pages, load time and memory of every server, throughput with 1/4/16 clients, and
start-up and SHACL validation time of the real data. Every comparison is a ratio of two figures
from this same run (BoleKG ÷ baseline). Results: ``bench/results/<date>-<mode>.json`` and ``.md``,
and one ``RATIO <name> <value>`` line per ratio on stdout.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

import client
import concurrency
import generate
import queries
import report
import servers
from bolekg.processes import free_port, stop, wait_until_answering

RESULTS = Path(__file__).resolve().parent / "results"
ENGINES = ("bolekg-http", "bolekg-http-computed", "bolekg-http-inline", "bolekg-inproc", "oxigraph", "rdflib-inproc",
           "rdflib-endpoint")
SLOW_ENGINES = {"rdflib-inproc", "rdflib-endpoint"}


@dataclass(frozen=True)
class Mode:
    name: str
    scales: tuple[str, ...]
    warmup: int
    repeats: int
    budget: float  # seconds of timed runs per engine and query (fast engines)
    slow_repeats: int
    slow_budget: float
    cap: float  # one request slower than this is a timeout
    page_repeats: int
    concurrency_seconds: float
    concurrency_scales: tuple[str, ...]
    example_scales: tuple[str, ...]  # where the workbench's examples run (BoleKG and oxigraph)
    rdflib_scales: tuple[str, ...]  # where rdflib and rdflib-endpoint run the core queries
    rdflib_example_scales: tuple[str, ...]  # … and the examples
    inline_variant: bool  # also BoleKG with its query workers off (BOLEKG_QUERY_WORKERS=0), core queries
    startup_repeats: int
    serve_probe: bool  # also time `bolekg serve` from the shell to its first answer
    validate_scales: tuple[str, ...]
    disk_scales: tuple[str, ...] = ()


MODES = {
    # under a minute: everything at the real scale, the core queries, pages and throughput at 200k
    "small": Mode("small", ("real", "200k"), warmup=2, repeats=21, budget=0.15, slow_repeats=2, slow_budget=0.2,
                  cap=4.0, page_repeats=11, concurrency_seconds=1.0, concurrency_scales=("200k",),
                  example_scales=("real",), rdflib_scales=("real",), rdflib_example_scales=("real",),
                  inline_variant=False, startup_repeats=1, serve_probe=False, validate_scales=()),
    "default": Mode("default", ("real", "200k", "1m"), warmup=3, repeats=51, budget=1.0, slow_repeats=3,
                    slow_budget=2.0, cap=60.0, page_repeats=31, concurrency_seconds=3.0,
                    concurrency_scales=("real", "200k", "1m"), example_scales=("real", "200k", "1m"),
                    rdflib_scales=("real", "200k", "1m"), rdflib_example_scales=("real",),
                    inline_variant=True, startup_repeats=3, serve_probe=True, validate_scales=("200k",)),
    "full": Mode("full", ("real", "200k", "1m"), warmup=3, repeats=51, budget=1.0, slow_repeats=3, slow_budget=2.0,
                 cap=120.0, page_repeats=31, concurrency_seconds=5.0, concurrency_scales=("real", "200k", "1m"),
                 example_scales=("real", "200k", "1m"), rdflib_scales=("real", "200k", "1m"),
                 rdflib_example_scales=("real", "200k", "1m"), inline_variant=True, startup_repeats=3,
                 serve_probe=True,
                 validate_scales=("200k",), disk_scales=("10m",)),
    # only the 10M on-disk comparison (BoleKG --store against oxigraph serve --location)
    "disk": Mode("disk", (), warmup=1, repeats=5, budget=1.0, slow_repeats=3, slow_budget=2.0, cap=120.0,
                 page_repeats=0, concurrency_seconds=0.0, concurrency_scales=(), example_scales=(),
                 rdflib_scales=(), rdflib_example_scales=(), inline_variant=False, startup_repeats=0,
                 serve_probe=False, validate_scales=(), disk_scales=("10m",)),
}
#: A query's cost is predicted from the previous scale as time × (size ratio)²: some example queries
#: are quadratic in the data (ex-15 took 4 s at 200k and over 60 s at 1M), and an in-process query
#: cannot be interrupted, so a query is only run where even quadratic growth stays under the cap.
GROWTH = 2.0
#: An engine whose cost at the next scale is predicted from another engine's time (see _skip_reason).
PREDICTED_FROM = {"bolekg-http": "bolekg-http-computed"}
#: BoleKG's query time limit is the cap plus this: a request the bench gave up on is stopped by the
#: server soon after, and _recover waits that long, so that no query left running in a worker eats
#: CPU while the next figures are taken (at 1M three queries over the cap, then limited to 5 × the
#: cap, kept up to three of the two cores busy through the pages and throughput rounds).
SERVER_GRACE = 5.0


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- engines ------------------------------------------------------------------------------------

class Peer:
    """rdflib-endpoint, restarted when a query overran the cap (its event loop is then stuck)."""

    def __init__(self, data: Path):
        self.data = data
        self._stack: contextlib.ExitStack | None = None
        self.server: servers.Server | None = None
        self.loads: list[float] = []
        self.peak_rss = 0

    def start(self) -> servers.Server:
        self._stack = contextlib.ExitStack()
        self.server = self._stack.enter_context(servers.rdflib_endpoint(self.data))
        self.loads.append(self.server.load_seconds)
        return self.server

    def restart(self) -> None:
        self.stop()
        self.start()

    def stop(self) -> None:
        if self._stack is not None:
            if self.server is not None:
                self.peak_rss = max(self.peak_rss, self.server.peak_rss())
            self._stack.close()
        self._stack, self.server = None, None


@dataclass
class Engines:
    bolekg: servers.Server
    oxigraph: servers.Server
    peer: Peer | None
    inproc: Any  # bolekg.store.EmbeddedStore
    inline: servers.Server | None = None
    computed: servers.Server | None = None
    clients: dict[str, client.HttpClient] = field(default_factory=dict)

    def http(self, name: str, root: str, cap: float) -> client.HttpClient:
        if name not in self.clients:
            self.clients[name] = client.HttpClient(root, cap)
        return self.clients[name]


def _query_call(engines: Engines, engine: str, text: str, cap: float) -> Callable[[], int]:
    from bolekg.formats import JSON, NTRIPLES

    if engine == "bolekg-inproc":
        def run_inproc() -> int:
            result = engines.inproc.query(text)
            return len(result.serialize(NTRIPLES if result.kind == "graph" else JSON))
        return run_inproc
    server = {"bolekg-http": engines.bolekg, "oxigraph": engines.oxigraph,
              "bolekg-http-inline": engines.inline, "bolekg-http-computed": engines.computed}.get(engine)
    if server is None:
        assert engines.peer is not None and engines.peer.server is not None
        server = engines.peer.server
    http = engines.http(engine, server.root, cap)
    path = client.query_path(server.query_path, text)

    def run_http() -> int:
        status, body = http.get(path, client.ACCEPT_RESULTS)
        if status == 500 and b"os error 11" in body:
            # oxigraph serve now and then answers EAGAIN after a heavy query; the same request
            # succeeds when repeated, so it is repeated once (the retry counts in this run's time)
            time.sleep(0.05)
            status, body = http.get(path, client.ACCEPT_RESULTS)
        return client.expect_ok(status, body, engine)
    return run_http


def _peer_inproc(engines: Engines, text: str, mode: Mode) -> client.Timing:
    """rdflib in-process, timed inside the peer's process (see ``servers._serve_peer``)."""
    assert engines.peer is not None and engines.peer.server is not None
    http = engines.http("rdflib-inproc", engines.peer.server.root, mode.cap * (mode.slow_repeats + 2))
    params = urllib.parse.urlencode({"query": text, "warmup": 1, "repeats": mode.slow_repeats,
                                     "budget": mode.slow_budget})
    timing = client.Timing()
    try:
        http.cap = mode.cap * 2
        status, body = http.get(f"/_bench/inproc?{params}", "application/json")
        if status != 200:
            timing.error = f"HTTP {status}: {body[:200]!r}"
            return timing
        answer = json.loads(body)
        timing.runs, timing.size = answer["runs"], answer["bytes"]
    except TimeoutError:
        timing.timeout = mode.cap
    except OSError as error:
        timing.error = f"{type(error).__name__}: {error}"
    return timing


# --- one scale ----------------------------------------------------------------------------------

def _skip_reason(engine: str, query: queries.Query, scale: str, triples: int, mode: Mode, engines: Engines,
                 history: dict[tuple[str, str], tuple[int, str, float | None]]) -> str | None:
    if engine == "bolekg-http-inline" and (engines.inline is None or query.kind == "example"):
        return "BoleKG without query workers: core queries, default and full modes only"
    if engine == "bolekg-http-computed" and engines.computed is None:
        return "BoleKG with its answer cache off: not started"
    if engine in SLOW_ENGINES:
        if engines.peer is None:
            return "rdflib is not run at this scale in this mode"
        if query.kind == "example" and scale not in mode.rdflib_example_scales:
            return "examples are not run on rdflib at this scale in this mode"
    # the shipped server keeps answers, so its own past time is a kept answer's; its first request
    # here is evaluated like the computing server's, whose time predicts it
    known = history.get((PREDICTED_FROM.get(engine, engine), query.name)) or history.get((engine, query.name))
    if known is None:
        return None
    before_triples, before_scale, before_seconds = known
    if before_seconds is None:
        return f"over the {mode.cap:.0f} s cap at {before_scale}"
    predicted = before_seconds * (triples / before_triples) ** GROWTH
    if predicted > mode.cap:
        return (f"{before_seconds:.1f} s at {before_scale} predicts {predicted:.0f} s here, "
                f"over the {mode.cap:.0f} s cap")
    return None


def bench_queries(engines: Engines, mode: Mode, scale: str, triples: int,
                  history: dict[tuple[str, str], tuple[int, str, float | None]]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    chosen = queries.all_queries() if scale in mode.example_scales else queries.CORE
    for query in chosen:
        row: dict[str, Any] = {"kind": query.kind}
        for engine in ENGINES:
            reason = _skip_reason(engine, query, scale, triples, mode, engines, history)
            if reason is not None:
                row[engine] = {"skipped": reason}
                continue
            if engine == "rdflib-inproc":
                timing = _peer_inproc(engines, query.text, mode)
            elif engine in SLOW_ENGINES:
                timing = client.measure(_query_call(engines, engine, query.text, mode.cap), 1, mode.slow_repeats,
                                        mode.slow_budget)
            else:
                timing = client.measure(_query_call(engines, engine, query.text, mode.cap), mode.warmup,
                                        mode.repeats, mode.budget)
            row[engine] = timing.as_dict()
            history[(engine, query.name)] = (triples, scale, timing.p50 if timing.ok else None)
            if timing.timeout is not None or (timing.error and "503" in timing.error):
                _recover(engines, engine)
        out[query.name] = row
        log(f"{scale} {query.name}: " + ", ".join(
            f"{e}={row[e].get('p50_ms')}" for e in ENGINES if isinstance(row.get(e), dict)))
    return out


def _recover(engines: Engines, engine: str) -> None:
    """A request overran the cap: the engine may still be computing. rdflib-endpoint's event loop is
    then stuck and it is restarted; the other servers get a fresh connection, and BoleKG's the time
    its query limit needs to stop the query."""
    log(f"{engine} overran the cap: {'restarting it' if engine in SLOW_ENGINES else 'reconnecting'}")
    if engine in SLOW_ENGINES and engines.peer is not None:
        engines.clients.pop("rdflib-inproc", None)
        engines.clients.pop("rdflib-endpoint", None)
        engines.peer.restart()
        return
    if engine in engines.clients:
        engines.clients.pop(engine).close()
    if engine.startswith("bolekg-http"):
        time.sleep(SERVER_GRACE + 1)  # until the server's time limit has stopped the query


def bench_pages(engines: Engines, mode: Mode) -> dict[str, Any]:
    from bolekg.services.describe import DOCUMENT_QUERY

    out: dict[str, Any] = {}
    http = client.HttpClient(engines.bolekg.root, cap=mode.cap * 5)
    # dumps: the first request builds the file (once per store version), later ones are served cached
    for name, path, accept in (("dump-ntriples-first", "/dumps/bolekg.nt", "application/n-triples"),
                               ("dump-csv-first", "/dumps/observations.csv", "text/csv")):
        began = time.perf_counter()
        status, body = http.get(path, accept)
        out[name] = {"p50_ms": round((time.perf_counter() - began) * 1000, 3), "p95_ms": None, "runs": 1,
                     "bytes": len(body), "status": status}
    for page in queries.PAGES:
        timing = client.measure(lambda page=page: client.expect_ok(*http.get(page.path, page.accept), page.name),
                                mode.warmup, mode.page_repeats, mode.budget)
        out[page.name] = timing.as_dict()
    # the entity document against the same CONSTRUCT sent straight to oxigraph serve
    construct = DOCUMENT_QUERY % {"iri": f"<{queries.OBSERVATION}>"}
    ox_http = client.HttpClient(engines.oxigraph.root, cap=mode.cap)
    path = client.query_path("/query", construct)
    timing = client.measure(lambda: client.expect_ok(*ox_http.get(path, "text/turtle"), "oxigraph construct"),
                            mode.warmup, mode.page_repeats, mode.budget)
    out["oxigraph-document-construct"] = timing.as_dict()
    http.close()
    ox_http.close()
    return out


#: Rounds per client count for the pair the target compares, alternated (BoleKG, oxigraph, BoleKG, …)
#: so that a slow spell of the shared host falls on both; the median round is reported. One round
#: each, back to back, moved the ratio from 0.42× to 0.63× between runs (the 2026-11-28 runs, in
#: the git history of bench/results/).
PAIRED_ROUNDS = 3


def bench_concurrency(engines: Engines, mode: Mode) -> dict[str, Any]:
    lookup = queries.CORE[0].text
    out: dict[str, Any] = {}

    def run(name: str, server: servers.Server, clients: int) -> concurrency.Throughput:
        url = server.root + client.query_path(server.query_path, lookup)
        return concurrency.throughput(url, client.ACCEPT_RESULTS, clients, mode.concurrency_seconds)

    pair = (("bolekg-http", engines.bolekg), ("oxigraph", engines.oxigraph))
    for clients in (1, 4, 16):
        rounds: dict[str, list[concurrency.Throughput]] = {name: [] for name, _ in pair}
        for _ in range(PAIRED_ROUNDS):
            for name, server in pair:
                rounds[name].append(run(name, server, clients))
        for name, results in rounds.items():
            middle = sorted(results, key=lambda r: r.rps)[len(results) // 2]
            out.setdefault(name, {})[str(clients)] = {**middle.as_dict(),
                                                     "rounds_rps": [round(r.rps) for r in results]}
            log(f"throughput {name} ×{clients}: {middle.rps:.0f} req/s, median of "
                f"{', '.join(f'{r.rps:.0f}' for r in results)} ({middle.tool}, {middle.errors} errors)")
    others: list[tuple[str, servers.Server, tuple[int, ...]]] = []
    if engines.computed is not None:
        others.append(("bolekg-http-computed", engines.computed, (1, 16)))
    if engines.peer is not None and engines.peer.server is not None:
        others.append(("rdflib-endpoint", engines.peer.server, (16,)))
    for name, server, levels in others:
        out[name] = {}
        for clients in levels:
            result = run(name, server, clients)
            out[name][str(clients)] = result.as_dict()
            log(f"throughput {name} ×{clients}: {result.rps:.0f} req/s ({result.tool}, {result.errors} errors)")
    return out


def _tree_memory(process: subprocess.Popen[bytes]) -> dict[str, int]:
    """Resident and proportional memory of a server and its children (query workers share pages)."""
    root = psutil.Process(process.pid)
    members = [root, *root.children(recursive=True)]
    rss = pss = 0
    for member in members:
        with contextlib.suppress(psutil.Error):
            info = member.memory_full_info()
            rss += info.rss
            pss += getattr(info, "pss", info.rss)
    return {"tree_rss": rss, "tree_pss": pss, "processes": len(members)}


def _inproc_store(data: Path) -> tuple[Any, float]:
    import pyoxigraph as ox

    from bolekg.store import EmbeddedStore

    began = time.perf_counter()
    try:
        store = EmbeddedStore(workers=0)
    except TypeError:  # a store without a query pool
        store = EmbeddedStore()
    store.store.bulk_load(path=str(data), format=ox.RdfFormat.N_QUADS)
    return store, time.perf_counter() - began


History = dict[tuple[str, str], tuple[int, str, float | None]]


def bench_scale(scale: str, mode: Mode, history: History) -> dict[str, Any]:
    manifest = generate.dataset_for(scale)
    data = Path(manifest.path)
    log(f"scale {scale}: {manifest.quads} quads in {manifest.reports} reports ({data.name})")
    result: dict[str, Any] = {"quads": manifest.quads, "reports": manifest.reports, "load": {}, "memory": {}}
    with contextlib.ExitStack() as stack:
        bolekg = stack.enter_context(servers.bolekg(data))
        log(f"bolekg loaded in {bolekg.load_seconds:.2f} s")
        oxigraph = stack.enter_context(servers.oxigraph(data))
        log(f"oxigraph loaded in {oxigraph.load_seconds:.2f} s")
        # the same server with every answer computed (no answer cache): what a query asked once costs
        computed = stack.enter_context(servers.bolekg(data, env={"BOLEKG_ANSWER_CACHE_MB": "0"}))
        inline = None
        if mode.inline_variant:  # … and also without its query workers: what the worker round trip costs
            inline = stack.enter_context(servers.bolekg(data, env={"BOLEKG_QUERY_WORKERS": "0",
                                                                   "BOLEKG_ANSWER_CACHE_MB": "0"}))
        peer = None
        if scale in mode.rdflib_scales:
            peer = Peer(data)
            peer.start()
            stack.callback(peer.stop)
            log(f"rdflib-endpoint loaded in {peer.loads[-1]:.2f} s")
        inproc, inproc_load = _inproc_store(data)
        engines = Engines(bolekg, oxigraph, peer, inproc, inline, computed)
        result["load"] = {"bolekg-http": bolekg.load_seconds, "oxigraph": oxigraph.load_seconds,
                          "bolekg-inproc": inproc_load, "rdflib-endpoint": peer.loads[0] if peer else None}
        result["memory"]["after_load"] = {"bolekg-http": bolekg.rss(), "oxigraph": oxigraph.rss(),
                                          "rdflib-endpoint": peer.server.rss() if peer and peer.server else None}
        result["queries"] = bench_queries(engines, mode, scale, manifest.quads, history)
        result["pages"] = bench_pages(engines, mode)
        if scale in mode.concurrency_scales:
            result["concurrency"] = bench_concurrency(engines, mode)
        result["memory"]["peak"] = {"bolekg-http": bolekg.peak_rss(), "oxigraph": oxigraph.peak_rss(),
                                    "rdflib-endpoint": max(peer.peak_rss, peer.server.peak_rss() if peer.server
                                                           else 0) if peer else None}
        result["memory"]["bolekg-tree"] = _tree_memory(bolekg.process)
        for http in engines.clients.values():
            http.close()
        del inproc
    return result


def bench_disk(scale: str, mode: Mode) -> dict[str, Any]:
    """10M triples: the on-disk stores only (BoleKG ``--store``, ``oxigraph serve --location``)."""
    manifest = generate.dataset_for(scale)
    data = Path(manifest.path)
    result: dict[str, Any] = {"quads": manifest.quads, "reports": manifest.reports, "queries": {}}
    with tempfile.TemporaryDirectory(prefix="bolekg-bench-", dir=generate.DATA_DIR.parent) as tmp:
        ox_dir = Path(tmp) / "oxigraph"
        began = time.perf_counter()
        subprocess.run([str(servers.BIN / "oxigraph"), "load", "--location", str(ox_dir), "--file", str(data)],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ox_load = time.perf_counter() - began
        # every answer computed (answer cache off): this comparison is about the engines at scale
        with servers.bolekg(data, store_dir=Path(tmp) / "bolekg", env={"BOLEKG_ANSWER_CACHE_MB": "0"}) as bolekg, \
                servers.oxigraph_on_disk(ox_dir) as oxigraph:
            result["load"] = {"bolekg-http": bolekg.load_seconds, "oxigraph": ox_load}
            engines = Engines(bolekg, oxigraph, None, None)
            for query in queries.CORE:
                row: dict[str, Any] = {"kind": query.kind}
                for engine in ("bolekg-http", "oxigraph"):
                    timing = client.measure(_query_call(engines, engine, query.text, mode.cap * 5), 1,
                                            mode.slow_repeats, mode.slow_budget)
                    row[engine] = timing.as_dict()
                result["queries"][query.name] = row
                log(f"{scale} {query.name}: "
                    + ", ".join(f"{e}={row[e]['p50_ms']}" for e in ("bolekg-http", "oxigraph")))
            result["memory"] = {"peak": {"bolekg-http": bolekg.peak_rss(), "oxigraph": oxigraph.peak_rss()}}
    return result


# --- start-up and validation of the real data -----------------------------------------------------

STARTUP_PROBE = """
import json, time
t0 = time.perf_counter()
from bolekg.report.dataset import knowledge_graph, read_graphs
from bolekg.store import EmbeddedStore
from bolekg.report.validate import validate
t1 = time.perf_counter()
graphs = read_graphs()
t2 = time.perf_counter()
store = EmbeddedStore()
store.load_graphs(graphs)  # union graph, SHACL validation, then the load: what `bolekg serve` does
t3 = time.perf_counter()
graph = knowledge_graph()
t4 = time.perf_counter()
outcome = validate(graph)
t5 = time.perf_counter()
print(json.dumps({"imports": t1 - t0, "parse": t2 - t1, "validate_and_load": t3 - t2, "start": t3 - t1,
                  "validate": t5 - t4, "conforms": outcome.conforms, "triples": len(graph)}))
"""

VALIDATE_PROBE = """
import json, sys, time
import pyoxigraph as ox
from bolekg.report.quads import to_rdflib
from bolekg.report.validate import shapes_graph, validate
shapes_graph()
t0 = time.perf_counter()
triples = dict.fromkeys(q.triple for q in ox.parse(path=sys.argv[1], format=ox.RdfFormat.N_QUADS))
graph = to_rdflib(triples)
t1 = time.perf_counter()
outcome = validate(graph)
t2 = time.perf_counter()
print(json.dumps({"triples": len(graph), "to_rdflib": t1 - t0, "validate": t2 - t1, "conforms": outcome.conforms}))
"""


def _probe(code: str, *args: str, timeout: float = 600) -> dict[str, Any]:
    completed = subprocess.run([str(servers.BIN / "python"), "-c", code, *args], capture_output=True, text=True,
                               timeout=timeout, check=False)
    if completed.returncode != 0:
        return {"error": completed.stderr.strip()[-500:]}
    return json.loads(completed.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def bench_startup(mode: Mode) -> dict[str, Any]:
    """Parse + SHACL validate + load of the real data, the way ``bolekg serve`` starts (store.load),
    each run in a fresh interpreter; SHACL validation alone is timed in the same process after it."""
    probes = [_probe(STARTUP_PROBE) for _ in range(mode.startup_repeats)]
    good = [p for p in probes if "start" in p]
    seconds = sorted(p["start"] for p in good)
    median = good[[p["start"] for p in good].index(seconds[len(seconds) // 2])] if good else {}
    out: dict[str, Any] = {"start_s": seconds[len(seconds) // 2] if seconds else None, "runs": seconds,
                           "parts": median or (probes[0] if probes else {})}
    if mode.serve_probe:
        # the whole command, to the first answered request (interpreter, imports, app and all)
        port = free_port()
        began = time.perf_counter()
        process = subprocess.Popen([str(servers.BIN / "bolekg"), "serve", "--port", str(port)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_until_answering(f"http://127.0.0.1:{port}/sparql?query=ASK%7B%7D", process, 120)
            out["serve_to_first_answer_s"] = time.perf_counter() - began
        finally:
            stop(process)
    log(f"start-up of the real data: {out['start_s']} s ({out['parts']})")
    return out


def bench_validation(mode: Mode) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for scale in mode.validate_scales:
        manifest = generate.dataset_for(scale)
        try:
            out[scale] = _probe(VALIDATE_PROBE, manifest.path, timeout=300)
        except subprocess.TimeoutExpired:
            out[scale] = {"error": "over 300 s"}
        log(f"SHACL validation at {scale}: {out[scale]}")
    return out


# --- the whole run --------------------------------------------------------------------------------

def machine() -> dict[str, Any]:
    import pyoxigraph
    import rdflib

    versions = {"python": platform.python_version(), "pyoxigraph": pyoxigraph.__version__,
                "rdflib": rdflib.__version__}
    with contextlib.suppress(Exception):
        import rdflib_endpoint

        versions["rdflib-endpoint"] = rdflib_endpoint.__version__
    with contextlib.suppress(Exception):
        versions["oxigraph-cli"] = subprocess.run([str(servers.BIN / "oxigraph"), "--version"], capture_output=True,
                                                  text=True, check=False).stdout.strip()
    cpu = ""
    with contextlib.suppress(OSError):
        cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name")), "")
    return {"cpus": os.cpu_count(), "cpu": cpu, "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
            "platform": platform.platform(), "versions": versions,
            "load_client": "wrk" if shutil.which("wrk") else "python-threads"}


def virtuoso_note() -> str:
    if shutil.which("virtuoso-t"):
        return "virtuoso-t is installed but this suite has no Virtuoso loader yet: not measured"
    return "Virtuoso not measured: virtuoso-t is not installed (Debian package virtuoso-opensource)"


@contextlib.contextmanager
def _timer(name: str, into: dict[str, float]) -> Iterator[None]:
    began = time.perf_counter()
    yield
    into[name] = round(time.perf_counter() - began, 2)


def main() -> int:
    mode = MODES.get(os.environ.get("BENCH_SCALE", "default") or "default")
    if mode is None:
        raise SystemExit(f"BENCH_SCALE must be one of {', '.join(MODES)}")
    os.environ.setdefault("BOLEKG_MAX_ROWS", "100000000")  # every engine returns whole answers
    os.environ.setdefault("BOLEKG_QUERY_TIMEOUT", str(mode.cap + SERVER_GRACE))
    began = time.perf_counter()
    stamp = dt.datetime.now(dt.UTC)
    results: dict[str, Any] = {"date": stamp.isoformat(timespec="seconds"), "mode": mode.name,
                               "machine": machine(), "scales": {}, "phases": {},
                               "load_average_at_start": list(os.getloadavg())}
    log(virtuoso_note())
    results["virtuoso"] = virtuoso_note()
    history: dict[tuple[str, str], tuple[int, str, float | None]] = {}
    for scale in mode.scales:
        with _timer(scale, results["phases"]):
            results["scales"][scale] = bench_scale(scale, mode, history)
    for scale in mode.disk_scales:
        with _timer(scale, results["phases"]):
            results["scales"][scale] = bench_disk(scale, mode)
    if mode.startup_repeats:
        with _timer("startup", results["phases"]):
            results["startup"] = bench_startup(mode)
    with _timer("validation", results["phases"]):
        results["validation"] = bench_validation(mode)
    results["seconds"] = round(time.perf_counter() - began, 1)
    results["load_average_at_end"] = list(os.getloadavg())
    results["ratios"] = report.ratios(results)
    results["targets"] = report.targets(results)
    RESULTS.mkdir(exist_ok=True)
    name = f"{stamp.date().isoformat()}-{mode.name}"
    (RESULTS / f"{name}.json").write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    (RESULTS / f"{name}.md").write_text(report.markdown(results), encoding="utf-8")
    for ratio, value in results["ratios"].items():
        print(f"RATIO {ratio} {value if value is None else round(value, 4)}")
    for target in results["targets"]:
        print(f"TARGET {target['status']:6} {target['name']}: {target['detail']}")
    print(f"bench: {results['seconds']} s; results in {RESULTS / name}.md and .json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
