"""What a figure is, from the words around it: measure type (target, actual, share of plan, rate, change,
rank) and period (截至目前 → up to the report date; 全年/年内 → the year; explicit dates).

The cue words are general lexicons of this genre of report. A figure's *clause* is the stretch of its
sentence between the punctuation marks around it (，；：); a cue in the clause before the figure is
nearer, and so stronger, than one earlier in the sentence. What no cue decides is left to a default and
said so (:class:`Reading` ``.notes``), never chosen silently.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date

from bolekg.extract.numbers import Figure

CLAUSE_MARKS = "，,；;：:。！？"

CHANGE_CUE = re.compile(r"(上升|下降|增长|减少|提高|降低|增加|回落|上涨|下滑)了?$")
FALL_WORDS = ("下降", "减少", "降低", "回落", "下滑")
SHARE_CUE = re.compile(r"(?:(?:计划|任务|投资|工程量|目标|总量)[^，,；;。%]{0,6}的|进度为|进度达到?)$")
RANK_CUE = re.compile(r"(?:位居|位列|排名|排在|排|居|列)[^，,；;。]{0,10}$")
DEADLINE_CUE = re.compile(r"\d{1,2}月(?:底|末|中旬|上旬|下旬)?前|年底前|年内|全年|年度内|之前")
PLAN_CUE = re.compile(r"目标|任务(?!的)|计划(?!任务的|投资的)|预计|拟|力争|确保|年度内|全年|年内|下一步|"
                      r"安排|"
                      r"全长|全线|里程|(?<![已完])长$|管径|正在|新建(?!成)|控制在")
ACTUAL_CUE = re.compile(r"已|完成|累计|实际(?!情况)|截至|目前|至今|共计|共|实现|达成|发放|带动|追回|接收|受理|"
                        r"办结|开展了?")


@dataclass(frozen=True)
class Period:
    """A reporting period: its begin (None when the text gives no start) and end, and a readable slug."""

    begin: date | None
    end: date
    slug: str
    label_zh: str
    label_en: str


@dataclass
class Reading:
    measure: str  # target, actual, shareOfPlan, rate, change, rank
    negative: bool = False
    period: Period | None = None
    cues: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was not resolved, in English


def clause_start(text: str, sentence_begin: int, offset: int) -> int:
    """Where the clause holding ``offset`` starts (after the last ，；： before it, within the sentence)."""
    index = offset
    while index > sentence_begin and text[index - 1] not in CLAUSE_MARKS:
        index -= 1
    return index


def clause_end(text: str, sentence_end: int, offset: int) -> int:
    index = offset
    while index < sentence_end and text[index] not in CLAUSE_MARKS:
        index += 1
    return index


def measure_type(text: str, sentence_begin: int, figure: Figure) -> Reading | None:
    """The measure type of ``figure``; None when it is no figure at all (an ordinal that is no rank)."""
    start = clause_start(text, sentence_begin, figure.begin)
    before = text[start:figure.begin]
    prefix = text[sentence_begin:figure.begin]
    if figure.ordinal:
        rank = RANK_CUE.search(before)
        return Reading("rank", cues=[rank.group()]) if rank else None
    if figure.unit_iri == "unit:PERCENT":
        if change := CHANGE_CUE.search(before):
            return Reading("change", negative=change.group(1) in FALL_WORDS, cues=[change.group(1)])
        if share := SHARE_CUE.search(before):
            return Reading("shareOfPlan", cues=[share.group()])
        if deadline := DEADLINE_CUE.search(prefix):
            return Reading("target", cues=[deadline.group()])
        return Reading("rate", cues=["%"])
    if plan := PLAN_CUE.search(before):
        return Reading("target", cues=[plan.group()])
    if actual := ACTUAL_CUE.search(before):
        return Reading("actual", cues=[actual.group()])
    if plan := PLAN_CUE.search(prefix):
        return Reading("target", cues=[plan.group()])
    if actual := ACTUAL_CUE.search(prefix):
        return Reading("actual", cues=[actual.group()])
    return Reading("actual", notes=["measure type: no target or actual cue in the sentence; read as actual"])


# --------------------------------------------------------------------------- periods


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def to_report(begin: date | None, report_date: date) -> Period:
    if begin is None:
        return Period(None, report_date, f"to-{report_date}", f"截至{report_date}(起点未述)",
                      f"Up to {report_date} (start not stated)")
    return Period(begin, report_date, f"{begin:%Y-%m}-to-{report_date}",
                  f"{begin.year}年{begin.month}月至{report_date}", f"{begin:%B %Y} to {report_date}")


def year_period(year: int) -> Period:
    return Period(date(year, 1, 1), date(year, 12, 31), str(year), f"{year}年", f"Year {year}")


def half_year(year: int) -> Period:
    return Period(date(year, 1, 1), date(year, 6, 30), f"{year}-h1", f"{year}年1-6月", f"January–June {year}")


def quarter(year: int, number: int) -> Period:
    return Period(date(year, 3 * number - 2, 1), _month_end(year, 3 * number), f"{year}-q{number}",
                  f"{year}年第{'一二三四'[number - 1]}季度", f"Quarter {number} of {year}")


def month(year: int, number: int) -> Period:
    return Period(date(year, number, 1), _month_end(year, number), f"{year}-{number:02d}",
                  f"{year}年{number}月", f"{date(year, number, 1):%B %Y}")


def by_deadline(year: int, number: int) -> Period:
    return Period(date(year, 1, 1), _month_end(year, number), f"{year}-to-end-{number:02d}",
                  f"{year}年{number}月底前", f"{year} up to the end of {date(year, number, 1):%B}")


QUARTERS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}


def _period_cues(text: str, report_date: date, measure: str) -> list[tuple[int, Period, str]]:
    """Every period phrase in ``text`` with where it ends, nearest last."""
    year = report_date.year
    found: list[tuple[int, Period, str]] = []

    def add(match: re.Match[str], period: Period) -> None:
        found.append((match.end(), period, match.group()))

    for m in re.finditer(r"(\d{4})年(\d{1,2})月份?(?:开始|起)?(?:截至目前|截至|至今|以来|至目前)", text):
        add(m, to_report(date(int(m[1]), int(m[2]), 1), report_date))
    for m in re.finditer(r"(?<![\d年])(\d{1,2})月份?(?:以来|起)", text):
        add(m, to_report(date(year, int(m[1]), 1), report_date))
    for m in re.finditer(r"(?:(\d{4})年)?第([一二三四1-4])季度", text):
        add(m, quarter(int(m[1]) if m[1] else year, QUARTERS[m[2]]))
    for m in re.finditer(r"(?:(\d{4})年)?(?:截至第二季度|截至二季度|上半年|1[-—–~至]6月)", text):
        add(m, half_year(int(m[1]) if m[1] else year))
    for m in re.finditer(r"今年|本年|年初以来", text):
        add(m, to_report(date(year, 1, 1), report_date))
    if measure != "target":  # 目前…下一步新建: a plan's period is not "up to now"
        for m in re.finditer(r"截至目前|截至当前|目前|至今|当前|累计|已", text):
            add(m, to_report(None, report_date))
    for m in re.finditer(r"(\d{1,2})月(?:底|末)前", text):
        add(m, by_deadline(year, int(m[1])))
    if measure == "target":
        for m in re.finditer(r"(\d{4})年(?![\d月])|全年|年内|年度内|年度", text):
            add(m, year_period(int(m[1]) if m.lastindex and m[1] else year))
    else:
        for m in re.finditer(r"(\d{4})年(\d{1,2})月(?![\d份]*(?:开始|起|截至|至今|以来|至目前|底|末))", text):
            if int(m[2]) <= 12:
                add(m, month(int(m[1]), int(m[2])))
    return sorted(found, key=lambda item: item[0])


def find_period(text: str, sentence_begin: int, figure: Figure, reading: Reading, report_date: date,
                carried: Period | None) -> tuple[Period, bool]:
    """The period of ``figure`` and whether it came from its own sentence (so later sentences may carry it).

    Nearest cue before the figure in its sentence; else the period carried from an earlier sentence of the
    paragraph; else the year for a target and up to the report date for an actual figure, with a note.
    """
    cues = _period_cues(text[sentence_begin:figure.begin], report_date, reading.measure)
    if cues:
        chosen = cues[-1]
        if chosen[1].begin is None:  # 2020年11月开始至今，已开展…: 已 does not undo the stated start
            dated = [c for c in cues if c[1].begin is not None and c[1].end == chosen[1].end]
            chosen = dated[-1] if dated else chosen
        reading.cues.append(chosen[2])
        return chosen[1], True
    if carried is not None and reading.measure != "target":
        return carried, False
    if reading.measure == "target":
        reading.notes.append("period: no time cue; a target is read as for the report's year")
        return year_period(report_date.year), False
    reading.notes.append("period: no time cue; read as up to the report date")
    return to_report(None, report_date), False


def period_phrases(text: str, begin: int, end: int, report_date: date) -> list[tuple[int, int, Period]]:
    """Every period phrase in ``text[begin:end]`` (a sentence), as a target's and as an actual figure's
    would be read, with its offsets in ``text`` and the period it names. The numeric audit
    (:mod:`bolekg.services.report_audit`) counts a number inside one as part of a period phrase."""
    found: set[tuple[int, int, Period]] = set()
    for measure in ("target", "actual"):
        for stop, period, words in _period_cues(text[begin:end], report_date, measure):
            found.add((begin + stop - len(words), begin + stop, period))
    return sorted(found, key=lambda item: (item[0], item[1], item[2].slug))
