"""Writes over real HTTP, against both backends: the token gate, and validated atomic writes.

SPARQL Update (``/sparql``) and the Graph Store Protocol (``/store``) on a small dataset built here,
validated by small shapes built here: a widget needs a label and has at most one integer count.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS

from bolekg.formats import NQUADS
from bolekg.report.vocab import SD, SH
from ld_support import EX, Site, fetch, query_url, remote_root, serving

TOKEN = "s3cret-token-for-tests"
GRAPH = EX + "graph/widgets"
OTHER = EX + "graph/more"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def widgets() -> Dataset:
    dataset = Dataset()
    graph = dataset.graph(URIRef(GRAPH))
    graph.add((URIRef(EX + "w1"), RDF.type, URIRef(EX + "Widget")))
    graph.add((URIRef(EX + "w1"), RDFS.label, Literal("widget one", lang="en")))
    return dataset


@pytest.fixture(params=["embedded", "remote", "virtuoso"])
def site(request: pytest.FixtureRequest) -> Iterator[Site]:
    with serving(request.param, remote_root(request, request.param), widgets(), token=TOKEN) as running_site:
        yield running_site


@pytest.fixture(params=["embedded", "remote", "virtuoso"])
def closed_site(request: pytest.FixtureRequest) -> Iterator[Site]:
    with serving(request.param, remote_root(request, request.param), widgets(), token=None) as running_site:
        yield running_site


def state(site: Site) -> bytes:
    """The whole store, for before/after comparisons."""
    return site.store.dump(NQUADS)


def same_state(a: bytes, b: bytes) -> bool:
    first, second = Dataset(), Dataset()
    first.parse(data=a, format="nquads")
    second.parse(data=b, format="nquads")
    names = lambda d: sorted(str(g.identifier) for g in d.graphs() if len(g))  # noqa: E731
    union = lambda d: Graph().parse(data=d.serialize(format="nt"), format="nt")  # noqa: E731
    return names(first) == names(second) and isomorphic(union(first), union(second))


def update(site: Site, text: str, headers: dict[str, str] | None = None, form: bool = False):  # type: ignore[no-untyped-def]
    if form:
        return fetch(f"{site.root}/sparql", "POST",
                     {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})},
                     urllib.parse.urlencode({"update": text}).encode())
    return fetch(f"{site.root}/sparql", "POST", {"Content-Type": "application/sparql-update", **(headers or {})},
                 text.encode())


def ask(site: Site, pattern: str) -> bool:
    reply = fetch(query_url(site.root, f"ASK {{ {pattern} }}"), headers={"Accept": "application/sparql-results+json"})
    return bool(ox.parse_query_results(reply.body, format=ox.QueryResultsFormat.JSON))


VALID = f'INSERT DATA {{ GRAPH <{GRAPH}> {{ <{EX}w2> a <{EX}Widget> ; <{RDFS.label}> "two" }} }}'
INVALID = (f"DELETE DATA {{ GRAPH <{GRAPH}> {{ <{EX}w1> <{RDFS.label}> \"widget one\"@en }} }} ;\n"
           f'INSERT DATA {{ GRAPH <{GRAPH}> {{ <{EX}w3> a <{EX}Widget> }} }}')


# --- the token gate ---------------------------------------------------------------------------------


def test_writes_are_off_without_a_configured_token(closed_site: Site) -> None:
    before = state(closed_site)
    for headers in ({}, AUTH):
        refused = update(closed_site, VALID, headers)
        assert refused.status == 400
        assert b"not accepted on this public endpoint" in refused.body
        put = fetch(f"{closed_site.root}/store?graph={urllib.parse.quote(OTHER)}", "PUT",
                    {"Content-Type": "text/turtle", **headers}, f"<{EX}w9> a <{EX}Thing> .".encode())
        assert put.status == 400
    assert same_state(before, state(closed_site))
    description = Graph().parse(data=fetch(f"{closed_site.root}/sparql", headers={"Accept": "text/turtle"}).body,
                                format="turtle")
    assert (None, SD.supportedLanguage, SD.SPARQL11Update) not in description


def test_missing_or_wrong_token(site: Site) -> None:
    before = state(site)
    missing = update(site, VALID)
    assert missing.status == 401
    assert missing.header("WWW-Authenticate").startswith("Bearer")
    assert update(site, VALID, {"Authorization": "Basic dXNlcjpwYXNz"}).status == 401
    assert update(site, VALID, {"Authorization": "Bearer not-the-token"}).status == 403
    delete = fetch(f"{site.root}/store?graph={urllib.parse.quote(GRAPH)}", "DELETE",
                   {"Authorization": "Bearer nope"})
    assert delete.status == 403
    assert same_state(before, state(site))


# --- SPARQL Update ----------------------------------------------------------------------------------


@pytest.mark.parametrize("form", [False, True], ids=["direct", "form"])
def test_valid_update_with_the_token(site: Site, form: bool) -> None:
    reply = update(site, VALID, AUTH, form=form)
    assert reply.status == 204, reply.text
    assert ask(site, f"<{EX}w2> a <{EX}Widget>")
    assert "Access-Control-Allow-Origin" not in reply.headers  # no CORS on writes
    description = Graph().parse(data=fetch(f"{site.root}/sparql", headers={"Accept": "text/turtle"}).body,
                                format="turtle")
    assert (None, SD.supportedLanguage, SD.SPARQL11Update) in description


def test_invalid_update_changes_nothing_and_reports(site: Site) -> None:
    before = state(site)
    reply = update(site, INVALID, AUTH)
    assert reply.status == 422
    assert "A widget needs a label" in reply.text
    assert same_state(before, state(site))
    assert ask(site, f'<{EX}w1> <{RDFS.label}> "widget one"@en')   # the valid half did not happen either
    as_turtle = update(site, INVALID, {**AUTH, "Accept": "text/turtle"})
    assert as_turtle.status == 422
    report = Graph().parse(data=as_turtle.body, format="turtle")
    assert (None, SH.conforms, Literal(False)) in report


def test_update_errors(site: Site) -> None:
    before = state(site)
    assert update(site, "INSERT DATA { <x:a> }", AUTH).status == 400
    load = update(site, f"LOAD <{site.root}/dumps/bolekg.ttl> INTO GRAPH <{OTHER}>", AUTH)
    assert load.status == 400 and "LOAD" in load.text
    assert same_state(before, state(site))


# --- Graph Store Protocol ---------------------------------------------------------------------------


def store_url(site: Site, graph: str | None) -> str:
    return f"{site.root}/store?default" if graph is None else f"{site.root}/store?graph={urllib.parse.quote(graph)}"


def test_graph_store_read(site: Site) -> None:
    reply = fetch(store_url(site, GRAPH), headers={"Accept": "application/n-triples"})
    assert reply.status == 200
    assert isomorphic(Graph().parse(data=reply.body, format="nt"), widgets().graph(URIRef(GRAPH)))
    assert reply.header("ETag")
    again = fetch(store_url(site, GRAPH), headers={"Accept": "application/n-triples",
                                                   "If-None-Match": reply.header("ETag")})
    assert again.status == 304
    assert fetch(store_url(site, OTHER)).status == 404
    assert fetch(f"{site.root}/store").status == 400
    assert fetch(store_url(site, None)).status == 200
    assert fetch(store_url(site, GRAPH), "HEAD").status == 200


def test_graph_store_writes(site: Site) -> None:
    body = f'<{EX}w5> a <{EX}Widget> ; <{RDFS.label}> "five" .'.encode()
    turtle = {"Content-Type": "text/turtle", **AUTH}
    created = fetch(store_url(site, OTHER), "PUT", turtle, body)
    assert created.status == 201, created.text
    assert fetch(store_url(site, OTHER), "PUT", turtle, body).status == 204
    got = Graph().parse(data=fetch(store_url(site, OTHER), headers={"Accept": "text/turtle"}).body,
                        format="turtle")
    assert isomorphic(got, Graph().parse(data=body, format="turtle"))
    merged = fetch(store_url(site, OTHER), "POST", {"Content-Type": "application/n-triples", **AUTH},
                   f'<{EX}w5> <{EX}count> "5"^^<http://www.w3.org/2001/XMLSchema#integer> .'.encode())
    assert merged.status == 204
    assert ask(site, f"GRAPH <{OTHER}> {{ <{EX}w5> <{EX}count> 5 }}")
    new_graph = fetch(store_url(site, EX + "graph/third"), "POST", turtle, body)
    assert new_graph.status == 201
    assert fetch(store_url(site, EX + "graph/third"), "DELETE", AUTH).status == 204
    assert fetch(store_url(site, EX + "graph/third"), "DELETE", AUTH).status == 404
    assert fetch(store_url(site, EX + "graph/third")).status == 404


def test_graph_store_refuses_invalid_payloads_atomically(site: Site) -> None:
    before = state(site)
    no_label = f"<{EX}w6> a <{EX}Widget> .".encode()
    put = fetch(store_url(site, GRAPH), "PUT", {"Content-Type": "text/turtle", **AUTH}, no_label)
    assert put.status == 422
    assert "A widget needs a label" in put.text
    second_count = fetch(store_url(site, GRAPH), "POST", {"Content-Type": "text/turtle", **AUTH},
                         f"<{EX}w1> <{EX}count> 1, 2 .".encode())
    assert second_count.status == 422
    assert same_state(before, state(site))
    assert fetch(store_url(site, GRAPH), "PUT", {"Content-Type": "text/turtle", **AUTH}, b"<a> <b> .").status == 400
    assert fetch(store_url(site, GRAPH), "PUT", {"Content-Type": "application/pdf", **AUTH}, b"%PDF").status == 415
    assert same_state(before, state(site))


@pytest.mark.parametrize("kind", ["embedded", "remote", "virtuoso"])
def test_deleting_a_graph_is_validated_too(kind: str, request: pytest.FixtureRequest) -> None:
    """Shapes can require data to exist; removing the graph that holds it is refused like any write."""
    from bolekg.report.validate import validate

    shapes = Graph().parse(data=f"""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        <{EX}MustHaveWidget> a sh:NodeShape ; sh:targetNode <{EX}Widget> ;
            sh:property [ sh:path [ sh:inversePath <{RDF.type}> ] ; sh:minCount 1 ] .
    """, format="turtle")
    with serving(kind, remote_root(request, kind), widgets(), token=TOKEN,
                 validator=lambda g: validate(g, shapes=shapes)) as site:
        before = state(site)
        assert fetch(store_url(site, GRAPH), "DELETE", AUTH).status == 422
        assert same_state(before, state(site))
