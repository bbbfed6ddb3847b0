"""The plain-WSGI front for SPARQL queries (``bolekg.web.query_wsgi``) answers exactly as the Flask
view behind it: same status, body and headers for every form of the query operation, every format,
every error — and it really answers the machine formats itself, leaving pages and errors to the view."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from rdflib import Dataset, Graph
from rdflib.compare import to_isomorphic
from werkzeug.test import Client
from werkzeug.wrappers import Response

import ld_support
from bolekg.sparql import Limits
from bolekg.store import EmbeddedStore
from bolekg.web import create_app
from bolekg.web.query_wsgi import QueryEndpoint
from ld_support import small_validator

real_dataset = ld_support.real_dataset

ITEM = "https://w3id.org/bolekg/id/item/1-01"
GRAPH = "https://w3id.org/bolekg/graph/report/bole-2021-h1"
SELECT = f"SELECT ?p ?o WHERE {{ <{ITEM}> ?p ?o }} ORDER BY ?p ?o"
JSON, XML, CSV, TSV = ("application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                       "text/tab-separated-values")
FORM = "application/x-www-form-urlencoded"
COMPARED = ("Content-Type", "Content-Length", "Vary", "X-Content-Type-Options", "Referrer-Policy",
            "Access-Control-Allow-Origin", "Access-Control-Expose-Headers", "X-BoleKG-Truncated",
            "X-BoleKG-Row-Limit", "Retry-After", "Content-Security-Policy")

#: (name, request arguments for werkzeug's client, whether the front answers it itself)
CASES: list[tuple[str, dict[str, Any], bool]] = [
    ("get-json", {"query_string": {"query": SELECT}, "headers": {"Accept": JSON}}, True),
    ("get-xml", {"query_string": {"query": SELECT}, "headers": {"Accept": XML}}, True),
    ("get-csv", {"query_string": {"query": SELECT}, "headers": {"Accept": CSV}}, True),
    ("get-tsv-by-format", {"query_string": {"query": SELECT, "format": "tsv"}}, True),
    ("get-any", {"query_string": {"query": SELECT}, "headers": {"Accept": "*/*"}}, True),
    ("ask", {"query_string": {"query": "ASK { ?s ?p ?o }"}, "headers": {"Accept": JSON}}, True),
    ("construct-turtle", {"query_string": {"query": f"CONSTRUCT WHERE {{ <{ITEM}> ?p ?o }}"},
                          "headers": {"Accept": "text/turtle"}}, True),
    ("describe-ntriples", {"query_string": {"query": f"DESCRIBE <{ITEM}>"},
                           "headers": {"Accept": "application/n-triples"}}, True),
    ("construct-jsonld", {"query_string": {"query": f"CONSTRUCT WHERE {{ <{ITEM}> ?p ?o }}", "format": "jsonld"}},
     True),
    ("post-form", {"method": "POST", "data": {"query": SELECT}, "headers": {"Accept": CSV}}, True),
    ("post-form-format-in-url", {"method": "POST", "query_string": {"format": "xml"}, "data": {"query": SELECT}},
     True),
    ("post-direct", {"method": "POST", "data": SELECT.encode(), "content_type": "application/sparql-query",
                     "headers": {"Accept": JSON}}, True),
    ("default-graph", {"query_string": {"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }",
                                        "default-graph-uri": GRAPH}, "headers": {"Accept": CSV}}, True),
    ("named-graph", {"query_string": {"query": "SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
                                      "named-graph-uri": GRAPH}, "headers": {"Accept": CSV}}, True),
    ("truncated", {"query_string": {"query": "SELECT * { ?s ?p ?o }"}, "headers": {"Accept": JSON}}, True),
    ("syntax-error", {"query_string": {"query": "SELECT WHERE {"}, "headers": {"Accept": JSON}}, True),
    ("graph-not-acceptable", {"query_string": {"query": f"DESCRIBE <{ITEM}>"}, "headers": {"Accept": JSON}}, True),
    ("results-not-acceptable", {"query_string": {"query": SELECT}, "headers": {"Accept": "text/turtle"}}, True),
    ("bad-graph-parameter", {"query_string": {"query": SELECT, "default-graph-uri": "not an iri"},
                             "headers": {"Accept": JSON}}, True),
    # the view's: pages, protocol and policy errors, other methods and paths
    ("html-page", {"query_string": {"query": SELECT}, "headers": {"Accept": "text/html"}}, False),
    ("service-description", {"headers": {"Accept": "text/turtle"}}, False),
    ("service", {"query_string": {"query": "SELECT * { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }"},
                 "headers": {"Accept": JSON}}, False),
    ("update-as-query", {"query_string": {"query": "INSERT DATA { <a:b> <a:c> <a:d> }"}}, False),
    ("update-by-get", {"query_string": {"update": "INSERT DATA { <a:b> <a:c> <a:d> }"}}, False),
    ("update-by-post", {"method": "POST", "data": {"update": "INSERT DATA { <a:b> <a:c> <a:d> }"}}, False),
    ("two-queries", {"query_string": [("query", SELECT), ("query", SELECT)], "headers": {"Accept": JSON}}, False),
    ("unknown-format", {"query_string": {"query": SELECT, "format": "yaml"}}, True),
    ("too-long", {"query_string": {"query": SELECT + " #" + "x" * 3000}, "headers": {"Accept": JSON}}, False),
    ("other-media-type", {"method": "POST", "data": SELECT.encode(), "content_type": "text/plain"}, False),
    ("head", {"method": "HEAD", "query_string": {"query": SELECT}, "headers": {"Accept": JSON}}, False),
    # text is read from the bytes sent, the same way on both paths: UTF-8 sent raw is text, bytes that
    # are not UTF-8 are refused (the view words it), and so is a long form field
    ("raw-utf8-in-url", {"query_string": 'query=SELECT ("博乐 é" AS ?x) {}', "headers": {"Accept": CSV}}, True),
    ("utf8-body", {"method": "POST", "data": 'SELECT ("博乐" AS ?x) {}'.encode(),
                   "content_type": "application/sparql-query", "headers": {"Accept": CSV}}, True),
    ("not-utf8-query", {"query_string": "query=SELECT%20(%22%FF%22%20AS%20?x)%20%7B%7D", "headers": {"Accept": CSV}},
     False),
    ("not-utf8-graph", {"query_string": f"query=ASK%7B%7D&default-graph-uri={GRAPH}%C0", "headers": {"Accept": CSV}},
     False),
    ("not-utf8-form", {"method": "POST", "data": b"query=SELECT%20(%22%FF%22%20AS%20?x)%20%7B%7D", "content_type": FORM,
                       "headers": {"Accept": CSV}}, False),
    ("not-utf8-body", {"method": "POST", "data": b'SELECT ("\xff" AS ?x) {}',
                       "content_type": "application/sparql-query", "headers": {"Accept": CSV}}, False),
    ("other-parameter-not-utf8", {"query_string": "query=ASK%7B%7D&x=%FF", "headers": {"Accept": JSON}}, True),
    ("long-form-field", {"method": "POST", "data": b"query=ASK%7B%7D&x=" + b"y" * 500_001, "content_type": FORM,
                         "headers": {"Accept": JSON}}, False),
]


@pytest.fixture(scope="module")
def app(real_dataset: Dataset) -> Iterator[Flask]:
    store = EmbeddedStore(validator=small_validator, workers=2)
    store.load(real_dataset)
    limits = Limits(max_rows=50, max_query_bytes=2000)
    yield create_app({"STORE": store, "LIMITS": limits})
    store.close()


#: RDF bodies are compared as graphs (blank nodes may be labelled differently in each serialisation).
RDF_SYNTAXES = {"text/turtle": "turtle", "application/n-triples": "nt", "application/ld+json": "json-ld"}


def outcome(response: Response) -> tuple[int, object, dict[str, str | None]]:
    body: object = response.get_data()
    if response.status_code == 200 and response.mimetype in RDF_SYNTAXES:
        body = to_isomorphic(Graph().parse(data=response.get_data(), format=RDF_SYNTAXES[response.mimetype]))
    headers = {name: response.headers.get(name) for name in COMPARED}
    if not isinstance(body, bytes):
        headers.pop("Content-Length")  # the same graph, possibly written with other blank node labels
    return response.status_code, body, headers


@pytest.mark.parametrize(("request_args", "answered_in_front"), [(args, front) for _, args, front in CASES],
                         ids=[name for name, _, _ in CASES])
def test_the_front_answers_as_the_view(app: Flask, request_args: dict[str, Any], answered_in_front: bool,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    front = app.wsgi_app
    assert isinstance(front, QueryEndpoint)
    calls = []
    view = app.view_functions["sparql.endpoint"]
    monkeypatch.setitem(app.view_functions, "sparql.endpoint", lambda: calls.append(1) or view())
    args = dict(request_args)
    method = args.pop("method", "GET")
    through_front = Client(app, Response).open("/sparql", method=method, **args)
    assert len(calls) == (0 if answered_in_front else 1)
    calls.clear()
    through_view = Client(front.app, Response).open("/sparql", method=method, **args)
    assert len(calls) == 1
    assert outcome(through_front) == outcome(through_view)
    assert through_front.status_code in (200, 400, 406, 413, 415), through_front.get_data()[:300]


def test_the_cases_cover_answers_and_errors(app: Flask) -> None:
    """The equivalence above is only worth something if the cases include successes, truncation and
    errors answered by the front itself."""
    client = Client(app, Response)
    statuses = {name: client.open("/sparql", method=args.get("method", "GET"),
                                  **{k: v for k, v in args.items() if k != "method"})
                for name, args, _ in CASES}
    assert statuses["truncated"].headers["X-BoleKG-Truncated"] == "true"
    assert statuses["get-json"].status_code == 200
    assert {statuses[n].status_code for n in ("syntax-error", "bad-graph-parameter")} == {400}
    assert {statuses[n].status_code for n in ("graph-not-acceptable", "results-not-acceptable")} == {406}
    assert statuses["html-page"].mimetype == "text/html"
    assert statuses["update-by-post"].status_code == 400  # writes are off on this app
    assert statuses["head"].status_code == 200 and statuses["head"].get_data() == b""
    assert statuses["raw-utf8-in-url"].get_data() == "x\r\n博乐 é\r\n".encode()
    assert {statuses[n].status_code for n in ("not-utf8-query", "not-utf8-graph", "not-utf8-form",
                                              "not-utf8-body")} == {400}
    assert statuses["long-form-field"].status_code == 413


# --- replies kept for repeated GETs ------------------------------------------------------------------


@pytest.fixture
def fresh_app(real_dataset: Dataset) -> Iterator[Flask]:
    """An app of its own: these tests write, and count what the front parses."""
    store = EmbeddedStore(validator=small_validator, workers=1)
    store.load(real_dataset)
    yield create_app({"STORE": store})
    store.close()


def parses(app: Flask, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The query strings the front parsed from here on (a kept reply is replayed unparsed)."""
    front = app.wsgi_app
    assert isinstance(front, QueryEndpoint)
    parsed: list[str] = []
    original = front._params

    def counting(environ: dict[str, Any]) -> Any:
        parsed.append(environ.get("QUERY_STRING", ""))
        return original(environ)

    monkeypatch.setattr(front, "_params", counting)
    return parsed


COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def test_a_repeated_get_is_replayed_unparsed_with_the_same_reply(fresh_app: Flask,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    parsed = parses(fresh_app, monkeypatch)
    client = Client(fresh_app, Response)
    first = client.get("/sparql", query_string={"query": SELECT}, headers={"Accept": JSON})
    again = client.get("/sparql", query_string={"query": SELECT}, headers={"Accept": JSON})
    assert first.status_code == again.status_code == 200
    assert again.get_data() == first.get_data()
    assert list(again.headers.items()) == list(first.headers.items())
    assert len(parsed) == 1
    # another Accept is another request: its own reply, in its own format
    as_csv = client.get("/sparql", query_string={"query": SELECT}, headers={"Accept": CSV})
    assert as_csv.mimetype == CSV and len(parsed) == 2
    assert client.get("/sparql", query_string={"query": SELECT}, headers={"Accept": JSON}).mimetype == JSON
    assert len(parsed) == 2


def test_after_a_write_the_reply_is_computed_again(fresh_app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    parsed = parses(fresh_app, monkeypatch)
    client = Client(fresh_app, Response)

    def count() -> int:
        reply = client.get("/sparql", query_string={"query": COUNT}, headers={"Accept": CSV})
        assert reply.status_code == 200
        return int(reply.get_data(as_text=True).split()[1])

    before = count()
    assert count() == before and len(parsed) == 1
    store = fresh_app.extensions["bolekg"].store
    store.update(f'INSERT DATA {{ GRAPH <{GRAPH}-notes> {{ <{ITEM}> <urn:x:says> "hello" }} }}')
    assert count() == before + 1 and len(parsed) == 2


def test_errors_and_posts_are_not_replayed(fresh_app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    parsed = parses(fresh_app, monkeypatch)
    client = Client(fresh_app, Response)
    for _ in range(2):
        assert client.get("/sparql", query_string={"query": "SELECT WHERE {"},
                          headers={"Accept": JSON}).status_code == 400
        assert client.post("/sparql", data={"query": SELECT}, headers={"Accept": JSON}).status_code == 200
    assert len(parsed) == 4


def test_without_an_answer_cache_nothing_is_replayed(real_dataset: Dataset, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOLEKG_ANSWER_CACHE_MB", "0")
    store = EmbeddedStore(validator=small_validator, workers=1)
    try:
        store.load(real_dataset)
        app = create_app({"STORE": store})
        parsed = parses(app, monkeypatch)
        client = Client(app, Response)
        for _ in range(2):
            assert client.get("/sparql", query_string={"query": SELECT}, headers={"Accept": JSON}).status_code == 200
        assert len(parsed) == 2
    finally:
        store.close()


def test_a_server_that_adds_to_the_headers_does_not_change_the_kept_reply(fresh_app: Flask) -> None:
    """A WSGI server may append its own headers (Date, Server) to the list it is handed."""
    front = fresh_app.wsgi_app
    given: list[list[tuple[str, str]]] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: object = None) -> None:
        given.append(list(headers))
        headers.append(("Date", "Sun, 29 Nov 2026 00:00:00 GMT"))

    environ = Client(fresh_app, Response).get("/sparql", query_string={"query": SELECT},
                                              headers={"Accept": JSON}).request.environ
    for _ in range(3):
        body = b"".join(front(dict(environ), start_response))
        assert body.startswith(b"{")
    assert given[0] == given[1] == given[2] and all(name != "Date" for name, _ in given[2])
