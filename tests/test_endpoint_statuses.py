"""The public endpoint's statuses at its edges, over real HTTP: bodies over the limit (413, never a 500),
text that is not UTF-8 (400), long form fields (413), HEAD answered as GET, and the HTML results page
that shows a bounded number of rows and links to the whole answer."""

from __future__ import annotations

import contextlib
import csv
import html
import io
import logging
import os
import re
import socket
import urllib.parse
from collections.abc import Iterator

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph

import ld_support
from bolekg.report.vocab import REPORT_GRAPH
from bolekg.settings import Limits
from hardening_support import RawReply, limited_site, raw_request
from ld_support import Reply, Site, fetch, query_url

JSON_RESULTS = "application/sparql-results+json"
FORM = "application/x-www-form-urlencoded"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
BODY_LIMIT = 1_000_000
#: A form field longer than this is a 413 (Werkzeug's max_form_memory_size, which it applies to multipart only).
FIELD_LIMIT = 500_000
ROW_CAP = 300
PAGE_ROWS = 20
LIMITS = Limits(timeout=5.0, max_rows=ROW_CAP, max_query_bytes=4000, max_body_bytes=BODY_LIMIT)
ITEM = "https://w3id.org/bolekg/id/item/1-01"
ALL_TRIPLES = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o"


@pytest.fixture(scope="module")
def site(real_dataset: Dataset) -> Iterator[Site]:
    with limited_site("embedded", None, real_dataset, LIMITS, workers=2) as running_site:
        yield running_site


def no_tracebacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    """What the server logged with a traceback, or at ERROR (an unexpected error is both)."""
    return [record.getMessage() for record in caplog.records
            if record.exc_info or record.levelno >= logging.ERROR]


# --- 1. a body over the body limit -------------------------------------------------------------------


CONTENT_TYPES = [FORM, "application/sparql-query", "application/sparql-update", "text/plain", "application/json",
                 "text/turtle", "multipart/form-data; boundary=x", ""]


@pytest.mark.parametrize("content_type", CONTENT_TYPES)
@pytest.mark.parametrize("target", ["/sparql", "/sparql?query=ASK%7B%7D", "/sparql?update=CLEAR%20ALL",
                                    "/store?default", "/", "/id/item/1-01", "/nowhere"])
def test_a_body_over_the_limit_is_413_with_the_reason(site: Site, caplog: pytest.LogCaptureFixture,
                                                      target: str, content_type: str) -> None:
    caplog.set_level(logging.INFO)
    body = b"query=" + b"x" * BODY_LIMIT
    headers = {"Content-Type": content_type} if content_type else {}
    for method in ("POST", "PUT"):
        reply = fetch(site.root + target, method, headers, body)
        assert reply.status == 413, (method, reply.status, reply.text[:300])
        assert reply.header("Content-Type").startswith("text/plain")
        assert "BOLEKG_MAX_BODY_BYTES" in reply.text and str(BODY_LIMIT) in reply.text
    assert no_tracebacks(caplog) == []


@pytest.fixture(scope="module")
def granian(tmp_path_factory: pytest.TempPathFactory, real_dataset: Dataset) -> Iterator[str]:
    """A real ``bolekg serve`` (Granian, which hands a chunked body to the app as a stream without a
    length, where waitress buffers it and sets one) with the body limit; yields its root URL."""
    home = ld_support.make_home(tmp_path_factory.mktemp("granian-home"), real_dataset)
    env = {**os.environ, "BOLEKG_MAX_BODY_BYTES": str(BODY_LIMIT),
           "BOLEKG_QUERY_WORKERS": "1", "TMPDIR": str(tmp_path_factory.mktemp("granian-tmp"))}
    env.pop("BOLEKG_WRITE_TOKEN", None)
    with ld_support.serve_home(home, env) as root:
        yield root


