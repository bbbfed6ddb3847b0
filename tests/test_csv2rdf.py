"""The test-only csv2rdf converter (``tests/csv2rdf.py``) against triples written out by hand from the
csv2rdf rules (https://www.w3.org/TR/csv2rdf/ §4.6, minimal mode), so that the round trip in
``test_csvw.py`` rests on a converter that is itself checked."""

from __future__ import annotations

import pytest
from rdflib import Graph

from csv2rdf import csv_to_rdf
from graphs import assert_isomorphic

CSV_URL = "https://example.org/data/people.csv"
TEXT = ("id,name_zh,age,tags,home,kind,note\r\n"
        "p1,甲,42,a|b,https://example.org/place/x,big,kept for people\r\n"
        "p 2,,7.5,,,,\r\n")
METADATA = {
    "@context": "http://www.w3.org/ns/csvw",
    "url": "people.csv",
    "tableSchema": {
        "aboutUrl": "https://example.org/person/{id}",
        "columns": [
            {"name": "id", "titles": "id", "propertyUrl": "rdf:type", "valueUrl": "https://example.org/Person"},
            {"name": "name_zh", "titles": "name_zh", "propertyUrl": "https://example.org/name", "lang": "zh"},
            {"name": "age", "titles": "age", "propertyUrl": "https://example.org/{id}/age", "datatype": "decimal"},
            {"name": "tags", "titles": "tags", "propertyUrl": "https://example.org/tag", "separator": "|"},
            {"name": "home", "titles": "home", "propertyUrl": "https://example.org/home", "valueUrl": "{+home}",
             "aboutUrl": "https://example.org/person/{id}#home"},
            {"name": "kind", "titles": "kind", "propertyUrl": "https://example.org/kind", "valueUrl": "kind/{kind}"},
            {"name": "note", "titles": "note", "propertyUrl": "https://example.org/note", "suppressOutput": True},
        ],
    },
}
EXPECTED = """
@prefix ex: <https://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://example.org/person/p1> a ex:Person ; ex:name "甲"@zh ;
    <https://example.org/p1/age> "42"^^xsd:decimal ;
    ex:tag "a" , "b" .
<https://example.org/person/p1> ex:kind <https://example.org/data/kind/big> .
<https://example.org/person/p1#home> ex:home <https://example.org/place/x> .
<https://example.org/person/p%202> a ex:Person ; <https://example.org/p%202/age> "7.5"^^xsd:decimal .
"""


def test_converter_follows_the_csv2rdf_rules() -> None:
    """{var} percent-encodes (RFC 6570 §3.2.2: the space in "p 2"), {+var} keeps reserved characters
    (§3.2.3), a separator gives one literal triple per value, a relative valueUrl resolves against the CSV's
    URL, empty cells and suppressOutput columns give nothing, lang and datatype type the literals."""
    assert_isomorphic(Graph().parse(data=EXPECTED, format="turtle"), csv_to_rdf(TEXT, METADATA, CSV_URL))


def test_converter_refuses_what_it_does_not_implement() -> None:
    columns = [dict(column) for column in METADATA["tableSchema"]["columns"]]
    columns[3]["ordered"] = True  # an rdf:List of the values (csv2rdf §4.6.8.5): not implemented
    columns[5]["separator"] = "|"  # a list of IRIs from one template: not implemented either
    ordered = {**METADATA, "tableSchema": {**METADATA["tableSchema"], "columns": columns}}
    with pytest.raises(AssertionError, match="does not implement"):
        csv_to_rdf(TEXT, ordered, CSV_URL)
