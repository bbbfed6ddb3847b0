"""Several reports in one server: the real report and a second one (``tests/second_report.py``, the
benchmark's ``s0001``) side by side, on the embedded store and behind ``oxigraph serve``.

What is expected is computed from the data the test loaded (the second report's triples, the real
dataset's graph) or asked of the store by SPARQL, never written down: the list of reports, the browse
facet's counts, each report's dumps (compared as graphs), its VoID subset and its CSV rows. ``bolekg
load --report`` runs as a user runs it, a real process on an on-disk store and on a remote one.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph, Literal, URIRef

import ld_support
from bolekg.report.reports import report_graph_iri
from bolekg.report.vocab import BK, RDF, REPORT_GRAPH, VOID
from bolekg.services.reports import list_reports
from bolekg.store import EmbeddedStore, GraphStore, RemoteStore, WriteRejected
from graphs import assert_isomorphic
from ld_support import EX, Site, canonical, fetch, page_text, running
from second_report import SECOND_ID, second_report_triples

BOLEKG = str(Path(sys.executable).parent / "bolekg")
FIRST_ID = "bole-2021-h1"
TOKEN = "several-reports-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SECOND_GRAPH = report_graph_iri(SECOND_ID)
OBSERVATION = str(BK.Observation)
#: The generator names its report ``report:s0001-bole-2021-h1``; a report loaded by ID is ``report:<ID>``.
GENERATED_IRI = "https://w3id.org/bolekg/id/report/s0001-bole-2021-h1"
LOADED_IRI = "https://w3id.org/bolekg/id/report/s0001"


def add_second(store: GraphStore, triples: tuple[ox.Triple, ...] | list[ox.Triple] | None = None) -> None:
    graph = ox.NamedNode(SECOND_GRAPH)
    found = second_report_triples() if triples is None else triples
    store.write_report(SECOND_ID, lambda s: s.extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in found))


def as_graph(triples: list[ox.Triple] | tuple[ox.Triple, ...]) -> Graph:
    return Graph().parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"", format="nt")


@pytest.fixture(scope="module", params=["embedded", "remote"])
def site(request: pytest.FixtureRequest, real_dataset: Dataset) -> Iterator[Site]:
    """Both reports behind the real app (small shapes: the gate's cost is not what is tested here)."""
    from bolekg.web import create_app

    kind = request.param
    store = ld_support.new_store(kind, ld_support.remote_root(request, kind, read_only=True))
    store.load(real_dataset)
    add_second(store)
    app = create_app({"STORE": store, "WRITE_TOKEN": TOKEN})
    try:
        with running(app) as root:
            yield Site(root, store, kind, app)
    finally:
        store.close()


def observations_by_sparql(store: GraphStore, graph: str) -> set[str]:
    rows = store.query(f"SELECT DISTINCT ?o WHERE {{ GRAPH <{graph}> {{ ?o a <{OBSERVATION}> }} }}").solutions()
    return {row["o"].value for row in rows}


def test_list_reports(site: Site, real_dataset: Dataset) -> None:
    found = {entry.id: entry for entry in list_reports(site.store)}
    assert set(found) == {FIRST_ID, SECOND_ID}
    first, second = found[FIRST_ID], found[SECOND_ID]
    assert (first.graph, second.graph) == (str(REPORT_GRAPH), SECOND_GRAPH)
    assert second.iri == GENERATED_IRI and first.iri.endswith("/" + FIRST_ID)
    ours = second_report_triples()
    assert second.triples == len(set(ours))
    assert first.triples == len(real_dataset.graph(REPORT_GRAPH))
    kind = ox.NamedNode(str(RDF.type))
    assert second.observations == len({t.subject for t in ours if t.predicate == kind
                                       and t.object == ox.NamedNode(OBSERVATION)}) > 0
    assert first.observations == len(set(real_dataset.graph(REPORT_GRAPH).subjects(RDF.type, BK.Observation)))
    for entry in (first, second):
        assert entry.title("zh") and entry.title("en") and entry.place_name("zh") and entry.period
    assert "s0001" in second.title("zh")


def test_home_lists_both_reports(site: Site) -> None:
    body = unescape(page_text(site, "/"))
    for entry in list_reports(site.store):
        assert entry.title("zh") in body
        assert f"/dumps/report/{entry.id}.ttl" in body and f"/dashboard?report={entry.id}" in body
    assert "/reader?report=s0001" in body


FACET_VALUE = re.compile(r'<a href="([^"]*)"[^>]*>(?:✓ )?[^<]*</a> <span class="n">(\d+)</span>')


def report_facet(body: str) -> dict[str, int]:
    """The report facet's values on a browse page: report IRI → count."""
    found = {}
    for href, count in FACET_VALUE.findall(body):
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(unescape(href)).query)
        if "report" in query:
            found[query["report"][0]] = int(count)
    return found


