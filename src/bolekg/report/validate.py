"""The SHACL gate: nothing is loaded or written unless the shapes in ``shapes/`` accept it.

pySHACL validates a plain rdflib ``Graph`` (its direct-Oxigraph path crashes with inference on), so
callers pass ontology + data as one graph; subclass targets then follow the ontology's
``rdfs:subClassOf`` as SHACL §2.1.3.2 requires (https://www.w3.org/TR/shacl/#targetClass).

Validating the real data is most of the start-up of ``bolekg serve``, so :func:`validate` spares
pySHACL two kinds of work, neither of which changes a result (tests/test_validation_equivalence.py):

- Property shapes held by node shapes: pySHACL builds a held property shape anew for every focus node
  of its holder. :func:`validation_shapes` gives such property shapes their holder's targets
  instead (:func:`move_targets_to_property_shapes`), so each is built once.
- SHACL-SPARQL: pySHACL sends each constraint's query as text, once per focus node and validation,
  and rdflib would parse it every time. :func:`_prepared_view` has each parsed once per process.

(pySHACL also writes a text description of every result, even of those sh:or discards; skipping that
would take patching pySHACL's internals, which this module does not do.)
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import pyshacl
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.sparql import Query
from rdflib.term import Node

from bolekg.paths import SHAPES_DIR
from bolekg.report.dataset import parse_files
from bolekg.report.vocab import SH, SKOS, bind_prefixes


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
    #: The message in each language the shape gives one in (``"en"``, ``"zh"``), placeholders filled:
    #: see :func:`messages_by_language`. ``message`` is the English, for the command line and the log.
    messages: tuple[tuple[str, str], ...] = ()

    def message_in(self, lang: str) -> str:
        """The message in ``lang``, else in English: a shape with no message in ``lang`` still says why."""
        found = dict(self.messages)
        return found.get(lang) or found.get("en") or self.message


@dataclass(frozen=True)
class Outcome:
    conforms: bool
    findings: tuple[Finding, ...]
    report: Graph

    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "Violation"]


def shape_files(directory: Path = SHAPES_DIR) -> list[Path]:
    return sorted(directory.glob("*.ttl"))


def _read_shapes() -> Graph:
    graph = parse_files(shape_files())
    bind_prefixes(graph)
    return graph


@cache
def shapes_graph() -> Graph:
    """The shapes as ``shapes/`` writes them: what the quality page documents and the tests read."""
    return _read_shapes()


@cache
def validation_shapes() -> Graph:
    """The shapes as :func:`validate` gives them to pySHACL: :func:`shapes_graph` with
    :func:`move_targets_to_property_shapes` applied, read once per process."""
    graph = _read_shapes()
    move_targets_to_property_shapes(graph)
    return graph


#: The core targets (SHACL §2.1.3). A shape with a SHACL-AF target (``sh:target``) is left as it is.
_TARGETS = (SH.targetNode, SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf)


def move_targets_to_property_shapes(shapes: Graph) -> None:
    """Give each property shape a node shape holds (``sh:property``) the node shape's targets, and
    drop the ``sh:property`` link, in place.

    Both forms report the same results. A node shape validates each of its focus nodes against the
    property shapes it holds (SHACL §2.3.1, https://www.w3.org/TR/shacl/#property-shapes); a property
    shape with targets validates each of their focus nodes the same way (any shape may have targets,
    §2.1.3); either way a result names the property shape as its ``sh:sourceShape``, and the node
    shape none. pySHACL builds a held property shape anew for every focus node of its holder (its
    constraint components, its lists, its value nodes); with targets of its own, once for all of them.

    Only what stays the same is moved: the node shape has core targets only, is no class itself (an
    implicit class target, §2.1.3.1), is not deactivated and is nothing's value (``sh:node``,
    ``sh:or`` …: there its property shapes still apply); the property shape has no targets and no
    class of its own and is held by that node shape alone (no result dropped, none doubled). A node
    shape left with nothing to check keeps its targets.
    """
    moves = [(node, prop, [(p, t) for p in _TARGETS for t in shapes.objects(node, p)])
             for node in set(shapes.subjects(SH.property, None)) if _checks_its_targets_only(shapes, node)
             for prop in set(shapes.objects(node, SH.property)) if _held_only_by(shapes, prop, node)]
    for node, prop, targets in moves:
        shapes.remove((node, SH.property, prop))
        for predicate, target in targets:
            shapes.add((prop, predicate, target))


def _checks_its_targets_only(shapes: Graph, node: Node) -> bool:
    """``node`` is a node shape whose property shapes apply to its targets' focus nodes only."""
    return ((node, SH.path, None) not in shapes
            and any((node, p, None) in shapes for p in _TARGETS)
            and (node, SH.target, None) not in shapes
            and (node, SH.deactivated, None) not in shapes
            and set(shapes.objects(node, RDF.type)) <= {SH.NodeShape}
            and (None, None, node) not in shapes)


