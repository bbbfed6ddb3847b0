"""The one query path (:func:`bolekg.query.protocol.respond`): a request, framework-free, to its reply —
every form of the query operation, every refusal with its status and headers, the handing back of
what is not its to answer, the replay of repeated GETs — and its two adapters, the plain-WSGI front
(which sends the reply as it is, and hands the rest to Flask) and the Flask view."""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from rdflib import Dataset
from werkzeug.test import Client, EnvironBuilder
from werkzeug.wrappers import Response

from bolekg.errors import QueryTimeout, StoreError, TooManyRequests
from bolekg.query import protocol
from bolekg.query.protocol import CORS_READ_HEADERS, Operation, QueryRequest, Reply, respond
from bolekg.query.service import QueryService
from bolekg.settings import Limits
from bolekg.store import EmbeddedStore
from bolekg.web import create_app
from bolekg.web.query_wsgi import QueryEndpoint
from ld_support import small_validator

ITEM = "https://w3id.org/bolekg/id/item/1-01"
GRAPH = "https://w3id.org/bolekg/graph/report/bole-2021-h1"
#: A token holder's own graph: any graph but the published ones (graph/report/… is read-only over HTTP).
NOTES = "https://example.org/bolekg-test/notes"
SELECT = f"SELECT ?p ?o WHERE {{ <{ITEM}> ?p ?o }} ORDER BY ?p ?o"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
NOTE = f'INSERT DATA {{ GRAPH <{NOTES}> {{ <{ITEM}> <urn:x:says> "hello" }} }}'
JSON, CSV = "application/sparql-results+json", "text/csv"
FORM = "application/x-www-form-urlencoded"
TOKEN = "protocol-token"
LIMITS = Limits(max_rows=50, max_query_bytes=2000, client_queries=100)
COMMON = (("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer"))


@pytest.fixture(scope="module")
def store(real_dataset: Dataset) -> Iterator[EmbeddedStore]:
    store = EmbeddedStore(validator=small_validator, workers=1)
    store.load(real_dataset)
    yield store
    store.close()


@pytest.fixture
def queries(store: EmbeddedStore) -> QueryService:
    """A service of its own (its own replies and answers) over the module's store."""
    return QueryService(store, LIMITS)


def get(query: str | None = None, accept: str | None = JSON, method: str = "GET", **params: str) -> QueryRequest:
    pairs = ([("query", query)] if query is not None else []) + list(params.items())
    return QueryRequest(method, urllib.parse.urlencode(pairs).encode(), accept, client="127.0.0.1")


def post(body: bytes | dict[str, str], content_type: str = FORM, accept: str | None = JSON,
         query_string: bytes = b"") -> QueryRequest:
    data = urllib.parse.urlencode(body).encode() if isinstance(body, dict) else body
    return QueryRequest("POST", query_string, accept, content_type, data, "127.0.0.1")


def reply(outcome: Reply | Operation) -> Reply:
    assert isinstance(outcome, Reply), outcome
    return outcome


# --- answers -----------------------------------------------------------------------------------------


def test_an_answer_carries_its_format_its_length_and_the_headers_of_every_response(queries: QueryService) -> None:
    answer = reply(respond(get(SELECT), queries))
    assert answer.status == 200
    assert answer.headers == (("Content-Type", "application/sparql-results+json; charset=utf-8"),
                              ("Content-Length", str(len(answer.body))), ("Vary", "Accept"), *COMMON,
                              *CORS_READ_HEADERS)
    assert answer.body.startswith(b'{"head":{"vars":["p","o"]}')


