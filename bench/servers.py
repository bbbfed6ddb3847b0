"""The HTTP servers the benchmark compares, each started as its own process on a free loopback port.

* ``bolekg``: the project's app (``bolekg.web.create_app``) under Granian, as ``bolekg serve`` runs
  it (:func:`bolekg.web.serving.serve_wsgi`), on an embedded pyoxigraph store bulk-loaded from the
  benchmark's N-Quads file. The file is the generator's, whose validity the test suite proves on a
  small scale; validating a million triples with pySHACL at every start would measure pySHACL,
  which is measured on its own.
* ``oxigraph``: ``oxigraph serve`` (the Rust server of the same engine), in memory, with the
  union default graph, loaded through its Graph Store endpoint.
* ``rdflib-endpoint``: the Python peer, rdflib's in-memory ``Dataset`` behind FastAPI on uvicorn.

Each child prints ``READY <seconds to load>`` once it answers; the parent stops it by PID.
Run ``python bench/servers.py bolekg|peer DATA PORT`` to start one by hand.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil

from bolekg.processes import free_port, stop, wait_until_answering

BIN = Path(sys.executable).parent
HERE = Path(__file__).resolve().parent



@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    root: str
    query_path: str
    load_seconds: float

    @property
    def query_url(self) -> str:
        return self.root + self.query_path

    def rss(self) -> int:
        """Resident memory of the server process now, in bytes."""
        return int(psutil.Process(self.process.pid).memory_info().rss)

    def peak_rss(self) -> int:
        """Peak resident memory of the server process so far (Linux ``VmHWM``), in bytes."""
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
        except OSError:
            pass
        return self.rss()



def _wait_ready(process: subprocess.Popen[bytes], timeout: float) -> float:
    """Read the child's ``READY <seconds>`` line."""
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            raise RuntimeError(f"{process.args} exited with {process.wait()} before it was ready")
        text = line.decode("utf-8", "replace").strip()
        if text.startswith("READY "):
            return float(text.split()[1])
    raise RuntimeError(f"{process.args} was not ready within {timeout:.0f} s")


#: The benchmarks measure the engine against ``oxigraph serve``, which has no admission control:
#: their 16 clients all send from 127.0.0.1, which the per-client limit would otherwise hold to
#: BOLEKG_CLIENT_QUERIES at once, and the bounded wait would turn the rest into 503s.
BENCH_ADMISSION = {"BOLEKG_CLIENT_QUERIES": "1000", "BOLEKG_QUERY_QUEUE": "1000",
                   "BOLEKG_CLIENT_QUERY_SECONDS": "1000000"}


@contextlib.contextmanager
def bolekg(data: Path, threads: int = 8, store_dir: Path | None = None, timeout: float = 900,
           env: dict[str, str] | None = None) -> Iterator[Server]:
    """``env`` adds variables (e.g. ``BOLEKG_QUERY_WORKERS=0``: queries in the server process)."""
    port = free_port()
    args = [str(BIN / "python"), str(HERE / "servers.py"), "bolekg", str(data), str(port), str(threads)]
    if store_dir is not None:
        args.append(str(store_dir))
    process = subprocess.Popen(args, stdout=subprocess.PIPE, env={**os.environ, **BENCH_ADMISSION, **(env or {})})
    try:
        seconds = _wait_ready(process, timeout)  # loaded; Granian then binds and starts its worker
        wait_until_answering(f"http://127.0.0.1:{port}/sparql?query=ASK%7B%7D", process, 120)
        yield Server("bolekg", process, f"http://127.0.0.1:{port}", "/sparql", seconds)
    finally:
        stop(process)


