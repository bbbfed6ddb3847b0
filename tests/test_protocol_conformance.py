"""SPARQL 1.1 Protocol (https://www.w3.org/TR/sparql11-protocol/), the SPARQL 1.2 Protocol draft's
``version`` (https://www.w3.org/TR/sparql12-protocol/) and the Graph Store HTTP Protocol rules that a
real client sees, over HTTP, on the store in memory, on disk and behind ``oxigraph serve``, with the real write token.

Data goes in the way conformance clients put it: PUT into a named graph through the Graph Store
Protocol, then queries and updates to the one ``/sparql`` URL. docs/CONFORMANCE.md names these tests.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, URIRef

from bolekg.report.vocab import SD
from ld_support import EX, Reply, Site, fetch, remote_root, serving

TOKEN = "conformance-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
DATA = EX + "graph/data"
COPY = EX + "graph/copy"
TURTLE = (f"<{EX}a> <{EX}p> <{EX}b> .\n<{EX}b> <{EX}p> <{EX}c> .\n").encode()
JSON = "application/sparql-results+json"


@pytest.fixture(params=["embedded", "disk", "remote", "virtuoso"])
def site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Site]:
    with serving(request.param, remote_root(request, request.param), Dataset(), token=TOKEN,
                 directory=tmp_path / "store") as running:
        put = fetch(f"{running.root}/store?graph={urllib.parse.quote(DATA, safe='')}", "PUT",
                    {"Content-Type": "text/turtle", **AUTH}, TURTLE)
        assert put.status == 201, put.text
        yield running


def post(site: Site, media: str, body: str | bytes, query: str = "", headers: dict[str, str] | None = None) -> Reply:
    data = body.encode("utf-8") if isinstance(body, str) else body
    url = f"{site.root}/sparql" + (f"?{query}" if query else "")
    return fetch(url, "POST", {"Content-Type": media, **AUTH, **(headers or {})}, data)


def triples(site: Site, graph: str) -> Graph:
    reply = fetch(f"{site.root}/store?graph={urllib.parse.quote(graph, safe='')}", "GET",
                  {"Accept": "application/n-triples"})
    assert reply.status in (200, 404), reply.text
    return Graph().parse(data=reply.body if reply.status == 200 else b"", format="nt")


def ask(site: Site, query: str) -> bool:
    reply = fetch(f"{site.root}/sparql?" + urllib.parse.urlencode({"query": query}), "GET", {"Accept": JSON})
    assert reply.status == 200, reply.text
    return '"boolean":true' in reply.text.replace(" ", "")


# --- relative IRIs resolve against the endpoint (Protocol §2.1.4/§2.2.3, Query §4.1.1) --------------


def test_a_relative_iri_in_a_query_resolves_against_the_endpoint(site: Site) -> None:
    reply = post(site, "application/sparql-query", "CONSTRUCT { <s> <p> 1 } WHERE {}",
                 headers={"Accept": "application/n-triples"})
    assert reply.status == 200, reply.text
    assert f"<{site.root}/s> <{site.root}/p>" in reply.text


def test_base_in_the_query_text_wins_over_the_endpoint(site: Site) -> None:
    reply = post(site, "application/sparql-query", f"BASE <{EX}base/> CONSTRUCT {{ <s> <p> 1 }} WHERE {{}}",
                 headers={"Accept": "application/n-triples"})
    assert reply.status == 200, reply.text
    assert f"<{EX}base/s>" in reply.text


def test_a_relative_iri_in_an_update_resolves_against_the_endpoint(site: Site) -> None:
    reply = post(site, "application/sparql-update", f"INSERT DATA {{ GRAPH <{COPY}> {{ <s> <p> <test> }} }}")
    assert reply.status == 204, reply.text
    assert (URIRef(f"{site.root}/s"), URIRef(f"{site.root}/p"), URIRef(f"{site.root}/test")) in triples(site, COPY)


# --- charset: UTF-8 is the only one (§2.1.3, §2.2.2); anything else is refused, never misread ----------


@pytest.mark.parametrize("media", ["application/sparql-query", "application/sparql-update",
                                   "application/x-www-form-urlencoded"])
def test_a_charset_other_than_utf8_is_refused_with_415(site: Site, media: str) -> None:
    body = "update=CLEAR+ALL" if media.endswith("urlencoded") else (
        "CLEAR ALL" if media.endswith("update") else "ASK {}")
    reply = post(site, f"{media}; charset=UTF-16", body)
    assert reply.status == 415, reply.text
    assert "UTF-8" in reply.text
    assert len(triples(site, DATA)) == 2  # nothing was cleared


def test_utf8_named_as_the_charset_is_read(site: Site) -> None:
    assert post(site, "application/sparql-query; charset=utf-8", "ASK {}", headers={"Accept": JSON}).status == 200
    assert post(site, "application/sparql-query; charset=UTF-8", "ASK {}", headers={"Accept": JSON}).status == 200


# --- using-graph-uri / using-named-graph-uri (§2.2.3) ---------------------------------------------------


def test_using_graph_uri_is_the_default_graph_of_the_where_clause(site: Site) -> None:
    update = f"INSERT {{ GRAPH <{COPY}> {{ ?s ?p ?o }} }} WHERE {{ ?s ?p ?o }}"
    reply = post(site, "application/sparql-update", update, urllib.parse.urlencode({"using-graph-uri": DATA}))
    assert reply.status == 204, reply.text
    assert len(triples(site, COPY)) == 2


def test_using_named_graph_uri_names_the_graphs_of_the_where_clause(site: Site) -> None:
    update = (f"INSERT {{ GRAPH <{COPY}> {{ ?s <{EX}in> ?g }} }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}")
    form = urllib.parse.urlencode({"update": update, "using-named-graph-uri": DATA})
    reply = post(site, "application/x-www-form-urlencoded", form)
    assert reply.status == 204, reply.text
    assert set(triples(site, COPY).objects()) == {URIRef(DATA)}


def test_using_named_graph_uri_applies_to_delete_where(site: Site) -> None:
    update = f"DELETE WHERE {{ GRAPH ?g {{ <{EX}a> ?p ?o }} }}"
    elsewhere = post(site, "application/sparql-update", update, urllib.parse.urlencode({"using-named-graph-uri": COPY}))
    assert elsewhere.status == 204, elsewhere.text
    assert len(triples(site, DATA)) == 2  # the WHERE clause saw only the (empty) copy graph
    here = post(site, "application/sparql-update", update, urllib.parse.urlencode({"using-named-graph-uri": DATA}))
    assert here.status == 204, here.text
    assert len(triples(site, DATA)) == 1


@pytest.mark.parametrize("text", [f"WITH <{DATA}> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}",
                                  f"DELETE {{ ?s ?p ?o }} USING <{DATA}> WHERE {{ ?s ?p ?o }}"])
def test_using_graph_uri_with_using_or_with_in_the_text_is_refused(site: Site, text: str) -> None:
    reply = post(site, "application/sparql-update", text, urllib.parse.urlencode({"using-graph-uri": DATA}))
    assert reply.status == 400, reply.text
    assert len(triples(site, DATA)) == 2


# --- where the parameters go (§2.1.1, §2.1.2) -----------------------------------------------------------


def test_a_get_with_a_body_is_refused(site: Site) -> None:
    reply = fetch(f"{site.root}/sparql?" + urllib.parse.urlencode({"query": "ASK {}"}), "GET",
                  {"Accept": JSON, "Content-Type": "text/plain"}, b"a body a GET must not have")
    assert reply.status == 400, reply.text
    assert "body" in reply.text


def test_a_form_post_with_protocol_parameters_in_the_url_is_refused(site: Site) -> None:
    form = urllib.parse.urlencode({"query": "SELECT * WHERE { ?s ?p ?o }"})
    reply = post(site, "application/x-www-form-urlencoded", form,
                 urllib.parse.urlencode({"default-graph-uri": COPY}), headers={"Accept": JSON})
    assert reply.status == 400, reply.text
    assert "default-graph-uri" in reply.text


def test_format_in_the_url_of_a_form_post_still_chooses_the_format(site: Site) -> None:
    form = urllib.parse.urlencode({"query": "ASK {}"})
    reply = post(site, "application/x-www-form-urlencoded", form, "format=csv")
    assert reply.status == 200, reply.text
    assert reply.header("Content-Type").startswith("text/csv")


# --- empty replies carry no Content-Type (RFC 9110 §8.3, §15.3.5) ---------------------------------------


def test_204_and_201_replies_have_no_content_type(site: Site) -> None:
    created = fetch(f"{site.root}/store?graph={urllib.parse.quote(COPY, safe='')}", "PUT",
                    {"Content-Type": "text/turtle", **AUTH}, TURTLE)
    assert created.status == 201 and not created.body
    assert "content-type" not in created.headers
    updated = post(site, "application/sparql-update", f"CLEAR GRAPH <{COPY}>")
    assert updated.status == 204 and not updated.body
    assert "content-type" not in updated.headers


# --- version (SPARQL 1.2 Protocol draft §2) --------------------------------------------------------------


@pytest.mark.parametrize("version", ["1.1", "1.2", "1.2-basic"])
def test_a_known_version_is_accepted(site: Site, version: str) -> None:
    url = f"{site.root}/sparql?" + urllib.parse.urlencode({"query": "ASK {}", "version": version})
    assert fetch(url, "GET", {"Accept": JSON}).status == 200
    direct = post(site, f"application/sparql-query; version={version}", "ASK {}", headers={"Accept": JSON})
    assert direct.status == 200, direct.text


@pytest.mark.parametrize("versions", [["1.1", "1.2"], ["2.0"], [""]])
def test_a_repeated_or_unknown_version_is_refused(site: Site, versions: list[str]) -> None:
    pairs = [("query", "ASK {}"), *(("version", v) for v in versions)]
    reply = fetch(f"{site.root}/sparql?" + urllib.parse.urlencode(pairs), "GET", {"Accept": JSON})
    assert reply.status == 400, reply.text
    assert "version" in reply.text


def test_an_update_with_two_versions_changes_nothing(site: Site) -> None:
    form = urllib.parse.urlencode([("update", "CLEAR ALL"), ("version", "1.1"), ("version", "1.2")])
    reply = post(site, "application/x-www-form-urlencoded", form)
    assert reply.status == 400, reply.text
    assert len(triples(site, DATA)) == 2
    direct = post(site, "application/sparql-update; version=9", "CLEAR ALL")
    assert direct.status == 400, direct.text
    assert len(triples(site, DATA)) == 2


# --- the Service Description (SPARQL 1.1 Service Description §3) ----------------------------------------


def service_description(site: Site) -> Graph:
    reply = fetch(f"{site.root}/sparql", "GET", {"Accept": "text/turtle"})
    assert reply.status == 200, reply.text
    return Graph().parse(data=reply.body, format="turtle")


def test_the_service_description_claims_only_what_the_endpoint_does(site: Site) -> None:
    graph = service_description(site)
    service = next(graph.subjects(SD.endpoint, None))
    features = set(graph.objects(service, SD.feature))
    assert SD.UnionDefaultGraph in features
    assert SD.BasicFederatedQuery not in features  # SERVICE is refused
    assert set(graph.objects(service, SD.supportedLanguage)) == {SD.SPARQL11Query, SD.SPARQL11Update}
    results = {str(o) for o in graph.objects(service, SD.resultFormat)}
    assert {"http://www.w3.org/ns/formats/SPARQL_Results_JSON", "http://www.w3.org/ns/formats/Turtle"} <= results
    inputs = {str(o) for o in graph.objects(service, SD.inputFormat)}
    assert {"http://www.w3.org/ns/formats/Turtle", "http://www.w3.org/ns/formats/N-Triples"} <= inputs
    dataset = next(graph.objects(service, SD.defaultDataset))
    named = {str(graph.value(node, SD.name)) for node in graph.objects(dataset, SD.namedGraph)}
    assert DATA in named


def test_the_service_description_names_the_versions_it_accepts(site: Site) -> None:
    graph = service_description(site)
    service = next(graph.subjects(SD.endpoint, None))
    comment = " ".join(str(c) for c in graph.objects(service, URIRef("http://www.w3.org/2000/01/rdf-schema#comment")))
    assert "version" in comment and all(v in comment for v in ("1.1", "1.2", "1.2-basic"))


# --- the Graph Store HTTP Protocol (https://www.w3.org/TR/sparql11-http-rdf-update/) ---------------------


def store_url(site: Site, graph: str | None = None) -> str:
    return f"{site.root}/store" + ("?default" if graph is None else f"?graph={urllib.parse.quote(graph, safe='')}")


def test_gsp_get_and_head_of_a_missing_graph_are_404(site: Site) -> None:
    assert fetch(store_url(site, COPY), "GET", {"Accept": "text/turtle"}).status == 404
    assert fetch(store_url(site, COPY), "HEAD").status == 404


def test_gsp_head_answers_like_get_without_a_body(site: Site) -> None:
    got = fetch(store_url(site, DATA), "GET", {"Accept": "text/turtle"})
    head = fetch(store_url(site, DATA), "HEAD", {"Accept": "text/turtle"})
    assert got.status == head.status == 200 and not head.body
    assert head.header("Content-Type") == got.header("Content-Type")


def test_gsp_put_replaces_and_answers_201_then_204(site: Site) -> None:
    first = fetch(store_url(site, COPY), "PUT", {"Content-Type": "text/turtle", **AUTH}, TURTLE)
    again = fetch(store_url(site, COPY), "PUT", {"Content-Type": "application/n-triples", **AUTH},
                  f"<{EX}x> <{EX}p> <{EX}y> .\n".encode())
    assert (first.status, again.status) == (201, 204)
    assert len(triples(site, COPY)) == 1


def test_gsp_post_merges_into_the_graph(site: Site) -> None:
    reply = fetch(store_url(site, DATA), "POST", {"Content-Type": "application/n-triples", **AUTH},
                  f"<{EX}x> <{EX}p> <{EX}y> .\n".encode())
    assert reply.status == 204, reply.text
    assert len(triples(site, DATA)) == 3


def test_gsp_post_to_the_graph_store_creates_a_graph_and_says_where(site: Site) -> None:
    reply = fetch(f"{site.root}/store", "POST", {"Content-Type": "text/turtle", **AUTH}, TURTLE)
    assert reply.status == 201, reply.text
    location = reply.header("Location")
    assert location.startswith(f"{site.root}/store?graph=")
    created = fetch(location, "GET", {"Accept": "application/n-triples"})
    assert created.status == 200
    assert len(Graph().parse(data=created.body, format="nt")) == 2


def test_gsp_delete_removes_the_graph_then_404(site: Site) -> None:
    assert fetch(store_url(site, DATA), "DELETE", AUTH).status == 204
    assert fetch(store_url(site, DATA), "GET").status == 404
    assert fetch(store_url(site, DATA), "DELETE", AUTH).status == 404


def test_gsp_default_graph_by_indirect_identification(site: Site) -> None:
    reply = fetch(store_url(site), "PUT", {"Content-Type": "text/turtle", **AUTH}, TURTLE)
    assert reply.status in (201, 204), reply.text
    assert len(Graph().parse(data=fetch(store_url(site), "GET", {"Accept": "application/n-triples"}).body,
                             format="nt")) == 2


def test_gsp_an_unsupported_payload_is_415_and_a_broken_one_400(site: Site) -> None:
    assert fetch(store_url(site, COPY), "PUT", {"Content-Type": "application/pdf", **AUTH}, b"%PDF").status == 415
    assert fetch(store_url(site, COPY), "PUT", {"Content-Type": "text/turtle", **AUTH}, b"<a> <b> .").status == 400
    assert fetch(store_url(site, COPY), "GET").status == 404  # nothing was stored


def test_gsp_graph_and_default_together_are_400(site: Site) -> None:
    assert fetch(f"{site.root}/store?default&graph={urllib.parse.quote(DATA, safe='')}").status == 400


# --- the query and update operations: what the rest of the suite covers, named here ----------------------


def test_exactly_one_query_and_one_update(site: Site) -> None:
    two = fetch(f"{site.root}/sparql?query=ASK%7B%7D&query=ASK%7B%7D", "GET", {"Accept": JSON})
    assert two.status == 400
    form = urllib.parse.urlencode([("update", "CLEAR ALL"), ("update", "CLEAR ALL")])
    assert post(site, "application/x-www-form-urlencoded", form).status == 400
    assert len(triples(site, DATA)) == 2


def test_other_methods_are_405(site: Site) -> None:
    assert fetch(f"{site.root}/sparql?query=ASK%7B%7D", "PUT", AUTH, b"").status == 405
    assert fetch(f"{site.root}/sparql?query=ASK%7B%7D", "DELETE", AUTH).status == 405
    # PATCH (Graph Store Protocol §5.7, optional) is not offered
    patch = fetch(store_url(site, DATA), "PATCH", {"Content-Type": "application/sparql-update", **AUTH}, b"")
    assert patch.status == 405


def test_the_request_dataset_wins_over_from_in_the_query(site: Site) -> None:
    query = f"SELECT (COUNT(*) AS ?n) FROM <{COPY}> WHERE {{ ?s ?p ?o }}"
    url = f"{site.root}/sparql?" + urllib.parse.urlencode({"query": query, "default-graph-uri": DATA})
    reply = fetch(url, "GET", {"Accept": "text/csv"})
    assert reply.status == 200, reply.text
    assert reply.text.split() == ["n", "2"]


def test_a_query_with_a_relative_iri_resolves_for_each_address_it_is_sent_to(site: Site) -> None:
    """Its reply is never replayed to a client that addressed the endpoint by another name."""
    url = f"{site.root}/sparql?" + urllib.parse.urlencode({"query": "CONSTRUCT { <s> <p> 1 } WHERE {}"})
    for host in ("first.test", "second.test", "first.test"):
        reply = fetch(url, "GET", {"Accept": "application/n-triples", "Host": host})
        assert reply.status == 200, reply.text
        assert f"<http://{host}/s>" in reply.text
