"""A bounded load on a BoleKG server over loopback: well-behaved clients beside hostile ones.

``make loadtest`` runs four mixes, each against a fresh ``bolekg serve``:

* ``default`` — 50 clients for 60 s browsing (entity pages in HTML and Turtle, searches when the
  server has ``/search``, SPARQL lookups, dumps), one runaway query every 5 s;
* ``runaways`` — 20 clients sending runaway queries back to back, each from an address of its own
  and each query a distinct text (a comment with a counter: no cache can answer it), beside 20
  browsing clients (pages, searches, lookups);
* ``slow-bodies`` — 50 connections that announce a 90 000-byte ``POST /sparql`` body and send one
  byte of it every 2 s, reopened whenever the server cuts them, beside 20 browsing clients;
* ``html`` — 8 clients asking again and again for a 10 000-row answer as an HTML page (varied, so
  that no cache serves it): what the serving process holds while it renders big answers, and
  whether it gives the memory back.

What it checks is the promise of the limits (README "Limits and security"): while runaway queries
are cut at the time limit or refused at once, and slow senders hold connections open, everyone else
is served normally, and the server's memory stays bounded. For each mix it prints, by kind of
request of the well-behaved clients, p50/p95/p99; answers by status; how the runaways and slow
bodies ended; and the server tree's memory (the server and all its descendants — HTTP worker, query
workers, forks for dumps — read from /proc every 0.1 s: baseline, peak, and after a short idle).
The issue's targets are printed beside the figures, pass or miss; they are a benchmark, not a test:
on a shared machine the timings are noisy. The exit status fails only on *unexpected* answers (a
5xx other than the documented 503, a well-behaved client's connection error or timeout, a status
the request cannot get) and, in the ``default`` mix, on a runaway answered later than the limit
plus a second.

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
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bolekg.exit_codes import EXIT_INVALID, EXIT_OK
from bolekg.processes import free_port, stop
from bolekg.query.protocol import FORM
from bolekg.report.vocab import BASE, ID_BASE

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
ENTITIES = ("SELECT DISTINCT ?s WHERE { ?s ?p ?o . FILTER(isIRI(?s) && STRSTARTS(STR(?s), "
            f"\"{ID_BASE}\")) }} ORDER BY ?s")
LOOKUP = "SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}"
#: Quick, but outside the bounded subset (a FILTER), so it is run by a query worker.
WORKER_QUERY = "ASK { ?s ?p ?o FILTER(true) }"
#: The answer of the ``html`` mix: every triple, up to ``rows`` of them (the real data has 10 915).
BIG_ANSWER = "SELECT * WHERE {{ ?s ?p ?o }} LIMIT {rows}"
SEARCH_TERMS = ("博乐", "道路", "water", "road", "school", "bole", "shuili", "改造", "health", "xinjiang")

MIXES = ("default", "runaways", "slow-bodies", "html")


@dataclass(frozen=True)
class MixDefaults:
    """What a mix runs when the command line does not say: well-behaved browsing clients, seconds,
    and their mean think time."""

    clients: int
    duration: float
    think: float = 0.5


MIX_DEFAULTS = {
    "default": MixDefaults(50, 60.0),
    "runaways": MixDefaults(20, 30.0),
    "slow-bodies": MixDefaults(20, 30.0),
    # the 8 clients asking for big answers are the mix; browsing clients can be added with --clients
    "html": MixDefaults(0, 30.0),
}

#: Source addresses of the hostile clients start here (see :func:`client_address`), away from the
#: browsing clients' (``seed`` + n), so that every client of a run has an address of its own.
RUNAWAY_ADDRESSES, SLOW_ADDRESSES, HTML_ADDRESSES = 10_000, 20_000, 30_000

#: A refusal (429, or 503 when every worker and the line of waiting queries are taken) answered in
#: less than this is "at once", as README "Limits and security" promises.
AT_ONCE = 1.0
#: The slow bodies' announced length and the bytes they trickle (a form whose query never ends).
SLOW_BODY_BYTES = 90_000
SLOW_BODY = b"query=" + b"%20" * (SLOW_BODY_BYTES // 3)

#: The issue's targets (benchmark figures, printed as pass/miss, never failing the run).
PAGE_P95_MS = 250.0
LOOKUP_P95_MS = 100.0
#: Share of a kind's requests that may be refused (429/503) for its latency target to count as met:
#: a p95 over the answers alone would look best when most requests are turned away.
REFUSED_SHARE = 0.01
TREE_PEAK_MB = 1536.0
#: Memory the server tree may keep after the load and a short idle, above what it held before: the
#: answer caches (BOLEKG_ANSWER_CACHE_MB, 64 MB and a quarter more by default) plus allocator slack.
RETAINED_MB = 128.0

KIND_LABELS = {
    "page": "page (HTML)",
    "turtle": "page (Turtle)",
    "search": "search",
    "lookup": "simple query",
    "dump": "dump",
    "html": "10 000-row HTML result",
}


@dataclass(frozen=True)
class Request:
    kind: str
    method: str
    path: str
    headers: tuple[tuple[str, str], ...] = ()
    #: Statuses that are a correct answer to this request.
    expected: frozenset[int] = frozenset({200})
    #: A public query (it goes to the query workers), which the documented admission limits may
    #: refuse with 429 or 503 and ``Retry-After`` — counted as refused, not unexpected, outside the
    #: ``default`` mix.
    refusable: bool = False


@dataclass
class Memory:
    """The server tree's memory, in bytes: before the load, its peak, and after the idle time."""

    pid: int
    interval: float
    samples: int = 0
    baseline: dict[str, float] = field(default_factory=dict)
    peak_rss: float = 0.0
    peak_pss: float = 0.0
    peak_processes: int = 0
    final: dict[str, float] = field(default_factory=dict)
    idle_s: float = 0.0
    #: (seconds since the baseline, PSS MB, RSS MB, processes) once a second, for the JSON report.
    timeline: list[tuple[float, float, float, int]] = field(default_factory=list)

    def summary(self) -> dict[str, object]:
        return {
            "pid": self.pid,
            "sampled_every_s": self.interval,
            "samples": self.samples,
            "baseline_mb": self.baseline,
            "peak_mb": {"pss": round(self.peak_pss, 1), "rss": round(self.peak_rss, 1),
                        "processes": self.peak_processes},
            "final_mb": self.final,
            "idle_s": self.idle_s,
            "retained_mb": round(self.final.get("pss", 0.0) - self.baseline.get("pss", 0.0), 1),
            "timeline": [list(point) for point in self.timeline],
        }


