"""HTTP plumbing the blueprints share: errors, the write gate, conditional responses, negotiation,
and the safety net every response passes through (:func:`install`): security headers, backend failures
as 503/502 with a clear message, and no stack trace ever sent to a client."""

from __future__ import annotations

import hashlib
import hmac
import io
import logging
import re
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, cast
from wsgiref.types import InputStream, StartResponse, WSGIApplication, WSGIEnvironment

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from bolekg.errors import StoreError
from bolekg.formats import TURTLE, Format, UnknownFormat, negotiate
from bolekg.query.protocol import (
    COMMON_HEADERS,
    NOT_UTF8_QUERY_STRING,
    Reply,
    failure_reply,
    negotiated,
    not_acceptable_reply,
    text_reply,
)
from bolekg.store import WriteRejected
from bolekg.web.state import State

if TYPE_CHECKING:
    import pyoxigraph as ox
    from rdflib import Graph

log = logging.getLogger("bolekg.web")

#: Content Security Policy Level 3 (https://www.w3.org/TR/CSP3/) for every HTML page: scripts, styles,
#: images, fonts and fetches come from this server only; no plugins, no framing, forms post here.
#: Inline styles are allowed (the vendored query editor sets them); inline scripts are not.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
def as_response(reply: Reply) -> Response:
    """A framework-free reply (:mod:`bolekg.query.protocol`) as Flask's response."""
    return Response(reply.body, status=reply.status, headers=list(reply.headers))


def text_error(status: int, message: str) -> Response:
    """A plain-text error body: what a person or a script most easily reads."""
    return as_response(text_reply(status, message))


def store_failure(error: StoreError) -> Response:
    """503 or 429 with ``Retry-After``, or 502 (:func:`bolekg.query.protocol.failure_reply`)."""
    return as_response(failure_reply(error))


#: Unicode bidirectional controls (UAX #9 §2: embeddings, overrides, isolates, marks) in UTF-8. Data
#: is text from outside: an override in a label could make the text around it read backwards.
_BIDI_CONTROLS = re.compile(rb"\xe2\x80[\x8e\x8f\xaa-\xae]|\xe2\x81[\xa6-\xa9]|\xd8\x9c")


def _visible(match: re.Match[bytes]) -> bytes:
    return f"[U+{ord(match.group().decode('utf-8')):04X}]".encode()


def _secure(response: Response) -> Response:
    """Security headers; on HTML pages also the CSP, and bidi controls shown as ``[U+202E]`` instead
    of obeyed. This runs on the finished page, so it covers every template and every piece of markup
    built in Python alike (Jinja's autoescape has already made ``<``, ``&`` and quotes harmless)."""
    for name, value in COMMON_HEADERS.items():
        response.headers.setdefault(name, value)
    if response.mimetype in ("text/html", "application/xhtml+xml"):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        if not response.direct_passthrough and response.is_sequence:
            body = response.get_data()
            if _BIDI_CONTROLS.search(body):
                response.set_data(_BIDI_CONTROLS.sub(_visible, body))
    return response


def _unexpected(error: Exception) -> Response | HTTPException:
    """Any exception a view did not handle: logged with its traceback and a reference, answered 500
    with the reference only. HTTP errors raised on purpose (404, 405, 413 …) pass through, and a
    backend failure (:class:`StoreError`) gets its 503, 429 or 502 here (:func:`store_failure`): views
    let it rise rather than catch it themselves."""
    if isinstance(error, HTTPException):
        return error
    if isinstance(error, StoreError):
        return store_failure(error)
    reference = uuid.uuid4().hex[:12]
    log.error("unhandled error %s on %s %s", reference, request.method, request.path, exc_info=error)
    return text_error(500, f"Internal error (reference {reference}); it has been logged.")


def _too_large(error: RequestEntityTooLarge) -> Response:
    """413 (RFC 9110 §15.5.14) raised while a view read the body: a body sent without its length
    (chunked) that grew past the limit, or a multipart part past Werkzeug's form limit. Plain text with
    the limits, like every other refusal (Werkzeug's own page names neither)."""
    return text_error(413, f"The request is larger than this server accepts: a body of at most "
                           f"{current_app.config['MAX_CONTENT_LENGTH']} bytes (BOLEKG_MAX_BODY_BYTES), "
                           f"a form field of at most {request.max_form_memory_size} bytes.")


