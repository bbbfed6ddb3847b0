"""The indicator dashboard: target against actual, and the share of plan the report states, per item.

Target and actual are paired only when the report gives exactly one target and one actual figure
(wholes, not parts) of the same indicator for the same initiative, and they are compared after
normalising both to the base unit (``bk:normalisedValue``), never across different units. The
share of plan is the report's own percentage (``bk:shareOfPlan``), not recomputed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from bolekg.i18n import translate
from bolekg.pages.common import Context, Link
from bolekg.pages.svg import Bar, bar_chart_svg
from bolekg.services.lookup import number, text

PAIRS_QUERY = """SELECT ?init ?ind ?t ?tv ?tn ?tu ?tnu ?tp ?a ?av ?an ?au ?anu ?ap WHERE {
  ?t qb:measureType bk:target ; bk:target ?tv ; bk:indicator ?ind ; bk:initiative ?init ;
     sdmx-attribute:unitMeasure ?tu ; sdmx-dimension:refPeriod ?tp .
  ?a qb:measureType bk:actual ; bk:actual ?av ; bk:indicator ?ind ; bk:initiative ?init ;
     sdmx-attribute:unitMeasure ?au ; sdmx-dimension:refPeriod ?ap .
  FILTER NOT EXISTS { ?t bk:partOf ?whole1 }
  FILTER NOT EXISTS { ?a bk:partOf ?whole2 }
  OPTIONAL { ?t bk:normalisedValue ?tn ; bk:normalisedUnit ?tnu }
  OPTIONAL { ?a bk:normalisedValue ?an ; bk:normalisedUnit ?anu }
} ORDER BY ?init ?ind"""

SHARES_QUERY = """SELECT ?obs ?value ?init ?ind ?period WHERE {
  ?obs qb:measureType bk:shareOfPlan ; bk:shareOfPlan ?value ; bk:initiative ?init ; bk:indicator ?ind ;
       sdmx-dimension:refPeriod ?period .
} ORDER BY ?init ?obs"""

ITEMS_QUERY = """SELECT ?init ?item ?notation WHERE {
  VALUES ?init { %s }
  ?init bk:partOfInitiative* ?item . ?item a bk:Item ; skos:notation ?notation .
}"""

PER_ITEM_QUERY = """SELECT ?item ?notation (COUNT(DISTINCT ?obs) AS ?n) WHERE {
  ?item a bk:Item ; skos:notation ?notation .
  OPTIONAL { ?obs a bk:Observation ; bk:initiative/bk:partOfInitiative* ?item }
} GROUP BY ?item ?notation"""


@dataclass
class Pair:
    initiative: Link
    item: Link | None
    indicator: Link
    target: Link
    target_value: str
    target_unit: Link
    actual: Link
    actual_value: str
    actual_unit: Link
    percent: float
    period: Link


@dataclass
class Share:
    link: Link
    value: float
    initiative: Link
    item: Link | None
    indicator: Link
    period: Link


@dataclass
class Dashboard:
    pairs: list[Pair]
    shares: list[Share]
    per_item: list[tuple[str, Link, int]]
    pairs_svg: str
    shares_svg: str


def _key(notation: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in notation.split("."))


def _items(context: Context, initiatives: set[str]) -> dict[str, tuple[str, str]]:
    if not initiatives:
        return {}
    from bolekg.services.lookup import iri_term

    rows = context.rows(ITEMS_QUERY % " ".join(iri_term(i) for i in sorted(initiatives)),
                        "the item each initiative belongs to")
    return {text(r["init"]): (text(r["item"]), text(r["notation"])) for r in rows}


def pairs(context: Context) -> list[Pair]:
    rows = context.rows(PAIRS_QUERY, "target and actual figures of the same indicator for the same initiative")
    by_key: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        by_key.setdefault((text(row["init"]), text(row["ind"])), []).append(row)
    items = _items(context, {k[0] for k in by_key})
    found = []
    for (init, ind), group in by_key.items():
        if len({text(r["t"]) for r in group}) != 1 or len({text(r["a"]) for r in group}) != 1:
            continue  # several targets or actuals: no single pair to compare
        row = group[0]
        target = number(row.get("tn")) if "tn" in row else number(row["tv"])
        actual = number(row.get("an")) if "an" in row else number(row["av"])
        target_unit = text(row.get("tnu") or row["tu"])
        actual_unit = text(row.get("anu") or row["au"])
        if target is None or actual is None or not target or target_unit != actual_unit:
            continue
        item = items.get(init)
        found.append(Pair(
            context.link(init), context.link(item[0]) if item else None, context.link(ind),
            context.link(row["t"]), text(row["tv"]), context.link(row["tu"]),
            context.link(row["a"]), text(row["av"]), context.link(row["au"]),
            float(round(Decimal(100) * actual / target, 1)), context.link(row["ap"])))
    order = {init: _key(n) for init, (_, n) in items.items()}
    return sorted(found, key=lambda p: (order.get(p.initiative.iri, (99,)), p.initiative.iri, p.indicator.iri))


def shares(context: Context) -> list[Share]:
    rows = context.rows(SHARES_QUERY, "every share of plan the report states")
    items = _items(context, {text(r["init"]) for r in rows})
    found = [Share(context.link(r["obs"]), float(number(r["value"]) or 0), context.link(r["init"]),
                   context.link(items[text(r["init"])][0]) if text(r["init"]) in items else None,
                   context.link(r["ind"]), context.link(r["period"])) for r in rows]
    order = {init: _key(n) for init, (_, n) in items.items()}
    return sorted(found, key=lambda s: (order.get(s.initiative.iri, (99,)), s.link.iri))


def per_item(context: Context) -> list[tuple[str, Link, int]]:
    rows = context.rows(PER_ITEM_QUERY, "how many figures each item has")
    found = [(text(r["notation"]), context.link(r["item"]), int(text(r["n"]))) for r in rows]
    return sorted(found, key=lambda e: _key(e[0]))


def build(context: Context) -> Dashboard:
    found_pairs, found_shares, counts = pairs(context), shares(context), per_item(context)
    context.want_quotes([p.target.iri for p in found_pairs] + [p.actual.iri for p in found_pairs]
                        + [s.link.iri for s in found_shares])
    context.resolve()
    lang = context.lang
    pair_bars = [Bar(f"{p.indicator.name} · {p.initiative.name}" if p.item and p.item != p.initiative
                     else p.indicator.name, p.percent, p.initiative.href,
                     f"{p.item.name}" if p.item else "", f"({p.actual_value} / {p.target_value} {p.target_unit.name})")
                 for p in found_pairs]
    share_bars = [Bar(s.indicator.name if s.item == s.initiative else f"{s.indicator.name} · {s.initiative.name}",
                      s.value, s.link.href, s.item.name if s.item else "") for s in found_shares]
    return Dashboard(
        found_pairs, found_shares, counts,
        bar_chart_svg(pair_bars, translate("dash.target_actual", lang),
                      translate("dash.chart.ta.alt", lang, n=len(pair_bars)), "chart-ta"),
        bar_chart_svg(share_bars, translate("dash.share", lang),
                      translate("dash.chart.share.alt", lang, n=len(share_bars)), "chart-share"),
    )