@dataclass
class Report:
    """What happened: counts by kind and status, latencies of the normal requests, the hostile ones."""

    mix: str = "default"
    duration: float = 0.0
    clients: int = 0
    timeout: float = 10.0
    served: int = 0
    statuses: Counter = field(default_factory=Counter)
    unexpected: Counter = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    #: Answers to the well-behaved clients, by kind and status.
    kind_statuses: dict[str, Counter] = field(default_factory=dict)
    #: Well-behaved public queries refused by the admission limits (429/503 with Retry-After), by kind.
    refused: Counter = field(default_factory=Counter)
    runaways: list[tuple[int, float]] = field(default_factory=list)
    runaway_clients: int = 0
    #: How each runaway ended: "503 cut within limit+1 s", "429 at once", "503 at once", "late", …
    runaway_outcomes: Counter = field(default_factory=Counter)
    #: Runaways answered later than the limit + 1 s (a timing, kept apart from the errors).
    late: int = 0
    slow_connections: int = 0
    slow_opened: int = 0
    #: How each slow-body connection ended: "408", "closed", "other 400", "open at end", …
    slow_endings: Counter = field(default_factory=Counter)
    #: Seconds each cut slow-body connection had been open.
    slow_held: list[float] = field(default_factory=list)
    html_clients: int = 0
    memory: Memory | None = None
    failures: list[str] = field(default_factory=list)

    @property
    def unexpected_total(self) -> int:
        return sum(self.unexpected.values())

    @property
    def failed(self) -> bool:
        """What makes the run fail (the exit status): unexpected answers; in the ``default`` mix, as
        before the other mixes existed, also a runaway answered late."""
        return self.unexpected_total > 0 or (self.mix == "default" and self.late > 0)

    def targets(self) -> list[dict[str, object]]:
        """The issue's targets for this mix: name, measured value, limit and pass/miss."""
        out: list[dict[str, object]] = []
        if self.mix != "html":
            for kind, limit in (("page", PAGE_P95_MS), ("lookup", LOOKUP_P95_MS)):
                figures = _percentiles(self.by_kind.get(kind, []))
                answered = sum(self.kind_statuses.get(kind, Counter()).values())
                refused = self.refused[kind] / answered if answered else 0.0
                p95 = figures.get("p95")
                out.append({"target": f"{KIND_LABELS[kind]} p95 < {limit:g} ms", "value_ms": p95,
                            "refused_share": round(refused, 3),
                            "pass": p95 is not None and p95 < limit and refused < REFUSED_SHARE})
        if self.mix == "runaways" or (self.mix == "default" and self.runaways):
            wrong = sum(n for outcome, n in self.runaway_outcomes.items() if not _runaway_ok(outcome))
            out.append({"target": "every runaway answered within the limit + 1 s or refused at once with 429/503",
                        "late": self.late, "other": wrong - self.late, "pass": wrong == 0})
        if self.memory is not None and self.memory.samples:
            peak = self.memory.peak_pss or self.memory.peak_rss
            out.append({"target": f"server tree peak < {TREE_PEAK_MB:g} MB (PSS)", "value_mb": round(peak, 1),
                        "pass": peak < TREE_PEAK_MB})
            if self.mix == "html":
                retained = self.memory.final.get("pss", 0.0) - self.memory.baseline.get("pss", 0.0)
                out.append({"target": f"memory given back: at most {RETAINED_MB:g} MB more than before the load, "
                                      f"after {self.memory.idle_s:g} s idle",
                            "value_mb": round(retained, 1), "pass": retained <= RETAINED_MB})
        return out

    def summary(self) -> dict[str, object]:
        out: dict[str, object] = {
            "mix": self.mix,
            "clients": self.clients,
            "duration_s": round(self.duration, 1),
            "requests_served": self.served,
            "throughput_rps": round(self.served / self.duration, 1) if self.duration else 0,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "unexpected": {str(k): v for k, v in sorted(self.unexpected.items())},
            "normal_latency_ms": _percentiles(self.latencies),
            "by_kind_ms": {kind: _percentiles(values) for kind, values in sorted(self.by_kind.items())},
            "by_kind_statuses": {kind: {str(k): v for k, v in sorted(counts.items())}
                                 for kind, counts in sorted(self.kind_statuses.items())},
            "refused_by_kind": dict(sorted(self.refused.items())),
            "runaways": {"clients": self.runaway_clients,
                         "sent": len(self.runaways),
                         "statuses": dict(Counter(str(s) for s, _ in self.runaways)),
                         "outcomes": dict(sorted(self.runaway_outcomes.items())),
                         "max_s": round(max((t for _, t in self.runaways), default=0.0), 2),
                         "later_than_limit_plus_1s": self.late},
            "slow_bodies": {"connections": self.slow_connections, "opened": self.slow_opened,
                            "endings": dict(sorted(self.slow_endings.items())),
                            "held_s": _percentiles(self.slow_held, scale=1.0)},
            "html_clients": self.html_clients,
            "memory": self.memory.summary() if self.memory is not None else None,
            "targets": self.targets(),
            "failures": self.failures[:20],
        }
        return out


