"""Every figure of the report as tidy CSV: one row per observation, one column per variable.

"Tidy" in Wickham's sense (Tidy Data, J. Stat. Software 59(10), 2014), so that
``pandas.read_csv(url)`` or ``readr::read_csv(url)`` gives an analysis-ready table. The rows come
from one SPARQL query over the union graph, written by pyoxigraph's SPARQL 1.1 CSV serialiser
(https://www.w3.org/TR/sparql11-results-csv-tsv/ §2: IRIs bare, literals as their lexical form).

Columns follow the model in ``docs/ENCODING.md``: the value is the one stored under the property
its ``qb:measureType`` names, as reported and in the reported unit; the normalised value sits next
to it. Agencies are reported with their basis — ``figure`` (the text attributes the figure),
``stated`` (the report names the responsible agency) or ``attributed`` (an editorial inference) —
so an inference never reads as a statement. Several values of one column are joined with ``|``.

The item and the project are found from the observation (``bk:initiative/bk:partOfInitiative*``), not
in an OPTIONAL nested in another: Oxigraph evaluates a nested OPTIONAL's path for every node before
the join, which made the table's cost grow with the whole store instead of with its figures (bench/run.py).
"""

from __future__ import annotations

from bolekg.formats import CSV
from bolekg.report.vocab import sparql_prefixes
from bolekg.store import GraphStore

COLUMNS = (
    "observation", "item", "project", "indicator", "measure_type", "value", "as_written", "qualifier",
    "unit", "normalised_value", "normalised_unit", "period", "place", "agency", "agency_basis",
    "source_quote",
)

OBSERVATIONS_QUERY = "\n" + sparql_prefixes("bk", "qb", "prov", "nif", "sdmx-attribute", "sdmx-dimension") + """\
SELECT ?observation
  (SAMPLE(?item_) AS ?item) (SAMPLE(?project_) AS ?project) (SAMPLE(?indicator_) AS ?indicator)
  (SAMPLE(?measure_) AS ?measure_type) (SAMPLE(?value_) AS ?value) (SAMPLE(?written) AS ?as_written)
  (GROUP_CONCAT(DISTINCT ?qualifier_; separator="|") AS ?qualifier)
  (SAMPLE(?unit_) AS ?unit) (SAMPLE(?normalised) AS ?normalised_value)
  (SAMPLE(?normalisedUnit) AS ?normalised_unit)
  (SAMPLE(?period_) AS ?period) (SAMPLE(?place_) AS ?place)
  (GROUP_CONCAT(DISTINCT STR(?agency_); separator="|") AS ?agency)
  (SAMPLE(?basis) AS ?agency_basis)
  (GROUP_CONCAT(DISTINCT ?quote; separator="|") AS ?source_quote)
WHERE {
  ?observation a bk:Observation ; qb:measureType ?measure .
  ?observation ?measure ?value_ .
  BIND(STRAFTER(STR(?measure), STR(bk:)) AS ?measure_)
  OPTIONAL { ?observation bk:indicator ?indicator_ }
  OPTIONAL { ?observation bk:asWritten ?written }
  OPTIONAL { ?observation bk:valueQualifier ?q . BIND(STRAFTER(STR(?q), STR(bk:)) AS ?qualifier_) }
  OPTIONAL { ?observation sdmx-attribute:unitMeasure ?unit_ }
  OPTIONAL { ?observation bk:normalisedValue ?normalised }
  OPTIONAL { ?observation bk:normalisedUnit ?normalisedUnit }
  OPTIONAL { ?observation sdmx-dimension:refPeriod ?period_ }
  OPTIONAL { ?observation sdmx-dimension:refArea ?place_ }
  OPTIONAL { ?observation bk:evidence/nif:anchorOf ?quote }
  OPTIONAL { ?observation bk:initiative/bk:partOfInitiative* ?item_ . ?item_ a bk:Item }
  OPTIONAL { ?observation bk:initiative ?project_ . FILTER NOT EXISTS { ?project_ a bk:Item } }
  OPTIONAL { ?observation prov:wasAttributedTo ?byFigure }
  OPTIONAL { ?observation bk:initiative/bk:partOfInitiative* ?i2 . ?i2 bk:responsibleAgency ?stated }
  OPTIONAL { ?observation bk:initiative/bk:partOfInitiative* ?i3 . ?i3 bk:attributedAgency ?attributed }
  BIND(COALESCE(?byFigure, ?stated, ?attributed) AS ?agency_)
  BIND(IF(BOUND(?byFigure), "figure", IF(BOUND(?stated), "stated", IF(BOUND(?attributed), "attributed", "")))
       AS ?basis)
}
GROUP BY ?observation
ORDER BY ?observation
"""


def observations_csv(store: GraphStore) -> bytes:
    """The tidy table, header row first (the column names are the query's variables)."""
    return store.query(OBSERVATIONS_QUERY).serialize(CSV)
