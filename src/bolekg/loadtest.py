"""A bounded load on a BoleKG server over loopback: many clients browsing, plus runaway queries.

``make loadtest`` runs it against a fresh ``bolekg serve`` (50 clients for 60 s, one runaway query
every 5 s); ``tests/test_hardening_load.py`` runs a short version and asserts that nothing
unexpected happened. What it checks is the promise of the query isolation: while runaway queries
are being cut at the time limit (503), everyone else is served normally.

Each client loops: pick a request from the mix (entity pages in HTML and Turtle, searches when the
server has ``/search``, SPARQL lookups, dumps), send it on its own keep-alive connection, read the
answer, wait a short random think time. The runaway client sends, every ``runaway_every`` seconds,
an aggregate over a three-way cartesian product (10⁹–10¹² rows on the real data), which must come
back 503 within the time limit plus a second.

Only loopback addresses are accepted as targets, every loop is bounded in time, and a spawned
server is stopped by its PID.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bolekg.processes import free_port, stop

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
ENTITIES = ("SELECT DISTINCT ?s WHERE { ?s ?p ?o . FILTER(isIRI(?s) && STRSTARTS(STR(?s), "
            "\"https://w3id.org/bolekg/id/\")) } ORDER BY ?s")
LOOKUP = "SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}"
SEARCH_TERMS = ("博乐", "道路", "water", "road", "school", "bole", "shuili", "改造", "health", "xinjiang")
BASE = "https://w3id.org/bolekg/"


@dataclass(frozen=True)
class Request:
    kind: str
    method: str
    path: str
    headers: tuple[tuple[str, str], ...] = ()
    #: Statuses that are a correct answer to this request.
    expected: frozenset[int] = frozenset({200})


@dataclass
class Report:
    """What happened: counts by kind and status, latencies of the normal requests, the runaways."""

    duration: float = 0.0
    clients: int = 0
    served: int = 0
    statuses: Counter = field(default_factory=Counter)
    unexpected: Counter = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    runaways: list[tuple[int, float]] = field(default_factory=list)
    #: Runaways answered later than the limit + 1 s (a timing, kept apart from the errors).
    late: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def unexpected_total(self) -> int:
        return sum(self.unexpected.values())

    def summary(self) -> dict[str, object]:
        return {
            "clients": self.clients,
            "duration_s": round(self.duration, 1),
            "requests_served": self.served,
            "throughput_rps": round(self.served / self.duration, 1) if self.duration else 0,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "unexpected": {str(k): v for k, v in sorted(self.unexpected.items())},
            "normal_latency_ms": _percentiles(self.latencies),
            "by_kind_ms": {kind: _percentiles(values) for kind, values in sorted(self.by_kind.items())},
            "runaways": {"sent": len(self.runaways),
                         "statuses": dict(Counter(str(s) for s, _ in self.runaways)),
                         "max_s": round(max((t for _, t in self.runaways), default=0.0), 2),
                         "later_than_limit_plus_1s": self.late},
            "failures": self.failures[:20],
        }


def _percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0}
    ordered = sorted(values)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)

    return {"n": len(ordered), "p50": at(0.50), "p95": at(0.95), "p99": at(0.99), "max": at(1.0)}


# --- a minimal HTTP/1.1 client (keep-alive, Content-Length and chunked bodies) ----------------------


class Connection:
    """One keep-alive connection; reopened after the server closes it."""

    def __init__(self, host: str, port: int, source: str | None = None):
        self.host, self.port = host, port
        #: The local address to send from: each simulated client has its own, as real clients do, so
        #: that the server's per-client limits (BOLEKG_CLIENT_QUERIES) see many clients, not one.
        self.source = source
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, request: Request, body: bytes = b"", timeout: float = 30.0) -> tuple[int, bytes]:
        for attempt in (1, 2):
            try:
                return await asyncio.wait_for(self._exchange(request, body), timeout)
            except (ConnectionError, asyncio.IncompleteReadError):
                await self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _exchange(self, request: Request, body: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            local = (self.source, 0) if self.source else None
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port, local_addr=local)
        assert self.reader is not None
        lines = [f"{request.method} {request.path} HTTP/1.1", f"Host: {self.host}:{self.port}",
                 *(f"{k}: {v}" for k, v in request.headers)]
        if body:
            lines.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionResetError("closed by the server")
        status = int(status_line.split()[1])
        headers: dict[str, str] = {}
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if request.method == "HEAD" or status in (204, 304):
            data = b""
        elif "content-length" in headers:
            data = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int((await self.reader.readline()).split(b";")[0], 16)
                if size == 0:
                    await self.reader.readline()
                    break
                parts.append(await self.reader.readexactly(size))
                await self.reader.readline()
            data = b"".join(parts)
        else:
            data = await self.reader.read()
            await self.close()
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return status, data

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(Exception):
                await self.writer.wait_closed()
        self.reader = self.writer = None


# --- the mix ----------------------------------------------------------------------------------------


def _get(url: str, accept: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


def build_mix(root: str) -> list[Request]:
    """Requests drawn from what this server holds: its entities, its routes, its dumps."""
    status, body = _get(f"{root}/sparql?" + urllib.parse.urlencode({"query": ENTITIES}), "text/tab-separated-values")
    if status != 200:
        raise RuntimeError(f"{root} did not answer the entity query ({status})")
    iris = [line.strip()[1:-1] for line in body.decode("utf-8").splitlines()[1:] if line.startswith("<")]
    rng = random.Random(7)
    sample = rng.sample(iris, min(len(iris), 200))
    mix: list[Request] = []
    html = (("Accept", "text/html"),)
    for iri in sample[:120]:
        mix.append(Request("page", "GET", "/" + iri[len(BASE):], html))
    for iri in sample[120:160]:
        mix.append(Request("turtle", "GET", "/" + iri[len(BASE):], (("Accept", "text/turtle"),)))
    for iri in sample[:80]:
        query = urllib.parse.urlencode({"query": LOOKUP.format(iri=iri)})
        mix.append(Request("lookup", "GET", f"/sparql?{query}", (("Accept", "application/sparql-results+json"),)))
    if _get(f"{root}/search?q=bole", "text/html")[0] == 200:
        for term in SEARCH_TERMS:
            query = urllib.parse.urlencode({"q": term})
            mix.append(Request("search", "GET", f"/search?{query}", html))
            mix.append(Request("search", "GET", f"/search?{query}&format=json", (("Accept", "application/json"),)))
    for path in ("/", "/.well-known/void"):
        mix.append(Request("page", "GET", path, html))
    for name in ("bolekg.ttl", "bolekg.nt", "observations.csv"):
        mix.append(Request("dump", "GET", f"/dumps/{name}", expected=frozenset({200, 304})))
    return mix


# --- the run ----------------------------------------------------------------------------------------


def client_address(host: str, number: int) -> str | None:
    """A source address of its own for client ``number``: on IPv4 the whole 127.0.0.0/8 is loopback
    (Linux answers every address of it), so clients 0, 1, … send from 127.0.1.1, 127.0.1.2, …;
    elsewhere the system chooses."""
    if ipaddress.ip_address(socket.gethostbyname(host)).version != 4:
        return None
    number %= 254 * 250
    return f"127.0.{1 + number // 254}.{1 + number % 254}"


def _loopback(root: str) -> tuple[str, int]:
    parsed = urllib.parse.urlsplit(root)
    host = parsed.hostname or ""
    address = socket.gethostbyname(host)
    if not ipaddress.ip_address(address).is_loopback:
        raise ValueError(f"the load test only targets loopback addresses, not {host} ({address})")
    return host, parsed.port or 80


async def _client(host: str, port: int, mix: list[Request], until: float, think: float, report: Report,
                  seed: int) -> None:
    rng = random.Random(seed)
    connection = Connection(host, port, client_address(host, seed))
    try:
        while time.monotonic() < until:
            request = rng.choice(mix)
            started = time.monotonic()
            try:
                status, _ = await connection.request(request)
            except (TimeoutError, OSError, ValueError) as error:
                report.unexpected[f"{type(error).__name__}"] += 1
                report.failures.append(f"{request.path[:80]}: {type(error).__name__} {error}")
                await connection.close()
                continue
            elapsed = time.monotonic() - started
            report.served += 1
            report.statuses[status] += 1
            if status in request.expected:
                report.latencies.append(elapsed)
                report.by_kind.setdefault(request.kind, []).append(elapsed)
            else:
                report.unexpected[status] += 1
                report.failures.append(f"{request.kind} {request.path[:80]}: {status}")
            if think:
                await asyncio.sleep(rng.uniform(0, 2 * think))
    finally:
        await connection.close()


async def _runaways(host: str, port: int, every: float, until: float, timeout: float, report: Report) -> None:
    body = urllib.parse.urlencode({"query": RUNAWAY}).encode()
    request = Request("runaway", "POST", "/sparql", (("Content-Type", "application/x-www-form-urlencoded"),
                                                     ("Accept", "application/sparql-results+json")),
                      expected=frozenset({503}))
    tasks = []
    sent = 0

    async def one(number: int) -> None:
        # each runaway from a client of its own: the limit under test here is the time limit
        connection = Connection(host, port, client_address(host, 10_000 + number))
        started = time.monotonic()
        try:
            status, _ = await connection.request(request, body, timeout=timeout + 30)
        except (TimeoutError, OSError) as error:
            report.unexpected[f"runaway {type(error).__name__}"] += 1
            report.failures.append(f"runaway: {type(error).__name__}")
            return
        finally:
            await connection.close()
        elapsed = time.monotonic() - started
        report.runaways.append((status, elapsed))
        report.served += 1
        report.statuses[status] += 1
        if status != 503:
            report.unexpected[f"runaway {status}"] += 1
            report.failures.append(f"runaway answered {status}")
        elif elapsed > timeout + 1:
            report.late += 1
            report.failures.append(f"runaway answered after {elapsed:.1f} s (limit {timeout} s + 1 s)")

    while time.monotonic() < until:
        tasks.append(asyncio.ensure_future(one(sent)))
        sent += 1
        await asyncio.sleep(every)
    await asyncio.gather(*tasks)


async def _run(root: str, clients: int, duration: float, runaway_every: float | None, timeout: float,
               think: float, seed: int) -> Report:
    host, port = _loopback(root)
    mix = await asyncio.get_running_loop().run_in_executor(None, build_mix, root)
    report = Report(clients=clients)
    started = time.monotonic()
    until = started + duration
    jobs = [_client(host, port, mix, until, think, report, seed + n) for n in range(clients)]
    if runaway_every:
        jobs.append(_runaways(host, port, runaway_every, until, timeout, report))
    await asyncio.gather(*jobs)
    report.duration = time.monotonic() - started
    return report


def run_load(root: str, clients: int = 50, duration: float = 60.0, runaway_every: float | None = 5.0,
             timeout: float = 10.0, think: float = 0.5, seed: int = 1) -> Report:
    """Drive the server at ``root`` (loopback only) and report; ``timeout`` is the server's query limit."""
    return asyncio.run(_run(root, clients, duration, runaway_every, timeout, think, seed))


