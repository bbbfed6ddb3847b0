"""gzip for every textual reply, negotiated by ``Accept-Encoding`` (RFC 9110 §12.5.3), as WSGI middleware.

Why middleware and not Flask-Compress (the well-kept Flask extension for this, gzip, brotli and zstd,
evaluated for this issue): it is an ``after_request`` hook, and two kinds of reply never pass through
Flask's hooks — the SPARQL answers of the plain-WSGI front (:mod:`bolekg.web.query_wsgi`) and what the
RSGI front replays without a thread (:func:`bolekg.web.serving._kept_replies`); and a file (a dump of
megabytes) it would compress again on every download, as a stream, where this module compresses it once
and lets Granian send the copy from disk. A WSGI layer around the whole app sees the first and the
files; the replay asks :func:`replay_headers` what to do. zlib is in the standard library, so no
dependency is added.

Why gzip only, no brotli: every client that sends ``Accept-Encoding`` takes gzip; brotli would save some
15–20 % more on text for a compiled dependency (``Brotli``) and a second cached copy of every file.
:data:`CODINGS` is where another coding would go.

The rules, per reply:

* compressed only if the type is textual (:func:`compressible`: HTML, JSON, CSV, TSV, SPARQL results, the
  RDF syntaxes, CSS, JavaScript, SVG), the body at least :data:`MIN_SIZE` bytes (below that gzip's own 18
  bytes of framing and a round of CPU buy nothing), it carries no ``Content-Encoding`` already (never
  compress twice), no ``Cache-Control: no-transform`` (RFC 9111 §5.2.2.6), and is not a partial reply
  (206: a range is a range of the representation sent whole; a request with ``Range`` gets identity);
* such a reply says ``Vary: Accept-Encoding`` (RFC 9110 §12.5.5) whether or not this request took gzip,
  so that a cache keeps the two apart; a reply that could never be compressed does not;
* its ``ETag`` gets the suffix ``-gzip`` (RFC 9110 §8.8.3: another representation needs another entity
  tag), and an ``If-None-Match`` naming the suffixed tag is given to the app without it, so that a
  revalidation of the gzip copy still gets its 304 — whose ETag is then suffixed again;
* a body given whole is compressed whole (``Content-Length`` of the result); a file (the app's
  ``wsgi.file_wrapper``: dumps and static files) is compressed once into a file of this process's and sent
  from disk as the original was (:class:`GzipFiles`), kept for as long as the original is unchanged; any
  other iterable is compressed piece by piece as it is produced (``zlib.compressobj``), so a streamed
  reply still streams, without ``Content-Length``;
* HEAD gets the headers GET would get, except the length, which would cost the compression to know
  (RFC 9110 §9.3.2 allows a HEAD to omit it).

Limits of the app (the answer size, the time limits) apply to the body the app makes, before gzip.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import threading
import weakref
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from werkzeug.datastructures import Accept
from werkzeug.http import parse_accept_header

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

#: Bodies shorter than this are sent as they are (nginx's ``gzip_min_length`` idea; Akamai uses 860).
MIN_SIZE = 1024
#: zlib's level: 6 is its default, the usual balance of size against CPU for replies made per request.
LEVEL = 6
#: zlib ``wbits`` for the gzip container (RFC 1952) with a zero MTIME: the same body gives the same bytes.
GZIP_WBITS = 16 + zlib.MAX_WBITS
#: Content codings this middleware can apply: token → ETag suffix.
CODINGS = {"gzip": "-gzip"}
#: A body of known length up to this is compressed whole (sent with its ``Content-Length``); a longer
#: one, or one of unknown length, piece by piece as the app yields it.
WHOLE_SIZE = 8 << 20
#: Textual media types outside ``text/*`` and the ``+json``/``+xml`` suffixes (RFC 6839).
_TEXTUAL = frozenset({
    "application/json", "application/xml", "application/javascript", "application/ecmascript",
    "application/n-triples", "application/n-quads", "application/trig", "application/sparql-query",
    "application/sparql-update", "image/svg+xml", "image/x-icon", "image/vnd.microsoft.icon",
})
#: Files compressed at once (dumps of a few versions, the static files).
FILE_ENTRIES = 64


def compressible(content_type: str | None) -> bool:
    """Is a body of this type worth gzip: text, not an already compressed format (PNG, zip, gzip …)."""
    if not content_type:
        return False
    media = content_type.partition(";")[0].strip().lower()
    return media.startswith("text/") or media in _TEXTUAL or media.endswith(("+json", "+xml"))


def accepted_coding(accept_encoding: str | None) -> str | None:
    """The coding of :data:`CODINGS` that ``Accept-Encoding`` prefers, or ``None`` for identity.

    RFC 9110 §12.5.3: a coding with ``q=0`` is refused, ``*`` stands for every coding not named, and
    without the header no coding is used (a client that says nothing gets what it can surely read).
    ``x-gzip`` is ``gzip`` (§8.4.1.3). Werkzeug parses the header (``Accept`` handles ``*`` and qvalues)."""
    if not accept_encoding:
        return None
    accept = parse_accept_header(accept_encoding.replace("x-gzip", "gzip"), Accept)
    best, best_q = None, 0.0
    for coding in CODINGS:
        quality = accept.quality(coding)
        if quality > best_q:
            best, best_q = coding, quality
    return best


def _header(headers: Sequence[tuple[str, str]], name: str) -> str | None:
    lowered = name.lower()
    return next((value for key, value in headers if key.lower() == lowered), None)


def _without(headers: Iterable[tuple[str, str]], *names: str) -> list[tuple[str, str]]:
    dropped = {name.lower() for name in names}
    return [(key, value) for key, value in headers if key.lower() not in dropped]


def _with_vary(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``Vary`` with ``Accept-Encoding`` added to what it names (one header, RFC 9110 §12.5.5)."""
    current = _header(headers, "Vary")
    if current is None:
        return [*headers, ("Vary", "Accept-Encoding")]
    names = [part.strip() for part in current.split(",") if part.strip()]
    if "*" in names or "accept-encoding" in (n.lower() for n in names):
        return headers
    return [*_without(headers, "Vary"), ("Vary", ", ".join([*names, "Accept-Encoding"]))]