@pytest.mark.parametrize(("request_", "content_type"), [
    (get(SELECT, accept=CSV), "text/csv; charset=utf-8"),
    (get(SELECT, accept=None, format="tsv"), "text/tab-separated-values; charset=utf-8"),
    (get("ASK { ?s ?p ?o }", accept="*/*"), "application/sparql-results+json; charset=utf-8"),
    (get(f"CONSTRUCT WHERE {{ <{ITEM}> ?p ?o }}", accept="text/turtle"), "text/turtle; charset=utf-8"),
    (get(f"DESCRIBE <{ITEM}>", accept=None, format="jsonld"), "application/ld+json; charset=utf-8"),
    (post({"query": SELECT}, accept=CSV), "text/csv; charset=utf-8"),
    (post({"query": SELECT}, accept=None, query_string=b"format=xml"), "application/sparql-results+xml"),
    (post(SELECT.encode(), "application/sparql-query; charset=UTF-8"),
     "application/sparql-results+json; charset=utf-8"),
    (get(SELECT, method="HEAD"), "application/sparql-results+json; charset=utf-8"),  # HEAD as GET
], ids=["csv", "format", "ask", "construct", "describe", "form", "form-format-in-url", "direct", "head"])
def test_every_form_of_the_query_operation(queries: QueryService, request_: QueryRequest, content_type: str) -> None:
    answer = reply(respond(request_, queries))
    assert answer.status == 200, answer.body
    assert answer.header("Content-Type") == content_type and answer.body


def test_the_dataset_comes_from_the_request(queries: QueryService) -> None:
    count = "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"
    union = reply(respond(get(count, accept=CSV), queries)).body
    report = reply(respond(get(count, accept=CSV, **{"default-graph-uri": GRAPH}), queries)).body
    assert int(report.split()[1]) < int(union.split()[1])


def test_text_is_read_as_the_bytes_sent(queries: QueryService) -> None:
    raw = QueryRequest("GET", 'query=SELECT ("博乐 é" AS ?x) {}'.encode(), CSV)
    assert reply(respond(raw, queries)).body == "x\r\n博乐 é\r\n".encode()
    body = post('SELECT ("博乐" AS ?x) {}'.encode(), "application/sparql-query", accept=CSV)
    assert reply(respond(body, queries)).body == "x\r\n博乐\r\n".encode()
    other = QueryRequest("GET", b"query=ASK%7B%7D&x=%FF", JSON)  # a parameter it does not read: let be
    assert reply(respond(other, queries)).status == 200


def test_a_cut_answer_says_so(queries: QueryService) -> None:
    answer = reply(respond(get("SELECT * { ?s ?p ?o }"), queries))
    assert answer.header("X-BoleKG-Truncated") == "true" and answer.header("X-BoleKG-Row-Limit") == "50"


# --- refusals --------------------------------------------------------------------------------------


REFUSALS: list[tuple[str, QueryRequest, int, str]] = [
    ("syntax", get("SELECT WHERE {"), 400, "expected"),
    ("two-queries", QueryRequest("GET", b"query=ASK%7B%7D&query=ASK%7B%7D", JSON), 400, "exactly one 'query'"),
    ("update-by-get", get(None, update=NOTE), 400, "must be sent with POST"),
    ("query-and-update", post({"query": SELECT, "update": NOTE}), 400, "not both"),
    ("empty-form", post({"x": "1"}), 400, "needs a 'query' or an 'update'"),
    ("other-media-type", post(SELECT.encode(), "text/plain"), 415, "unsupported Content-Type 'text/plain'"),
    ("too-long", get(SELECT + " #" + "x" * 3000), 413, "BOLEKG_MAX_QUERY_BYTES"),
    ("long-form-field", post(b"query=ASK%7B%7D&x=" + b"y" * 500_001), 413, "at most 500000 bytes"),
    ("too-many-fields", QueryRequest("GET", b"query=ASK%7B%7D" + b"&x=1" * 1001, JSON), 413, "more than 1000"),
    ("service", get("SELECT * { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }"), 400, "SERVICE"),
    ("update-as-query", get("INSERT DATA { <a:b> <a:c> <a:d> }"), 400, "update"),
    ("not-utf8-parameter", QueryRequest("GET", f"query=ASK%7B%7D&default-graph-uri={GRAPH}%C0".encode(), CSV), 400,
     "'default-graph-uri' parameter in the URL is not UTF-8"),
    ("not-utf8-form", post(b"query=SELECT%20(%22%FF%22%20AS%20?x)%20%7B%7D"), 400, "in the body is not UTF-8"),
    ("not-utf8-body", post(b'SELECT ("\xff" AS ?x) {}', "application/sparql-query"), 400, "byte 9 is 0xFF"),
    ("bad-graph-iri", get(SELECT, **{"default-graph-uri": "not an iri"}), 400, "bad request"),
    ("graph-not-acceptable", get(f"DESCRIBE <{ITEM}>"), 406, "offered: text/turtle"),
    ("results-not-acceptable", get(SELECT, accept="text/turtle"), 406, "offered: application/sparql-results+json"),
    ("unknown-format", get(SELECT, accept=None, format="yaml"), 400, "format='yaml' is not offered"),
]