def _held_only_by(shapes: Graph, prop: Node, node: Node) -> bool:
    """``prop`` is a property shape with no targets of its own, reached from ``node`` alone."""
    return ((prop, SH.path, None) in shapes
            and not any((prop, p, None) in shapes for p in (*_TARGETS, SH.target))
            and set(shapes.objects(prop, RDF.type)) <= {SH.PropertyShape}
            and set(shapes.subject_predicates(prop)) == {(node, SH.property)})


class _Prepared(Graph):
    """The caller's graph (the same store and triples, nothing copied) whose SPARQL queries are
    parsed once per process: see :func:`_prepared_view`."""

    def query(self, query_object: str | Query, processor: Any = "sparql", result: Any = "sparql",
              initNs: Mapping[str, Any] | None = None, initBindings: Mapping[str, Any] | None = None,
              use_store_provided: bool = True, **kwargs: Any) -> Any:
        if isinstance(query_object, str) and processor == "sparql" and not kwargs:
            # What Graph.query would parse the text with: the prefixes given, else the graph's.
            namespaces = initNs or dict(self.namespaces())
            query_object = _prepared(query_object, tuple(sorted(namespaces.items())))
        elif isinstance(query_object, str):
            with _PARSING:                       # rdflib parses it here, then evaluates it
                return super().query(query_object, processor, result, initNs, initBindings,
                                     use_store_provided, **kwargs)
        return super().query(query_object, processor, result, initNs, initBindings, use_store_provided, **kwargs)


#: rdflib parses SPARQL with pyparsing, whose parser objects are shared and not thread-safe: two parses
#: at once (the start-up /quality build beside a write's gate) left it broken for the whole process,
#: every later write a 500 (tests/test_validation_threads.py). One parse at a time; evaluation is free.
_PARSING = threading.Lock()
#: rdflib's evaluation of a prepared query shared by two validations at once gave a false violation
#: (seen once in CI under load): validations of one process run one at a time.
_VALIDATING = threading.Lock()


@lru_cache(maxsize=256)
def _prepared(text: str, namespaces: tuple[tuple[str, Any], ...]) -> Query:
    """What rdflib makes of a query string before it evaluates it (``prepareQuery``), reusable with
    any initial bindings."""
    with _PARSING:
        return translateQuery(parseQuery(text), None, dict(namespaces))


def _prepared_view(data: Graph) -> Graph:
    """``data`` for pySHACL, which sends every SHACL-SPARQL query as text, once per focus node and
    validation, for rdflib to parse again each time; parsing is a large share of a validation. A
    plain ``Graph`` is viewed as a :class:`_Prepared` one over the same store; any other kind of graph
    (a ``Dataset`` …) is passed as it is."""
    if type(data) is not Graph:
        return data
    return _Prepared(store=data.store, identifier=data.identifier, namespace_manager=data.namespace_manager,
                     base=data.base)


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


PLACEHOLDER = re.compile(r"\{[?$]([A-Za-z_][A-Za-z0-9_]*)\}")


def _template_pattern(template: str) -> re.Pattern[str]:
    """A regular expression matching ``template`` (a ``sh:message`` with ``{?var}``/``{$this}``
    placeholders, SHACL §5.3.2) with any text in place of each placeholder; a placeholder written twice
    must hold the same text twice."""
    parts: list[str] = []
    seen: set[str] = set()
    last = 0
    for match in PLACEHOLDER.finditer(template):
        parts.append(re.escape(template[last:match.start()]))
        name = match.group(1)
        parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>.*?)")
        seen.add(name)
        last = match.end()
    parts.append(re.escape(template[last:]))
    return re.compile("".join(parts), re.S)


