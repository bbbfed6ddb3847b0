"""``/sparql``: the SPARQL 1.1 Protocol (https://www.w3.org/TR/sparql11-protocol/).

* §2.1 query: GET ``?query=``, POST form-encoded, POST ``application/sparql-query``; the
  dataset from ``default-graph-uri`` / ``named-graph-uri`` (§2.1.4), else the union of all graphs.
* §2.2 update: POST form-encoded ``update=`` or POST ``application/sparql-update``; only with the
  write token, validated and atomic (422 with the SHACL report when the shapes would break).
* Results by Accept or ``format=``; a malformed query is a 400 carrying the parser's message.
* GET with no query: the Service Description (RDF), or the query form for a browser. HEAD answers as
  GET (RFC 9110 §9.3.2), without the body.
* The parameters (URL or form body) are read from the raw bytes by :func:`form_fields`, for this view
  and for the WSGI front alike (:mod:`bolekg.web.query_wsgi`): text that is not UTF-8 is a 400, a form
  field other than the query or the update longer than :data:`MAX_FIELD_BYTES` a 413.
* The HTML results page shows at most ``BOLEKG_HTML_MAX_ROWS`` rows (or triples), how many there were,
  and links to the whole answer in the machine formats.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass

from flask import Blueprint, Response, g, render_template, request, url_for

from bolekg.admission import client_address
from bolekg.catalog import service_description
from bolekg.isolation import Answer, Job
from bolekg.results import NTRIPLES_MEDIA, TSV_MEDIA, first_lines
from bolekg.sparql import (
    DOCUMENT_FORMATS,
    GRAPH_FORMATS,
    HTML,
    RESULT_FORMATS,
    SERIALISATION_PREFIXES,
    TRIG,
    Format,
    Limits,
    PolicyViolation,
    QueryTooLarge,
    SparqlSyntaxError,
    check_query,
    check_size,
    check_update,
    has_dataset_clause,
)
from bolekg.store import StoreError, WriteForbidden, WriteRejected
from bolekg.web.http import (
    choose,
    mark_truncated,
    rdflib_body,
    rejected,
    store_failure,
    text_error,
    write_refusal,
)
from bolekg.web.state import state
from bolekg.web.views import result_cell

bp = Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"


class ProtocolError(ValueError):
    """The request breaks the protocol (e.g. two queries, an update by GET): 400, or 415 for a body
    in a media type the protocol does not define."""

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


#: The parameters this endpoint reads (SPARQL 1.1 Protocol §2.1, §2.2, and ``format=``): their values
#: must be UTF-8 text. Others are never used, so whatever they hold is let be.
READ_PARAMETERS = frozenset({"query", "update", "default-graph-uri", "named-graph-uri", "using-graph-uri",
                             "using-named-graph-uri", "format"})
#: The longest value of a form field other than ``query`` and ``update`` (which ``BOLEKG_MAX_QUERY_BYTES``
#: bounds), in bytes once percent-decoded: Werkzeug's ``max_form_memory_size``, which Werkzeug itself
#: applies to multipart bodies only. A longer one is a 413 (RFC 9110 §15.5.14).
MAX_FIELD_BYTES = 500_000
#: The most fields a query string or a form body may have (Werkzeug's ``max_form_parts``, likewise for
#: multipart only): more is a 413, before they are parsed — a body of ``&x=`` repeated would otherwise
#: become millions of Python strings.
MAX_FIELDS = 1_000


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


def parse_operation() -> Operation:
    """Read the operation the way §2.1.1–2.1.3 and §2.2.1–2.2.2 place its parts (HEAD as GET)."""
    url = form_fields(request.query_string, "in the URL")
    body: dict[str, list[str]] = {}
    if request.method in ("GET", "HEAD"):
        if "update" in url:
            raise ProtocolError("updates must be sent with POST (SPARQL 1.1 Protocol §2.2)")
        params = url
        query = _single(params.get("query", []), "query")
        kind, text = ("query", query) if query is not None else ("none", "")
    elif request.mimetype == FORM:
        params = body = form_fields(request.get_data(), "in the body")
        query = _single(params.get("query", []), "query")
        update = _single(params.get("update", []), "update")
        if query is not None and update is not None:
            raise ProtocolError("send either 'query' or 'update', not both")
        if query is None and update is None:
            raise ProtocolError("a form-encoded POST needs a 'query' or an 'update' parameter")
        kind, text = ("query", query) if query is not None else ("update", update or "")
    elif request.mimetype in ("application/sparql-query", "application/sparql-update"):
        params = url
        kind = "query" if request.mimetype == "application/sparql-query" else "update"
        text = body_text(request.get_data())
    else:
        raise ProtocolError(
            f"unsupported Content-Type {request.mimetype!r}: use {FORM}, application/sparql-query "
            "or application/sparql-update",
            status=415,
        )
    if kind == "update" and (params.get("using-graph-uri") or params.get("using-named-graph-uri")):
        raise ProtocolError("using-graph-uri / using-named-graph-uri are not supported; use USING in the update")
    return Operation(kind, text, params.get("default-graph-uri", []), params.get("named-graph-uri", []),
                     requested_format(url, body))


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response | str:
    try:
        operation = parse_operation()
    except ProtocolError as error:
        return text_error(error.status, str(error))
    g.sparql_kind = operation.kind  # for the CORS hook, which must not read the body again
    if operation.kind == "none":
        return describe_service(operation)
    if operation.kind == "update":
        return run_update(operation)
    return run_query(operation)


#: What each kind of result can be written as.
OFFERS = {"solutions": RESULT_FORMATS, "boolean": RESULT_FORMATS, "graph": GRAPH_FORMATS}
#: What the worker writes when the client wants an HTML page: something cheap to read back.
PAGE_WIRE = {"solutions": TSV_MEDIA, "boolean": "application/sparql-results+json", "graph": NTRIPLES_MEDIA}


def run_query(operation: Operation) -> Response | str:
    """Check the query against the policy, run it under the limits (time, rows) and write the answer.

    The format is negotiated before the query runs, for each kind of result it may turn out to be
    (solutions, boolean, graph), so that the worker serialises once, in the right format.
    """
    current = state()
    limits = current.limits
    try:
        check_size(operation.text, limits)
        check_query(operation.text, allow_service=current.allow_service)
    except QueryTooLarge as error:
        return text_error(413, str(error))
    except PolicyViolation as error:
        return text_error(400, str(error))
    choices = {kind: choose((*offers, HTML), operation.format) for kind, offers in OFFERS.items()}
    media = {kind: _wire(kind, choice) for kind, choice in choices.items()}
    try:
        answer = current.run_query(query_job(operation, limits, media),
                                   client_address(request.environ, limits.forwarded_for))
    except SparqlSyntaxError as error:
        return text_error(400, str(error))
    except ValueError as error:  # a graph parameter that is not an IRI
        return text_error(400, f"bad request: {error}")
    except StoreError as error:
        return store_failure(error)
    choice = choices[answer.kind]
    if isinstance(choice, Response):
        return choice
    if choice is HTML:
        response = Response(_results_page(operation, answer, limits), content_type=HTML.content_type)
    else:
        response = Response(answer.body, content_type=choice.content_type)
    response.vary.add("Accept")
    if answer.truncated:
        mark_truncated(response, limits.max_rows)
    return response


def query_job(operation: Operation, limits: Limits, media: dict[str, str | None]) -> Job:
    """The job for the query workers: the query, its dataset (§2.1.4; the union of all graphs when
    neither the request nor the query names one), the media type per kind of result, the row cap."""
    return Job(operation.text, tuple(operation.default_graphs), tuple(operation.named_graphs),
               union=not has_dataset_clause(operation.text), media=media, max_rows=limits.max_rows)


def _wire(kind: str, choice: Format | Response) -> str | None:
    if isinstance(choice, Response):
        return None
    return PAGE_WIRE[kind] if choice is HTML else choice.media_type


#: The links under a results page, to the whole answer: (label, ``format=``) per kind of result.
DOWNLOADS = {"solutions": (("CSV", "csv"), ("JSON", "json")),
             "graph": (("Turtle", "turtle"), ("N-Triples", "ntriples"), ("JSON-LD", "jsonld"))}


def _results_page(operation: Operation, answer: Answer, limits: Limits) -> str:
    """The HTML page of an answer the worker wrote as :data:`PAGE_WIRE` (TSV, N-Triples: one solution or
    triple a line): at most ``limits.html_max_rows`` of them, the only ones read back into Python objects;
    how many there were (counted as lines, "at least" when the row cap cut the answer); and links to the
    whole answer (the same query by GET with ``format=``)."""
    import pyoxigraph as ox

    base = state().base
    table = boolean = graph_text = None
    total = shown = 0
    if answer.kind == "solutions":
        total = max(answer.body.count(b"\n") - 1, 0)  # less the header line
        head = first_lines(answer.body, limits.html_max_rows + 1)
        result = ox.parse_query_results(head, format=ox.QueryResultsFormat.TSV)
        names = [v.value for v in result.variables]
        rows = [[result_cell(row[name], base) for name in names] for row in result]  # type: ignore[union-attr]
        table, shown = {"columns": names, "rows": rows}, len(rows)
    elif answer.kind == "boolean":
        boolean = bool(ox.parse_query_results(answer.body, format=ox.QueryResultsFormat.JSON))
    else:
        total = answer.body.count(b"\n")
        head = first_lines(answer.body, limits.html_max_rows)
        triples = [quad.triple for quad in ox.parse(head, format=ox.RdfFormat.N_TRIPLES)]
        shown = len(triples)
        turtle = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=SERIALISATION_PREFIXES) or b""
        graph_text = turtle.decode("utf-8")
    downloads = [(label, _answer_url(operation, key)) for label, key in DOWNLOADS.get(answer.kind, ())]
    return render_template("sparql.html", query=operation.text, table=table, boolean=boolean, graph_text=graph_text,
                           writable=state().writable, truncated_at=limits.max_rows if answer.truncated else None,
                           total=total, shown=shown, downloads=downloads)


def _answer_url(operation: Operation, fmt: str) -> str:
    """The query (and its dataset) by GET, answered as ``format=fmt``."""
    pairs = [("query", operation.text), *(("default-graph-uri", iri) for iri in operation.default_graphs),
             *(("named-graph-uri", iri) for iri in operation.named_graphs), ("format", fmt)]
    return url_for("sparql.endpoint") + "?" + urllib.parse.urlencode(pairs, quote_via=urllib.parse.quote)


def run_update(operation: Operation) -> Response:
    current = state()
    refusal = write_refusal(current)
    if refusal is not None:
        return refusal
    try:
        check_size(operation.text, current.limits)
        check_update(operation.text)
        current.store.update(operation.text)
    except QueryTooLarge as error:
        return text_error(413, str(error))
    except (SparqlSyntaxError, PolicyViolation) as error:
        return text_error(400, str(error))
    except WriteForbidden as error:
        return text_error(403, str(error))
    except WriteRejected as error:
        return rejected(error)
    except StoreError as error:
        return store_failure(error)
    return Response(status=204)


def describe_service(operation: Operation) -> Response | str:
    current = state()
    fmt = choose((*DOCUMENT_FORMATS, TRIG, HTML), operation.format)
    if isinstance(fmt, Response):
        return fmt
    if fmt is HTML:
        from bolekg.web.pages import render_workbench

        example = ("SELECT ?item ?label WHERE {\n  ?item a bk:Item ; rdfs:label ?label .\n"
                   "  FILTER(LANG(?label) = \"en\")\n} ORDER BY ?item LIMIT 50")
        response = Response(render_workbench(example), content_type="text/html; charset=utf-8")
    else:
        try:
            graph = service_description(current.store, current.site())
        except StoreError as error:
            return store_failure(error)
        response = Response(rdflib_body(graph, fmt), content_type=fmt.content_type)
    response.vary.add("Accept")
    return response