def _percentiles(values: list[float], scale: float = 1000.0) -> dict[str, float]:
    """p50/p95/p99/max of ``values`` (seconds), in milliseconds unless ``scale`` says otherwise."""
    if not values:
        return {"n": 0}
    ordered = sorted(values)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * scale, 1)

    return {"n": len(ordered), "p50": at(0.50), "p95": at(0.95), "p99": at(0.99), "max": at(1.0)}


def _runaway_ok(outcome: str) -> bool:
    return outcome.endswith(("at once", "within limit+1 s"))


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
        #: The headers of the last answer (lower-case names).
        self.headers: dict[str, str] = {}

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
        self.headers = headers
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


def build_mix(root: str, dumps: bool = True) -> list[Request]:
    """Requests drawn from what this server holds: its entities, its routes, its dumps (``dumps``)."""
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
        mix.append(Request("lookup", "GET", f"/sparql?{query}", (("Accept", "application/sparql-results+json"),),
                           refusable=True))
    if _get(f"{root}/search?q=bole", "text/html")[0] == 200:
        for term in SEARCH_TERMS:
            query = urllib.parse.urlencode({"q": term})
            mix.append(Request("search", "GET", f"/search?{query}", html))
            mix.append(Request("search", "GET", f"/search?{query}&format=json", (("Accept", "application/json"),)))
    for path in ("/", "/.well-known/void"):
        mix.append(Request("page", "GET", path, html))
    if dumps:
        for name in ("bolekg.ttl", "bolekg.nt", "observations.csv"):
            mix.append(Request("dump", "GET", f"/dumps/{name}", expected=frozenset({200, 304})))
    return mix


