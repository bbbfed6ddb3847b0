"""Curation: a person confirms, corrects or rejects each drafted fact, and the accepted ones move into the
report's curated graph ``graph/report/<id>`` through the same SHACL gate as every write.

A drafted fact is a node of the draft with a ``bk:confidence`` (an observation or a milestone). Its
*closure* is what it needs that the store (the curated graphs and the shared data) does not have yet:
its quote, sentence and paragraph, the report, its text and data set, its item and programme, a new
indicator, period, place or organisation — found by following the fact's links through the draft and
stopping at every node the store already describes. Accepting copies the fact and its closure without
``bk:confidence`` and ``bk:unresolved``; a correction first changes the fact (value, unit, measure type,
indicator, place, agency). The curator may give an English label to each new entity the closure brings
(the shapes want one) and a kind of money to a new indicator in yuan.

Every decision is a record of its own (``bk:CurationDecision``: kind, fact, ``prov:wasAttributedTo`` the
curator — on an observation that property names the responsible agency, so the curator is never put
there —, ``prov:generatedAtTime``, the fact's quote (``bk:decisionEvidence``), and for a rejection the
reason), written to the report's graph with the fact. A rejected fact is not published, but its quote
is (with the text it lies in, the first time): the audit (``bolekg audit --report``) counts the figures
in it as skipped for the curator's reason.

One call decides one fact or several (a sentence) in one write: one validation, all or nothing. Only
after the store committed is the draft file rewritten without the decided facts; a refused write
(:class:`~bolekg.store.base.WriteRejected`) leaves store and draft as they were; a fact found in the
store already (the process stopped after the commit, before the rewrite) is then removed from the draft.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import cache

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from bolekg.extract.writer import slugify
from bolekg.report.dataset import ontology_graph
from bolekg.report.reports import check_report_id, report_graph_iri
from bolekg.report.vocab import (
    BK,
    CURATOR,
    DECISION,
    NIF,
    ORG,
    PROV,
    QB,
    QUDT,
    RDF,
    RDFS,
    SDMX_ATT,
    SDMX_DIM,
    SKOS,
    XSD,
    sparql_prefixes,
)
from bolekg.services.drafts import Drafts
from bolekg.store import GraphStore

#: What only a draft carries: dropped from everything that moves into the curated graph.
DRAFT_ONLY = frozenset({BK.confidence, BK.unresolved})
#: The measure types a figure can have (qb:measureType bk:<m>, its value on bk:<m>).
MEASURES = ("actual", "target", "shareOfPlan", "rate", "change", "rank")
ACCEPT, CORRECT, REJECT = "accept", "correct", "reject"
KINDS = {ACCEPT: BK.Accepted, CORRECT: BK.Corrected, REJECT: BK.Rejected}
#: Classes whose nodes the shapes want labelled in English (shapes/core.ttl bks:Labelled).
LABELLED = (BK.Report, BK.Initiative, BK.Programme, BK.Item, BK.Project, BK.Activity, BK.Theme, BK.Place,
            BK.Indicator, BK.Observation, BK.Milestone, BK.ReportingPeriod, ORG.Organization)
MONEY = URIRef("http://qudt.org/vocab/unit/CCY_CNY")
INDICATOR_MONEY = URIRef("https://w3id.org/bolekg/id/indicator/money")
#: The words a draft puts in the labels of what it made, and what they become once curated.
DRAFT_LABELS = ((re.compile(r"^Draft figure "), "Figure "), (re.compile(r"^Draft date "), "Date "),
                (re.compile(r"^Draft: "), "Report "), (re.compile(r"^Draft figures of "), "Figures of "),
                (re.compile(r" \(draft\)$"), ""), (re.compile(r"(草稿)$"), ""),
                (re.compile(r"(草稿数据)$"), "(数据)"))


class CurationError(ValueError):
    """A decision that cannot be made as asked (an unknown fact, a value that is no number …); nothing changed."""


# --------------------------------------------------------------------------- facts in reading order


@dataclass(frozen=True)
class Fact:
    """One drafted fact as the curation page lists it."""

    iri: URIRef
    kind: str  # "observation", "milestone", "status", "responsibility" (FACT_KINDS)
    label: str
    begin: int
    end: int
    sentence: URIRef | None
    sentence_begin: int
    sentence_end: int
    sentence_text: str
    as_written: str
    measure: str | None
    value: str | None
    unit: URIRef | None
    indicator: URIRef | None
    place: URIRef | None
    agency: URIRef | None
    period: URIRef | None
    confidence: float
    unresolved: tuple[str, ...]

    @property
    def local(self) -> str:
        return str(self.iri).rsplit("/", 1)[-1]


def _int(graph: Graph, node: Node | None, predicate: URIRef, default: int = 0) -> int:
    value = graph.value(node, predicate) if node is not None else None
    return int(str(value)) if value is not None else default


def _text(graph: Graph, node: Node | None, predicate: URIRef) -> str:
    value = graph.value(node, predicate) if node is not None else None
    return str(value) if value is not None else ""


def _zh(graph: Graph, node: Node) -> str:
    labels = [o for o in graph.objects(node, RDFS.label) if isinstance(o, Literal)]
    for label in labels:
        if label.language == "zh":
            return str(label)
    return str(labels[0]) if labels else str(node)


def _uri(node: Node | None) -> URIRef | None:
    return node if isinstance(node, URIRef) else None


#: The kinds of drafted fact, by class.
FACT_KINDS = ((BK.Observation, "observation"), (BK.Milestone, "milestone"), (BK.StatusStatement, "status"),
              (BK.StatedResponsibility, "responsibility"))


def _kind(draft: Graph, node: URIRef) -> str:
    return next((kind for cls, kind in FACT_KINDS if (node, RDF.type, cls) in draft), "other")


def fact(draft: Graph, node: URIRef) -> Fact:
    """The drafted fact ``node`` of ``draft``, read for the page."""
    quote = draft.value(node, BK.evidence)
    sentence = _uri(draft.value(quote, NIF.sentence)) if quote is not None else None
    measure_node = draft.value(node, QB.measureType)
    measure = str(measure_node).rsplit("/", 1)[-1] if measure_node is not None else None
    value = draft.value(node, BK[measure]) if measure in MEASURES else None
    confidence = draft.value(node, BK.confidence)
    return Fact(
        iri=node,
        kind=_kind(draft, node),
        label=_zh(draft, node),
        begin=_int(draft, quote, NIF.beginIndex), end=_int(draft, quote, NIF.endIndex),
        sentence=sentence,
        sentence_begin=_int(draft, sentence, NIF.beginIndex), sentence_end=_int(draft, sentence, NIF.endIndex),
        sentence_text=_text(draft, sentence, NIF.anchorOf),
        as_written=_text(draft, node, BK.asWritten) or _text(draft, quote, NIF.anchorOf),
        measure=measure if measure in MEASURES else None,
        value=str(value) if value is not None else None,
        unit=_uri(draft.value(node, SDMX_ATT.unitMeasure)),
        indicator=_uri(draft.value(node, BK.indicator)),
        place=_uri(draft.value(node, SDMX_DIM.refArea)),
        agency=_uri(draft.value(node, PROV.wasAttributedTo)),
        period=_uri(draft.value(node, SDMX_DIM.refPeriod)),
        confidence=float(str(confidence)) if confidence is not None else 0.0,
        unresolved=tuple(sorted(str(o) for o in draft.objects(node, BK.unresolved))),
    )


def drafted_facts(draft: Graph) -> set[URIRef]:
    """Every node of the draft awaiting a decision: those with a ``bk:confidence``."""
    return {s for s in draft.subjects(BK.confidence, None) if isinstance(s, URIRef)}


def facts(draft: Graph) -> list[Fact]:
    """Every drafted fact (a node with ``bk:confidence``) in reading order: by its quote's offsets."""
    found = [fact(draft, node) for node in drafted_facts(draft)]
    return sorted(found, key=lambda f: (f.begin, f.end, f.kind != "observation", str(f.iri)))


