"""The quality page's data: the current SHACL result of what the store holds, and the shapes.

Validation runs on the store's present content (ontology + data as one rdflib graph, as the load
gate does) once per version of the store: a page view costs nothing after the first, and a write
that changes the data is reflected on the next view.
"""

from __future__ import annotations

from dataclasses import dataclass

from bolekg.pages.ontology import ShapeDoc, shapes
from bolekg.report.quads import union_rdflib
from bolekg.report.validate import Finding, shapes_graph, validate
from bolekg.store import GraphStore


@dataclass
class Quality:
    conforms: bool
    findings: list[Finding]
    violations: int
    triples: int
    shapes: list[ShapeDoc]


def build(store: GraphStore) -> Quality:
    graph = union_rdflib(store.snapshot())
    shape_graph = shapes_graph()
    outcome = validate(graph)
    violations = len(outcome.violations())
    return Quality(outcome.conforms, list(outcome.findings), violations, len(graph), shapes(shape_graph))
