"""The public endpoint's limits, over real HTTP: a time limit that stops the work, a row cap that is
never silent, refusals with a reason, and no route that makes the server fetch a URL."""

from __future__ import annotations

import csv
import io
import json
import threading
import urllib.parse
from collections.abc import Iterator

import pyoxigraph as ox
import pytest
from rdflib import Dataset

import ld_support
from bolekg.settings import Limits
from hardening_support import IN_A_WORKER, RUNAWAY, SLOW, limited_site, listener, pool, pool_pids, wait_for
from ld_support import EX, Site, fetch, oxigraph_process, query_url, remote_root

TOKEN = "limits-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
JSON_RESULTS = "application/sparql-results+json"
CAP = 25
LIMITS = Limits(timeout=2.0, max_rows=CAP, max_query_bytes=4000, max_body_bytes=200_000)
#: The same limits with time to spare, for the sites whose tests are about rows and sizes, not time:
#: sorting every triple on Virtuoso took over 2 s on a loaded machine.
ROOMY = Limits(timeout=30.0, max_rows=CAP, max_query_bytes=4000, max_body_bytes=200_000)


@pytest.fixture(scope="module", params=["embedded", "remote", "virtuoso"])
def site(request: pytest.FixtureRequest, real_dataset: Dataset) -> Iterator[Site]:
    with limited_site(request.param, remote_root(request, request.param, read_only=True), real_dataset, ROOMY,
                      token=TOKEN) as running_site:
        yield running_site


@pytest.fixture(scope="module")
def embedded(real_dataset: Dataset) -> Iterator[Site]:
    with limited_site("embedded", None, real_dataset, LIMITS, token=TOKEN, workers=2) as running_site:
        yield running_site


def rows(reply: ld_support.Reply) -> list[dict[str, str]]:
    result = ox.parse_query_results(reply.body, format=ox.QueryResultsFormat.JSON)
    names = [v.value for v in result.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in result]


# --- the time limit ---------------------------------------------------------------------------------


def test_a_runaway_query_is_stopped_and_others_are_served_meanwhile(embedded: Site) -> None:
    """503 with a clear message within the limit + 1 s; the worker that ran it is killed and replaced;
    requests sent while it runs are answered normally, before it is."""
    before = set(pool_pids(embedded))
    outcome: dict[str, ld_support.Reply] = {}

    def runaway() -> None:
        # the socket timeout is the promise itself: an answer later than limit + 1 s raises here
        outcome["reply"] = _fetch_within(query_url(embedded.root, RUNAWAY), LIMITS.timeout + 1.0)

    thread = threading.Thread(target=runaway)
    thread.start()
    try:
        assert wait_for(lambda: _busy_worker(embedded), timeout=5)
        others = [fetch(query_url(embedded.root, f"ASK {{ <{EX}x{n}> ?p ?o }}"), headers={"Accept": JSON_RESULTS})
                  for n in range(5)]
        others.append(fetch(f"{embedded.root}/dumps/bolekg.nt"))
        others.append(fetch(f"{embedded.root}/def/", headers={"Accept": "text/turtle"}))
        assert [reply.status for reply in others] == [200] * len(others)
        assert thread.is_alive(), "the runaway query was answered before the others: it did not run in parallel"
    finally:
        thread.join()
    reply = outcome["reply"]
    assert reply.status == 503
    assert "stopped after 2 s" in reply.text and "BOLEKG_QUERY_TIMEOUT" in reply.text
    assert reply.header("Retry-After")
    # the worker that ran it is gone (its memory with it), and the pool is whole again
    assert wait_for(lambda: len(pool_pids(embedded)) == 2)
    assert set(pool_pids(embedded)) != before
    assert fetch(query_url(embedded.root, IN_A_WORKER), headers={"Accept": JSON_RESULTS}).status == 200


def _busy_worker(site: Site) -> bool:
    workers = pool(site)
    with workers._cond:
        return len(workers._idle) < len(workers._workers)