def chunked(root: str, target: str, content_type: str, body: bytes, piece: int = 100_000) -> RawReply:
    """POST ``body`` with ``Transfer-Encoding: chunked`` (RFC 9112 §7.1), so without a Content-Length."""
    host, port = root.removeprefix("http://").split(":")
    head = (f"POST {target} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n"
            f"Content-Type: {content_type}\r\nTransfer-Encoding: chunked\r\n\r\n").encode()
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(body[at:at + piece]), body[at:at + piece])
                      for at in range(0, len(body), piece))
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        # the server may answer before the end of the body, and stop reading
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(head + chunks + b"0\r\n\r\n")
        raw = b""
        while chunk := sock.recv(65536):
            raw += chunk
    status_line, _, rest = raw.partition(b"\r\n")
    return RawReply(int(status_line.split()[1]), {}, rest.partition(b"\r\n\r\n")[2])


@pytest.mark.parametrize("server", ["waitress", "granian"])
def test_a_chunked_body_over_the_limit_is_413(request: pytest.FixtureRequest, server: str) -> None:
    root = request.getfixturevalue("site").root if server == "waitress" else request.getfixturevalue("granian")
    over = b"x" * (BODY_LIMIT + 1)
    for target, content_type, body in (("/sparql", "application/sparql-query", b"#" + over + b"\nASK {}"),
                                       ("/sparql", FORM, b"query=ASK%7B%7D&x=" + over),
                                       ("/store?default", "text/turtle", b"#" + over)):
        reply = chunked(root, target, content_type, body)
        assert reply.status == 413, (server, target, reply.status, reply.body[:300])
        assert b"BOLEKG_MAX_BODY_BYTES" in reply.body
    # within the limit, the body is read whole
    for content_type, body in (("application/sparql-query", b"#" + b"x" * 3000 + b"\nASK {}"),
                               (FORM, b"query=ASK%7B%7D&x=" + b"x" * 400_000)):
        reply = chunked(root, "/sparql?format=json", content_type, body)
        assert reply.status == 200, (server, content_type, reply.status, reply.body[:300])
        assert b"true" in reply.body


def test_a_body_at_the_limit_is_read(site: Site) -> None:
    query = "ASK { ?s ?p ?o }"
    body = urllib.parse.urlencode({"query": query}).encode()
    while len(body) < BODY_LIMIT:  # padding in fields of up to 300 kB: fields of their own may hold 500 kB
        body += b"&x=" + b"y" * min(300_000, BODY_LIMIT - len(body) - 3)
    assert len(body) == BODY_LIMIT
    reply = fetch(site.root + "/sparql", "POST", {"Content-Type": FORM, "Accept": JSON_RESULTS}, body)
    assert reply.status == 200, reply.text[:300]


# --- 2. text that is not UTF-8 ---------------------------------------------------------------------


NOT_UTF8_QUERY = 'SELECT ("%FF" AS ?x) WHERE {}'  # %FF: the byte 0xFF, percent-encoded


def _raw_query_string(query: str, **params: str) -> str:
    """``query`` percent-encoded, except its ``%FF``, which stays the escape of a byte that is not UTF-8."""
    encoded = urllib.parse.quote(query, safe="%")
    return "&".join([f"query={encoded}", *(f"{name}={value}" for name, value in params.items())])


@pytest.mark.parametrize("accept", [JSON_RESULTS, "text/csv", "text/html", BROWSER])
def test_a_percent_encoded_query_that_is_not_utf8_is_400(site: Site, caplog: pytest.LogCaptureFixture,
                                                         accept: str) -> None:
    caplog.set_level(logging.INFO)
    for url in (f"{site.root}/sparql?{_raw_query_string(NOT_UTF8_QUERY)}",
                f"{site.root}/sparql?{_raw_query_string('ASK {}', **{'default-graph-uri': 'urn:x:%C0%AF'})}",
                f"{site.root}/sparql?{_raw_query_string('ASK {}', format='%FFjson')}"):
        reply = fetch(url, headers={"Accept": accept})
        assert reply.status == 400, (url, reply.status, reply.text[:300])
        assert "UTF-8" in reply.text
        assert reply.header("Content-Type").startswith("text/plain")
    assert "'query'" in fetch(f"{site.root}/sparql?{_raw_query_string(NOT_UTF8_QUERY)}",
                              headers={"Accept": accept}).text
    assert no_tracebacks(caplog) == []