@contextlib.contextmanager
def oxigraph(data: Path, timeout: float = 900) -> Iterator[Server]:
    port = free_port()
    root = f"http://127.0.0.1:{port}"
    process = subprocess.Popen([str(BIN / "oxigraph"), "serve", "--bind", f"127.0.0.1:{port}", "--union-default-graph"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_answering(f"{root}/query?query=ASK%7B%7D", process, 30)
        started = time.perf_counter()
        with data.open("rb") as body:
            request = urllib.request.Request(f"{root}/store", data=body, method="POST",
                                             headers={"Content-Type": "application/n-quads",
                                                      "Content-Length": str(data.stat().st_size)})
            urllib.request.urlopen(request, timeout=timeout).close()
        yield Server("oxigraph", process, root, "/query", time.perf_counter() - started)
    finally:
        stop(process)


@contextlib.contextmanager
def oxigraph_on_disk(location: Path) -> Iterator[Server]:
    """``oxigraph serve`` on a RocksDB directory already filled by ``oxigraph load``."""
    port = free_port()
    root = f"http://127.0.0.1:{port}"
    process = subprocess.Popen([str(BIN / "oxigraph"), "serve", "--location", str(location),
                                "--bind", f"127.0.0.1:{port}", "--union-default-graph"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_answering(f"{root}/query?query=ASK%7B%7D", process, 120)
        yield Server("oxigraph", process, root, "/query", 0.0)
    finally:
        stop(process)


@contextlib.contextmanager
def rdflib_endpoint(data: Path, timeout: float = 1800) -> Iterator[Server]:
    port = free_port()
    process = subprocess.Popen([str(BIN / "python"), str(HERE / "servers.py"), "peer", str(data), str(port)],
                               stdout=subprocess.PIPE)
    try:
        seconds = _wait_ready(process, timeout)
        yield Server("rdflib-endpoint", process, f"http://127.0.0.1:{port}", "/sparql", seconds)
    finally:
        stop(process)


# --- the children -------------------------------------------------------------------------------

def _serve_bolekg(data: Path, port: int, threads: int, store_dir: Path | None) -> None:
    import pyoxigraph as ox

    from bolekg.store import EmbeddedStore
    from bolekg.web import create_app
    from bolekg.web.serving import serve_wsgi

    started = time.perf_counter()
    store = EmbeddedStore(store_dir)
    if store.is_empty():
        store.store.bulk_load(path=str(data), format=ox.RdfFormat.N_QUADS)
        store.store.flush()
        if store_dir is not None:
            store.store.optimize()  # as bolekg load does on disk (and oxigraph load)
    if store_dir is None:
        app = create_app({"STORE": store})
        build = lambda: app  # noqa: E731 — forked into the HTTP worker, shared copy-on-write
    else:
        store.close()  # the HTTP worker opens the directory itself, as `bolekg serve --store` does
        build = lambda: create_app({"STORE": EmbeddedStore(store_dir)})  # noqa: E731
    seconds = time.perf_counter() - started
    print(f"READY {seconds:.3f}", flush=True)
    serve_wsgi(build, host="127.0.0.1", port=port, threads=threads)


def _serve_peer(data: Path, port: int) -> None:
    import logging

    import uvicorn
    from rdflib import Dataset
    from rdflib_endpoint import SparqlEndpoint

    started = time.perf_counter()
    dataset = Dataset(default_union=True)
    dataset.parse(str(data), format="nquads")
    app = SparqlEndpoint(graph=dataset, path="/sparql", cors_enabled=False)
    seconds = time.perf_counter() - started

    @app.get("/_bench/inproc")
    def inproc(query: str, warmup: int = 0, repeats: int = 1, budget: float = 1.0) -> dict[str, object]:
        """rdflib in-process: the same query timed inside the process that holds the graph (query +
        JSON or N-Triples serialisation), so the HTTP layer is not counted. Bench-only route."""
        size, runs = 0, []
        for _ in range(warmup):
            size = len(_rdflib_answer(dataset, query))
        deadline = time.perf_counter() + budget
        while len(runs) < repeats:
            began = time.perf_counter()
            size = len(_rdflib_answer(dataset, query))
            ended = time.perf_counter()
            runs.append(ended - began)
            if ended > deadline:
                break
        return {"runs": runs, "bytes": size}

    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    logging.getLogger("uvicorn.error").setLevel(logging.WARNING)

    async def announce_when_started() -> None:
        import asyncio

        while not server.started:
            await asyncio.sleep(0.02)
        print(f"READY {seconds:.3f}", flush=True)

    import asyncio

    async def main() -> None:
        await asyncio.gather(server.serve(), announce_when_started())

    asyncio.run(main())


def _rdflib_answer(dataset: object, query: str) -> bytes:
    result = dataset.query(query)  # type: ignore[attr-defined]
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        return result.serialize(format="nt") or b""  # type: ignore[no-any-return]
    return result.serialize(format="json") or b""  # type: ignore[no-any-return]


if __name__ == "__main__":
    kind, path, port_text = sys.argv[1:4]
    if kind == "bolekg":
        _serve_bolekg(Path(path), int(port_text), int(sys.argv[4]) if len(sys.argv) > 4 else 8,
                      Path(sys.argv[5]) if len(sys.argv) > 5 else None)
    elif kind == "peer":
        _serve_peer(Path(path), int(port_text))
    else:
        raise SystemExit(f"unknown server {kind!r}")
