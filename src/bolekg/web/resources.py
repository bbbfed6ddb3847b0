"""Dereferenceable IRIs: ``/id/…``, ``/def/…`` and ``/graph/…`` answer for the IRIs under the base.

Content negotiation per Cool URIs for the Semantic Web (W3C Note, §4.3 "hash vs 303": we use the
simpler direct conneg with ``Vary: Accept``) and Best Practice Recipes for Publishing RDF
Vocabularies (recipe 3): one URL answers HTML, Turtle, JSON-LD, N-Triples or RDF/XML according to
Accept, with ``Content-Location`` naming the format-specific URL (``….ttl``, ``….jsonld``,
``….nt``, ``….rdf``) that people can paste. The data's IRIs stay under the canonical base whatever
host this runs on: the request path alone picks the IRI.

The RDF formats carry the whole resource document. The HTML page reads its own share, bounded
(:func:`bolekg.web.pages.render_entity`): a hub's document grows with the data, its page must not.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from bolekg.formats import DOCUMENT_FORMATS, HTML, SERIALISATION_PREFIXES, Format
from bolekg.report.vocab import BK, ONTOLOGY_GRAPH
from bolekg.services.describe import candidate_iris, local_path, resource_document, split_extension
from bolekg.web.http import choose, conditional, text_error, triples_body
from bolekg.web.state import state

bp = Blueprint("resources", __name__)

OFFERS: tuple[Format, ...] = (HTML, *DOCUMENT_FORMATS)
ONTOLOGY_IRI = str(BK)


@bp.route("/id/<path:rest>")
@bp.route("/def/", defaults={"rest": ""})
@bp.route("/def/<path:rest>")
@bp.route("/def.<rest>")
@bp.route("/graph/<path:rest>")
def resource(rest: str) -> Response | str:
    current = state()
    path = request.path.lstrip("/")
    stem, explicit = split_extension(path)
    attempts = ([stem, path] if explicit else [path])
    try:
        for attempt in attempts:
            fmt_for_attempt = explicit if attempt == stem and explicit else None
            for iri in candidate_iris(current.base, attempt):
                if iri in _graph_names():
                    return _graph(iri, fmt_for_attempt)
                if _format(fmt_for_attempt) is HTML:
                    from bolekg.web.pages import render_entity

                    body = render_entity(iri)
                    if body is not None:
                        return _respond(iri, body, HTML, fmt_for_attempt)
                    continue
                triples = resource_document(current.store, iri)
                if iri == ONTOLOGY_IRI:
                    triples = _whole_ontology(triples)
                if triples:
                    return _document(iri, triples, fmt_for_attempt)
    except ValueError:
        pass  # not an IRI at all: no such resource
    return text_error(404, f"Nothing is known about <{current.base}{path}>.")


def _whole_ontology(document: list) -> list:
    """The ontology's IRI (``/def/``, ``/def.ttl``) answers with the whole vocabulary, every class and
    property with its labels (Best Practice Recipes for Publishing RDF Vocabularies, recipe 3), not
    only the statements about the ontology resource; its resource document is kept beside."""
    whole = list(state().store.graph_triples(str(ONTOLOGY_GRAPH)) or [])
    seen = set(whole)
    return whole + [t for t in document if t not in seen]


def _graph_names() -> set[str]:
    names: set[str] | None = request.environ.get("bolekg.graph_names")  # asked once per request
    if names is None:
        names = request.environ["bolekg.graph_names"] = set(state().store.graph_names())
    return names


def _format(explicit: Format | None) -> Format | Response:
    return explicit if explicit is not None else choose(OFFERS)


def _document(iri: str, triples: list, explicit: Format | None) -> Response | str:
    """The resource document in an RDF format (or the 400/406 when none is acceptable)."""
    fmt = _format(explicit)
    if isinstance(fmt, Response):
        return fmt
    return _respond(iri, triples_body(triples, fmt, SERIALISATION_PREFIXES, focus=iri), fmt, explicit)


def _respond(iri: str, body: bytes, fmt: Format, explicit: Format | None) -> Response:
    current = state()
    response = Response(body, content_type=fmt.content_type)
    if explicit is None:
        _content_location(response, iri, fmt)
    return conditional(response, current.store.version().last_modified, negotiated=explicit is None)


def _graph(iri: str, explicit: Format | None) -> Response | str:
    """A named graph's IRI answers with the graph itself (RDF), or a summary page (HTML)."""
    current = state()
    fmt = _format(explicit)
    if isinstance(fmt, Response):
        return fmt
    if fmt is HTML:
        count = current.store.graph_counts().get(iri, 0)
        body = render_template("graph.html", iri=iri, count=count, formats=_links(iri),
                               writable=current.writable).encode("utf-8")
    else:
        body = triples_body(current.store.graph_triples(iri) or [], fmt, SERIALISATION_PREFIXES)
    response = Response(body, content_type=fmt.content_type)
    if explicit is None:
        _content_location(response, iri, fmt)
    return conditional(response, current.store.version().last_modified, negotiated=explicit is None)


def _links(iri: str) -> list[tuple[str, str]]:
    path = local_path(state().base, iri) or "/"
    stem = path.rstrip("/") or "/index"
    return [(fmt.key, f"{stem}.{fmt.extension}") for fmt in DOCUMENT_FORMATS]


def _content_location(response: Response, iri: str, fmt: Format) -> None:
    if fmt is HTML:
        return
    path = local_path(state().base, iri)
    if path:
        response.headers["Content-Location"] = f"{path.rstrip('/')}.{fmt.extension}"
