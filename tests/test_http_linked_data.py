"""Dereferenceable IRIs, dumps, VoID/DCAT, tidy CSV and OpenAPI over real HTTP, against both backends."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from decimal import Decimal

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS

from bolekg.report.vocab import BK, DCAT, ONTOLOGY_GRAPH, QB, REPORT_GRAPH, VOID
from bolekg.services.tidy import COLUMNS
from graphs import assert_isomorphic
from ld_support import Site, as_kept_by, canonical, expected_document, fetch, remote_root, serving

ITEM = "https://w3id.org/bolekg/id/item/1-01"
REPORT = "https://w3id.org/bolekg/id/report/bole-2021-h1"
FORMATS = {  # media type → (rdflib parser, extension)
    "text/turtle": ("turtle", "ttl"),
    "application/ld+json": ("json-ld", "jsonld"),
    "application/n-triples": ("nt", "nt"),
    "application/rdf+xml": ("xml", "rdf"),
}


@pytest.fixture(scope="module", params=["embedded", "remote", "virtuoso"])
def site(request: pytest.FixtureRequest, real_dataset: Dataset) -> Iterator[Site]:
    with serving(request.param, remote_root(request, request.param, read_only=True), real_dataset) as running_site:
        yield running_site


@pytest.fixture(scope="module")
def observation(real_union: Graph) -> str:
    """One observation of the real data (the first in IRI order)."""
    found = sorted(str(s) for s in real_union.subjects(RDF.type, BK.Observation))
    assert found, "the real data has no observations"
    return found[0]


def assert_same(expected: Graph, actual: Graph, site: Site | None = None) -> None:
    """``actual`` is ``expected`` as ``site``'s store keeps it (:func:`ld_support.as_kept_by`)."""
    store = site.store if site else None
    assert_isomorphic(as_kept_by(store, canonical(expected)), as_kept_by(store, canonical(actual)))


def path_of(iri: str) -> str:
    return iri.removeprefix("https://w3id.org/bolekg")


# --- dereferenceable IRIs ---------------------------------------------------------------------------


@pytest.mark.parametrize("media", list(FORMATS))
def test_conneg_answers_the_resource_document(site: Site, real_union: Graph, observation: str, media: str) -> None:
    parser, extension = FORMATS[media]
    for iri in (ITEM, observation):
        reply = fetch(site.root + path_of(iri), headers={"Accept": media})
        assert reply.status == 200, reply.text
        assert reply.header("Content-Type").startswith(media)
        assert "Accept" in reply.header("Vary")
        assert reply.header("Content-Location") == f"{path_of(iri)}.{extension}"
        assert_same(expected_document(real_union, iri), Graph().parse(data=reply.body, format=parser))


@pytest.mark.parametrize("media", list(FORMATS))
def test_explicit_format_urls(site: Site, real_union: Graph, media: str) -> None:
    parser, extension = FORMATS[media]
    reply = fetch(f"{site.root}{path_of(ITEM)}.{extension}", headers={"Accept": "text/html"})
    assert reply.status == 200
    assert reply.header("Content-Type").startswith(media)
    assert_same(expected_document(real_union, ITEM), Graph().parse(data=reply.body, format=parser))


def test_document_holds_own_incoming_and_labels(site: Site, real_union: Graph) -> None:
    doc = Graph().parse(data=fetch(f"{site.root}{path_of(ITEM)}.ttl").body, format="turtle")
    item = URIRef(ITEM)
    assert (item, RDF.type, BK.Item) in doc                              # its own triples
    assert any(True for _ in doc.subjects(None, item))                   # triples pointing at it
    for _, p, o in doc.triples((item, None, None)):                      # labels of what it mentions
        for node in (p, o):
            if isinstance(node, URIRef) and (node, RDFS.label, None) in real_union:
                assert (node, RDFS.label, None) in doc, node


def test_html_view(site: Site) -> None:
    reply = fetch(site.root + path_of(ITEM), headers={"Accept": "text/html,*/*;q=0.8"})
    assert reply.status == 200
    assert reply.header("Content-Type").startswith("text/html")
    assert "Accept" in reply.header("Vary")
    assert 'href="/id/programme/' in reply.text           # links stay on this host
    assert "<script" not in reply.text


def test_unknown_iri_is_404(site: Site) -> None:
    assert fetch(f"{site.root}/id/item/does-not-exist").status == 404
    assert fetch(f"{site.root}/id/item/does-not-exist.ttl").status == 404
    assert fetch(f"{site.root}/def/NoSuchTerm").status == 404