def report_text(draft: Graph) -> str:
    """The report's whole text, as the draft holds it (``nif:isString`` of its ``bk:ReportText``)."""
    context = next(iter(draft.subjects(RDF.type, BK.ReportText)), None)
    return _text(draft, context, NIF.isString)


# --------------------------------------------------------------------------- what the store already has


Known = Callable[[set[URIRef]], set[URIRef]]


def known_in_store(store: GraphStore) -> Known:
    """Which of some IRIs the store describes (is the subject of a triple in any graph)."""

    def known(nodes: set[URIRef]) -> set[URIRef]:
        if not nodes:
            return set()
        values = " ".join(f"<{n}>" for n in sorted(nodes))
        result = store.query(f"SELECT DISTINCT ?s WHERE {{ VALUES ?s {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }}")
        return {URIRef(str(row["s"].value)) for row in result.solutions()}

    return known


def known_in_scratch(scratch: ox.Store) -> Known:
    """The same question asked of the private copy a write works on (:meth:`GraphStore.write_report`)."""

    def known(nodes: set[URIRef]) -> set[URIRef]:
        return {n for n in nodes if next(iter(scratch.quads_for_pattern(ox.NamedNode(str(n)), None, None)), None)}

    return known


# --------------------------------------------------------------------------- closure


