"""The indicator dashboard: target against actual, and the share of plan the report states, per item.

Target and actual are paired only when the report gives exactly one target and one actual figure
(wholes, not parts) of the same indicator for the same initiative. Their percentage is the report's own
share of plan (``bk:shareOfPlan``) whenever the report states one for that target or actual; otherwise
it is computed only when both figures are exact (no 余, 约, 以内…) and in the same unit after
normalising (``bk:normalisedValue``). Never 6 ÷ 139 294, never 60 000 ÷ 139 294 when the report says
6万余: a pair without either shows its figures and no percentage (issue 18).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from bolekg.i18n import translate
from bolekg.pages.common import Context, Link
from bolekg.pages.numbers import is_exact, percent_text, value_text
from bolekg.pages.svg import Bar, bar_chart_svg
from bolekg.services.lookup import number, text

PAIRS_QUERY = """SELECT ?init ?ind ?t ?tv ?tn ?tu ?tnu ?tp ?a ?av ?an ?au ?anu ?ap ?tq ?aq WHERE {
  #report ?t ?a
  ?t qb:measureType bk:target ; bk:target ?tv ; bk:indicator ?ind ; bk:initiative ?init ;
     sdmx-attribute:unitMeasure ?tu ; sdmx-dimension:refPeriod ?tp .
  ?a qb:measureType bk:actual ; bk:actual ?av ; bk:indicator ?ind ; bk:initiative ?init ;
     sdmx-attribute:unitMeasure ?au ; sdmx-dimension:refPeriod ?ap .
  FILTER NOT EXISTS { ?t bk:partOf ?whole1 }
  FILTER NOT EXISTS { ?a bk:partOf ?whole2 }
  OPTIONAL { ?t bk:normalisedValue ?tn ; bk:normalisedUnit ?tnu }
  OPTIONAL { ?a bk:normalisedValue ?an ; bk:normalisedUnit ?anu }
  OPTIONAL { ?t bk:valueQualifier ?tq }
  OPTIONAL { ?a bk:valueQualifier ?aq }
} ORDER BY ?init ?ind"""

SHARES_QUERY = """SELECT ?obs ?value ?init ?ind ?period ?of_target ?of_actual WHERE {
  #report ?obs
  ?obs qb:measureType bk:shareOfPlan ; bk:shareOfPlan ?value ; bk:initiative ?init ; bk:indicator ?ind ;
       sdmx-dimension:refPeriod ?period .
  OPTIONAL { ?obs bk:targetObservation ?of_target }
  OPTIONAL { ?obs bk:actualObservation ?of_actual }
} ORDER BY ?init ?obs"""

ITEMS_QUERY = """SELECT ?init ?item ?notation WHERE {
  VALUES ?init { %s }
  ?init bk:partOfInitiative* ?item . ?item a bk:Item ; skos:notation ?notation .
}"""

PER_ITEM_QUERY = """SELECT ?item ?notation (COUNT(DISTINCT ?obs) AS ?n) WHERE {
  #report ?item
  ?item a bk:Item ; skos:notation ?notation .
  OPTIONAL { ?obs a bk:Observation ; bk:initiative/bk:partOfInitiative* ?item }
} GROUP BY ?item ?notation"""


@dataclass
class Pair:
    """A target and an actual figure of one indicator, each already worded for the page's language;
    ``percent`` is None where neither the report gives a share nor exact figures allow one, and
    ``percent_text`` is the report's own digits when it gives them (43.37%, not 43.4%)."""

    initiative: Link
    item: Link | None
    indicator: Link
    target: Link
    target_value: str
    target_unit: Link
    actual: Link
    actual_value: str
    actual_unit: Link
    percent: float | None
    period: Link
    target_text: str = ""
    actual_text: str = ""
    percent_text: str = ""
    share: Link | None = None  # the report's bk:shareOfPlan observation, when the percentage is its own


@dataclass
class Share:
    link: Link
    value: float
    initiative: Link
    item: Link | None
    indicator: Link
    period: Link
    text: str = ""
    of_target: str = ""
    of_actual: str = ""


@dataclass
class Dashboard:
    pairs: list[Pair]
    shares: list[Share]
    per_item: list[tuple[str, Link, int]]
    pairs_svg: str
    shares_svg: str


def limited(query: str, graph: str | None) -> str:
    """``query`` with its ``#report ?x ?y`` line kept to the things ``graph`` (a report's) states, or
    dropped (every report) when ``graph`` is ``None``."""
    lines = []
    for line in query.splitlines():
        if line.strip().startswith("#report"):
            if graph is None:
                continue
            typed = " . ".join(f"{v} a ?reportTyped{i}" for i, v in enumerate(line.split()[1:]))
            line = f"  GRAPH <{graph}> {{ {typed} }}"
        lines.append(line)
    return "\n".join(lines)


def _key(notation: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in notation.split("."))


def _items(context: Context, initiatives: set[str]) -> dict[str, tuple[str, str]]:
    if not initiatives:
        return {}
    from bolekg.services.lookup import iri_term

    rows = context.rows(ITEMS_QUERY % " ".join(iri_term(i) for i in sorted(initiatives)),
                        "the item each initiative belongs to")
    return {text(r["init"]): (text(r["item"]), text(r["notation"])) for r in rows}


