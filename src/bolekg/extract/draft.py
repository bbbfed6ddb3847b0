"""The extraction pipeline without RDF: the report's blocks and sentences, and every figure in them with
its measure type, period, indicator words, place, agency, quote, confidence and what was not resolved.

:func:`extract` is the one entry point; :mod:`bolekg.extract.writer` turns its result into the draft
graph. Nothing here reads a curated graph: only the text, the lexicons and the gazetteer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from bolekg.extract import cues, matching, numbers
from bolekg.extract.cues import Period, Reading
from bolekg.extract.dates import DraftDate, find_dates
from bolekg.extract.gazetteer import Place, by_code
from bolekg.extract.numbers import Figure
from bolekg.extract.status import DraftStatus, find_statuses
from bolekg.extract.structure import Block, Document, parse_document
from bolekg.report.corpus import Sentence

#: Indicator words that say only how a figure relates to another (share, change): such a figure measures
#: the figure before it in its sentence.
RELATIONAL = re.compile(r"^(?:完成计划任务|完成计划|占总计划|占计划投资|占计划|计划任务|完成项目投资|"
                        r"完成投资|完成工程量|同比上升|同比下降|同比增长|同比|较去年同期|较上年|占比|比例|进度为)")


@dataclass
class DraftFigure:
    figure: Figure
    sentence: Sentence
    block: Block
    reading: Reading
    value: numbers.Decimal
    indicator: str
    quote: tuple[int, int]
    place: matching.PlaceMention | None  # None: the report's own place
    agency: matching.OrgMention | None
    notes: list[str] = field(default_factory=list)

    @property
    def period(self) -> Period:
        assert self.reading.period is not None
        return self.reading.period

    @property
    def confidence(self) -> float:
        """A heuristic score in [0.2, 0.95], lower for every default taken or thing left unresolved: an
        ordering for curation (check the lowest first), not a calibrated probability."""
        score = 0.9 - 0.15 * len(self.notes) - (0.1 if self.figure.unit is None else 0.0)
        return round(min(0.95, max(0.2, score)), 2)


@dataclass
class DraftResponsibility:
    """A stated responsibility: the sentence opens with the organisation that does the work
    (:func:`matching.stated_agency`); the quote runs from its name to the end of its clause."""

    agency: matching.OrgMention
    sentence: Sentence
    block: Block
    quote: tuple[int, int]

    @property
    def confidence(self) -> float:
        return 0.7


@dataclass
class Draft:
    report_id: str
    title: str
    report_date: date
    place: Place
    document: Document
    figures: list[DraftFigure]
    organisations: list[matching.OrgMention]
    places: list[matching.PlaceMention]
    dates: list[tuple[DraftDate, Block]] = field(default_factory=list)
    statuses: list[DraftStatus] = field(default_factory=list)
    responsibilities: list[DraftResponsibility] = field(default_factory=list)
    #: per status statement (by position in ``statuses``): the figures it links (partly completed)
    status_figures: dict[int, list[DraftFigure]] = field(default_factory=dict)


def _sentence_figures(text: str, sentence: Sentence) -> list[Figure]:
    return numbers.find_figures(text, sentence.begin, sentence.end)


def extract(text: str, report_id: str, title: str, place_code: str, report_date: date,
            progress: object | None = None) -> Draft:
    """Draft the figures of the report ``text`` (see the package docstring)."""
    place = by_code(place_code)
    document = parse_document(text)
    figures: list[DraftFigure] = []
    organisations: dict[str, matching.OrgMention] = {}
    places: dict[str, matching.PlaceMention] = {}
    dates: list[tuple[DraftDate, Block]] = []
    statuses: list[DraftStatus] = []
    status_figures: dict[int, list[DraftFigure]] = {}
    responsibilities: dict[tuple[str, str], DraftResponsibility] = {}
    for block in document.blocks:
        carried: Period | None = None
        title_at = text.find(block.title, block.begin, block.end) if block.title else -1
        title_span = (title_at, title_at + len(block.title)) if title_at >= 0 else None
        for sentence in block.sentences:
            for org in matching.org_mentions(text, sentence.begin, sentence.end):
                organisations.setdefault(org.name, org)
            for mention in matching.place_mentions(text, sentence.begin, sentence.end):
                places.setdefault(mention.name, mention)
            dates += [(found, block) for found in find_dates(text, sentence.begin, sentence.end, report_date)]
            agency = matching.stated_agency(text, sentence.begin, sentence.end)
            doer = agency or matching.group_subject(text, sentence.begin, sentence.end)
            if doer is not None and (block.item or block.programme):
                key = (f"{block.programme}-{block.item}", doer.name)
                end = cues.clause_end(text, sentence.end, doer.end)
                responsibilities.setdefault(key, DraftResponsibility(doer, sentence, block, (doer.begin, end)))
            previous: DraftFigure | None = None
            first = len(figures)
            for figure in _sentence_figures(text, sentence):
                reading = cues.measure_type(text, sentence.begin, figure)
                if reading is None:
                    continue  # an ordinal that ranks nothing (第一批, 第二季度)
                period, own = cues.find_period(text, sentence.begin, figure, reading, report_date, carried)
                if reading.measure == "actual" and period.end > report_date:
                    reading.measure = "target"
                    reading.cues.append(f"period ends {period.end}, after the report date")
                reading.period = period
                if own and period.end <= report_date:
                    carried = period
                draft = _figure(text, sentence, block, figure, reading, previous, agency)
                figures.append(draft)
                if figure.qualifier != "RangeLowerBound":
                    previous = draft
            in_sentence = figures[first:]
            for found in find_statuses(text, sentence, block, report_date, title_span,
                                       [f.quote for f in in_sentence if f.reading.measure == "target"],
                                       [f.quote for f in in_sentence if f.reading.measure == "shareOfPlan"]):
                linked = _status_figures(found, in_sentence)
                if found.status == "StatusPartlyCompleted" and not linked:
                    found.status = "StatusCompleted"  # no figure of the share done: what the cue says alone
                if linked:
                    status_figures[len(statuses)] = linked
                statuses.append(found)
        if progress is not None and callable(progress):
            progress(block)
    return Draft(report_id, title, report_date, place, document, figures, list(organisations.values()),
                 list(places.values()), dates, statuses, list(responsibilities.values()), status_figures)


def _status_figures(found: DraftStatus, figures: list[DraftFigure]) -> list[DraftFigure]:
    """The figures a partly completed status links: those in its clause, else the shares of plan after it
    in its sentence (已完成投资1300万元,占计划投资的72%)."""
    if found.status != "StatusPartlyCompleted":
        return []
    begin, end = found.quote
    inside = [f for f in figures if begin <= f.figure.begin < end]
    return inside or [f for f in figures if f.figure.begin >= end and f.reading.measure == "shareOfPlan"][:1]


def _figure(text: str, sentence: Sentence, block: Block, figure: Figure, reading: Reading,
            previous: DraftFigure | None, agency: matching.OrgMention | None) -> DraftFigure:
    clause_begin = cues.clause_start(text, sentence.begin, figure.begin)
    clause_end = cues.clause_end(text, sentence.end, figure.end)
    previous_end = previous.figure.end if previous and previous.figure.end <= figure.begin else sentence.begin
    words = matching.indicator_words(text, clause_begin, clause_end, figure.begin, figure.end, previous_end)
    notes = list(reading.notes)
    if previous is not None and (reading.measure in ("shareOfPlan", "change", "rank") or not words
                                 or RELATIONAL.match(words)):
        words = previous.indicator
    elif previous is not None and len(words) <= 2:  # 涉及1703人, 完成率达到100%: of the figure before
        words = previous.indicator + words
    if not words:
        words = text[clause_begin:figure.begin].strip() or figure.as_written
        notes.append("indicator: no words name what the figure counts; the clause stands in for them")
    value = -figure.value if reading.negative else figure.value
    if figure.unit is None:
        notes.append("unit: no unit word after the number; counted as a plain number (unit:NUM)")
    mentions = [m for m in matching.place_mentions(text, clause_begin, figure.begin)]
    place = mentions[-1] if mentions else None
    if place is None and not matching.WHOLE_AREA.search(text[clause_begin:figure.begin]):
        earlier = matching.place_mentions(text, sentence.begin, clause_begin)
        if earlier and earlier[-1].gazetteer is None:
            notes.append(f"place: the sentence names {earlier[-1].name} before this clause; read as the "
                         "report's place")
    # the quote: the clause, without leading spaces, from its start to its end
    while clause_begin < figure.begin and text[clause_begin].isspace():
        clause_begin += 1
    return DraftFigure(figure, sentence, block, reading, value, words, (clause_begin, clause_end), place,
                       agency, notes)
