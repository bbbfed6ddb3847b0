"""Every figure of the report as tidy CSV: one row per observation, one column per variable.

"Tidy" in Wickham's sense (Tidy Data, J. Stat. Software 59(10), 2014), so that
``pandas.read_csv(url)`` or ``readr::read_csv(url)`` gives an analysis-ready table. The rows come
from SPARQL over the union graph (the table, then the labels of the IRIs it names), with cells as the
SPARQL 1.1 CSV results format writes them (https://www.w3.org/TR/sparql11-results-csv-tsv/ §2: IRIs
bare, literals as their lexical form), written as RFC 4180 CSV in UTF-8; nothing depends on a
backend's solution order, so the table is the same byte for byte on every backend (memory, disk, a
remote server; ``tests/test_csvw.py``).

Columns follow the model in ``docs/ENCODING.md``: the value is the one stored under the property
its ``qb:measureType`` names, as reported and in the reported unit. Beside every IRI that names a
thing stand its Chinese and English ``rdfs:label``, so the table reads without a lookup. The
normalised value is always filled — the stored ``bk:normalisedValue`` where the unit scales,
otherwise the value itself in its own unit — so a column of numbers can be summed per unit without
gaps. The evidence is the quoted clause and, beside it, the whole sentence it sits in.

Agencies are reported with their basis — ``figure`` (the text attributes the figure),
``stated`` (the report names the responsible agency) or ``attributed`` (an editorial inference) —
so an inference never reads as a statement.

Each column also says what it means in RDF (:class:`Column`): ``bolekg.services.csvw`` turns that
into the CSV on the Web metadata that lets a processor rebuild the observations' triples from the
table, and into a Frictionless Table Schema.

The item is found from the observation (``bk:initiative/bk:partOfInitiative*``), not in an OPTIONAL
nested in another: Oxigraph evaluates a nested OPTIONAL's path for every node before the join, which
made the table's cost grow with the whole store instead of with its figures (bench/run.py).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bolekg.report.reports import REPORT_GRAPH_PREFIX
from bolekg.report.vocab import BK, NIF, QB, RDF, RDFS, SDMX_ATT, SDMX_DIM, sparql_prefixes
from bolekg.store import GraphStore

#: The languages every label column pair is in: Chinese as in the report, English.
LANGUAGES = ("zh", "en")


@dataclass(frozen=True)
class Column:
    """One column of the table, and how CSV on the Web reads it back as RDF.

    ``about``/``property``/``value_url`` are the column's ``aboutUrl``, ``propertyUrl`` and ``valueUrl``
    (URI templates, https://www.w3.org/TR/tabular-metadata/#cell-aboutUrl ff.); ``datatype`` is the
    CSVW datatype of a literal cell; ``lang`` its language. ``suppress`` columns are for people only
    (``suppressOutput``): what they say is not a triple of the observation (see :data:`COLUMNS`).
    ``kind`` is the Frictionless Table Schema field type; ``iri`` says the cell is an IRI.
    """

    name: str
    description: str
    property: str | None = None
    about: str | None = None
    value_url: str | None = None
    datatype: str = "string"
    lang: str | None = None
    suppress: bool = False
    kind: str = "string"
    iri: bool = False
    required: bool = False


def _iri(name: str, description: str, prop: str | None, about: str | None = None,
         required: bool = True, suppress: bool = False) -> Column:
    """A column of IRIs, each the object of ``prop`` (``valueUrl`` is the cell itself)."""
    return Column(name, description, prop, about, "{+" + name + "}", datatype="anyURI", kind="string",
                  iri=True, required=required, suppress=suppress)


def _labels(name: str, what: str, required: bool = True, suppress: bool = False) -> tuple[Column, ...]:
    """The zh and en label columns beside the IRI column ``name``: each cell is an ``rdfs:label`` of
    that IRI, in its language."""
    return tuple(Column(f"{name}_{lang}", f"The {'Chinese' if lang == 'zh' else 'English'} label of {what}.",
                        str(RDFS.label), "{+" + name + "}", lang=lang, required=required, suppress=suppress)
                 for lang in LANGUAGES)


_BK = str(BK._NS)

#: The table's columns, in their fixed order. Not triples of the observation, so ``suppressOutput``:
#: the normalised value and unit (the store states them only where the unit scales; a CSVW column
#: cannot emit a triple on some rows only, and ``value`` = normalised value under ``unit:PERCENT``,
#: whose QUDT multiplier is 0.01, would contradict ``bks:Normalised-value``), and the agency with its
#: basis (found through the initiative and its items, not said of the observation).
COLUMNS_SPEC: tuple[Column, ...] = (
    Column("observation", "The observation's IRI: one reported figure.", str(RDF.type),
           value_url=_BK + "Observation", datatype="anyURI", iri=True, required=True),
    *(Column(f"observation_{lang}", f"The observation's {name} label.", str(RDFS.label), lang=lang, required=True)
      for lang, name in (("zh", "Chinese"), ("en", "English"))),
    Column("report", "The ID of the report the figure is from: the named graph it is in is "
           "graph/report/<ID> (bolekg.report.reports).", suppress=True),
    _iri("programme", "The programme (one of the report's three lists of ten) the item belongs to.",
         _BK + "programme", "{+item}"),
    *_labels("programme", "the programme"),
    Column("item", "The report's numbered item the figure belongs to.", str(RDF.type), "{+item}",
           _BK + "Item", datatype="anyURI", iri=True, required=True),
    *_labels("item", "the item"),
    _iri("initiative", "What the figure is about: the item itself, or a project or activity within it.",
         _BK + "initiative"),
    *_labels("initiative", "the initiative"),
    _iri("indicator", "What is measured.", _BK + "indicator"),
    *_labels("indicator", "the indicator"),
    Column("measure_type", "Which measure the value is: target, actual, shareOfPlan, rate, change or rank "
           "(the local name of the bk: property holding the value).", str(QB.measureType),
           value_url=_BK + "{measure_type}", required=True),
    Column("value", "The figure as reported, in the reported unit.", _BK + "{measure_type}", datatype="decimal",
           kind="number", required=True),
    Column("as_written", "The figure as the report writes it, where that differs from the number.",
           _BK + "asWritten"),
    Column("qualifier", "MoreThan (余, 以上), Approximately (约), AtMost (以内), RangeLowerBound or "
           "RangeUpperBound; empty for an exact figure.", _BK + "valueQualifier", value_url=_BK + "{qualifier}"),
    _iri("unit", "The reported unit.", str(SDMX_ATT.unitMeasure)),
    *_labels("unit", "the unit"),
    Column("normalised_value", "The value in the base unit (487 万元 → 4870000 CNY); the value itself where "
           "the unit does not scale.", _BK + "normalisedValue", datatype="decimal", kind="number",
           required=True, suppress=True),
    _iri("normalised_unit", "The unit of the normalised value.", _BK + "normalisedUnit", suppress=True),
    *_labels("normalised_unit", "the normalised unit"),
    _iri("period", "The reporting period.", str(SDMX_DIM.refPeriod)),
    *_labels("period", "the period"),
    _iri("place", "The place the figure is about.", str(SDMX_DIM.refArea)),
    *_labels("place", "the place"),
    _iri("agency", "The agency: the one the text credits with the figure, else the item's stated, else its "
         "attributed responsible agency.", None, required=False, suppress=True),
    *_labels("agency", "the agency", required=False, suppress=True),
    Column("agency_basis", "figure, stated or attributed: how the agency is known (attributed is an editorial "
           "inference, not the report's word).", suppress=True),
    _iri("quote", "The evidence: the quoted clause's IRI.", _BK + "evidence"),
    Column("quote_text", "The quoted clause, verbatim.", str(NIF.anchorOf), "{+quote}", required=True),
    _iri("sentence", "The sentence of the report the clause is quoted from.", str(NIF.sentence), "{+quote}"),
    Column("sentence_text", "The whole sentence, verbatim.", str(NIF.anchorOf), "{+sentence}", required=True),
)

#: The column names, in order: the CSV's header row.
COLUMNS: tuple[str, ...] = tuple(column.name for column in COLUMNS_SPEC)

#: The columns of IRIs that have a zh and an en label column beside them.
LABELLED: tuple[str, ...] = tuple(name for name in COLUMNS if f"{name}_zh" in COLUMNS)

#: Columns that may hold several values (an item with two stated agencies), joined with this
#: (CSVW ``separator``); the agency's labels in the same order as its IRIs.
SEPARATOR = "|"

#: The table less its label columns, one group per observation. Each column is a SAMPLE of its
#: binding (one value per observation in the data: a duplicate must not split a row), but the
#: agency, where an item has two.
OBSERVATIONS_QUERY = "\n" + sparql_prefixes("bk", "qb", "prov", "nif", "sdmx-attribute", "sdmx-dimension") + """\
SELECT ?observation (SAMPLE(?report_) AS ?report)
  (SAMPLE(?programme_) AS ?programme) (SAMPLE(?item_) AS ?item) (SAMPLE(?initiative_) AS ?initiative)
  (SAMPLE(?indicator_) AS ?indicator) (SAMPLE(?measure_type_) AS ?measure_type) (SAMPLE(?value_) AS ?value)
  (SAMPLE(?as_written_) AS ?as_written) (SAMPLE(?qualifier_) AS ?qualifier) (SAMPLE(?unit_) AS ?unit)
  (SAMPLE(?normalised_value_) AS ?normalised_value) (SAMPLE(?normalised_unit_) AS ?normalised_unit)
  (SAMPLE(?period_) AS ?period) (SAMPLE(?place_) AS ?place)
  (GROUP_CONCAT(DISTINCT STR(?agency_); separator="|") AS ?agency) (SAMPLE(?agency_basis_) AS ?agency_basis)
  (SAMPLE(?quote_) AS ?quote) (SAMPLE(?quote_text_) AS ?quote_text)
  (SAMPLE(?sentence_) AS ?sentence) (SAMPLE(?sentence_text_) AS ?sentence_text)
WHERE {
  #selection
  ?observation a bk:Observation ; qb:measureType ?measure .
  ?observation ?measure ?value_ .
  BIND(STRAFTER(STR(?measure), STR(bk:)) AS ?measure_type_)
  OPTIONAL { GRAPH ?reportGraph { ?observation a bk:Observation }
             FILTER(STRSTARTS(STR(?reportGraph), "%REPORTS%"))
             BIND(STRAFTER(STR(?reportGraph), "%REPORTS%") AS ?report_) }
  OPTIONAL { ?observation bk:indicator ?indicator_ }
  OPTIONAL { ?observation bk:initiative ?initiative_ }
  OPTIONAL { ?observation bk:initiative/bk:partOfInitiative* ?item_ . ?item_ a bk:Item }
  OPTIONAL { ?item_ bk:programme ?programme_ }
  OPTIONAL { ?observation bk:asWritten ?as_written_ }
  OPTIONAL { ?observation bk:valueQualifier ?q . BIND(STRAFTER(STR(?q), STR(bk:)) AS ?qualifier_) }
  OPTIONAL { ?observation sdmx-attribute:unitMeasure ?unit_ }
  OPTIONAL { ?observation bk:normalisedValue ?normalised }
  OPTIONAL { ?observation bk:normalisedUnit ?normalisedUnit }
  BIND(COALESCE(?normalised, ?value_) AS ?normalised_value_)
  BIND(COALESCE(?normalisedUnit, ?unit_) AS ?normalised_unit_)
  OPTIONAL { ?observation sdmx-dimension:refPeriod ?period_ }
  OPTIONAL { ?observation sdmx-dimension:refArea ?place_ }
  OPTIONAL { ?observation bk:evidence ?quote_ }
  OPTIONAL { ?quote_ nif:anchorOf ?quote_text_ }
  OPTIONAL { ?quote_ nif:sentence ?sentence_ }
  OPTIONAL { ?sentence_ nif:anchorOf ?sentence_text_ }
  OPTIONAL { ?observation prov:wasAttributedTo ?byFigure }
  OPTIONAL { ?observation bk:initiative/bk:partOfInitiative* ?i2 . ?i2 bk:responsibleAgency ?stated }
  OPTIONAL { ?observation bk:initiative/bk:partOfInitiative* ?i3 . ?i3 bk:attributedAgency ?attributed }
  BIND(COALESCE(?byFigure, ?stated, ?attributed) AS ?agency_)
  BIND(IF(BOUND(?byFigure), "figure", IF(BOUND(?stated), "stated", IF(BOUND(?attributed), "attributed", "")))
       AS ?agency_basis_)
}
GROUP BY ?observation
ORDER BY ?observation
""".replace("%REPORTS%", REPORT_GRAPH_PREFIX)

#: The zh and en labels of the IRIs the table names (bound with VALUES by :func:`labels_of`). Apart
#: from the table's query: a label OPTIONAL on an IRI that a row leaves unbound (an observation with
#: no agency) would match every label in the store.
LABELS_QUERY = sparql_prefixes("rdfs") + """\
SELECT ?s ?label WHERE {{
  VALUES ?s {{ {iris} }}
  ?s rdfs:label ?label
  FILTER(LANGMATCHES(LANG(?label), "zh") || LANGMATCHES(LANG(?label), "en"))
}}
"""


#: The line of :data:`OBSERVATIONS_QUERY` a table of some figures replaces with a pattern that binds
#: ``?observation`` first (an item's, a place's, a browse result's: ``bolekg.services.tables``).
SELECTION = "#selection"


def labels_of(store: GraphStore, iris: set[str]) -> dict[tuple[str, str], str]:
    """(IRI, language) → label; the least label in code-point order where a thing has two in a
    language, so the table is the same on every backend."""
    if not iris:
        return {}
    query = LABELS_QUERY.format(iris=" ".join(f"<{iri}>" for iri in sorted(iris)))
    labels: dict[tuple[str, str], str] = {}
    for solution in store.query(query).solutions():
        label = solution["label"]
        key = (solution["s"].value, label.language.split("-")[0].lower())
        if key not in labels or label.value < labels[key]:
            labels[key] = label.value
    return labels


def observation_rows(store: GraphStore, selection: str = "") -> list[dict[str, str]]:
    """The table's rows, each a dict in :data:`COLUMNS` order ("" for no value): the cells are the
    terms' lexical forms and bare IRIs, as the SPARQL 1.1 CSV results format writes them (§2). A
    cell of several IRIs (:data:`SEPARATOR`) has its labels in the same order.

    ``selection``, a graph pattern binding ``?observation``, keeps the rows of the figures it picks
    (one table builder for the whole table and for an item's, a place's or a facet's share of it)."""
    solutions = store.query(OBSERVATIONS_QUERY.replace(SELECTION, selection)).solutions()
    names = [variable.value for variable in solutions.variables]
    found = [{name: (solution[name].value if solution[name] is not None else "") for name in names}
             for solution in solutions]
    for row in found:
        row["agency"] = SEPARATOR.join(sorted(filter(None, row["agency"].split(SEPARATOR))))
    iris = {iri for row in found for name in LABELLED for iri in row[name].split(SEPARATOR) if iri}
    labels = labels_of(store, iris)
    rows = []
    for row in found:
        for name in LABELLED:
            for lang in LANGUAGES:
                row[f"{name}_{lang}"] = SEPARATOR.join(labels.get((iri, lang), "")
                                                       for iri in row[name].split(SEPARATOR) if iri)
        rows.append({name: row[name] for name in COLUMNS})
    return rows


def csv_bytes(columns: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    """RFC 4180 CSV in UTF-8 (CRLF line ends, fields quoted where they must be), header row first:
    the one writer of the site-wide table and of the pages' downloads (:mod:`bolekg.services.tables`)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def observations_csv(store: GraphStore, selection: str = "") -> bytes:
    """The tidy table as CSV (:func:`csv_bytes`); ``selection`` as :func:`observation_rows` takes it
    (one report's figures: :func:`bolekg.services.reports.report_selection`)."""
    return csv_bytes(COLUMNS, ([row[name] for name in COLUMNS] for row in observation_rows(store, selection)))