def _plain(start_response: StartResponse, status: str, message: str) -> list[bytes]:
    body = message.encode("utf-8") + b"\n"
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body))),
                            *COMMON_HEADERS.items()])
    return [body]


class _RequestGate:
    """WSGI middleware, before any route: a request whose query string is raw bytes that are not UTF-8
    gets a 400, and one whose body is longer than ``max_body`` bytes a 413 (RFC 9110 §15.5.14), on every
    route, whatever the method and media type, before the body is read.

    URLs are UTF-8 (RFC 3986 §2.5, and a query string is percent-encoded UTF-8 by the URL standard);
    Werkzeug decodes ``QUERY_STRING`` strictly when a view first reads ``request.args``, so such bytes
    would otherwise surface as an exception in whatever code touched the parameters first.
    (Percent-encoded bytes that are not UTF-8 pass here; ``/sparql`` refuses them in the parameters it
    reads, :func:`bolekg.query.protocol.form_fields`.) The size is checked here rather than left to Werkzeug,
    which raises it from whatever first reads the body (once from an ``after_request`` hook, which made
    it a 500). A chunked body (RFC 9112 §7.1: no ``Content-Length``) is read here, up to the limit, and
    handed on with its length: Werkzeug reads such a stream only up to the limit and returns what it
    read without a word (under Granian a query cut short was a 400 for a syntax error, an upload would
    have been cut).
    """

    def __init__(self, app: WSGIApplication, max_body: int | None):
        self.app = app
        self.max_body = max_body

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        try:
            environ.get("QUERY_STRING", "").encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return _plain(start_response, "400 Bad Request", NOT_UTF8_QUERY_STRING)
        length = environ.get("CONTENT_LENGTH")
        if self.max_body is None:
            pass
        elif length:
            try:
                size = int(length)
            except ValueError:
                size = 0  # not a length: the server or Werkzeug deal with it
            if size > self.max_body:
                return _plain(start_response, "413 Content Too Large",
                              f"The request body is {size} bytes; this server accepts at most {self.max_body} "
                              "(BOLEKG_MAX_BODY_BYTES).")
        elif "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            body = _read_at_most(environ["wsgi.input"], self.max_body + 1)
            if len(body) > self.max_body:
                return _plain(start_response, "413 Content Too Large",
                              f"The request body is longer than this server accepts: at most {self.max_body} "
                              "bytes (BOLEKG_MAX_BODY_BYTES).")
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
        return self.app(environ, start_response)


def _read_at_most(stream: InputStream, limit: int) -> bytes:
    """Up to ``limit`` bytes of ``stream``, fewer if it ends first."""
    parts: list[bytes] = []
    size = 0
    while size < limit:
        chunk = stream.read(min(limit - size, 1 << 20))
        if not chunk:
            break
        parts.append(chunk)
        size += len(chunk)
    return b"".join(parts)


def _no_type_without_content(response: Response) -> Response:
    """A reply with no content has no media type: 204 and 304 never have content (RFC 9110 §15.3.5,
    §15.4.5), and an empty 201 has none to describe (§8.3). Flask gives every response its default
    ``text/html``, which would tell a client there is an HTML document."""
    if response.status_code in (204, 304) or (response.status_code == 201 and not response.content_length
                                              and not response.is_streamed and not response.get_data()):
        response.headers.pop("Content-Type", None)
    return response


def install(app: Flask) -> None:
    """Security headers on every response, the error handlers above, and the request gate (UTF-8 query
    strings, the body limit ``MAX_CONTENT_LENGTH``)."""
    app.after_request(_secure)
    app.after_request(_no_type_without_content)
    app.register_error_handler(RequestEntityTooLarge, _too_large)
    app.register_error_handler(Exception, _unexpected)
    gate = _RequestGate(app.wsgi_app, app.config["MAX_CONTENT_LENGTH"])
    app.wsgi_app = gate  # type: ignore[method-assign]  # Flask's documented way to add WSGI middleware


