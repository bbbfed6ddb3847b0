"""Admission of public queries (:mod:`bolekg.query.admission`), over real HTTP: a client over its share of
the endpoint gets 429 at once while other clients are served, a full line for the workers is a 503
at once, and a client past its query time for the window gets 429 until the window frees up.

Clients are told apart by their address: the whole of 127.0.0.0/8 is loopback on Linux, so a client
socket bound to 127.0.0.2 is another client of the same server."""

from __future__ import annotations

import http.client
import threading
import urllib.parse
from collections.abc import Callable

import pytest
from rdflib import Dataset

import ld_support
from bolekg.errors import QueueFull, TooManyRequests
from bolekg.query.admission import Admission, client_address
from bolekg.settings import Limits
from hardening_support import IN_A_WORKER, RUNAWAY, limited_site, wait_for
from ld_support import Reply

JSON_RESULTS = "application/sparql-results+json"


def ask(root: str, source: str, query: str, accept: str = JSON_RESULTS, method: str = "GET") -> Reply:
    """One query to ``root`` from the loopback address ``source``; every answer is a reply."""
    host, port = root.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60, source_address=(source, 0))
    try:
        if method == "GET":
            conn.request("GET", "/sparql?" + urllib.parse.urlencode({"query": query}), headers={"Accept": accept})
        else:
            conn.request("POST", "/sparql", body=urllib.parse.urlencode({"query": query}).encode(),
                         headers={"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"})
        response = conn.getresponse()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    finally:
        conn.close()


class Runaways:
    """Runaway queries, each a different string, sent from the given addresses in threads."""

    def __init__(self, root: str, sources: list[str]):
        self.replies: dict[int, Reply] = {}
        self.threads = [threading.Thread(target=self._send, args=(root, source, n))
                        for n, source in enumerate(sources)]
        for thread in self.threads:
            thread.start()

    def _send(self, root: str, source: str, n: int) -> None:
        self.replies[n] = ask(root, source, f"{RUNAWAY} LIMIT {n + 1}")

    def running(self) -> bool:
        """None of them has been answered yet."""
        return not self.replies and all(thread.is_alive() for thread in self.threads)

    def join(self) -> None:
        for thread in self.threads:
            thread.join(timeout=120)
        assert not any(thread.is_alive() for thread in self.threads)


def retry_after(reply: Reply) -> int:
    value = reply.header("Retry-After")
    assert value.isdigit() and int(value) >= 1, reply.headers
    return int(value)


def in_flight(site: ld_support.Site, client: str | None = None) -> Callable[[], int]:
    admission = site.app.extensions["bolekg"].queries.admission
    return lambda: admission.in_flight(client)


# --- over HTTP --------------------------------------------------------------------------------------


def test_a_client_over_its_share_gets_429_while_another_client_is_answered(real_dataset: Dataset) -> None:
    limits = Limits(timeout=3.0, client_queries=2)
    with limited_site("embedded", None, real_dataset, limits, workers=3) as site:
        runaways = Runaways(site.root, ["127.0.0.1", "127.0.0.1"])
        try:
            assert wait_for(lambda: in_flight(site, "127.0.0.1")() == 2)
            over = ask(site.root, "127.0.0.1", "ASK {}")  # the plain-WSGI front
            over_post = ask(site.root, "127.0.0.1", "ASK {}", method="POST")
            over_page = ask(site.root, "127.0.0.1", "ASK {}", accept="text/html")  # the Flask view
            other = ask(site.root, "127.0.0.2", "ASK {}")
            still_running = runaways.running()
        finally:
            runaways.join()
        after = ask(site.root, "127.0.0.1", "ASK {}")
    assert still_running, "the runaways were answered before the other queries: the test proves nothing"
    assert other.status == 200, other.text
    for reply in (over, over_post, over_page):
        assert reply.status == 429, reply.text
        assert "BOLEKG_CLIENT_QUERIES=2" in reply.text and "2 queries running or waiting" in reply.text
        assert reply.header("Content-Type") == "text/plain; charset=utf-8"
        assert retry_after(reply) <= limits.timeout + 2  # the oldest runaway is cut by then
    # both paths answer alike: status, headers (but the date) and body (but the seconds)
    front = {k: v for k, v in over.headers.items() if k not in ("date", "server", "retry-after", "content-length")}
    view = {k: v for k, v in over_page.headers.items() if k not in ("date", "server", "retry-after", "content-length")}
    assert front == view
    assert over.text.split("Try again")[0] == over_page.text.split("Try again")[0]
    assert sorted(reply.status for reply in runaways.replies.values()) == [503, 503]
    assert after.status == 200, "the client's share comes back when its queries end"