def suffixed(etag: str, suffix: str) -> str:
    """``"abc"`` → ``"abc-gzip"``, ``W/"abc"`` → ``W/"abc-gzip"`` (RFC 9110 §8.8.3)."""
    if etag.endswith('"') and len(etag) >= 2:
        return etag[:-1] + suffix + '"'
    return etag


_TAG = re.compile(r'(W/)?"([^"]*)"')


def _unsuffixed_condition(value: str, suffix: str) -> str:
    """An ``If-None-Match`` with ``suffix`` taken off every tag (the app knows its tags unsuffixed)."""
    return _TAG.sub(lambda m: f'{m.group(1) or ""}"{m.group(2).removesuffix(suffix)}"', value)


def replay_headers(headers: Sequence[tuple[str, str]], body_size: int,
                   accept_encoding: str | None) -> list[tuple[str, str]] | None:
    """The headers of a reply kept whole (the RSGI front's replay on the event loop) as this middleware
    would send them — or ``None`` when the middleware would compress it, so the request must take the
    WSGI path (compressing on the event loop would hold every other client)."""
    listed = list(headers)
    if not _eligible(200, listed, body_size, MIN_SIZE):
        return listed
    if accepted_coding(accept_encoding) is not None:
        return None
    return _with_vary(listed)


def _eligible(status: int, headers: Sequence[tuple[str, str]], size: int | None, min_size: int) -> bool:
    """Whether a reply with this status, these headers and a body of ``size`` bytes (``None``: not known
    yet, a stream) would be compressed for a client that takes gzip."""
    if status < 200 or status in (204, 206, 304):
        return False
    if _header(headers, "Content-Encoding") not in (None, "", "identity"):
        return False
    if "no-transform" in (_header(headers, "Cache-Control") or "").lower():
        return False
    if not compressible(_header(headers, "Content-Type")):
        return False
    return size is None or size >= min_size


def _declared_size(headers: Sequence[tuple[str, str]]) -> int | None:
    try:
        value = _header(headers, "Content-Length")
        return None if value is None else int(value)
    except ValueError:
        return None


