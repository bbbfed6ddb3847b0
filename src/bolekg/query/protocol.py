"""The SPARQL 1.1 Protocol's query operation (https://www.w3.org/TR/sparql11-protocol/ §2.1), from a
request to its reply, in one framework-free function: :func:`respond`.

Both fronts of ``/sparql`` are adapters over it: the plain-WSGI front, which answers machine clients
without Flask's per-request machinery (:mod:`bolekg.web.query_wsgi`), and the Flask view, which also
renders the HTML results page, the service description and updates (:mod:`bolekg.web.sparql`).
Whatever the path, a request is read, checked and answered the same way:

* the operation where §2.1.1–2.1.3 and §2.2.1–2.2.2 place its parts — GET ``?query=``, POST
  form-encoded, POST ``application/sparql-query`` (updates, §2.2, are recognised and handed back);
  the parameters read from the bytes as sent (:func:`form_fields`): text that is not UTF-8 is a 400,
  a form field too long or too many fields a 413; any other media type a 415;
* the policy (:mod:`bolekg.query.policy`): a query too long is a 413, ``SERVICE`` or an update sent as a
  query a 400;
* the format per kind of result (solutions, boolean, graph), negotiated before the query runs by
  ``format=`` or Accept (RFC 9110 §12.5.1), so that the worker serialises once, in the right format;
  the dataset from ``default-graph-uri`` / ``named-graph-uri`` (§2.1.4), else the union of all graphs;
* the query run by the query service (:mod:`bolekg.query.service`: admission, workers, limits,
  answers), its failures mapped to statuses (400 syntax, 429 and 503 with ``Retry-After``, 502);
* the reply's headers: the media type, ``Vary: Accept``, the truncation headers of the row cap,
  and the headers every response of the server carries (``nosniff``, the referrer policy, CORS on
  reads and query POSTs — never on updates, as :func:`bolekg.web._cors` has it for Flask's routes).

A GET asked again on the same data gets the reply it got before, headers and body, looked up by its
query string and Accept header — all of the request its reply depends on (it varies on Accept only:
RFC 9111 §4.1) — before any of it is parsed. This is the service's answer cache one step earlier:
with many clients, the threads queueing for the interpreter behind parsing the query string,
checking the policy and building the job held the lookup well below the requests a second of
``oxigraph serve`` (bench/results). Only where
the service keeps answers, and under the same version: a write empties both.
"""

from __future__ import annotations

import functools
import logging
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from werkzeug.http import parse_options_header

from bolekg.errors import SparqlSyntaxError, StoreError, TooManyRequests, Unavailable
from bolekg.formats import GRAPH_FORMATS, HTML, RESULT_FORMATS, Format, UnknownFormat, negotiate
from bolekg.query.policy import PolicyViolation, QueryTooLarge, check_query, check_size
from bolekg.query.service import QueryService
from bolekg.settings import Limits
from bolekg.store.jobs import Answer, Job
from bolekg.store.query_text import has_dataset_clause, has_relative_iri, is_absolute_iri
from bolekg.store.results import NTRIPLES_MEDIA, TSV_MEDIA

log = logging.getLogger("bolekg.web")

FORM = "application/x-www-form-urlencoded"
QUERY_MEDIA = "application/sparql-query"
UPDATE_MEDIA = "application/sparql-update"

#: Sent with every response (Fetch §3.6 nosniff; Referrer Policy §3).
COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
#: Response headers that announce a truncated result (``BOLEKG_MAX_ROWS``).
TRUNCATED_HEADER = "X-BoleKG-Truncated"
ROW_LIMIT_HEADER = "X-BoleKG-Row-Limit"
#: CORS headers (Fetch standard §3.2) on reads and query POSTs: any origin may read the answer and
#: the headers a client needs from it.
CORS_READ_HEADERS = (
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Expose-Headers", "ETag, Last-Modified, Content-Location, Link, "
                                      f"{TRUNCATED_HEADER}, {ROW_LIMIT_HEADER}"),
)
#: Seconds a client should wait before retrying after a 503 (RFC 9110 §10.2.3).
RETRY_AFTER = "5"
#: A query string of raw bytes that are not UTF-8 (RFC 3986 §2.5): what every route answers (400).
NOT_UTF8_QUERY_STRING = "The query string is not UTF-8; percent-encode it (RFC 3986)."