def big_answer(rows: int, tag: str) -> Request:
    """A ``rows``-row answer as an HTML page; ``tag`` (in a comment) makes the text new to every cache."""
    query = BIG_ANSWER.format(rows=rows) + f"\n# {tag}"
    params = urllib.parse.urlencode({"query": query, "format": "html"})
    return Request("html", "GET", f"/sparql?{params}", (("Accept", "text/html"),), refusable=True)


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


def _documented_refusal(status: int, headers: dict[str, str]) -> bool:
    """A 429 or 503 with ``Retry-After``: the admission limits' answer (README "Limits and security")."""
    return status in (429, 503) and "retry-after" in headers


async def _client(host: str, port: int, choose: Callable[[random.Random], Request], until: float, think: float,
                  report: Report, seed: int, address: int | None = None) -> None:
    """A well-behaved client: one request at a time on its own connection, a pause between two."""
    rng = random.Random(seed)
    connection = Connection(host, port, client_address(host, seed if address is None else address))
    refusals = report.mix != "default"
    try:
        while time.monotonic() < until:
            request = choose(rng)
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
            report.kind_statuses.setdefault(request.kind, Counter())[status] += 1
            if status in request.expected:
                report.latencies.append(elapsed)
                report.by_kind.setdefault(request.kind, []).append(elapsed)
            elif refusals and request.refusable and _documented_refusal(status, connection.headers):
                report.refused[request.kind] += 1
            else:
                report.unexpected[status] += 1
                report.failures.append(f"{request.kind} {request.path[:80]}: {status}")
            if think:
                await asyncio.sleep(rng.uniform(0, 2 * think))
    finally:
        await connection.close()


def _runaway_request(number: int, sent: int) -> tuple[Request, bytes]:
    body = urllib.parse.urlencode({"query": f"{RUNAWAY}\n# runaway {number}-{sent}"}).encode()
    request = Request("runaway", "POST", "/sparql", (("Content-Type", FORM),
                                                     ("Accept", "application/sparql-results+json")),
                      expected=frozenset({503}))
    return request, body


def _runaway_ended(report: Report, status: int, elapsed: float, timeout: float, refusals: bool) -> str:
    """Record one runaway's answer; the outcome it counts under."""
    report.runaways.append((status, elapsed))
    report.served += 1
    report.statuses[status] += 1
    if status not in (429, 503):
        outcome = f"other {status}"
    elif elapsed <= AT_ONCE:
        outcome = f"{status} at once"
    elif elapsed > timeout + 1:
        outcome = "late"
    else:
        outcome = f"{status} {'cut ' if status == 503 else ''}within limit+1 s"
    report.runaway_outcomes[outcome] += 1
    if status != 503 and not (refusals and status == 429):
        report.unexpected[f"runaway {status}"] += 1
        report.failures.append(f"runaway answered {status}")
    elif outcome == "late":
        report.late += 1
        report.failures.append(f"runaway answered after {elapsed:.1f} s (limit {timeout} s + 1 s)")
    return outcome


async def _runaways(host: str, port: int, every: float, until: float, timeout: float, report: Report) -> None:
    """The ``default`` mix's runaways: one every ``every`` seconds, each from a client of its own."""
    tasks = []
    sent = 0

    async def one(number: int) -> None:
        # each runaway from a client of its own: the limit under test here is the time limit
        connection = Connection(host, port, client_address(host, RUNAWAY_ADDRESSES + number))
        request, body = _runaway_request(0, number)
        started = time.monotonic()
        try:
            status, _ = await connection.request(request, body, timeout=timeout + 30)
        except (TimeoutError, OSError) as error:
            report.runaway_outcomes[f"error {type(error).__name__}"] += 1
            report.unexpected[f"runaway {type(error).__name__}"] += 1
            report.failures.append(f"runaway: {type(error).__name__}")
            return
        finally:
            await connection.close()
        _runaway_ended(report, status, time.monotonic() - started, timeout, refusals=False)

    while time.monotonic() < until:
        tasks.append(asyncio.ensure_future(one(sent)))
        sent += 1
        await asyncio.sleep(every)
    await asyncio.gather(*tasks)