@pytest.mark.parametrize("accept", [JSON_RESULTS, "text/html"])
def test_a_body_that_is_not_utf8_is_400(site: Site, accept: str) -> None:
    encoded_form = "query=" + urllib.parse.quote(NOT_UTF8_QUERY, safe="%")
    bodies = [
        (FORM, encoded_form.encode()),                                        # percent-encoded 0xFF
        (FORM, b"query=" + 'SELECT ("\xff" AS ?x) WHERE {}'.encode("latin-1")),  # the raw byte
        ("application/sparql-query", 'SELECT ("\xff" AS ?x) WHERE {}'.encode("latin-1")),
        ("application/sparql-update", 'INSERT DATA { <urn:x:a> <urn:x:b> "\xff" }'.encode("latin-1")),
        (FORM, b"update=" + urllib.parse.quote('INSERT DATA { <urn:x:a> <urn:x:b> "%FF" }', safe="%").encode()),
    ]
    for content_type, body in bodies:
        reply = fetch(site.root + "/sparql", "POST", {"Content-Type": content_type, "Accept": accept}, body)
        assert reply.status == 400, (content_type, body[:60], reply.status, reply.text[:300])
        assert "UTF-8" in reply.text, (content_type, body[:60], reply.text[:300])


def test_utf8_text_is_read_as_such(site: Site) -> None:
    """The same paths with text that is UTF-8 (percent-encoded or not) answer it, on both paths."""
    query = 'SELECT ("博乐 é" AS ?x) WHERE {}'
    for reply in (fetch(query_url(site.root, query), headers={"Accept": "text/csv"}),
                  fetch(site.root + "/sparql", "POST", {"Content-Type": FORM, "Accept": "text/csv"},
                        urllib.parse.urlencode({"query": query}).encode()),
                  fetch(site.root + "/sparql", "POST", {"Content-Type": "application/sparql-query",
                                                        "Accept": "text/csv"}, query.encode())):
        assert reply.status == 200, reply.text
        assert list(csv.reader(io.StringIO(reply.text))) == [["x"], ["博乐 é"]]
    page = fetch(query_url(site.root, query, format="html"))
    assert page.status == 200 and "博乐 é" in page.text
    # a parameter the endpoint does not read may hold anything (its value is never used)
    assert fetch(f"{query_url(site.root, 'ASK {}')}&x=%ff%fe", headers={"Accept": JSON_RESULTS}).status == 200


def test_raw_bytes_in_the_url_are_400(site: Site) -> None:
    reply = raw_request(site.root, b"GET", b"/sparql?query=ASK%7B%7D&format=\xff")
    assert reply.status == 400


# --- 3. a long form field -----------------------------------------------------------------------------


