"""``/sparql``: the SPARQL 1.1 Protocol (https://www.w3.org/TR/sparql11-protocol/).

* §2.1 query: GET ``?query=``, POST form-encoded, POST ``application/sparql-query``; the
  dataset from ``default-graph-uri`` / ``named-graph-uri`` (§2.1.4), else the union of all graphs.
* §2.2 update: POST form-encoded ``update=`` or POST ``application/sparql-update``; only with the
  write token, validated and atomic (422 with the SHACL report when the shapes would break).
* Results by Accept or ``format=``; a malformed query is a 400 carrying the parser's message.
* GET with no query: the Service Description (RDF), or the query form for a browser.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Response, render_template, request

from bolekg.catalog import service_description
from bolekg.isolation import Answer, Job
from bolekg.results import NTRIPLES_MEDIA, TSV_MEDIA
from bolekg.sparql import (
    DOCUMENT_FORMATS,
    GRAPH_FORMATS,
    HTML,
    RESULT_FORMATS,
    TRIG,
    Format,
    Limits,
    PolicyViolation,
    QueryResult,
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


def _single(values: list[str], name: str) -> str | None:
    if len(values) > 1:
        raise ProtocolError(f"exactly one '{name}' parameter is allowed, got {len(values)}")
    return values[0] if values else None


def parse_operation() -> Operation:
    """Read the operation the way §2.1.1–2.1.3 and §2.2.1–2.2.2 place its parts."""
    if request.method == "GET":
        if "update" in request.args:
            raise ProtocolError("updates must be sent with POST (SPARQL 1.1 Protocol §2.2)")
        params = request.args
        query = _single(params.getlist("query"), "query")
        kind, text = ("query", query) if query is not None else ("none", "")
    elif request.mimetype == FORM:
        params = request.form
        query = _single(params.getlist("query"), "query")
        update = _single(params.getlist("update"), "update")
        if query is not None and update is not None:
            raise ProtocolError("send either 'query' or 'update', not both")
        if query is None and update is None:
            raise ProtocolError("a form-encoded POST needs a 'query' or an 'update' parameter")
        kind, text = ("query", query) if query is not None else ("update", update or "")
    elif request.mimetype in ("application/sparql-query", "application/sparql-update"):
        params = request.args
        kind = "query" if request.mimetype == "application/sparql-query" else "update"
        text = request.get_data(as_text=True)
    else:
        raise ProtocolError(
            f"unsupported Content-Type {request.mimetype!r}: use {FORM}, application/sparql-query "
            "or application/sparql-update",
            status=415,
        )
    if kind == "update" and (params.getlist("using-graph-uri") or params.getlist("using-named-graph-uri")):
        raise ProtocolError("using-graph-uri / using-named-graph-uri are not supported; use USING in the update")
    return Operation(kind, text, params.getlist("default-graph-uri"), params.getlist("named-graph-uri"))


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response | str:
    try:
        operation = parse_operation()
    except ProtocolError as error:
        return text_error(error.status, str(error))
    if operation.kind == "none":
        return describe_service()
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
    choices = {kind: choose((*offers, HTML)) for kind, offers in OFFERS.items()}
    media = {kind: _wire(kind, choice) for kind, choice in choices.items()}
    try:
        answer = current.store.run_query(query_job(operation, limits, media), limits.timeout)
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
        page = _results_page(operation.text, _read_back(answer),
                             truncated_at=limits.max_rows if answer.truncated else None)
        response = Response(page, content_type=HTML.content_type)
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


def _read_back(answer: Answer) -> QueryResult:
    """The worker's bytes as a result again, for the HTML page."""
    import pyoxigraph as ox

    if answer.kind == "solutions":
        return QueryResult(ox.parse_query_results(answer.body, format=ox.QueryResultsFormat.TSV))
    if answer.kind == "boolean":
        return QueryResult(ox.parse_query_results(answer.body, format=ox.QueryResultsFormat.JSON))
    return QueryResult([quad.triple for quad in ox.parse(answer.body, format=ox.RdfFormat.N_TRIPLES)])


def _results_page(query: str, result, truncated_at: int | None = None) -> str:  # type: ignore[no-untyped-def]
    base = state().base
    table = None
    boolean = None
    graph_text = None
    if result.kind == "solutions":
        names = [v.value for v in result.value.variables]
        rows = [[result_cell(row[name], base) for name in names] for row in result.value]
        table = {"columns": names, "rows": rows}
    elif result.kind == "boolean":
        boolean = bool(result.value)
    else:
        from bolekg.sparql import SERIALISATION_PREFIXES, TURTLE

        graph_text = result.serialize(TURTLE, prefixes=SERIALISATION_PREFIXES).decode("utf-8")
    return render_template("sparql.html", query=query, table=table, boolean=boolean, graph_text=graph_text,
                           writable=state().writable, truncated_at=truncated_at)


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


def describe_service() -> Response | str:
    current = state()
    fmt = choose((*DOCUMENT_FORMATS, TRIG, HTML))
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
