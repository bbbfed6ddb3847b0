"""The document a dereferenced IRI answers with, and the mapping of request paths to IRIs.

A resource's document holds its own triples, the triples pointing at it, the blank nodes it
hangs (two levels, enough for the Data Cube component specifications), and the ``rdfs:label`` /
``skos:prefLabel`` of every IRI it mentions — so that a client can show names without a second
request (the "following your nose" pattern of Cool URIs for the Semantic Web, W3C Note §4).
"""

from __future__ import annotations

import pyoxigraph as ox

from bolekg.formats import BY_EXTENSION, Format
from bolekg.report.vocab import sparql_prefixes
from bolekg.store import GraphStore


def _document_query(incoming: bool) -> str:
    """The CONSTRUCT for a resource's document (``%(iri)s`` to fill in); with ``incoming``, also what
    points at it and the names of those."""
    points_at = "\n  UNION { VALUES ?o { %(iri)s } ?s ?p ?o }" if incoming else ""
    named_from = " UNION { ?n ?x ?r } UNION { ?x ?n ?r }" if incoming else ""
    return f"""
{sparql_prefixes("rdfs", "skos")}CONSTRUCT {{ ?s ?p ?o . ?n ?lp ?label }}
WHERE {{
  {{ VALUES ?s {{ %(iri)s }} ?s ?p ?o }}{points_at}
  UNION {{ VALUES ?r {{ %(iri)s }} ?r ?p1 ?s . FILTER(isBlank(?s)) ?s ?p ?o }}
  UNION {{ VALUES ?r {{ %(iri)s }} ?r ?p1 ?b . FILTER(isBlank(?b)) ?b ?p2 ?s . FILTER(isBlank(?s)) ?s ?p ?o }}
  UNION {{
    VALUES ?r {{ %(iri)s }}
    {{ ?r ?n ?x }} UNION {{ ?r ?x ?n }}{named_from}
    UNION {{ ?r ?y ?b . FILTER(isBlank(?b)) {{ ?b ?n ?z }} UNION {{ ?b ?z ?n }} }}
    FILTER(isIRI(?n))
    VALUES ?lp {{ rdfs:label skos:prefLabel }}
    ?n ?lp ?label
  }}
}}
"""


DOCUMENT_QUERY = _document_query(incoming=True)

#: The part of the document a page reads whole: the resource's own statements, its blank nodes and
#: the names of what those mention. What points at the resource is left out, because for a hub
#: (a city every figure is about) it grows with the data; a page asks for it per property, bounded
#: (``bolekg.pages.entity.Document.fetch``).
OWN_DOCUMENT_QUERY = _document_query(incoming=False)


def resource_document(store: GraphStore, iri: str) -> list[ox.Triple]:
    """The triples describing ``iri``; empty when the store knows nothing about it."""
    node = ox.NamedNode(iri)  # raises ValueError on anything that is not an IRI
    result = store.query(DOCUMENT_QUERY % {"iri": str(node)})
    return list(result.triples())


def split_extension(path: str) -> tuple[str, Format | None]:
    """``id/obs/x.ttl`` → (``id/obs/x``, Turtle); a path without a known extension is returned whole."""
    stem, dot, extension = path.rpartition(".")
    if dot and "/" not in extension and extension in BY_EXTENSION:
        return stem, BY_EXTENSION[extension]
    return path, None


def candidate_iris(base: str, path: str) -> list[str]:
    """The IRIs a request path may name: ``base + path``, and the same with a trailing slash
    (so ``/def.ttl`` reaches the ontology ``…/def/``)."""
    iri = base + path.lstrip("/")
    return [iri] if iri.endswith("/") else [iri, iri + "/"]


def local_path(base: str, iri: str) -> str | None:
    """Where an IRI under ``base`` is served on this host (``/id/…``); ``None`` for other IRIs."""
    if iri.startswith(base):
        return "/" + iri[len(base):]
    return None
