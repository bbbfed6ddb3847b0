"""Calling the WSGI app (PEP 3333) for the RSGI front (:mod:`bolekg.web.front`): the environ from a
request taken off Granian's scope, and the app's answer as a reply Granian can send — whole, from a
file, or streamed in pieces.

The environ is built from Granian's scope as PEP 3333 says: ``PATH_INFO`` percent-decoded and
carried as latin-1 (Granian decodes the path as UTF-8, replacing bytes that are not: the app never
sees those bytes, as Werkzeug would have replaced them too), ``QUERY_STRING`` as sent, each header as
``HTTP_*`` with repeated headers joined (RFC 9110 §5.3; cookies with ``"; "``, RFC 6265 §5.4). A
header whose name holds ``_`` is dropped: its ``HTTP_*`` name would be the same as the one with ``-``
(``X_Forwarded_For`` passing for ``X-Forwarded-For``), as nginx and gunicorn drop them.
"""

from __future__ import annotations

import io
import logging
import os
import re
import sys
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("bolekg.front")

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

#: Bytes of a reply gathered in a thread before they are sent; then the size of each streamed piece.
PIECE = 1 << 20
#: Headers sent with every reply of this module's own (as on every reply of the app: Fetch §3.6).
PLAIN = (("Content-Type", "text/plain; charset=utf-8"), ("X-Content-Type-Options", "nosniff"),
         ("Referrer-Policy", "no-referrer"))


class FileWrapper:
    """``wsgi.file_wrapper`` (PEP 3333, "Optional Platform-Specific File Handling"): an iterable over a
    file that the front recognises, so that Granian sends the file from disk (``response_file``). Also
    an ordinary iterable, for a server-side caller that does not look (Werkzeug's ranges seek it)."""

    def __init__(self, filelike: Any, block_size: int = 8192):
        self.filelike = filelike
        self.block_size = block_size

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        data = self.filelike.read(self.block_size)
        if data:
            return data
        raise StopIteration

    def seekable(self) -> bool:
        return bool(getattr(self.filelike, "seekable", lambda: False)())

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.filelike.seek(offset, whence)

    def tell(self) -> int:
        return self.filelike.tell()

    def close(self) -> None:
        close = getattr(self.filelike, "close", None)
        if close is not None:
            close()


@dataclass(frozen=True, slots=True)
class Request:
    """What the app needs of a request, taken from Granian's scope on the loop (the scope stays there)."""

    method: str
    path: str
    query_string: str
    headers: list[tuple[str, str]]
    server: str
    client: str
    scheme: str
    http_version: str
    body: bytes | None  # None: the request had no body (no Content-Length, not chunked)


@dataclass(slots=True)
class Reply:
    """What the app answered, ready for Granian: a body, or a file to send, or the start of a stream."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes = b""
    file: str | None = None
    #: The rest of a body longer than :data:`PIECE`, still to be taken from the app's iterable.
    rest: Iterator[bytes] | None = None
    #: What the app returned, to ``close()`` when the reply is over (PEP 3333).
    result: Any = None


class _Start:
    """``start_response`` of one request (PEP 3333), and what it was told."""

    __slots__ = ("headers", "sent", "status", "written")

    def __init__(self) -> None:
        self.status: str | None = None
        self.headers: list[tuple[str, str]] = []
        self.written: list[bytes] = []
        self.sent = False

    def __call__(self, status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
        if exc_info is not None:
            try:
                if self.sent:  # too late to change the status: PEP 3333 says re-raise
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        elif self.status is not None:
            raise AssertionError("start_response was called twice without exc_info")
        self.status = status
        self.headers = headers
        return self.written.append


_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
#: Headers already found good: most replies repeat the very pairs of one before (bounded all the same).
_GOOD: set[tuple[str, str]] = set()


def checked_headers(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The app's headers as Granian takes them, or ``ValueError``.

    Granian turns each pair into a header with ``unwrap()``: a name that is not a token (RFC 9110
    §5.1) or a value with a control character (§5.5) would panic its thread — and a CR LF in a value
    is a response-splitting attempt. A latin-1 value beyond ASCII (PEP 3333 headers are latin-1 strs)
    is sent as the bytes it stands for, which must then be UTF-8 (Granian takes a ``str``)."""
    try:
        if _GOOD.issuperset(headers):  # one C call for the common case
            return headers
    except TypeError:  # a pair that is a list: checked below
        pass
    checked = []
    for name, value in headers:
        if not _TOKEN.fullmatch(name):
            raise ValueError(f"the app sent an invalid header name: {name!r}")
        if _CONTROL.search(value):
            raise ValueError(f"the app sent a control character in the header {name!r}")
        if value.isascii():
            if len(_GOOD) >= 4096:
                _GOOD.clear()
            _GOOD.add((name, value))
        else:
            value = value.encode("latin-1").decode("utf-8")
        checked.append((name, value))
    return checked


