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
from bolekg.sparql import (
    DOCUMENT_FORMATS,
    HTML,
    TRIG,
    PolicyViolation,
    SparqlSyntaxError,
    check_query,
    check_update,
)
from bolekg.store import StoreError, WriteRejected
from bolekg.web.http import choose, rdflib_body, rejected, text_error, write_refusal
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


def run_query(operation: Operation) -> Response | str:
    current = state()
    try:
        check_query(operation.text, allow_service=current.allow_service)
        result = current.store.query(operation.text, operation.default_graphs, operation.named_graphs)
    except (SparqlSyntaxError, PolicyViolation) as error:
        return text_error(400, str(error))
    except ValueError as error:  # a graph parameter that is not an IRI
        return text_error(400, f"bad request: {error}")
    except StoreError as error:
        return text_error(502, str(error))
    fmt = choose((*result.offers, HTML))
    if isinstance(fmt, Response):
        return fmt
    if fmt is HTML:
        return _results_page(operation.text, result)
    response = Response(result.serialize(fmt), content_type=fmt.content_type)
    response.vary.add("Accept")
    return response


def _results_page(query: str, result) -> str:  # type: ignore[no-untyped-def]
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
                           writable=state().writable)


def run_update(operation: Operation) -> Response:
    current = state()
    refusal = write_refusal(current)
    if refusal is not None:
        return refusal
    try:
        check_update(operation.text)
        current.store.update(operation.text)
    except (SparqlSyntaxError, PolicyViolation) as error:
        return text_error(400, str(error))
    except WriteRejected as error:
        return rejected(error)
    except StoreError as error:
        return text_error(502, str(error))
    return Response(status=204)


def describe_service() -> Response | str:
    current = state()
    fmt = choose((*DOCUMENT_FORMATS, TRIG, HTML))
    if isinstance(fmt, Response):
        return fmt
    if fmt is HTML:
        example = ("PREFIX bk: <https://w3id.org/bolekg/def/>\n"
                   "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
                   "SELECT ?item ?label WHERE {\n  ?item a bk:Item ; rdfs:label ?label .\n"
                   "  FILTER(LANG(?label) = \"en\")\n} ORDER BY ?item LIMIT 50")
        response = Response(render_template("sparql.html", query=example, table=None, boolean=None,
                                            graph_text=None, writable=current.writable))
    else:
        try:
            graph = service_description(current.store, current.site())
        except StoreError as error:
            return text_error(502, str(error))
        response = Response(rdflib_body(graph, fmt), content_type=fmt.content_type)
    response.vary.add("Accept")
    return response