def pending_links(draft: Graph, pending: set[URIRef]) -> set[tuple[Node, Node, Node]]:
    """The draft's links into facts still to be decided (``pending``): a status statement's
    ``bk:statusObservation``, an initiative's ``bk:responsibility``, and the initiative's
    ``bk:responsibleAgency`` shortcut that goes with a pending stated responsibility. They wait in the
    draft until the fact they reach is decided; publishing them earlier would publish that fact's IRI
    without the fact."""
    links: set[tuple[Node, Node, Node]] = {(s, p, o) for o in pending for s, p in draft.subject_predicates(o)}
    for initiative, _, responsibility in [link for link in links if link[1] == BK.responsibility]:
        for agency in draft.objects(responsibility, BK.agent):
            if (initiative, BK.responsibleAgency, agency) in draft:
                links.add((initiative, BK.responsibleAgency, agency))
    return links


def closure(draft: Graph, node: URIRef, known: Known, pending: set[URIRef] | frozenset[URIRef] = frozenset()) -> Graph:
    """``node``'s triples and those of every node it reaches through the draft that ``known`` does not
    know, without what only a draft carries. Classes are not followed (the ontology has them), nor the
    other drafted facts (``pending``): a link into one of them waits in the draft (:func:`pending_links`)."""
    waiting = pending_links(draft, set(pending) - {node}) if pending else set()
    copied = Graph()
    seen: set[URIRef] = set()
    frontier: set[URIRef] = {node}
    while frontier:
        fresh = frontier - seen
        seen |= fresh
        present = known(fresh - {node})
        following: set[URIRef] = set()
        for subject in fresh:
            if subject in present:
                continue
            for s, p, o in draft.triples((subject, None, None)):
                if p in DRAFT_ONLY or (s, p, o) in waiting:
                    continue
                copied.add((s, p, o))
                if isinstance(o, URIRef) and p != RDF.type:
                    following.add(o)
        frontier = following
    return copied


def incoming(draft: Graph, node: URIRef, pending: set[URIRef]) -> set[tuple[Node, Node, Node]]:
    """The links into ``node`` from what is no longer pending (an initiative, a status statement decided
    earlier), with the agency shortcut of a stated responsibility: they are published with ``node``."""
    others = pending - {node}
    links = pending_links(draft, {node})
    return {(s, p, o) for s, p, o in links if s not in others}


@dataclass(frozen=True)
class Needed:
    """A new entity of a fact's closure that the shapes want more of: an English label, or (an indicator
    of a figure in yuan) a kind of money."""

    iri: URIRef
    kind: str  # local name of its class
    label: str
    english: str | None
    money: bool


