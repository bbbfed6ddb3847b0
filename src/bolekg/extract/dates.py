"""Dates the report names as events (于2021年4月5日开工, 预计2021年12月竣工, 7月底前完成), drafted as
milestones: the date (day, or year and month), what happens then (start, completion of the structure,
completion, acceptance and use, another event), whether it is planned, and 前/底 as qualifiers.

A number in a *period* phrase (2021年1月截至目前, 6月份以来, 1-6月) is no milestone: :mod:`cues` reads those.
A date without a year takes the report's year, and says so (``bk:unresolved``); a garbled date such as
2022年月9 is read as year 2022, month 9 and kept as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from bolekg.extract.cues import clause_end, clause_start

DATE = re.compile(
    r"(?:(?P<year>\d{4})年)?(?P<month>\d{1,2})月(?:(?P<day>\d{1,2})[日号])?(?P<end>底|末)?(?P<before>之?前)?"
    r"|(?P<gyear>\d{4})年月(?P<gmonth>\d{1,2})(?![\d月日])"
)
NOT_AN_EVENT = re.compile(r"^(?:份|[-—–~至到]\d|以来|起|开始|截至|至今|至目前|份以来)")
PERIOD_BEFORE = re.compile(r"\d[-—–~至到]$")
KINDS = (
    ("StructureCompletion", re.compile(r"主体(?:建设|工程|结构)?(?:完工|完成|竣工|封顶)|完成主体|封顶")),
    ("AcceptanceAndUse", re.compile(r"验收|投入使用|交付使用|投用")),
    ("Start", re.compile(r"开工|动工|开建|启动")),
    ("Completion", re.compile(r"竣工|完工|建成|完成|铺完|完毕")),
)
PLANNED = re.compile(r"预计|计划|将|拟|力争|确保|之?前")


@dataclass
class DraftDate:
    begin: int
    end: int
    as_written: str
    year: int
    month: int
    day: int | None
    kind: str  # local name in bk:
    planned: bool
    qualifier: str | None  # Before, EndOf
    quote: tuple[int, int]
    notes: list[str] = field(default_factory=list)

    @property
    def iso(self) -> str:
        return f"{self.year:04d}-{self.month:02d}" + (f"-{self.day:02d}" if self.day else "")

    @property
    def confidence(self) -> float:
        return round(max(0.2, 0.9 - 0.15 * len(self.notes)), 2)


def find_dates(text: str, sentence_begin: int, sentence_end: int, report_date: date) -> list[DraftDate]:
    found: list[DraftDate] = []
    for match in DATE.finditer(text, sentence_begin, sentence_end):
        if text[match.start() - 1:match.start()].isdigit():
            continue
        after = text[match.end():match.end() + 4]
        if NOT_AN_EVENT.match(after) or PERIOD_BEFORE.search(text[max(0, match.start() - 3):match.start()]):
            continue
        notes: list[str] = []
        if match.group("gyear"):
            year, month, day = int(match["gyear"]), int(match["gmonth"]), None
            notes.append(f"date: written {match.group()!r}; read as {year}-{month:02d}")
        else:
            month = int(match["month"])
            day = int(match["day"]) if match["day"] else None
            if match["year"]:
                year = int(match["year"])
            else:
                year = report_date.year
                notes.append(f"date: no year written; the report's year {year} taken")
        if not 1 <= month <= 12 or (day is not None and not 1 <= day <= 31):
            continue
        bare_month = match["year"] and not match["day"] and not match["end"] and not match["before"]
        event_after = any(p.search(text, match.end(), clause_end(text, sentence_end, match.end())) for _, p in KINDS)
        if bare_month and not event_after:
            continue  # 2021年3月第一批…: a month that dates a figure is its period, unless an event word follows
        begin = clause_start(text, sentence_begin, match.start())
        stop = clause_end(text, sentence_end, match.end())
        clause = text[begin:stop]
        kind = next((name for name, pattern in KINDS if pattern.search(text, match.end(), stop)), "Event")
        if kind == "Event":
            notes.append("milestone kind: no start or completion word after the date; read as an event")
        when = date(year, month, day or 1)
        planned = bool(PLANNED.search(clause)) or when > report_date
        qualifier = "Before" if match["before"] else ("EndOf" if match["end"] else None)  # 10月底前: before
        found.append(DraftDate(match.start(), match.end(), match.group(), year, month, day, kind, planned,
                               qualifier, (begin, stop), notes))
    return found