@pytest.mark.parametrize("accept", [JSON_RESULTS, "text/csv", "text/html"])
def test_a_form_field_over_500_kb_is_413(site: Site, caplog: pytest.LogCaptureFixture, accept: str) -> None:
    caplog.set_level(logging.INFO)
    for body in (b"foo=" + b"x" * (FIELD_LIMIT + 1) + b"&query=ASK%7B%7D",
                 b"query=ASK%7B%7D&foo=" + "博".encode() * (FIELD_LIMIT // 3) + b"xxx&bar=1"):  # counted in bytes
        reply = fetch(site.root + "/sparql", "POST", {"Content-Type": FORM, "Accept": accept}, body)
        assert reply.status == 413, (reply.status, reply.text[:300])
        assert "foo" in reply.text and str(FIELD_LIMIT) in reply.text
    # up to the limit, the field is only ignored
    body = b"foo=" + b"x" * FIELD_LIMIT + b"&query=ASK%7B%7D"
    reply = fetch(site.root + "/sparql", "POST", {"Content-Type": FORM, "Accept": accept}, body)
    assert reply.status == 200, reply.text[:300]
    assert no_tracebacks(caplog) == []


@pytest.mark.parametrize("accept", [JSON_RESULTS, "text/html"])
def test_more_than_a_thousand_fields_are_413(site: Site, accept: str) -> None:
    """Werkzeug counts the parts of multipart bodies only; a form body of ``&x=`` repeated would be
    millions of strings."""
    many = b"query=ASK%7B%7D" + b"&x=" * 1000
    reply = fetch(site.root + "/sparql", "POST", {"Content-Type": FORM, "Accept": accept}, many)
    assert reply.status == 413, reply.text[:300]
    assert "1000 fields" in reply.text
    in_url = f"{site.root}/sparql?query=ASK%7B%7D" + "&default-graph-uri=urn:x:g" * 1000
    reply = fetch(in_url, headers={"Accept": accept})
    assert reply.status == 413, reply.text[:300]
    enough = b"query=ASK%7B%7D" + b"&x=" * 999
    assert fetch(site.root + "/sparql", "POST", {"Content-Type": FORM, "Accept": accept}, enough).status == 200


# --- 4. HEAD ----------------------------------------------------------------------------------------------


#: GET requests whose HEAD must answer the same: answers of the WSGI front and of the view, pages, errors.
HEAD_CASES = [
    ("select-json", query_url("", f"SELECT ?p ?o WHERE {{ <{ITEM}> ?p ?o }}"), {"Accept": JSON_RESULTS}),
    ("select-csv", query_url("", "SELECT ?s WHERE { ?s ?p ?o } LIMIT 3"), {"Accept": "text/csv"}),
    ("truncated", query_url("", ALL_TRIPLES), {"Accept": JSON_RESULTS}),
    ("construct", query_url("", f"CONSTRUCT WHERE {{ <{ITEM}> ?p ?o }}"), {"Accept": "text/turtle"}),
    ("results-page", query_url("", "SELECT ?s WHERE { ?s ?p ?o } LIMIT 3", format="html"), {}),
    ("browser-page", query_url("", "ASK { ?s ?p ?o }"), {"Accept": BROWSER}),
    ("service-description", "/sparql", {"Accept": "text/turtle"}),
    ("workbench", "/sparql", {"Accept": BROWSER}),
    ("syntax-error", query_url("", "SELECT WHERE {"), {"Accept": JSON_RESULTS}),
    ("not-acceptable", query_url("", "ASK {}"), {"Accept": "image/png"}),
    ("unknown-format", query_url("", "ASK {}", format="yaml"), {}),
    ("service", query_url("", "SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"), {}),
    ("update-by-get", "/sparql?update=CLEAR%20ALL", {}),
    ("not-utf8", "/sparql?" + _raw_query_string(NOT_UTF8_QUERY), {}),
]
#: Headers the HTTP server sets per exchange.
PER_EXCHANGE = {"date", "server", "connection"}


@pytest.mark.parametrize(("path", "headers"), [(path, headers) for _, path, headers in HEAD_CASES],
                         ids=[name for name, _, _ in HEAD_CASES])
def test_head_answers_as_get(site: Site, path: str, headers: dict[str, str]) -> None:
    got = fetch(site.root + path, "GET", headers)
    head = fetch(site.root + path, "HEAD", headers)
    assert head.status == got.status, (head.status, got.status, got.text[:200])
    assert head.body == b""
    assert _headers(head) == _headers(got)


def _headers(reply: Reply) -> dict[str, str]:
    return {name: value for name, value in reply.headers.items() if name not in PER_EXCHANGE}


def test_head_cases_cover_answers_and_errors(site: Site) -> None:
    statuses = {name: fetch(site.root + path, "GET", headers).status for name, path, headers in HEAD_CASES}
    assert statuses["select-json"] == statuses["results-page"] == statuses["workbench"] == 200
    assert statuses["syntax-error"] == statuses["not-utf8"] == 400
    assert statuses["not-acceptable"] == 406


# --- 5. the HTML results page shows a bounded number of rows ------------------------------------------


@pytest.fixture(scope="module", params=["embedded", "remote"])
def paged(request: pytest.FixtureRequest, oxigraph_server: str, real_dataset: Dataset) -> Iterator[Site]:
    """A site whose results page shows at most PAGE_ROWS rows, the setting read from the environment."""
    limits = Limits.from_env({"BOLEKG_HTML_MAX_ROWS": str(PAGE_ROWS), "BOLEKG_MAX_ROWS": str(ROW_CAP)})
    with limited_site(request.param, oxigraph_server, real_dataset, limits) as running_site:
        yield running_site


#: The results page is in the page language (``Accept-Language``, as the other pages): English here.
EN = {"Accept-Language": "en-GB,en;q=0.9"}
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}


def test_the_page_row_cap_is_a_setting() -> None:
    assert Limits().html_max_rows == 1000
    assert Limits.from_env({}).html_max_rows == 1000
    assert Limits.from_env({"BOLEKG_HTML_MAX_ROWS": "7"}).html_max_rows == 7
    for bad in ("0", "-3", "many"):
        with pytest.raises(ValueError, match="BOLEKG_HTML_MAX_ROWS"):
            Limits.from_env({"BOLEKG_HTML_MAX_ROWS": bad})


def table_rows(page: str) -> list[str]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr>(.*?)</tr>", body, re.DOTALL)


def downloads(page: str) -> dict[str, str]:
    """The page's links to the whole answer, by the format they ask for."""
    found = {}
    for href in re.findall(r'href="(/sparql\?[^"]*)"', page):
        url = html.unescape(href)
        fmt = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query).get("format")
        if fmt:
            found[fmt[0]] = url
    return found