class GzipFiles:
    """gzip copies of files the app sends, on disk, made once per file content: a dump is compressed
    on its first gzip download (and again only when a write makes a new dump), a static file once per
    server. A copy is found by the original's path, inode, size and modification time; copies whose
    original changed or went are deleted when the next copy is made, and at most :data:`FILE_ENTRIES`
    are kept. The directory is made on first use under the server's temporary directory
    (:func:`bolekg.web.serving.scratch_directory`) and removed with this object."""

    def __init__(self, level: int = LEVEL):
        self.level = level
        self._entries: OrderedDict[tuple[Any, ...], Path] = OrderedDict()
        self._lock = threading.Lock()
        self._building: dict[tuple[Any, ...], threading.Lock] = {}
        self._directory: Path | None = None

    def _dir(self) -> Path:
        if self._directory is None:
            from bolekg.web.serving import scratch_directory

            self._directory = Path(tempfile.mkdtemp(prefix="bolekg-gzip-", dir=scratch_directory()))
            weakref.finalize(self, shutil.rmtree, self._directory, ignore_errors=True)
        return self._directory

    @staticmethod
    def _key(path: str) -> tuple[Any, ...]:
        found = os.stat(path)
        return (os.path.realpath(path), found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns)

    def copy(self, path: str) -> Path:
        """The gzip copy of the file at ``path`` as it is now, made if needed (one build per content,
        others asking meanwhile wait for it)."""
        key = self._key(path)
        with self._lock:
            found = self._entries.get(key)
            if found is not None and found.exists():
                self._entries.move_to_end(key)
                return found
            gate = self._building.setdefault(key, threading.Lock())
        with gate:
            with self._lock:
                found = self._entries.get(key)
                if found is not None and found.exists():
                    return found
            try:
                made = self._build(path, key)
            finally:
                with self._lock:
                    self._building.pop(key, None)
            with self._lock:
                self._entries[key] = made
                self._sweep()
            return made

    def _build(self, path: str, key: tuple[Any, ...]) -> Path:
        directory = self._dir()
        name = hashlib.sha256(repr(key).encode()).hexdigest()[:24] + ".gz"
        final = directory / name
        partial = directory / f".{name}.{threading.get_ident()}.part"
        compressor = zlib.compressobj(self.level, zlib.DEFLATED, GZIP_WBITS)
        try:
            with open(path, "rb") as source, partial.open("wb") as out:
                for chunk in iter(lambda: source.read(1 << 20), b""):
                    out.write(compressor.compress(chunk))
                out.write(compressor.flush())
            partial.replace(final)
        finally:
            partial.unlink(missing_ok=True)
        return final

    def _sweep(self) -> None:
        """Under the lock: drop copies whose original changed or is gone, and the oldest beyond the bound."""
        for key in list(self._entries):
            try:
                current = self._key(key[0])
            except OSError:
                current = None
            if current != key:
                self._entries.pop(key).unlink(missing_ok=True)
        while len(self._entries) > FILE_ENTRIES:
            _, oldest = self._entries.popitem(last=False)
            oldest.unlink(missing_ok=True)


def _file_of(result: Any) -> str | None:
    """The path of the file behind a ``wsgi.file_wrapper`` result (ours keeps it as ``filelike``,
    waitress's as ``file``), if it is a regular file read from its start."""
    filelike: Any = getattr(result, "filelike", None) or getattr(result, "file", None)
    path = getattr(filelike, "name", None)
    if not isinstance(path, str) or not os.path.isfile(path):
        return None
    try:
        if filelike.tell() != 0:
            return None
    except (AttributeError, OSError, ValueError):
        return None
    return path


def _close(result: Any) -> None:
    close = getattr(result, "close", None)
    if close is not None:
        close()