@pytest.mark.parametrize(("request_", "status", "says"), [case[1:] for case in REFUSALS], ids=[c[0] for c in REFUSALS])
def test_every_refusal_is_plain_text_with_its_status(queries: QueryService, request_: QueryRequest, status: int,
                                                      says: str) -> None:
    refusal = reply(respond(request_, queries))
    assert refusal.status == status and says in refusal.body.decode(), refusal.body
    assert refusal.headers == (("Content-Type", "text/plain; charset=utf-8"),
                               ("Content-Length", str(len(refusal.body))), *COMMON, *CORS_READ_HEADERS)


def test_a_query_string_that_is_not_utf8_is_refused_as_the_request_gate_refuses_it(queries: QueryService) -> None:
    refusal = reply(respond(QueryRequest("GET", b"query=ASK\xff", JSON), queries))
    assert refusal.status == 400 and refusal.body == (protocol.NOT_UTF8_QUERY_STRING + "\n").encode()
    assert refusal.header("Access-Control-Allow-Origin") is None


def test_cors_never_on_what_is_an_update(queries: QueryService) -> None:
    """As Flask's hook has it for every route: reads and query POSTs only."""
    bad_update = post(b"INSERT \xff", "application/sparql-update")
    assert reply(respond(bad_update, queries)).header("Access-Control-Allow-Origin") is None
    # a form POST with 'update' in its URL: refused (the protocol's parameters go in the body, §2.1.2),
    # and, naming an update, without CORS
    query_with_update_in_url = post({"query": SELECT}, accept=CSV, query_string=b"update=x")
    answer = reply(respond(query_with_update_in_url, queries))
    assert answer.status == 400 and answer.header("Access-Control-Allow-Origin") is None
    assert reply(respond(post({"query": SELECT}), queries)).header("Access-Control-Allow-Origin") == "*"


@pytest.mark.parametrize(("error", "status", "retry_after"), [
    (TooManyRequests("this client has its share", 7), 429, "7"),
    (QueryTimeout(10), 503, "5"),
    (StoreError("the backend broke"), 502, None),
], ids=["429", "503", "502"])
def test_a_failure_of_the_service_is_mapped_to_its_status(queries: QueryService, monkeypatch: pytest.MonkeyPatch,
                                                          error: StoreError, status: int,
                                                          retry_after: str | None) -> None:
    def fail(*_: Any) -> None:
        raise error

    monkeypatch.setattr(queries, "run", fail)
    refusal = reply(respond(get(SELECT), queries))
    assert refusal.status == status and refusal.header("Retry-After") == retry_after
    assert str(error) in refusal.body.decode()


# --- what is handed back ---------------------------------------------------------------------------


def test_updates_and_the_service_description_are_handed_back(queries: QueryService) -> None:
    update = respond(post({"update": NOTE}), queries)
    assert isinstance(update, Operation) and (update.kind, update.text) == ("update", NOTE)
    direct = respond(post(NOTE.encode(), "application/sparql-update"), queries)
    assert isinstance(direct, Operation) and direct.kind == "update"
    description = respond(get(None, accept="text/turtle"), queries)
    assert isinstance(description, Operation) and description.kind == "none"