async def _runaway_client(host: str, port: int, number: int, until: float, timeout: float, pause: float,
                          report: Report) -> None:
    """A hostile client of the ``runaways`` mix: a new runaway as soon as the last one is answered
    (after ``pause`` when it was refused at once, so that 20 of them do not spin on the refusals)."""
    connection = Connection(host, port, client_address(host, RUNAWAY_ADDRESSES + number))
    sent = 0
    try:
        while time.monotonic() < until:
            request, body = _runaway_request(number, sent)
            sent += 1
            started = time.monotonic()
            try:
                status, _ = await connection.request(request, body, timeout=timeout + 30)
            except (TimeoutError, OSError, ValueError) as error:
                report.runaway_outcomes[f"error {type(error).__name__}"] += 1
                report.unexpected[f"runaway {type(error).__name__}"] += 1
                report.failures.append(f"runaway {number}-{sent}: {type(error).__name__} {error}")
                await connection.close()
                await asyncio.sleep(pause)
                continue
            outcome = _runaway_ended(report, status, time.monotonic() - started, timeout, refusals=True)
            if outcome.endswith("at once"):
                await asyncio.sleep(pause)
    finally:
        await connection.close()


async def _slow_body(host: str, port: int, number: int, until: float, interval: float, report: Report) -> None:
    """A connection that announces a big ``POST /sparql`` body and sends one byte of it every
    ``interval`` seconds; reopened whenever the server cuts it. Counts how each one ended."""
    source = client_address(host, SLOW_ADDRESSES + number)
    head = (f"POST /sparql HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: {FORM}\r\n"
            f"Accept: application/sparql-results+json\r\nContent-Length: {SLOW_BODY_BYTES}\r\n\r\n").encode()
    while time.monotonic() < until:
        opened = time.monotonic()
        try:
            reader, writer = await asyncio.open_connection(host, port, local_addr=(source, 0) if source else None)
        except OSError as error:
            report.slow_endings[f"connect {type(error).__name__}"] += 1
            await asyncio.sleep(interval)
            continue
        report.slow_opened += 1
        ending: str | None = None
        sent = 0
        try:
            writer.write(head)
            await writer.drain()
            while ending is None:
                remaining = until - time.monotonic()
                if remaining <= 0:
                    ending = "open at end"
                    break
                try:
                    line = await asyncio.wait_for(reader.readline(), min(interval, remaining))
                except TimeoutError:
                    if time.monotonic() < until:
                        writer.write(SLOW_BODY[sent:sent + 1])
                        sent += 1
                        await writer.drain()
                    continue
                parts = line.split()
                if not line:
                    ending = "closed"
                elif len(parts) >= 2 and parts[0].startswith(b"HTTP/") and parts[1].isdigit():
                    ending = parts[1].decode() if parts[1] == b"408" else f"other {parts[1].decode()}"
                else:
                    ending = "other (not HTTP)"
        except (ConnectionError, OSError):
            ending = "closed"
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
        report.slow_endings[ending] += 1
        if ending != "open at end":
            report.slow_held.append(time.monotonic() - opened)
        if ending.startswith("other 5") and ending != "other 503":
            report.unexpected[f"slow body {ending.removeprefix('other ')}"] += 1
            report.failures.append(f"slow body answered {ending}")


# --- the server tree's memory ------------------------------------------------------------------------


def tree_pids(root: int) -> list[int]:
    """``root`` and all its descendants, found through the parent PIDs in /proc/*/stat (the
    ``children`` files of /proc need a kernel option that is often off)."""
    children: dict[int, list[int]] = {}
    with contextlib.suppress(OSError):
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as stat:
                    fields = stat.read().rpartition(b")")[2].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found: list[int] = []
    todo = [root] if os.path.exists(f"/proc/{root}") else []
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, ()))
    return found


_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _rss(pid: int) -> int:
    with open(f"/proc/{pid}/statm", "rb") as statm:
        return int(statm.read().split()[1]) * _PAGE


def _pss(pid: int) -> int:
    with open(f"/proc/{pid}/smaps_rollup", "rb") as rollup:
        for line in rollup:
            if line.startswith(b"Pss:"):
                return int(line.split()[1]) * 1024
    return 0


def tree_memory(root: int, pss: bool = True) -> dict[str, float]:
    """The tree's resident (RSS, shared pages counted in every process) and proportional (PSS, shared
    pages divided among their sharers: what the tree really takes) memory in MB, and its processes."""
    rss_total = pss_total = 0
    pids = tree_pids(root)
    for pid in pids:
        with contextlib.suppress(OSError, ValueError, IndexError):
            rss_total += _rss(pid)
            if pss:
                pss_total += _pss(pid)
    out = {"rss": round(rss_total / 2**20, 1), "processes": len(pids)}
    if pss:
        out["pss"] = round(pss_total / 2**20, 1)
    return out