def _fetch_within(url: str, seconds: float) -> ld_support.Reply:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=seconds) as response:
            return ld_support.Reply(response.status, {k.lower(): v for k, v in response.headers.items()},
                                    response.read())
    except urllib.error.HTTPError as error:
        return ld_support.Reply(error.code, {k.lower(): v for k, v in error.headers.items()}, error.read())


def test_a_query_queued_behind_a_runaway_is_answered_in_time(real_dataset: Dataset) -> None:
    """With the only worker held by a runaway, the next query waits — at most its own time limit — for
    the runaway to be cut and the worker replaced. It is answered either way, never left hanging: by
    the replacement (200), or, if that was not ready before its own limit, with 503 "busy"."""
    with limited_site("embedded", None, real_dataset, LIMITS, workers=1) as site:
        thread = threading.Thread(target=lambda: fetch(query_url(site.root, RUNAWAY)))
        thread.start()
        try:
            assert wait_for(lambda: _busy_worker(site), timeout=5)
            reply = _fetch_within(query_url(site.root, IN_A_WORKER), LIMITS.timeout + 1.0)
            assert reply.status == 200 or (reply.status == 503 and "busy" in reply.text), reply.text
            # (the runaway is cut at the limit; the queued query then still gets half a second to run)
        finally:
            thread.join()
        assert fetch(query_url(site.root, IN_A_WORKER), headers={"Accept": JSON_RESULTS}).status == 200


