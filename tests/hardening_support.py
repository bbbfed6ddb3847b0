"""Real parts for the hardening tests: the app with chosen limits, a listener that must never be called,
raw HTTP requests (odd methods, bytes that are not UTF-8), and the server's processes seen through /proc."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rdflib import Dataset

from bolekg.query.isolation import Pool
from bolekg.settings import Limits
from bolekg.store import EmbeddedStore, GraphStore
from ld_support import Site, new_store, running, small_validator

#: An aggregate over a three-way cartesian product: 10¹² rows on the real data, so it never ends.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
#: The same over two patterns: about 10⁸ rows, long enough for a small time limit, short enough that a
#: remote server gets through it within the test.
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"
#: Quick, but outside the bounded subset (a FILTER): it takes a query worker like any query that is
#: not a lookup (bolekg.query.bounded), where ``ASK {}`` is answered in the serving process.
IN_A_WORKER = "ASK { ?s ?p ?o FILTER(true) }"


@contextlib.contextmanager
def limited_site(kind: str, remote_root: str | None, dataset: Dataset, limits: Limits,
                 token: str | None = None, workers: int = 2, validator=small_validator,  # type: ignore[no-untyped-def]
                 memory_mb: int | None = None, **config: object) -> Iterator[Site]:
    """A fresh store of ``kind`` holding ``dataset``, behind the real app (with ``limits``) under waitress."""
    from bolekg.web import create_app

    store: GraphStore
    if kind == "embedded":
        store = EmbeddedStore(validator=validator, workers=workers, memory_mb=memory_mb)
    else:
        store = new_store(kind, remote_root, validator, timeout=limits.timeout)
    store.load(dataset)
    app = create_app({"STORE": store, "WRITE_TOKEN": token, "LIMITS": limits, **config})
    try:
        with running(app) as root:
            yield Site(root, store, kind, app)
    finally:
        store.close()


class Listener:
    """A loopback TCP server that records every connection: the proof that nothing was fetched."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            with contextlib.suppress(OSError):
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/turtle\r\nContent-Length: 0\r\n\r\n")
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()


@contextlib.contextmanager
def listener() -> Iterator[Listener]:
    server = Listener()
    try:
        yield server
    finally:
        server.close()


@dataclass
class RawReply:
    status: int
    headers: dict[str, str]
    body: bytes


def raw_request(root: str, method: bytes, target: bytes, headers: list[tuple[bytes, bytes]] | None = None,
                body: bytes = b"", timeout: float = 30.0) -> RawReply:
    """Send exactly these bytes (no client-side validation) and read the whole answer.

    ``timeout`` bounds every read: a server that hangs makes this raise ``TimeoutError``.
    """
    host, port = root.removeprefix("http://").split(":")
    lines = [method + b" " + target + b" HTTP/1.1", b"Host: " + host.encode() + b":" + port.encode(),
             b"Connection: close"]
    for name, value in headers or []:
        lines.append(name + b": " + value)
    if body or method in (b"POST", b"PUT", b"PATCH"):
        lines.append(b"Content-Length: " + str(len(body)).encode())
    data = b"\r\n".join(lines) + b"\r\n\r\n" + body
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(data)
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    raw = b"".join(chunks)
    head, _, rest = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.split(b"\r\n")
    parsed = {}
    for line in header_lines:
        name, _, value = line.decode("latin-1").partition(":")
        parsed[name.strip().lower()] = value.strip()
    return RawReply(int(status_line.split()[1]), parsed, rest)


# --- processes --------------------------------------------------------------------------------------


def children(pid: int) -> list[int]:
    """The direct child processes of ``pid`` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return sorted(found)


def rss_mb(pid: int) -> float:
    """Resident memory of one process in MB (0 if it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return 0.0
    return 0.0


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_for(condition, timeout: float = 30.0, interval: float = 0.05) -> bool:  # type: ignore[no-untyped-def]
    """Poll ``condition`` until it holds or ``timeout`` passes (a bound, not a measurement)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return bool(condition())


def pool(site: Site) -> Pool:
    """The query workers of the site's app (its query service's, :mod:`bolekg.query.service`)."""
    return site.app.extensions["bolekg"].queries.pool()  # type: ignore[attr-defined, no-any-return]


def pool_pids(site: Site) -> list[int]:
    return pool(site).pids()


def own_pid() -> int:
    return os.getpid()