class TreeSampler:
    """Samples the memory of a server tree on a thread of its own while the load runs.

    RSS every ``interval`` seconds (cheap: /proc/PID/statm); PSS once a second, since reading
    ``smaps_rollup`` walks the page tables — about 6 ms per process at a million triples — and on a
    shared 2-core machine that would be load of its own."""

    def __init__(self, pid: int, interval: float = 0.1, pss_every: float = 1.0):
        self.memory = Memory(pid, interval)
        self.pss_every = pss_every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bolekg-loadtest-memory", daemon=True)
        self._started = 0.0

    def start(self) -> None:
        baseline = self.memory.baseline = tree_memory(self.memory.pid)
        self.memory.peak_rss, self.memory.peak_pss = baseline["rss"], baseline.get("pss", 0.0)
        self.memory.peak_processes = int(baseline["processes"])
        self._started = time.monotonic()
        self._thread.start()

    def _run(self) -> None:
        memory = self.memory
        next_pss = 0.0
        while not self._stop.wait(memory.interval):
            now = time.monotonic()
            with_pss = now >= next_pss
            sample = tree_memory(memory.pid, pss=with_pss)
            memory.samples += 1
            memory.peak_rss = max(memory.peak_rss, sample["rss"])
            memory.peak_processes = max(memory.peak_processes, int(sample["processes"]))
            if with_pss:
                next_pss = now + self.pss_every
                memory.peak_pss = max(memory.peak_pss, sample["pss"])
                memory.timeline.append((round(now - self._started, 1), sample["pss"], sample["rss"],
                                        int(sample["processes"])))

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def finish(self, idle: float) -> Memory:
        """Keep sampling through ``idle`` seconds without load, then stop and take the final figures."""
        time.sleep(idle)
        self.stop()
        self.memory.idle_s = idle
        self.memory.final = tree_memory(self.memory.pid)
        self.memory.peak_pss = max(self.memory.peak_pss, self.memory.final.get("pss", 0.0))
        self.memory.peak_rss = max(self.memory.peak_rss, self.memory.final["rss"])
        return self.memory


# --- running a mix -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hostile:
    """The sizes of a mix's hostile side (each used by its own mix only)."""

    runaway_clients: int = 20
    runaway_pause: float = 0.2
    slow_bodies: int = 50
    slow_interval: float = 2.0
    html_clients: int = 8
    html_rows: int = 10_000


async def _run(root: str, mix: str, clients: int, duration: float, runaway_every: float | None, timeout: float,
               think: float, seed: int, hostile: Hostile, sampler: TreeSampler | None) -> Report:
    host, port = _loopback(root)
    loop = asyncio.get_running_loop()
    requests = await loop.run_in_executor(None, build_mix, root, mix == "default") if clients else []
    # one query that needs a worker starts the query workers (a lookup or ASK {} is answered in the
    # server's own process, bolekg.query.bounded): they belong to the tree before the load as well
    await loop.run_in_executor(None, _get, f"{root}/sparql?{urllib.parse.urlencode({'query': WORKER_QUERY})}",
                               "application/sparql-results+json")
    if sampler is not None:
        # the baseline after the requests that built the mix: the query workers are up and the
        # server has served pages, as it has before any load worth measuring
        await loop.run_in_executor(None, sampler.start)
    report = Report(mix=mix, clients=clients, timeout=timeout)
    started = time.monotonic()
    until = started + duration
    jobs = [_client(host, port, lambda rng: rng.choice(requests), until, think, report, seed + n)
            for n in range(clients)]
    if mix == "default" and runaway_every:
        jobs.append(_runaways(host, port, runaway_every, until, timeout, report))
    elif mix == "runaways":
        report.runaway_clients = hostile.runaway_clients
        jobs += [_runaway_client(host, port, n, until, timeout, hostile.runaway_pause, report)
                 for n in range(hostile.runaway_clients)]
    elif mix == "slow-bodies":
        report.slow_connections = hostile.slow_bodies
        jobs += [_slow_body(host, port, n, until, hostile.slow_interval, report) for n in range(hostile.slow_bodies)]
    elif mix == "html":
        report.html_clients = hostile.html_clients
        for n in range(hostile.html_clients):
            counter = iter(range(10**9))

            def choose(_rng: random.Random, n: int = n, counter: Iterator[int] = counter) -> Request:
                return big_answer(hostile.html_rows, f"{seed}-{n}-{next(counter)}")

            jobs.append(_client(host, port, choose, until, think, report, seed + n, HTML_ADDRESSES + n))
    elif mix != "default":
        raise ValueError(f"unknown mix {mix!r}; one of {', '.join(MIXES)}")
    await asyncio.gather(*jobs)
    report.duration = time.monotonic() - started
    return report


