"""The front of ``bolekg serve``: request bodies are read on the event loop, then the WSGI app runs in
one of two thread pools, so that neither slow clients nor runaway queries can take the threads that
everyone else needs.

Under Granian's WSGI interface the app's threads were the server's only currency: Granian reads a
request body inside the Python thread that serves it, so 8 clients sending a body one byte every 2 s
held all 8 threads, and the server (``/openapi.json`` included) answered nobody for minutes; and a
runaway query holds its thread while it waits for a query worker, so 8 runaways made every page wait
for the time limit. This module is an RSGI application (Granian's native asyncio interface, the
``granian.rsgi`` protocol) that puts the WSGI app (PEP 3333) behind three rules:

* **A body is read whole, on the event loop, before any thread is taken** — the loop holds thousands
  of slow clients for the price of one thread. Reading has two deadlines (:class:`FrontSettings`): the
  whole body within ``BOLEKG_BODY_SECONDS``, and, after a grace period, at least
  ``BOLEKG_BODY_MIN_BYTES_PER_SECOND`` on average. Past either, the answer is **408 Request Timeout**
  (RFC 9110 §15.5.9) with ``Connection: close`` (§7.6.1: the rest of the body will never be read, so
  the connection cannot carry another request), and nothing of the request reaches the app. A
  ``Content-Length`` over ``BOLEKG_MAX_BODY_BYTES`` is a 413 (RFC 9110 §15.5.14) before a byte of the
  body is read; a chunked body (RFC 9112 §7.1) is read up to the limit, then 413. The app gets
  the body as ``wsgi.input`` with its length (a chunked body's framing undone). Granian itself bounds
  the time to send the headers (30 s).
* **Two pools of threads** — queries and writes (``/sparql``, writes to ``/store``) in one, pages,
  search, dumps, static files and the API description in the other; a runaway holds a thread of
  the query pool only. The query pool is sized so that admission (:mod:`bolekg.query.admission`: at most
  workers + queue queries in flight) runs out before the pool does, see :func:`query_threads`.
* **A bounded line for each pool** — when every thread of a pool is busy, a request waits for one on
  the loop, up to :data:`LINE_PER_THREAD` per thread; past that it is answered **503** with
  ``Retry-After`` at once, as admission answers a full line for the query workers.

Replies: a body of up to :data:`~bolekg.web.wsgi_call.PIECE` bytes (every reply of this app but files: Flask hands its
bodies over whole) is gathered in the thread and sent in one piece (``response_bytes``); a file the
app hands to ``wsgi.file_wrapper`` (the dumps, static files: Flask's ``send_file``) is sent by Granian
from the file itself (``response_file``), which reads it as the client takes it, never whole into
memory; a longer body is streamed, one piece per trip to the pool, so a client reading slowly holds
no thread (Granian's RSGI stream takes what it is given at once, so such a reply is held in memory
while the client reads it — no reply of this app is one). ``close()`` is called on what the app
returned, as PEP 3333 requires, in the pool. HEAD replies carry no body. A reply known before the app
runs — a repeated GET of ``/sparql`` whose reply the query service keeps — can be sent from the loop
without a thread (:data:`Replay`).

Memory: after a reply of at least :data:`bolekg.memory.LARGE_REPLY` bytes built by the app (a
streamed one always is), the front asks its :class:`bolekg.memory.Releaser` to give freed memory
back — in a thread of its own, at most once a second, never on the loop nor in a request's thread.
A large answer is built in a request thread's malloc arena, and glibc keeps those pages when it is
freed; without the release, the serving process stayed that much larger after a load of big answers.
Replies sent from a file or replayed from the cache take no such memory and ask for nothing.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import contextvars
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bolekg.memory import LARGE_REPLY, Releaser
from bolekg.query.admission import BUSY_RETRY_AFTER
from bolekg.settings import DEFAULTS, Settings
from bolekg.web.wsgi_call import (
    Reply,
    Request,
    WSGIApp,
    call_app,
    close_result,
    next_piece,
    plain_reply,
)

log = logging.getLogger("bolekg.front")


#: Extra threads of the query pool beyond the query workers and their line: for what holds no worker
#: — answers and replies kept from before, refusals (429, 503), the service description, writes.
QUERY_SLACK = 4
#: Requests that may wait for a busy pool, per thread of it. A request of this app holds a thread for
#: milliseconds (README, "Benchmarks"), so a full line clears in well under a second: long enough to
#: absorb a burst, short enough that waiting in it beats a 503 and a retry.
LINE_PER_THREAD = 16
#: Methods that only read: ``/store`` with them is a page (a graph's dump), with any other a write.
READS = frozenset({"GET", "HEAD", "OPTIONS"})
CLOSE = ("Connection", "close")


@dataclass(frozen=True)
class FrontSettings:
    """How long a client may take to send a request body, and how large it may be: the view of
    :class:`bolekg.settings.Settings` the front takes (defaults, units and meanings are declared there).

    * ``max_body_bytes`` — ``BOLEKG_MAX_BODY_BYTES``, or the app's own ``MAX_CONTENT_LENGTH``: a longer
      body is 413;
    * ``body_seconds`` — ``BOLEKG_BODY_SECONDS``: the whole body must have arrived this long after the
      headers, or 408. A query is at most ``BOLEKG_MAX_QUERY_BYTES``: at the defaults (100 kB in 10 s)
      it needs 10 kB/s, which any link has; an upload of the full 32 MiB needs 3.4 MB/s — raise it for
      large uploads over slow links. The deadline bounds how long a client holds one of the requests
      Granian lets into Python at once (its backpressure) without holding a thread;
    * ``min_rate`` — ``BOLEKG_BODY_MIN_BYTES_PER_SECOND`` (0: none): after ``grace_seconds`` (2 s: a
      slow link's first round trips), the body must have arrived at this average rate or faster, or
      408 at once — a client trickling a byte a second is cut after 2 s, not 10. The default, 1 kB/s,
      is slower than any real client (a 2G link sends 5–10 kB/s) and is Apache's ``mod_reqtimeout``
      rule (``MinRate=500``) with a little more margin; it makes holding a request for the whole
      deadline cost a client ``body_seconds`` kB per connection.
    """

    max_body_bytes: int = DEFAULTS.max_body_bytes
    body_seconds: float = DEFAULTS.body_seconds
    min_rate: float = DEFAULTS.body_min_bytes_per_second
    grace_seconds: float = 2.0

    @classmethod
    def from_settings(cls, settings: Settings, max_body_bytes: int | None = None) -> FrontSettings:
        """The front's part of ``settings``; ``max_body_bytes`` (the app's own limit) overrides the setting."""
        return cls(
            max_body_bytes=settings.max_body_bytes if max_body_bytes is None else max_body_bytes,
            body_seconds=settings.body_seconds,
            min_rate=settings.body_min_bytes_per_second,
        )


def query_threads(workers: int | None, queue_length: int | None, page_threads: int) -> int:
    """Threads of the query pool: the query workers plus the queries that may wait for them — every
    query admission lets in holds a thread while it runs or waits, and admission refuses the next one
    at once (:class:`bolekg.query.admission.Admission`) — plus :data:`QUERY_SLACK` for what holds no worker,
    so that a full house of runaways still leaves threads for ``ASK {}`` answered from the cache, the
    429s and 503s that say so, and writes. Without workers (a remote store, or in-process queries)
    admission has no such bound: as many threads as the page pool, plus the slack."""
    if not workers:
        return page_threads + QUERY_SLACK
    return workers + (workers if queue_length is None else queue_length) + QUERY_SLACK


def is_query(path: str, method: str) -> bool:
    """Does this request go to the query pool: the SPARQL endpoint, and Graph Store writes (slow: the
    SHACL gate)? Everything else — pages, search, dumps, a graph read from ``/store`` — is a page."""
    return path == "/sparql" or (path == "/store" and method not in READS)


# --- the pools ----------------------------------------------------------------------------------------


class Results:
    """Results of the pools' threads, handed to the loop: a thread leaves its result here and wakes
    the loop only if no wake-up is pending yet, so that under load many results cost one wake-up
    (``call_soon_threadsafe`` writes to a socket and wakes the loop each time it is called)."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self._ready: collections.deque[tuple[asyncio.Future[Any], Any, BaseException | None]] = collections.deque()
        self._lock = threading.Lock()
        self._pending = False

    def put(self, future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
        """In a thread: settle ``future`` on the loop."""
        self._ready.append((future, result, error))
        with self._lock:
            if self._pending:
                return
            self._pending = True
        with contextlib.suppress(RuntimeError):  # the loop is closed: the server is stopping, nobody waits
            self.loop.call_soon_threadsafe(self._settle)

    def _settle(self) -> None:
        with self._lock:
            self._pending = False  # before taking them: a result put from now on wakes the loop again
        ready = self._ready
        while ready:
            future, result, error = ready.popleft()
            if future.cancelled():
                continue
            if error is None:
                future.set_result(result)
            else:
                future.set_exception(error)


class Pool:
    """``threads`` threads running calls for the event loop, and the count of requests that hold or
    wait for one. The count is the loop's alone (no lock): it is read and changed on the loop only."""

    def __init__(self, name: str, threads: int, line: int):
        self.name = name
        self.threads = max(1, threads)
        self.line = max(0, line)
        self.in_flight = 0
        self._jobs: queue.SimpleQueue[tuple[asyncio.Future[Any], contextvars.Context, Callable[..., Any],
                                            tuple[Any, ...]] | None] = queue.SimpleQueue()
        self._results: Results | None = None
        self._workers: list[threading.Thread] = []

    @property
    def full(self) -> bool:
        """Every thread busy and the line for them full."""
        return self.in_flight >= self.threads + self.line

    def start(self, results: Results) -> None:
        self._results = results
        for number in range(self.threads):
            worker = threading.Thread(target=self._work, name=f"bolekg-{self.name}-{number}", daemon=True)
            worker.start()
            self._workers.append(worker)

    def stop(self) -> None:
        for _ in self._workers:
            self._jobs.put(None)
        self._workers.clear()

    def call(self, context: contextvars.Context, function: Callable[..., Any], *args: Any) -> asyncio.Future[Any]:
        """``function(*args)`` in a thread of this pool, in ``context``: the future of its result."""
        assert self._results is not None, "the pool has not been started"
        future = self._results.loop.create_future()
        self._jobs.put((future, context, function, args))
        return future

    def _work(self) -> None:
        results = self._results
        assert results is not None
        while (job := self._jobs.get()) is not None:
            future, context, function, args = job
            try:
                result = context.run(function, *args)
            except BaseException as error:  # handed to the awaiting coroutine
                results.put(future, None, error)
            else:
                results.put(future, result, None)


# --- the RSGI application ---------------------------------------------------------------------------------


class BodyRefused(Exception):
    """The body will not be read to its end: the reply that says why."""

    def __init__(self, reply: Reply):
        super().__init__(reply.status)
        self.reply = reply


#: Answers a GET on the loop, without the app, when the reply is known already: given the path, the
#: query string (as Granian gives it) and the headers, the reply the app would send, or ``None``. It
#: runs on the event loop, so it must not block: a lookup, not a computation.
Replay = Callable[[str, str, Any], Reply | None]


class Front:
    """The RSGI application (``__rsgi__``; ``__rsgi_init__`` and ``__rsgi_del__`` start and stop the
    pools with Granian's loop) around ``app``.

    ``replay`` (see :data:`Replay`) answers repeated GETs without a thread: the trip to a pool and
    back costs more than the app takes to replay a reply it kept, and
    with 16 clients asking a lookup again and again that trip is the whole difference.

    ``memory`` gives freed memory back after large replies (see the module's docstring); started and
    stopped with the pools."""

    def __init__(self, app: WSGIApp, settings: FrontSettings, page_threads: int, query_threads: int,
                 route: Callable[[str, str], bool] = is_query, replay: Replay | None = None,
                 memory: Releaser | None = None):
        self.app = app
        self.settings = settings
        self.route = route
        self.replay = replay
        self.memory = Releaser() if memory is None else memory
        self.pages = Pool("pages", page_threads, LINE_PER_THREAD * page_threads)
        self.queries = Pool("queries", query_threads, LINE_PER_THREAD * query_threads)

    def __rsgi_init__(self, loop: asyncio.AbstractEventLoop) -> None:
        results = Results(loop)
        self.pages.start(results)
        self.queries.start(results)
        self.memory.start()

    def __rsgi_del__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.pages.stop()
        self.queries.stop()
        self.memory.stop()

    async def __rsgi__(self, scope: Any, proto: Any) -> None:
        if scope.proto != "http":  # websockets are off
            return
        method = scope.method
        path = scope.path
        headers = scope.headers
        if self.replay is not None and method == "GET" and "content-length" not in headers \
                and "transfer-encoding" not in headers:
            kept = self.replay(path, scope.query_string, headers)
            if kept is not None:
                proto.response_bytes(kept.status, kept.headers, kept.body)
                return
        try:
            body = await self._body(proto, headers)
        except BodyRefused as refused:
            self._send(proto, method, refused.reply)
            return
        pool = self.queries if self.route(path, method) else self.pages
        if pool.full:
            self._send(proto, method, plain_reply(
                503, f"The server is busy: every thread that answers {pool.name} is taken and "
                     f"{pool.line} requests are waiting for one. Try again in {BUSY_RETRY_AFTER} s.",
                ("Retry-After", str(BUSY_RETRY_AFTER))))
            return
        request = Request(method, path, scope.query_string, headers.items(), scope.server, scope.client,
                          scope.scheme, scope.http_version, body)
        context = contextvars.Context()  # the app's context variables, one per request, whatever thread
        pool.in_flight += 1
        try:
            reply = await pool.call(context, call_app, self.app, request)
        finally:
            pool.in_flight -= 1
        if reply.rest is None:
            self._send(proto, method, reply)
            if len(reply.body) >= LARGE_REPLY:  # sent: give back what building it took
                self.memory.ask()
        else:
            await self._stream(proto, method, reply, pool, context)

    async def _body(self, proto: Any, headers: Any) -> bytes | None:
        """The whole request body, read under the deadlines; ``None`` when the request has none
        (RFC 9112 §6.3: neither ``Content-Length`` nor ``Transfer-Encoding``)."""
        settings = self.settings
        declared = headers.get("content-length")
        chunked = "transfer-encoding" in headers  # Granian refuses any other coding than chunked
        if declared is None and not chunked:
            return None
        try:
            expected = None if chunked or declared is None else int(declared)  # Granian checked it already
        except ValueError:
            raise BodyRefused(plain_reply(400, "The Content-Length is not a number (RFC 9110 §8.6).", CLOSE)) from None
        if expected is not None and expected > settings.max_body_bytes:
            raise BodyRefused(plain_reply(413, f"The request body is {expected} bytes; this server accepts at most "
                                          f"{settings.max_body_bytes} (BOLEKG_MAX_BODY_BYTES).", CLOSE))
        if expected == 0:
            return b""
        loop = asyncio.get_running_loop()
        began = loop.time()
        deadline = began + settings.body_seconds
        parts: list[bytes] = []
        size = empty = 0
        chunks = proto.__aiter__()
        while expected is None or size < expected:
            # the rate rule: from the grace period on, at least min_rate × the seconds so far
            due, rule = deadline, "total"
            if settings.min_rate > 0:
                behind = began + max(settings.grace_seconds, size / settings.min_rate)
                if behind < deadline:
                    due, rule = behind, "rate"
            try:
                async with asyncio.timeout_at(due):
                    chunk = await chunks.__anext__()
            except StopAsyncIteration:
                break
            except TimeoutError:
                raise BodyRefused(self._too_slow(rule, size, loop.time() - began)) from None
            if not chunk:
                # Granian gives one empty piece at the end of a body, and one more before it when the
                # body broke off (the client went away mid-chunk): that body must not reach the app
                empty += 1
                if empty > 1:
                    raise BodyRefused(plain_reply(400, "The request body did not end with its last chunk (RFC 9112 "
                                                  "§7.1), or carried trailer fields, which this server does not "
                                                  "take.", CLOSE))
                continue
            parts.append(chunk)
            size += len(chunk)
            if size > settings.max_body_bytes:
                raise BodyRefused(plain_reply(413, f"The request body is longer than this server accepts: at most "
                                              f"{settings.max_body_bytes} bytes (BOLEKG_MAX_BODY_BYTES).", CLOSE))
        if expected is not None and size < expected:
            raise BodyRefused(plain_reply(400, f"The request body ended after {size} of the {expected} bytes its "
                                          "Content-Length announced.", CLOSE))
        return b"".join(parts)

    def _too_slow(self, rule: str, size: int, seconds: float) -> Reply:
        settings = self.settings
        if rule == "total":
            message = (f"The request body did not arrive within {settings.body_seconds:g} s (BOLEKG_BODY_SECONDS); "
                       "nothing of the request was processed.")
        else:
            message = (f"The request body arrived at {size / max(seconds, 1e-9):.0f} bytes/s, slower than the "
                       f"{settings.min_rate:g} bytes/s this server needs after the first {settings.grace_seconds:g} s "
                       "(BOLEKG_BODY_MIN_BYTES_PER_SECOND); nothing of the request was processed.")
        return plain_reply(408, message, CLOSE)

    @staticmethod
    def _send(proto: Any, method: str, reply: Reply) -> None:
        if reply.file is not None:
            proto.response_file(reply.status, reply.headers, reply.file)
        elif method == "HEAD":
            proto.response_empty(reply.status, reply.headers)
        else:
            proto.response_bytes(reply.status, reply.headers, reply.body)

    async def _stream(self, proto: Any, method: str, reply: Reply, pool: Pool, context: contextvars.Context) -> None:
        """Send a reply longer than :data:`~bolekg.web.wsgi_call.PIECE` as it comes; every piece after
        the first is taken from the app in the pool, so that no thread waits on the client."""
        assert reply.rest is not None
        try:
            if method == "HEAD":
                proto.response_empty(reply.status, reply.headers)
                return
            transport = proto.response_stream(reply.status, reply.headers)
            piece: bytes | None = reply.body
            while piece is not None:
                await transport.send_bytes(piece)
                piece = await pool.call(context, next_piece, reply.rest)
        except Exception:  # the client went away, or the app failed half-way: the reply is cut
            log.info("a streamed reply was cut", exc_info=True)
        finally:
            await pool.call(context, close_result, reply.result)
            self.memory.ask()  # its first piece alone was PIECE bytes, over LARGE_REPLY