# --- a server to test -------------------------------------------------------------------------------


@contextlib.contextmanager
def spawned_server(env: dict[str, str] | None = None, threads: int = 8,
                   startup_timeout: float = 120.0) -> Iterator[tuple[str, subprocess.Popen]]:
    """``bolekg serve`` on a free loopback port, in memory; stopped by PID on exit."""
    port = free_port()
    command = [sys.executable, "-m", "bolekg.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
               "--threads", str(threads)]
    log = tempfile.TemporaryFile()  # noqa: SIM115 (a pipe nobody reads would block the server once full)
    process = subprocess.Popen(command, env={**os.environ, **(env or {})}, stdout=log, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL)
    root = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + startup_timeout
        while True:
            if process.poll() is not None:
                log.seek(0)
                output = log.read().decode("utf-8", "replace")
                raise RuntimeError(f"bolekg serve exited with {process.returncode}:\n{output}")
            with contextlib.suppress(OSError):
                urllib.request.urlopen(f"{root}/openapi.json", timeout=2).close()
                break
            if time.monotonic() > deadline:
                raise RuntimeError("bolekg serve did not start")
            time.sleep(0.2)
        yield root, process
    finally:
        stop(process)
        log.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bolekg.loadtest", description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running server (loopback only); default: spawn `bolekg serve`")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds (default 60)")
    parser.add_argument("--runaway-every", type=float, default=5.0, help="seconds between runaway queries; 0: none")
    parser.add_argument("--timeout", type=float, default=10.0,
                        help="the server's query time limit (BOLEKG_QUERY_TIMEOUT for a spawned server)")
    parser.add_argument("--think", type=float, default=0.5,
                        help="mean pause of a client between two requests, seconds (uniform in 0..2×think)")
    parser.add_argument("--threads", type=int, default=8, help="request threads of a spawned server")
    parser.add_argument("--json", type=Path, help="also write the report as JSON here")
    args = parser.parse_args(argv)

    def drive(root: str) -> Report:
        return run_load(root, args.clients, args.duration, args.runaway_every or None, args.timeout, args.think)

    if args.url:
        report = drive(args.url.rstrip("/"))
    else:
        with spawned_server({"BOLEKG_QUERY_TIMEOUT": str(args.timeout)}, threads=args.threads) as (root, _):
            report = drive(root)
    summary = report.summary()
    text = json.dumps(summary, indent=2, ensure_ascii=False)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    latency = summary["normal_latency_ms"]
    print(f"served {report.served} requests in {report.duration:.0f} s with {args.clients} clients; "
          f"unexpected: {report.unexpected_total}; normal p50/p95/p99 = {latency.get('p50')}/"  # type: ignore[union-attr]
          f"{latency.get('p95')}/{latency.get('p99')} ms; runaways: {len(report.runaways)}",  # type: ignore[union-attr]
          file=sys.stderr)
    return 0 if report.unexpected_total == 0 and report.late == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