#: What each kind of result can be written as.
OFFERS = {"solutions": RESULT_FORMATS, "boolean": RESULT_FORMATS, "graph": GRAPH_FORMATS}
#: What the worker writes when the client wants an HTML page: something cheap to read back.
PAGE_WIRE = {"solutions": TSV_MEDIA, "boolean": "application/sparql-results+json", "graph": NTRIPLES_MEDIA}

#: The parameters this endpoint reads (SPARQL 1.1 Protocol §2.1, §2.2, and ``format=``): their values
#: must be UTF-8 text. Others are never used, so whatever they hold is let be.
READ_PARAMETERS = frozenset({"query", "update", "default-graph-uri", "named-graph-uri", "using-graph-uri",
                             "using-named-graph-uri", "format", "version"})
#: The protocol's own parameters: in a form POST they belong in the body, never in the URL (§2.1.2, §2.2.1).
PROTOCOL_PARAMETERS = READ_PARAMETERS - {"format"}
#: The SPARQL versions this endpoint speaks (SPARQL 1.2 Protocol §2.1; the labels of RDF 1.2 Concepts):
#: pyoxigraph reads SPARQL 1.2 syntax whatever the version says.
SPARQL_VERSIONS = ("1.1", "1.2", "1.2-basic")
#: The longest value of a form field other than ``query`` and ``update`` (which ``BOLEKG_MAX_QUERY_BYTES``
#: bounds), in bytes once percent-decoded: Werkzeug's ``max_form_memory_size``, which Werkzeug itself
#: applies to multipart bodies only. A longer one is a 413 (RFC 9110 §15.5.14).
MAX_FIELD_BYTES = 500_000
#: The most fields a query string or a form body may have (Werkzeug's ``max_form_parts``, likewise for
#: multipart only): more is a 413, before they are parsed — a body of ``&x=`` repeated would otherwise
#: become millions of Python strings.
MAX_FIELDS = 1_000


# --- request and reply ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QueryRequest:
    """What the query operation reads of an HTTP request: the method, the query string as sent, the two
    headers it depends on (Accept, RFC 9110 §12.5.1; Content-Type, §8.3), the body, and who sent it
    (the client of :mod:`bolekg.query.admission`)."""

    method: str
    query_string: bytes
    accept: str | None = None
    content_type: str | None = None
    #: The body, or how to read it: only a form or a query or update sent as the body is read.
    body: bytes | Callable[[], bytes] = b""
    client: str = ""
    #: The endpoint's own IRI as the client addressed it (:func:`endpoint_iri`): relative IRIs in the
    #: query or update resolve against it (SPARQL 1.1 Protocol §2.1.4, §2.2.3).
    base_iri: str = ""
    #: Whether the request carries content (a ``Content-Length`` above 0, or ``Transfer-Encoding``),
    #: which a GET must not (§2.1.1).
    body_sent: bool = False

    @property
    def mimetype(self) -> str:
        return (self.content_type or "").partition(";")[0].strip().lower()

    def read_body(self) -> bytes:
        return self.body if isinstance(self.body, bytes) else self.body()


@dataclass(frozen=True, slots=True)
class Reply:
    """A whole response: the status, the headers (a tuple: each server gets a fresh list of them, as it
    may add its own), the body; and its weight in bytes with the request's key, for the replies kept."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    weight: int = 0

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((value for key, value in self.headers if key.lower() == lowered), None)


class ProtocolError(ValueError):
    """The request breaks the protocol (e.g. two queries, an update by GET): 400, or 415 for a body
    in a media type the protocol does not define, or 413 for fields too long or too many."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass
class Operation:
    kind: str  # "query", "update" or "none"
    text: str
    default_graphs: list[str]
    named_graphs: list[str]
    #: ``format=``, from the URL or else the form body (``None``: negotiate by Accept).
    format: str | None = None
    #: The SPARQL version the client announced (SPARQL 1.2 Protocol §2.1), if any.
    version: str | None = None
    #: ``using-graph-uri`` and ``using-named-graph-uri`` of an update (§2.2.3).
    using_graphs: list[str] = field(default_factory=list)
    using_named_graphs: list[str] = field(default_factory=list)
    #: What relative IRIs resolve against (:attr:`QueryRequest.base_iri`).
    base_iri: str = ""


#: Renders the HTML results page of an answer the worker wrote as :data:`PAGE_WIRE` (the Flask view's).
PageWriter = Callable[[Operation, Answer], str]


# --- reading the request ---------------------------------------------------------------------------


def form_fields(raw: bytes, where: str) -> dict[str, list[str]]:
    """The parameters of a query string or a form-encoded body (URL standard §5.1, ``&``-separated,
    ``+`` for space), read from the bytes as sent.

    Raises :class:`ProtocolError`: 400 when a parameter this endpoint reads is not UTF-8 once
    percent-decoded (U+FFFD in its place would change the query silently), 413 when a field other than
    the query or the update is longer than :data:`MAX_FIELD_BYTES`, or there are more than
    :data:`MAX_FIELDS`. ``where`` says where the fields were ("in the URL", "in the body") for the message.
    """
    # bytes that are not UTF-8, raw or percent-encoded, become lone surrogates (surrogateescape), which
    # the strict UTF-8 encoder refuses below and which give back the bytes sent when a size is counted
    try:
        pairs = urllib.parse.parse_qsl(raw.decode("utf-8", "surrogateescape"), keep_blank_values=True,
                                       encoding="utf-8", errors="surrogateescape", max_num_fields=MAX_FIELDS)
    except ValueError:  # counted (as separators) before anything is parsed
        raise ProtocolError(f"there are more than {MAX_FIELDS} fields {where}; this endpoint reads at most "
                            f"{MAX_FIELDS}", status=413) from None
    fields: dict[str, list[str]] = {}
    for name, value in pairs:
        if name in READ_PARAMETERS:
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as error:
                raise ProtocolError(f"the '{name}' parameter {where} is not UTF-8 (a byte 0x"
                                    f"{ord(value[error.start]) & 0xFF:02X} that is not part of a UTF-8 character); "
                                    "percent-encode the UTF-8 bytes of the text (RFC 3986 §2.5)") from None
        if name not in ("query", "update") and len(value) * 4 > MAX_FIELD_BYTES:
            size = len(value.encode("utf-8", "surrogateescape"))
            if size > MAX_FIELD_BYTES:
                shown = name[:60].encode("utf-8", "backslashreplace").decode("utf-8")
                raise ProtocolError(f"the form field {shown!r} {where} is {size} bytes long; this endpoint "
                                    f"accepts form fields of at most {MAX_FIELD_BYTES} bytes", status=413)
        fields.setdefault(name, []).append(value)
    return fields


