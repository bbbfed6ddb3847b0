"""How good a draft is, measured against a curated graph of the same text (``bolekg extract --evaluate``).

Both graphs are read the same way (:func:`figures_of`): one record per ``bk:Observation`` with its value,
unit, the sentence its quote lies in, measure type, indicator label, place, agency and period. A draft
figure *matches* a curated one when value (absolute), unit and sentence are equal; pairs within the same
key are taken in reading order. Over the matched pairs:

- measure type: the same ``qb:measureType``;
- indicator: the draft's words and the curated indicator's Chinese label share characters — Dice
  coefficient of their character sets ≥ 0.5 (a label is a phrase, not an ID: the draft's new indicators
  cannot have the curated IRIs);
- place: the same division code, or (places without one) labels one of which contains the other or with
  Dice ≥ 0.5;
- agency: the same set of organisations the figure is attributed to (``prov:wasAttributedTo``), compared by
  label as above; both none counts as right;
- period (reported, no target): the same begin and end dates.

Beside the figures, with no target: status statements matched by (status, sentence) — recall and
precision against the curated ``bk:StatusStatement`` s; stated responsibilities matched by sentence and
agency (labels and altLabels as above) against the curated ``bk:StatedResponsibility`` s; and the linking
of the places and organisations the report names to a registry (:func:`evaluate_links`), reported apart
from the headline scores, which are measured on a draft linked to nothing: linked to the registry made
from *this* report, the place and agency scores would measure the registry, not the extractor.

This module reads the curated graph; the extractor never does.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Graph, URIRef
from rdflib.term import Node

from bolekg.extract.structure import Document, parse_document
from bolekg.report.vocab import BK, NIF, PROV, QB, RDF, RDFS, SDMX_ATT, SDMX_DIM, SKOS, TIME

if TYPE_CHECKING:
    from bolekg.extract.writer import LinkRecord

TARGETS = {"recall": 0.95, "precision": 0.90, "measure": 0.90, "indicator": 0.80, "place": 0.80,
           "agency": 0.80}
CJK_OR_WORD = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")


@dataclass(frozen=True)
class Record:
    iri: str
    begin: int
    value: Decimal
    unit: str
    sentence: str
    measure: str
    indicator: str
    place_code: str | None
    place_label: str
    agencies: frozenset[str]
    period: tuple[str | None, str | None]

    @property
    def key(self) -> tuple[Decimal, str, str]:
        return (abs(self.value).normalize(), self.unit, self.sentence)


def _zh(graph: Graph, node: Node | None) -> str:
    if node is None:
        return ""
    for prop in (SKOS.prefLabel, RDFS.label):
        for label in graph.objects(node, prop):
            if getattr(label, "language", None) == "zh":
                return str(label)
    return ""


def _date(graph: Graph, period: Node | None, prop: URIRef) -> str | None:
    if period is None:
        return None
    instant = graph.value(period, prop)
    value = graph.value(instant, TIME.inXSDDate) if instant is not None else None
    return str(value) if value is not None else None


def figures_of(graph: Graph, document: Document) -> list[Record]:
    """Every observation of ``graph`` as a :class:`Record`; sentences from ``document`` (same text)."""
    records: list[Record] = []
    for obs in set(graph.subjects(RDF.type, BK.Observation)):
        measure = graph.value(obs, QB.measureType)
        value = graph.value(obs, measure) if measure is not None else None
        quote = graph.value(obs, BK.evidence)
        begin = graph.value(quote, NIF.beginIndex) if quote is not None else None
        if value is None or begin is None:
            continue
        place = graph.value(obs, SDMX_DIM.refArea)
        code = graph.value(place, BK.divisionCode) if place is not None else None
        period = graph.value(obs, SDMX_DIM.refPeriod)
        try:
            sentence = document.sentence_at(int(str(begin))).id
        except KeyError:
            sentence = "?"
        records.append(Record(
            iri=str(obs), begin=int(str(begin)), value=Decimal(str(value)),
            unit=str(graph.value(obs, SDMX_ATT.unitMeasure)),
            sentence=sentence, measure=str(measure).rsplit("/", 1)[-1],
            indicator=_zh(graph, graph.value(obs, BK.indicator)),
            place_code=str(code) if code is not None else None, place_label=_zh(graph, place),
            agencies=frozenset(_zh(graph, a) for a in graph.objects(obs, PROV.wasAttributedTo)),
            period=(_date(graph, period, TIME.hasBeginning), _date(graph, period, TIME.hasEnd)),
        ))
    return sorted(records, key=lambda r: (r.begin, r.iri))


def dates_of(graph: Graph, document: Document) -> list[tuple[str, str, str]]:
    """Every milestone as (date as ISO text, sentence, kind's local name)."""
    found: list[tuple[str, str, str]] = []
    for node in set(graph.subjects(RDF.type, BK.Milestone)):
        when = graph.value(node, TIME.inXSDDate) or graph.value(node, TIME.inXSDgYearMonth)
        quote = graph.value(node, BK.evidence)
        begin = graph.value(quote, NIF.beginIndex) if quote is not None else None
        if when is None or begin is None:
            continue
        try:
            sentence = document.sentence_at(int(str(begin))).id
        except KeyError:
            sentence = "?"
        kind = str(graph.value(node, BK.milestoneKind) or "").rsplit("/", 1)[-1]
        found.append((str(when), sentence, kind))
    return sorted(found)


def dice(a: str, b: str) -> float:
    """Dice coefficient of the two strings' character sets (letters, digits and Chinese characters only)."""
    x, y = set(CJK_OR_WORD.findall(a)), set(CJK_OR_WORD.findall(b))
    return 2 * len(x & y) / (len(x) + len(y)) if x and y else 0.0


def same_label(a: str, b: str) -> bool:
    return bool(a and b) and (a in b or b in a or dice(a, b) >= 0.5)


def same_place(draft: Record, curated: Record) -> bool:
    if draft.place_code and curated.place_code:
        return draft.place_code == curated.place_code
    return same_label(draft.place_label, curated.place_label)


def same_agencies(draft: Record, curated: Record) -> bool:
    if len(draft.agencies) != len(curated.agencies):
        return False
    return all(any(same_label(d, c) for c in curated.agencies) for d in draft.agencies)


@dataclass
class Evaluation:
    draft: list[Record]
    curated: list[Record]
    pairs: list[tuple[Record, Record]]
    missed: list[Record] = field(default_factory=list)  # curated, not found
    spurious: list[Record] = field(default_factory=list)  # drafted, not curated
    #: milestones: (curated, drafted, matched by date and sentence, of those with the same kind)
    dates: tuple[int, int, int, int] = (0, 0, 0, 0)
    #: status statements by (status, sentence): (curated, drafted, matched)
    statuses: tuple[int, int, int] = (0, 0, 0)
    status_missed: list[tuple[str, str]] = field(default_factory=list)
    status_spurious: list[tuple[str, str]] = field(default_factory=list)
    #: stated responsibilities by (sentence, agency): (curated, drafted, matched)
    responsibilities: tuple[int, int, int] = (0, 0, 0)

    def share(self, test: Callable[[Record, Record], bool]) -> float:
        if not self.pairs:
            return 0.0
        return sum(1 for d, c in self.pairs if test(d, c)) / len(self.pairs)

    @property
    def scores(self) -> dict[str, float]:
        return {
            "recall": len(self.pairs) / len(self.curated) if self.curated else 0.0,
            "precision": len(self.pairs) / len(self.draft) if self.draft else 0.0,
            "measure": self.share(lambda d, c: d.measure == c.measure),
            "indicator": self.share(lambda d, c: dice(d.indicator, c.indicator) >= 0.5),
            "place": self.share(same_place),
            "agency": self.share(same_agencies),
            "period": self.share(lambda d, c: d.period == c.period),
        }

    @property
    def met(self) -> bool:
        scores = self.scores
        return all(scores[name] >= target for name, target in TARGETS.items())


class TextMismatch(ValueError):
    """The curated graph quotes another text than the one drafted: offsets cannot be compared."""


def evaluate(draft: Graph, curated: Graph, text: str) -> Evaluation:
    """Measure ``draft`` against ``curated``, both quoting ``text`` (the curated graph's own text, where it
    holds one as ``nif:isString``, must be ``text``: figures are matched by the sentence at their offsets)."""
    for context in curated.subjects(RDF.type, BK.ReportText):
        held = curated.value(context, NIF.isString)
        if held is not None and str(held) != text:
            raise TextMismatch("the curated graph quotes another text than the one drafted (an HTML or PDF "
                               "copy reads differently): evaluate on the text the curated graph quotes")
    document = parse_document(text)
    drafted, curated_records = figures_of(draft, document), figures_of(curated, document)
    by_key: dict[tuple[Decimal, str, str], list[Record]] = defaultdict(list)
    for record in drafted:
        by_key[record.key].append(record)
    pairs: list[tuple[Record, Record]] = []
    missed: list[Record] = []
    for record in curated_records:
        candidates = by_key.get(record.key)
        if candidates:  # several equal figures in one sentence (1所, 1所, 1所): pair the likest words
            best = max(candidates, key=lambda c: (dice(c.indicator, record.indicator), -c.begin))
            candidates.remove(best)
            pairs.append((best, record))
        else:
            missed.append(record)
    spurious = sorted((r for rs in by_key.values() for r in rs), key=lambda r: r.begin)
    drafted_dates, curated_dates = dates_of(draft, document), dates_of(curated, document)
    open_dates = list(drafted_dates)
    matched = same_kind = 0
    for when, sentence, kind in curated_dates:
        hit = next((d for d in open_dates if d[:2] == (when, sentence)), None)
        if hit is not None:
            open_dates.remove(hit)
            matched += 1
            same_kind += hit[2] == kind
    status_result, status_missed, status_spurious = _match(statuses_of(draft, document),
                                                           statuses_of(curated, document))
    responsibility_result = _match_responsibilities(stated_of(draft, document), stated_of(curated, document))
    return Evaluation(drafted, curated_records, pairs, missed, spurious,
                      (len(curated_dates), len(drafted_dates), matched, same_kind),
                      status_result, status_missed, status_spurious, responsibility_result)


def _sentence_of(graph: Graph, node: Node, document: Document) -> str | None:
    quote = graph.value(node, BK.evidence)
    begin = graph.value(quote, NIF.beginIndex) if quote is not None else None
    if begin is None:
        return None
    try:
        return document.sentence_at(int(str(begin))).id
    except KeyError:
        return "?"


def statuses_of(graph: Graph, document: Document) -> list[tuple[str, str]]:
    """Every status statement as (status's local name, sentence)."""
    found = []
    for node in set(graph.subjects(RDF.type, BK.StatusStatement)):
        sentence = _sentence_of(graph, node, document)
        status = graph.value(node, BK.status)
        if sentence is not None and status is not None:
            found.append((str(status).rsplit("/", 1)[-1], sentence))
    return sorted(found)


def _names(graph: Graph, node: Node | None) -> set[str]:
    if node is None:
        return set()
    return {str(label) for prop in (RDFS.label, SKOS.prefLabel, SKOS.altLabel) for label in graph.objects(node, prop)
            if getattr(label, "language", None) == "zh"}


def stated_of(graph: Graph, document: Document) -> list[tuple[str, frozenset[str]]]:
    """Every stated responsibility as (sentence, the agency's Chinese names)."""
    found = []
    for node in set(graph.subjects(RDF.type, BK.StatedResponsibility)):
        sentence = _sentence_of(graph, node, document)
        if sentence is not None:
            found.append((sentence, frozenset(_names(graph, graph.value(node, BK.agent)))))
    return sorted(found, key=lambda r: (r[0], sorted(r[1])))


def _match(drafted: list[tuple[str, str]], curated: list[tuple[str, str]]
           ) -> tuple[tuple[int, int, int], list[tuple[str, str]], list[tuple[str, str]]]:
    open_ = list(drafted)
    missed = []
    for record in curated:
        if record in open_:
            open_.remove(record)
        else:
            missed.append(record)
    return (len(curated), len(drafted), len(curated) - len(missed)), missed, open_


def _match_responsibilities(drafted: list[tuple[str, frozenset[str]]],
                            curated: list[tuple[str, frozenset[str]]]) -> tuple[int, int, int]:
    open_ = list(drafted)
    matched = 0
    for sentence, names in curated:
        hit = next((d for d in open_ if d[0] == sentence
                    and any(same_label(a, b) for a in d[1] for b in names)), None)
        if hit is not None:
            open_.remove(hit)
            matched += 1
    return len(curated), len(drafted), matched


@dataclass
class Linking:
    """What became of the places and organisations the draft names, against a registry (no target)."""

    registry: list[str]
    #: kind → outcome (linked, ambiguous, new) → count
    outcomes: dict[str, dict[str, int]]
    #: kind → (linked and the curated graph refers to the same entity in that sentence, linked but it
    #: refers to another of that name there, linked and it refers to none of that name there)
    agreement: dict[str, tuple[int, int, int]]
    disagreements: list[str] = field(default_factory=list)


def evaluate_links(links: list[LinkRecord], curated: Graph, text: str, registry: list[str]) -> Linking:
    """How the draft's links compare with the curated graph: a link *agrees* when the curated graph, in
    the sentence of the name's first mention, refers to the same entity (as the entity's own quote, or as
    the object of a fact quoted there: a figure's place, a responsibility's agency …); it *disagrees* when
    it refers there to another entity with that name."""
    document = parse_document(text)
    referred: dict[str, set[Node]] = defaultdict(set)
    for node, quote in curated.subject_objects(BK.evidence):
        begin = curated.value(quote, NIF.beginIndex)
        if begin is None:
            continue
        try:
            sentence = document.sentence_at(int(str(begin))).id
        except KeyError:
            continue
        referred[sentence].add(node)
        referred[sentence].update(o for o in curated.objects(node, None) if isinstance(o, URIRef))
    outcomes: dict[str, dict[str, int]] = {}
    agreement: dict[str, tuple[int, int, int]] = {}
    disagreements: list[str] = []
    for kind in ("place", "organisation"):
        mine = [r for r in links if r.kind == kind]
        outcomes[kind] = {o: sum(1 for r in mine if r.link.outcome == o) for o in ("linked", "ambiguous", "new")}
        agree = disagree = none = 0
        for record in mine:
            if record.link.outcome != "linked":
                continue
            there = referred.get(document.sentence_at(record.begin).id, set())
            if record.iri in there:
                agree += 1
            elif any(record.name in _names(curated, other) for other in there):
                disagree += 1
                disagreements.append(f"{record.name}: linked to <{record.iri}>, the curated graph has another")
            else:
                none += 1
        agreement[kind] = (agree, disagree, none)
    return Linking(registry, outcomes, agreement, disagreements)


def format_linking(result: Linking) -> str:
    lines = [f"linking (no target; registry: {', '.join(Path(p).name for p in result.registry)}):"]
    for kind, plural in (("place", "places"), ("organisation", "organisations")):
        counts = result.outcomes[kind]
        agree, disagree, none = result.agreement[kind]
        lines.append(f"  {plural}: {sum(counts.values())} named, {counts['linked']} linked, {counts['ambiguous']} "
                     f"ambiguous (flagged), {counts['new']} new; of the linked, {agree} agree with the curated "
                     f"graph, {disagree} disagree, {none} not referred to there")
    lines += [f"  {line}" for line in result.disagreements]
    return "\n".join(lines) + "\n"


def format_evaluation(result: Evaluation, verbose: bool = False) -> str:
    scores = result.scores
    lines = [f"figures: {len(result.curated)} curated, {len(result.draft)} drafted, {len(result.pairs)} matched "
             "(value, unit and sentence)"]
    labels = {"recall": "figure recall", "precision": "figure precision", "measure": "measure type",
              "indicator": "indicator", "place": "place", "agency": "agency", "period": "period"}
    for name, label in labels.items():
        target = TARGETS.get(name)
        verdict = "" if target is None else (" ok" if scores[name] >= target else f" below target {target:.0%}")
        scope = "" if name in ("recall", "precision") else " of matched"
        lines.append(f"{label + scope:<28} {scores[name]:7.1%}{verdict}")
    stated = [c for _, c in result.pairs if c.agencies]
    found = [d for d, c in result.pairs if c.agencies and same_agencies(d, c)]
    extra = [d for d, c in result.pairs if d.agencies and not c.agencies]
    lines.append(f"  (agency: {len(stated)} matched figures have a stated agency in the curated graph, "
                 f"{len(found)} found; {len(extra)} drafted where the curated graph has none)")
    curated_dates, drafted_dates, matched, same_kind = result.dates
    lines.append(f"dates (milestones): {curated_dates} curated, {drafted_dates} drafted, {matched} matched "
                 f"(date and sentence), {same_kind} of them of the same kind (no target)")
    lines.append(_recall_line("status statements (status and sentence)", *result.statuses))
    lines.append(_recall_line("stated responsibilities (agency and sentence)", *result.responsibilities))
    if verbose:
        lines += ["", "missed (curated, not drafted):"]
        lines += [f"  {r.sentence} {r.value} {r.unit.rsplit('/', 1)[-1]} {r.indicator}" for r in result.missed]
        lines += ["", "spurious (drafted, not curated):"]
        lines += [f"  {r.sentence} {r.value} {r.unit.rsplit('/', 1)[-1]} {r.indicator}" for r in result.spurious]
        lines += ["", "matched with another measure type:"]
        lines += [f"  {c.sentence} {c.value} drafted {d.measure}, curated {c.measure}"
                  for d, c in result.pairs if d.measure != c.measure]
        lines += ["", "matched with another indicator:"]
        lines += [f"  {c.sentence} {c.value} drafted {d.indicator!r}, curated {c.indicator!r}"
                  for d, c in result.pairs if dice(d.indicator, c.indicator) < 0.5]
        lines += ["", "status statements missed (curated, not drafted):"]
        lines += [f"  {sentence} {status}" for status, sentence in result.status_missed]
        lines += ["", "status statements spurious (drafted, not curated):"]
        lines += [f"  {sentence} {status}" for status, sentence in result.status_spurious]
        lines += ["", "matched with another place or agency:"]
        lines += [f"  {c.sentence} {c.value} drafted {d.place_label}/{set(d.agencies) or '-'}, "
                  f"curated {c.place_label}/{set(c.agencies) or '-'}"
                  for d, c in result.pairs if not same_place(d, c) or not same_agencies(d, c)]
    return "\n".join(lines) + "\n"


def _recall_line(label: str, curated: int, drafted: int, matched: int) -> str:
    recall = matched / curated if curated else 0.0
    precision = matched / drafted if drafted else 0.0
    return (f"{label}: {curated} curated, {drafted} drafted, {matched} matched: recall {recall:.1%}, "
            f"precision {precision:.1%} (no target)")


def curated_graph(directory: Path) -> Graph:
    from bolekg.report.dataset import report_graph

    return report_graph(directory)
