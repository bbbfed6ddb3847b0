"""No way around the shapes: each escape route, applied to the real data, fails validation.

The shapes in ``shapes/core.ttl`` and ``shapes/consistency.ttl`` choose their focus nodes by class,
so a node that lost its ``rdf:type`` used to escape them all (an observation without its type, then
without its unit, still conformed). ``shapes/typing.ttl`` chooses focus nodes by the properties a
node uses or is reached by, and requires the class they imply. Each case below applies one escape
route as a SPARQL Update to a copy of the real knowledge graph (ontology + data) and expects the
named shape to report it; ``tests/test_shapes.py`` does the same on the small fixture. The last tests
keep the typing shapes complete as the ontology and the data grow.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS

from bolekg.report.dataset import knowledge_graph, ontology_graph, report_graph
from bolekg.report.validate import Outcome, format_outcome, shapes_graph, validate
from bolekg.report.vocab import BK, NIF, ORG, PROV, QB, SH

SHAPES = "https://w3id.org/bolekg/shapes#"
PREFIXES = """
PREFIX bk: <https://w3id.org/bolekg/def/>
PREFIX nif: <http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#>
PREFIX qb: <http://purl.org/linked-data/cube#>
PREFIX sdmx-attribute: <http://purl.org/linked-data/sdmx/2009/attribute#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""

# The route the issue reported: 164 observations lose their type, keep qb:measureType and values.
DELETE_EVIDENCED_OBSERVATIONS = "DELETE WHERE { ?o a bk:Observation ; bk:evidence ?q }"


@pytest.fixture(scope="module")
def real() -> Graph:
    return knowledge_graph()


def copy(graph: Graph) -> Graph:
    duplicate = Graph()
    for triple in graph:
        duplicate.add(triple)
    return duplicate


def sources(outcome: Outcome) -> dict[str, set[str]]:
    """Local name of each shape or SHACL-SPARQL constraint that reported → the focus nodes it named."""
    found: dict[str, set[str]] = {}
    for result in outcome.report.subjects(RDF.type, SH.ValidationResult):
        focus = outcome.report.value(result, SH.focusNode)
        for predicate in (SH.sourceShape, SH.sourceConstraint):
            node = outcome.report.value(result, predicate)
            if isinstance(node, URIRef) and str(node).startswith(SHAPES):
                found.setdefault(str(node)[len(SHAPES):], set()).add(str(focus))
    return found


def an_observation(graph: Graph) -> URIRef:
    """The first observation (by IRI) with a unit and evidence: what every observation has."""
    return min((o for o in graph.subjects(RDF.type, BK.Observation)
                if (o, BK.evidence, None) in graph), key=str)


def a_quote(graph: Graph) -> URIRef:
    return min(graph.subjects(RDF.type, BK.Quote), key=str)


def observation_untyped(graph: Graph) -> str:
    return f"DELETE DATA {{ {an_observation(graph).n3()} a bk:Observation }}"


def observation_no_evidence(graph: Graph) -> str:
    return f"DELETE WHERE {{ {an_observation(graph).n3()} bk:evidence ?quote }}"


def observation_untyped_no_unit(graph: Graph) -> str:
    obs = an_observation(graph).n3()
    return (f"DELETE DATA {{ {obs} a bk:Observation }} ;"
            f" DELETE WHERE {{ {obs} sdmx-attribute:unitMeasure ?unit }}")


def half_observation(graph: Graph) -> str:
    """Type and evidence go; qb:measureType, the value, unit, period … stay."""
    return f"DELETE WHERE {{ {an_observation(graph).n3()} a ?class ; bk:evidence ?quote }}"


def every_evidenced_observation(graph: Graph) -> str:
    return DELETE_EVIDENCED_OBSERVATIONS


def quote_offsets_shifted(graph: Graph) -> str:
    """Begin and end both move one code point on: the length still fits, the text does not."""
    quote = a_quote(graph)
    begin = int(graph.value(quote, NIF.beginIndex))
    end = int(graph.value(quote, NIF.endIndex))
    text = str(graph.value(graph.value(quote, NIF.referenceContext), NIF.isString))
    assert text[begin + 1:end + 1] != str(graph.value(quote, NIF.anchorOf))
    return (f"DELETE WHERE {{ {quote.n3()} nif:beginIndex ?b ; nif:endIndex ?e }} ;"
            f" INSERT DATA {{ {quote.n3()} nif:beginIndex {begin + 1} ; nif:endIndex {end + 1} }}")


def quote_untyped(graph: Graph) -> str:
    return f"DELETE DATA {{ {a_quote(graph).n3()} a bk:Quote }}"


def quote_untyped_and_shifted(graph: Graph) -> str:
    return quote_untyped(graph) + " ; " + quote_offsets_shifted(graph)


def structure_untyped(graph: Graph) -> str:
    """Without its type, bk:dsd is no focus of the consistency checks (share of plan, parts, units)."""
    return "DELETE DATA { bk:dsd a qb:DataStructureDefinition }"


def report_text_untyped(graph: Graph) -> str:
    """Without its type, the report text is no focus of the quote-offset checks."""
    return "DELETE WHERE { ?text a bk:ReportText }"