def test_a_page_is_handed_back_before_the_query_runs_unless_a_writer_is_given(queries: QueryService,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    runs: list[object] = []
    run = queries.run
    monkeypatch.setattr(queries, "run", lambda job, client: runs.append(job) or run(job, client))
    page = respond(get(SELECT, accept="text/html"), queries)
    assert isinstance(page, Operation) and page.kind == "query" and runs == []
    written = reply(respond(get(SELECT, accept="text/html"), queries,
                            page=lambda operation, answer: f"<p>{answer.media_type} {operation.text[:6]}</p>"))
    assert written.body == b"<p>text/tab-separated-values SELECT</p>"  # the answer as the page reads it
    assert written.header("Content-Type") == "text/html; charset=utf-8" and written.header("Vary") == "Accept"
    # a kind the client takes as a page and another it does not: the answer decides
    mixed = reply(respond(get(SELECT, accept="text/turtle, text/html;q=0.5"), queries, page=lambda *_: "page"))
    assert mixed.body == b"page"
    construct = get(f"CONSTRUCT WHERE {{ <{ITEM}> ?p ?o }}", accept="text/turtle, text/html;q=0.5")
    assert reply(respond(construct, queries, page=lambda *_: "page")).header("Content-Type").startswith("text/turtle")


# --- replies kept for repeated GETs -------------------------------------------------------------------


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """The query strings parsed from here on (a kept reply is replayed unparsed)."""
    parsed: list[bytes] = []
    original = protocol._parse

    def counting(request: QueryRequest) -> Any:
        parsed.append(request.query_string)
        return original(request)

    monkeypatch.setattr(protocol, "_parse", counting)
    return parsed


def test_a_repeated_get_is_replayed_unparsed(queries: QueryService, parses: list[bytes]) -> None:
    first = reply(respond(get(SELECT), queries))
    assert reply(respond(get(SELECT), queries)) is first and len(parses) == 1
    as_csv = reply(respond(get(SELECT, accept=CSV), queries))  # another Accept: another reply
    assert as_csv.header("Content-Type") == "text/csv; charset=utf-8" and len(parses) == 2
    assert reply(respond(get(SELECT), queries)) is first and len(parses) == 2


def test_errors_pages_heads_and_posts_are_not_replayed(queries: QueryService, parses: list[bytes]) -> None:
    for _ in range(2):
        assert reply(respond(get("SELECT WHERE {"), queries)).status == 400
        assert reply(respond(post({"query": SELECT}), queries)).status == 200
        assert reply(respond(get(SELECT, method="HEAD"), queries)).status == 200
        assert reply(respond(get(SELECT, accept="text/html"), queries, page=lambda *_: "page")).status == 200
    assert len(parses) == 8


def test_after_a_write_the_reply_is_computed_again(queries: QueryService, store: EmbeddedStore,
                                                  parses: list[bytes]) -> None:
    def count() -> int:
        return int(reply(respond(get(COUNT, accept=CSV), queries)).body.split()[1])

    before = count()
    assert count() == before and len(parses) == 1
    store.update(NOTE)
    try:
        assert count() == before + 1 and len(parses) == 2
    finally:
        store.delete_graph(NOTES)


def test_without_an_answer_cache_nothing_is_replayed(store: EmbeddedStore, parses: list[bytes]) -> None:
    queries = QueryService(store, LIMITS, cache_mb=0)
    assert queries.replies is None
    for _ in range(2):
        assert reply(respond(get(SELECT), queries)).status == 200
    assert len(parses) == 2


# --- the adapters ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def app(store: EmbeddedStore) -> Flask:
    return create_app({"STORE": store, "LIMITS": LIMITS, "WRITE_TOKEN": TOKEN})


#: (request arguments for werkzeug's client, whether the front answers it without Flask)
THROUGH: list[tuple[str, dict[str, Any], bool]] = [
    ("answer", {"query_string": {"query": SELECT}, "headers": {"Accept": JSON}}, True),
    ("form", {"method": "POST", "data": {"query": SELECT}, "headers": {"Accept": CSV}}, True),
    ("direct", {"method": "POST", "data": SELECT.encode(), "content_type": "application/sparql-query"}, True),
    ("error", {"query_string": {"query": "SELECT WHERE {"}}, True),
    ("protocol-error", {"method": "POST", "data": {"query": SELECT, "update": NOTE}}, True),
    ("page", {"query_string": {"query": SELECT}, "headers": {"Accept": "text/html"}}, False),
    ("service-description", {"headers": {"Accept": "text/turtle"}}, False),
    ("update", {"method": "POST", "data": {"update": "INSERT DATA { <a:b> <a:c> <a:d> }"}}, False),
    ("head", {"method": "HEAD", "query_string": {"query": SELECT}}, False),
    ("other-media-type", {"method": "POST", "data": b"x", "content_type": "text/plain"}, False),
]


def query_front(app: Flask) -> QueryEndpoint:
    """The plain-WSGI query front inside the app's WSGI layers (gzip, bolekg.web.compression, wraps it)."""
    layer: Any = app.wsgi_app
    while not isinstance(layer, QueryEndpoint):
        assert hasattr(layer, "app"), f"no QueryEndpoint among the WSGI layers: {layer!r}"
        layer = layer.app
    return layer


@pytest.mark.parametrize(("request_args", "in_front"), [case[1:] for case in THROUGH], ids=[c[0] for c in THROUGH])
def test_the_front_sends_the_reply_as_it_is_and_hands_the_rest_to_flask(
        app: Flask, monkeypatch: pytest.MonkeyPatch, request_args: dict[str, Any], in_front: bool) -> None:
    front = query_front(app)
    calls: list[int] = []
    view = app.view_functions["sparql.endpoint"]
    monkeypatch.setitem(app.view_functions, "sparql.endpoint", lambda: calls.append(1) or view())
    args = dict(request_args)
    method = args.pop("method", "GET")
    environ = EnvironBuilder(path="/sparql", method=method, environ_base={"REMOTE_ADDR": "127.0.0.1"},
                             **args).get_environ()
    sent: dict[str, Any] = {}
    body = b"".join(front(environ, lambda status, headers, exc_info=None: sent.update(status=status,
                                                                                       headers=headers)))
    assert len(calls) == (0 if in_front else 1)
    if in_front:
        environ = EnvironBuilder(path="/sparql", method=method, environ_base={"REMOTE_ADDR": "127.0.0.1"},
                                 **args).get_environ()
        expected = respond(QueryRequest(method, environ["QUERY_STRING"].encode("latin-1"), environ.get("HTTP_ACCEPT"),
                                        environ.get("CONTENT_TYPE"), environ["wsgi.input"].read(), "127.0.0.1"),
                           front.queries)
        assert isinstance(expected, Reply)
        assert (sent["status"].split()[0], sent["headers"], body) == (str(expected.status), list(expected.headers),
                                                                      expected.body)


def test_the_view_answers_through_the_same_function(app: Flask) -> None:
    """Without the front (Flask alone), the same reply: status, headers, body."""
    front = query_front(app)
    view = Client(front.app, Response)
    for request_ in (get(SELECT), get("SELECT WHERE {"), post({"query": SELECT}, accept=CSV)):
        expected = reply(respond(request_, front.queries))
        got = view.open("/sparql", method=request_.method, query_string=request_.query_string.decode("latin-1"),
                        headers={"Accept": request_.accept or "", **({"Content-Type": request_.content_type}
                                                                      if request_.content_type else {})},
                        data=request_.read_body(), environ_base={"REMOTE_ADDR": "127.0.0.1"})
        assert got.status_code == expected.status and got.get_data() == expected.body
        assert set(got.headers.items()) == set(expected.headers)


def test_an_update_through_the_front_reaches_the_view_with_its_body(app: Flask, store: EmbeddedStore) -> None:
    client = Client(app, Response)
    ask = {"query": f"ASK {{ GRAPH <{NOTES}> {{ ?s ?p ?o }} }}"}
    assert b"false" in client.get("/sparql", query_string=ask, headers={"Accept": JSON}).get_data()
    done = client.post("/sparql", data={"update": NOTE}, headers={"Authorization": f"Bearer {TOKEN}"})
    try:
        assert done.status_code == 204, done.get_data()
        assert b"true" in client.get("/sparql", query_string=ask, headers={"Accept": JSON}).get_data()
    finally:
        store.delete_graph(NOTES)


def test_a_server_that_adds_to_the_headers_does_not_change_the_kept_reply(app: Flask) -> None:
    """A WSGI server may append its own headers (Date, Server) to the list it is handed."""
    front = app.wsgi_app
    given: list[list[tuple[str, str]]] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: object = None) -> None:
        given.append(list(headers))
        headers.append(("Date", "Sun, 29 Nov 2026 00:00:00 GMT"))

    environ = EnvironBuilder(path="/sparql", query_string={"query": SELECT}, headers={"Accept": JSON}).get_environ()
    for _ in range(3):
        body = b"".join(front(dict(environ), start_response))
        assert body.startswith(b"{")
    assert given[0] == given[1] == given[2] and all(name != "Date" for name, _ in given[2])
