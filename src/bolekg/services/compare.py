"""One indicator across reports: every figure of it in every report's graph, in one unit, by period.

Researchers compare reports of this kind by indicator: how many attendances at vocational training
Bole City reported for the first half of 2021, and another report for the same or another period. This
module reads those figures with the named query ``queries/compare-indicator.rq`` (one query, whatever
the number of reports) and their source sentences with one more, and puts each value in its base unit:

- **What is compared**: the figures whose ``bk:indicator`` is the indicator itself, in any graph under
  ``graph/report/`` (:data:`bolekg.report.reports.REPORT_GRAPH_PREFIX`). Figures of a narrower
  indicator (``skos:broader``) are left out: they count a part or a kind of the thing (the training of
  enterprise employees within all vocational training; investment within spending), and mixing them
  in would set a part beside its whole as if they were the same quantity. The page links them instead.
- **Never a target beside an actual as if alike**: figures are grouped by measure type first
  (``qb:measureType``: target, actual, share of plan, rate, change, rank) and by base unit within it, so a
  group holds one kind of number in one unit (:attr:`Comparison.groups`).
- **One unit**: a figure's base unit is its ``bk:normalisedUnit`` where the data states one (every unit
  that scales, docs/ENCODING.md "Observations"), else its unit's ``qudt:scalingOf``, else its unit
  itself (a percentage stays a percentage, a count a count). Its value in that unit is
  ``bk:normalisedValue`` as stated, with ``bk:normalisedPrecision`` where that is rounded; where the data
  states none for a unit that scales (a graph not yet through the gate), it is computed here from the
  unit's ``qudt:conversionMultiplier`` and said to be (:attr:`Figure.computed`), rounded to
  :data:`COMPUTED_STEP` where the product has more decimals.
- **Aligned by period**: periods are shared by reference (``period:2021-h1`` is the same resource in
  every report), so the figures of one period in several reports meet under one heading. Periods are
  ordered by their first day, then their last; a period whose start is not stated
  (``period:to-report``: 截至目前) comes after those with one (:func:`period_key`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cache
from pathlib import Path

from bolekg.report.reports import REPORT_GRAPH_PREFIX, report_id_of
from bolekg.report.vocab import BK
from bolekg.services.lookup import Lookup, iri_term, number, text

COMPARE_FILE = Path(__file__).resolve().parents[1] / "queries" / "compare-indicator.rq"
#: The measure types in the order a comparison shows them (docs/ENCODING.md "Observations").
MEASURES = tuple(str(BK[name]) for name in ("target", "actual", "shareOfPlan", "rate", "change", "rank"))
#: The step a normalised value computed here is rounded to, where the product has more decimals
#: (the data's own rule for bk:normalisedValue: "rounded to 2 decimals").
COMPUTED_STEP = Decimal("0.01")

SOURCES_QUERY = """SELECT ?obs ?quote ?quote_text ?begin ?sentence ?sentence_text WHERE {
  VALUES ?obs { %s }
  ?obs bk:evidence ?quote .
  ?quote nif:anchorOf ?quote_text .
  OPTIONAL { ?quote nif:beginIndex ?begin }
  OPTIONAL { ?quote nif:sentence ?sentence }
  OPTIONAL { ?quote nif:sentence/nif:anchorOf ?sentence_text }
}"""

INDICATORS_QUERY = """SELECT ?indicator (COUNT(DISTINCT ?graph) AS ?reports) (COUNT(DISTINCT ?obs) AS ?figures)
WHERE {
  GRAPH ?graph { ?obs bk:indicator ?indicator }
  FILTER(STRSTARTS(STR(?graph), %s))
}
GROUP BY ?indicator"""

RELATED_QUERY = """SELECT ?related ?how WHERE {
  { %(iri)s skos:broader ?related . BIND("broader" AS ?how) }
  UNION
  { ?related skos:broader %(iri)s . BIND("narrower" AS ?how) }
}"""


@cache
def compare_text() -> str:
    """The named query as written, comments included."""
    found = COMPARE_FILE.read_text(encoding="utf-8")
    if f'"{REPORT_GRAPH_PREFIX}"' not in found:
        raise ValueError(f"{COMPARE_FILE}: the report graphs' prefix is not {REPORT_GRAPH_PREFIX}")
    return found


def compare_query(indicator: str) -> str:
    """The named query for ``indicator`` (an IRI written in for ``?indicator``)."""
    lines = [line for line in compare_text().splitlines() if not line.startswith("#")]
    return "\n".join(lines).replace("?indicator", iri_term(indicator))


@dataclass(frozen=True)
class Source:
    """The quote a figure rests on and the sentence it lies in."""

    quote: str
    quote_text: str
    begin: int
    sentence: str = ""
    sentence_text: str = ""


@dataclass
class Figure:
    """One figure of the indicator in one report, as reported and in its base unit."""

    observation: str
    graph: str
    report: str
    measure: str
    value: Decimal
    unit: str
    place: str
    period: str
    begin: date | None
    end: date | None
    normalised: Decimal
    base_unit: str
    precision: Decimal | None = None
    computed: bool = False
    as_written: str = ""
    qualifiers: tuple[str, ...] = ()
    sources: list[Source] = field(default_factory=list)

    @property
    def report_id(self) -> str:
        return report_id_of(self.graph) or ""


@dataclass
class PeriodGroup:
    """The figures of one period, in report then place order."""

    period: str
    begin: date | None
    end: date | None
    figures: list[Figure]


@dataclass
class Group:
    """Figures of one measure type in one base unit, by period."""

    measure: str
    base_unit: str
    periods: list[PeriodGroup]

    @property
    def count(self) -> int:
        return sum(len(p.figures) for p in self.periods)


@dataclass
class Comparison:
    indicator: str
    groups: list[Group]
    #: every report with a figure of the indicator: (graph, report resource or "")
    reports: list[tuple[str, str]]
    broader: list[str]
    narrower: list[str]

    @property
    def figures(self) -> list[Figure]:
        return [f for g in self.groups for p in g.periods for f in p.figures]


def _date(term: object) -> date | None:
    try:
        return date.fromisoformat(text(term)[:10]) if term is not None else None  # type: ignore[arg-type]
    except ValueError:
        return None


def base_value(value: Decimal, unit: str, stated: Decimal | None, stated_unit: str, precision: Decimal | None,
               scaling: str, multiplier: Decimal | None) -> tuple[Decimal, str, Decimal | None, bool]:
    """(value in the base unit, base unit, rounding step or None, computed here?) of one figure."""
    if stated is not None and stated_unit:
        return stated, stated_unit, precision, False
    if scaling and multiplier is not None:
        product = value * multiplier
        rounded = product.quantize(COMPUTED_STEP, rounding=ROUND_HALF_EVEN)
        if rounded == product:
            return product, scaling, None, True
        return rounded, scaling, COMPUTED_STEP, True
    return value, unit, None, False


def period_key(period: str, begin: date | None, end: date | None) -> tuple[int, date, date, str]:
    """Periods by first day, then last day; a period with no stated start after those with one."""
    return (begin is None, begin or date.max, end or date.max, period)


def _measure_rank(measure: str) -> tuple[int, str]:
    return (MEASURES.index(measure) if measure in MEASURES else len(MEASURES), measure)


def figures(lookup: Lookup, indicator: str) -> list[Figure]:
    """Every figure of ``indicator`` in every report graph, with its sources (two queries)."""
    found: list[Figure] = []
    for row in lookup.rows(compare_query(indicator), "every figure of this indicator in every report "
                                                     "(the named query compare-indicator.rq)"):
        value = number(row["value"])
        if value is None:
            continue
        unit = text(row["unit"])
        normalised, base, precision, computed = base_value(
            value, unit, number(row.get("norm")), text(row.get("nunit")), number(row.get("precision")),
            text(row.get("scaling")), number(row.get("multiplier")))
        found.append(Figure(
            observation=text(row["obs"]), graph=text(row["graph"]), report=text(row.get("report")),
            measure=text(row["measure"]), value=value, unit=unit, place=text(row["area"]),
            period=text(row["period"]), begin=_date(row.get("begin")), end=_date(row.get("end")),
            normalised=normalised, base_unit=base, precision=precision, computed=computed,
            as_written=text(row.get("written")),
            qualifiers=tuple(sorted(q for q in text(row.get("qualifiers")).split() if q))))
    _add_sources(lookup, found)
    return found


def _add_sources(lookup: Lookup, found: list[Figure]) -> None:
    if not found:
        return
    iris = sorted({f.observation for f in found})
    # one IRI twice: Virtuoso 7.2 folds a one-row VALUES into a constant (bolekg.pages.tables._values)
    terms = " ".join(iri_term(i) for i in iris * (2 if len(iris) == 1 else 1))
    by_obs: dict[str, dict[str, Source]] = {}
    for row in lookup.rows(SOURCES_QUERY % terms, "the quote behind each figure and the sentence it lies in"):
        begin = number(row.get("begin"))
        source = Source(text(row["quote"]), text(row["quote_text"]), int(begin) if begin is not None else 0,
                        text(row.get("sentence")), text(row.get("sentence_text")))
        by_obs.setdefault(text(row["obs"]), {})[source.quote] = source
    for figure in found:
        figure.sources = sorted(by_obs.get(figure.observation, {}).values(), key=lambda s: (s.begin, s.quote))


def arrange(indicator: str, found: Iterable[Figure], broader: list[str] | None = None,
            narrower: list[str] | None = None, report_order: dict[str, int] | None = None) -> Comparison:
    """``found`` grouped by measure type and base unit, then by period; within a period, by report
    (``report_order``, else the graph's name), place and observation."""
    order = report_order or {}
    groups: dict[tuple[str, str], dict[str, list[Figure]]] = {}
    for figure in found:
        groups.setdefault((figure.measure, figure.base_unit), {}).setdefault(figure.period, []).append(figure)
    arranged = []
    for (measure, base), periods in sorted(groups.items(), key=lambda item: (_measure_rank(item[0][0]), item[0][1])):
        rows = []
        for period, members in periods.items():
            members.sort(key=lambda f: (order.get(f.graph, len(order)), f.graph, f.place, f.observation))
            rows.append(PeriodGroup(period, members[0].begin, members[0].end, members))
        rows.sort(key=lambda p: period_key(p.period, p.begin, p.end))
        arranged.append(Group(measure, base, rows))
    reports: dict[str, str] = {}
    for figure in found:
        reports.setdefault(figure.graph, figure.report)
    listed = sorted(reports.items(), key=lambda item: (order.get(item[0], len(order)), item[0]))
    return Comparison(indicator, arranged, listed, sorted(broader or []), sorted(narrower or []))


def related(lookup: Lookup, indicator: str) -> tuple[list[str], list[str]]:
    """(broader, narrower) indicators of ``indicator`` (``skos:broader``, one step each way)."""
    up: list[str] = []
    down: list[str] = []
    for row in lookup.rows(RELATED_QUERY % {"iri": iri_term(indicator)}, "the broader and narrower indicators"):
        (up if text(row["how"]) == "broader" else down).append(text(row["related"]))
    return sorted(set(up)), sorted(set(down))


def compare(lookup: Lookup, indicator: str) -> Comparison:
    """The comparison of ``indicator`` across every report in the store."""
    broader, narrower = related(lookup, indicator)
    return arrange(indicator, figures(lookup, indicator), broader, narrower)


def indicators(lookup: Lookup) -> dict[str, tuple[int, int]]:
    """Every indicator with a figure in some report: IRI → (reports, figures)."""
    query = INDICATORS_QUERY % f'"{REPORT_GRAPH_PREFIX}"'
    return {text(r["indicator"]): (int(text(r["reports"])), int(text(r["figures"])))
            for r in lookup.rows(query, "the indicators with figures, and in how many reports")}
