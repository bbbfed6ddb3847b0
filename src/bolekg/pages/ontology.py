"""The ontology documented from the graph itself, and the SHACL shapes documented from ``shapes/``.

Classes and properties are read from the store (so the page shows what is loaded), with their zh/en
labels and definitions (``skos:definition``), superclasses, domains and ranges, and how many
resources use each. The shapes are the files the load gate validates with.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup, escape
from rdflib import Graph, URIRef
from rdflib.term import Node

from bolekg.i18n import pick
from bolekg.pages.common import Context, Link
from bolekg.report.validate import PLACEHOLDER
from bolekg.report.vocab import OWL, QUDT, RDF, RDFS, SH
from bolekg.services.lookup import text

TERMS_QUERY = """SELECT ?term ?kind ?super ?domain ?range ?def WHERE {
  ?term a ?kind .
  VALUES ?kind { owl:Class owl:ObjectProperty owl:DatatypeProperty owl:AnnotationProperty qudt:Unit }
  FILTER(STRSTARTS(STR(?term), STR(bk:)))
  OPTIONAL { ?term rdfs:subClassOf|rdfs:subPropertyOf ?super . FILTER(isIRI(?super)) }
  OPTIONAL { ?term rdfs:domain ?domain . FILTER(isIRI(?domain)) }
  OPTIONAL { ?term rdfs:range ?range . FILTER(isIRI(?range)) }
  OPTIONAL { ?term skos:definition ?def }
}"""

USE_QUERY = """SELECT ?term (COUNT(*) AS ?n) WHERE {
  { ?s a ?term } UNION { ?s ?term ?o }
  FILTER(STRSTARTS(STR(?term), STR(bk:)))
} GROUP BY ?term"""

KINDS = {str(OWL.Class): "class",
         str(OWL.ObjectProperty): "property",
         str(OWL.DatatypeProperty): "property",
         str(OWL.AnnotationProperty): "property",
         str(QUDT.Unit): "unit"}


@dataclass
class Term:
    link: Link
    kind: str
    kinds: set[str] = field(default_factory=set)
    supers: list[Link] = field(default_factory=list)
    domains: list[Link] = field(default_factory=list)
    ranges: list[Link] = field(default_factory=list)
    definitions: dict[str, str] = field(default_factory=dict)
    uses: int = 0

    @property
    def kind_name(self) -> str:
        return ", ".join(sorted(k.rsplit("#", 1)[-1].rsplit("/", 1)[-1] for k in self.kinds))


@dataclass
class Section:
    """One of the page's three tables, which is also a page of its own (``/ontology?section=key``)."""

    key: str
    kind: str
    terms: list[Term]


#: The sections in the page's order: their ``?section=`` key and the kind of term each lists.
SECTIONS = (("classes", "class"), ("properties", "property"), ("units", "unit"))


@dataclass
class Ontology:
    classes: list[Term]
    properties: list[Term]
    units: list[Term]

    @property
    def sections(self) -> list[Section]:
        """The three tables in order. Why pages of their own: on a phone the whole page is some 60
        screens of tables; a section alone is a third of that, and the contents at the top of every
        page say how many terms each holds before one opens it."""
        found = {"classes": self.classes, "properties": self.properties, "units": self.units}
        return [Section(key, kind, found[key]) for key, kind in SECTIONS]

    def section(self, key: str | None) -> Section | None:
        """The section ``key`` names, ``None`` for none (the whole page) or one that does not exist."""
        return next((found for found in self.sections if found.key == key), None)


def build(context: Context) -> Ontology:
    terms: dict[str, Term] = {}
    for row in context.rows(TERMS_QUERY, "the ontology's classes, properties and units"):
        iri = text(row["term"])
        kind = KINDS[text(row["kind"])]
        term = terms.get(iri)
        if term is None or (term.kind == "property" and kind == "unit"):
            term = terms[iri] = Term(context.link(iri), kind)
        term.kinds.add(text(row["kind"]))
        for key, target in (("super", term.supers), ("domain", term.domains), ("range", term.ranges)):
            if key in row and context.link(row[key]) not in target:
                target.append(context.link(row[key]))
        if "def" in row:
            term.definitions.setdefault(getattr(row["def"], "language", "") or "", text(row["def"]))
    for row in context.rows(USE_QUERY, "how often each term is used"):
        if text(row["term"]) in terms:
            terms[text(row["term"])].uses = int(text(row["n"]))
    context.resolve()
    ordered = sorted(terms.values(), key=lambda t: t.link.iri)
    return Ontology([t for t in ordered if t.kind == "class"], [t for t in ordered if t.kind == "property"],
                    [t for t in ordered if t.kind == "unit"])


@dataclass
class ShapeDoc:
    iri: str
    name: str
    label: str
    targets: list[str]
    constraints: list[str]
    messages: list[str]
    #: Language (``en`` for an untagged message, pySHACL's and the shapes' first language) → the
    #: shape's labels and messages in it: the quality page is kept once and shown in either language.
    labels: dict[str, str] = field(default_factory=dict)
    messages_by_lang: dict[str, list[str]] = field(default_factory=dict)

    def label_in(self, lang: str) -> str:
        return pick(self.labels, lang)

    def messages_in(self, lang: str) -> list[Markup]:
        """The messages in ``lang`` (else English), each placeholder shown as ``<var>name</var>``: a
        template documents what a result will say, and ``{?written}`` is how SHACL writes the blank
        a result fills (SHACL §5.3.2), not text for a reader."""
        chosen = self.messages_by_lang.get(lang) or self.messages_by_lang.get("en") or self.messages
        return [Markup(PLACEHOLDER.sub(lambda m: str(Markup("<var>{}</var>").format(m.group(1))), str(escape(text))))
                for text in chosen]


def _short(graph: Graph, node: Node) -> str:
    if isinstance(node, URIRef):
        try:
            return graph.namespace_manager.normalizeUri(node)
        except Exception:  # rdflib cannot split some IRIs
            return str(node)
    return node.n3(graph.namespace_manager) if hasattr(node, "n3") else str(node)


def _by_lang(literals: list[Node]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for literal in literals:
        lang = getattr(literal, "language", None) or "en"
        found.setdefault(lang, []).append(str(literal))
    return {lang: sorted(set(texts)) for lang, texts in found.items()}


def shapes(graph: Graph) -> list[ShapeDoc]:
    """Every node shape: its targets, the paths it constrains, the messages it gives (per language)."""
    found = []
    for shape in sorted(set(graph.subjects(RDF.type, SH.NodeShape)), key=str):
        if not isinstance(shape, URIRef):
            continue
        targets = [_short(graph, t) for p in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
                   for t in graph.objects(shape, p)]
        constraints, messages = [], list(graph.objects(shape, SH.message))
        for prop in graph.objects(shape, SH.property):
            path = graph.value(prop, SH.path)
            constraints.append(_short(graph, path) if path is not None else "?")
            messages += list(graph.objects(prop, SH.message))
        for sparql in graph.objects(shape, SH.sparql):
            constraints.append("SPARQL: " + _short(graph, sparql))
            messages += list(graph.objects(sparql, SH.message))
        labels = {getattr(v, "language", None) or "": str(v) for v in graph.objects(shape, RDFS.label)}
        by_lang = _by_lang(messages)
        found.append(ShapeDoc(str(shape), _short(graph, shape), pick(labels, "en"), sorted(targets), constraints,
                              by_lang.get("en", []), labels, by_lang))
    return found
