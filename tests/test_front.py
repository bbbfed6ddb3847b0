"""The front of ``bolekg serve`` (:mod:`bolekg.web.front`), over real sockets: slow clients and runaway
queries cannot take the threads that everyone else needs.

* A request body that arrives too slowly (under ``BOLEKG_BODY_MIN_BYTES_PER_SECOND`` once the grace
  period is over) or too late (past ``BOLEKG_BODY_SECONDS``) is cut with 408 (RFC 9110 §15.5.9) and
  the connection closed; nothing of it reaches the app. While more slow bodies than there are
  threads are open, another client's page and ``ASK {}`` are answered.
* With every query worker and the line for them taken by runaways, another client's page, search
  and dump are answered before any runaway is.
* A body over ``BOLEKG_MAX_BODY_BYTES`` is a 413 before it is sent (its ``Content-Length`` says so),
  or as soon as a chunked body passes the limit.
* The WSGI environ the app gets (PEP 3333) and the replies it sends: paths, query strings, headers,
  client addresses, bodies, HEAD, files, streamed iterables, ``close()``, an app that fails.

The body limits (408 for a slow body, naming the setting; pages and ``ASK {}`` answered meanwhile; 413
for a body over the limit, declared or chunked) are the README's promise "on every backend", so they
run on each: ``bolekg serve`` on the in-memory store (``memory``), on an on-disk pyoxigraph/RocksDB
store (``--store DIR``, ``disk``) and in front of a real ``oxigraph serve`` and a real Virtuoso the
module starts (``--endpoint``, ``remote`` and ``virtuoso``) — one server per backend for the module.
The runaways and the replies kept are tested on ``memory`` only; the environ and the replies on the
small WSGI app.

Servers are real ``bolekg serve`` processes (or the front around a small WSGI app, served the same
way) on free loopback ports, stopped by PID. Clients are told apart by their address: the whole of
127.0.0.0/8 is loopback on Linux. No assertion is about how long something took; the orderings are
causal (this was answered while that was still waiting).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from rdflib import Dataset

import ld_support
from bolekg.processes import free_port, stop
from bolekg.report.vocab import REPORT_GRAPH
from hardening_support import RUNAWAY, wait_for
from ld_support import fetch, wait_until_up
from test_admission import Runaways, ask
from test_endpoint_statuses import chunked

THREADS = 2
BODY_LIMIT = 200_000
BODY_SECONDS = 10
MIN_RATE = 40
TOKEN = "front-test-token"
OTHER = "127.0.0.9"  # the well-behaved client
ITEM = "https://w3id.org/bolekg/id/item/1-01"


#: The backends of ``bolekg serve`` (README "Stores"): the embedded store in memory, the embedded store
#: on disk (``--store DIR``, pyoxigraph over RocksDB) and two remote ones (``--endpoint``, here a real
#: ``oxigraph serve`` and a real Virtuoso the fixture starts). The front is the same in front of each;
#: the tests of the body limits run on all four, the others on memory only (``on_memory``).
BACKENDS = ["memory", "disk", "remote", "virtuoso"]
MEMORY = BACKENDS[0]
on_memory = pytest.mark.parametrize("server", [MEMORY], indirect=True)


@pytest.fixture(scope="module", params=BACKENDS)
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
           real_dataset: Dataset) -> Iterator[str]:
    """``bolekg serve --threads 2`` on the backend ``request.param``, with 2 query workers, one query
    that may wait for them, one query per client, runaways cut after 15 s, bodies of at most 200 kB
    within 10 s at 40 B/s, writes on. One server per backend for the whole module."""
    kind = request.param
    home = ld_support.make_home(tmp_path_factory.mktemp(f"front-home-{kind}"), real_dataset)
    env = {**os.environ, "BOLEKG_QUERY_WORKERS": "2", "BOLEKG_QUERY_QUEUE": "1",
           "BOLEKG_CLIENT_QUERIES": "1", "BOLEKG_QUERY_TIMEOUT": "15", "BOLEKG_MAX_BODY_BYTES": str(BODY_LIMIT),
           "BOLEKG_BODY_SECONDS": str(BODY_SECONDS), "BOLEKG_BODY_MIN_BYTES_PER_SECOND": str(MIN_RATE),
           "BOLEKG_WRITE_TOKEN": TOKEN, "TMPDIR": str(tmp_path_factory.mktemp(f"front-tmp-{kind}"))}
    with contextlib.ExitStack() as stack:
        store: list[str] = []
        if kind == "disk":
            db = tmp_path_factory.mktemp("front-disk") / "db"
            store = ["--store", str(db)]  # empty: the server loads the home's data into it
        elif kind == "remote":
            oxigraph = stack.enter_context(ld_support.oxigraph_process(tmp_path_factory.mktemp("front-oxigraph")))
            store = ["--endpoint", f"{oxigraph}/query", "--reload"]
        elif kind == "virtuoso":
            if ld_support.VIRTUOSO_MISSING:
                pytest.skip(ld_support.VIRTUOSO_MISSING)
            virtuoso = stack.enter_context(ld_support.virtuoso_process(tmp_path_factory.mktemp("front-virtuoso")))
            store = ["--endpoint", f"{virtuoso}/sparql", "--server", "virtuoso", "--reload"]
        root = stack.enter_context(ld_support.serve_home(home, env, "--threads", str(THREADS), *store))
        # the data is where the backend keeps it, not in the server's memory
        if kind == "disk":
            assert db.is_dir() and any(db.iterdir()), db
        elif kind == "remote":
            direct = fetch(f"{oxigraph}/query?query=" + urllib.parse.quote("ASK { GRAPH ?g { ?s ?p ?o } }"),
                           headers={"Accept": "application/sparql-results+json"})
            assert direct.status == 200 and b"true" in direct.body, direct.text
        elif kind == "virtuoso":
            in_report = f"ASK {{ GRAPH <{REPORT_GRAPH}> {{ ?s ?p ?o }} }}"  # Virtuoso: one row is true
            direct = fetch(f"{virtuoso}/sparql?query=" + urllib.parse.quote(in_report),
                           headers={"Accept": "application/sparql-results+json"})
            assert direct.status == 200 and b'"__ASK_RETVAL": { "type"' in direct.body, direct.text
        yield root


# --- raw exchanges ------------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


def parse(raw: bytes) -> Answer:
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Answer(int(status_line.split()[1]), headers, body)


def address(root: str) -> tuple[str, int]:
    host, port = root.removeprefix("http://").split(":")
    return host, int(port)


@dataclass
class SlowBody:
    """A request whose head and the start of its body are sent at once, the rest ``piece`` by ``piece``
    every ``every`` seconds, in a thread; another thread reads what the server answers, until it closes
    the connection. The client gives up after ``give_up`` seconds (only a server that never cuts it
    lets it get there)."""

    root: str
    head: bytes
    first: bytes
    piece: bytes
    every: float
    give_up: float = 40.0
    source: str = "127.0.0.1"
    raw: bytes = b""
    closed_by_server: bool = False
    done: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.sock = socket.create_connection(address(self.root), timeout=self.give_up,
                                             source_address=(self.source, 0))
        self.sock.sendall(self.head + self.first)
        self._threads = [threading.Thread(target=self._trickle, daemon=True),
                         threading.Thread(target=self._read, daemon=True)]
        for thread in self._threads:
            thread.start()

    def _trickle(self) -> None:
        deadline = time.monotonic() + self.give_up
        while not self.done.wait(self.every) and time.monotonic() < deadline:
            try:
                self.sock.sendall(self.piece)
            except OSError:
                return

    def _read(self) -> None:
        try:
            while chunk := self.sock.recv(65536):
                self.raw += chunk
            self.closed_by_server = True
        except OSError:
            pass
        finally:
            self.done.set()

    def answered(self) -> bool:
        """The server has sent something (or the exchange is over)."""
        return bool(self.raw) or self.done.is_set()

    def finish(self) -> Answer:
        for thread in self._threads:
            thread.join(self.give_up + 10)
        self.sock.close()
        assert self.raw, "the server never answered the slow body"
        return parse(self.raw)


def slow_form(root: str, every: float, piece: bytes, source: str = "127.0.0.1") -> SlowBody:
    """``POST /sparql`` announcing a 90 kB form and sending it slowly."""
    head = (f"POST /sparql HTTP/1.1\r\nHost: {root.removeprefix('http://')}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\nAccept: application/sparql-results+json\r\n"
            "Content-Length: 90000\r\n\r\n").encode()
    return SlowBody(root, head, b"query=ASK%7B%7D&x=", piece, every, source=source)


def slow_upload(root: str, graph: str, every: float, piece: bytes) -> SlowBody:
    """``PUT /store?graph=…`` with the write token: a Turtle document complete from its first line, then
    a comment sent slowly. Any part of it that reached the app would be a graph it could store."""
    head = (f"PUT /store?graph={urllib.parse.quote(graph, safe='')} HTTP/1.1\r\n"
            f"Host: {root.removeprefix('http://')}\r\nAuthorization: Bearer {TOKEN}\r\n"
            "Content-Type: text/turtle\r\nContent-Length: 90000\r\n\r\n").encode()
    return SlowBody(root, head, b'<urn:x:s> <urn:x:p> "slow" .\n#', piece, every)


def assert_timed_out(answer: Answer, setting: str) -> None:
    assert answer.status == 408, (answer.status, answer.body[:300])
    assert answer.headers.get("connection", "").lower() == "close", answer.headers
    assert answer.headers.get("content-type", "").startswith("text/plain"), answer.headers
    assert setting in answer.body.decode(), answer.body
    assert answer.body.count(b"\n") == 1 and answer.body.endswith(b"\n"), answer.body


# --- slow bodies --------------------------------------------------------------------------------------


def test_slow_bodies_are_cut_with_408_while_other_clients_are_served(server: str) -> None:
    """Four slow bodies (twice the threads), on both pools' routes, each fast enough for the minimum
    rate but never done: another client's page and ``ASK {}`` are answered while they are open; then
    each is cut at ``BOLEKG_BODY_SECONDS`` with 408, and none of them reached the app."""
    graphs = [f"urn:x:slow-{n}" for n in range(2)]
    slow = [slow_form(server, 0.25, b"y" * 20), slow_form(server, 0.25, b"y" * 20),
            *(slow_upload(server, graph, 0.25, b"z" * 20) for graph in graphs)]
    try:
        page = ask(server, OTHER, "ASK {}", accept="text/html")  # a page of /sparql: the Flask view
        home = fetch(f"{server}/")
        entity = fetch(f"{server}/id/item/1-01")
        query = ask(server, OTHER, "ASK {}")
        still_open = [not body.answered() for body in slow]
    finally:
        answers = [body.finish() for body in slow]
    assert all(still_open), ("a slow body was over before the other client was served: it waited for them "
                             "(or they ended too early to prove anything)")
    for reply in (page, home, entity):
        assert reply.status == 200, reply.text[:300]
    assert query.status == 200 and b"true" in query.body, query.text
    for body, answer in zip(slow, answers, strict=True):
        assert_timed_out(answer, "BOLEKG_BODY_SECONDS")
        assert body.closed_by_server
    for graph in graphs:  # nothing of the uploads reached the app
        reply = fetch(f"{server}/store?graph={urllib.parse.quote(graph, safe='')}")
        assert reply.status == 404, (graph, reply.status, reply.text[:300])


def test_a_body_slower_than_the_minimum_rate_is_cut(server: str) -> None:
    """One byte every half second: under 40 B/s, cut once the grace period is over, well before the
    total deadline — the message names the rate setting."""
    body = slow_form(server, 0.5, b"y")
    answer = body.finish()
    assert_timed_out(answer, "BOLEKG_BODY_MIN_BYTES_PER_SECOND")
    assert body.closed_by_server
    # the server is still there for everyone
    assert ask(server, OTHER, "ASK {}").status == 200


def test_a_declared_body_over_the_limit_is_413_before_it_is_sent(server: str) -> None:
    """Only the head is sent: the answer comes without waiting for a byte of the body."""
    with socket.create_connection(address(server), timeout=30) as sock:
        sock.sendall(f"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                     f"Content-Length: {BODY_LIMIT + 1}\r\n\r\n".encode())
        raw = b""
        while chunk := sock.recv(65536):  # the server closes the connection: the body was not read
            raw += chunk
    answer = parse(raw)
    assert answer.status == 413, answer
    assert b"BOLEKG_MAX_BODY_BYTES" in answer.body and str(BODY_LIMIT).encode() in answer.body
    assert answer.headers.get("connection", "").lower() == "close"


def test_a_chunked_body_over_the_limit_is_413(server: str) -> None:
    for target, content_type in (("/sparql", "application/sparql-query"), ("/", "text/plain"),
                                 ("/store?default", "text/turtle")):
        reply = chunked(server, target, content_type, b"#" + b"x" * BODY_LIMIT + b"\nASK {}", piece=50_000)
        assert reply.status == 413, (target, reply.status, reply.body[:300])
        assert b"BOLEKG_MAX_BODY_BYTES" in reply.body
    reply = chunked(server, "/sparql?format=json", "application/sparql-query", b"#" + b"x" * 1000 + b"\nASK {}")
    assert reply.status == 200 and b"true" in reply.body, reply.body[:300]


# --- replies kept ----------------------------------------------------------------------------------------


@on_memory
def test_a_reply_replayed_without_a_thread_is_the_reply_the_app_gave(server: str) -> None:
    """A GET of ``/sparql`` asked again is answered on the event loop from the replies the app keeps:
    the same status, headers and body as the first time, when the app computed it in a thread; and the
    Accept header it is kept under is the one the app saw — repeated headers joined — never only the
    first of them (which would replay the CSV kept for it to a client that prefers JSON)."""
    query = f"SELECT ?p ?o WHERE {{ <{ITEM}> ?p ?o }}"
    target = "/sparql?" + urllib.parse.urlencode({"query": query})

    def get(*accepts: str) -> bytes:
        head = f"GET {target} HTTP/1.1\r\nHost: h\r\n" + "".join(f"Accept: {a}\r\n" for a in accepts)
        return raw_exchange(server, (head + "Connection: close\r\n\r\n").encode(), source=OTHER)

    first, again = get("application/sparql-results+json"), get("application/sparql-results+json")
    without_date = [line for line in first.split(b"\r\n") if not line.lower().startswith(b"date:")]
    assert parse(first).status == 200
    assert without_date == [line for line in again.split(b"\r\n") if not line.lower().startswith(b"date:")]
    assert parse(get("text/csv;q=0.5")).headers["content-type"].startswith("text/csv")
    both = parse(get("text/csv;q=0.5", "application/sparql-results+json"))
    assert both.status == 200 and both.headers["content-type"].startswith("application/sparql-results+json"), both


# --- runaways -----------------------------------------------------------------------------------------


@on_memory
def test_runaways_filling_the_query_pool_do_not_delay_pages_search_or_dumps(server: str) -> None:
    """Three runaways (two workers and the one place in their line) from three clients: a page, a
    search and a dump from a fourth client are answered 200 while none of the runaways has been."""
    sources = ["127.0.0.2", "127.0.0.3", "127.0.0.4"]
    runaways = Runaways(server, sources)
    try:
        # each runaway is in flight once its client is told it has its share (BOLEKG_CLIENT_QUERIES=1);
        # asked each time with a new text, so that no answer kept from before is replayed instead
        probes = itertools.count()
        assert wait_for(lambda: all(ask(server, source, f"ASK {{ <urn:x:probe-{next(probes)}> ?p ?o }}").status == 429
                                    for source in sources), timeout=60)
        replies = {
            "home": fetch(f"{server}/"),
            "entity": fetch(f"{server}/id/item/1-01"),
            "search": fetch(f"{server}/search?q=" + urllib.parse.quote("医院")),
            "dump": fetch(f"{server}/dumps/bolekg.nt"),
            "openapi": fetch(f"{server}/openapi.json"),
        }
        still_running = runaways.running()
    finally:
        runaways.join()
    assert still_running, "a runaway was answered before the pages: the pages waited for it"
    for name, reply in replies.items():
        assert reply.status == 200, (name, reply.status, reply.text[:300])
    assert sorted(reply.status for reply in runaways.replies.values()) == [503, 503, 503]
    assert RUNAWAY  # the runaway is the cartesian product of hardening_support


# --- the environ and the replies, around a small WSGI app ----------------------------------------------


ECHO_APP = r'''
import io, json, os, sys
from bolekg.web.serving import serve_rsgi
from bolekg.web.front import Front, FrontSettings

closed = []

class Closing:
    """An iterable with close(), as PEP 3333 servers must call it."""
    def __init__(self, parts):
        self.parts = parts
    def __iter__(self):
        return iter(self.parts)
    def close(self):
        closed.append(1)

def app(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/closed":
        body = str(len(closed)).encode()
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
        return [body]
    if path == "/file":
        start_response("200 OK", [("Content-Type", "application/octet-stream"),
                                  ("Content-Length", str(os.path.getsize(sys.argv[2])))])
        return environ["wsgi.file_wrapper"](open(sys.argv[2], "rb"), 8192)
    if path == "/stream":
        start_response("200 OK", [("Content-Type", "text/plain")])
        def parts():
            try:
                for n in range(3000):
                    yield b"%05d " % n + b"x" * 1000 + b"\n"
            finally:
                closed.append(1)
        return parts()
    if path == "/fixed":
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "10")])
        return Closing([b"fixed", b" body"])
    if path == "/fail":
        raise RuntimeError("the app failed")
    if path == "/bad-header":
        start_response("200 OK", [("X-Bad", "a\r\nInjected: yes")])
        return [b"no"]
    body = environ["wsgi.input"].read()
    seen = {k: v for k, v in environ.items() if isinstance(v, (str, bool, int, tuple))}
    seen["body"] = body.decode("latin-1")
    out = json.dumps(seen).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(out))),
                              ("X-Twice", "1"), ("X-Twice", "2")])
    return Closing([out[:10], out[10:]])

settings = FrontSettings(max_body_bytes=1000, body_seconds=20.0, min_rate=5.0, grace_seconds=4.0)
front = Front(app, settings, page_threads=2, query_threads=2)
serve_rsgi(lambda: front, "127.0.0.1", int(sys.argv[1]))
'''


@pytest.fixture(scope="module")
def echo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The front around an app that answers with the environ it got; yields its root and a file it serves."""
    folder = tmp_path_factory.mktemp("echo")
    data = folder / "data.bin"
    data.write_bytes(bytes(range(256)) * 4000)  # ~1 MB
    port = free_port()
    log_path = folder / "echo.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([sys.executable, "-c", ECHO_APP, str(port), str(data)],
                                   stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "TMPDIR": str(folder)})
    root = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{root}/closed", process)
        yield root, data
    finally:
        stop(process)


