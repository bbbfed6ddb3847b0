"""``/sparql`` over real HTTP (waitress), against both backends: the SPARQL 1.1 Protocol, formats, errors."""

from __future__ import annotations

import csv
import io
import urllib.parse
from collections.abc import Iterator

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS

from bolekg.paths import ROOT
from bolekg.report.vocab import BK, ONTOLOGY_GRAPH, REPORT_GRAPH, SD
from ld_support import Site, canonical, fetch, query_url, serving

ITEMS = "PREFIX bk: <https://w3id.org/bolekg/def/> SELECT ?item WHERE { ?item a bk:Item } ORDER BY ?item"
ITEM_LABELS = ("PREFIX bk: <https://w3id.org/bolekg/def/> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
               "CONSTRUCT { ?item rdfs:label ?l } WHERE { ?item a bk:Item ; rdfs:label ?l }")


@pytest.fixture(scope="module", params=["embedded", "remote"])
def site(request: pytest.FixtureRequest, oxigraph_server: str, real_dataset: Dataset) -> Iterator[Site]:
    with serving(request.param, oxigraph_server, real_dataset) as running_site:
        yield running_site


@pytest.fixture(scope="module")
def items(real_union: Graph) -> list[str]:
    found = sorted(str(s) for s in real_union.subjects(RDF.type, BK.Item))
    assert len(found) == 30  # the report's thirty items
    return found


def item_labels(union: Graph) -> Graph:
    expected = Graph()
    for item in union.subjects(RDF.type, BK.Item):
        for label in union.objects(item, RDFS.label):
            expected.add((item, RDFS.label, label))
    return expected


def solutions(body: bytes, fmt: ox.QueryResultsFormat) -> list[dict[str, str]]:
    result = ox.parse_query_results(body, format=fmt)
    names = [v.value for v in result.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in result]


def test_get_query_counts_the_union(site: Site, real_union: Graph) -> None:
    reply = fetch(query_url(site.root, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"),
                  headers={"Accept": "application/sparql-results+json"})
    assert reply.status == 200
    assert reply.header("Content-Type").startswith("application/sparql-results+json")
    assert solutions(reply.body, ox.QueryResultsFormat.JSON) == [{"n": str(len(real_union))}]


@pytest.mark.parametrize(("accept", "fmt"), [
    ("application/sparql-results+json", ox.QueryResultsFormat.JSON),
    ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
    ("text/tab-separated-values", ox.QueryResultsFormat.TSV),
])
def test_select_result_formats(site: Site, items: list[str], accept: str, fmt: ox.QueryResultsFormat) -> None:
    reply = fetch(query_url(site.root, ITEMS), headers={"Accept": accept})
    assert reply.status == 200, reply.text
    assert reply.header("Content-Type").startswith(accept)
    assert "Accept" in reply.header("Vary")
    assert [row["item"] for row in solutions(reply.body, fmt)] == items


def test_select_as_csv(site: Site, items: list[str]) -> None:
    reply = fetch(query_url(site.root, ITEMS), headers={"Accept": "text/csv"})
    assert reply.header("Content-Type").startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(reply.text)))
    assert [row["item"] for row in rows] == items


@pytest.mark.parametrize(("accept", "rdflib_format"), [
    ("text/turtle", "turtle"),
    ("application/n-triples", "nt"),
    ("application/ld+json", "json-ld"),
    ("application/rdf+xml", "xml"),
    ("application/trig", "trig"),
])
def test_construct_formats(site: Site, real_union: Graph, accept: str, rdflib_format: str) -> None:
    reply = fetch(query_url(site.root, ITEM_LABELS), headers={"Accept": accept})
    assert reply.status == 200, reply.text
    assert reply.header("Content-Type").startswith(accept)
    if rdflib_format == "trig":
        parsed = Dataset()
        parsed.parse(data=reply.body, format="trig")
        got = Graph()
        for s, p, o, _ in parsed.quads((None, None, None, None)):
            got.add((s, p, o))
    else:
        got = Graph().parse(data=reply.body, format=rdflib_format)
    assert len(got) > 0
    assert isomorphic(canonical(item_labels(real_union)), got)


def test_describe_and_ask(site: Site) -> None:
    item = "https://w3id.org/bolekg/id/item/1-01"
    described = fetch(query_url(site.root, f"DESCRIBE <{item}>"), headers={"Accept": "text/turtle"})
    assert described.status == 200
    assert (URIRef(item), RDF.type, BK.Item) in Graph().parse(data=described.body, format="turtle")
    asked = fetch(query_url(site.root, f"ASK {{ <{item}> a <{BK.Item}> }}"),
                  headers={"Accept": "application/sparql-results+json"})
    assert bool(ox.parse_query_results(asked.body, format=ox.QueryResultsFormat.JSON)) is True


def test_post_form_and_post_direct_answer_like_get(site: Site, items: list[str]) -> None:
    accept = {"Accept": "application/sparql-results+json"}
    form = fetch(f"{site.root}/sparql", "POST",
                 {**accept, "Content-Type": "application/x-www-form-urlencoded"},
                 urllib.parse.urlencode({"query": ITEMS}).encode())
    direct = fetch(f"{site.root}/sparql", "POST", {**accept, "Content-Type": "application/sparql-query"},
                   ITEMS.encode())
    for reply in (form, direct):
        assert reply.status == 200, reply.text
        assert [row["item"] for row in solutions(reply.body, ox.QueryResultsFormat.JSON)] == items


