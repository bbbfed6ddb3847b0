"""The curation page's view (``/curate/<report>``): the draft's facts in reading order, grouped by their
sentence, the report's text with every quote marked at its offsets, and for each fact what a decision
on it may need (English labels and kinds of money for the new entities it brings) and the existing
entities a correction may pick. The decisions themselves are :mod:`bolekg.services.curation`'s.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from bolekg.i18n import N_
from bolekg.report.vocab import BK, DCT, RDF, RDFS
from bolekg.services.curation import MEASURES, Fact, Known, Needed, choices, facts, known_in_store, needed, report_text
from bolekg.store import GraphStore

#: Message ids the curation templates build from a value (``t('curate.measure.' ~ m)``, ``t(error)``).
MESSAGE_IDS = (N_("curate.measure.actual"), N_("curate.measure.target"), N_("curate.measure.shareOfPlan"),
               N_("curate.measure.rate"), N_("curate.measure.change"), N_("curate.measure.rank"),
               N_("curate.error.origin"), N_("curate.error.token"), N_("curate.error.name"),
               N_("curate.field.indicator"), N_("curate.field.place"), N_("curate.field.agency"),
               N_("curate.kind.observation"), N_("curate.kind.milestone"), N_("curate.kind.status"),
               N_("curate.kind.responsibility"), N_("curate.kind.other"))


@dataclass(frozen=True)
class Segment:
    """A run of the report's text: marked (a fact's quote, linking to it) or not."""

    text: str
    anchor: str | None = None


@dataclass
class FactView:
    fact: Fact
    anchor: str
    needs: list[Needed]
    names: dict[str, str]


@dataclass
class SentenceView:
    iri: str
    anchor: str
    text: str
    begin: int = 0
    facts: list[FactView] = field(default_factory=list)

    @property
    def segments(self) -> list[Segment]:
        """The sentence with its facts' quotes marked."""
        shifted = [replace(v.fact, begin=v.fact.begin - self.begin, end=v.fact.end - self.begin) for v in self.facts]
        return marked_text(self.text, shifted)

    @property
    def needs(self) -> list[Needed]:
        seen: dict[URIRef, Needed] = {}
        for view in self.facts:
            for need in view.needs:
                seen.setdefault(need.iri, need)
        return list(seen.values())


@dataclass
class Option:
    iri: str
    name: str


@dataclass
class CurateView:
    report_id: str
    title: str
    sentences: list[SentenceView]
    remaining: int
    text: list[Segment]
    options: dict[str, list[Option]]
    measures: tuple[str, ...] = MEASURES


def _label(graph: Graph, node: Node | None, lang: str) -> str:
    if node is None:
        return ""
    found = {o.language: str(o) for o in graph.objects(node, RDFS.label) if isinstance(o, Literal)}
    return found.get(lang) or found.get("zh") or found.get("en") or next(iter(found.values()), str(node))


def anchor_of(node: URIRef | str) -> str:
    return "f-" + str(node).rsplit("/", 1)[-1]


def marked_text(text: str, found: list[Fact]) -> list[Segment]:
    """``text`` cut into runs at the quotes' code-point offsets; quotes that overlap (a figure and the status
    statement around it) are marked as one run, linked to the first fact."""
    spans: list[tuple[int, int, str]] = []
    for item in sorted(found, key=lambda f: (f.begin, f.end)):
        if item.end <= item.begin:
            continue
        if spans and item.begin < spans[-1][1]:
            begin, end, anchor = spans[-1]
            spans[-1] = (begin, max(end, item.end), anchor)
        else:
            spans.append((item.begin, item.end, anchor_of(item.iri)))
    segments: list[Segment] = []
    at = 0
    for begin, end, anchor in spans:
        if begin > at:
            segments.append(Segment(text[at:begin]))
        segments.append(Segment(text[begin:end], anchor))
        at = end
    if at < len(text):
        segments.append(Segment(text[at:]))
    return segments


def _names(store_names: dict[str, str], draft: Graph, item: Fact, lang: str) -> dict[str, str]:
    names = {}
    for key in ("unit", "indicator", "place", "agency", "period"):
        node = getattr(item, key)
        if node is not None:
            names[key] = store_names.get(str(node)) or _label(draft, node, lang)
    return names


def build(store: GraphStore, draft: Graph, report_id: str, lang: str) -> CurateView:
    """The page's view of ``draft`` against what ``store`` already holds."""
    listed = facts(draft)
    subjects = {s for s in draft.subjects(None, None) if isinstance(s, URIRef)}
    present = known_in_store(store)(subjects)

    def known(nodes: set[URIRef]) -> set[URIRef]:
        return nodes & present

    options: dict[str, list[Option]] = {}
    store_names: dict[str, str] = {}
    for kind in ("indicator", "place", "agency", "unit", "money"):
        rows = choices(store, kind)
        options[kind] = [Option(str(iri), (en if lang == "en" and en else zh or en or str(iri)))
                         for iri, zh, en in rows]
        store_names.update((o.iri, o.name) for o in options[kind])
    sentences: dict[str, SentenceView] = {}
    order: list[SentenceView] = []
    for item in listed:
        key = str(item.sentence)
        if key not in sentences:
            sentences[key] = SentenceView(key, anchor_of(key), item.sentence_text, item.sentence_begin)
            order.append(sentences[key])
        sentences[key].facts.append(FactView(item, anchor_of(item.iri), _needs(draft, item.iri, known),
                                             _names(store_names, draft, item, lang)))
    report = next((s for s in draft.subjects(RDF.type, BK.Report)), None)
    title = str(draft.value(report, DCT.title) or report_id) if report is not None else report_id
    return CurateView(report_id, title, order, len(listed), marked_text(report_text(draft), listed), options)


def _needs(draft: Graph, node: URIRef, known: Known) -> list[Needed]:
    return needed(draft, node, known)