def _split_address(address: str) -> tuple[str, str]:
    """``host:port`` (``[v6]:port``) as Granian writes a socket address, split."""
    host, _, port = address.rpartition(":")
    return host.strip("[]"), port


#: ``HTTP_*`` names of the headers seen so far (clients send few distinct ones; bounded all the same).
_ENVIRON_NAMES: dict[str, str | None] = {}


def _environ_name(header: str) -> str | None:
    name = _ENVIRON_NAMES.get(header)
    if name is None and header not in _ENVIRON_NAMES:
        if "_" in header:
            name = None  # would pass for the header with "-" (see the module's docstring)
        elif header == "content-type":
            name = "CONTENT_TYPE"
        elif header == "content-length":
            name = "CONTENT_LENGTH"
        else:
            name = "HTTP_" + header.upper().replace("-", "_")
        if len(_ENVIRON_NAMES) < 4096:
            _ENVIRON_NAMES[header] = name
    return name


_PROTOCOLS = {"1": "HTTP/1.0", "1.1": "HTTP/1.1", "2": "HTTP/2", "3": "HTTP/3"}
#: The environ's entries that are the same for every request (copied: a dict copy is one C call).
_CONSTANT = {
    "SCRIPT_NAME": "",
    "SERVER_SOFTWARE": "bolekg (Granian RSGI)",
    "wsgi.version": (1, 0),
    "wsgi.errors": sys.stderr,
    "wsgi.multithread": True,
    "wsgi.multiprocess": False,
    "wsgi.run_once": False,
    "wsgi.input_terminated": True,
    "wsgi.file_wrapper": FileWrapper,
}
#: The entries that depend on the listening socket, the HTTP version and the scheme (a server has few).
_SERVERS: dict[tuple[str, str, str], dict[str, Any]] = {}


def _server_entries(server: str, http_version: str, scheme: str) -> dict[str, Any]:
    key = (server, http_version, scheme)
    entries = _SERVERS.get(key)
    if entries is None:
        name, port = _split_address(server)
        entries = {**_CONSTANT, "SERVER_NAME": name, "SERVER_PORT": port,
                   "SERVER_PROTOCOL": _PROTOCOLS.get(http_version, "HTTP/1.1"), "wsgi.url_scheme": scheme}
        if len(_SERVERS) < 64:
            _SERVERS[key] = entries
    return entries


def environ_for(request: Request) -> dict[str, Any]:
    """The PEP 3333 environ of ``request``."""
    environ = _server_entries(request.server, request.http_version, request.scheme).copy()
    path, query_string = request.path, request.query_string
    environ["REQUEST_METHOD"] = request.method
    # bytes in a latin-1 str ("native strings"): Granian gives the path decoded as UTF-8, the query
    # string as sent (its HTTP parser takes nothing beyond ASCII that is not UTF-8)
    environ["PATH_INFO"] = path if path.isascii() else path.encode("utf-8").decode("latin-1")
    environ["QUERY_STRING"] = query_string if query_string.isascii() else query_string.encode("utf-8").decode("latin-1")
    host, _, port = request.client.rpartition(":")
    environ["REMOTE_ADDR"] = host[1:-1] if host[:1] == "[" else host
    environ["REMOTE_PORT"] = port
    body = request.body
    environ["wsgi.input"] = io.BytesIO(body or b"")
    for header, value in request.headers:
        name = _ENVIRON_NAMES.get(header) or _environ_name(header)
        if name is None:
            continue
        if name in environ:
            if name == "HTTP_TRANSFER_ENCODING" or name == "CONTENT_LENGTH":
                continue
            environ[name] += ("; " if name == "HTTP_COOKIE" else ", ") + value
        else:
            environ[name] = value
    if body is not None:
        # the front read the body: its framing is undone, and it has a length
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        environ["CONTENT_LENGTH"] = str(len(body))
    return environ


