"""The draft graph in the project's own model (docs/ENCODING.md): report and text (NIF, code-point
offsets), programmes and items from the headings, one ``bk:Observation`` per figure with its quote,
periods, places and organisations.

Every IRI of a draft carries the report's ID (``obs:<id>-1-01-03``, ``text:<id>-s1-i01-03``,
``quote:<id>-236-248``), so a draft never collides with the curated report or another draft. What the
extractor could not resolve is stated on the fact (``bk:unresolved``), and every drafted fact has a
``bk:confidence``; curation removes both as it confirms.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from pypinyin import lazy_pinyin
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import Namespace

from bolekg.extract.cues import Period
from bolekg.extract.dates import DraftDate
from bolekg.extract.draft import Draft, DraftFigure, DraftResponsibility
from bolekg.extract.gazetteer import Place, ancestors, load_gazetteer
from bolekg.extract.matching import OrgMention, PlaceMention
from bolekg.extract.registry import Link, Registry, place_prefix
from bolekg.extract.status import DraftStatus
from bolekg.extract.structure import Block
from bolekg.report.reports import check_report_id
from bolekg.report.vocab import (
    AGENCY,
    BK,
    DATASET,
    DCT,
    GEO,
    INDICATOR,
    ITEM,
    MILESTONE,
    NIF,
    OBS,
    ORG,
    PERIOD,
    PLACE,
    PROGRAMME,
    PROV,
    QB,
    QUOTE,
    RDF,
    RDFS,
    REPORT,
    RESPONSIBILITY,
    SDMX_ATT,
    SDMX_DIM,
    SKOS,
    STATUS,
    TEXT,
    TIME,
    UNIT,
    XSD,
    bind_prefixes,
)

GAZETTEER_SOURCE = URIRef("https://w3id.org/bolekg/id/source/place-gazetteer")
NAMESPACES = {"bk": Namespace(str(BK._NS)), "unit": UNIT}


def curie(name: str) -> URIRef:
    prefix, local = name.split(":", 1)
    return NAMESPACES[prefix][local]


def slugify(text: str, limit: int = 6) -> str:
    """Readable ASCII for an IRI: pinyin of the Chinese words, ASCII kept (职业培训 → zhi-ye-pei-xun)."""
    words = [w.lower() for w in lazy_pinyin(text) for w in re.findall(r"[A-Za-z0-9]+", w)]
    return "-".join(words[:limit * 2]) or "x"


def _index(value: int) -> Literal:
    return Literal(value, datatype=XSD.nonNegativeInteger)


def _decimal(value: Decimal) -> Literal:
    if value == value.to_integral_value() and "." not in str(value):
        return Literal(int(value), datatype=XSD.integer)
    return Literal(format(value.normalize(), "f") if value == value.to_integral_value() else str(value),
                   datatype=XSD.decimal)


@dataclass(frozen=True)
class LinkRecord:
    """What became of one place or organisation the report names (first mention)."""

    kind: str  # "place" | "organisation"
    name: str
    begin: int
    end: int
    link: Link
    iri: URIRef  # the registry's (linked) or the draft's own (new, ambiguous)


class DraftWriter:
    def __init__(self, draft: Draft, registry: Registry | None = None) -> None:
        self.draft = draft
        self.registry = registry
        #: the names the report gives, by (kind, name): linked, ambiguous or new (with a registry only)
        self.links: dict[tuple[str, str], LinkRecord] = {}
        self.id = check_report_id(draft.report_id)
        self.graph = Graph()
        bind_prefixes(self.graph)
        self.text = draft.document.text
        self.context = TEXT[self.id]
        self.report = REPORT[self.id]
        self.dataset = DATASET[self.id]
        self.indicators: dict[str, URIRef] = {}
        self.places: dict[str, URIRef] = {}
        self.periods: dict[str, URIRef] = {}
        self.quotes: set[tuple[int, int]] = set()
        self.sentence_ids: dict[str, URIRef] = {}
        self.observations: dict[int, URIRef] = {}
        self.organisations: dict[str, URIRef] = {}  # id() of a DraftFigure → its observation

    def add(self, s: URIRef, p: URIRef, o: object) -> None:
        self.graph.add((s, p, o if isinstance(o, URIRef | Literal) else Literal(o)))

    def labels(self, node: URIRef, zh: str, en: str | None = None) -> None:
        self.add(node, RDFS.label, Literal(zh, lang="zh"))
        if en:
            self.add(node, RDFS.label, Literal(en, lang="en"))

    # ------------------------------------------------------------------ report and text

    def write(self) -> Graph:
        self._report()
        self._text()
        self._structure()
        home = self.place_node(self.draft.place)
        self.add(self.report, DCT.spatial, home)
        counters: Counter[str] = Counter()
        for figure in self.draft.figures:
            self._observation(figure, counters)
        for org in self.draft.organisations:
            self._organisation(org)
        for mention in self.draft.places:
            self.mention_node(mention)
        for number, (found, block) in enumerate(self.draft.dates, start=1):
            self._milestone(found, block, number)
        for index, status in enumerate(self.draft.statuses):
            self._status(status, index)
        for number, responsibility in enumerate(self.draft.responsibilities, start=1):
            self._responsibility(responsibility, number)
        return self.graph

    # ------------------------------------------------------------------ statuses and responsibilities

    def _status(self, found: DraftStatus, index: int) -> None:
        begin, end = found.quote
        node = STATUS[f"{self.id}-{begin}-{end}-{found.status.removeprefix('Status').lower()}"]
        self.add(node, RDF.type, BK.StatusStatement)
        self.labels(node, self.text[begin:end])
        self.add(node, BK.statusOf, self.initiative_of(found.block))
        self.add(node, BK.status, BK[found.status])
        if isinstance(found.time, date):
            self.add(node, BK.statusTime, self._instant(found.time))
        else:
            self.add(node, BK.statusTime, self.period_node(found.time))
        self.add(node, BK.evidence, self.quote(begin, end))
        for figure in self.draft.status_figures.get(index, []):
            self.add(node, BK.statusObservation, self.observations[id(figure)])
        for number, (milestone, _) in enumerate(self.draft.dates, start=1):
            if found.status == "StatusPlanned" and begin <= milestone.quote[0] < end:
                self.add(node, BK.statusMilestone, MILESTONE[f"{self.id}-{number:02d}"])
        self.add(node, BK.confidence, Literal(str(found.confidence), datatype=XSD.decimal))
        for note in found.notes:
            self.add(node, BK.unresolved, Literal(note, lang="en"))

    def _responsibility(self, found: DraftResponsibility, number: int) -> None:
        node = RESPONSIBILITY[f"{self.id}-{number:02d}"]
        agency = self._organisation(found.agency)
        initiative = self.initiative_of(found.block)
        self.add(node, RDF.type, BK.StatedResponsibility)
        self.labels(node, self.text[found.quote[0]:found.quote[1]])
        self.add(node, BK.agent, agency)
        self.add(node, BK.evidence, self.quote(*found.quote))
        self.add(node, BK.confidence, Literal(str(found.confidence), datatype=XSD.decimal))
        self.add(initiative, BK.responsibility, node)
        self.add(initiative, BK.responsibleAgency, agency)

    def _milestone(self, found: DraftDate, block: Block, number: int) -> None:
        node = MILESTONE[f"{self.id}-{number:02d}"]
        self.add(node, RDF.type, BK.Milestone)
        self.labels(node, self.text[found.quote[0]:found.quote[1]],
                    f"Draft date {found.iso} ({found.kind}{', planned' if found.planned else ''})")
        self.add(node, BK.milestoneOf, self.initiative_of(block))
        self.add(node, BK.milestoneKind, BK[found.kind])
        self.add(node, BK.planned, Literal(found.planned))
        if found.day:
            self.add(node, TIME.inXSDDate, Literal(found.iso, datatype=XSD.date))
        else:
            self.add(node, TIME.inXSDgYearMonth, Literal(found.iso, datatype=XSD.gYearMonth))
        if found.qualifier:
            self.add(node, BK.valueQualifier, BK[found.qualifier])
        self.add(node, BK.asWritten, Literal(found.as_written))
        self.add(node, BK.evidence, self.quote(*found.quote))
        self.add(node, BK.confidence, Literal(str(found.confidence), datatype=XSD.decimal))
        for note in found.notes:
            self.add(node, BK.unresolved, Literal(note, lang="en"))

    def _report(self) -> None:
        d = self.draft
        self.add(self.report, RDF.type, BK.Report)
        self.labels(self.report, d.title, f"Draft: {self.id}")
        self.add(self.report, DCT.title, Literal(d.title, lang="zh"))
        self.add(self.report, DCT.date, Literal(d.report_date.isoformat(), datatype=XSD.date))
        self.add(self.report, BK.hasText, self.context)
        report_period = self.period_node(Period(None, d.report_date, f"to-{d.report_date}",
                                                f"截至{d.report_date}", f"Up to {d.report_date}"))
        self.add(self.report, DCT.temporal, report_period)
        self.add(self.report, BK.unresolved, Literal(
            "draft: drafted by bolekg extract from the text alone; every fact awaits curation", lang="en"))
        if self.registry is not None:
            files = ", ".join(Path(p).name for p in self.registry.sources) or "none"
            self.add(self.report, BK.unresolved, Literal(
                f"links: places and organisations linked by name, altLabel or division code to the registry in "
                f"{files} (referred to by IRI, not copied); curation confirms each link", lang="en"))
        self.add(self.dataset, RDF.type, QB.DataSet)
        self.labels(self.dataset, f"{d.title}(草稿数据)", f"Draft figures of {self.id}")
        self.add(self.dataset, QB.structure, BK.dsd)
        self.add(self.dataset, DCT.source, self.report)

    def _span(self, node: URIRef, begin: int, end: int) -> None:
        self.add(node, NIF.beginIndex, _index(begin))
        self.add(node, NIF.endIndex, _index(end))
        self.add(node, NIF.anchorOf, Literal(self.text[begin:end]))
        self.add(node, NIF.referenceContext, self.context)

    def _text(self) -> None:
        self.add(self.context, RDF.type, BK.ReportText)
        self.labels(self.context, "报告全文(草稿)", "Full text of the report (draft)")
        self.add(self.context, NIF.isString, Literal(self.text))
        self.add(self.context, NIF.beginIndex, _index(0))
        self.add(self.context, NIF.endIndex, _index(len(self.text)))
        self.add(self.context, DCT.language, Literal("zh"))
        for block in self.draft.document.blocks:
            paragraph = TEXT[f"{self.id}-{block.id}"]
            self.add(paragraph, RDF.type, BK.Paragraph)
            self.labels(paragraph, f"段落 {block.id}", f"Paragraph {block.id}")
            self.add(paragraph, NIF.superString, self.context)
            self._span(paragraph, block.begin, block.end)
            previous: URIRef | None = None
            for sentence in block.sentences:
                node = TEXT[f"{self.id}-{sentence.id}"]
                self.sentence_ids[sentence.id] = node
                self.add(node, RDF.type, NIF.Sentence)
                self.labels(node, f"第{sentence.ordinal}句({block.id})", f"Sentence {sentence.ordinal} of {block.id}")
                self.add(node, NIF.superString, paragraph)
                self._span(node, sentence.begin, sentence.end)
                if previous is not None:
                    self.add(previous, NIF.nextSentence, node)
                    self.add(node, NIF.previousSentence, previous)
                previous = node

    def quote(self, begin: int, end: int) -> URIRef:
        node = QUOTE[f"{self.id}-{begin}-{end}"]
        if (begin, end) not in self.quotes:
            self.quotes.add((begin, end))
            sentence = self.draft.document.sentence_at(begin)
            self.add(node, RDF.type, BK.Quote)
            self._span(node, begin, end)
            self.add(node, NIF.sentence, self.sentence_ids[sentence.id])
        return node

    # ------------------------------------------------------------------ programmes and items

    def programme_node(self, number: int) -> URIRef:
        return PROGRAMME[f"{self.id}-{number}"]

    def item_node(self, programme: int, item: int) -> URIRef:
        return ITEM[f"{self.id}-{programme}-{item:02d}"]

    def _title_quote(self, block: Block) -> URIRef:
        begin = self.text.find(block.title, block.begin, block.end) if block.title else -1
        if begin < 0:
            return self.quote(block.sentences[0].begin, block.sentences[0].end)
        return self.quote(begin, begin + len(block.title))

    def _structure(self) -> None:
        for block in self.draft.document.blocks:
            paragraph = TEXT[f"{self.id}-{block.id}"]
            if block.kind == "programme":
                node = self.programme_node(block.programme)
                self.add(node, RDF.type, BK.Programme)
                self.labels(node, block.title or block.text[:30])
                self.add(node, SKOS.prefLabel, Literal(block.title or block.text[:30], lang="zh"))
                self.add(node, SKOS.notation, Literal(str(block.programme)))
                self.add(node, BK.describedIn, paragraph)
                self.add(node, PROV.hadPrimarySource, self.report)
                self.add(node, BK.evidence, self._title_quote(block))
            elif block.kind == "item":
                node = self.item_node(block.programme, block.item)
                self.add(node, RDF.type, BK.Item)
                self.labels(node, block.title or block.text[:30])
                self.add(node, SKOS.prefLabel, Literal(block.title or block.text[:30], lang="zh"))
                self.add(node, SKOS.notation, Literal(f"{block.programme}.{block.item}"))
                self.add(node, BK.programme, self.programme_node(block.programme))
                self.add(node, BK.describedIn, paragraph)
                self.add(node, PROV.hadPrimarySource, self.report)
                self.add(node, BK.evidence, self._title_quote(block))

    def initiative_of(self, block: Block) -> URIRef:
        if block.item:
            return self.item_node(block.programme, block.item)
        if block.programme:
            return self.programme_node(block.programme)
        node = PROGRAMME[f"{self.id}-0"]
        if (node, RDF.type, None) not in self.graph:
            self.add(node, RDF.type, BK.Programme)
            self.labels(node, "报告总述(无标题部分)")
            self.add(node, SKOS.notation, Literal("0"))
            self.add(node, PROV.hadPrimarySource, self.report)
            first = self.draft.document.blocks[0]
            self.add(node, BK.describedIn, TEXT[f"{self.id}-{first.id}"])
            self.add(node, BK.evidence, self.quote(first.sentences[0].begin, first.sentences[0].end))
            self.add(node, BK.unresolved, Literal(
                "initiative: figures before the first heading belong to no programme; this node stands in", lang="en"))
        return node

    # ------------------------------------------------------------------ periods, places, organisations

    def _instant(self, day: object) -> URIRef:
        node = PERIOD[f"{day}"]
        self.add(node, RDF.type, TIME.Instant)
        self.labels(node, str(day), str(day))
        self.add(node, TIME.inXSDDate, Literal(str(day), datatype=XSD.date))
        return node

    def period_node(self, period: Period) -> URIRef:
        if period.slug in self.periods:
            return self.periods[period.slug]
        node = PERIOD[f"{self.id}-{period.slug}"]
        self.periods[period.slug] = node
        self.add(node, RDF.type, BK.ReportingPeriod)
        self.labels(node, period.label_zh, period.label_en)
        if period.begin is not None:
            self.add(node, TIME.hasBeginning, self._instant(period.begin))
        self.add(node, TIME.hasEnd, self._instant(period.end))
        return node

    def _record(self, kind: str, name: str, span: tuple[int, int] | None, link: Link, iri: URIRef) -> None:
        if self.registry is not None and span is not None:
            self.links.setdefault((kind, name), LinkRecord(kind, name, span[0], span[1], link, iri))

    def place_node(self, place: Place, span: tuple[int, int] | None = None) -> URIRef:
        """A gazetteer place: the registry's, found by its division code, where there is one (referred to,
        not copied); else a new one, with its parents (so that it rolls up to its region), by its English
        name."""
        key = place.code or place.name_zh
        if key in self.places:
            node = self.places[key]
            if span is not None and self.registry is not None and ("place", place.name_zh) not in self.links:
                self._record("place", place.name_zh, span, self._place_link(place), node)
            return node
        link = self._place_link(place)
        if link.outcome == "linked" and link.iri is not None:
            self.places[key] = link.iri
            self._record("place", place.name_zh, span, link, link.iri)
            return link.iri
        node = self._own(PLACE, slugify(place.name_en or place.name_zh))
        self.places[key] = node
        self._record("place", place.name_zh, span, link, node)
        if self.registry is not None:
            self.add(node, BK.unresolved, Literal(link.note("place", place.name_zh, "the registry"), lang="en"))
        self.add(node, RDF.type, BK[place.place_class])
        self.labels(node, place.name_zh, place.name_en)
        self.add(node, SKOS.prefLabel, Literal(place.name_zh, lang="zh"))
        self.add(node, DCT.source, GAZETTEER_SOURCE)
        if place.code and place.verified:
            self.add(node, BK.divisionCode, Literal(place.full_code))
        elif place.code:
            self.add(node, BK.candidateDivisionCode, Literal(place.full_code))
            self.add(node, BK.editorialNote, Literal(f"Code from the gazetteer, marked there: {place.note}", lang="en"))
            self.add(node, BK.editorialNote, Literal(f"代码取自地名参考表,其注记为:{place.note}", lang="zh"))
        parents = ancestors(place)
        if parents:
            parent = self.place_node(parents[0])
            self.add(node, GEO.sfWithin, parent)
        elif place.place_class != "ProvincialDivision":  # a river: the gazetteer gives no parent
            region = ([self.draft.place, *ancestors(self.draft.place)])[-1]
            self.add(node, GEO.sfWithin, self.place_node(region))
            self.add(node, BK.unresolved, Literal(
                f"place: the gazetteer gives no parent; taken to lie within {region.name_en}, the region of "
                "the report's place (it may cross it: then geo:sfCrosses)", lang="en"))
        hit = self.text.find(place.name_zh)
        if hit >= 0:
            self.add(node, BK.evidence, self.quote(hit, hit + len(place.name_zh)))
        return node

    def _place_link(self, place: Place) -> Link:
        if self.registry is None:
            return Link("new")
        return self.registry.place(place.name_zh, None, place.full_code if place.code else None)

    def _own(self, namespace: object, slug: str) -> URIRef:
        """A new entity's IRI: ``slug``, or ``<report id>-slug`` where the registry already uses ``slug``."""
        node = namespace[slug]  # type: ignore[index]
        if self.registry is not None and node in self.registry.entities:
            node = namespace[f"{self.id}-{slug}"]  # type: ignore[index]
        return node

    def mention_node(self, mention: PlaceMention) -> URIRef:
        if mention.gazetteer is not None:
            return self.place_node(mention.gazetteer, (mention.begin, mention.end))
        if mention.name in self.places:
            return self.places[mention.name]
        within = mention.within or self.draft.place
        parent = self.place_node(within)
        link = Link("new")
        if self.registry is not None:
            link = self.registry.place(mention.name, parent)
            if link.outcome == "linked" and link.iri is not None:
                self.places[mention.name] = link.iri
                self._record("place", mention.name, (mention.begin, mention.end), link, link.iri)
                return link.iri
        node = PLACE[f"{self.id}-{slugify(mention.name)}"]
        self.places[mention.name] = node
        self._record("place", mention.name, (mention.begin, mention.end), link, node)
        self.add(node, RDF.type, BK.Place)
        self.labels(node, mention.name)
        self.add(node, SKOS.prefLabel, Literal(mention.name, lang="zh"))
        self.add(node, BK.evidence, self.quote(mention.begin, mention.end))
        self.add(node, GEO.sfWithin, parent)
        self.add(node, BK.unresolved, Literal(
            f"place: not in the gazetteer; a new place, taken to lie within {within.name_en or within.name_zh}",
            lang="en"))
        if self.registry is not None:
            self.add(node, BK.unresolved, Literal(
                link.note("place", mention.name, within.name_en or within.name_zh), lang="en"))
        return node

    def _organisation(self, org: OrgMention) -> URIRef:
        if org.name in self.organisations:
            return self.organisations[org.name]
        link = Link("new")
        if self.registry is not None:
            prefix = place_prefix(org.name, [p.name_zh for p in load_gazetteer()])
            where = next((p for p in load_gazetteer() if p.name_zh == prefix), None)
            link = self.registry.organisation(org.name, prefix, self.place_node(where) if where else None)
            if link.outcome == "linked" and link.iri is not None:
                self.organisations[org.name] = link.iri
                self._record("organisation", org.name, (org.begin, org.end), link, link.iri)
                return link.iri
        node = self._own(AGENCY, f"{self.id}-{slugify(org.name, limit=8)}")
        self.organisations[org.name] = node
        self._record("organisation", org.name, (org.begin, org.end), link, node)
        self.add(node, RDF.type, ORG.Organization if org.kind == "Organization" else BK[org.kind])
        self.labels(node, org.name)
        self.add(node, SKOS.prefLabel, Literal(org.name, lang="zh"))
        self.add(node, BK.evidence, self.quote(org.begin, org.end))
        if self.registry is None:
            note = "organisation: a name as the report writes it, not linked to a known organisation"
        else:
            note = link.note("organisation", org.name, "the registry")
        self.add(node, BK.unresolved, Literal(note, lang="en"))
        return node

    # ------------------------------------------------------------------ observations

    def indicator_node(self, words: str) -> URIRef:
        if words in self.indicators:
            return self.indicators[words]
        slug = f"{self.id}-{slugify(words)}"
        node = INDICATOR[slug]
        suffix = 2
        while node in self.indicators.values():
            node = INDICATOR[f"{slug}-{suffix}"]
            suffix += 1
        self.indicators[words] = node
        self.add(node, RDF.type, BK.Indicator)
        self.add(node, SKOS.inScheme, BK.indicators)
        self.labels(node, words)
        self.add(node, SKOS.prefLabel, Literal(words, lang="zh"))
        self.add(node, BK.unresolved, Literal(
            "indicator: the report's words for what is counted; curation matches it to an indicator or keeps it",
            lang="en"))
        return node

    def _observation(self, figure: DraftFigure, counters: Counter[str]) -> None:
        block = figure.block
        key = f"{block.programme}-{block.item:02d}"
        counters[key] += 1
        node = OBS[f"{self.id}-{key}-{counters[key]:02d}"]
        self.observations[id(figure)] = node
        f = figure.figure
        measure = figure.reading.measure
        self.add(node, RDF.type, BK.Observation)
        self.labels(node, self.text[figure.quote[0]:figure.quote[1]],
                    f"Draft figure {f.as_written} ({measure}, sentence {figure.sentence.id})")
        self.add(node, QB.dataSet, self.dataset)
        self.add(node, BK.indicator, self.indicator_node(figure.indicator))
        self.add(node, QB.measureType, BK[measure])
        value = Decimal(figure.value)
        self.add(node, BK[measure], _decimal(value))
        unit = f.unit
        self.add(node, SDMX_ATT.unitMeasure, curie(f.unit_iri))
        if unit is not None and unit.base and unit.multiplier:
            normalised = (value * unit.multiplier).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            self.add(node, BK.normalisedValue, Literal(str(normalised), datatype=XSD.decimal))
            self.add(node, BK.normalisedUnit, curie(unit.base))
            if not unit.exact:
                self.add(node, BK.normalisedPrecision, Literal("0.01", datatype=XSD.decimal))
        if f.qualifier:
            self.add(node, BK.valueQualifier, BK[f.qualifier])
        self.add(node, BK.asWritten, Literal(f.as_written))
        self.add(node, SDMX_DIM.refPeriod, self.period_node(figure.period))
        area = self.mention_node(figure.place) if figure.place else self.place_node(self.draft.place)
        self.add(node, SDMX_DIM.refArea, area)
        self.add(node, BK.initiative, self.initiative_of(block))
        self.add(node, BK.evidence, self.quote(*figure.quote))
        if figure.agency is not None:
            self.add(node, PROV.wasAttributedTo, self._organisation(figure.agency))
        self.add(node, BK.confidence, Literal(str(figure.confidence), datatype=XSD.decimal))
        for note in figure.notes:
            self.add(node, BK.unresolved, Literal(note, lang="en"))


def draft_graph(draft: Draft, registry: Registry | None = None) -> Graph:
    """The draft as an rdflib graph (see the module docstring), its places and organisations linked to
    ``registry``'s where they match (referred to by IRI, not copied), or all its own without one."""
    return DraftWriter(draft, registry).write()
