"""One simulated client's HTTP/1.1 connection over loopback, and the requests it sends.

A minimal client (keep-alive, ``Content-Length`` and chunked bodies) on asyncio streams, so that
hundreds of connections run on one thread, each bound to a loopback source address of its own
(:func:`client_address`) as real clients would have.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
import urllib.parse
from dataclasses import dataclass

#: Source addresses of the hostile clients start here (see :func:`client_address`), away from the
#: browsing clients' (``seed`` + n), so that every client of a run has an address of its own.
RUNAWAY_ADDRESSES, SLOW_ADDRESSES, HTML_ADDRESSES = 10_000, 20_000, 30_000


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


def client_address(host: str, number: int) -> str | None:
    """A source address of its own for client ``number``: on IPv4 the whole 127.0.0.0/8 is loopback
    (Linux answers every address of it), so clients 0, 1, … send from 127.0.1.1, 127.0.1.2, …;
    elsewhere the system chooses."""
    if ipaddress.ip_address(socket.gethostbyname(host)).version != 4:
        return None
    number %= 254 * 250
    return f"127.0.{1 + number // 254}.{1 + number % 254}"


def loopback(root: str) -> tuple[str, int]:
    parsed = urllib.parse.urlsplit(root)
    host = parsed.hostname or ""
    address = socket.gethostbyname(host)
    if not ipaddress.ip_address(address).is_loopback:
        raise ValueError(f"the load test only targets loopback addresses, not {host} ({address})")
    return host, parsed.port or 80