def test_browse_report_facet(site: Site) -> None:
    expected = {entry.iri: len(observations_by_sparql(site.store, entry.graph)) for entry in list_reports(site.store)}
    listing = page_text(site, "/browse?" + urllib.parse.urlencode({"class": OBSERVATION}))
    assert report_facet(listing) == expected
    chosen = page_text(site, "/browse?" + urllib.parse.urlencode({"class": OBSERVATION, "report": GENERATED_IRI}))
    assert f'<span class="count">({expected[GENERATED_IRI]})</span>' in chosen
    assert "/id/obs/s0001-" in chosen and "/id/obs/1-" not in chosen


def test_dashboard_and_search_per_report(site: Site) -> None:
    board = page_text(site, "/dashboard?report=s0001")
    figures = set(re.findall(r'href="/id/obs/([^"#?]+)"', board))
    assert figures and all(name.startswith("s0001-") for name in figures)
    everything = set(re.findall(r'href="/id/obs/([^"#?]+)"', page_text(site, "/dashboard")))
    assert figures < everything and any(not name.startswith("s0001-") for name in everything)
    assert fetch(f"{site.root}/dashboard?report=no-such-report").status == 404

    found = json.loads(fetch(f"{site.root}/search?q=%E9%81%93%E8%B7%AF&format=json&report=s0001").body)
    second = {row["o"].value for row in site.store.query(
        f"SELECT DISTINCT ?o WHERE {{ GRAPH <{SECOND_GRAPH}> {{ ?o a ?t }} }}").solutions()}
    assert found["report"] == SECOND_ID and found["results"] and found["sentences"]
    assert {hit["iri"] for hit in found["results"]} <= second
    assert all(s["href"].startswith("/reader?report=s0001#s-") for s in found["sentences"])
    across = json.loads(fetch(f"{site.root}/search?q=%E9%81%93%E8%B7%AF&format=json").body)
    assert across["total"] > found["total"]


def test_reader_and_quotes_of_the_second_report(site: Site) -> None:
    rows = site.store.query(f"""SELECT ?q ?b ?e WHERE {{ GRAPH <{SECOND_GRAPH}> {{
      ?q a <{BK.Quote}> ; <http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#beginIndex> ?b ;
         <http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#endIndex> ?e }} }}""").solutions()
    quotes = {row["q"].value: f"q-{row['b'].value}-{row['e'].value}" for row in rows}
    reader = page_text(site, "/reader?report=s0001&marks=all")
    assert set(re.findall(r'class="anchor qa" id="(q-\d+-\d+)"', reader)) == set(quotes.values())
    iri = min(quotes)
    quote_page = unescape(page_text(site, "/" + iri.split("/bolekg/", 1)[1]))
    assert "/reader?report=s0001&marks=" in quote_page


def test_dumps_per_report(site: Site) -> None:
    for report_id, expected in ((SECOND_ID, as_graph(second_report_triples())),
                                (FIRST_ID, as_graph(site.store.graph_triples(str(REPORT_GRAPH)) or []))):
        graph = report_graph_iri(report_id)
        quads = fetch(f"{site.root}/dumps/report/{report_id}.nq")
        assert quads.status == 200 and "attachment" in quads.header("Content-Disposition")
        dataset = Dataset()
        dataset.parse(data=quads.body, format="nquads")
        assert {str(g.identifier) for g in dataset.graphs() if len(g)} == {graph}
        assert_isomorphic(canonical(expected), dataset.graph(URIRef(graph)))
        turtle = fetch(f"{site.root}/dumps/report/{report_id}.ttl")
        assert turtle.status == 200
        assert_isomorphic(canonical(expected), Graph().parse(data=turtle.body, format="turtle"))
    assert fetch(f"{site.root}/dumps/report/no-such-report.nq").status == 404
    assert fetch(f"{site.root}/dumps/report/s0001.exe").status == 404