def write_refusal(state: State) -> Response | None:
    """The write gate: writes exist only with a configured token, and only for its bearer.

    400 with the reason when writing is off (a public endpoint takes no updates, whoever asks);
    401 with ``WWW-Authenticate: Bearer`` (RFC 6750 §3) when no token was sent; 403 for a wrong token.
    """
    if not state.write_token:
        return text_error(400, "Updates are not accepted on this public endpoint: writes are disabled "
                               "(the server must be started with BOLEKG_WRITE_TOKEN set).")
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        response = text_error(401, "Writes need 'Authorization: Bearer <token>'.")
        response.headers["WWW-Authenticate"] = 'Bearer realm="bolekg"'
        return response
    if not hmac.compare_digest(token.strip().encode(), state.write_token.encode()):
        return text_error(403, "The bearer token is not the write token.")
    return None


def rejected(error: WriteRejected) -> Response:
    """422: the write would break the shapes; the SHACL report, readable (or as Turtle if asked)."""
    fmt = negotiate((Format("text", "text/plain", "txt"), TURTLE), request.headers.get("Accept"))
    if fmt is TURTLE:
        body = error.outcome.report.serialize(format="turtle", encoding="utf-8")
        return Response(body, status=422, content_type=TURTLE.content_type)
    return text_error(422, "Refused: the result would not conform to the shapes; nothing was changed.\n\n"
                      + error.report_text())


#: ``choose``'s default: read ``format=`` from the request's parameters.
_FROM_REQUEST = object()


def choose(offers: Sequence[Format], requested: str | object | None = _FROM_REQUEST) -> Format | Response:
    """The format for this request (``format=`` — ``requested`` when the caller has read it — or
    Accept), or the 400/406 response to send."""
    wanted = request.values.get("format") if requested is _FROM_REQUEST else cast("str | None", requested)
    fmt = negotiated(tuple(offers), request.headers.get("Accept"), wanted)
    if isinstance(fmt, str):
        return text_error(400, fmt)
    if fmt is None:
        return not_acceptable(offers)
    return fmt


def not_acceptable(offers: Sequence[Format]) -> Response:
    """406 (RFC 9110 §15.5.7), naming what is offered."""
    return as_response(not_acceptable_reply(tuple(offers)))


def conditional(response: Response, last_modified: datetime | None = None, negotiated: bool = True) -> Response:
    """Strong ETag from the body, Last-Modified from the store (RFC 9110 §8.8), 304 when fresh."""
    if negotiated:
        response.vary.add("Accept")
    if response.status_code == 200:
        digest = hashlib.sha256(response.get_data()).hexdigest()[:32]
        response.set_etag(digest)
        if last_modified is not None:
            response.last_modified = last_modified
        response.make_conditional(request)
    return response


def rdflib_body(graph: Graph, fmt: Format) -> bytes:
    """Serialise a small description built with rdflib (VoID, service description): rdflib nests its
    blank nodes, which reads far better than a flat list for these hand-built graphs."""
    names = {"turtle": "turtle", "jsonld": "json-ld", "ntriples": "nt", "rdfxml": "xml", "trig": "trig"}
    if fmt.key not in names:
        raise UnknownFormat(f"{fmt.key} is not offered for this description")
    return graph.serialize(format=names[fmt.key], encoding="utf-8")


def triples_body(triples: Iterable[ox.Triple], fmt: Format, prefixes: dict[str, str] | None = None,
                 focus: str | None = None) -> bytes:
    """A document's triples with pyoxigraph's writers: grouped by subject (the Turtle writer merges
    consecutive triples of one subject), ``focus`` first, with only the prefixes the document uses."""
    import pyoxigraph as ox

    if fmt.rdf is None:
        raise UnknownFormat(f"{fmt.key} is not an RDF format")
    ordered = sorted(triples, key=lambda t: (isinstance(t.subject, ox.Triple) or t.subject.value != focus,
                                             isinstance(t.subject, ox.BlankNode), str(t.subject), str(t.predicate)))
    readable = fmt.rdf in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.N3)
    used = None
    if readable and prefixes:
        iris = {term.value for t in ordered for term in (t.subject, t.predicate, t.object)
                if isinstance(term, ox.NamedNode)}
        iris |= {t.object.datatype.value for t in ordered if isinstance(t.object, ox.Literal)}
        used = {p: ns for p, ns in prefixes.items() if any(iri.startswith(ns) for iri in iris)}
    return ox.serialize(ordered, format=fmt.rdf, prefixes=used) or b""