@pytest.mark.parametrize("how", [{"format": "html"}, {"accept": BROWSER}, {"post": "form"}])
def test_the_page_shows_at_most_the_set_rows_and_links_to_the_whole_answer(paged: Site, how: dict[str, str]) -> None:
    total = 100
    query = ALL_TRIPLES + f" LIMIT {total}"
    if "post" in how:
        page = fetch(paged.root + "/sparql", "POST", {"Content-Type": FORM, "Accept": "text/html", **EN},
                     urllib.parse.urlencode({"query": query}).encode())
    elif "accept" in how:
        page = fetch(query_url(paged.root, query), headers={"Accept": how["accept"], **EN})
    else:
        page = fetch(query_url(paged.root, query, format="html"), headers=EN)
    assert page.status == 200, page.text[:300]
    assert page.header("Content-Type").startswith("text/html")
    assert len(table_rows(page.text)) == PAGE_ROWS
    assert f"first {PAGE_ROWS} of {total} rows" in page.text
    assert "BOLEKG_HTML_MAX_ROWS" in page.text
    links = downloads(page.text)
    assert {"csv", "json"} <= links.keys()
    whole = fetch(paged.root + links["csv"])
    assert whole.status == 200 and whole.header("Content-Type").startswith("text/csv")
    table = list(csv.reader(io.StringIO(whole.text)))
    assert table[0] == ["s", "p", "o"] and len(table) == total + 1
    as_json = fetch(paged.root + links["json"])
    assert as_json.header("Content-Type").startswith(JSON_RESULTS)
    solutions = list(ox.parse_query_results(as_json.body, format=ox.QueryResultsFormat.JSON))
    assert len(solutions) == total
    # the rows shown are the first of the answer, in its order
    first = [row[2] for row in table[1:PAGE_ROWS + 1]]
    shown = [html.unescape(re.sub(r"<[^>]+>", "", cells)) for cells in table_rows(page.text)]
    assert all(value in row for value, row in zip(first, shown, strict=True))


def test_a_cut_answer_says_at_least(paged: Site) -> None:
    page = fetch(query_url(paged.root, ALL_TRIPLES, format="html"), headers=EN)
    assert page.status == 200
    assert page.header("X-BoleKG-Truncated") == "true"
    assert len(table_rows(page.text)) == PAGE_ROWS
    assert f"first {PAGE_ROWS} of at least {ROW_CAP} rows" in page.text
    assert "BOLEKG_MAX_ROWS" in page.text
    assert {"csv", "json"} <= downloads(page.text).keys()


def test_an_answer_within_the_page_is_shown_whole(paged: Site) -> None:
    page = fetch(query_url(paged.root, ALL_TRIPLES + " LIMIT 5", format="html"), headers=EN)
    assert len(table_rows(page.text)) == 5
    assert "5 result(s)" in page.text
    assert "BOLEKG_HTML_MAX_ROWS" not in page.text
    assert {"csv", "json"} <= downloads(page.text).keys()