def test_void_has_a_subset_per_report(site: Site) -> None:
    reply = fetch(f"{site.root}/.well-known/void", headers={"Accept": "text/turtle"})
    assert reply.status == 200
    void = Graph().parse(data=reply.body, format="turtle")
    for entry in list_reports(site.store):
        subset = URIRef(entry.graph)
        assert (None, VOID.subset, subset) in void
        assert void.value(subset, VOID.triples) == Literal(len(site.store.graph_triples(entry.graph) or []))
        dumps = {str(url) for url in void.objects(subset, VOID.dataDump)}
        assert f"{site.root}/dumps/report/{entry.id}.nq" in dumps
        for url in dumps:
            assert fetch(url).status == 200, url


def test_csv_per_report(site: Site) -> None:
    whole = list(csv.DictReader(io.StringIO(fetch(f"{site.root}/dumps/observations.csv").text, newline="")))
    for entry in list_reports(site.store):
        reply = fetch(f"{site.root}/dumps/report/{entry.id}.csv")
        assert reply.status == 200 and 'rel="describedby"' in reply.header("Link")
        rows = list(csv.DictReader(io.StringIO(reply.text, newline="")))
        expected = observations_by_sparql(site.store, entry.graph)
        assert {row["observation"] for row in rows} == expected and len(rows) == len(expected)
        assert {row["report"] for row in rows} == {entry.id}
        assert [row for row in whole if row["report"] == entry.id] == rows
        metadata = json.loads(fetch(f"{site.root}/dumps/report/{entry.id}.csv-metadata.json").body)
        assert metadata["url"] == f"{entry.id}.csv"
    assert {row["report"] for row in whole} == {FIRST_ID, SECOND_ID}


def test_http_writes_reach_no_report_graph(site: Site) -> None:
    before = site.store.graph_counts()
    for graph in (SECOND_GRAPH, report_graph_iri("a-new-report")):
        insert = f"INSERT DATA {{ GRAPH <{graph}> {{ <{EX}x> <{EX}p> <{EX}y> }} }}"
        reply = fetch(f"{site.root}/sparql", "POST", {"Content-Type": "application/sparql-update", **AUTH},
                      insert.encode())
        assert reply.status == 403, reply.text
        put = fetch(f"{site.root}/store?graph={urllib.parse.quote(graph)}", "PUT",
                    {"Content-Type": "application/n-triples", **AUTH}, f"<{EX}x> <{EX}p> <{EX}y> .\n".encode())
        assert put.status == 403, put.text
    assert site.store.graph_counts() == before


def test_the_gate_keeps_a_report_that_another_needs(real_dataset: Dataset) -> None:
    """With the project's own shapes: the second report conforms beside the first, and the first cannot be
    dropped from under it (it points at places, agencies and indicators the first report's graph holds)."""
    from bolekg.report.dataset import read_graphs

    store = EmbeddedStore()
    try:
        store.load_graphs(read_graphs())
        add_second(store)
        before = store.graph_counts()
        with pytest.raises(WriteRejected):
            store.write_report(FIRST_ID, lambda s: s.remove_graph(ox.NamedNode(str(REPORT_GRAPH))))
        assert store.graph_counts() == before
    finally:
        store.close()


# --- bolekg load --report, as a user runs it ----------------------------------------------------------


def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BOLEKG_HOME": str(home)}
    return subprocess.run([BOLEKG, "load", *args], env=env, capture_output=True, text=True, timeout=300)


def renamed(triples: tuple[ox.Triple, ...]) -> list[ox.Triple]:
    """The generated report with its report resource under the IRI its ID gives (``report:s0001``)."""
    old, new = ox.NamedNode(GENERATED_IRI), ox.NamedNode(LOADED_IRI)
    return [ox.Triple(*(new if term == old else term for term in (t.subject, t.predicate, t.object)))
            for t in triples]