def _class_of(graph: Graph, node: URIRef) -> URIRef | None:
    ontology = _ontology()
    for cls in graph.objects(node, RDF.type):
        for labelled in LABELLED:
            if cls == labelled or (cls, RDFS.subClassOf * "+", labelled) in ontology:  # type: ignore[operator]
                return cls  # type: ignore[return-value]
    return None


@cache
def _ontology() -> Graph:
    return ontology_graph()


def _english(graph: Graph, node: Node) -> str | None:
    for label in graph.objects(node, RDFS.label):
        if isinstance(label, Literal) and label.language == "en":
            return str(label)
    return None


def needed(draft: Graph, node: URIRef, known: Known) -> list[Needed]:
    """The new entities ``node`` brings (other than itself) that need an English label or a kind of money."""
    copied = closure(draft, node, known, drafted_facts(draft))
    money_indicators = {copied.value(o, BK.indicator) for o in copied.subjects(RDF.type, BK.Observation)
                        if _in_money(copied, o)}
    found = []
    for subject in sorted({s for s in copied.subjects(RDF.type, None) if isinstance(s, URIRef)}, key=str):
        cls = _class_of(copied, subject)
        if cls is None or subject == node or cls in (BK.Observation, BK.Milestone):
            continue
        english = _english(copied, subject)
        money = subject in money_indicators and (subject, SKOS.broader, None) not in copied
        if english is None or money or cls == BK.Indicator:
            found.append(Needed(subject, str(cls).rsplit("/", 1)[-1].rsplit("#", 1)[-1], _zh(copied, subject),
                                english, money))
    return found


def _in_money(graph: Graph, observation: Node) -> bool:
    unit = graph.value(observation, BK.normalisedUnit) or graph.value(observation, SDMX_ATT.unitMeasure)
    return unit == MONEY


# --------------------------------------------------------------------------- decisions


@dataclass
class Correction:
    """What a correction changes; ``None`` keeps the draft's. ``agency`` ``""`` removes the agency."""

    value: str | None = None
    unit: URIRef | None = None
    measure: str | None = None
    indicator: URIRef | None = None
    place: URIRef | None = None
    agency: URIRef | str | None = None

    def changes(self) -> list[str]:
        return [name for name in ("value", "unit", "measure", "indicator", "place", "agency")
                if getattr(self, name) is not None]


@dataclass
class Decision:
    """One decision on one fact: :data:`ACCEPT`, :data:`CORRECT` (with ``correction``) or :data:`REJECT`
    (with ``reason``). ``labels`` gives English labels (IRI → label) and ``kinds`` kinds of money
    (indicator IRI → a concept under ``ind:money``) for the new entities the fact brings."""

    fact: URIRef
    kind: str
    correction: Correction | None = None
    reason: str = ""
    labels: dict[URIRef, str] = field(default_factory=dict)
    kinds: dict[URIRef, URIRef] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    """What a call of :func:`decide` did: each fact's decision record, and the facts left in the draft."""

    decisions: dict[URIRef, URIRef]
    remaining: int


def curator_iri(name: str) -> URIRef:
    """The curator's IRI from the name given at login (``curator:zhang-san``)."""
    if not name.strip():
        raise CurationError("a curator's name is needed")
    return CURATOR[slugify(name.strip(), limit=8)]


def _number(text: str) -> Decimal:
    try:
        value = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        raise CurationError(f"not a number: {text!r}") from None
    if not value.is_finite():
        raise CurationError(f"not a number: {text!r}")
    return value


def _decimal_literal(value: Decimal) -> Literal:
    if value == value.to_integral_value() and "." not in str(value) and "E" not in str(value).upper():
        return Literal(int(value), datatype=XSD.integer)
    return Literal(format(value.normalize(), "f"), datatype=XSD.decimal)


def _replace(graph: Graph, node: URIRef, predicate: URIRef, value: Node | None) -> None:
    graph.remove((node, predicate, None))
    if value is not None:
        graph.add((node, predicate, value))