def readable_placeholders(text: str) -> str:
    """``text`` with each placeholder pySHACL could not fill written as ‹name›, never as raw ``{?name}``."""
    return PLACEHOLDER.sub(lambda m: f"‹{m.group(1)}›", text)


def messages_by_language(shapes: Graph, sources: list[Node], said: list[str]) -> dict[str, str]:
    """The messages of one result (``said``: its ``sh:resultMessage`` texts) sorted by language.

    A shape may give its ``sh:message`` in several languages (SHACL §2.1.5, one per language tag); pySHACL
    fills the placeholders of each (the SPARQL constraint's bindings, ``$this``, ``?value``) but writes
    every result message without its language tag. Each is therefore matched against the templates of
    the constraint or shape that reported it (``sources``): the language of the template it fills is
    its language. A message no template accounts for (pySHACL's own wording, for a shape without
    ``sh:message``) counts as English, the language pySHACL writes."""
    templates = [(lit.language or "en", str(lit)) for source in sources
                 for lit in shapes.objects(source, SH.message) if isinstance(lit, Literal)]
    found: dict[str, list[str]] = {}
    for message in said:
        lang = next((lang for lang, template in templates if _template_pattern(template).fullmatch(message)), "en")
        found.setdefault(lang, []).append(readable_placeholders(message))
    return {lang: "; ".join(texts) for lang, texts in found.items()}


def findings(report: Graph, data: Graph, shapes: Graph | None = None) -> list[Finding]:
    """The results of ``report`` as :class:`Finding` s; ``shapes`` (the shapes validated with) tells the
    language of each message (:func:`messages_by_language`)."""
    shapes = shapes if shapes is not None else shapes_graph()
    result: list[Finding] = []
    for node in report.subjects(RDF.type, SH.ValidationResult):
        focus = report.value(node, SH.focusNode)
        path = report.value(node, SH.resultPath)
        severity = report.value(node, SH.resultSeverity)
        sources = [s for s in (report.value(node, SH.sourceConstraint), report.value(node, SH.sourceShape))
                   if s is not None]
        by_lang = messages_by_language(shapes, sources, sorted(str(m) for m in report.objects(node, SH.resultMessage)))
        value = report.value(node, SH.value)
        result.append(
            Finding(
                severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
                focus=_short(data, focus),
                focus_label=_label(data, focus) if focus is not None else "",
                path=_short(data, path),
                value=_short(data, value),
                value_label=_label(data, value) if isinstance(value, URIRef) else "",
                message=by_lang.get("en") or next(iter(by_lang.values()), "(no message)"),
                shape=_short(data, report.value(node, SH.sourceShape)),
                messages=tuple(sorted(by_lang.items())),
            )
        )
    return sorted(result, key=lambda f: (f.severity != "Violation", f.focus, f.path, f.message))


def validate(data: Graph, shapes: Graph | None = None) -> Outcome:
    """Validate ``data`` (ontology + report as one graph) against the project's shapes (as
    :func:`validation_shapes` gives them), or against ``shapes`` as they are.

    ``inplace=True`` spares pySHACL a copy of the data graph (a sixth of the run): with no inference
    and no SHACL rules it only reads the graph, so the caller's graph is left as it was.
    """
    shapes = shapes if shapes is not None else validation_shapes()
    with _VALIDATING:      # one validation at a time: the prepared queries are shared (see _PARSING)
        conforms, report, _ = pyshacl.validate(
            _prepared_view(data),
            shacl_graph=shapes,
            inference="none",
            allow_warnings=True,
            advanced=True,
            inplace=True,
        )
    bind_prefixes(report)
    found = findings(report, data, shapes)
    has_violation = any(f.severity == "Violation" for f in found)
    return Outcome(conforms=bool(conforms) or not has_violation, findings=tuple(found), report=report)


def format_outcome(outcome: Outcome) -> str:
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