@pytest.mark.parametrize("kind", ["disk", "remote"])
def test_load_a_report(kind: str, tmp_path: Path, real_dataset: Dataset, request: pytest.FixtureRequest) -> None:
    home = ld_support.make_home(tmp_path / "home", real_dataset)   # the small test shapes
    if kind == "disk":
        where = ["--store", str(tmp_path / "store")]
    else:
        root = ld_support.remote_root(request, kind)
        assert root is not None
        ld_support.empty_remote(root)
        where = ["--endpoint", f"{root}/query"]

    def graph_now() -> Graph | None:
        opened = EmbeddedStore(tmp_path / "store") if kind == "disk" else RemoteStore(where[1])
        try:
            found = opened.graph_triples(SECOND_GRAPH)
            return None if found is None else as_graph(found)
        finally:
            opened.close()

    assert run(home, *where).returncode == 0
    triples = renamed(second_report_triples())
    first = tmp_path / "s0001.ttl"
    first.write_bytes(ox.serialize(triples, format=ox.RdfFormat.TURTLE) or b"")

    added = run(home, *where, "--report", SECOND_ID, str(first))
    assert added.returncode == 0, added.stderr
    assert "s0001.ttl" in added.stderr and "Loaded report s0001" in added.stdout
    assert_isomorphic(canonical(as_graph(triples)), graph_now())   # type: ignore[arg-type]

    again = run(home, *where, "--report", SECOND_ID, str(first))
    assert again.returncode == 2 and "--replace" in again.stderr

    # a second version, in N-Quads naming the report's graph: --replace puts it in place of the first
    fewer = [t for t in triples if not (t.predicate.value.endswith("#label") and t.subject.value == LOADED_IRI)]
    assert len(fewer) < len(triples)
    second = tmp_path / "s0001-v2.nq"
    second.write_bytes(ox.serialize([ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(SECOND_GRAPH))
                                     for t in fewer], format=ox.RdfFormat.N_QUADS) or b"")
    replaced = run(home, *where, "--report", SECOND_ID, "--replace", str(second))
    assert replaced.returncode == 0, replaced.stderr
    assert_isomorphic(canonical(as_graph(fewer)), graph_now())   # type: ignore[arg-type]

    if kind == "disk":   # the refusals read the files, not the store: once is enough
        refusals(home, where, second)
    assert_isomorphic(canonical(as_graph(fewer)), graph_now())   # type: ignore[arg-type]

    # reloading the project's own data keeps the other report, and says so
    reloaded = run(home, *where)
    assert reloaded.returncode == 0 and "keeping the other reports" in reloaded.stderr and SECOND_ID in reloaded.stderr
    assert_isomorphic(canonical(as_graph(fewer)), graph_now())   # type: ignore[arg-type]

    dropped = run(home, *where, "--drop-report", SECOND_ID)
    assert dropped.returncode == 0, dropped.stderr
    assert graph_now() is None
    assert run(home, *where, "--drop-report", SECOND_ID).returncode == 2


def refusals(home: Path, where: list[str], good: Path) -> None:
    """What ``bolekg load --report`` refuses, each with its reason, the store left as it was."""
    tmp_path = home.parent
    # a widget without a label breaks the small shapes: the SHACL report, exit 1, nothing changed
    broken = tmp_path / "broken.ttl"
    broken.write_text(f"<{EX}w1> a <{EX}Widget> .\n", encoding="utf-8")
    refused = run(home, *where, "--report", SECOND_ID, "--replace", str(good), str(broken))
    assert refused.returncode == 1 and "A widget needs a label" in refused.stdout, refused.stdout[-2000:]
    assert "unchanged" in refused.stderr
    # no report:s0001 in the data: refused before anything is read into the store
    unnamed = tmp_path / "unnamed.ttl"
    unnamed.write_bytes(ox.serialize(second_report_triples(), format=ox.RdfFormat.TURTLE) or b"")
    nameless = run(home, *where, "--report", SECOND_ID, "--replace", str(unnamed))
    assert nameless.returncode == 1 and LOADED_IRI in nameless.stderr and GENERATED_IRI in nameless.stderr
    # a TriG file writing into another graph is refused by name
    stray = tmp_path / "stray.trig"
    stray.write_text(f"<{EX}g> {{ <{EX}x> <{EX}p> <{EX}y> }}\n", encoding="utf-8")
    strayed = run(home, *where, "--report", SECOND_ID, "--replace", str(good), str(stray))
    assert strayed.returncode == 1 and f"{EX}g" in strayed.stderr
    assert run(home, *where, "--report", "Not An ID", str(good)).returncode == 2
    missing = run(home, *where, "--report", SECOND_ID, "--replace", str(tmp_path / "missing.ttl"))
    assert missing.returncode == 2 and "missing.ttl: no such file" in missing.stderr, missing.stderr
