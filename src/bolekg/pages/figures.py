"""Tables of figures (``bk:Observation``): one query for all rows, whatever selects them.

Every figure is shown as the report gives it — the value under the property its ``qb:measureType``
names, in the reported unit, with its qualifier (余, 约, 以内…) so an approximate figure never reads
as exact — and with the value normalised to the base unit beside it (docs/ENCODING.md,
"Observations").
"""

from __future__ import annotations

from dataclasses import dataclass

from bolekg.pages.common import Context, Link, Quote
from bolekg.pages.numbers import value_text
from bolekg.services.lookup import text

#: ``%(selection)s`` binds ``?obs`` from bound terms (``VALUES``, or a pattern on a given IRI). The
#: normalised value and unit are two OPTIONALs, not one ``OPTIONAL { ?obs a ?x ; b ?y }``: Oxigraph
#: evaluates a multi-pattern OPTIONAL on its own, for every observation of the store, before joining
#: (even for one figure), and a single pattern it looks up per row.
FIGURES_QUERY = """SELECT ?obs ?measure ?value ?unit ?period ?indicator ?init ?area ?norm ?nunit ?written
       (GROUP_CONCAT(DISTINCT STR(?qualifier); separator=" ") AS ?qualifiers)
WHERE {
  %(selection)s
  ?obs a bk:Observation ; qb:measureType ?measure ; ?measure ?value ;
       sdmx-attribute:unitMeasure ?unit ; sdmx-dimension:refPeriod ?period ;
       bk:indicator ?indicator ; bk:initiative ?init ; sdmx-dimension:refArea ?area .
  OPTIONAL { ?obs bk:normalisedValue ?norm }
  OPTIONAL { ?obs bk:normalisedUnit ?nunit }
  OPTIONAL { ?obs bk:asWritten ?written }
  OPTIONAL { ?obs bk:valueQualifier ?qualifier }
}
GROUP BY ?obs ?measure ?value ?unit ?period ?indicator ?init ?area ?norm ?nunit ?written
ORDER BY ?obs
%(limit)s"""

#: The qualifiers' signs, so that "more than 5834" reads so in a table cell.
QUALIFIER_SIGNS = {"MoreThan": ">", "Approximately": "≈", "AtMost": "≤", "RangeLowerBound": "≥",
                   "RangeUpperBound": "≤", "Before": "<", "EndOf": ""}


@dataclass
class Figure:
    link: Link
    measure: Link
    value: str
    unit: Link
    period: Link
    indicator: Link
    initiative: Link
    area: Link
    normalised: str = ""
    normalised_unit: Link | None = None
    as_written: str = ""
    qualifiers: tuple[Link, ...] = ()
    context: Context | None = None

    @property
    def sign(self) -> str:
        return "".join(QUALIFIER_SIGNS.get(q.short, "") for q in self.qualifiers)

    @property
    def reading(self) -> str:
        """The value as a reader says it (``6万余`` / ``60,000+``): see :mod:`bolekg.pages.numbers`."""
        lang = self.context.lang if self.context else "zh"
        return value_text(self.value, self.unit.iri, (q.iri for q in self.qualifiers), lang, self.unit.name)

    @property
    def normalised_reading(self) -> str:
        """The normalised value in words, or "" where it would only repeat the reading (6万 = 60,000 in
        English) or there is none."""
        if not self.normalised or self.normalised_unit is None:
            return ""
        lang = self.context.lang if self.context else "zh"
        shown = value_text(self.normalised, self.normalised_unit.iri, (), lang, self.normalised_unit.name)
        plain = value_text(self.value, self.unit.iri, (), lang, self.unit.name)
        return "" if shown == plain else shown

    @property
    def quotes(self) -> list[Quote]:
        return self.context.quotes_of(self.link.iri) if self.context else []


def figures(context: Context, selection: str, purpose: str, limit: int | None = None,
            quotes: bool = True) -> list[Figure]:
    """Figures picked by ``selection`` (a graph pattern binding ``?obs`` and the other variables);
    with ``quotes``, their quotes join the page's list of quotes (a place's topics show figures of
    city-wide work in passing, whose quotes are on those initiatives' pages)."""
    query = FIGURES_QUERY % {"selection": selection, "limit": f"LIMIT {int(limit)}" if limit else ""}
    found = []
    for row in context.rows(query, purpose):
        qualifiers = tuple(context.link(q) for q in sorted(text(row.get("qualifiers")).split()) if q)
        nunit = row.get("nunit")
        found.append(Figure(
            link=context.link(row["obs"]), measure=context.link(row["measure"]), value=text(row["value"]),
            unit=context.link(row["unit"]), period=context.link(row["period"]),
            indicator=context.link(row["indicator"]), initiative=context.link(row["init"]),
            area=context.link(row["area"]), normalised=text(row.get("norm")),
            normalised_unit=context.link(nunit) if nunit is not None else None,
            as_written=text(row.get("written")), qualifiers=qualifiers, context=context))
    if quotes:
        context.want_quotes(f.link.iri for f in found)
    return found


def in_report_order(found: list[Figure]) -> list[Figure]:
    """Figures in the order the report gives them (by their first quote), once quotes are resolved."""
    def key(figure: Figure) -> tuple[int, int, str]:
        quotes = figure.quotes
        return (quotes[0].begin, quotes[0].end, figure.link.iri) if quotes else (10**9, 0, figure.link.iri)

    return sorted(found, key=key)