@pytest.mark.parametrize("asked", [ZH, {}, EN])
def test_the_results_page_speaks_the_page_language(paged: Site, asked: dict[str, str]) -> None:
    """The results page is translated as the other pages are (``?lang=`` > cookie > ``Accept-Language``
    > Chinese): every kind of answer and notice, in zh and en, with nothing of the other language's
    sentences left, and ``Vary`` naming what chose it."""
    lang = "en" if asked is EN else "zh"
    words = {
        "zh": ("<title>SPARQL 查询 · BoleKG", '<html lang="zh"', "结果格式", "HTML 表格", ">运行<", "在工作台中打开",
               "服务描述", f"本页显示 {100} 行中的前 {PAGE_ROWS} 行", "完整结果:"),
        "en": ("<title>SPARQL query · BoleKG", '<html lang="en"', "Results as", "HTML table", ">Run<",
               "Open in the workbench", "service description", f"the first {PAGE_ROWS} of 100 rows",
               "The whole answer:"),
    }
    page = fetch(query_url(paged.root, ALL_TRIPLES + " LIMIT 100", format="html"), headers=asked)
    assert page.status == 200
    for word in words[lang]:
        assert word in page.text, (lang, word)
    other = "zh" if lang == "en" else "en"
    for word in words[other][2:]:
        assert word not in page.text, (lang, word)
    assert {"accept-language", "cookie"} <= {v.strip().lower() for v in page.header("Vary").split(",")}
    small = fetch(query_url(paged.root, ALL_TRIPLES + " LIMIT 5", format="html"), headers=asked)
    assert ("共 5 条结果。" if lang == "zh" else "5 result(s).") in small.text
    cut = fetch(query_url(paged.root, ALL_TRIPLES, format="html"), headers=asked)
    assert (f"只计算了前 {ROW_CAP} 条结果" if lang == "zh" else f"Only the first {ROW_CAP} results") in cut.text
    assert (f"至少 {ROW_CAP} 项" if lang == "zh" else f"at least {ROW_CAP}") in cut.text
    assert ("完整结果(已计算的部分)" if lang == "zh" else "The whole answer (as far as computed)") in cut.text
    construct = "CONSTRUCT { ?s ?p ?o } WHERE { SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 60 }"
    graph = fetch(query_url(paged.root, construct, format="html"), headers=asked)
    assert (f"60 个三元组中的前 {PAGE_ROWS} 个" if lang == "zh" else f"first {PAGE_ROWS} of 60 triples") in graph.text
    ask = fetch(query_url(paged.root, "ASK { ?s ?p ?o }", format="html"), headers=asked)
    assert ("答案: <span class=\"boolean\">true</span>\n  (是)" if lang == "zh"
            else "Answer: <span class=\"boolean\">true</span>\n  (yes)") in ask.text
    # ?lang= overrides the header, as on every page
    switched = fetch(query_url(paged.root, "ASK { ?s ?p ?o }", format="html", lang=other), headers=asked)
    assert ("(yes)" if other == "en" else "(是)") in switched.text


def test_the_links_keep_the_dataset(paged: Site) -> None:
    count = "SELECT ?s WHERE { ?s ?p ?o }"
    page = fetch(query_url(paged.root, count, format="html", **{"default-graph-uri": str(REPORT_GRAPH)}))
    link = downloads(page.text)["csv"]
    params = urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)
    assert params == {"query": [count], "default-graph-uri": [str(REPORT_GRAPH)], "format": ["csv"]}


def test_a_graph_page_shows_at_most_the_set_triples(paged: Site) -> None:
    construct = ("CONSTRUCT { ?s ?p ?o } WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } "
                 "ORDER BY ?s ?p ?o LIMIT 60 }")
    page = fetch(query_url(paged.root, construct, format="html"), headers=EN)
    assert page.status == 200, page.text[:300]
    turtle = html.unescape(page.text.split('<pre class="turtle">', 1)[1].split("</pre>", 1)[0])
    assert len(Graph().parse(data=turtle, format="turtle")) == PAGE_ROWS
    assert f"first {PAGE_ROWS} of 60 triples" in page.text
    links = downloads(page.text)
    assert {"turtle", "ntriples"} <= links.keys()
    whole = fetch(paged.root + links["ntriples"])
    assert len(whole.text.splitlines()) == 60
