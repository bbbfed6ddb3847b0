"""What ``bolekg.report.validate`` does to validate faster changes no result.

:func:`bolekg.report.validate.validate` gives pySHACL the shapes with the targets of node shapes moved to
the property shapes they hold, and the data graph with each SHACL-SPARQL query parsed once per
process. Each failing fixture of ``tests/test_shapes.py`` (and the largest
escape route of ``tests/test_shapes_escape.py``, on the real data) must get the same validation
report from it as from pySHACL run the plain way on the shapes as ``shapes/`` writes them: the same
results, as many times each, with the same focus node, path, value, source shape, constraint
component, SHACL-SPARQL constraint, severity and messages.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, ClassVar

import pyshacl
import pytest
from rdflib import BNode, Graph
from rdflib.compare import isomorphic
from rdflib.namespace import RDF
from rdflib.plugins.sparql import prepareQuery

from bolekg.report import validate as gate
from bolekg.report.dataset import knowledge_graph, ontology_graph
from bolekg.report.validate import move_targets_to_property_shapes, shapes_graph, validate, validation_shapes
from bolekg.report.vocab import SH
from test_shapes import CASES, FIXTURES, mutated, put
from test_shapes_escape import DELETE_EVIDENCED_OBSERVATIONS
from test_shapes_escape import PREFIXES as ESCAPE_PREFIXES

TARGETS = {SH.targetNode, SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf}


def term(graph: Graph, node: Any, depth: int = 0) -> Any:
    """A report's node, comparable across reports: a blank node (a sequence path, a list) by what it
    holds."""
    if not isinstance(node, BNode):
        return None if node is None else node.n3()
    if depth > 8:
        return "…"
    if (node, RDF.first, None) in graph:
        return ("list", *(term(graph, item, depth + 1) for item in graph.items(node)))
    return ("node", *sorted((str(p), term(graph, o, depth + 1)) for p, o in graph.predicate_objects(node)))


def results(report: Graph) -> Counter[tuple[Any, ...]]:
    found: Counter[tuple[Any, ...]] = Counter()
    for result in report.subjects(RDF.type, SH.ValidationResult):
        found[(*(term(report, report.value(result, p)) for p in (
            SH.focusNode, SH.resultPath, SH.value, SH.sourceShape, SH.sourceConstraintComponent,
            SH.sourceConstraint, SH.resultSeverity)),
            tuple(sorted(str(m) for m in report.objects(result, SH.resultMessage))))] += 1
    return found


class ParsedOnce(Graph):
    """A plain graph whose query strings rdflib prepares once (``prepareQuery``, the same parse and
    translation Graph.query makes of a string), so that the reference below is not all parsing."""

    prepared: ClassVar[dict[tuple[str, tuple[tuple[str, Any], ...]], Any]] = {}

    def query(self, query_object: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(query_object, str):
            namespaces = tuple(sorted(dict(self.namespaces()).items()))
            key = (query_object, namespaces)
            if key not in self.prepared:
                self.prepared[key] = prepareQuery(query_object, initNs=dict(namespaces))
            query_object = self.prepared[key]
        return super().query(query_object, *args, **kwargs)


def plain(graph: Graph, parse_every_time: bool = False) -> tuple[bool, Counter[tuple[Any, ...]]]:
    """pySHACL on the shapes as written, the way validate() called it before it was made faster."""
    if not parse_every_time:
        graph = ParsedOnce(store=graph.store, identifier=graph.identifier,
                           namespace_manager=graph.namespace_manager)
    conforms, report, _ = pyshacl.validate(graph, shacl_graph=shapes_graph(), inference="none",
                                              allow_warnings=True, advanced=True, inplace=True)
    return bool(conforms), results(report)


def assert_same_report(graph: Graph, parse_every_time: bool = False) -> None:
    outcome = validate(graph)
    conforms, expected = plain(graph, parse_every_time)
    assert outcome.conforms == conforms
    assert results(outcome.report) == expected


@pytest.fixture(scope="module")
def base() -> Graph:
    graph = ontology_graph()
    graph.parse(FIXTURES / "shapes-base.ttl", format="turtle")
    return graph


FIXTURE_CASES = [("base", "INSERT DATA {}"), *((case[0], case[1]) for case in CASES),
                 ("offsets-read-back-from-oxigraph", put("ex:q-rank", "nif:beginIndex", "52") + " ; "
                  + put("ex:q-rank", "nif:endIndex", "56"))]


@pytest.mark.parametrize("update", [c[1] for c in FIXTURE_CASES], ids=[c[0] for c in FIXTURE_CASES])
def test_fixture_gets_the_same_report(base: Graph, update: str) -> None:
    assert_same_report(mutated(base, update))


SPARQL_CONSTRAINTS = {str(c).rsplit("#", 1)[-1] for c in shapes_graph().subjects(RDF.type, SH.SPARQLConstraint)}
SPARQL_CASES = [case for case in CASES if case[2] in SPARQL_CONSTRAINTS]


@pytest.mark.parametrize("update", [c[1] for c in SPARQL_CASES], ids=[c[0] for c in SPARQL_CASES])
def test_sparql_fixture_gets_the_same_report_as_parsed_each_time(base: Graph, update: str) -> None:
    """The SHACL-SPARQL failures against pySHACL with rdflib parsing every query string itself."""
    assert_same_report(mutated(base, update), parse_every_time=True)


def test_real_data_without_its_observations_types_gets_the_same_report() -> None:
    """The escape route with the most results (164 untyped observations), on the real data."""
    graph = knowledge_graph()
    graph.update(ESCAPE_PREFIXES + DELETE_EVIDENCED_OBSERVATIONS)
    assert_same_report(graph, parse_every_time=True)


def test_only_targets_move() -> None:
    """The shapes pySHACL gets differ from the shapes as written by moved targets only: each
    ``sh:property`` link dropped gave its node shape's targets to the property shape it held."""
    written = shapes_graph()
    moved = Graph()
    for triple in written:
        moved.add(triple)
    move_targets_to_property_shapes(moved)
    assert isomorphic(moved, validation_shapes())
    dropped, added = set(written) - set(moved), set(moved) - set(written)
    assert dropped and all(p == SH.property for _, p, _ in dropped)
    held = {prop: node for node, _, prop in dropped}
    assert len(held) == len(dropped)
    assert {(prop, p, o) for prop, node in held.items() for p in TARGETS for o in written.objects(node, p)} == added


def test_queries_are_parsed_once() -> None:
    graph = knowledge_graph()
    first = validate(graph)
    hits = gate._prepared.cache_info().hits
    again = validate(graph)
    assert gate._prepared.cache_info().hits > hits
    assert results(again.report) == results(first.report)