def correct(draft: Graph, node: URIRef, correction: Correction) -> None:
    """Apply ``correction`` to the observation ``node`` in (a copy of) the draft."""
    if (node, RDF.type, BK.Observation) not in draft:
        raise CurationError("only a figure (an observation) can be corrected; accept or reject a date")
    old = fact(draft, node)
    measure = correction.measure or old.measure
    if measure not in MEASURES:
        raise CurationError(f"unknown measure type {measure!r}: one of {', '.join(MEASURES)}")
    value = _number(correction.value) if correction.value is not None else (
        _number(old.value) if old.value is not None else None)
    if value is None:
        raise CurationError("the figure has no value: give one")
    if old.measure:
        draft.remove((node, BK[old.measure], None))
    _replace(draft, node, QB.measureType, BK[measure])
    draft.add((node, BK[measure], _decimal_literal(value)))
    unit = correction.unit or old.unit
    _replace(draft, node, SDMX_ATT.unitMeasure, unit)
    if correction.value is not None or correction.unit is not None or correction.measure is not None:
        _normalise(draft, node, value, unit)
    if correction.indicator is not None:
        _replace(draft, node, BK.indicator, correction.indicator)
    if correction.place is not None:
        _replace(draft, node, SDMX_DIM.refArea, correction.place)
    if correction.agency is not None:
        _replace(draft, node, PROV.wasAttributedTo, correction.agency if isinstance(correction.agency, URIRef)
                 and correction.agency else None)


def _normalise(draft: Graph, node: URIRef, value: Decimal, unit: URIRef | None) -> None:
    """The value in the unit's base unit (shapes/consistency.ttl bks:Normalised-*), from the ontology's
    QUDT scaling, or none when the unit scales nothing."""
    for predicate in (BK.normalisedValue, BK.normalisedUnit, BK.normalisedPrecision):
        draft.remove((node, predicate, None))
    ontology = _ontology()
    base = ontology.value(unit, QUDT.scalingOf) if unit is not None else None
    multiplier = ontology.value(unit, QUDT.conversionMultiplier) if unit is not None else None
    if base is None or multiplier is None:
        return
    base_multiplier = ontology.value(base, QUDT.conversionMultiplier)
    normalised = value * Decimal(str(multiplier)) / Decimal(str(base_multiplier or 1))
    draft.add((node, BK.normalisedValue, Literal(format(normalised.normalize(), "f"), datatype=XSD.decimal)))
    draft.add((node, BK.normalisedUnit, base))


def _curated_labels(graph: Graph) -> None:
    """A draft's own words in labels ("Draft figure …", "(草稿)") become the curated graph's."""
    for s, p, o in list(graph.triples((None, RDFS.label, None))):
        if not isinstance(o, Literal):
            continue
        text = str(o)
        for pattern, replacement in DRAFT_LABELS:
            text = pattern.sub(replacement, text)
        if text != str(o):
            graph.remove((s, p, o))
            graph.add((s, p, Literal(text, lang=o.language)))


def _english_name(graph: Graph, node: URIRef) -> None:
    """A fact the extractor labelled in Chinese only (a status statement, a stated responsibility) gets
    an English label from its kind and what it states, as the shapes want one on every fact."""
    if _english(graph, node) is not None:
        return
    ontology = _ontology()
    status = graph.value(node, BK.status)
    if status is not None:
        words = next((str(o) for o in ontology.objects(status, SKOS.prefLabel) if getattr(o, "language", "") == "en"),
                     str(status).rsplit("/", 1)[-1])
        text = f"Status: {words} ({str(node).rsplit('/', 1)[-1]})"
    elif (node, RDF.type, BK.StatedResponsibility) in graph:
        text = f"Stated responsibility ({str(node).rsplit('/', 1)[-1]})"
    else:
        text = str(node).rsplit("/", 1)[-1]
    graph.add((node, RDFS.label, Literal(text, lang="en")))