def raw_exchange(root: str, raw: bytes, source: str = "127.0.0.1") -> bytes:
    """Send ``raw`` and read until the server closes the connection."""
    with socket.create_connection(address(root), timeout=30, source_address=(source, 0)) as sock:
        sock.sendall(raw)
        out = b""
        while chunk := sock.recv(65536):
            out += chunk
    return out


def exchange(root: str, raw: bytes, source: str = "127.0.0.1") -> Answer:
    return parse(raw_exchange(root, raw, source))


def environ_of(root: str, raw: bytes, source: str = "127.0.0.1") -> dict[str, object]:
    answer = exchange(root, raw, source)
    assert answer.status == 200, answer
    return json.loads(answer.body)  # type: ignore[no-any-return]


def test_the_environ_is_pep_3333(echo: tuple[str, Path]) -> None:
    root, _ = echo
    port = root.rsplit(":", 1)[1]
    seen = environ_of(root, b"POST /a%20b/%E4%B8%AD%2Fc?x=%20y&z=\xc3\xa9&q HTTP/1.1\r\nHost: example.org:81\r\n"
                            b"Content-Type: text/plain; charset=utf-8\r\nContent-Length: 5\r\nX-Foo: 1\r\n"
                            b"X-Foo: 2\r\nCookie: a=1\r\nCookie: b=2\r\nX_Forwarded_For: 6.6.6.6\r\n"
                            b"Connection: close\r\n\r\nhello", source="127.0.0.7")
    assert seen["REQUEST_METHOD"] == "POST"
    assert seen["SCRIPT_NAME"] == ""
    # percent-decoded, and carried as bytes in a latin-1 str (PEP 3333 "native strings")
    assert seen["PATH_INFO"] == "/a b/" + "中".encode().decode("latin-1") + "/c"
    assert seen["QUERY_STRING"] == "x=%20y&z=" + "é".encode().decode("latin-1") + "&q"
    assert seen["SERVER_NAME"] == "127.0.0.1" and seen["SERVER_PORT"] == port
    assert seen["SERVER_PROTOCOL"] == "HTTP/1.1"
    assert seen["REMOTE_ADDR"] == "127.0.0.7" and str(seen["REMOTE_PORT"]).isdigit()
    assert seen["HTTP_HOST"] == "example.org:81"
    assert seen["CONTENT_TYPE"] == "text/plain; charset=utf-8" and seen["CONTENT_LENGTH"] == "5"
    assert "HTTP_CONTENT_TYPE" not in seen and "HTTP_CONTENT_LENGTH" not in seen
    assert seen["HTTP_X_FOO"] == "1, 2"  # RFC 9110 §5.3
    assert seen["HTTP_COOKIE"] == "a=1; b=2"  # RFC 6265 §5.4
    assert "HTTP_X_FORWARDED_FOR" not in seen  # a name with "_" would pass for X-Forwarded-For: dropped
    assert seen["body"] == "hello"
    assert seen["wsgi.url_scheme"] == "http"
    assert seen["wsgi.multithread"] is True and seen["wsgi.multiprocess"] is False and seen["wsgi.run_once"] is False
    assert seen["wsgi.version"] == [1, 0]
    assert seen["wsgi.input_terminated"] is True


