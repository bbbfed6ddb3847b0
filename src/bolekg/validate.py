"""The SHACL gate: nothing is loaded or written unless the shapes in ``shapes/`` accept it.

pySHACL validates a plain rdflib ``Graph`` (its direct-Oxigraph path crashes with inference on), so
callers pass ontology + data as one graph; subclass targets then follow the ontology's
``rdfs:subClassOf`` as SHACL §2.1.3.2 requires (https://www.w3.org/TR/shacl/#targetClass).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pyshacl
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS
from rdflib.term import Node

from bolekg.dataset import parse_files
from bolekg.paths import SHAPES_DIR
from bolekg.vocab import SH, SKOS, bind_prefixes


@dataclass(frozen=True)
class Finding:
    """One SHACL validation result, in the words a person reads."""

    severity: str
    focus: str
    focus_label: str
    path: str
    value: str
    value_label: str
    message: str
    shape: str


@dataclass(frozen=True)
class Outcome:
    conforms: bool
    findings: tuple[Finding, ...]
    report: Graph

    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "Violation"]


def shape_files(directory: Path = SHAPES_DIR) -> list[Path]:
    return sorted(directory.glob("*.ttl"))


@cache
def shapes_graph() -> Graph:
    graph = parse_files(shape_files())
    bind_prefixes(graph)
    return graph


def _label(data: Graph, node: Node) -> str:
    labels = {lit.language: str(lit) for p in (RDFS.label, SKOS.prefLabel)
              for lit in data.objects(node, p) if isinstance(lit, Literal)}
    return labels.get("en") or labels.get("zh") or next(iter(labels.values()), "")


def _short(graph: Graph, node: Node | None) -> str:
    if node is None:
        return ""
    if isinstance(node, URIRef):
        return graph.namespace_manager.normalizeUri(node)
    if isinstance(node, Literal):
        return node.n3(graph.namespace_manager)
    return "[]"


def findings(report: Graph, data: Graph) -> list[Finding]:
    result: list[Finding] = []
    for node in report.subjects(RDF.type, SH.ValidationResult):
        focus = report.value(node, SH.focusNode)
        path = report.value(node, SH.resultPath)
        severity = report.value(node, SH.resultSeverity)
        messages = [str(m) for m in report.objects(node, SH.resultMessage)]
        value = report.value(node, SH.value)
        result.append(
            Finding(
                severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
                focus=_short(data, focus),
                focus_label=_label(data, focus) if focus is not None else "",
                path=_short(data, path),
                value=_short(data, value),
                value_label=_label(data, value) if isinstance(value, URIRef) else "",
                message="; ".join(messages) or "(no message)",
                shape=_short(data, report.value(node, SH.sourceShape)),
            )
        )
    return sorted(result, key=lambda f: (f.severity != "Violation", f.focus, f.path, f.message))


def validate(data: Graph, shapes: Graph | None = None) -> Outcome:
    """Validate ``data`` (ontology + report as one graph) against the project's shapes.

    ``inplace=True`` spares pySHACL a copy of the data graph (a sixth of the run): with no inference
    and no SHACL rules it only reads the graph, so the caller's graph is left as it was.
    """
    shapes = shapes if shapes is not None else shapes_graph()
    conforms, report, _ = pyshacl.validate(
        data,
        shacl_graph=shapes,
        inference="none",
        allow_warnings=True,
        advanced=True,
        inplace=True,
    )
    bind_prefixes(report)
    found = findings(report, data)
    has_violation = any(f.severity == "Violation" for f in found)
    return Outcome(conforms=bool(conforms) or not has_violation, findings=tuple(found), report=report)


def format_text(outcome: Outcome) -> str:
    """A report a person reads: one block per finding, focus node's label first."""
    if not outcome.findings:
        return "Conforms: every shape is satisfied.\n"
    lines = []
    for f in outcome.findings:
        who = f"{f.focus_label} ({f.focus})" if f.focus_label else f.focus
        lines.append(f"{f.severity}: {who}")
        if f.path:
            lines.append(f"  path:    {f.path}")
        if f.value:
            # Checks that run once over many nodes report the offending node as the value.
            lines.append(f"  value:   {f.value_label} ({f.value})" if f.value_label else f"  value:   {f.value}")
        lines.append(f"  message: {f.message}")
    violations = len(outcome.violations())
    lines.append("")
    lines.append(
        f"{'Conforms' if outcome.conforms else 'Does not conform'}: "
        f"{violations} violation(s), {len(outcome.findings) - violations} other finding(s)."
    )
    return "\n".join(lines) + "\n"
