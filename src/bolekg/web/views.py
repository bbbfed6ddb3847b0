"""View models for the simple HTML pages: terms with labels and local links, grouped triples.

IRIs under the data's base link to this server's own path for them (``/id/…``), so browsing works
on whatever host the app runs; other IRIs link out. Labels come from the document itself, which
carries the labels of every node it mentions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from bolekg.i18n import pick
from bolekg.report.vocab import RDFS, SKOS
from bolekg.services.describe import local_path


@dataclass
class TermView:
    text: str
    kind: str  # "iri", "literal", "bnode"
    href: str | None = None
    iri: str | None = None
    lang: str | None = None
    datatype: str | None = None
    rows: list[RowView] = field(default_factory=list)


@dataclass
class RowView:
    predicate: TermView
    values: list[TermView]


@dataclass
class PageView:
    iri: str
    title: str
    subtitle: str
    outgoing: list[RowView]
    incoming: list[RowView]


def labels(graph: Graph, node: Node) -> dict[str, str]:
    found: dict[str, str] = {}
    for prop in (RDFS.label, SKOS.prefLabel):
        for value in graph.objects(node, prop):
            if isinstance(value, Literal):
                found.setdefault(value.language or "", str(value))
    return found


def label(graph: Graph, node: Node) -> str:
    """The node's name as the pages pick it in English (:func:`bolekg.i18n.pick`: English, then Chinese,
    then untagged, then any), else its IRI as a prefixed name."""
    found = labels(graph, node)
    if found:
        return pick(found, "en")
    if isinstance(node, URIRef):
        try:
            return graph.namespace_manager.normalizeUri(node)
        except Exception:  # rdflib raises on IRIs it cannot split
            return str(node)
    return str(node)


def term_view(graph: Graph, node: Node, base: str, depth: int = 0) -> TermView:
    if isinstance(node, Literal):
        return TermView(str(node), "literal", lang=node.language,
                        datatype=graph.namespace_manager.normalizeUri(node.datatype) if node.datatype else None)
    if isinstance(node, BNode):
        rows = grouped(graph, node, base, depth + 1) if depth < 3 else []
        return TermView("(blank node)", "bnode", rows=rows)
    iri = str(node)
    return TermView(label(graph, node), "iri", href=local_path(base, iri) or iri, iri=iri)


def grouped(graph: Graph, subject: Node, base: str, depth: int = 0) -> list[RowView]:
    rows: dict[Node, list[Node]] = {}
    for predicate, value in graph.predicate_objects(subject):
        rows.setdefault(predicate, []).append(value)
    return [RowView(term_view(graph, predicate, base), [term_view(graph, v, base, depth) for v in
                                                        sorted(values, key=_order)])
            for predicate, values in sorted(rows.items(), key=lambda item: _order(item[0]))]


def _order(node: Node) -> tuple[int, str, str]:
    lang = node.language or "" if isinstance(node, Literal) else ""
    return (0 if isinstance(node, Literal) else 1, lang, str(node))


def page(graph: Graph, iri: str, base: str) -> PageView:
    """The HTML view of one resource: its triples, the triples pointing at it, with labels."""
    node = URIRef(iri)
    names = labels(graph, node)
    title = label(graph, node)
    subtitle = names.get("zh", "") if names.get("en") else ""
    incoming: dict[Node, list[Node]] = {}
    for subject, predicate in graph.subject_predicates(node):
        incoming.setdefault(predicate, []).append(subject)
    return PageView(
        iri=iri,
        title=title,
        subtitle=subtitle,
        outgoing=grouped(graph, node, base),
        incoming=[RowView(term_view(graph, p, base), [term_view(graph, s, base, 3) for s in sorted(subjects, key=str)])
                  for p, subjects in sorted(incoming.items(), key=lambda item: str(item[0]))],
    )


def result_cell(term: object, base: str) -> TermView | None:
    """A SPARQL result term (pyoxigraph) for the results table."""
    import pyoxigraph as ox

    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return TermView(term.value, "iri", href=local_path(base, term.value) or term.value, iri=term.value)
    if isinstance(term, ox.Literal):
        return TermView(term.value, "literal", lang=term.language, datatype=term.datatype.value)
    return TermView(str(term), "bnode")