def test_a_full_line_for_the_workers_is_503_at_once(real_dataset: Dataset) -> None:
    """2 workers, 1 query may wait: a fourth query that needs a worker is refused while the three
    before it are still in flight, not after waiting for the time limit; a lookup, which needs none
    (bolekg.query.bounded), is answered meanwhile."""
    limits = Limits(timeout=3.0, client_queries=1, query_queue=1)
    with limited_site("embedded", None, real_dataset, limits, workers=2) as site:
        runaways = Runaways(site.root, ["127.0.0.2", "127.0.0.3", "127.0.0.4"])
        try:
            assert wait_for(lambda: in_flight(site)() == 3)
            busy = ask(site.root, "127.0.0.5", IN_A_WORKER)
            busy_page = ask(site.root, "127.0.0.5", IN_A_WORKER, accept="text/html")
            lookup = ask(site.root, "127.0.0.5", "ASK {}")
            answered_at_once = runaways.running()
            # a client at its own share is told so first (BOLEKG_CLIENT_QUERIES=1 honoured), whether
            # its query would take a worker or not
            own = ask(site.root, "127.0.0.2", IN_A_WORKER)
            own_lookup = ask(site.root, "127.0.0.2", "ASK { ?s ?p ?s }")
        finally:
            runaways.join()
        after = ask(site.root, "127.0.0.5", IN_A_WORKER)
    assert answered_at_once, "the 503 came only after the runaways ended: it waited for a worker"
    for reply in (busy, busy_page):
        assert reply.status == 503, reply.text
        assert "BOLEKG_QUERY_QUEUE" in reply.text and "1 queries are already waiting" in reply.text
        assert retry_after(reply) >= 1
    assert busy.text == busy_page.text
    assert lookup.status == 200 and lookup.body == b'{"head":{},"boolean":true}', lookup.text
    for reply in (own, own_lookup):
        assert reply.status == 429 and "BOLEKG_CLIENT_QUERIES=1" in reply.text, reply.text
    assert all(reply.status == 503 for reply in runaways.replies.values())
    assert after.status == 200, after.text


def test_with_no_line_a_query_finding_every_worker_busy_is_refused(real_dataset: Dataset) -> None:
    """``BOLEKG_QUERY_QUEUE=0``: nobody waits for a worker."""
    limits = Limits(timeout=3.0, query_queue=0)
    with limited_site("embedded", None, real_dataset, limits, workers=1) as site:
        runaways = Runaways(site.root, ["127.0.0.2"])
        try:
            assert wait_for(lambda: in_flight(site)() == 1)
            busy = ask(site.root, "127.0.0.3", IN_A_WORKER)
            answered_at_once = runaways.running()
        finally:
            runaways.join()
    assert answered_at_once
    assert busy.status == 503 and "0 queries are already waiting" in busy.text, busy.text


def test_a_client_past_its_query_time_gets_429_until_the_window_frees_up(real_dataset: Dataset) -> None:
    limits = Limits(timeout=1.0, client_query_seconds=0.5)
    with limited_site("embedded", None, real_dataset, limits, workers=1) as site:
        spent = ask(site.root, "127.0.0.2", RUNAWAY)  # cut at the limit: 1 s of query time
        refused = ask(site.root, "127.0.0.2", "ASK {}")
        refused_page = ask(site.root, "127.0.0.2", "ASK {}", accept="text/html")
        other = ask(site.root, "127.0.0.3", "ASK {}")
    assert spent.status == 503, spent.text
    for reply in (refused, refused_page):
        assert reply.status == 429, reply.text
        assert "BOLEKG_CLIENT_QUERY_SECONDS=0.5" in reply.text
        assert retry_after(reply) <= 60
    assert other.status == 200, other.text