def body_text(body: bytes) -> str:
    """A query or update sent as the body (§2.1.3, §2.2.2): UTF-8, or a 400."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ProtocolError(f"the request body is not UTF-8 (byte {error.start} is 0x{body[error.start]:02X}); "
                            "a SPARQL query or update is sent in UTF-8") from None


def requested_format(url: Mapping[str, list[str]], body: Mapping[str, list[str]]) -> str | None:
    """``format=`` from the URL, else from the form body (as Werkzeug's ``request.values`` has it)."""
    for params in (url, body):
        values = params.get("format")
        if values:
            return values[0]
    return None


def _single(values: list[str], name: str) -> str | None:
    if len(values) > 1:
        raise ProtocolError(f"exactly one '{name}' parameter is allowed, got {len(values)}")
    return values[0] if values else None


def parse_operation(request: QueryRequest) -> Operation:
    """Read the operation the way §2.1.1–2.1.3 and §2.2.1–2.2.2 place its parts (HEAD as GET)."""
    return _parse(request)[0]


def _parse(request: QueryRequest) -> tuple[Operation, dict[str, list[str]]]:
    """The operation, and the parameters of the URL."""
    url = form_fields(request.query_string, "in the URL")
    body: dict[str, list[str]] = {}
    mimetype, options = parse_options_header(request.content_type or "")
    mimetype = mimetype.lower()
    versions = list(url.get("version", []))
    if request.method in ("GET", "HEAD"):
        if request.body_sent:
            raise ProtocolError("a GET request carries no body (SPARQL 1.1 Protocol §2.1.1): send the query in "
                                "the URL, or POST it")
        if "update" in url:
            raise ProtocolError("updates must be sent with POST (SPARQL 1.1 Protocol §2.2)")
        params = url
        query = _single(params.get("query", []), "query")
        kind, text = ("query", query) if query is not None else ("none", "")
    elif mimetype == FORM:
        _utf8_only(mimetype, options)
        misplaced = sorted(name for name in url if name in PROTOCOL_PARAMETERS)
        if misplaced:
            raise ProtocolError(f"in a form-encoded POST the protocol's parameters go in the body (SPARQL 1.1 "
                                f"Protocol §2.1.2, §2.2.1), not in the URL: {', '.join(misplaced)}")
        params = body = form_fields(request.read_body(), "in the body")
        versions = list(params.get("version", []))
        query = _single(params.get("query", []), "query")
        update = _single(params.get("update", []), "update")
        if query is not None and update is not None:
            raise ProtocolError("send either 'query' or 'update', not both")
        if query is None and update is None:
            raise ProtocolError("a form-encoded POST needs a 'query' or an 'update' parameter")
        kind, text = ("query", query) if query is not None else ("update", update or "")
    elif mimetype in (QUERY_MEDIA, UPDATE_MEDIA):
        _utf8_only(mimetype, options)
        if "version" in options:
            versions.append(options["version"])
        params = url
        kind = "query" if mimetype == QUERY_MEDIA else "update"
        text = body_text(request.read_body())
    else:
        raise ProtocolError(
            f"unsupported Content-Type {mimetype!r}: use {FORM}, {QUERY_MEDIA} or {UPDATE_MEDIA}",
            status=415,
        )
    return Operation(kind, text, params.get("default-graph-uri", []), params.get("named-graph-uri", []),
                     requested_format(url, body), _version(versions), params.get("using-graph-uri", []),
                     params.get("using-named-graph-uri", []), request.base_iri), url


def _utf8_only(mimetype: str, options: Mapping[str, str]) -> None:
    """UTF-8 is the only charset of a query or update sent as the body (SPARQL 1.1 Protocol §2.1.3,
    §2.2.2) and of a form's percent-encoded bytes (URL standard §5.1): another is refused, never misread."""
    charset = options.get("charset")
    if charset is not None and charset.strip().lower() not in ("utf-8", "utf8"):
        raise ProtocolError(f"{mimetype} is read as UTF-8 only (SPARQL 1.1 Protocol §2.1.3, §2.2.2); "
                            f"charset={charset} is not accepted: send the text in UTF-8", status=415)


def _version(versions: list[str]) -> str | None:
    """The one version announced (SPARQL 1.2 Protocol §2.1: 0 or 1), if it is one this endpoint speaks."""
    if len(versions) > 1:
        raise ProtocolError(f"at most one 'version' is allowed, got {len(versions)}: {', '.join(versions)}")
    if not versions:
        return None
    if versions[0] not in SPARQL_VERSIONS:
        raise ProtocolError(f"version {versions[0]!r} is not one this endpoint speaks; it speaks "
                            f"{', '.join(SPARQL_VERSIONS)}")
    return versions[0]


def endpoint_iri(scheme: str, host: str | None, path: str) -> str:
    """The endpoint's IRI as the client addressed it (``scheme://host/path``), the base of relative
    IRIs; empty when the Host header could not be part of an IRI (then nothing relative resolves)."""
    iri = f"{scheme}://{host}{path}"
    return iri if host and is_absolute_iri(iri) else ""


# --- replies ---------------------------------------------------------------------------------------


def _cors(request: QueryRequest, url: Mapping[str, Any] | None = None) -> tuple[tuple[str, str], ...]:
    """CORS headers when the reply is to a read or a query POST, never to an update: a POST whose URL
    names an ``update`` or whose body is ``application/sparql-update`` (the rule of
    :func:`bolekg.web._cors`, which sees the same request through Flask)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return CORS_READ_HEADERS
    if request.method != "POST" or request.mimetype == UPDATE_MEDIA:
        return ()
    if url is None:  # the URL was refused: its names, read leniently, as Werkzeug's request.args has them
        url = urllib.parse.parse_qs(request.query_string.decode("latin-1"), keep_blank_values=True)
    return () if "update" in url else CORS_READ_HEADERS


def text_reply(status: int, message: str, extra: tuple[tuple[str, str], ...] = ()) -> Reply:
    """A plain-text reply: what a person or a script most easily reads."""
    body = (message.rstrip() + "\n").encode("utf-8")
    return Reply(status, (("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body))),
                          *extra), body)


def failure_reply(error: StoreError) -> Reply:
    """503 with ``Retry-After`` when the backend may answer later (down, timed out, busy); 429 with
    ``Retry-After`` (RFC 6585 §4) when this client already has its share (:mod:`bolekg.query.admission`);
    else 502."""
    if isinstance(error, (Unavailable, TooManyRequests)):
        retry = str(error.retry_after) if error.retry_after else RETRY_AFTER
        return text_reply(429 if isinstance(error, TooManyRequests) else 503, str(error), (("Retry-After", retry),))
    log.warning("backend failure: %s", error)
    return text_reply(502, f"The store failed to answer: {error}")


def not_acceptable_reply(offers: tuple[Format, ...]) -> Reply:
    """406 (RFC 9110 §15.5.7), naming what is offered."""
    offered = ", ".join(offer.media_type for offer in offers)
    return text_reply(406, f"None of the accepted media types is offered here; offered: {offered}")


def _finished(reply: Reply, cors: tuple[tuple[str, str], ...]) -> Reply:
    """``reply`` with the headers every response of the server carries."""
    return Reply(reply.status, (*reply.headers, *COMMON_HEADERS.items(), *cors), reply.body, reply.weight)


@functools.lru_cache(maxsize=1024)
def negotiated(offers: tuple[Format, ...], accept: str | None, requested: str | None) -> Format | str | None:
    """:func:`~bolekg.formats.negotiate`, memoised (an unknown ``format=`` comes back as its message).
    Parsing an Accept header and matching it against every offer costs more than the lookup it
    serves, several times per request; clients send few distinct headers, and the cache is bounded, so
    a client inventing headers only misses."""
    try:
        return negotiate(offers, accept, requested)
    except UnknownFormat as error:
        return str(error)


@functools.lru_cache(maxsize=512)
def _choices(accept: str | None, requested: str | None) -> dict[str, Format | str | None]:
    """Per kind of result, the negotiated format (``None``: not acceptable; a message: ``format=``
    names no format offered for it)."""
    return {kind: negotiated((*offers, HTML), accept, requested) for kind, offers in OFFERS.items()}


def query_job(operation: Operation, limits: Limits, media: dict[str, str | None]) -> Job:
    """The job for the query workers: the query, its dataset (§2.1.4; the union of all graphs when
    neither the request nor the query names one), the media type per kind of result, the row cap."""
    return Job(operation.text, tuple(operation.default_graphs), tuple(operation.named_graphs),
               union=not has_dataset_clause(operation.text), media=media, max_rows=limits.max_rows,
               base_iri=operation.base_iri)


# --- the query operation ---------------------------------------------------------------------------


def replayed(service: QueryService, query_string: bytes, accept: str | None) -> Reply | None:
    """The reply kept for a GET of ``query_string`` with ``accept`` on the current data, if any: the
    first step of :func:`respond`, which a front may take before it builds a :class:`QueryRequest`."""
    replies = service.replies
    return None if replies is None else replies.get((query_string, accept))


def respond(request: QueryRequest, service: QueryService, page: PageWriter | None = None) -> Reply | Operation:
    """The reply to a request on the SPARQL endpoint, or the operation when it is not this function's
    to answer: an update (§2.2), a request without a query (the service description), or — when no
    ``page`` writer is given — a query whose answer would be an HTML page (handed back before it runs).

    With ``page``, a query answered as HTML runs with its answer written as :data:`PAGE_WIRE`, and
    ``page(operation, answer)`` writes the page.
    """
    replies = service.replies if request.method == "GET" else None
    key = None
    if replies is not None:
        version = replies.version  # before the query runs: a reply that outlives its data is not kept
        key = (request.query_string, request.accept)
        kept = replies.get(key)
        if kept is not None:
            return kept
    try:
        request.query_string.decode("utf-8")
    except UnicodeDecodeError:
        return _finished(text_reply(400, NOT_UTF8_QUERY_STRING), ())
    try:
        operation, url = _parse(request)
    except ProtocolError as error:
        return _finished(text_reply(error.status, str(error)), _cors(request))
    if operation.kind != "query":
        return operation
    cors = _cors(request, url)
    limits = service.limits
    try:
        check_size(operation.text, limits)
        check_query(operation.text, allow_service=service.allow_service)
    except QueryTooLarge as error:
        return _finished(text_reply(413, str(error)), cors)
    except PolicyViolation as error:
        return _finished(text_reply(400, str(error)), cors)
    choices = _choices(request.accept, operation.format)
    pages = any(choice is HTML for choice in choices.values())
    if pages and page is None:
        return operation  # a page: the view's work
    media = {kind: (PAGE_WIRE[kind] if choice is HTML else choice.media_type) if isinstance(choice, Format) else None
             for kind, choice in choices.items()}
    try:
        answer = service.run(query_job(operation, limits, media), request.client)
    except SparqlSyntaxError as error:
        return _finished(text_reply(400, str(error)), cors)
    except ValueError as error:  # a graph parameter that is not an IRI
        return _finished(text_reply(400, f"bad request: {error}"), cors)
    except StoreError as error:
        return _finished(failure_reply(error), cors)
    chosen = choices[answer.kind]
    if chosen is None:  # e.g. a CONSTRUCT for a client that accepts only results formats
        return _finished(not_acceptable_reply((*OFFERS[answer.kind], HTML)), cors)
    if isinstance(chosen, str):  # format= names nothing offered for this kind of result
        return _finished(text_reply(400, chosen), cors)
    body = answer.body
    if chosen is HTML:
        assert page is not None
        body = page(operation, answer).encode("utf-8")
    headers: tuple[tuple[str, str], ...] = (
        ("Content-Type", chosen.content_type), ("Content-Length", str(len(body))), ("Vary", "Accept"),
        *COMMON_HEADERS.items(), *cors)
    if answer.truncated:
        headers += ((TRUNCATED_HEADER, "true"), (ROW_LIMIT_HEADER, str(limits.max_rows)))
    reply = Reply(200, headers, body, len(body) + len(request.query_string))
    # a reply that depends on the endpoint's address (a relative IRI in the query) is not kept: the key
    # of a kept reply is what a front reads without parsing, and the address is not part of it
    if replies is not None and key is not None and chosen is not HTML and not has_relative_iri(operation.text):
        replies.put(version, key, reply)
    return reply
