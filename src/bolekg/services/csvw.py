"""What the observations CSV means, for machines: CSV on the Web metadata and a Frictionless Data Package.

* CSVW (https://www.w3.org/TR/tabular-metadata/): a table description whose columns carry
  ``aboutUrl``/``propertyUrl``/``valueUrl`` (§5.1.3 ff., URI templates per RFC 6570) and ``datatype``
  (§5.11), so that a csv2rdf processor (https://www.w3.org/TR/csv2rdf/ §4.6, minimal mode) rebuilds
  the observations' triples from the rows. It is served beside the CSV as ``<csv>-metadata.json``, the
  default location a processor tries (https://www.w3.org/TR/tabular-data-model/#default-locations-and-site-wide-location-configuration),
  and the CSV's ``Link: rel="describedby"`` header names it too (§5.2 of the same).
* Frictionless Data Package (https://specs.frictionlessdata.io/data-package/) with a Table Schema
  (https://specs.frictionlessdata.io/table-schema/): field types and required fields, for tools that
  read that rather than RDF.

Both are built from :data:`bolekg.services.tidy.COLUMNS_SPEC`, the one list of columns the CSV itself
is written from, so the descriptions cannot drift from the table. The CSV's URL is relative
(``observations.csv``): both documents sit next to it under ``/dumps/`` and resolve it against their
own URL, whatever host serves them.
"""

from __future__ import annotations

from typing import Any

from bolekg.report.vocab import RDF
from bolekg.services.tidy import COLUMNS_SPEC, SEPARATOR, Column

CSV_NAME = "observations.csv"
#: CSVW's "located metadata" name for the CSV (tabular-data-model §5.3: ``{+url}-metadata.json``).
METADATA_NAME = f"{CSV_NAME}-metadata.json"
DATAPACKAGE_NAME = "datapackage.json"
#: The media type CSVW registers for its metadata (tabular-metadata, appendix "IANA Considerations").
METADATA_MEDIA_TYPE = "application/csvm+json"

_TITLE_EN = "Every figure of the reports served (Bole City's 2021 mid-year report first), one row per observation"
_TITLE_ZH = "所载各报告(首为博乐市2021年上半年工作情况)中的每个数字,每行一个观测"


def _csvw_column(column: Column) -> dict[str, Any]:
    described: dict[str, Any] = {"name": column.name, "titles": column.name,
                                 "dc:description": column.description}
    if column.suppress or column.property is None:
        described["suppressOutput"] = True
    if column.property is not None:
        described["propertyUrl"] = column.property
    if column.about is not None:
        described["aboutUrl"] = column.about
    if column.value_url is not None:
        described["valueUrl"] = column.value_url
    described["datatype"] = column.datatype
    if column.lang is not None:
        described["lang"] = column.lang
    if column.required:
        described["required"] = True
    if column.name.startswith("agency"):  # an item may have two stated agencies (tidy.SEPARATOR)
        described["separator"] = SEPARATOR
    return described


def csvw_metadata(licences: tuple[str, ...] = (), csv_name: str = CSV_NAME, report: str = "") -> dict[str, Any]:
    """The CSVW table description of ``observations.csv`` (tabular-metadata §5.3, a single table).

    Every row is about its observation (table-level ``aboutUrl``); columns that describe a linked
    thing (an item's label, a quote's text) say so with their own ``aboutUrl``. ``suppressOutput``
    columns are for people only (:data:`bolekg.services.tidy.COLUMNS_SPEC` says why each).

    ``csv_name`` and ``report``: the same description of one report's share of the table
    (``/dumps/report/<id>.csv``), which has the same columns."""
    of = f" (report {report})" if report else ""
    metadata: dict[str, Any] = {
        "@context": ["http://www.w3.org/ns/csvw", {"@language": "en"}],
        "@id": f"{csv_name}-metadata.json",
        "url": csv_name,
        "dc:title": [{"@value": _TITLE_EN + of, "@language": "en"}, {"@value": _TITLE_ZH + of, "@language": "zh"}],
        "dialect": {"encoding": "utf-8", "header": True, "lineTerminators": ["\r\n"], "doubleQuote": True},
        "tableSchema": {
            "aboutUrl": "{+observation}",
            "primaryKey": "observation",
            "columns": [_csvw_column(column) for column in COLUMNS_SPEC],
        },
    }
    if licences:
        metadata["dc:license"] = [{"@id": licence} for licence in licences]
    return metadata


def _field(column: Column) -> dict[str, Any]:
    field: dict[str, Any] = {"name": column.name, "type": column.kind, "description": column.description}
    if column.iri and column.kind == "string" and not column.name.startswith("agency"):
        field["format"] = "uri"
    if column.property == str(RDF.type) and column.value_url:  # Table Schema rdfType: the class of the values
        field["rdfType"] = column.value_url
    if column.required:
        field["constraints"] = {"required": True}
    return field


def data_package(licences: tuple[str, ...] = ()) -> dict[str, Any]:
    """The Frictionless Data Package of the CSV: one tabular resource with its Table Schema."""
    package: dict[str, Any] = {
        "name": "bolekg-observations",
        "title": _TITLE_EN,
        "description": f"{_TITLE_ZH}. The same table is described as CSV on the Web in {METADATA_NAME}.",
        "resources": [{
            "name": "observations",
            "path": CSV_NAME,
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "dialect": {"delimiter": ",", "doubleQuote": True, "header": True, "lineTerminator": "\r\n"},
            "schema": {"fields": [_field(column) for column in COLUMNS_SPEC], "primaryKey": ["observation"]},
        }],
    }
    if licences:
        package["licenses"] = [{"path": licence, "title": licence} for licence in licences]
    return package
