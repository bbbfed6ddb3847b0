"""The hostile side of a load: runaway queries, slow request bodies and big HTML answers.

* runaways — a query whose evaluation never ends in time (an aggregate over a cartesian product),
  each a distinct text so that no cache can answer it: the server must cut it at its time limit
  with 503, or refuse it at once with 429/503 and ``Retry-After``;
* slow bodies — a connection that announces a big ``POST /sparql`` body and sends one byte of it
  every few seconds: the server must cut it (408) without a thread waiting on it;
* big HTML answers — a 10 000-row answer asked for as an HTML page, each time a new text: what the
  serving process holds while it renders, and whether it gives the memory back.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
import urllib.parse
from dataclasses import dataclass

from bolekg.query.protocol import FORM

from .connection import HTML_ADDRESSES, RUNAWAY_ADDRESSES, SLOW_ADDRESSES, Connection, Request, client_address
from .mix import browsing_client
from .report import Report

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
#: The answer of the ``html`` mix: every triple, up to ``rows`` of them (the real data has 10 915).
BIG_ANSWER = "SELECT * WHERE {{ ?s ?p ?o }} LIMIT {rows}"

#: A refusal (429, or 503 when every worker and the line of waiting queries are taken) answered in
#: less than this is "at once", as README "Limits and security" promises.
AT_ONCE = 1.0
#: The slow bodies' announced length and the bytes they trickle (a form whose query never ends).
SLOW_BODY_BYTES = 90_000
SLOW_BODY = b"query=" + b"%20" * (SLOW_BODY_BYTES // 3)


@dataclass(frozen=True)
class Hostile:
    """The sizes of a mix's hostile side (each used by its own mix only)."""

    runaway_clients: int = 20
    runaway_pause: float = 0.2
    slow_bodies: int = 50
    slow_interval: float = 2.0
    html_clients: int = 8
    html_rows: int = 10_000


def big_answer(rows: int, tag: str) -> Request:
    """A ``rows``-row answer as an HTML page; ``tag`` (in a comment) makes the text new to every cache."""
    query = BIG_ANSWER.format(rows=rows) + f"\n# {tag}"
    params = urllib.parse.urlencode({"query": query, "format": "html"})
    return Request("html", "GET", f"/sparql?{params}", (("Accept", "text/html"),), refusable=True)


async def big_html_client(host: str, port: int, number: int, until: float, think: float, rows: int, seed: int,
                          report: Report) -> None:
    """A client of the ``html`` mix: a browsing client whose every request is a new ``rows``-row
    answer as an HTML page."""
    counter = iter(range(10**9))

    def choose(_rng: random.Random) -> Request:
        return big_answer(rows, f"{seed}-{number}-{next(counter)}")

    await browsing_client(host, port, choose, until, think, report, seed + number, HTML_ADDRESSES + number)


def runaway_request(number: int, sent: int) -> tuple[Request, bytes]:
    """Runaway ``sent`` of client ``number``: a ``POST /sparql`` form whose text no cache has seen."""
    body = urllib.parse.urlencode({"query": f"{RUNAWAY}\n# runaway {number}-{sent}"}).encode()
    request = Request("runaway", "POST", "/sparql", (("Content-Type", FORM),
                                                     ("Accept", "application/sparql-results+json")),
                      expected=frozenset({503}))
    return request, body


def runaway_ended(report: Report, status: int, elapsed: float, timeout: float, refusals: bool) -> str:
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


async def runaway_stream(host: str, port: int, every: float, until: float, timeout: float, report: Report) -> None:
    """The ``default`` mix's runaways: one every ``every`` seconds, each from a client of its own."""
    tasks = []
    sent = 0

    async def one(number: int) -> None:
        # each runaway from a client of its own: the limit under test here is the time limit
        connection = Connection(host, port, client_address(host, RUNAWAY_ADDRESSES + number))
        request, body = runaway_request(0, number)
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
        runaway_ended(report, status, time.monotonic() - started, timeout, refusals=False)

    while time.monotonic() < until:
        tasks.append(asyncio.ensure_future(one(sent)))
        sent += 1
        await asyncio.sleep(every)
    await asyncio.gather(*tasks)


async def runaway_client(host: str, port: int, number: int, until: float, timeout: float, pause: float,
                          report: Report) -> None:
    """A hostile client of the ``runaways`` mix: a new runaway as soon as the last one is answered
    (after ``pause`` when it was refused at once, so that 20 of them do not spin on the refusals)."""
    connection = Connection(host, port, client_address(host, RUNAWAY_ADDRESSES + number))
    sent = 0
    try:
        while time.monotonic() < until:
            request, body = runaway_request(number, sent)
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
            outcome = runaway_ended(report, status, time.monotonic() - started, timeout, refusals=True)
            if outcome.endswith("at once"):
                await asyncio.sleep(pause)
    finally:
        await connection.close()


async def slow_body(host: str, port: int, number: int, until: float, interval: float, report: Report) -> None:
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

