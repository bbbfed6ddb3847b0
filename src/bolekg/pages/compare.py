"""The comparison page of one indicator (``/compare/<name>``) and the list of indicators (``/compare``).

The figures, their grouping and their base unit come from :mod:`bolekg.services.compare`; this module
turns them into what a page shows: names in the page's language, values read as people read them
(:mod:`bolekg.pages.numbers`), the quote marked inside its sentence, and the same rows as a table to
download (CSV or JSON, :mod:`bolekg.services.tables`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from bolekg.pages.common import Context, Link
from bolekg.pages.numbers import number_text, value_text
from bolekg.report.vocab import INDICATOR
from bolekg.services import compare as service
from bolekg.services import tables
from bolekg.services.lookup import iri_term, text
from bolekg.services.tidy import LANGUAGES, SEPARATOR

#: The columns of the download; those in :data:`LABELLED` get ``_zh`` and ``_en`` beside them.
COLUMNS = ("period", "period_begin", "period_end", "report", "report_id", "place", "measure_type", "value",
           "qualifier", "as_written", "unit", "normalised_value", "normalised_unit", "normalised_precision",
           "normalised_computed", "indicator", "observation", "quote", "quote_text", "sentence", "sentence_text")
#: IRI columns that carry labels in the download (an observation, a quote and a sentence carry text).
LABELLED = ("indicator", "period", "report", "place", "measure_type", "unit", "normalised_unit")


def href(iri: str) -> str:
    """The comparison page of ``iri``: ``/compare/<name>`` for an indicator of the project's namespace,
    ``/compare?indicator=<IRI>`` for any other."""
    prefix = str(INDICATOR)
    name = iri[len(prefix):] if iri.startswith(prefix) else ""
    if name and "/" not in name and "?" not in name and "#" not in name:
        return "/compare/" + name
    return "/compare?" + urlencode({"indicator": iri})


def indicator_of(name: str) -> str:
    """The IRI ``/compare/<name>`` stands for."""
    return str(INDICATOR) + name


@dataclass
class Source:
    quote: Link
    before: str
    marked: str
    after: str
    sentence: Link | None


@dataclass
class Row:
    """One figure of one report, in one period."""

    figure: service.Figure
    observation: Link
    report: Link
    report_id: str
    place: Link
    unit: Link
    base_unit: Link
    reading: str
    base_reading: str
    precision: str
    sources: list[Source]


@dataclass
class PeriodRows:
    period: Link
    begin: date | None
    end: date | None
    rows: list[Row]


@dataclass
class Section:
    measure: Link
    base_unit: Link
    periods: list[PeriodRows]
    count: int
    anchor: str


@dataclass
class ComparePage:
    indicator: Link
    sections: list[Section]
    reports: list[Link]
    #: (indicator, its comparison page), one step up and down ``skos:broader``
    broader: list[tuple[Link, str]]
    narrower: list[tuple[Link, str]]
    queries: list[tuple[str, str]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(s.count for s in self.sections)


def _sources(context: Context, figure: service.Figure) -> list[Source]:
    found = []
    for source in figure.sources:
        sentence = source.sentence_text
        at = sentence.find(source.quote_text) if sentence else -1
        if at < 0:
            before, marked, after = "", source.quote_text, ""
        else:
            before, marked, after = sentence[:at], source.quote_text, sentence[at + len(source.quote_text):]
        found.append(Source(context.link(source.quote), before, marked, after,
                            context.link(source.sentence) if source.sentence else None))
    return found


def _report_link(context: Context, figure: service.Figure) -> Link:
    return context.link(figure.report or figure.graph)


def is_indicator(context: Context, iri: str) -> bool:
    rows = context.rows(f"SELECT (COUNT(*) AS ?n) WHERE {{ {iri_term(iri)} a bk:Indicator }}", "is it an indicator?")
    return bool(rows) and text(rows[0].get("n")) not in ("", "0")


def build(context: Context, indicator: str) -> ComparePage | None:
    """The comparison of ``indicator``; ``None`` when it is not a ``bk:Indicator``."""
    if not is_indicator(context, indicator):
        return None
    found = service.compare(context.lookup, indicator)
    lang = context.lang
    sections = []
    for number, group in enumerate(found.groups, 1):
        base_unit = context.link(group.base_unit)
        periods = []
        for period in group.periods:
            rows = []
            for figure in period.figures:
                unit = context.link(figure.unit)
                rows.append(Row(figure, context.link(figure.observation), _report_link(context, figure),
                                figure.report_id, context.link(figure.place), unit, base_unit, "", "",
                                number_text(figure.precision, lang) if figure.precision is not None else "",
                                _sources(context, figure)))
            periods.append(PeriodRows(context.link(period.period), period.begin, period.end, rows))
        sections.append(Section(context.link(group.measure), base_unit, periods, group.count, f"g{number}"))
    page = ComparePage(context.link(indicator), sections,
                       [context.link(report or graph) for graph, report in found.reports],
                       [(context.link(i), href(i)) for i in found.broader],
                       [(context.link(i), href(i)) for i in found.narrower],
                       context.queries)
    context.resolve()
    # readings need the units' names (a unit numbers.py does not know reads with its label)
    for section in sections:
        for shown in section.periods:
            for row in shown.rows:
                f = row.figure
                row.reading = value_text(f.value, f.unit, f.qualifiers, lang, row.unit.name)
                row.base_reading = value_text(f.normalised, f.base_unit, f.qualifiers, lang, row.base_unit.name)
    return page


@dataclass
class IndicatorEntry:
    link: Link
    href: str
    reports: int
    figures: int


def listing(context: Context) -> list[IndicatorEntry]:
    """Every indicator with a figure in some report, those in most reports first, then by name."""
    found = [IndicatorEntry(context.link(iri), href(iri), reports, count)
             for iri, (reports, count) in service.indicators(context.lookup).items()]
    context.resolve()
    found.sort(key=lambda e: (-e.reports, e.link.name, e.link.iri))
    return found


def table(context: Context, indicator: str) -> tables.Table | None:
    """The comparison as a download: one row per figure, in the page's order."""
    page = build(context, indicator)
    if page is None:
        return None
    rows = []
    lookup = context.lookup
    for section in page.sections:
        for shown in section.periods:
            for row in shown.rows:
                f = row.figure
                sources = f.sources
                rows.append({
                    "indicator": indicator, "period": f.period,
                    "period_begin": f.begin.isoformat() if f.begin else "",
                    "period_end": f.end.isoformat() if f.end else "",
                    "report": f.report or f.graph, "report_id": f.report_id, "place": f.place,
                    "measure_type": f.measure, "value": str(f.value),
                    "qualifier": SEPARATOR.join(f.qualifiers), "as_written": f.as_written, "unit": f.unit,
                    "normalised_value": str(f.normalised), "normalised_unit": f.base_unit,
                    "normalised_precision": str(f.precision) if f.precision is not None else "",
                    "normalised_computed": "true" if f.computed else "false",
                    "observation": f.observation,
                    "quote": SEPARATOR.join(s.quote for s in sources),
                    "quote_text": SEPARATOR.join(s.quote_text for s in sources),
                    "sentence": SEPARATOR.join(s.sentence for s in sources),
                    "sentence_text": SEPARATOR.join(s.sentence_text for s in sources),
                })
    lookup.labels({row[c] for row in rows for c in LABELLED if row[c]})
    for found in rows:
        for column in LABELLED:
            for code in LANGUAGES:
                found[f"{column}_{code}"] = (lookup.names.get(found[column]) or {}).get(code, "")
    columns = [*COLUMNS, *(f"{c}_{code}" for c in LABELLED for code in LANGUAGES)]
    name = tables.slug("bolekg", "compare", text_name(indicator))
    return tables.Table(name, context.lang, tables.ordered(columns, context.lang), rows)


def text_name(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1]

