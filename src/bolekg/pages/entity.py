"""The page of one resource: what every page has, and the layout for its kind.

Every page shows the resource's names in both languages, its types, definition and editorial notes,
the source quotes behind its facts (linked into the report reader), its RDF in three formats, its
IRI, the SPARQL queries that built it, a small graph of its neighbours, all its own statements
and, per property, the first :data:`INCOMING_SHOWN` of those pointing at it with their number and a
link to the rest. Items, projects, places, organisations, observations and quotes get their own
sections on top (:mod:`bolekg.pages.kinds`); anything else, ontology terms included, gets the
generic view.

A page's work must not grow with the data: every query starts from bound terms (the resource, or
IRIs found by an earlier query and passed as ``VALUES``), and what can grow with the number of
reports — what points at a hub, a city's places and figures — is read only up to a bound.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from bolekg.formats import DOCUMENT_FORMATS
from bolekg.pages import compare as compare_pages
from bolekg.pages import kinds
from bolekg.pages.browse import links_href
from bolekg.pages.common import Context, Link, Quote
from bolekg.pages.figures import in_report_order
from bolekg.pages.svg import Neighbour, neighbourhood_svg
from bolekg.report.vocab import BK, GEO, NIF, ORG, OWL, PROV, QB, RDF, RDFS, SKOS
from bolekg.services.describe import OWN_DOCUMENT_QUERY, local_path
from bolekg.services.lookup import iri_term, text
from bolekg.store import GraphStore

RDF_TYPE = str(RDF.type)
LABELS = {str(RDFS.label), str(SKOS.prefLabel)}
DEFINITIONS = (str(SKOS.definition), str(RDFS.comment))
NOTES = str(BK.editorialNote)

#: Classes (or their superclasses) that pick a layout, most specific first.
KIND_OF_CLASS = (
    (str(BK.Observation), "observation"),
    (str(BK.Quote), "quote"),
    (str(BK.Initiative), "initiative"),
    (str(ORG.Organization), "organisation"),
    (str(BK.Place), "place"),
    (str(GEO.Feature), "place"),
    (str(NIF.String), "text"),
    (str(NIF.Sentence), "text"),
    (str(BK.Paragraph), "text"),
)

def superclasses_query(types: list[str]) -> str:
    """The superclasses of ``types``: one path per class, each starting from that class written in.
    Virtuoso 7.2 refuses a ``*`` path whose start comes from ``VALUES`` ("transitive start not given")."""
    starts = " UNION ".join(f"{{ {iri_term(t)} rdfs:subClassOf* ?super }}" for t in types)
    return f"SELECT DISTINCT ?super WHERE {{ {starts} }}"

#: Links that say little about a resource's neighbourhood (its quotes have their own section).
QUIET_PREDICATES = {
    RDF_TYPE, str(SKOS.inScheme), str(SKOS.topConceptOf), str(QB.dataSet),
    str(PROV.hadPrimarySource), str(RDFS.isDefinedBy), str(BK.evidence),
    str(NIF.referenceContext),
    str(NIF.superString),
    str(NIF.sentence),
    str(BK.section), str(BK.describedIn),
}
GRAPH_NEIGHBOURS = 14
#: Statements pointing at a resource shown per property; the rest are counted and listed elsewhere.
INCOMING_SHOWN = 50

INCOMING_COUNTS_QUERY = """SELECT ?p (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p %s } GROUP BY ?p"""
INCOMING_BRANCH = "{ SELECT DISTINCT ?s (%(p)s AS ?p) WHERE { ?s %(p)s %(iri)s } LIMIT %(n)d }"


@dataclass
class Value:
    kind: str  # "iri", "literal", "bnode"
    text: str = ""
    link: Link | None = None
    lang: str | None = None
    datatype: str = ""
    rows: list[Row] = field(default_factory=list)


@dataclass
class Row:
    """One property and its values; for statements pointing here, how many there are in all and
    where the ones not shown are listed."""

    predicate: Link
    values: list[Value]
    total: int = 0
    more_href: str = ""


@dataclass
class Document:
    """The resource document (describe.DOCUMENT_QUERY) split up: the resource's own statements,
    those pointing at it, blank nodes it hangs, and the names of everything it mentions."""

    iri: str
    outgoing: dict[str, list[Any]]
    incoming: dict[str, list[Any]]
    blanks: dict[str, dict[str, list[Any]]]
    names: dict[str, dict[str, str]]
    #: property → how many resources point here through it (``incoming`` may hold fewer)
    incoming_total: dict[str, int] = field(default_factory=dict)

    @classmethod
    def fetch(cls, context: Context, iri: str, shown: int = INCOMING_SHOWN) -> Document | None:
        """What a page shows of ``iri``: its own statements whole, and at most ``shown`` of the
        statements pointing at it per property, with their number; ``None`` when nothing is known.

        A hub is pointed at by every report (Bole City by hundreds of statements of this report
        alone, and by every report added beside it), so its page cannot hold them all. Counting them is one
        pass over the store's index for this one object; the ones shown are the first the index
        gives (``LIMIT`` without ``ORDER BY``, so the engine stops there) and are sorted on the page.
        """
        node = iri_term(iri)
        query = OWN_DOCUMENT_QUERY % {"iri": node}
        context.lookup.queries.append(("the resource's own statements and the names of what they mention "
                                       "(the whole document is served as Turtle, JSON-LD, N-Triples)", query))
        own: list[ox.Triple] = list(context.store.query(query).triples())
        counts = {text(row["p"]): int(text(row["n"]))
                  for row in context.rows(INCOMING_COUNTS_QUERY % node, "how many statements point here, per property")}
        if not own and not counts:
            return None
        pointing: list[ox.Triple] = []
        if counts:
            branches = "\n  UNION ".join(INCOMING_BRANCH % {"p": iri_term(p), "iri": node, "n": shown}
                                          for p in sorted(counts))
            target, already = ox.NamedNode(iri), set(own)  # a statement about itself is in both
            for row in context.rows(f"SELECT ?s ?p WHERE {{\n  {branches}\n}}",
                                    f"the statements pointing here: at most {shown} per property"):
                triple = ox.Triple(row["s"], ox.NamedNode(text(row["p"])), target)
                if triple not in already:
                    pointing.append(triple)
        document = cls.parse(iri, own + pointing)
        document.incoming_total = counts
        return document

    @classmethod
    def parse(cls, iri: str, triples: list[ox.Triple]) -> Document:
        outgoing: dict[str, list[Any]] = {}
        incoming: dict[str, list[Any]] = {}
        blanks: dict[str, dict[str, list[Any]]] = {}
        names: dict[str, dict[str, str]] = {}
        for t in triples:
            subject, predicate, obj = t.subject, t.predicate.value, t.object
            if isinstance(subject, ox.NamedNode) and subject.value == iri:
                outgoing.setdefault(predicate, []).append(obj)
            if isinstance(obj, ox.NamedNode) and obj.value == iri:
                incoming.setdefault(predicate, []).append(subject)
            if isinstance(subject, ox.BlankNode):
                blanks.setdefault(subject.value, {}).setdefault(predicate, []).append(obj)
            if predicate in LABELS and isinstance(obj, ox.Literal) and isinstance(subject, ox.NamedNode):
                names.setdefault(subject.value, {}).setdefault(obj.language or "", obj.value)
        return cls(iri, outgoing, incoming, blanks, names)

    def first(self, predicate: str) -> Any | None:
        values = self.outgoing.get(predicate)
        return values[0] if values else None

    def iris(self, predicate: str) -> list[str]:
        return sorted(v.value for v in self.outgoing.get(predicate, []) if isinstance(v, ox.NamedNode))

    def pointing(self, predicate: str) -> list[str]:
        return sorted(v.value for v in self.incoming.get(predicate, []) if isinstance(v, ox.NamedNode))

    def texts(self, predicates: tuple[str, ...] | str, lang: str) -> list[str]:
        """Literal values in ``lang``, else in any language, for the first predicate that has any."""
        for predicate in (predicates,) if isinstance(predicates, str) else predicates:
            literals = [v for v in self.outgoing.get(predicate, []) if isinstance(v, ox.Literal)]
            if literals:
                by_lang: dict[str, list[str]] = {}
                for value in literals:
                    by_lang.setdefault(value.language or "", []).append(value.value)
                for candidate in (lang, "zh", "en", ""):
                    if candidate in by_lang:
                        return by_lang[candidate]
                return next(iter(by_lang.values()))
        return []


@dataclass
class EntityPage:
    kind: str
    link: Link
    types: list[Link]
    definition: list[str]
    notes: list[str]
    outgoing: list[Row]
    incoming: list[Row]
    quotes: list[Quote]
    own_quotes: list[Quote]
    graph_svg: str
    graph_count: int
    #: the graph's links again, as a list a phone shows instead of the drawing (issue 18: on a 390-px
    #: screen the drawing's labels shrank to 4 CSS px, under any readable size)
    graph_neighbours: list[Neighbour]
    queries: list[tuple[str, str]]
    formats: list[tuple[str, str]]
    section: Any = None
    instances: int | None = None
    browse_href: str = ""
    #: an indicator's comparison across reports (:mod:`bolekg.pages.compare`)
    compare_href: str = ""


def page_kind(supers: set[str]) -> str:
    return next((kind for cls, kind in KIND_OF_CLASS if cls in supers), "generic")


def format_links(base: str, iri: str) -> list[tuple[str, str]]:
    path = local_path(base, iri) or "/"
    stem = path.rstrip("/") or "/index"
    return [(fmt.key, f"{stem}.{fmt.extension}") for fmt in DOCUMENT_FORMATS]


def _value(context: Context, doc: Document, term: Any, depth: int = 0) -> Value:
    if isinstance(term, ox.NamedNode):
        return Value("iri", link=context.link(term.value))
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value if term.datatype else ""
        short = datatype.rsplit("#", 1)[-1] if datatype and not term.language else ""
        return Value("literal", text=term.value, lang=term.language, datatype="" if short in ("string", "langString")
                     else short)
    rows = []
    if depth < 2:
        for predicate, values in sorted(doc.blanks.get(term.value, {}).items()):
            rows.append(Row(context.link(predicate), [_value(context, doc, v, depth + 1) for v in values]))
    return Value("bnode", text="[ ]", rows=rows)


def _rows(context: Context, doc: Document, grouped: dict[str, list[Any]]) -> list[Row]:
    def order(term: Any) -> tuple[int, str, str]:
        lang = getattr(term, "language", None) or ""
        return (0 if isinstance(term, ox.Literal) else 1, "" if lang == context.lang else lang, str(term))

    return [Row(context.link(p), [_value(context, doc, v) for v in sorted(values, key=order)])
            for p, values in sorted(grouped.items(), key=lambda item: (item[0] != RDF_TYPE, item[0]))]


def _neighbours(context: Context, doc: Document) -> list[Neighbour]:
    found: list[Neighbour] = []
    seen: set[str] = {doc.iri}
    for direction, grouped in (("out", doc.outgoing), ("in", doc.incoming)):
        for predicate in sorted(grouped):
            if predicate in QUIET_PREDICATES:
                continue
            for term in sorted(grouped[predicate], key=str):
                if isinstance(term, ox.NamedNode) and term.value not in seen:
                    seen.add(term.value)
                    found.append(Neighbour(context.link(term.value), context.link(predicate), direction))
    return found


def _incoming_rows(context: Context, doc: Document) -> list[Row]:
    """Statements pointing here, each property with its total and, when some are not shown, a link
    to the list of them all."""
    rows = _rows(context, doc, doc.incoming)
    for row in rows:
        row.total = max(doc.incoming_total.get(row.predicate.iri, 0), len(row.values))
        if row.total > len(row.values):
            row.more_href = links_href(doc.iri, row.predicate.iri)
    return rows


def build(store: GraphStore, base: str, lang: str, iri: str) -> EntityPage | None:
    """The page for ``iri`` (``None`` when the store knows nothing about it): its own statements,
    a bounded share of those pointing at it, and a handful of queries for its kind."""
    context = Context(store, base, lang)
    doc = Document.fetch(context, iri)
    if doc is None:
        return None
    context.known_names(doc.names)
    types = doc.iris(RDF_TYPE)
    supers = set(types)
    if types:
        rows = context.rows(superclasses_query(types),
                            "the classes of this resource and their superclasses (which layout to use)")
        supers |= {text(r["super"]) for r in rows}
    kind = page_kind(supers)
    section = kinds.BUILDERS[kind](context, doc) if kind in kinds.BUILDERS else None
    instances = None
    browse_href = ""
    if str(OWL.Class) in supers or str(RDFS.Class) in supers:
        instances = doc.incoming_total.get(RDF_TYPE, 0)  # counted with the statements pointing here
        browse_href = "/browse?class=" + iri if instances else ""
    context.want_quotes([iri])
    neighbours = _neighbours(context, doc)
    page = EntityPage(
        kind=kind,
        link=context.link(iri),
        types=[context.link(t) for t in types],
        definition=doc.texts(DEFINITIONS, lang),
        notes=doc.texts(NOTES, lang),
        outgoing=_rows(context, doc, doc.outgoing),
        incoming=_incoming_rows(context, doc),
        quotes=[],
        own_quotes=[],
        graph_svg="",
        graph_count=min(len(neighbours), GRAPH_NEIGHBOURS),
        graph_neighbours=neighbours[:GRAPH_NEIGHBOURS],
        queries=context.queries,
        formats=format_links(base, iri),
        section=section,
        instances=instances,
        browse_href=browse_href,
        compare_href=compare_pages.href(iri) if str(BK.Indicator) in supers else "",
    )
    context.resolve()
    for name in ("figures", "related"):
        if hasattr(section, name):
            setattr(section, name, in_report_order(getattr(section, name)))
    page.quotes = context.sorted_quotes()
    page.own_quotes = context.quotes_of(iri)
    page.graph_svg = neighbourhood_svg(page.link, neighbours[:GRAPH_NEIGHBOURS], lang)
    return page