def test_ontology_terms_resolve(site: Site, real_union: Graph, real_dataset: Dataset) -> None:
    term = fetch(f"{site.root}/def/Observation", headers={"Accept": "text/turtle"})
    assert term.status == 200
    doc = Graph().parse(data=term.body, format="turtle")
    assert (BK.Observation, RDFS.label, Literal("Observation", lang="en")) in doc
    html = fetch(f"{site.root}/def/Observation", headers={"Accept": "text/html"})
    assert "Observation" in html.text and "观测值" in html.text
    ontology = fetch(f"{site.root}/def/", headers={"Accept": "text/turtle"})
    assert ontology.status == 200
    # the whole vocabulary (Best Practice Recipes, recipe 3), not only the statements about bk: itself
    whole = expected_document(real_union, "https://w3id.org/bolekg/def/")
    for triple in real_dataset.graph(ONTOLOGY_GRAPH):
        whole.add(triple)
    assert_same(whole, Graph().parse(data=ontology.body, format="turtle"), site)
    assert fetch(f"{site.root}/def.ttl").body == ontology.body


def test_graph_iris_answer_with_the_graph(site: Site, real_dataset: Dataset) -> None:
    reply = fetch(site.root + path_of(str(ONTOLOGY_GRAPH)), headers={"Accept": "application/n-triples"})
    assert reply.status == 200
    assert_same(real_dataset.graph(ONTOLOGY_GRAPH), Graph().parse(data=reply.body, format="nt"))
    page = fetch(site.root + path_of(str(REPORT_GRAPH)), headers={"Accept": "text/html"})
    assert str(len(real_dataset.graph(REPORT_GRAPH))) in page.text


def test_entity_documents_are_conditional(site: Site) -> None:
    first = fetch(f"{site.root}{path_of(ITEM)}.ttl")
    etag, modified = first.header("ETag"), first.header("Last-Modified")
    assert etag and modified
    assert fetch(f"{site.root}{path_of(ITEM)}.ttl", headers={"If-None-Match": etag}).status == 304
    assert fetch(f"{site.root}{path_of(ITEM)}.ttl", headers={"If-Modified-Since": modified}).status == 304
    other = fetch(f"{site.root}{path_of(REPORT)}.ttl")
    assert other.header("ETag") != etag


def test_cors_on_read_routes(site: Site) -> None:
    for path in (path_of(ITEM), "/dumps/bolekg.ttl", "/.well-known/void", "/openapi.json"):
        assert fetch(site.root + path).header("Access-Control-Allow-Origin") == "*", path


# --- dumps ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "parser"), [("bolekg.ttl", "turtle"), ("bolekg.nt", "nt")])
def test_triple_dumps_hold_the_union(site: Site, real_union: Graph, name: str, parser: str) -> None:
    reply = fetch(f"{site.root}/dumps/{name}")
    assert reply.status == 200
    assert_same(real_union, Graph().parse(data=reply.body, format=parser), site)


@pytest.mark.parametrize(("name", "parser"), [("bolekg.trig", "trig"), ("bolekg.nq", "nquads"),
                                              ("bolekg.jsonld", "json-ld")])
def test_dataset_dumps_keep_the_named_graphs(site: Site, real_dataset: Dataset, name: str, parser: str) -> None:
    reply = fetch(f"{site.root}/dumps/{name}")
    assert reply.status == 200
    parsed = Dataset()
    parsed.parse(data=reply.body, format=parser)
    for graph in (ONTOLOGY_GRAPH, REPORT_GRAPH):
        assert_same(real_dataset.graph(graph), parsed.graph(graph), site)


def test_dumps_are_conditional(site: Site) -> None:
    first = fetch(f"{site.root}/dumps/bolekg.nt")
    assert first.header("ETag") and first.header("Last-Modified")
    assert fetch(f"{site.root}/dumps/bolekg.nt", headers={"If-None-Match": first.header("ETag")}).status == 304
    assert fetch(f"{site.root}/dumps/bolekg.ttl").header("ETag") != first.header("ETag")
    assert fetch(f"{site.root}/dumps/bolekg.xyz").status == 404


# --- VoID + DCAT ------------------------------------------------------------------------------------