def test_a_query_beyond_its_memory_allowance_is_stopped(real_dataset: Dataset) -> None:
    """ORDER BY over a cartesian product must hold every row: the worker hits its ceiling and dies,
    not the server; the client is told why."""
    sort_all = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f"
    limits = Limits(timeout=30.0, max_rows=CAP)
    with limited_site("embedded", None, real_dataset, limits, workers=1, memory_mb=64) as site:
        reply = fetch(query_url(site.root, sort_all), headers={"Accept": JSON_RESULTS})
        assert reply.status == 503, reply.text
        assert "memory" in reply.text and "BOLEKG_QUERY_MEMORY_MB" in reply.text
        assert wait_for(lambda: len(pool_pids(site)) == 1)
        again = fetch(query_url(site.root, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"),
                      headers={"Accept": JSON_RESULTS})
        assert again.status == 200


def test_remote_backend_time_limit(tmp_path_factory: pytest.TempPathFactory, real_dataset: Dataset) -> None:
    """A remote server is given up on at the limit too (its own process, as it may go on computing)."""
    with oxigraph_process(tmp_path_factory.mktemp("oxigraph-slow")) as root, \
            limited_site("remote", root, real_dataset, LIMITS) as site:
        reply = _fetch_within(query_url(site.root, SLOW), LIMITS.timeout + 1.0)
        assert reply.status == 503
        assert "stopped after 2 s" in reply.text


# --- the row cap --------------------------------------------------------------------------------------


ALL_TRIPLES = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o"


@pytest.mark.parametrize(("accept", "fmt"), [
    (JSON_RESULTS, ox.QueryResultsFormat.JSON),
    ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
    ("text/tab-separated-values", ox.QueryResultsFormat.TSV),
    ("text/csv", ox.QueryResultsFormat.CSV),
])
def test_truncated_results_say_so(site: Site, accept: str, fmt: ox.QueryResultsFormat) -> None:
    reply = fetch(query_url(site.root, ALL_TRIPLES), headers={"Accept": accept})
    assert reply.status == 200, reply.text
    assert reply.header("X-BoleKG-Truncated") == "true"
    assert reply.header("X-BoleKG-Row-Limit") == str(CAP)
    full = fetch(query_url(site.root, ALL_TRIPLES + f" LIMIT {CAP}"), headers={"Accept": JSON_RESULTS})
    assert full.header("X-BoleKG-Truncated") == ""
    expected = list(ox.parse_query_results(full.body, format=ox.QueryResultsFormat.JSON))
    if fmt == ox.QueryResultsFormat.CSV:  # lossy (no datatypes, no languages): pyoxigraph does not read it back
        table = list(csv.reader(io.StringIO(reply.text)))
        assert table[0] == ["s", "p", "o"]
        assert [line[2] for line in table[1:]] == [row["o"].value for row in expected]
        return
    parsed = list(ox.parse_query_results(reply.body, format=fmt))
    # the rows are the first CAP of the full ordered answer, not any CAP rows
    assert [str(row["o"]) for row in parsed] == [str(row["o"]) for row in expected]
    assert len(parsed) == CAP


def test_exactly_the_cap_is_not_truncated(site: Site) -> None:
    reply = fetch(query_url(site.root, ALL_TRIPLES + f" LIMIT {CAP}"), headers={"Accept": JSON_RESULTS})
    assert reply.status == 200
    assert len(rows(reply)) == CAP
    assert "x-bolekg-truncated" not in reply.headers


@pytest.mark.parametrize("accept", ["text/turtle", "application/n-triples", "application/ld+json"])
def test_truncated_graphs_say_so(site: Site, accept: str) -> None:
    reply = fetch(query_url(site.root, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"), headers={"Accept": accept})
    assert reply.status == 200, reply.text
    assert reply.header("X-BoleKG-Truncated") == "true"
    triples = list(ox.parse(reply.body, format=ox.RdfFormat.from_media_type(accept)))
    assert len(triples) == CAP


@pytest.mark.parametrize("language, says", [("en", "Only the first {n} results"), ("zh", "只计算了前 {n} 条结果")])
def test_truncated_results_page_says_so(site: Site, language: str, says: str) -> None:
    reply = fetch(query_url(site.root, ALL_TRIPLES, format="html"), headers={"Accept-Language": language})
    assert reply.status == 200
    assert reply.header("X-BoleKG-Truncated") == "true"
    assert says.format(n=CAP) in reply.text and "BOLEKG_MAX_ROWS" in reply.text


def test_truncation_headers_are_visible_to_scripts_on_other_origins(site: Site) -> None:
    reply = fetch(query_url(site.root, ALL_TRIPLES), headers={"Accept": JSON_RESULTS, "Origin": "https://x.example"})
    assert "X-BoleKG-Truncated" in reply.header("Access-Control-Expose-Headers")


# --- refusals -------------------------------------------------------------------------------------------


def post_query(site: Site, text: str) -> ld_support.Reply:
    return fetch(f"{site.root}/sparql", "POST", {"Content-Type": "application/sparql-query", "Accept": JSON_RESULTS},
                 text.encode("utf-8"))


def post_update(site: Site, text: str, headers: dict[str, str] | None = None) -> ld_support.Reply:
    return fetch(f"{site.root}/sparql", "POST", {"Content-Type": "application/sparql-update", **(headers or {})},
                 text.encode("utf-8"))


def test_service_is_refused_and_nothing_is_fetched(site: Site) -> None:
    with listener() as outside:
        for query in (f"SELECT * WHERE {{ SERVICE <{outside.url}> {{ ?s ?p ?o }} }}",
                      f"select * {{ service silent <{outside.url}> {{ ?s ?p ?o }} }}"):
            reply = post_query(site, query)
            assert reply.status == 400
            assert "SERVICE" in reply.text and "disabled" in reply.text
        assert outside.connections == 0


def test_load_is_refused_even_with_the_token(site: Site) -> None:
    with listener() as outside:
        for update in (f"LOAD <{outside.url}>", f"LOAD SILENT <{outside.url}data.ttl> INTO GRAPH <{EX}g>"):
            reply = post_update(site, update, AUTH)
            assert reply.status == 400
            assert "LOAD is disabled" in reply.text
        assert outside.connections == 0


def test_an_update_is_not_accepted_as_a_query(site: Site) -> None:
    update = f"INSERT DATA {{ <{EX}a> <{EX}b> <{EX}c> }}"
    for reply in (fetch(query_url(site.root, update)), post_query(site, update)):
        assert reply.status == 400
        assert "update" in reply.text
    assert not _ask(site, f"<{EX}a> <{EX}b> <{EX}c>")


def test_updates_on_the_public_endpoint_need_the_token(site: Site) -> None:
    update = f"INSERT DATA {{ GRAPH <{EX}notes> {{ <{EX}a> <{EX}b> <{EX}c> }} }}"
    reply = post_update(site, update)
    assert reply.status == 401
    assert "Bearer" in reply.text
    # read from the store itself: through a query, Virtuoso answers a GRAPH it does not hold wrongly
    # (tests/test_virtuoso.py)
    assert site.store.graph_triples(f"{EX}notes") is None


def test_a_query_over_the_size_limit_is_413(site: Site) -> None:
    padding = "#" + "x" * LIMITS.max_query_bytes + "\n"
    big = padding + "ASK { ?s ?p ?o }"
    for reply in (post_query(site, big),
                  fetch(f"{site.root}/sparql", "POST", {"Content-Type": "application/x-www-form-urlencoded"},
                        urllib.parse.urlencode({"query": big}).encode())):
        assert reply.status == 413
        assert "BOLEKG_MAX_QUERY_BYTES" in reply.text
    assert post_update(site, padding + f"INSERT DATA {{ <{EX}a> <{EX}b> <{EX}c> }}", AUTH).status == 413
    # a query just under the limit is fine
    assert post_query(site, "#" + "x" * (LIMITS.max_query_bytes - 40) + "\nASK { ?s ?p ?o }").status == 200


def test_a_body_over_the_body_limit_is_413(site: Site) -> None:
    body = b"<https://example.org/s> <https://example.org/p> \"" + b"x" * LIMITS.max_body_bytes + b"\" .\n"
    reply = fetch(f"{site.root}/store?graph={urllib.parse.quote(EX + 'big')}", "PUT",
                  {"Content-Type": "application/n-triples", **AUTH}, body)
    assert reply.status == 413


def test_no_route_fetches_a_url(site: Site) -> None:
    """Dataset IRIs, FROM clauses, payload bases and JSON-LD contexts name things; they are never fetched."""
    with listener() as outside:
        replies = [
            fetch(query_url(site.root, "SELECT * WHERE { ?s ?p ?o } LIMIT 1", **{"default-graph-uri": outside.url})),
            fetch(query_url(site.root, "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 1",
                            **{"named-graph-uri": outside.url})),
            post_query(site, f"SELECT * FROM <{outside.url}> WHERE {{ ?s ?p ?o }} LIMIT 1"),
            post_query(site, f"SELECT * FROM NAMED <{outside.url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"),
            fetch(f"{site.root}/store?graph={urllib.parse.quote(EX + 'ctx')}", "PUT",
                  {"Content-Type": "application/ld+json", **AUTH},
                  json.dumps({"@context": outside.url, "@id": EX + "x", "name": "y"}).encode()),
            fetch(f"{site.root}/store?graph={urllib.parse.quote(EX + 'ctx')}", "PUT",
                  {"Content-Type": "text/turtle", **AUTH},
                  f"@base <{outside.url}> . <x> <y> <z> .".encode()),
            fetch(f"{site.root}/store?graph={urllib.parse.quote(outside.url)}"),
        ]
        assert all(reply.status < 500 for reply in replies), [(r.status, r.text[:200]) for r in replies]
        assert outside.connections == 0


def _ask(site: Site, pattern: str) -> bool:
    reply = fetch(query_url(site.root, f"ASK {{ {pattern} }}"), headers={"Accept": JSON_RESULTS})
    return bool(ox.parse_query_results(reply.body, format=ox.QueryResultsFormat.JSON))
