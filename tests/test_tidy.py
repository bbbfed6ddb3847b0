"""The tidy CSV on a small graph whose every column is known: item/initiative resolution, agency basis,
qualifiers, units, normalised values (always filled), quotes and their sentences. Both backends."""

from __future__ import annotations

import csv
import io

import pytest
from rdflib import Dataset, URIRef

from bolekg.services.tidy import COLUMNS, observations_csv
from ld_support import new_store

SMALL = """
@prefix bk: <https://w3id.org/bolekg/def/> .
@prefix qb: <http://purl.org/linked-data/cube#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix nif: <http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#> .
@prefix sdmx-attribute: <http://purl.org/linked-data/sdmx/2009/attribute#> .
@prefix sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#> .
@prefix unit: <http://qudt.org/vocab/unit/> .
@prefix id: <https://w3id.org/bolekg/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

id:item-9 a bk:Item ; bk:responsibleAgency id:agency-stated .
id:project-9 a bk:Project ; bk:partOfInitiative id:item-9 .
id:sub-project-9 a bk:Project ; bk:partOfInitiative id:project-9 .
id:item-8 a bk:Item ; bk:attributedAgency id:agency-inferred .
id:item-7 a bk:Item ; bk:responsibleAgency id:agency-z, id:agency-a .
id:agency-z rdfs:label "乙局"@zh, "A bureau"@en .
id:agency-a rdfs:label "甲局"@zh, "Z bureau"@en .

id:obs-a a bk:Observation ; qb:measureType bk:target ; bk:target 487 ; bk:indicator id:ind-money ;
    sdmx-attribute:unitMeasure bk:TenThousandYuan ; bk:normalisedValue 4870000.00 ;
    bk:normalisedUnit unit:CCY_CNY ; bk:valueQualifier bk:MoreThan ; bk:asWritten "487余" ;
    sdmx-dimension:refPeriod id:period-2021 ; sdmx-dimension:refArea id:place-city ;
    bk:initiative id:sub-project-9 ; bk:evidence id:quote-a .
id:quote-a nif:anchorOf "投资487余万元" ; nif:sentence id:sentence-a .
id:sentence-a nif:anchorOf "项目投资487余万元。" .

id:obs-b a bk:Observation ; qb:measureType bk:actual ; bk:actual 12 ; bk:indicator id:ind-count ;
    sdmx-attribute:unitMeasure unit:NUM ; prov:wasAttributedTo id:agency-figure ;
    bk:initiative id:item-8 ; bk:evidence id:quote-b .
id:quote-b nif:anchorOf "完成12个" .

id:obs-d a bk:Observation ; qb:measureType bk:actual ; bk:actual 3 ; bk:initiative id:item-7 .

id:obs-c a bk:Observation ; qb:measureType bk:shareOfPlan ; bk:shareOfPlan 128.2 ;
    sdmx-attribute:unitMeasure unit:PERCENT ; bk:initiative id:item-8 .
"""

ID = "https://w3id.org/bolekg/id/"


@pytest.fixture(params=["embedded", "remote"])
def rows(request: pytest.FixtureRequest, oxigraph_scratch: str) -> dict[str, dict[str, str]]:
    dataset = Dataset()
    dataset.graph(URIRef(ID + "graph/small")).parse(data=SMALL, format="turtle")
    store = new_store(request.param, oxigraph_scratch)
    try:
        store.load(dataset)
        table = list(csv.DictReader(io.StringIO(observations_csv(store).decode("utf-8"))))
    finally:
        store.close()
    assert table and tuple(table[0]) == COLUMNS
    return {row["observation"].removeprefix(ID): row for row in table}


def test_one_row_per_observation(rows: dict[str, dict[str, str]]) -> None:
    assert sorted(rows) == ["obs-a", "obs-b", "obs-c", "obs-d"]


def test_initiative_resolves_up_to_its_item(rows: dict[str, dict[str, str]]) -> None:
    a = rows["obs-a"]
    assert (a["item"], a["initiative"]) == (ID + "item-9", ID + "sub-project-9")
    assert (a["agency"], a["agency_basis"]) == (ID + "agency-stated", "stated")


def test_value_as_reported_with_unit_qualifier_and_normalised_value(rows: dict[str, dict[str, str]]) -> None:
    a = rows["obs-a"]
    assert (a["measure_type"], a["value"], a["unit"]) == ("target", "487", "https://w3id.org/bolekg/def/TenThousandYuan")
    assert float(a["normalised_value"]) == 4870000
    assert a["normalised_unit"] == "http://qudt.org/vocab/unit/CCY_CNY"
    assert (a["qualifier"], a["as_written"]) == ("MoreThan", "487余")
    assert (a["quote"], a["quote_text"]) == (ID + "quote-a", "投资487余万元")
    assert (a["sentence"], a["sentence_text"]) == (ID + "sentence-a", "项目投资487余万元。")
    assert (a["period"], a["place"]) == (ID + "period-2021", ID + "place-city")


def test_agency_basis_keeps_inference_apart(rows: dict[str, dict[str, str]]) -> None:
    b, c = rows["obs-b"], rows["obs-c"]
    assert (b["item"], b["initiative"]) == (ID + "item-8", ID + "item-8")
    assert (b["agency"], b["agency_basis"]) == (ID + "agency-figure", "figure")
    assert (c["agency"], c["agency_basis"]) == (ID + "agency-inferred", "attributed")
    assert (c["measure_type"], c["value"], c["qualifier"]) == ("shareOfPlan", "128.2", "")


def test_normalised_value_is_the_value_where_the_unit_does_not_scale(rows: dict[str, dict[str, str]]) -> None:
    b, c = rows["obs-b"], rows["obs-c"]
    assert (b["normalised_value"], b["normalised_unit"]) == ("12", "http://qudt.org/vocab/unit/NUM")
    assert (c["normalised_value"], c["normalised_unit"]) == ("128.2", "http://qudt.org/vocab/unit/PERCENT")


def test_two_agencies_keep_their_own_labels(rows: dict[str, dict[str, str]]) -> None:
    """An item with two stated agencies: IRIs in order, each label beside its own IRI (the labels sort
    the other way round, so a pairing by separate sorting would show)."""
    d = rows["obs-d"]
    assert d["agency"] == f"{ID}agency-a|{ID}agency-z"
    assert (d["agency_zh"], d["agency_en"]) == ("甲局|乙局", "Z bureau|A bureau")