# (route, update built from the real graph, shape or constraint that must report it)
ROUTES: list[tuple[str, Callable[[Graph], str], str]] = [
    ("observation-untyped", observation_untyped, "ObservationByProperty"),
    ("observation-no-evidence", observation_no_evidence, "Evidenced-evidence"),
    ("observation-untyped-no-unit", observation_untyped_no_unit, "ObservationByProperty"),
    ("half-observation", half_observation, "ObservationByProperty"),
    ("every-evidenced-observation", every_evidenced_observation, "ObservationByProperty"),
    ("quote-offsets-shifted", quote_offsets_shifted, "Quote-verbatim"),
    ("quote-untyped", quote_untyped, "QuoteByProperty"),
    ("quote-untyped-and-shifted", quote_untyped_and_shifted, "QuoteByProperty"),
    ("structure-untyped", structure_untyped, "DataSet-structure"),
    ("report-text-untyped", report_text_untyped, "ReportTextByProperty"),
]


def test_real_data_conforms(real: Graph) -> None:
    outcome = validate(copy(real))
    assert outcome.conforms, format_outcome(outcome)


@pytest.mark.parametrize(("route", "shape"), [(r[1], r[2]) for r in ROUTES], ids=[r[0] for r in ROUTES])
def test_escape_route_fails(real: Graph, route: Callable[[Graph], str], shape: str) -> None:
    graph = copy(real)
    graph.update(PREFIXES + route(graph))
    assert len(graph) < len(real) or set(graph) != set(real)
    outcome = validate(graph)
    assert not outcome.conforms
    fired = sources(outcome)
    assert shape in fired, f"{shape} did not fire; fired: {sorted(fired)}"


def test_every_untyped_observation_is_reported(real: Graph) -> None:
    """The issue's route leaves 164 untyped nodes with qb:measureType: each one is named."""
    evidenced = {str(o) for o in real.subjects(RDF.type, BK.Observation) if (o, BK.evidence, None) in real}
    assert len(evidenced) == 164
    graph = copy(real)
    graph.update(PREFIXES + DELETE_EVIDENCED_OBSERVATIONS)
    assert not any((o, QB.measureType, None) in graph and (o, RDF.type, None) in graph
                   for o in map(URIRef, evidenced))
    assert sources(validate(graph)).get("ObservationByProperty") == evidenced


def class_keeping_shapes(shapes: Graph) -> list[URIRef]:
    """Shapes that require their focus nodes to have a class: a node-level sh:class, or rdf:type
    with sh:minCount."""
    kept = [s for s in shapes.subjects(SH["class"], None)
            if isinstance(s, URIRef) and (s, SH.path, None) not in shapes]
    kept += [s for s in shapes.subjects(SH.path, RDF.type)
             if isinstance(s, URIRef) and (s, SH.minCount, None) in shapes]
    return kept


def test_every_node_of_the_data_is_a_focus_of_a_class_keeping_shape() -> None:
    """A property the data starts to use must imply a class or be listed in bks:Typed, or a node using
    only it could lose its class unnoticed."""
    shapes = shapes_graph()
    data = report_graph()
    focus: set[URIRef] = set()
    for shape in class_keeping_shapes(shapes):
        for prop in shapes.objects(shape, SH.targetSubjectsOf):
            focus.update(s for s in data.subjects(prop, None) if isinstance(s, URIRef))
        for prop in shapes.objects(shape, SH.targetObjectsOf):
            focus.update(o for o in data.objects(None, prop) if isinstance(o, URIRef))
    unchecked = {s for s in data.subjects() if s not in focus}
    assert not unchecked, sorted(unchecked)[:20]


def test_evidence_bearers_list_every_subclass() -> None:
    """sh:in compares IRIs, so bks:EvidenceBearer lists each evidenced class and all its subclasses."""
    ontology = ontology_graph()
    roots = [BK.Observation, BK.Milestone, BK.StatedResponsibility, BK.StatusStatement, BK.Initiative,
             PROV.Activity, BK.Place, ORG.Organization]
    expected = {c for root in roots for c in ontology.transitive_subjects(RDFS.subClassOf, root)}
    shapes = shapes_graph()
    listed = set(shapes.items(shapes.value(URIRef(SHAPES + "EvidenceBearer"), SH["in"])))
    assert listed == expected


ASTRAL_TEXT = """
PREFIX bk: <https://w3id.org/bolekg/def/>
PREFIX ex: <https://w3id.org/bolekg/id/test/>
PREFIX nif: <http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
INSERT DATA {
    ex:context a bk:ReportText ; nif:isString "\U00020000测试项目。" .
    ex:sentence a nif:Sentence ; nif:beginIndex "0"^^xsd:nonNegativeInteger ;
        nif:endIndex "6"^^xsd:nonNegativeInteger .
    ex:quote a bk:Quote ; nif:anchorOf "测试" ; nif:beginIndex "%d"^^xsd:nonNegativeInteger ;
        nif:endIndex "%d"^^xsd:nonNegativeInteger ; nif:sentence ex:sentence ; nif:referenceContext ex:context .
}"""


@pytest.mark.parametrize(("begin", "end", "verbatim"), [(1, 3, True), (2, 4, False)],
                         ids=["code-points", "utf-16-units"])
def test_quote_offsets_count_code_points(begin: int, end: int, verbatim: bool) -> None:
    """Offsets are 0-based Python code points and SPARQL SUBSTR is 1-based over characters: after a
    character outside the BMP (two UTF-16 units), Quote-verbatim accepts code-point offsets only."""
    text = "\U00020000测试项目。"
    assert (text[begin:end] == "测试") is verbatim
    graph = ontology_graph()
    graph.update(ASTRAL_TEXT % (begin, end))
    fired = sources(validate(graph))
    assert ("Quote-verbatim" not in fired) is verbatim, fired