def pairs(context: Context, given: list[Share] | None = None, graph: str | None = None) -> list[Pair]:
    """Target/actual pairs; ``given`` are the report's shares of plan, matched to a pair through the
    target or actual observation they name (``bk:targetObservation``, ``bk:actualObservation``)."""
    rows = context.rows(limited(PAIRS_QUERY, graph),
                        "target and actual figures of the same indicator for the same initiative")
    by_key: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        by_key.setdefault((text(row["init"]), text(row["ind"])), []).append(row)
    items = _items(context, {k[0] for k in by_key})
    by_observation: dict[str, Share] = {}
    for stated in given or []:
        for observation in (stated.of_target, stated.of_actual):
            if observation:
                by_observation.setdefault(observation, stated)
    lang = context.lang
    found = []
    for (init, ind), group in by_key.items():
        if len({text(r["t"]) for r in group}) != 1 or len({text(r["a"]) for r in group}) != 1:
            continue  # several targets or actuals: no single pair to compare
        row = group[0]
        target_marks = sorted({text(r["tq"]) for r in group if r.get("tq") is not None})
        actual_marks = sorted({text(r["aq"]) for r in group if r.get("aq") is not None})
        target = number(row.get("tn")) if "tn" in row else number(row["tv"])
        actual = number(row.get("an")) if "an" in row else number(row["av"])
        target_unit = text(row.get("tnu") or row["tu"])
        actual_unit = text(row.get("anu") or row["au"])
        if target is None or actual is None or not target or target_unit != actual_unit:
            continue
        share = by_observation.get(text(row["t"])) or by_observation.get(text(row["a"]))
        percent: float | None = None
        percent_words = ""
        if share is not None:
            percent, percent_words = share.value, share.text
        elif is_exact(target_marks) and is_exact(actual_marks):
            computed = round(Decimal(100) * actual / target, 1)
            percent, percent_words = float(computed), percent_text(computed, lang)
        item = items.get(init)
        target_link, actual_link = context.link(row["tu"]), context.link(row["au"])
        found.append(Pair(
            context.link(init), context.link(item[0]) if item else None, context.link(ind),
            context.link(row["t"]), text(row["tv"]), target_link,
            context.link(row["a"]), text(row["av"]), actual_link,
            percent, context.link(row["ap"]),
            value_text(text(row["tv"]), text(row["tu"]), target_marks, lang, target_link.name),
            value_text(text(row["av"]), text(row["au"]), actual_marks, lang, actual_link.name),
            percent_words, share.link if share is not None else None))
    order = {init: _key(n) for init, (_, n) in items.items()}
    return sorted(found, key=lambda p: (order.get(p.initiative.iri, (99,)), p.initiative.iri, p.indicator.iri))


def shares(context: Context, graph: str | None = None) -> list[Share]:
    rows = context.rows(limited(SHARES_QUERY, graph), "every share of plan the report states")
    items = _items(context, {text(r["init"]) for r in rows})
    found = [Share(context.link(r["obs"]), float(number(r["value"]) or 0), context.link(r["init"]),
                   context.link(items[text(r["init"])][0]) if text(r["init"]) in items else None,
                   context.link(r["ind"]), context.link(r["period"]), percent_text(text(r["value"]), context.lang),
                   text(r.get("of_target")) if r.get("of_target") is not None else "",
                   text(r.get("of_actual")) if r.get("of_actual") is not None else "")
             for r in rows]
    order = {init: _key(n) for init, (_, n) in items.items()}
    return sorted(found, key=lambda s: (order.get(s.initiative.iri, (99,)), s.link.iri))


def per_item(context: Context, graph: str | None = None) -> list[tuple[str, Link, int]]:
    rows = context.rows(limited(PER_ITEM_QUERY, graph), "how many figures each item has")
    found = [(text(r["notation"]), context.link(r["item"]), int(text(r["n"]))) for r in rows]
    return sorted(found, key=lambda e: _key(e[0]))


def build(context: Context, graph: str | None = None) -> Dashboard:
    """The dashboard of every report, or with ``graph`` of the one report whose graph it is."""
    found_shares = shares(context, graph)
    found_pairs, counts = pairs(context, found_shares, graph), per_item(context, graph)
    context.want_quotes([p.target.iri for p in found_pairs] + [p.actual.iri for p in found_pairs]
                        + [s.link.iri for s in found_shares])
    context.resolve()
    lang = context.lang
    pair_bars = [Bar(f"{p.indicator.name} · {p.initiative.name}" if p.item and p.item != p.initiative
                     else p.indicator.name, p.percent, p.initiative.href,
                     f"{p.item.name}" if p.item else "", f"{p.actual_text} / {p.target_text}",
                     value_text=p.percent_text)
                 for p in found_pairs if p.percent is not None]
    share_bars = [Bar(s.indicator.name if s.item == s.initiative else f"{s.indicator.name} · {s.initiative.name}",
                      s.value, s.link.href, s.item.name if s.item else "", value_text=s.text) for s in found_shares]
    return Dashboard(
        found_pairs, found_shares, counts,
        bar_chart_svg(pair_bars, translate("dash.target_actual", lang),
                      translate("dash.chart.ta.alt", lang, n=len(pair_bars)), "chart-ta", lang=lang),
        bar_chart_svg(share_bars, translate("dash.share", lang),
                      translate("dash.chart.share.alt", lang, n=len(share_bars)), "chart-share", lang=lang),
    )
