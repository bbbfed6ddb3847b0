"""Moving quads between rdflib (where the data is built and validated) and pyoxigraph (where it is served).

Also the one place that writes SPARQL Update text for a change of state, because both backends
commit a validated write the same way: one update request, which SPARQL 1.1 Update §2.2 lets a
store run atomically (pyoxigraph and ``oxigraph serve`` do; so do Fuseki and Virtuoso).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import cast

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.term import Node

from bolekg.report.vocab import XSD

#: A graph's name: an IRI string, or ``None`` for the default graph.
GraphName = str | None
TripleSet = set[tuple[ox.NamedNode | ox.BlankNode, ox.NamedNode, ox.NamedNode | ox.BlankNode | ox.Literal]]


def graph_term(name: GraphName) -> ox.NamedNode | ox.DefaultGraph:
    return ox.DefaultGraph() if name is None else ox.NamedNode(name)


def dataset_graphs(dataset: Dataset) -> dict[GraphName, bytes]:
    """Each graph of an rdflib Dataset as N-Triples, keyed by name (``None`` = default graph)."""
    graphs: dict[GraphName, bytes] = {}
    for graph in dataset.graphs():
        if len(graph) == 0:
            continue
        name = None if graph.identifier == DATASET_DEFAULT_GRAPH_ID else str(graph.identifier)
        graphs[name] = graph.serialize(format="nt", encoding="utf-8")
    return graphs


def dataset_quads(dataset: Dataset) -> Iterator[ox.Quad]:
    """The dataset's quads as pyoxigraph terms (blank nodes keep rdflib's labels across graphs)."""
    for name, data in dataset_graphs(dataset).items():
        target = graph_term(name)
        for triple in ox.parse(data, format=ox.RdfFormat.N_TRIPLES):
            yield ox.Quad(triple.subject, triple.predicate, triple.object, target)


_XSD_STRING = str(XSD.string)


def rdflib_term(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> Node:
    """One pyoxigraph term as rdflib's (a simple literal is xsd:string in RDF 1.1, untyped in rdflib).
    A quoted triple (RDF-star) has no rdflib term: a TypeError."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Triple):
        raise TypeError(f"a quoted triple has no rdflib term: {term}")
    if term.language:
        return Literal(term.value, lang=term.language)
    if term.datatype.value == _XSD_STRING:
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def to_rdflib(triples: Iterable[ox.Triple], graph: Graph | None = None) -> Graph:
    """pyoxigraph triples into a plain rdflib Graph (what pySHACL validates), term by term:
    twice as fast as writing and re-parsing N-Triples."""
    graph = graph if graph is not None else Graph()
    graph.addN((rdflib_term(t.subject), rdflib_term(t.predicate), rdflib_term(t.object), graph)
               for t in triples)
    return graph


def graphs_union_rdflib(graphs: Mapping[str, Iterable[ox.Triple]]) -> Graph:
    """The distinct triples of parsed graphs (named graph IRI → triples) as one rdflib Graph."""
    return to_rdflib(dict.fromkeys(triple for triples in graphs.values() for triple in triples))


def union_triples(store: ox.Store) -> ox.QueryTriples:
    """Every distinct triple of every graph (CONSTRUCT answers a set: SPARQL 1.1 Query §16.2)."""
    union = store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", use_default_graph_as_union=True)
    return cast(ox.QueryTriples, union)  # a CONSTRUCT answers triples (pyoxigraph types every query's answer alike)


def union_rdflib(store: ox.Store) -> Graph:
    """Every distinct triple of every graph, as one rdflib Graph."""
    return to_rdflib(union_triples(store))


def graph_sets(store: ox.Store) -> dict[GraphName, TripleSet]:
    """The store's content as one set of triples per graph, named graphs that exist empty included."""
    sets: dict[GraphName, TripleSet] = {str(g.value): set() for g in store.named_graphs()}
    sets.setdefault(None, set())
    for quad in store:
        name = None if isinstance(quad.graph_name, ox.DefaultGraph) else str(quad.graph_name.value)
        sets.setdefault(name, set()).add((quad.subject, quad.predicate, quad.object))
    return sets


def _has_blank(triples: Iterable[tuple]) -> bool:
    return any(isinstance(term, ox.BlankNode) for triple in triples for term in triple)


def _block(graphs: Mapping[GraphName, Iterable[tuple]]) -> str:
    parts = []
    for name, triples in graphs.items():
        lines = "\n".join(f"{s} {p} {o} ." for s, p, o in triples)
        parts.append(lines if name is None else f"GRAPH <{name}> {{\n{lines}\n}}")
    return "\n".join(parts)


def change_update(before: dict[GraphName, TripleSet], after: dict[GraphName, TripleSet]) -> str:
    """One SPARQL Update request that turns ``before`` into ``after`` (empty string: no change).

    Graphs that changed only in IRIs and literals get DELETE DATA / INSERT DATA (§3.1.1–3.1.2);
    a change touching blank nodes replaces that graph whole, because DELETE DATA cannot name a
    blank node and an inserted one would be a fresh node, not the one it hangs from.
    """
    drops: list[str] = []
    deletes: dict[GraphName, TripleSet] = {}
    inserts: dict[GraphName, TripleSet] = {}
    creates: list[str] = []
    for name in sorted(set(before) | set(after), key=lambda n: n or ""):
        old, new = before.get(name), after.get(name)
        if new is None:
            drops.append(f"DROP SILENT GRAPH <{name}>")
            continue
        if old is None:
            if new:
                inserts[name] = new
            else:
                creates.append(f"CREATE SILENT GRAPH <{name}>")
            continue
        removed, added = old - new, new - old
        if not removed and not added:
            continue
        if _has_blank(removed) or _has_blank(added):
            drops.append("CLEAR SILENT DEFAULT" if name is None else f"DROP SILENT GRAPH <{name}>")
            if new:
                inserts[name] = new
            elif name is not None:
                creates.append(f"CREATE SILENT GRAPH <{name}>")
            continue
        if removed:
            deletes[name] = removed
        if added:
            inserts[name] = added
    operations = list(drops)
    if deletes:
        operations.append("DELETE DATA {\n" + _block(deletes) + "\n}")
    if inserts:
        operations.append("INSERT DATA {\n" + _block(inserts) + "\n}")
    operations.extend(creates)
    return " ;\n".join(operations)


def copy_store(source: ox.Store) -> ox.Store:
    """A private in-memory copy of a pyoxigraph store, empty named graphs included."""
    scratch = ox.Store()
    scratch.load(source.dump(format=ox.RdfFormat.N_QUADS) or b"", format=ox.RdfFormat.N_QUADS)
    for name in source.named_graphs():
        scratch.add_graph(name)
    return scratch
