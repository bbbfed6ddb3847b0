"""``/store``: the SPARQL 1.1 Graph Store HTTP Protocol (https://www.w3.org/TR/sparql11-http-rdf-update/).

Indirect graph identification (§4.2): ``?graph=<IRI>`` or ``?default``. GET and HEAD read (§5.2,
§5.7) and are open like every other read route; PUT (§5.3), DELETE (§5.4) and POST (§5.5) write,
only with the write token, and go through the same validated, atomic write path as SPARQL Update:
a payload that would break the shapes changes nothing and answers 422 with the report.
"""

from __future__ import annotations

import uuid

import pyoxigraph as ox
from flask import Blueprint, Response, request, url_for

from bolekg.formats import DOCUMENT_FORMATS, SERIALISATION_PREFIXES
from bolekg.report.quads import GraphName
from bolekg.store import WriteForbidden, WriteRejected
from bolekg.web.http import (
    choose,
    conditional,
    rejected,
    text_error,
    triples_body,
    write_refusal,
)
from bolekg.web.state import state

bp = Blueprint("store_api", __name__)

#: Payload formats a graph can be sent in (a single graph: no TriG / N-Quads).
PAYLOAD_FORMATS = {
    ox.RdfFormat.TURTLE, ox.RdfFormat.N_TRIPLES, ox.RdfFormat.RDF_XML, ox.RdfFormat.JSON_LD, ox.RdfFormat.N3,
}


class _Target:
    def __init__(self, name: GraphName, new: bool = False):
        self.name = name
        #: A graph the server names (a POST to the Graph Store itself, §5.5).
        self.new = new


def _target() -> _Target | Response:
    graph = request.args.getlist("graph")
    default = "default" in request.args
    if default and graph:
        return text_error(400, "give either ?graph=<IRI> or ?default, not both")
    if len(graph) > 1:
        return text_error(400, "exactly one ?graph= parameter is allowed")
    if default:
        return _Target(None)
    if not graph and request.method == "POST":
        # POST to the Graph Store itself: a new graph, named here (Graph Store Protocol §5.5)
        return _Target(f"{request.host_url}graph/{uuid.uuid4().hex}", new=True)
    if not graph:
        return text_error(400, "name the graph: ?graph=<IRI> or ?default (Graph Store Protocol §4.2)")
    try:
        ox.NamedNode(graph[0])
    except ValueError as error:
        return text_error(400, f"?graph= is not an IRI: {error}")
    return _Target(graph[0])


@bp.route("/store", methods=["GET", "HEAD"])
def read() -> Response:
    target = _target()
    if isinstance(target, Response):
        return target
    fmt = choose(DOCUMENT_FORMATS)
    if isinstance(fmt, Response):
        return fmt
    current = state()
    triples = current.store.graph_triples(target.name)
    if triples is None:
        return text_error(404, f"There is no graph <{target.name}>.")
    response = Response(triples_body(triples, fmt, SERIALISATION_PREFIXES), content_type=fmt.content_type)
    return conditional(response, current.store.version().last_modified)


def _payload(name: GraphName) -> list[ox.Triple] | Response:
    rdf_format = ox.RdfFormat.from_media_type(request.mimetype or "")
    if rdf_format not in PAYLOAD_FORMATS:
        return text_error(415, f"unsupported Content-Type {request.mimetype!r}: send Turtle, N-Triples, "
                               "RDF/XML or JSON-LD")
    try:
        return [q.triple for q in ox.parse(request.get_data(), format=rdf_format,
                                           base_iri=name or request.base_url, without_named_graphs=True)]
    except SyntaxError as error:
        return text_error(400, f"the payload does not parse: {error}")


@bp.route("/store", methods=["PUT", "POST", "DELETE"])
def write() -> Response:
    current = state()
    refusal = write_refusal(current)
    if refusal is not None:
        return refusal
    target = _target()
    if isinstance(target, Response):
        return target
    try:
        if request.method == "DELETE":
            existed = current.store.delete_graph(target.name)
            return Response(status=204) if existed else text_error(404, f"There is no graph <{target.name}>.")
        triples = _payload(target.name)
        if isinstance(triples, Response):
            return triples
        if request.method == "PUT":
            created = current.store.put_graph(target.name, triples)
        else:
            created = current.store.post_graph(target.name, triples)
    except WriteForbidden as error:
        return text_error(403, str(error))
    except WriteRejected as error:
        return rejected(error)
    if target.new:
        # §5.5: 201 with the new graph's URL; indirect identification, so that GET on it answers
        location = url_for("store_api.read", graph=target.name, _external=True)
        return Response(status=201, headers={"Location": location})
    return Response(status=201 if created else 204)