def run_load(root: str, clients: int = 50, duration: float = 60.0, runaway_every: float | None = 5.0,
             timeout: float = 10.0, think: float = 0.5, seed: int = 1, *, mix: str = "default",
             hostile: Hostile | None = None, pid: int | None = None, idle: float = 5.0,
             sample_every: float = 0.1) -> Report:
    """Drive the server at ``root`` (loopback only) with ``mix`` and report; ``timeout`` is the
    server's query limit, ``pid`` the server's process, whose tree's memory is sampled (and measured
    again after ``idle`` seconds without load) when given. ``runaway_every`` is the ``default`` mix's."""
    if mix not in MIXES:
        raise ValueError(f"unknown mix {mix!r}; one of {', '.join(MIXES)}")
    sampler = TreeSampler(pid, sample_every) if pid is not None else None
    try:
        report = asyncio.run(_run(root, mix, clients, duration, runaway_every, timeout, think, seed,
                                  hostile or Hostile(), sampler))
    except BaseException:
        if sampler is not None:
            sampler.stop()
        raise
    if sampler is not None:
        report.memory = sampler.finish(idle)
    return report


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


# --- the printed report ------------------------------------------------------------------------------


def render_text(report: Report) -> str:
    """The report for people: one block per mix, figures first, targets beside them."""
    summary = report.summary()
    lines = [f"== mix {report.mix}: {report.clients} browsing clients"
             + (f", {report.runaway_clients} runaway clients" if report.runaway_clients else "")
             + (f", {report.slow_connections} slow-body connections" if report.slow_connections else "")
             + (f", {report.html_clients} clients asking for big HTML answers" if report.html_clients else "")
             + f", {report.duration:.0f} s, query limit {report.timeout:g} s",
             f"requests answered: {report.served} ({summary['throughput_rps']}/s); by status: "
             + (", ".join(f"{k}: {v}" for k, v in sorted(report.statuses.items())) or "none")]
    lines.append("well-behaved clients, by kind    answers  refused    p50     p95     p99     max  (ms)")
    for kind in sorted(report.kind_statuses, key=lambda k: list(KIND_LABELS).index(k) if k in KIND_LABELS else 99):
        figures = _percentiles(report.by_kind.get(kind, []))
        answered = sum(report.kind_statuses[kind].values())
        cells = "".join(f"{figures.get(q, '-')!s:>8}" for q in ("p50", "p95", "p99", "max"))
        lines.append(f"  {KIND_LABELS.get(kind, kind):<30}{answered:>8}{report.refused[kind]:>9}{cells}")
        other = {k: v for k, v in report.kind_statuses[kind].items() if k != 200}
        if other:
            lines.append("      not 200: " + ", ".join(f"{k}: {v}" for k, v in sorted(other.items())))
    if report.runaways or report.runaway_outcomes:
        slowest = max((t for _, t in report.runaways), default=0.0)
        lines.append(f"runaways: {len(report.runaways)} answered; "
                     + ", ".join(f"{k}: {v}" for k, v in sorted(report.runaway_outcomes.items()))
                     + f"; slowest {slowest:.2f} s (limit + 1 s = {report.timeout + 1:g} s)")
    if report.slow_connections:
        held = _percentiles(report.slow_held, scale=1.0)
        lines.append(f"slow bodies: {report.slow_connections} connections, {report.slow_opened} opened; ended: "
                     + ", ".join(f"{k}: {v}" for k, v in sorted(report.slow_endings.items()))
                     + (f"; held p50/p95/max {held['p50']}/{held['p95']}/{held['max']} s" if held["n"] else ""))
    memory = report.memory
    if memory is None:
        lines.append("server tree memory: not measured (give --pid with --url)")
    else:
        def figures(sample: dict[str, float]) -> str:
            return (f"{sample.get('pss', '?')} MB PSS / {sample.get('rss', '?')} MB RSS "
                    f"({sample.get('processes')} processes)")

        lines.append(f"server tree memory (PID {memory.pid} and descendants, RSS every {memory.interval:g} s, "
                     f"PSS every 1 s, {memory.samples} samples): before {figures(memory.baseline)}; "
                     f"peak {memory.peak_pss} MB PSS / {memory.peak_rss} MB RSS ({memory.peak_processes} processes); "
                     f"after {memory.idle_s:g} s idle {figures(memory.final)}")
    lines.append("targets (benchmark, not asserted):")
    for target in report.targets():
        value = {k: v for k, v in target.items() if k not in ("target", "pass")}
        lines.append(f"  {'pass' if target['pass'] else 'MISS'}  {target['target']}: "
                     + ", ".join(f"{k} {v}" for k, v in value.items()))
    lines.append(f"unexpected: {report.unexpected_total}"
                 + (" (" + ", ".join(f"{k}: {v}" for k, v in report.unexpected.items()) + ")" if report.unexpected
                    else "")
                 + f" -> {'FAIL' if report.failed else 'ok'}")
    for failure in report.failures[:10]:
        lines.append(f"  {failure}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bolekg.loadtest", description=__doc__.splitlines()[0])
    parser.add_argument("--mix", choices=MIXES, default="default",
                        help="default: browsing + a runaway every few seconds; runaways: 20 runaway clients "
                             "beside 20 browsing ones; slow-bodies: 50 slow POST bodies beside 20 browsing "
                             "clients; html: 8 clients asking for 10 000-row HTML answers")
    parser.add_argument("--url", help="a running server (loopback only); default: spawn `bolekg serve`")
    parser.add_argument("--pid", type=int, help="with --url: the server's PID, whose process tree's memory is sampled")
    parser.add_argument("--clients", type=int, help="browsing clients (default: 50; 20 in runaways and slow-bodies; "
                                                    "0 in html)")
    parser.add_argument("--duration", type=float, help="seconds (default 60; 30 for the other mixes)")
    parser.add_argument("--runaway-every", type=float, default=5.0,
                        help="default mix: seconds between runaway queries; 0: none")
    parser.add_argument("--runaway-clients", type=int, default=20, help="runaways mix: clients sending runaways")
    parser.add_argument("--slow-bodies", type=int, default=50, help="slow-bodies mix: connections")
    parser.add_argument("--slow-interval", type=float, default=2.0,
                        help="slow-bodies mix: seconds between two bytes of a body")
    parser.add_argument("--html-clients", type=int, default=8, help="html mix: clients asking for big HTML answers")
    parser.add_argument("--html-rows", type=int, default=10_000, help="html mix: rows of the answer asked for")
    parser.add_argument("--timeout", type=float, default=10.0,
                        help="the server's query time limit (BOLEKG_QUERY_TIMEOUT for a spawned server)")
    parser.add_argument("--think", type=float,
                        help="mean pause of a client between two requests, seconds (uniform in 0..2×think; "
                             "default 0.5)")
    parser.add_argument("--idle", type=float, default=5.0,
                        help="seconds without load before the server tree's final memory is read")
    parser.add_argument("--threads", type=int, default=8, help="request threads of a spawned server")
    parser.add_argument("--json", type=Path, help="also write the report as JSON here")
    args = parser.parse_args(argv)
    defaults = MIX_DEFAULTS[args.mix]
    clients = defaults.clients if args.clients is None else args.clients
    duration = defaults.duration if args.duration is None else args.duration
    think = defaults.think if args.think is None else args.think
    hostile = Hostile(runaway_clients=args.runaway_clients, slow_bodies=args.slow_bodies,
                      slow_interval=args.slow_interval, html_clients=args.html_clients, html_rows=args.html_rows)

    def drive(root: str, pid: int | None) -> Report:
        return run_load(root, clients, duration, args.runaway_every or None, args.timeout, think, mix=args.mix,
                        hostile=hostile, pid=pid, idle=args.idle)

    if args.url:
        report = drive(args.url.rstrip("/"), args.pid)
    else:
        with spawned_server({"BOLEKG_QUERY_TIMEOUT": str(args.timeout)}, threads=args.threads) as (root, process):
            report = drive(root, process.pid)
    print(render_text(report), flush=True)
    if args.json:
        args.json.write_text(json.dumps(report.summary(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return EXIT_INVALID if report.failed else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