def test_a_chunked_body_reaches_the_app_with_its_length(echo: tuple[str, Path]) -> None:
    root, _ = echo
    seen = environ_of(root, b"PUT /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                            b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
    assert seen["body"] == "abcde" and seen["CONTENT_LENGTH"] == "5"
    assert "HTTP_TRANSFER_ENCODING" not in seen  # the front undid the framing
    over = exchange(root, b"PUT /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                          + b"%x\r\n" % 1001 + b"x" * 1001 + b"\r\n0\r\n\r\n")
    assert over.status == 413 and over.headers["connection"] == "close"
    declared = exchange(root, b"PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 1001\r\n\r\n")
    assert declared.status == 413


def test_replies_bodies_files_streams_head_and_close(echo: tuple[str, Path]) -> None:
    root, data = echo
    closed_before = int(fetch(f"{root}/closed").body)
    get = fetch(f"{root}/x?y=1")
    assert get.status == 200 and json.loads(get.body)["QUERY_STRING"] == "y=1"
    twice = raw_exchange(root, b"GET /x HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n").lower()
    assert b"\r\nx-twice: 1\r\n" in twice and b"\r\nx-twice: 2\r\n" in twice  # a repeated header, both sent
    assert fetch(f"{root}/fixed").body == b"fixed body"
    head = fetch(f"{root}/fixed", method="HEAD")
    assert head.status == 200 and head.body == b"" and head.header("Content-Length") == "10"
    assert int(fetch(f"{root}/closed").body) == closed_before + 4  # close() after each reply, HEAD included
    whole = fetch(f"{root}/file")
    assert whole.status == 200 and whole.body == data.read_bytes()
    assert whole.header("Content-Length") == str(data.stat().st_size)
    streamed = fetch(f"{root}/stream")
    lines = streamed.body.splitlines()
    assert streamed.status == 200 and len(lines) == 3000 and lines[-1].startswith(b"02999 ")
    assert wait_for(lambda: int(fetch(f"{root}/closed").body) == closed_before + 5)  # the generator's finally ran


def test_an_app_that_fails_is_500_and_the_server_goes_on(echo: tuple[str, Path]) -> None:
    root, _ = echo
    for path in ("/fail", "/bad-header"):
        reply = fetch(f"{root}{path}")
        assert reply.status == 500, (path, reply.status, reply.body[:200])
        assert b"Traceback" not in reply.body and b"Injected" not in reply.body
        assert "injected" not in reply.headers
    assert fetch(f"{root}/x").status == 200


def test_a_slow_body_to_the_echo_app_is_cut_and_others_go_on(echo: tuple[str, Path]) -> None:
    """Both threads of each pool are not enough to stall the front: five slow bodies, then a request."""
    root, _ = echo
    head = b"POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 900\r\n\r\n"
    slow = [SlowBody(root, head, b"a", b"b", 0.5) for _ in range(5)]
    try:
        reply = fetch(f"{root}/x")
        open_meanwhile = [not body.answered() for body in slow]
    finally:
        answers = [body.finish() for body in slow]
    assert reply.status == 200 and all(open_meanwhile)
    for answer in answers:
        assert_timed_out(answer, "BOLEKG_BODY_MIN_BYTES_PER_SECOND")