def _supply(graph: Graph, decision: Decision) -> None:
    """The curator's English labels and kinds of money, on the entities the closure brings."""
    for node, english in decision.labels.items():
        if english.strip() and (node, None, None) in graph:
            for label in [o for o in graph.objects(node, RDFS.label) if getattr(o, "language", None) == "en"]:
                graph.remove((node, RDFS.label, label))
            graph.add((node, RDFS.label, Literal(english.strip(), lang="en")))
    for node, kind in decision.kinds.items():
        if (node, None, None) in graph:
            graph.add((node, SKOS.broader, kind))


def _record(graph: Graph, report_id: str, decision: Decision, curator: URIRef, name: str, when: datetime,
            label: str, number: int, quote: URIRef | None = None) -> URIRef:
    node = DECISION[f"{report_id}-{when.strftime('%Y%m%dt%H%M%S')}-{number:03d}-{uuid.uuid4().hex[:8]}"]
    kind = KINDS[decision.kind]
    words = {ACCEPT: ("采纳", "Accepted"), CORRECT: ("更正", "Corrected"), REJECT: ("驳回", "Rejected")}[decision.kind]
    graph.add((node, RDF.type, BK.CurationDecision))
    graph.add((node, RDFS.label, Literal(f"{words[0]}:{label}", lang="zh")))
    graph.add((node, RDFS.label, Literal(f"{words[1]}: {str(decision.fact).rsplit('/', 1)[-1]}", lang="en")))
    graph.add((node, BK.decisionKind, kind))
    graph.add((node, BK.decisionAbout, decision.fact))
    graph.add((node, PROV.wasAttributedTo, curator))
    graph.add((node, PROV.generatedAtTime, Literal(when.isoformat().replace("+00:00", "Z"), datatype=XSD.dateTime)))
    reason = decision.reason.strip()
    if decision.kind == CORRECT and decision.correction is not None and not reason:
        reason = "corrected: " + ", ".join(decision.correction.changes())
    if reason:
        graph.add((node, BK.decisionReason, Literal(reason)))
    if quote is not None:  # where the fact was: a rejected one is in no graph, and the audit counts its figures
        graph.add((node, BK.decisionEvidence, quote))
    graph.add((curator, RDF.type, PROV.Person))
    graph.add((curator, RDFS.label, Literal(name.strip())))
    return node


def _prune(draft: Graph, decided: Iterable[URIRef], rejected: Iterable[URIRef] = ()) -> None:
    """The decided facts out of the draft — but for their links into facts still pending, which wait
    for those (:func:`pending_links`) — the links into a rejected fact, and each quote no longer cited."""
    decided, rejected = set(decided), set(rejected)
    pending = drafted_facts(draft) - decided
    keep = {link for link in pending_links(draft, pending) if link[0] in decided - rejected}
    for link in pending_links(draft, set(rejected)):
        draft.remove(link)
    quotes: set[Node] = set()
    for node in decided:
        quotes |= set(draft.objects(node, BK.evidence))
        draft.remove((node, None, None))
    for link in keep:
        draft.add(link)
    for quote in quotes:
        if (None, None, quote) not in draft:
            draft.remove((quote, None, None))