def _streamed(result: Iterable[bytes], first: list[bytes], level: int) -> Iterator[bytes]:
    """gzip of ``first`` then of what ``result`` yields, piece by piece; ``result`` closed at the end."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, GZIP_WBITS)
    try:
        for chunk in first:
            if chunk:
                out = compressor.compress(chunk)
                if out:
                    yield out
        for chunk in result:
            if chunk:
                out = compressor.compress(chunk)
                if out:
                    yield out
        yield compressor.flush()
    finally:
        _close(result)


class Compress:
    """The WSGI middleware (see the module's docstring)."""

    def __init__(self, app: WSGIApp, level: int = LEVEL, min_size: int = MIN_SIZE):
        self.app = app
        self.level = level
        self.min_size = min_size
        self.files = GzipFiles(level)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        coding = None if "HTTP_RANGE" in environ else accepted_coding(environ.get("HTTP_ACCEPT_ENCODING"))
        suffix = CODINGS[coding] if coding else ""
        condition = environ.get("HTTP_IF_NONE_MATCH")
        if coding and condition and suffix in condition:
            environ["HTTP_IF_NONE_MATCH"] = _unsuffixed_condition(condition, suffix)
        seen: dict[str, Any] = {}
        written: list[bytes] = []

        def record(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
            if exc_info is not None and seen.get("sent"):
                raise exc_info[1].with_traceback(exc_info[2])
            seen["status"], seen["headers"] = status, headers
            return written.append

        result = self.app(environ, record)
        first: list[bytes] = list(written)
        if "status" not in seen:  # start_response may come with the first piece (PEP 3333)
            iterator = iter(result)
            for chunk in iterator:
                first.append(chunk)
                if chunk or "status" in seen:
                    break
            result = _Rest(iterator, result)
        status_line: str = seen["status"]
        headers: list[tuple[str, str]] = list(seen["headers"])
        status = int(status_line[:3])
        head = environ.get("REQUEST_METHOD") == "HEAD"
        whole: bytes | None = None
        if type(result) is list and not head:  # the plain-WSGI front's answers: one piece, no length
            whole = b"".join([*first, *result])
            size: int | None = len(whole)
        else:
            size = _declared_size(headers)

        if status == 304 and coding and condition and suffix in condition:
            # the client revalidates its gzip copy (the app compared the tag without the suffix)
            etag = _header(headers, "ETag")
            if etag is not None:
                headers = _with_vary([*_without(headers, "ETag"), ("ETag", suffixed(etag, suffix))])
        if _eligible(status, headers, size, self.min_size):
            headers = _with_vary(headers)
        else:
            coding = None
        if coding is None:
            seen["sent"] = True
            start_response(status_line, headers)
            return self._identity(result, first, whole)

        headers = _without(headers, "Content-Length")
        headers.append(("Content-Encoding", coding))
        etag = _header(headers, "ETag")
        if etag is not None:
            headers = [*_without(headers, "ETag"), ("ETag", suffixed(etag, suffix))]
        seen["sent"] = True
        if head:
            start_response(status_line, headers)
            _close(result)
            return []
        path = None if first or whole is not None else _file_of(result)
        if path is not None:
            copy = self.files.copy(path)
            _close(result)
            start_response(status_line, [*headers, ("Content-Length", str(copy.stat().st_size))])
            opened = copy.open("rb")
            wrapper = environ.get("wsgi.file_wrapper")
            return wrapper(opened, 1 << 16) if wrapper is not None else _read_file(opened)
        if whole is None and size is not None and size <= WHOLE_SIZE:
            # Flask's responses: a body of known length, handed over as an iterable of its pieces
            try:
                whole = b"".join([*first, *result])
            except BaseException:
                _close(result)
                raise
        if whole is not None:
            body = zlib.compress(whole, self.level, GZIP_WBITS)
            start_response(status_line, [*headers, ("Content-Length", str(len(body)))])
            _close(result)
            return [body]
        start_response(status_line, headers)
        return _streamed(result, first, self.level)

    @staticmethod
    def _identity(result: Iterable[bytes], first: list[bytes], whole: bytes | None) -> Iterable[bytes]:
        if whole is not None:
            _close(result)
            return [whole]
        if first:
            return _Rest(iter(result), result, first)
        return result


def _read_file(opened: Any) -> Iterator[bytes]:
    with opened:
        yield from iter(lambda: opened.read(1 << 16), b"")


class _Rest:
    """An iterable of ``before`` and then the rest of ``iterator``, closing ``result`` (PEP 3333)."""

    def __init__(self, iterator: Iterator[bytes], result: Any, before: list[bytes] | None = None):
        self.iterator = iterator
        self.result = result
        self.before = before or []

    def __iter__(self) -> Iterator[bytes]:
        yield from self.before
        yield from self.iterator

    def close(self) -> None:
        _close(self.result)
