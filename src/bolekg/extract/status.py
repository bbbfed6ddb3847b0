"""Project status statements drafted from cue words (docs/ENCODING.md "Project status"): a clause of an
item's paragraph that says a work is done, under way, started, planned … becomes a drafted
``bk:StatusStatement`` with its status, the time it holds, its quote and a confidence.

The cue words are the ontology's (``bk:cue`` on each status of ``bk:projectStatuses``), read from
``ontology/bolekg.ttl`` — a general lexicon, and the one the shapes check a statement's quote against.
Where a clause holds cues of several statuses the more specific wins (:data:`PRECEDENCE`: a plan before
what it plans, 基本完成 before 完成, 已竣工 before 完成 …). What is not a project's state is left out by
general rules: headings, a share of plan or a target (完成计划任务的92%, 年度内完成, a figure whose period
ends after the report), and an aim (积极推进, 稳步推进). 完成 with a share or amount of the work
(完成项目投资的43.6%) is "partly completed" and links the drafted figure of that share.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache

from bolekg.extract.cues import CLAUSE_MARKS, Period
from bolekg.extract.dates import DraftDate, find_dates
from bolekg.extract.structure import Block
from bolekg.report.corpus import Sentence

#: Statuses from the most specific cue to the least (local names in bk:).
PRECEDENCE = ("StatusPlanned", "StatusLargelyCompleted", "StatusStructureCompleted",
              "StatusConstructionCompleted", "StatusInUse", "StatusStarted", "StatusUnderWay", "StatusCompleted")
#: A cue that, at this place, states no project's state: a share of plan or a target (计划任务, 占计划,
#: 完成计划, 年度内完成, 目标), an aim (积极推进, 稳步推进 …), a rate of completion of a target.
NOT_A_STATE = re.compile(r"计划任务|计划投资|总计划|占计划|完成计划|年度内完成|年内完成|全年完成|目标|"
                         r"(?:积极|稳步|加快|统筹|大力|深入|持续|扎实)推进|推进.{0,6}(?:水平|工作机制)")
#: 完成 of a share or an amount of the work: partly completed (with the figure's observation).
PARTLY = re.compile(r"完成[^，,；;。]{0,12}(?:的|为)\s*[\d.]+%|完成(?:项目)?投资|进度为")
#: How sure a cue alone makes the extractor: the broad words less.
CONFIDENCE = {"StatusCompleted": 0.6, "StatusUnderWay": 0.6, "StatusPlanned": 0.7}
PROJECT_NAME = re.compile(r"[\u4e00-\u9fff“”（）()\-—A-Za-z0-9+]{2,30}?(?:项目|工程)")


@cache
def status_cues() -> dict[str, tuple[str, ...]]:
    """The ontology's cue words per status (local name), longest first."""
    from bolekg.report.dataset import ontology_graph
    from bolekg.report.vocab import BK

    ontology = ontology_graph()
    cues: dict[str, tuple[str, ...]] = {}
    for status in PRECEDENCE:
        words = {str(c) for c in ontology.objects(BK[status], BK.cue)}
        cues[status] = tuple(sorted(words, key=len, reverse=True))
    return cues


@dataclass
class DraftStatus:
    status: str  # local name in bk:
    cue: str
    quote: tuple[int, int]  # the clause
    sentence: Sentence
    block: Block
    time: Period | date  # a period, or the day the text dates the change of state
    notes: list[str] = field(default_factory=list)
    base: float = 0.8

    @property
    def confidence(self) -> float:
        return round(max(0.2, self.base - 0.15 * len(self.notes)), 2)


def _clauses(text: str, begin: int, end: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = begin
    for index in range(begin, end + 1):
        if index == end or text[index] in CLAUSE_MARKS:
            b, e = start, index
            while b < e and text[b].isspace():
                b += 1
            if e > b:
                spans.append((b, e))
            start = index + 1
    return spans


def _cue(clause: str) -> tuple[str, str] | None:
    cues = status_cues()
    for status in PRECEDENCE:
        for cue in cues[status]:
            at = clause.find(cue)
            while at >= 0:
                around = clause[max(0, at - 4):at + len(cue) + 4]
                if not NOT_A_STATE.search(around):
                    return status, cue
                at = clause.find(cue, at + 1)
    return None


def find_statuses(text: str, sentence: Sentence, block: Block, report_date: date,
                  title_span: tuple[int, int] | None, target_spans: list[tuple[int, int]],
                  share_spans: list[tuple[int, int]]) -> list[DraftStatus]:
    """The status statements of ``sentence``. ``title_span`` is the heading's words (no status there);
    ``target_spans`` the quotes of figures read as targets (a clause holding one states a plan's figure,
    not a state); ``share_spans`` those of figures of a share or amount done (partly completed)."""
    if block.kind == "programme" or not (block.item or block.programme):
        return []
    found: list[DraftStatus] = []
    for begin, end in _clauses(text, sentence.begin, sentence.end):
        if title_span and begin < title_span[1] and title_span[0] < end:
            continue  # the heading (㈧推进快递进乡村): an aim, not a state
        clause = text[begin:end]
        hit = _cue(clause)
        if hit is None:
            continue
        status, cue = hit
        inside = [s for s in target_spans if begin <= s[0] < end or s[0] <= begin < s[1]]
        if inside and status != "StatusPlanned":
            continue  # a target's figure: 年度内完成139294人, 10月底前完成率达到100%
        if status != "StatusPlanned" and any(_after(d, report_date) for d in find_dates(text, begin, end, report_date)):
            continue  # a date after the report: a plan the clause does not call one (2022年9月完成验收)
        notes: list[str] = []
        if status == "StatusCompleted" and (PARTLY.search(clause)
                                            or any(begin <= s[0] < end for s in share_spans)):
            status = "StatusPartlyCompleted"
        time = _time(text, begin, end, report_date, status)
        named = PROJECT_NAME.search(clause[:clause.find(cue)] if cue in clause else clause)
        if named:
            notes.append(f"statusOf: the clause names {named.group()}: drafted as about the paragraph's "
                         "initiative; curation may make that project its own bk:Project")
        found.append(DraftStatus(status, cue, (begin, end), sentence, block, time, notes,
                                 CONFIDENCE.get(status, 0.8)))
    return found


def _after(found: DraftDate, report_date: date) -> bool:
    return (found.year, found.month, found.day or 31) > (report_date.year, report_date.month, report_date.day)


def _time(text: str, begin: int, end: int, report_date: date, status: str) -> Period | date:
    """The change's day where the text dates it (于2021年4月5日开工), 今年 → the year so far, else the
    report date (截至目前, 目前, 已…: docs/ENCODING.md "Project status", Time). A plan holds at the report
    date; the date it plans is a milestone's."""
    if status != "StatusPlanned":
        for found in find_dates(text, begin, end, report_date):
            if found.day and not found.planned and not found.notes:
                return date(found.year, found.month, found.day)
    if "今年" in text[begin:end] or "年初以来" in text[begin:end]:
        year = report_date.year
        return Period(date(year, 1, 1), report_date, f"{year}-01-to-{report_date}",
                      f"{year}年1月至{report_date}", f"{year}-01 to {report_date}")
    return Period(None, report_date, f"to-{report_date}", f"截至{report_date}", f"Up to {report_date}")