def decide(store: GraphStore, drafts: Drafts, report_id: str, decisions: list[Decision], curator: str,
           when: datetime | None = None) -> Outcome:
    """Make ``decisions`` (one fact's, or a sentence's) in one write to the report's graph, then shrink
    the draft. Raises :class:`CurationError` for a decision that cannot be made and the store's
    ``WriteRejected`` when the result would not conform; either way nothing changed."""
    check_report_id(report_id)
    if not decisions:
        raise CurationError("no decision to make")
    moment = (when or datetime.now(UTC)).replace(microsecond=0)
    who = curator_iri(curator)
    graph_name = ox.NamedNode(report_graph_iri(report_id))
    with drafts.lock(report_id):
        draft = drafts.read(report_id)
        drafted = drafted_facts(draft)
        already = known_in_store(store)({d.fact for d in decisions})
        if already:  # committed before, but the draft was not rewritten (the process stopped between)
            _prune(draft, already)
            drafts.write(report_id, draft)
            raise CurationError(f"{len(already)} of these facts are in the report's graph already; "
                                "they are now removed from the draft too")
        work = Graph()
        for triple in draft:
            work.add(triple)
        for decision in decisions:
            if decision.fact not in drafted:
                raise CurationError(f"{decision.fact} is not a drafted fact of {report_id} (decided already?)")
            if decision.kind not in KINDS:
                raise CurationError(f"unknown decision {decision.kind!r}")
            if decision.kind == REJECT and not decision.reason.strip():
                raise CurationError("a rejection needs its reason")
            if decision.kind == CORRECT:
                correct(work, decision.fact, decision.correction or Correction())
        records: dict[URIRef, URIRef] = {}

        def change(scratch: ox.Store) -> None:
            known = known_in_scratch(scratch)
            addition = Graph()
            accepted = {d.fact for d in decisions if d.kind != REJECT}
            pending = drafted - accepted
            for number, decision in enumerate(decisions, start=1):
                quote = _uri(work.value(decision.fact, BK.evidence))
                if decision.kind != REJECT:
                    if known({decision.fact}):
                        raise CurationError(f"{decision.fact} is in the store already")
                    part = closure(work, decision.fact, known, pending)
                    _curated_labels(part)
                    _supply(part, decision)
                    _english_name(part, decision.fact)
                elif quote is not None and not known({quote}):
                    part = closure(work, quote, known, pending)  # the quote, and its text the first time
                    _curated_labels(part)
                else:
                    part = Graph()
                for triple in part:
                    addition.add(triple)
                records[decision.fact] = _record(addition, report_id, decision, who, curator, moment,
                                                 _zh(work, decision.fact), number, quote)
            for fact_node in accepted:
                for s_, p_, o_ in incoming(work, fact_node, pending):
                    if (s_, None, None) in addition or known({s_}):  # type: ignore[arg-type]
                        addition.add((s_, p_, o_))
            data = addition.serialize(format="nt", encoding="utf-8")
            scratch.load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=graph_name)

        store.write_report(report_id, change)
        _prune(draft, [d.fact for d in decisions], [d.fact for d in decisions if d.kind == REJECT])
        drafts.write(report_id, draft)
        remaining = len({s for s in draft.subjects(BK.confidence, None)})
    return Outcome(records, remaining)


# --------------------------------------------------------------------------- choices for a correction


def choices(store: GraphStore, kind: str) -> list[tuple[URIRef, str, str]]:
    """Existing entities a correction may pick: ``indicator``, ``place``, ``agency``, ``unit`` or ``money``
    (the kinds of money under ``ind:money``), as (IRI, Chinese label, English label), by Chinese label."""
    patterns = {
        "indicator": "?e a bk:Indicator .",
        "place": "?e a ?c . ?c rdfs:subClassOf* bk:Place .",
        "agency": "?e a ?c . ?c rdfs:subClassOf* org:Organization .",
        "unit": "?e a qudt:Unit .",
        "money": "?e skos:broader+ <" + str(INDICATOR_MONEY) + "> .",
    }
    query = sparql_prefixes("bk", "rdfs", "org", "qudt", "skos") + f"""
        SELECT ?e (SAMPLE(?zh) AS ?z) (SAMPLE(?en) AS ?n) WHERE {{
            {patterns[kind]}
            OPTIONAL {{ ?e rdfs:label ?zh FILTER (LANG(?zh) = "zh") }}
            OPTIONAL {{ ?e rdfs:label ?en FILTER (LANG(?en) = "en") }}
            FILTER (isIRI(?e))
        }} GROUP BY ?e"""
    rows = []
    for row in store.query(query).solutions():
        zh = row["z"].value if row["z"] is not None else ""
        en = row["n"].value if row["n"] is not None else ""
        rows.append((URIRef(str(row["e"].value)), zh, en))
    return sorted(rows, key=lambda r: (r[1] or r[2], str(r[0])))
