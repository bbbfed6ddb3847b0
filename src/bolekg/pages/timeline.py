"""The milestone timeline: every dated event of the report in date order, grouped by month.

Why a page of its own: the dates sit on the pages of forty-odd initiatives, and a reader who wants to
know what was done before the report and what it promises after it has no other way to see them side
by side. What is shown is exactly what the graph holds (docs/ENCODING.md "Dates: milestones" and
"Project status"): every ``bk:Milestone`` once, with its precision (a day, or a month only) and its
qualifier (before, end of), planned or done as the report says; and every ``bk:StatusStatement`` whose
``bk:statusTime`` is an instant (the text dates the change of state). A dated statement that records
the same event as a milestone on the timeline is shown inside that milestone's entry, not twice.

The report date (the end of ``period:to-report``, which the editors take as the report's date) is
read from the store and marked in the list: before it the report says what happened, after it what
it plans. The queries are plain triple patterns with OPTIONALs (no property path, no UNION), so that
Virtuoso answers them as the embedded store does (tests/test_virtuoso_pages.py).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from html import escape
from typing import Any

from babel.dates import format_date, format_skeleton

from bolekg.i18n import translate
from bolekg.pages.common import Context, Link, Quote
from bolekg.report.vocab import BK, PERIOD
from bolekg.services.lookup import iri_term, text, truth

MILESTONES_QUERY = """SELECT ?ms ?of ?date ?ym ?kind ?planned ?written ?qualifier WHERE {
  ?ms a bk:Milestone ; bk:milestoneOf ?of .
  OPTIONAL { ?ms time:inXSDDate ?date }
  OPTIONAL { ?ms time:inXSDgYearMonth ?ym }
  OPTIONAL { ?ms bk:milestoneKind ?kind }
  OPTIONAL { ?ms bk:planned ?planned }
  OPTIONAL { ?ms bk:asWritten ?written }
  OPTIONAL { ?ms bk:valueQualifier ?qualifier }
}"""

DATED_STATUS_QUERY = """SELECT ?st ?of ?status ?date ?ms WHERE {
  ?st a bk:StatusStatement ; bk:statusOf ?of ; bk:status ?status ; bk:statusTime ?when .
  ?when a time:Instant ; time:inXSDDate ?date .
  OPTIONAL { ?st bk:statusMilestone ?ms }
}"""

REPORT_DATE_QUERY = f"""SELECT ?date WHERE {{
  {iri_term(str(PERIOD["to-report"]))} time:hasEnd ?end .
  ?end time:inXSDDate ?date .
}}"""

BEFORE = str(BK.Before)
END_OF = str(BK.EndOf)


@dataclass
class Status:
    """A status statement dated by the text (``bk:statusTime`` an instant)."""

    link: Link
    of: Link
    status: Link


@dataclass
class Entry:
    """One dated thing on the timeline: a milestone, or a dated status statement of its own."""

    link: Link
    of: Link
    year: int
    month: int
    day: int | None  # None: the text gives the month only
    kind: Link | None = None  # the milestone's kind (start, completion …) or the statement's status
    planned: bool | None = None
    qualifier: str = ""  # "before", "end-of" or ""
    as_written: str = ""
    is_status: bool = False
    statuses: list[Status] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    when: str = ""  # the date in the page's language, with its precision and qualifier

    @property
    def anchor(self) -> str:
        return "t-" + self.link.iri.rstrip("/").rsplit("/", 1)[-1]

    @property
    def iso(self) -> str:
        """The date as ISO 8601 at the precision the text gives (for ``<time datetime>`` and JSON)."""
        return f"{self.year:04d}-{self.month:02d}" + (f"-{self.day:02d}" if self.day is not None else "")

    @property
    def latest(self) -> dt.date:
        """The last day the date can mean: the day itself, or the month's last day. The timeline is
        ordered by it, so that "by 3 July" comes before "end of July" and a month stands after its days."""
        if self.day is not None:
            return dt.date(self.year, self.month, self.day)
        return dt.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def sort_key(self) -> tuple[dt.date, int, str]:
        return (self.latest, 1 if self.is_status else 0, self.link.iri)


@dataclass
class Month:
    year: int
    month: int
    title: str
    entries: list[Entry]
    #: Where the report date falls in this month: the number of entries before it, or None.
    report_at: int | None = None


@dataclass
class Timeline:
    months: list[Month]
    report_date: dt.date | None
    report_date_text: str
    entries: list[Entry]
    #: The same entries on a drawn axis (:func:`axis_svg`); the list below it holds everything it shows.
    svg: str = ""

    @property
    def milestones(self) -> list[Entry]:
        return [e for e in self.entries if not e.is_status]

    def as_json(self) -> dict[str, Any]:
        def one(entry: Entry) -> dict[str, Any]:
            return {
                "iri": entry.link.iri, "label": entry.link.name, "type": "status" if entry.is_status else "milestone",
                "date": entry.iso, "precision": "day" if entry.day is not None else "month",
                "qualifier": entry.qualifier or None, "when": entry.when,
                "kind": entry.kind.iri if entry.kind else None, "kind_label": entry.kind.name if entry.kind else None,
                "planned": entry.planned, "as_written": entry.as_written or None,
                "after_report_date": self.report_date is not None and entry.latest > self.report_date,
                "initiative": {"iri": entry.of.iri, "label": entry.of.name, "href": entry.of.href},
                "quotes": [{"iri": q.link.iri, "text": q.text, "begin": q.begin, "end": q.end, "href": q.link.href,
                            "reader": q.reader_href} for q in entry.quotes],
                "statuses": [{"iri": s.link.iri, "label": s.link.name, "status": s.status.iri,
                              "status_label": s.status.name} for s in entry.statuses],
            }
        return {"report_date": self.report_date.isoformat() if self.report_date else None,
                "entries": [one(e) for e in self.entries]}


def _parse_date(value: str) -> tuple[int, int, int | None] | None:
    """``2021-04-05`` or ``2021-04`` (a timezone suffix, which xsd allows, is ignored)."""
    parts = value[:10].split("-")
    try:
        if len(parts) >= 3 and len(value) >= 10:
            return int(parts[0]), int(parts[1]), int(parts[2][:2])
        return int(parts[0]), int(parts[1][:2]), None
    except (ValueError, IndexError):
        return None


#: Babel's locale for each page language: British English writes "5 April 2021", as the data's labels do.
LOCALES = {"zh": "zh", "en": "en_GB"}


def month_title(year: int, month: int, lang: str) -> str:
    return format_skeleton("yMMMM", dt.date(year, month, 1), locale=LOCALES.get(lang, lang))


def day_text(day: dt.date, lang: str) -> str:
    return format_date(day, "long", locale=LOCALES.get(lang, lang))


def when_text(entry: Entry, lang: str) -> str:
    """The date as the report states it: a day or a month, "by …" or "end of …"."""
    if entry.day is not None:
        base = day_text(dt.date(entry.year, entry.month, entry.day), lang)
    else:
        base = month_title(entry.year, entry.month, lang)
    if entry.qualifier == "end-of":
        return translate("timeline.endof", lang, date=base)
    if entry.qualifier == "before" and entry.day is None:
        return translate("timeline.before.month", lang, date=base)
    if entry.qualifier == "before":
        return translate("timeline.before", lang, date=base)
    return base


def build(context: Context) -> Timeline:
    entries: dict[str, Entry] = {}
    for row in context.rows(MILESTONES_QUERY, "every milestone with its date, kind and qualifiers"):
        iri = text(row["ms"])
        parsed = _parse_date(text(row.get("date") or row.get("ym")))
        if parsed is None:
            continue
        entry = entries.get(iri)
        if entry is None:
            entry = entries[iri] = Entry(context.link(iri), context.link(row["of"]), *parsed,
                                         kind=context.maybe(row.get("kind")),
                                         planned=truth(row["planned"]) if "planned" in row else None,
                                         as_written=text(row.get("written")))
        qualifier = text(row.get("qualifier"))
        if qualifier == END_OF:
            entry.qualifier = "end-of"
        elif qualifier == BEFORE and entry.qualifier != "end-of":
            entry.qualifier = "before"
    statuses: dict[str, Entry] = {}
    for row in context.rows(DATED_STATUS_QUERY, "status statements the text dates to a day"):
        iri = text(row["st"])
        parsed = _parse_date(text(row["date"]))
        if parsed is None:
            continue
        status = Status(context.link(iri), context.link(row["of"]), context.link(row["status"]))
        milestone = entries.get(text(row.get("ms")))
        if milestone is not None:
            if all(s.link != status.link for s in milestone.statuses):
                milestone.statuses.append(status)
            continue
        if iri not in statuses:
            statuses[iri] = Entry(status.link, status.of, *parsed, kind=status.status, planned=False,
                                  is_status=True)
    # a statement that also names a milestone in another row was attached there: keep it once
    attached = {s.link.iri for e in entries.values() for s in e.statuses}
    ordered = sorted([*entries.values(), *(e for k, e in statuses.items() if k not in attached)],
                     key=lambda e: e.sort_key)
    report_rows = context.rows(REPORT_DATE_QUERY, "the report date: the end of “up to the report date”")
    report_date = None
    if report_rows:
        parsed = _parse_date(text(report_rows[0]["date"]))
        if parsed is not None and parsed[2] is not None:
            report_date = dt.date(parsed[0], parsed[1], parsed[2])
    context.want_quotes([e.link.iri for e in ordered] + [s.link.iri for e in ordered for s in e.statuses])
    context.resolve()
    lang = context.lang
    months: list[Month] = []
    for entry in ordered:
        entry.quotes = context.quotes_of(entry.link.iri)
        entry.when = when_text(entry, lang)
        if not months or (months[-1].year, months[-1].month) != (entry.year, entry.month):
            months.append(Month(entry.year, entry.month, month_title(entry.year, entry.month, lang), []))
        months[-1].entries.append(entry)
    if report_date is not None:
        key = (report_date.year, report_date.month)
        month = next((m for m in months if (m.year, m.month) == key), None)
        if month is None:
            month = Month(report_date.year, report_date.month, month_title(*key, lang), [])
            months.append(month)
            months.sort(key=lambda m: (m.year, m.month))
        month.report_at = sum(1 for e in month.entries if e.latest <= report_date)
    report_text = day_text(report_date, lang) if report_date else ""
    return Timeline(months, report_date, report_text, ordered, axis_svg(ordered, report_date, report_text, lang))


def axis_svg(entries: list[Entry], report_date: dt.date | None, report_text: str, lang: str) -> str:
    """A time axis with a dot per entry (filled: done, hollow: planned), each a link to its entry in the
    list, and the report date as a line. Its dots are links, so it is ``role="group"`` named by
    ``aria-label``, never ``role="img"`` (which would hide the links from screen readers while they
    still take the focus; see :mod:`bolekg.pages.svg`). It scales to the page's width (``viewBox``), so
    it never makes a phone scroll sideways."""
    if not entries:
        return ""
    first = min(e.latest for e in entries)
    last = max([e.latest for e in entries] + ([report_date] if report_date else []))
    start = dt.date(first.year, first.month, 1)
    end_month = dt.date(last.year, last.month, calendar.monthrange(last.year, last.month)[1])
    span = max((end_month - start).days + 1, 1)
    width, height, left, right, axis_y = 800, 150, 20, 780, 100

    def x(day: dt.date) -> float:
        return left + (right - left) * (day - start).days / span

    label = translate("timeline.axis", lang, n=len(entries), first=month_title(first.year, first.month, lang),
                      last=month_title(last.year, last.month, lang))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" class="timeline-axis" '
             f'role="group" aria-label="{escape(label)}">', f"<title>{escape(label)}</title>",
             f'<line x1="{left}" y1="{axis_y}" x2="{right}" y2="{axis_y}" stroke="#1f3b57" stroke-width="2"/>']
    month = start
    while month <= end_month:
        at = x(month)
        tall = month.month == 1 or month == start
        parts.append(f'<line x1="{at:.1f}" y1="{axis_y}" x2="{at:.1f}" y2="{axis_y + (14 if tall else 7)}" '
                     'stroke="#666" stroke-width="1"/>')
        if tall:
            parts.append(f'<text x="{at + 3:.1f}" y="{axis_y + 34}" font-size="20" fill="#444">{month.year}</text>')
        month = dt.date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    if report_date is not None:
        at = x(report_date)
        parts.append(f'<line x1="{at:.1f}" y1="12" x2="{at:.1f}" y2="{axis_y + 8}" stroke="#b5452b" '
                     'stroke-width="2" stroke-dasharray="5 3"/>')
        marker = translate("timeline.axis.report", lang, date=report_text)
        parts.append(f'<text x="{at + 5:.1f}" y="24" font-size="18" fill="#b5452b">{escape(marker)}</text>')
    stacked: dict[int, int] = {}
    for entry in entries:
        at = x(entry.latest)
        slot = round(at / 14)
        level = stacked[slot] = stacked.get(slot, -1) + 1
        cy = axis_y - 16 - 18 * level
        fill = "#fff" if entry.planned else "#1f3b57"
        parts.append(f'<a href="#{entry.anchor}"><title>{escape(entry.when)} · {escape(entry.link.name)}</title>'
                     f'<circle cx="{at:.1f}" cy="{cy}" r="8" fill="{fill}" stroke="#1f3b57" stroke-width="3"/></a>')
    parts.append("</svg>")
    return "".join(parts)
