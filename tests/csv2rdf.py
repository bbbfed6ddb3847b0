"""A small CSV-to-RDF converter for the CSVW features the observations metadata uses, nothing more.

Why our own: csvwlib 0.3.2 ("Python implementation of CSV on the Web") cannot read this metadata —
its URI templates take no ``{+var}`` operator (it fails on ``aboutUrl: "{+observation}"``), its
``propertyUrl`` templates know only ``{_name}``, and its ``valueUrl`` always puts the cell's own value
in place of the variable; csvw 4.x builds triples for csv2json and drops every datatype and language
(``Literal(value)``). So this follows https://www.w3.org/TR/csv2rdf/ (§4.6, minimal mode) for:

* a single table; the CSV parsed as RFC 4180 with a header row (tabular-data-model §8);
* ``aboutUrl``, ``propertyUrl``, ``valueUrl``: RFC 6570 level-2 templates (``{var}`` and ``{+var}``)
  over the row's cell values, resolved against the CSV's URL (tabular-metadata §5.1.3);
* ``datatype`` (``string``, ``decimal``, ``anyURI``) and ``lang`` for literal cells (csv2rdf §4.6.8.3);
* ``separator`` on a literal column (a cell of several values, one triple each), ``suppressOutput``,
  empty cells as null;
* ``propertyUrl`` given as a compact IRI (``rdf:type``) from the CSVW context's prefixes.

Anything else in a metadata file (virtual columns, ``ordered``, other datatypes, dialects) is refused
with an error, so the converter never quietly ignores what it does not implement.
"""

from __future__ import annotations

import csv
import io
import re
import urllib.parse
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD

#: The CSVW context's prefixes this metadata may use (https://www.w3.org/ns/csvw, §"prefixes").
PREFIXES = {"rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
            "xsd": str(XSD), "dc": "http://purl.org/dc/terms/"}
DATATYPES = {"string": XSD.string, "decimal": XSD.decimal, "anyURI": XSD.anyURI}
COLUMN_KEYS = {"name", "titles", "dc:description", "suppressOutput", "propertyUrl", "aboutUrl", "valueUrl",
               "datatype", "lang", "required", "separator"}
TEMPLATE = re.compile(r"\{(\+?)([A-Za-z0-9_]+)\}")


def _expand(template: str, row: dict[str, str]) -> str:
    """RFC 6570 §3.2.2 (``{var}``: percent-encode all but unreserved) and §3.2.3 (``{+var}``: reserved
    characters kept); a null cell expands to nothing."""
    def substitute(match: re.Match[str]) -> str:
        value = row.get(match.group(2)) or ""
        safe = ":/?#[]@!$&'()*+,;=-._~" if match.group(1) else "-._~"
        return urllib.parse.quote(value, safe=safe)
    return TEMPLATE.sub(substitute, template)


def _iri(template: str, row: dict[str, str], base: str) -> URIRef:
    expanded = _expand(template, row)
    prefix, _, rest = expanded.partition(":")
    if prefix in PREFIXES and not rest.startswith("//"):
        expanded = PREFIXES[prefix] + rest
    return URIRef(urllib.parse.urljoin(base, expanded))


def csv_to_rdf(csv_text: str, metadata: dict[str, Any], csv_url: str) -> Graph:
    """The triples csv2rdf's minimal mode gives for ``csv_text`` described by ``metadata``."""
    schema = metadata["tableSchema"]
    unknown = set(schema) - {"aboutUrl", "primaryKey", "columns"}
    assert not unknown, f"the converter does not implement table schema keys {unknown}"
    graph = Graph()
    reader = csv.reader(io.StringIO(csv_text, newline=""))
    header = next(reader)
    columns = schema["columns"]
    assert header == [column["name"] for column in columns], "the header row is not the described columns"
    for column in columns:
        assert set(column) <= COLUMN_KEYS, f"the converter does not implement {set(column) - COLUMN_KEYS}"
        assert column.get("datatype", "string") in DATATYPES, column
        assert column.get("suppressOutput") or not ("separator" in column and "valueUrl" in column), \
            f"the converter does not implement a list of IRIs from one valueUrl ({column['name']})"
    for cells in reader:
        row = dict(zip(header, cells, strict=True))
        for column in columns:
            text = row[column["name"]]
            if column.get("suppressOutput") or text == "":
                continue
            about = column.get("aboutUrl", schema.get("aboutUrl"))
            assert about, "every column's subject must be named: no blank nodes here"
            subject = _iri(about, row, csv_url)
            predicate = _iri(column["propertyUrl"], row, csv_url)
            values = text.split(column["separator"]) if "separator" in column else [text]
            for value in values:
                if "valueUrl" in column:
                    graph.add((subject, predicate, _iri(column["valueUrl"], row, csv_url)))
                elif column.get("lang") and column.get("datatype", "string") == "string":
                    graph.add((subject, predicate, Literal(value, lang=column["lang"])))
                else:
                    datatype = DATATYPES[column.get("datatype", "string")]
                    graph.add((subject, predicate, Literal(value, datatype=None if datatype == XSD.string
                                                           else datatype)))
    return graph
