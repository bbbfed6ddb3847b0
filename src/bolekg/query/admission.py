"""Admission of public queries: no client may take the endpoint from the others.

The query workers (:mod:`bolekg.query.isolation`) make a runaway query killable, but a handful of clients
sending runaways at once still took every worker, and every other client's query — even ``ASK {}`` —
waited for the time limit in a request thread and got 503. Before a public query runs, it is
admitted here, by three rules, checked in this order and answered at once:

* **per client, at once** — a client (its remote address) may have ``BOLEKG_CLIENT_QUERIES``
  queries running or waiting; one more is :class:`~bolekg.errors.TooManyRequests` (429, RFC 6585 §4)
  with ``Retry-After``: when its oldest query will have ended, at the latest;
* **per client, over time** — a client may use ``BOLEKG_CLIENT_QUERY_SECONDS`` seconds of query
  time (waiting for a worker included) per :data:`WINDOW` seconds, as the Wikidata Query Service
  does; past it, 429 with ``Retry-After`` until enough of its time has left the window;
* **all clients** — with every worker busy, ``BOLEKG_QUERY_QUEUE`` queries may wait for one; one more
  is :class:`~bolekg.errors.QueueFull` (503 with ``Retry-After``), instead of holding a request thread
  until the time limit. Counted as queries in flight (running or waiting) against workers + queue;
  a query answered in this process (:mod:`bolekg.query.bounded`) takes no worker and is not counted.

Framework-free: the query service (:mod:`bolekg.query.service`) calls :meth:`Admission.run` around
every public query, whichever front the request came through.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from bolekg.errors import QueueFull, TooManyRequests

#: Seconds over which a client's query time is added up (``BOLEKG_CLIENT_QUERY_SECONDS`` per window).
WINDOW = 60.0
#: Seconds a client is told to wait when the line for the workers is full.
BUSY_RETRY_AFTER = 5

T = TypeVar("T")


def client_address(environ: Mapping[str, Any], forwarded_for: int = 0) -> str:
    """Who is asking: the connection's remote address (``REMOTE_ADDR``). With ``forwarded_for`` proxies
    in front, each appending the address it saw to ``X-Forwarded-For``, the address the outermost one
    saw; the header is never read otherwise (any client can send one)."""
    if forwarded_for > 0:
        hops = [hop.strip() for hop in str(environ.get("HTTP_X_FORWARDED_FOR", "")).split(",") if hop.strip()]
        if len(hops) >= forwarded_for:
            return hops[-forwarded_for]
    return str(environ.get("REMOTE_ADDR") or "")


class Admission:
    """The three rules above, for one endpoint; thread-safe."""

    def __init__(self, client_queries: int, timeout: float, workers: int | None = None,
                 queue: int | None = None, client_seconds: float | None = None, window: float = WINDOW,
                 clock: Callable[[], float] = time.monotonic):
        self.client_queries = client_queries
        self.timeout = timeout
        #: Queries that may wait for a worker (``None`` with no workers: no bound).
        self.queue = None if workers is None else (workers if queue is None else queue)
        self.capacity = None if workers is None or self.queue is None else workers + self.queue
        self.client_seconds = client_seconds
        self.window = window
        self._clock = clock
        self._lock = threading.Lock()
        #: client → start times of its queries in flight
        self._flying: dict[str, list[float]] = {}
        self._in_flight = 0
        #: client → (end, seconds) of its queries that ended within the window, oldest first
        self._used: dict[str, deque[tuple[float, float]]] = {}
        #: client → the seconds in ``_used``, kept as they come and go: a client asking thousands of
        #: times a minute (a cached lookup) made summing them the costliest step of a request
        self._spent: dict[str, float] = {}
        self._swept = clock()

    @classmethod
    def from_limits(cls, limits: Any, workers: int | None) -> Admission:
        """The rules of ``limits`` (:class:`bolekg.settings.Limits`); the line for workers applies where
        queries run in ``workers`` worker processes (``None``: in-process, or on a remote server)."""
        return cls(limits.client_queries, limits.timeout, workers, limits.query_queue, limits.client_query_seconds)

    def in_flight(self, client: str | None = None) -> int:
        """Queries running or waiting: of ``client``; or of everyone, those that take a worker."""
        with self._lock:
            return self._in_flight if client is None else len(self._flying.get(client, ()))

    def run(self, client: str, call: Callable[[], T], queued: bool = True) -> T:
        """``call()`` if ``client`` is admitted; else :class:`TooManyRequests` or :class:`QueueFull`, at once.
        ``queued=False``: the query does not take a worker (it is answered in this process), so only
        the client's own two rules apply, and it is not counted against workers + queue."""
        started = self._enter(client, queued)
        try:
            return call()
        finally:
            self._leave(client, started, queued)

    def _enter(self, client: str, queued: bool = True) -> float:
        now = self._clock()
        with self._lock:
            flying = self._flying.get(client, [])
            if len(flying) >= self.client_queries:
                wait = _seconds(min(flying) + self.timeout + 1 - now)
                raise TooManyRequests(
                    f"Too many queries at once: this client already has {len(flying)} queries running or "
                    f"waiting, as many as one client may (BOLEKG_CLIENT_QUERIES={self.client_queries}). "
                    f"Try again in {wait} s, or when one of them has been answered.", wait)
            if self.client_seconds is not None:
                self._check_budget(client, flying, now)
            if queued and self.capacity is not None and self._in_flight >= self.capacity:
                raise QueueFull(self.queue or 0, BUSY_RETRY_AFTER)
            self._flying.setdefault(client, []).append(now)
            self._in_flight += queued
        return now

    def _check_budget(self, client: str, flying: list[float], now: float) -> None:
        assert self.client_seconds is not None
        used = self._used.get(client)
        if used is not None:
            while used and used[0][0] <= now - self.window:
                self._spent[client] -= used.popleft()[1]
            if not used:
                self._spent[client] = 0.0  # exactly, whatever the rounding of the additions
        spent = self._spent.get(client, 0.0) + sum(now - start for start in flying)
        if spent < self.client_seconds:
            return
        wait, left = self.window, spent
        for end, seconds in used or ():  # the window frees up as the oldest queries leave it
            left -= seconds
            if left < self.client_seconds:
                wait = end + self.window - now
                break
        wait_s = _seconds(wait)
        raise TooManyRequests(
            f"Too much query time: this client's queries took {spent:.0f} s in the last {self.window:g} s, "
            f"as much as one client may (BOLEKG_CLIENT_QUERY_SECONDS={self.client_seconds:g}). "
            f"Try again in {wait_s} s.", wait_s)

    def _leave(self, client: str, started: float, queued: bool = True) -> None:
        now = self._clock()
        with self._lock:
            self._in_flight -= queued
            flying = self._flying.get(client, [])
            if started in flying:
                flying.remove(started)
            if not flying:
                self._flying.pop(client, None)
            if self.client_seconds is not None:
                self._used.setdefault(client, deque()).append((now, now - started))
                self._spent[client] = self._spent.get(client, 0.0) + (now - started)
            if now - self._swept > self.window:  # forget the clients that have not come back
                self._swept = now
                for name in [name for name, used in self._used.items()
                             if not used or used[-1][0] <= now - self.window]:
                    del self._used[name]
                    self._spent.pop(name, None)


def _seconds(value: float) -> int:
    """Whole seconds for ``Retry-After`` (RFC 9110 §10.2.3), at least 1."""
    return max(1, math.ceil(value))
