"""The well-behaved side of a load: the mixes, the requests drawn from what the server holds, and
the browsing client that sends them one at a time with a pause between two.
"""

from __future__ import annotations

import asyncio
import random
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from bolekg.report.vocab import BASE, ID_BASE

from .connection import Connection, Request, client_address
from .report import Report

ENTITIES = ("SELECT DISTINCT ?s WHERE { ?s ?p ?o . FILTER(isIRI(?s) && STRSTARTS(STR(?s), "
            f"\"{ID_BASE}\")) }} ORDER BY ?s")
LOOKUP = "SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}"
#: Quick, but outside the bounded subset (a FILTER), so it is run by a query worker.
WORKER_QUERY = "ASK { ?s ?p ?o FILTER(true) }"
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


def fetch(url: str, accept: str) -> tuple[int, bytes]:
    """A plain GET with ``urllib`` (for what a run needs before the load: the mix, the warm-up)."""
    request = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


def build_mix(root: str, dumps: bool = True) -> list[Request]:
    """Requests drawn from what this server holds: its entities, its routes, its dumps (``dumps``)."""
    status, body = fetch(f"{root}/sparql?" + urllib.parse.urlencode({"query": ENTITIES}), "text/tab-separated-values")
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
    if fetch(f"{root}/search?q=bole", "text/html")[0] == 200:
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


def _documented_refusal(status: int, headers: dict[str, str]) -> bool:
    """A 429 or 503 with ``Retry-After``: the admission limits' answer (README "Limits and security")."""
    return status in (429, 503) and "retry-after" in headers


async def browsing_client(host: str, port: int, choose: Callable[[random.Random], Request], until: float,
                          think: float, report: Report, seed: int, address: int | None = None) -> None:
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

