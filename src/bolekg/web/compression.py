"""gzip or brotli for every textual reply, negotiated by ``Accept-Encoding`` (RFC 9110 §12.5.3), as WSGI
middleware.

Why middleware and not Flask-Compress (the well-kept Flask extension for this, gzip, brotli and zstd,
evaluated for this issue): it is an ``after_request`` hook, and two kinds of reply never pass through
Flask's hooks — the SPARQL answers of the plain-WSGI front (:mod:`bolekg.web.query_wsgi`) and what the
RSGI front replays without a thread (:func:`bolekg.web.serving._kept_replies`); and a file (a dump of
megabytes) it would compress again on every download, as a stream, where this module compresses it once
and lets Granian send the copy from disk. A WSGI layer around the whole app sees the first and the
files; the replay asks :func:`replay_headers` what to do. zlib is in the standard library.

Brotli (RFC 7932, ``br``) saves some 15–20 % more than gzip on this site's text (HTML, Turtle, CSV);
every current browser asks for it over HTTPS and many over loopback. It comes from Google's own
bindings on PyPI (``Brotli``, the reference C library; wheels for every platform we run on). If that
package is missing the site still serves gzip: :data:`CODINGS` then holds gzip only.

Which coding: the one with the highest qvalue; between equal qvalues one the client named over one it
only allowed through ``*``, then brotli over gzip (smaller). ``*`` alone gets gzip: a client that names
nothing is more surely served by the older coding.

The rules, per reply:

* compressed only if the type is textual (:func:`compressible`: HTML, JSON, CSV, TSV, SPARQL results, the
  RDF syntaxes, CSS, JavaScript, SVG), the body at least :data:`MIN_SIZE` bytes (below that gzip's own 18
  bytes of framing and a round of CPU buy nothing), it carries no ``Content-Encoding`` already (never
  compress twice), no ``Cache-Control: no-transform`` (RFC 9111 §5.2.2.6), and is not a partial reply
  (206: a range is a range of the representation sent whole; a request with ``Range`` gets identity);
* such a reply says ``Vary: Accept-Encoding`` (RFC 9110 §12.5.5) whether or not this request took gzip,
  so that a cache keeps the two apart; a reply that could never be compressed does not;
* its ``ETag`` gets the suffix ``-gzip`` or ``-br`` (RFC 9110 §8.8.3: another representation needs
  another entity tag), and an ``If-None-Match`` naming the suffixed tag is given to the app without it,
  so that a revalidation of the compressed copy still gets its 304 — whose ETag is then suffixed again;
* a body given whole is compressed whole (``Content-Length`` of the result); a file (the app's
  ``wsgi.file_wrapper``: dumps and static files) is compressed once per coding into a file of this
  process's and sent from disk as the original was (:class:`GzipFiles`), kept for as long as the original
  is unchanged; any other iterable is compressed piece by piece as it is produced (an incremental
  compressor, flushed only at the end), so a streamed reply still streams, without ``Content-Length``;
* HEAD gets the headers GET would get, except the length, which would cost the compression to know
  (RFC 9110 §9.3.2 allows a HEAD to omit it).

Limits of the app (the answer size, the time limits) apply to the body the app makes, before compression.
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

try:
    import brotli  # type: ignore[import-untyped]  # the package ships no types
except ImportError:  # pragma: no cover - the dependency is declared; without it the site serves gzip
    brotli = None

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

#: Bodies shorter than this are sent as they are (nginx's ``gzip_min_length`` idea; Akamai uses 860).
MIN_SIZE = 1024
#: zlib's level: 6 is its default, the usual balance of size against CPU for replies made per request.
LEVEL = 6
#: zlib ``wbits`` for the gzip container (RFC 1952) with a zero MTIME: the same body gives the same bytes.
GZIP_WBITS = 16 + zlib.MAX_WBITS
#: Brotli's quality (0–11) for replies made per request: 5 compresses about as fast as gzip -6 and
#: smaller; 11 is some 30 times slower for a few per cent more.
BROTLI_QUALITY = 5
#: Brotli's quality for files compressed once (dumps, static files) and then sent many times.
BROTLI_FILE_QUALITY = 9
#: A brotli stream is flushed once this many bytes went in without anything coming out (gzip's encoder
#: emits on its own every few tens of KiB).
STREAM_FLUSH = 64 << 10
#: Content codings this middleware can apply, in the order preferred between equal qvalues: token → ETag
#: suffix.
CODINGS = {"br": "-br", "gzip": "-gzip"} if brotli is not None else {"gzip": "-gzip"}
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
    ``x-gzip`` is ``gzip`` (§8.4.1.3). Werkzeug parses the header (``Accept`` handles ``*`` and qvalues).
    Between equal qvalues a named coding beats one allowed by ``*``; between named ones :data:`CODINGS`'
    order decides, between ones allowed by ``*`` the reverse (gzip)."""
    if not accept_encoding:
        return None
    accept = parse_accept_header(accept_encoding.lower().replace("x-gzip", "gzip"), Accept)
    named = {value.strip() for value, _ in accept}
    best, best_rank = None, (0.0, False, 0)
    for order, coding in enumerate(CODINGS):
        quality = accept.quality(coding)
        # named: brotli first; allowed only by ``*``: gzip first (see the module's docstring)
        rank = (quality, coding in named, -order if coding in named else order)
        if quality > 0 and rank > best_rank:
            best, best_rank = coding, rank
    return best