def test_format_parameter_overrides_accept(site: Site, items: list[str]) -> None:
    reply = fetch(query_url(site.root, ITEMS, format="csv"), headers={"Accept": "application/sparql-results+json"})
    assert reply.header("Content-Type").startswith("text/csv")
    assert [row["item"] for row in csv.DictReader(io.StringIO(reply.text))] == items
    unknown = fetch(query_url(site.root, ITEMS, format="yaml"))
    assert unknown.status == 400


def test_dataset_parameters(site: Site, real_dataset: Dataset) -> None:
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    url = query_url(site.root, count) + "&" + urllib.parse.urlencode({"default-graph-uri": str(ONTOLOGY_GRAPH)})
    reply = fetch(url, headers={"Accept": "application/sparql-results+json"})
    assert solutions(reply.body, ox.QueryResultsFormat.JSON) == [{"n": str(len(real_dataset.graph(ONTOLOGY_GRAPH)))}]
    graphs = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    url = query_url(site.root, graphs) + "&" + urllib.parse.urlencode({"named-graph-uri": str(REPORT_GRAPH)})
    reply = fetch(url, headers={"Accept": "application/sparql-results+json"})
    assert solutions(reply.body, ox.QueryResultsFormat.JSON) == [{"g": str(REPORT_GRAPH)}]


def test_malformed_query_is_400_with_the_parser_message(site: Site) -> None:
    reply = fetch(query_url(site.root, "SELECT ?s WHERE { ?s ?p }"))
    assert reply.status == 400
    assert reply.header("Content-Type").startswith("text/plain")
    assert "error at 1:" in reply.text


def test_protocol_errors(site: Site) -> None:
    assert fetch(f"{site.root}/sparql?update=CLEAR%20ALL").status == 400
    both = fetch(f"{site.root}/sparql", "POST", {"Content-Type": "application/x-www-form-urlencoded"},
                 urllib.parse.urlencode({"query": ITEMS, "update": "CLEAR ALL"}).encode())
    assert both.status == 400
    wrong_type = fetch(f"{site.root}/sparql", "POST", {"Content-Type": "application/json"}, b"{}")
    assert wrong_type.status == 415
    not_acceptable = fetch(query_url(site.root, ITEMS), headers={"Accept": "image/png"})
    assert not_acceptable.status == 406


def test_federated_query_is_refused(site: Site) -> None:
    reply = fetch(query_url(site.root, "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"))
    assert reply.status == 400
    assert "SERVICE" in reply.text
    # the word inside a string or an IRI is not the keyword
    harmless = fetch(query_url(site.root, 'SELECT * WHERE { ?s ?p "SERVICE" } LIMIT 1'))
    assert harmless.status == 200


def test_service_description(site: Site, real_union: Graph) -> None:
    reply = fetch(f"{site.root}/sparql", headers={"Accept": "text/turtle"})
    assert reply.status == 200
    description = Graph().parse(data=reply.body, format="turtle")
    endpoint = URIRef(f"{site.root}/sparql")
    service = description.value(None, SD.endpoint, endpoint)
    assert service is not None
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in description
    assert (service, SD.supportedLanguage, SD.SPARQL11Update) not in description  # writes are off here
    assert (service, SD.feature, SD.UnionDefaultGraph) in description
    assert (service, SD.resultFormat, URIRef("http://www.w3.org/ns/formats/SPARQL_Results_JSON")) in description
    names = {str(n) for n in description.objects(None, SD.name)}
    assert names == {str(ONTOLOGY_GRAPH), str(REPORT_GRAPH)}


def test_query_page_for_browsers(site: Site) -> None:
    page = fetch(f"{site.root}/sparql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.status == 200
    assert page.header("Content-Type").startswith("text/html")
    assert "<form" in page.text and "<textarea" in page.text
    results = fetch(query_url(site.root, ITEMS), headers={"Accept": "text/html"})
    assert 'href="/id/item/1-01"' in results.text


def test_cors_on_queries(site: Site) -> None:
    reply = fetch(query_url(site.root, ITEMS), headers={"Origin": "https://example.org"})
    assert reply.header("Access-Control-Allow-Origin") == "*"
    preflight = fetch(f"{site.root}/sparql", "OPTIONS", {
        "Origin": "https://example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert preflight.header("Access-Control-Allow-Origin") == "*"
    assert "POST" in preflight.header("Access-Control-Allow-Methods")
    assert "Content-Type" in preflight.header("Access-Control-Allow-Headers")
    assert "Authorization" not in preflight.header("Access-Control-Allow-Headers")


def test_readme_sparqlwrapper_example(site: Site, items: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """The Python example in README.md, run as a researcher would paste it, against this server."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Endpoint and linked data", 1)[1]
    example = section.split("```python\n", 1)[1].split("```", 1)[0]
    assert "http://127.0.0.1:5000/sparql" in example
    exec(example.replace("http://127.0.0.1:5000", site.root), {})
    printed = [line.split(" ", 1) for line in capsys.readouterr().out.splitlines()]
    assert [item for item, _ in printed] == items
    assert all(label.strip() for _, label in printed)