def test_void_description(site: Site, real_union: Graph) -> None:
    reply = fetch(f"{site.root}/.well-known/void", headers={"Accept": "text/turtle"})
    assert reply.status == 200
    void = Graph().parse(data=reply.body, format="turtle")
    dataset = void.value(None, VOID.sparqlEndpoint, URIRef(f"{site.root}/sparql"))
    assert dataset is not None
    assert (dataset, RDF.type, DCAT.Dataset) in void
    assert int(void.value(dataset, VOID.triples)) == len(real_union)
    dumps = {str(d) for d in void.objects(dataset, VOID.dataDump)}
    assert {f"{site.root}/dumps/bolekg.{ext}" for ext in ("ttl", "nt", "jsonld", "trig")} <= dumps
    for url in dumps:
        assert fetch(url).status == 200, url
    downloads = {str(u) for u in void.objects(None, DCAT.downloadURL)}
    assert f"{site.root}/dumps/observations.csv" in downloads
    assert (dataset, DCTERMS.license, URIRef("https://creativecommons.org/licenses/by/4.0/")) in void
    assert (dataset, DCTERMS.source, URIRef(REPORT)) in void
    assert (dataset, VOID.vocabulary, URIRef(str(BK._NS))) in void
    assert (dataset, VOID.vocabulary, URIRef(str(QB))) in void
    items = sum(1 for _ in real_union.subjects(RDF.type, BK.Item))
    partitions = {void.value(p, VOID["class"]): int(void.value(p, VOID.entities))
                  for p in void.objects(dataset, VOID.classPartition)}
    assert partitions[BK.Item] == items
    labels = {void.value(p, VOID.property): int(void.value(p, VOID.triples))
              for p in void.objects(dataset, VOID.propertyPartition)}
    assert labels[RDFS.label] == sum(1 for _ in real_union.triples((None, RDFS.label, None)))
    service = void.value(None, DCAT.endpointURL, URIRef(f"{site.root}/sparql"))
    assert (service, DCAT.servesDataset, dataset) in void


def test_void_is_content_negotiated(site: Site) -> None:
    as_jsonld = fetch(f"{site.root}/.well-known/void", headers={"Accept": "application/ld+json"})
    assert as_jsonld.header("Content-Type").startswith("application/ld+json")
    assert len(Graph().parse(data=as_jsonld.body, format="json-ld")) > 0
    as_html = fetch(f"{site.root}/.well-known/void", headers={"Accept": "text/html"})
    assert as_html.header("Content-Type").startswith("text/html")
    assert "/dumps/bolekg.ttl" in as_html.text


# --- tidy CSV ---------------------------------------------------------------------------------------


def test_every_figure_as_tidy_csv(site: Site, real_union: Graph) -> None:
    reply = fetch(f"{site.root}/dumps/observations.csv")
    assert reply.status == 200
    assert reply.header("Content-Type").startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(reply.text)))
    assert tuple(rows[0].keys()) == COLUMNS
    observations = set(real_union.subjects(RDF.type, BK.Observation))
    assert len(rows) == len(observations)
    for row in rows:
        obs = URIRef(row["observation"])
        measure = real_union.value(obs, QB.measureType)
        assert row["measure_type"] == str(measure).rsplit("/", 1)[-1]
        assert Decimal(row["value"]) == Decimal(str(real_union.value(obs, measure))), obs
        unit = real_union.value(obs, URIRef("http://purl.org/linked-data/sdmx/2009/attribute#unitMeasure"))
        assert row["unit"] == (str(unit) if unit else "")


# --- OpenAPI ----------------------------------------------------------------------------------------


def test_openapi_describes_every_route(site: Site) -> None:
    reply = fetch(f"{site.root}/openapi.json")
    assert reply.status == 200
    document = json.loads(reply.body)
    assert document["openapi"].startswith("3.1")
    paths = document["paths"]
    for rule in site.app.url_map.iter_rules():  # type: ignore[attr-defined]
        if rule.endpoint == "static":
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", "{path}", rule.rule).replace("{rest}", "{path}")
        path = path.replace("{name}", "{path}")
        documented = {re.sub(r"\{[^}]+\}", "{path}", p): ops for p, ops in paths.items()}
        assert path in documented, f"{rule.rule} is not in the OpenAPI document"
        for method in rule.methods - {"OPTIONS", "HEAD"}:  # HEAD comes with every GET (RFC 9110 §9.3.2)
            assert method.lower() in documented[path], f"{method} {rule.rule} is not documented"
