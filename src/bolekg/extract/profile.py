"""The draft profile: the project's shapes, less what curation must still add, plus what a draft must
carry that a curated graph does not (a confidence on every drafted fact).

It is derived from ``shapes/`` at run time, so it follows every change to them; :data:`RELAXED` names each
shape left out and why. Nothing else is relaxed: a draft's quotes must still be verbatim at their offsets,
its observations still have one measure type, one typed value, one unit, period, area and initiative.
"""

from __future__ import annotations

from functools import cache

from rdflib import Graph, Literal, URIRef

from bolekg.extract.registry import Registry
from bolekg.report.dataset import ontology_graph
from bolekg.report.validate import Outcome, _read_shapes, _short, move_targets_to_property_shapes, validate
from bolekg.report.vocab import BK, SH

BKS = "https://w3id.org/bolekg/shapes#"

#: Shapes a draft need not satisfy yet: each is something only curation can add.
RELAXED: dict[str, str] = {
    "Labelled-en": "English labels: the extractor reads Chinese; curation translates",
    "Item-notation": "the Bole report's notation pattern (three programmes of ten items); another report's "
                     "headings number otherwise",
    "MoneyKind": "the kind of money (spending, loans, claims …): curation decides it for each indicator",
    "Evidenced-place": "a quote for every place: a gazetteer place the report does not name (a parent of "
                       "the report's place) has none; the gazetteer is its source",
}

DRAFT_SHAPES = f"""
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix bk: <https://w3id.org/bolekg/def/> .
@prefix bks: <{BKS}> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

bks:DraftConfidence a sh:NodeShape ;
    rdfs:label "Drafted fact with a confidence"@en , "带置信度的草稿事实"@zh ;
    sh:targetClass bk:Observation ;
    sh:property [
        sh:path bk:confidence ; sh:minCount 1 ; sh:maxCount 1 ; sh:datatype xsd:decimal ;
        sh:minInclusive 0 ; sh:maxInclusive 1 ;
        sh:message "a drafted observation has exactly one bk:confidence, a decimal from 0 to 1" ,
            "草稿观测值恰有一个 bk:confidence,为0至1之间的小数"@zh ] .
"""


def _drop_shape(shapes: Graph, local: str) -> None:
    shape = URIRef(BKS + local)
    for holder in list(shapes.subjects(SH.property, shape)):
        shapes.remove((holder, SH.property, shape))
    for holder in list(shapes.subjects(SH.sparql, shape)):
        shapes.remove((holder, SH.sparql, shape))
    shapes.add((shape, SH.deactivated, Literal(True)))


def _places_without_evidence(shapes: Graph) -> None:
    """bks:Evidenced targets bk:Place too: drop that target only (Observation and the rest keep it)."""
    shape = URIRef(BKS + "Evidenced")
    shapes.remove((shape, SH.targetClass, BK.Place))
    holder = URIRef(BKS + "Evidenced-evidence")
    shapes.remove((holder, SH.targetClass, BK.Place))


@cache
def draft_shapes() -> Graph:
    shapes = _read_shapes()
    for local in ("Labelled-en", "Item-notation", "MoneyKind"):
        _drop_shape(shapes, local)
    _places_without_evidence(shapes)
    shapes.parse(data=DRAFT_SHAPES, format="turtle")
    move_targets_to_property_shapes(shapes)
    return shapes


def validate_draft(draft: Graph, registry: Registry | None = None) -> Outcome:
    """Validate ``draft`` (with the ontology beside it, for class targets, and the descriptions of the
    registry entities it links to) against the draft profile.

    A registry entity is checked where it lives (the shapes of the graph that holds it), not here: a
    finding whose focus is a registry entity the draft does not describe is left out (an organisation
    the registry file gives without its report's quote, say); the draft's own nodes get every check,
    including those that read the registry's labels (a stated responsibility names its agency by a
    Chinese label or altLabel, ``bks:Stated-named``)."""
    data = Graph()
    for triple in ontology_graph():
        data.add(triple)
    for triple in draft:
        data.add(triple)
    if registry is None:
        return validate(data, shapes=draft_shapes())
    for triple in registry.graph:
        data.add(triple)
    outcome = validate(data, shapes=draft_shapes())
    theirs = {_short(data, iri) for iri in registry.entities if (iri, None, None) not in draft}
    findings = tuple(f for f in outcome.findings if f.focus not in theirs)
    conforms = not any(f.severity == "Violation" for f in findings)
    return Outcome(conforms=conforms, findings=findings, report=outcome.report)