# --- the rules themselves, on a clock of our own ---------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_time_budget_frees_up_as_queries_leave_the_window() -> None:
    clock = Clock()
    admission = Admission(client_queries=5, timeout=10, client_seconds=10, window=60, clock=clock)

    def query(seconds: float) -> None:
        clock.now += seconds

    admission.run("a", lambda: query(6))  # ends at 1006
    clock.now += 10
    admission.run("a", lambda: query(6))  # ends at 1022: 12 s in the window
    with pytest.raises(TooManyRequests) as refused:
        admission.run("a", lambda: None)
    assert refused.value.retry_after == 1006 + 60 - 1022  # when the first leaves the window
    admission.run("b", lambda: None)  # another client is not concerned
    clock.now = 1066
    admission.run("a", lambda: None)


def test_the_retry_after_of_a_client_at_its_share_is_when_its_oldest_query_is_cut() -> None:
    clock = Clock()
    admission = Admission(client_queries=1, timeout=10, clock=clock)
    seen: list[TooManyRequests] = []

    def inner() -> None:
        clock.now += 4
        with pytest.raises(TooManyRequests) as refused:
            admission.run("a", lambda: None)
        seen.append(refused.value)

    admission.run("a", inner)
    assert seen[0].retry_after == 10 + 1 - 4
    assert admission.in_flight() == 0 and admission.in_flight("a") == 0


def test_the_line_bounds_queries_in_flight_at_workers_plus_queue() -> None:
    admission = Admission(client_queries=10, timeout=10, workers=2, queue=1)
    assert admission.capacity == 3
    depth = []

    def nest(level: int) -> None:
        depth.append(level)
        admission.run(f"c{level}", lambda: nest(level + 1))

    with pytest.raises(QueueFull):
        nest(0)
    assert depth == [0, 1, 2, 3]
    assert admission.in_flight() == 0
    assert Admission(client_queries=1, timeout=10, workers=4).capacity == 8  # the line defaults to the workers
    assert Admission(client_queries=1, timeout=10, workers=None).capacity is None  # in-process: no pool


def test_the_client_is_the_remote_address_unless_proxies_are_declared() -> None:
    environ = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "1.2.3.4, 192.0.2.7"}
    assert client_address(environ) == "10.0.0.1"  # anyone can send the header
    assert client_address(environ, 1) == "192.0.2.7"  # what the one proxy saw
    assert client_address(environ, 2) == "1.2.3.4"
    assert client_address(environ, 3) == "10.0.0.1"  # fewer hops than declared: not trusted
    assert client_address({}) == ""


def test_the_settings_are_read_from_the_environment() -> None:
    defaults = Limits.from_env({})
    assert (defaults.client_queries, defaults.query_queue, defaults.client_query_seconds,
            defaults.forwarded_for) == (2, None, 60.0, 0)
    limits = Limits.from_env({"BOLEKG_CLIENT_QUERIES": "3", "BOLEKG_QUERY_QUEUE": "0",
                              "BOLEKG_CLIENT_QUERY_SECONDS": "12.5", "BOLEKG_FORWARDED_FOR": "1"})
    assert (limits.client_queries, limits.query_queue, limits.client_query_seconds,
            limits.forwarded_for) == (3, 0, 12.5, 1)
    for name, value in [("BOLEKG_CLIENT_QUERIES", "0"), ("BOLEKG_CLIENT_QUERIES", "two"),
                        ("BOLEKG_QUERY_QUEUE", "-1"), ("BOLEKG_QUERY_QUEUE", "1.5"),
                        ("BOLEKG_CLIENT_QUERY_SECONDS", "0"), ("BOLEKG_FORWARDED_FOR", "x")]:
        with pytest.raises(ValueError, match=name):
            Limits.from_env({name: value})
