"""The observations CSV, its CSV on the Web metadata and its Frictionless Data Package, over real HTTP on
every backend: the CSVW description turns the served CSV back into the store's triples for the
observations (csv2rdf, compared as graphs), the data package validates with ``frictionless``, and
every IRI has its labels and every row its normalised value."""

from __future__ import annotations

import csv
import io
import json
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS

from bolekg.report.vocab import BK, DCAT, DCT, NIF, QB, SDMX_ATT, SDMX_DIM
from bolekg.services.tidy import COLUMNS, LABELLED
from csv2rdf import csv_to_rdf
from graphs import assert_isomorphic
from ld_support import Site, as_kept_by, canonical, fetch, serving_kind, small_validator

#: xsd:decimal, spelled out: pytest's collection probes module attributes, and rdflib's closed XSD
#: namespace warns on every name it does not define
DECIMAL = URIRef("http://www.w3.org/2001/XMLSchema#decimal")


@pytest.fixture(scope="module", params=["embedded", "disk", "remote", "virtuoso"])
def site(request: pytest.FixtureRequest, real_dataset: Dataset,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with serving_kind(request, real_dataset, tmp_path_factory, "csvw") as running_site:
        yield running_site


@pytest.fixture(scope="module")
def served(site: Site) -> tuple[str, str, dict, list[dict[str, str]]]:
    """The CSV's URL and text, its metadata (found as CSVW says: the CSV's describedby link) and rows."""
    csv_url = f"{site.root}/dumps/observations.csv"
    reply = fetch(csv_url)
    assert reply.status == 200
    link = reply.header("Link")
    assert 'rel="describedby"' in link, link
    metadata_url = urllib.parse.urljoin(csv_url, link.split(">")[0].lstrip("<"))
    assert metadata_url == csv_url + "-metadata.json"  # tabular-data-model §5.3's default location too
    described = fetch(metadata_url)
    assert described.status == 200
    assert described.header("Content-Type").startswith("application/csvm+json")
    metadata = json.loads(described.body)
    assert urllib.parse.urljoin(metadata_url, metadata["url"]) == csv_url
    return csv_url, reply.text, metadata, list(csv.DictReader(io.StringIO(reply.text, newline="")))


def _labels(union: Graph, node: object, into: Graph) -> None:
    for label in union.objects(node, RDFS.label):  # type: ignore[arg-type]
        if isinstance(label, Literal) and (label.language or "").split("-")[0] in ("zh", "en"):
            into.add((node, RDFS.label, label))  # type: ignore[arg-type]


def _item_of(union: Graph, initiative: URIRef) -> URIRef | None:
    """The item an initiative is, or is part of (bk:partOfInitiative*)."""
    seen, todo = set(), [initiative]
    while todo:
        node = todo.pop()
        if (node, RDF.type, BK.Item) in union:
            return node
        seen.add(node)
        todo.extend(n for n in union.objects(node, BK.partOfInitiative) if n not in seen)
    return None


def expected_triples(union: Graph) -> Graph:
    """What the CSV's CSVW description should rebuild, read straight from the store's data with rdflib:
    each observation's type, labels, measure type and value, qualifier, as-written form, unit,
    indicator, initiative, period, place and evidence; its item's type and programme; the labels of
    the things it links to; its quote's text and sentence. The value is an ``xsd:decimal``: a CSVW
    column has one datatype, and an ``xsd:integer`` 5834 is the decimal 5834 (XSD 1.1 Part 2 §3.4.13)."""
    g = Graph()
    for obs in set(union.subjects(RDF.type, BK.Observation)):
        g.add((obs, RDF.type, BK.Observation))
        _labels(union, obs, g)
        measure = union.value(obs, QB.measureType)
        g.add((obs, QB.measureType, measure))
        g.add((obs, measure, Literal(str(union.value(obs, measure)), datatype=DECIMAL)))
        for prop in (BK.asWritten, BK.valueQualifier, SDMX_ATT.unitMeasure, SDMX_DIM.refPeriod, SDMX_DIM.refArea,
                     BK.indicator, BK.initiative, BK.evidence):
            for value in union.objects(obs, prop):
                g.add((obs, prop, value))
                if prop not in (BK.asWritten, BK.valueQualifier, BK.evidence):
                    _labels(union, value, g)
        _labels(union, union.value(obs, BK.normalisedUnit) or union.value(obs, SDMX_ATT.unitMeasure), g)
        item = _item_of(union, union.value(obs, BK.initiative))
        if item is not None:
            g.add((item, RDF.type, BK.Item))
            _labels(union, item, g)
            for programme in union.objects(item, BK.programme):
                g.add((item, BK.programme, programme))
                _labels(union, programme, g)
        for quote in union.objects(obs, BK.evidence):
            g.add((quote, NIF.anchorOf, union.value(quote, NIF.anchorOf)))
            for sentence in union.objects(quote, NIF.sentence):
                g.add((quote, NIF.sentence, sentence))
                g.add((sentence, NIF.anchorOf, union.value(sentence, NIF.anchorOf)))
    return g


def test_csvw_rebuilds_the_observations_triples(site: Site, served, real_union: Graph) -> None:
    csv_url, text, metadata, rows = served
    rebuilt = csv_to_rdf(text, metadata, csv_url)
    expected = expected_triples(real_union)
    observations = set(real_union.subjects(RDF.type, BK.Observation))
    assert len(rows) == len(observations)
    assert len(rebuilt) == len(expected), (len(rebuilt), len(expected))
    assert_isomorphic(as_kept_by(site.store, canonical(expected)), as_kept_by(site.store, canonical(rebuilt)))


def test_a_wrong_column_breaks_the_round_trip(served, real_union: Graph) -> None:
    """The comparison can fail: the metadata with the period's and the place's properties swapped
    rebuilds a different graph."""
    csv_url, text, metadata, _ = served
    wrong = json.loads(json.dumps(metadata))
    columns = {column["name"]: column for column in wrong["tableSchema"]["columns"]}
    columns["period"]["propertyUrl"], columns["place"]["propertyUrl"] = (columns["place"]["propertyUrl"],
                                                                         columns["period"]["propertyUrl"])
    assert not isomorphic(canonical(expected_triples(real_union)), canonical(csv_to_rdf(text, wrong, csv_url)))


def test_metadata_describes_every_column_in_order(served) -> None:
    _, text, metadata, rows = served
    assert [column["name"] for column in metadata["tableSchema"]["columns"]] == list(COLUMNS)
    assert tuple(rows[0]) == COLUMNS
    assert text.startswith(",".join(COLUMNS) + "\r\n")  # RFC 4180 §2: CRLF line ends


def test_every_iri_has_its_zh_and_en_label(served) -> None:
    _, _, _, rows = served
    assert set(LABELLED) >= {"item", "programme", "indicator", "unit", "place", "agency"}
    for row in rows:
        for name in LABELLED:
            if row[name]:
                for lang in ("zh", "en"):
                    labels = row[f"{name}_{lang}"]
                    assert labels and all(labels.split("|")), (row["observation"], name, lang)
                    assert len(labels.split("|")) == len(row[name].split("|"))


def test_normalised_value_always_filled(served, real_union: Graph) -> None:
    _, _, _, rows = served
    for row in rows:
        obs = URIRef(row["observation"])
        stored = real_union.value(obs, BK.normalisedValue)
        value = real_union.value(obs, real_union.value(obs, QB.measureType))
        assert row["normalised_value"], obs
        assert float(row["normalised_value"]) == float(stored if stored is not None else value), obs
        unit = real_union.value(obs, BK.normalisedUnit) or real_union.value(obs, SDMX_ATT.unitMeasure)
        assert row["normalised_unit"] == str(unit), obs


def test_quote_sits_in_its_sentence(served) -> None:
    _, _, _, rows = served
    for row in rows:
        assert row["quote_text"] and row["quote_text"] in row["sentence_text"], row["observation"]


def test_data_package_validates(site: Site, tmp_path: Path) -> None:
    import frictionless

    reply = fetch(f"{site.root}/dumps/datapackage.json")
    assert reply.status == 200
    assert reply.header("Content-Type").startswith("application/json")
    package = json.loads(reply.body)
    assert [f["name"] for f in package["resources"][0]["schema"]["fields"]] == list(COLUMNS)
    report = frictionless.validate(f"{site.root}/dumps/datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert report.tasks[0].stats["rows"] == len(fetch(f"{site.root}/dumps/observations.csv").text.splitlines()) - 1

    # the validation reads the cells: a schema that calls the values integers fails on 128.2
    fields = {f["name"]: f for f in package["resources"][0]["schema"]["fields"]}
    fields["value"]["type"] = "integer"
    package["resources"][0]["path"] = f"{site.root}/dumps/observations.csv"
    wrong = tmp_path / "datapackage.json"
    wrong.write_text(json.dumps(package), encoding="utf-8")
    report = frictionless.validate(str(wrong))
    assert not report.valid
    assert {error.type for error in report.tasks[0].errors} == {"type-error"}


def test_catalogue_lists_the_descriptions(site: Site) -> None:
    void = Graph().parse(data=fetch(f"{site.root}/.well-known/void", headers={"Accept": "text/turtle"}).body,
                         format="turtle")
    downloads = {str(u) for u in void.objects(None, DCAT.downloadURL)}
    for name in ("observations.csv", "observations.csv-metadata.json", "datapackage.json"):
        assert f"{site.root}/dumps/{name}" in downloads
    csv_distribution = void.value(None, DCAT.downloadURL, URIRef(f"{site.root}/dumps/observations.csv"))
    assert (csv_distribution, DCT.conformsTo, URIRef(f"{site.root}/dumps/observations.csv-metadata.json")) in void


def test_the_table_is_the_same_on_every_backend(served, real_dataset: Dataset) -> None:
    """The CSV a backend serves is, byte for byte, the one the embedded store in memory builds."""
    from bolekg.services.tidy import observations_csv
    from bolekg.store import EmbeddedStore

    reference = EmbeddedStore(validator=small_validator)
    try:
        reference.load(real_dataset)
        expected = observations_csv(reference).decode("utf-8")
    finally:
        reference.close()
    _, text, _, _ = served
    assert text == expected
