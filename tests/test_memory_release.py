"""Memory given back after large replies (:mod:`bolekg.memory`, :mod:`bolekg.web.front`).

* The front asks its :class:`~bolekg.memory.Releaser` for a release after a reply the app built of at
  least :data:`~bolekg.memory.LARGE_REPLY` bytes — sent whole, streamed, or a HEAD whose body was built
  all the same — and never after a small reply, a file sent from disk or a reply replayed from the cache.
* The releaser releases in its own thread: once per ask, asks that come while it releases or waits out
  its interval make one release more, not one each, and nothing is released after it is stopped.
* ``release_freed_memory`` answers whether the C library could (never, without glibc).

The front is driven in this process through the RSGI calls Granian makes (a scope and a protocol
object), without a server. No assertion is about time or memory sizes: the orderings are causal (the
test waits for a release to start before asking again), and a wait for the release thread is bounded.
"""

from __future__ import annotations

import asyncio
import platform
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bolekg.memory import LARGE_REPLY, Releaser, release_freed_memory
from bolekg.web.front import Front, FrontSettings
from bolekg.web.wsgi_call import PIECE, Reply

WAIT = 30.0  # seconds a test waits at most for the release thread (it is never expected to take long)


class Counting(Releaser):
    """A releaser that counts the front's asks and releases nothing."""

    def __init__(self) -> None:
        super().__init__(release=lambda: None)
        self.asked = 0

    def ask(self) -> None:
        self.asked += 1


class Headers(dict):
    """Granian's request headers, as much of them as the front reads."""

    def get_all(self, name: str) -> list[str]:
        return [self[name]] if name in self else []


@dataclass
class Scope:
    path: str
    method: str = "GET"
    query_string: str = ""
    headers: Headers = field(default_factory=Headers)
    proto: str = "http"
    server: str = "127.0.0.1:8000"
    client: str = "127.0.0.1:50000"
    scheme: str = "http"
    http_version: str = "1.1"


class Transport:
    def __init__(self, sent: list[bytes]):
        self.sent = sent

    async def send_bytes(self, data: bytes) -> None:
        self.sent.append(data)


