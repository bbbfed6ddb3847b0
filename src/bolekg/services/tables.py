"""A table on a page as a download: CSV (plain, or with a byte order mark for Excel) and JSON.

Why a module of its own: an item's figures, a place's lists and a browse result are shown as HTML
tables, and researchers asked for them as files they can open or load, with names rather than IRIs.
The figures reuse the site-wide table (:mod:`bolekg.services.tidy`): the same query and the same
columns, with a selection binding ``?observation`` first, so a figure reads the same in every
download. Other lists (places, initiatives, resources) are IRIs with their zh and en labels.

Columns: every IRI column keeps its name, and beside it stand its labels, ``<name>_zh`` and
``<name>_en``, as in the site-wide CSV; the label in the page's language comes first, then the
other language, then the IRI, so a person opening the file reads names first. The column names do
not change with the language, only their order, so a program reading by name reads either.

CSV is RFC 4180 (https://www.rfc-editor.org/rfc/rfc4180): CRLF line ends, fields quoted where
they must be, UTF-8, sent as ``text/csv; charset=utf-8`` (the type §3 registers, with its
``charset`` parameter). The Excel variant is the same bytes after a UTF-8 byte order mark: Excel
reads a CSV without one in the system's legacy code page and garbles Chinese, while other tools
(pandas, readr) read the plain file as it is, so the plain file stays without one. One difference
more, for Excel only: a text cell that Excel would run as a formula is written inert
(:data:`_FORMULA_START`); the report's own data has none, so there the two are equal after the mark.

The JSON is ``{"table", "lang", "columns", "count", "truncated", "limit", "rows"}``; ``rows`` is a
list of objects, one per CSV row, keyed by the column names, with the same strings as the CSV cells.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bolekg.services.tidy import COLUMNS, LANGUAGES, SEPARATOR, csv_bytes, labels_of, observation_rows
from bolekg.store import GraphStore

#: UTF-8's byte order mark: what tells Excel that a CSV is UTF-8.
BOM = "\ufeff".encode()
#: Cells Excel would read as a formula (OWASP "CSV Injection"): in the Excel variant such a cell,
#: unless it is a number, is written with a leading apostrophe, so a label from the data never runs.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


@dataclass
class Table:
    """A table to download: its file stem, column names in order, rows keyed by them (``""`` for no
    value), and whether it was cut at ``limit`` rows (the page's and the endpoint's bounds)."""

    name: str
    lang: str
    columns: tuple[str, ...]
    rows: list[dict[str, str]] = field(default_factory=list)
    truncated: bool = False
    limit: int | None = None


def ordered(columns: Sequence[str], lang: str) -> tuple[str, ...]:
    """``columns`` with each IRI column's labels before it, the page's language first."""
    langs = (lang, *(other for other in LANGUAGES if other != lang)) if lang in LANGUAGES else LANGUAGES
    labelled = {name for name in columns if all(f"{name}_{code}" in columns for code in LANGUAGES)}
    labels = {f"{name}_{code}" for name in labelled for code in LANGUAGES}
    found: list[str] = []
    for name in columns:
        if name in labels:
            continue
        if name in labelled:
            found += [f"{name}_{code}" for code in langs]
        found.append(name)
    return tuple(found)


def figures(store: GraphStore, name: str, lang: str, selections: str | Sequence[str], truncated: bool = False,
            limit: int | None = None) -> Table:
    """The site-wide table's rows of the figures each selection binds to ``?observation``, one query
    per selection, in their order (a long list of figures is asked for in parts: a query of 10 000
    IRIs is larger than some servers take)."""
    rows = [row for selection in ([selections] if isinstance(selections, str) else selections)
            for row in observation_rows(store, selection)]
    return Table(name, lang, ordered(COLUMNS, lang), rows, truncated, limit)


def labelled(store: GraphStore, name: str, lang: str, columns: Sequence[str], rows: Iterable[dict[str, str]],
             truncated: bool = False, limit: int | None = None) -> Table:
    """A list of IRIs (``rows``, keyed by ``columns``), each IRI column with its zh and en labels."""
    found = [dict(row) for row in rows]
    iris = {iri for row in found for column in columns for iri in row.get(column, "").split(SEPARATOR) if iri}
    labels = labels_of(store, iris)
    for row in found:
        for column in columns:
            for code in LANGUAGES:
                row[f"{column}_{code}"] = SEPARATOR.join(labels.get((iri, code), "")
                                                         for iri in row.get(column, "").split(SEPARATOR) if iri)
    every = [f"{column}{suffix}" for column in columns for suffix in ("", *(f"_{c}" for c in LANGUAGES))]
    return Table(name, lang, ordered(every, lang), found, truncated, limit)


def _excel_cell(cell: str) -> str:
    return "'" + cell if cell.startswith(_FORMULA_START) and not _NUMBER.match(cell) else cell


def to_csv(table: Table, excel: bool = False) -> bytes:
    """RFC 4180 CSV in UTF-8, header row first; with ``excel``, after a byte order mark, and with
    formula-like text cells made inert (:data:`_FORMULA_START`)."""
    cells = ([row.get(column, "") for column in table.columns] for row in table.rows)
    body = csv_bytes(table.columns, ([_excel_cell(c) for c in row] for row in cells) if excel else cells)
    return BOM + body if excel else body


def to_json(table: Table) -> bytes:
    """The table as JSON (the shape in the module's docstring), UTF-8, not ASCII-escaped."""
    body = {"table": table.name, "lang": table.lang, "columns": list(table.columns), "count": len(table.rows),
            "truncated": table.truncated, "limit": table.limit,
            "rows": [{column: row.get(column, "") for column in table.columns} for row in table.rows]}
    return json.dumps(body, ensure_ascii=False, indent=1).encode("utf-8")


def slug(*parts: str) -> str:
    """A file stem of ASCII letters, digits and hyphens (``bolekg-item-1-02-figures``): the names
    are the IRIs' readable slugs, so no ``filename*`` (RFC 6266 §4.3) is needed."""
    text = "-".join(p for p in parts if p)
    return re.sub(r"-{2,}", "-", re.sub(r"[^A-Za-z0-9.-]+", "-", text)).strip("-.") or "bolekg-table"


def observations_excel(store: GraphStore) -> bytes:
    """The site-wide CSV (``/dumps/observations.csv``, :func:`bolekg.services.tidy.observations_csv`)
    for Excel: its columns in its own order, after a byte order mark."""
    return to_csv(Table("bolekg-observations", "zh", COLUMNS, observation_rows(store)), excel=True)