def compress_whole(body: bytes, coding: str, level: int = LEVEL) -> bytes:
    """``body`` in ``coding`` (gzip with a zero MTIME, so the same body gives the same bytes)."""
    if coding == "br":
        return bytes(brotli.compress(body, quality=BROTLI_QUALITY))
    return zlib.compress(body, level, GZIP_WBITS)


class _Incremental:
    """One interface over zlib's and brotli's incremental compressors: ``add`` returns what is ready,
    ``end`` the rest."""

    def __init__(self, coding: str, level: int = LEVEL, quality: int = BROTLI_QUALITY):
        self.coding = coding
        if coding == "br":
            self._brotli = brotli.Compressor(quality=quality)
            self._held = 0
        else:
            self._zlib = zlib.compressobj(level, zlib.DEFLATED, GZIP_WBITS)

    def add(self, chunk: bytes) -> bytes:
        if self.coding == "br":
            # brotli's encoder keeps up to its whole window (4 MiB at these qualities) before it emits
            # anything: flushed after every STREAM_FLUSH bytes taken in, a stream still streams
            out = bytes(self._brotli.process(chunk))
            self._held = 0 if out else self._held + len(chunk)
            if self._held >= STREAM_FLUSH:
                self._held = 0
                out += bytes(self._brotli.flush())
            return out
        return self._zlib.compress(chunk)

    def end(self) -> bytes:
        if self.coding == "br":
            return bytes(self._brotli.finish())
        return self._zlib.flush()


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


def _names_suffixed(value: str, suffix: str) -> bool:
    """Does an ``If-None-Match`` name a tag ending in ``suffix`` (a copy in that coding)?"""
    return any(m.group(2).endswith(suffix) for m in _TAG.finditer(value))


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
    """Compressed copies (gzip, brotli) of files the app sends, on disk, made once per file content and
    coding: a dump is compressed on its first download in that coding (and again only when a write makes
    a new dump), a static file once per server. A copy is found by the original's path, inode, size and
    modification time and the coding; copies whose original changed or went are deleted when the next
    copy is made, and at most :data:`FILE_ENTRIES` are kept. The directory is made on first use under the
    server's temporary directory (:func:`bolekg.web.serving.scratch_directory`) and removed with this
    object."""

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

    def copy(self, path: str, coding: str = "gzip") -> Path:
        """The ``coding`` copy of the file at ``path`` as it is now, made if needed (one build per content
        and coding, others asking meanwhile wait for it)."""
        key = (*self._key(path), coding)
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
        coding = key[-1]
        name = hashlib.sha256(repr(key).encode()).hexdigest()[:24] + (".br" if coding == "br" else ".gz")
        final = directory / name
        partial = directory / f".{name}.{threading.get_ident()}.part"
        compressor = _Incremental(coding, self.level, BROTLI_FILE_QUALITY)
        try:
            with open(path, "rb") as source, partial.open("wb") as out:
                for chunk in iter(lambda: source.read(1 << 20), b""):
                    out.write(compressor.add(chunk))
                out.write(compressor.end())
            partial.replace(final)
        finally:
            partial.unlink(missing_ok=True)
        return final

    def _sweep(self) -> None:
        """Under the lock: drop copies whose original changed or is gone, and the oldest beyond the bound."""
        for key in list(self._entries):
            try:
                current: tuple[Any, ...] | None = (*self._key(key[0]), key[-1])
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


def _streamed(result: Iterable[bytes], first: list[bytes], level: int, coding: str = "gzip") -> Iterator[bytes]:
    """``coding`` of ``first`` then of what ``result`` yields, piece by piece; ``result`` closed at the end."""
    compressor = _Incremental(coding, level)
    try:
        for chunk in first:
            if chunk:
                out = compressor.add(chunk)
                if out:
                    yield out
        for chunk in result:
            if chunk:
                out = compressor.add(chunk)
                if out:
                    yield out
        yield compressor.end()
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
        if coding and condition and _names_suffixed(condition, suffix):
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

        if status == 304 and coding and condition and _names_suffixed(condition, suffix):
            # the client revalidates its compressed copy (the app compared the tag without the suffix)
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
            copy = self.files.copy(path, coding)
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
            body = compress_whole(whole, coding, self.level)
            start_response(status_line, [*headers, ("Content-Length", str(len(body)))])
            _close(result)
            return [body]
        start_response(status_line, headers)
        return _streamed(result, first, self.level, coding)

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