class Proto:
    """Granian's RSGI protocol object for one request: records how the reply went out."""

    def __init__(self) -> None:
        self.how: str | None = None
        self.status: int | None = None
        self.sent: list[bytes] = []

    def __aiter__(self) -> Any:  # no request of these tests has a body
        raise AssertionError("the body was read")

    def response_bytes(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.how, self.status = "bytes", status
        self.sent.append(body)

    def response_empty(self, status: int, headers: list[tuple[str, str]]) -> None:
        self.how, self.status = "empty", status

    def response_file(self, status: int, headers: list[tuple[str, str]], path: str) -> None:
        self.how, self.status = "file", status

    def response_stream(self, status: int, headers: list[tuple[str, str]]) -> Transport:
        self.how, self.status = "stream", status
        return Transport(self.sent)


LARGE = b"x" * LARGE_REPLY
SMALL = b"x" * 1000


def app_for(file: Path) -> Any:
    def app(environ: dict[str, Any], start_response: Any) -> Any:
        path = environ["PATH_INFO"]
        if path == "/file":
            start_response("200 OK", [("Content-Type", "application/octet-stream"),
                                      ("Content-Length", str(file.stat().st_size))])
            return environ["wsgi.file_wrapper"](file.open("rb"), 8192)
        if path == "/stream":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return (b"y" * 65536 for _ in range(2 * PIECE // 65536))
        body = LARGE if path == "/large" else SMALL
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
        return [body]
    return app


def kept(path: str, query_string: str, headers: Any) -> Reply | None:
    """The cache's replay: a large reply it kept, for ``/kept``."""
    return Reply(200, [("Content-Type", "text/plain")], LARGE) if path == "/kept" else None


def serve(front: Front, *scopes: Scope, until: Any = None) -> list[Proto]:
    """Each request in turn through the front, as Granian would; the protocol objects afterwards.
    With ``until``, the front is stopped only once ``until()`` holds."""
    async def run() -> list[Proto]:
        front.__rsgi_init__(asyncio.get_running_loop())
        try:
            protos = []
            for scope in scopes:
                proto = Proto()
                await front.__rsgi__(scope, proto)
                protos.append(proto)
            if until is not None:
                wait_until(until)
            return protos
        finally:
            front.__rsgi_del__(asyncio.get_running_loop())
    return asyncio.run(run())


def wait_until(condition: Any) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, "the release thread did not get there"
        time.sleep(0.01)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    file = tmp_path / "data.bin"
    file.write_bytes(b"z" * (2 * LARGE_REPLY))
    return file


def front_with(releaser: Releaser, file: Path) -> Front:
    return Front(app_for(file), FrontSettings(), page_threads=2, query_threads=2, replay=kept, memory=releaser)


@pytest.mark.parametrize(("path", "method", "how", "asks"), [
    ("/large", "GET", "bytes", 1),
    ("/large", "HEAD", "empty", 1),  # the body was built all the same
    ("/stream", "GET", "stream", 1),
    ("/small", "GET", "bytes", 0),
    ("/file", "GET", "file", 0),  # sent by Granian from the file: never in this process's memory
    ("/kept", "GET", "bytes", 0),  # replayed from the cache on the loop: kept, not freed
])
def test_the_front_asks_for_a_release_after_a_large_reply_only(data: Path, path: str, method: str, how: str,
                                                               asks: int) -> None:
    releaser = Counting()
    [proto] = serve(front_with(releaser, data), Scope(path, method))
    assert (proto.status, proto.how) == (200, how)
    if how == "stream":
        assert sum(len(piece) for piece in proto.sent) == 2 * PIECE
    assert releaser.asked == asks


def test_small_replies_never_ask_and_each_large_one_does(data: Path) -> None:
    releaser = Counting()
    serve(front_with(releaser, data), *(Scope("/small") for _ in range(20)))
    assert releaser.asked == 0
    serve(front_with(releaser, data), Scope("/large"), Scope("/small"), Scope("/large"))
    assert releaser.asked == 2


def test_a_large_reply_is_followed_by_a_release_in_the_releasers_thread(data: Path) -> None:
    threads: list[str] = []
    releaser = Releaser(interval=0.0, release=lambda: threads.append(threading.current_thread().name))
    serve(front_with(releaser, data), Scope("/small"), Scope("/large"), Scope("/small"), until=lambda: threads)
    releaser.stop(timeout=WAIT)
    assert threads == ["bolekg-release-memory"]  # one release, never in the loop's thread nor a pool's


def test_asks_while_releasing_make_one_more_release_not_one_each() -> None:
    started, go_on = threading.Event(), threading.Event()
    calls: list[int] = []

    def release() -> None:
        calls.append(1)
        started.set()
        go_on.wait(WAIT)

    releaser = Releaser(interval=0.0, release=release)
    releaser.start()
    releaser.ask()
    assert started.wait(WAIT)
    for _ in range(50):
        releaser.ask()
    go_on.set()
    wait_until(lambda: releaser.releases == 2)
    releaser.stop(timeout=WAIT)
    assert len(calls) == 2


def test_asks_within_the_interval_wait_for_it() -> None:
    released = threading.Event()
    calls: list[int] = []

    def release() -> None:
        calls.append(1)
        released.set()

    releaser = Releaser(interval=3600.0, release=release)
    releaser.start()
    releaser.ask()
    assert released.wait(WAIT)
    for _ in range(10):
        releaser.ask()
    releaser.stop(timeout=WAIT)  # ends the hour's wait: the asks made within it release nothing
    assert len(calls) == 1


def test_a_failing_release_does_not_end_the_thread() -> None:
    calls: list[int] = []

    def release() -> None:
        calls.append(1)
        raise OSError("no")

    releaser = Releaser(interval=0.0, release=release)
    releaser.start()
    releaser.ask()
    wait_until(lambda: releaser.releases == 1)
    releaser.ask()
    wait_until(lambda: releaser.releases == 2)
    releaser.stop(timeout=WAIT)
    assert len(calls) == 2


def test_nothing_is_released_after_stop() -> None:
    calls: list[int] = []
    releaser = Releaser(interval=0.0, release=lambda: calls.append(1))
    releaser.start()
    releaser.stop(timeout=WAIT)
    releaser.ask()
    assert calls == []


def test_release_freed_memory_says_whether_the_c_library_could() -> None:
    released = release_freed_memory()
    assert isinstance(released, bool)
    if platform.libc_ver()[0] != "glibc":
        assert released is False


def test_the_front_gives_memory_back_by_default(data: Path) -> None:
    front = Front(app_for(data), FrontSettings(), page_threads=1, query_threads=1)
    assert isinstance(front.memory, Releaser) and front.memory._release is release_freed_memory