def call_app(app: WSGIApp, request: Request) -> Reply:
    """Run the app for ``request`` (in a pool's thread) and take its reply: whole if it is short, or a
    file to send, or its start and the rest to stream."""
    start = _Start()
    try:
        result = app(environ_for(request), start)
    except Exception:  # any failure of the app is a 500 with a reference
        return _failed(request)
    try:
        if isinstance(result, FileWrapper) and not start.written:
            reply = _file_reply(start, result)
            if reply is not None:
                return reply
        if type(result) is list and not start.written and len(result) <= 1:  # the common case: one piece
            reply = _reply(start, result[0] if result else b"")
            close_result(result)
            return reply
        parts = list(start.written)
        size = sum(len(part) for part in parts)
        iterator = iter(result)
        for chunk in iterator:
            if chunk:
                parts.append(chunk)
                size += len(chunk)
                if size >= PIECE:
                    reply = _reply(start, b"".join(parts))
                    reply.rest, reply.result = iterator, result
                    start.sent = True
                    return reply
        reply = _reply(start, b"".join(parts))
    except Exception:
        close_result(result)
        return _failed(request)
    close_result(result)
    return reply


def _reply(start: _Start, body: bytes) -> Reply:
    if start.status is None:
        raise RuntimeError("the app returned without calling start_response")
    return Reply(int(start.status[:3]), checked_headers(start.headers), body)


def _file_reply(start: _Start, wrapper: FileWrapper) -> Reply | None:
    """A file Granian can send from disk by its path: a regular file, read from its start, whose path
    still names it and whose size is the length the app announced; else ``None`` (it is iterated)."""
    filelike = wrapper.filelike
    path = getattr(filelike, "name", None)
    if not isinstance(path, str):
        return None
    try:
        if filelike.tell() != 0:
            return None
        opened = os.fstat(filelike.fileno())
        named = os.stat(path)
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return None
    # the same file (a dump replaced after a write is another inode), and its whole length: Granian
    # opens the path itself (the window for a replacement between this check and its open is a
    # moment, against a dump build's seconds)
    if (opened.st_dev, opened.st_ino) != (named.st_dev, named.st_ino) or not os.path.isfile(path):
        return None
    length = next((value for name, value in start.headers if name.lower() == "content-length"), None)
    if length is not None and length != str(opened.st_size):
        return None
    reply = _reply(start, b"")
    reply.file = os.path.abspath(path)
    wrapper.close()
    return reply


def _failed(request: Request) -> Reply:
    reference = uuid.uuid4().hex[:12]
    log.error("unhandled error %s on %s %s", reference, request.method, request.path, exc_info=True)
    return plain_reply(500, f"Internal error (reference {reference}); it has been logged.")


def close_result(result: Any) -> None:
    close = getattr(result, "close", None)
    if close is not None:
        try:
            close()
        except Exception:  # the reply is sent; log it, go on
            log.exception("close() of a WSGI reply failed")


def next_piece(iterator: Iterator[bytes]) -> bytes | None:
    """Up to :data:`PIECE` bytes more of a streamed reply; ``None`` at its end."""
    parts: list[bytes] = []
    size = 0
    for chunk in iterator:
        if chunk:
            parts.append(chunk)
            size += len(chunk)
            if size >= PIECE:
                break
    return b"".join(parts) if parts else None


def plain_reply(status: int, message: str, *headers: tuple[str, str]) -> Reply:
    """A reply of the front's own: one line of plain text."""
    return Reply(status, [*PLAIN, *headers], message.rstrip("\n").encode("utf-8") + b"\n")
