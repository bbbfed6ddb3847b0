"""``/sparql``: the SPARQL 1.1 Protocol (https://www.w3.org/TR/sparql11-protocol/), as a Flask view.

The query operation (§2.1) is :func:`bolekg.query.protocol.respond`'s, as for the plain-WSGI front
(:mod:`bolekg.web.query_wsgi`): one reading of the request, one policy, one mapping of errors, the
same headers. This view adds what needs Flask:

* the HTML results page, which shows at most ``BOLEKG_HTML_MAX_ROWS`` rows (or triples), how many
  there were, and links to the whole answer in the machine formats;
* GET with no query: the Service Description (RDF), or the workbench for a browser, holding the query
  of a share link (``?share=``, :func:`workbench_page`);
* §2.2 update: POST form-encoded ``update=`` or POST ``application/sparql-update``; only with the
  write token, validated and atomic (422 with the SHACL report when the shapes would break).

HEAD answers as GET (RFC 9110 §9.3.2), without the body.
"""

from __future__ import annotations

import urllib.parse
from typing import cast

from flask import Blueprint, Response, g, render_template, request, url_for

from bolekg.errors import SparqlSyntaxError
from bolekg.formats import DOCUMENT_FORMATS, HTML, SERIALISATION_PREFIXES, TRIG
from bolekg.query.admission import client_address
from bolekg.query.policy import PolicyViolation, QueryTooLarge, check_size, check_update
from bolekg.query.protocol import Operation, QueryRequest, Reply, endpoint_iri, respond
from bolekg.services.catalog import service_description
from bolekg.store import WriteForbidden, WriteRejected
from bolekg.store.jobs import Answer
from bolekg.store.query_text import DatasetConflict, with_using
from bolekg.store.results import first_lines
from bolekg.web.http import as_response, choose, rdflib_body, rejected, text_error, write_refusal
from bolekg.web.state import state
from bolekg.web.views import result_cell

bp = Blueprint("sparql", __name__)


def query_request() -> QueryRequest:
    """This request as the protocol reads it (the body only if the protocol asks for it)."""
    current = state()
    return QueryRequest(request.method, request.query_string, request.headers.get("Accept"),
                        request.headers.get("Content-Type"), request.get_data,
                        client_address(request.environ, current.limits.forwarded_for),
                        endpoint_iri(request.scheme, request.host, request.root_path + request.path),
                        bool(request.content_length) or "Transfer-Encoding" in request.headers)


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response | str:
    outcome = respond(query_request(), state().queries, page=_results_page)
    if isinstance(outcome, Reply):
        return as_response(outcome)
    g.sparql_kind = outcome.kind  # for the CORS hook, which must not read the body again
    if outcome.kind == "none":
        return describe_service(outcome)
    return run_update(outcome)


#: The links under a results page, to the whole answer: (label, ``format=``) per kind of result.
DOWNLOADS = {"solutions": (("CSV", "csv"), ("JSON", "json")),
             "graph": (("Turtle", "turtle"), ("N-Triples", "ntriples"), ("JSON-LD", "jsonld"))}


def _results_page(operation: Operation, answer: Answer) -> str:
    """The HTML page of an answer the worker wrote as :data:`PAGE_WIRE` (TSV, N-Triples: one solution or
    triple a line): at most ``limits.html_max_rows`` of them, the only ones read back into Python objects;
    how many there were (counted as lines, "at least" when the row cap cut the answer); and links to the
    whole answer (the same query by GET with ``format=``)."""
    import pyoxigraph as ox

    base, limits = state().base, state().limits
    table = boolean = graph_text = None
    total = shown = 0
    if answer.kind == "solutions":
        total = max(answer.body.count(b"\n") - 1, 0)  # less the header line
        head = first_lines(answer.body, limits.html_max_rows + 1)
        # TSV holds solutions, never a boolean
        result = cast(ox.QuerySolutions, ox.parse_query_results(head, format=ox.QueryResultsFormat.TSV))
        names = [v.value for v in result.variables]
        rows = [[result_cell(row[name], base) for name in names] for row in result]
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
        text = with_using(operation.text, operation.using_graphs, operation.using_named_graphs)
        current.store.update(text, operation.base_iri)
    except QueryTooLarge as error:
        return text_error(413, str(error))
    except (SparqlSyntaxError, PolicyViolation, DatasetConflict) as error:
        return text_error(400, str(error))
    except WriteForbidden as error:
        return text_error(403, str(error))
    except WriteRejected as error:
        return rejected(error)
    return Response(status=204)


def describe_service(operation: Operation) -> Response | str:
    current = state()
    fmt = choose((*DOCUMENT_FORMATS, TRIG, HTML), operation.format)
    if isinstance(fmt, Response):
        return fmt
    if fmt is HTML:
        page = workbench_page()
        if isinstance(page, Response):
            return page
        response = Response(page, content_type="text/html; charset=utf-8")
    else:
        graph = service_description(current.site(), current.statistics())
        response = Response(rdflib_body(graph, fmt), content_type=fmt.content_type)
    response.vary.add("Accept")
    return response


#: What the workbench holds when no link names a query.
DEFAULT_QUERY = ("SELECT ?item ?label WHERE {\n  ?item a bk:Item ; rdfs:label ?label .\n"
                 "  FILTER(LANG(?label) = \"en\")\n} ORDER BY ?item LIMIT 50")


def workbench_page() -> str | Response:
    """The workbench for a browser, holding the query its link names.

    A share link is ``/sparql?share=QUERY`` (with ``example=NAME`` when the query is an example as it
    was loaded, ``view=table|response`` for the result view), not ``?query=``: by the SPARQL 1.1
    Protocol (§2.1.1) a GET with ``query`` *is* the query operation, and this endpoint answers it, as
    HTML for a browser (the results page). A link that only opens the query for editing must not run
    it, so it uses a parameter the protocol does not know, which leaves the request a GET with no query
    (the service description or, for a browser, this page). Not a ``#fragment`` either: the server
    never sees one, so the page without JavaScript could not show the query. The server writes the
    query into the plain form's textarea, and the editor starts from that textarea."""
    from bolekg.pages.examples import examples
    from bolekg.web.pages import render_workbench

    shared = request.args.get("share")
    example = request.args.get("example")
    view = request.args.get("view")
    if shared is not None:
        try:
            check_size(shared, state().limits)  # the same bound as a query sent to run
        except QueryTooLarge as error:
            return text_error(413, str(error))
        return render_workbench(shared, shared=True, example=example, view=view)
    found = next((ex for ex in examples() if ex.name == example), None)
    if found is not None:
        return render_workbench(found.query, shared=True, example=found.name, view=view)
    return render_workbench(DEFAULT_QUERY, view=view)
