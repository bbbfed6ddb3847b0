"""One indicator across reports (issue 19): ``/compare/<name>`` and :mod:`bolekg.services.compare`.

Three reports sit side by side on the embedded store and on a remote ``oxigraph serve``: the real one,
the benchmark generator's ``s0001`` (tests/second_report.py) and a third, ``s0002``, made here from
``s0001`` by renaming its IRIs and moving its first-half figures to the first quarter — another period
that already exists — and written through ``GraphStore.write_report`` under the project's own shapes,
so the gate judges it as it would any new report. What the comparison must show is computed from the
same triples with rdflib, never written down: which figures, their normalised value (checked against
the unit's ``qudt:conversionMultiplier`` in the ontology, on units that scale: 万元, 万亩, 公里), their
source sentence, and the order of the periods.
"""

from __future__ import annotations

import csv
import html
import io
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph, URIRef

from bolekg.pages import compare as compare_pages
from bolekg.report.reports import report_graph_iri, report_id_of
from bolekg.report.vocab import BK, NIF, QB, QUDT, TIME
from bolekg.report.vocab import SDMX_ATT as SDMX_ATTRIBUTE
from bolekg.report.vocab import SDMX_DIM as SDMX_DIMENSION
from bolekg.services import compare
from bolekg.services.lookup import Lookup
from bolekg.store import GraphStore
from bolekg.store.base import default_validator
from ld_support import Site, fetch, new_store, remote_root, running
from page_kinds import PHONE
from second_report import SECOND_ID, second_report_triples
from test_browser import CHROMIUM, FLAGS, recording
from test_phone_pages import SMALL_TARGETS, WIDE_TABLES
from test_workbench_people import axe_findings

THIRD_ID = "s0002"
PERIOD = "https://w3id.org/bolekg/id/period/"
IND = "https://w3id.org/bolekg/id/indicator/"
#: The third report's figures of the first half move to the first quarter (periods.ttl has both).
MOVED_FROM, MOVED_TO = PERIOD + "2021-h1", PERIOD + "2021-q1"
#: Indicators whose figures the tests compare: one counted in 人次 over two periods, and one in each unit
#: that scales (万亩 to m², with a rounded normalised value; 万元 to yuan; 公里 to metres).
TRAINING = IND + "vocational-training"
SCALED = {IND + "forest-tending-area": "TenThousandMu", IND + "project-investment": "TenThousandYuan",
          IND + "road-project-length": "KiloM"}
INDICATORS = (TRAINING, *SCALED)
ZH = {"Accept": "text/html", "Accept-Language": "zh-CN,zh;q=0.9"}


def third_report_triples() -> list[ox.Triple]:
    """``s0001`` as another report: every IRI naming ``s0001`` renamed ``s0002``, and every figure of
    the first half moved to the first quarter (the report's own period, ``dct:temporal``, stays)."""
    def rename(term):  # type: ignore[no-untyped-def]
        if isinstance(term, ox.NamedNode) and SECOND_ID in term.value:
            return ox.NamedNode(term.value.replace(SECOND_ID, THIRD_ID))
        return term

    found = []
    for t in second_report_triples():
        obj = t.object
        if t.predicate.value == str(SDMX_DIMENSION.refPeriod) and obj == ox.NamedNode(MOVED_FROM):
            obj = ox.NamedNode(MOVED_TO)
        found.append(ox.Triple(rename(t.subject), t.predicate, rename(obj)))
    return found


def _add(report_id: str, triples: list[ox.Triple]):  # type: ignore[no-untyped-def]
    graph = ox.NamedNode(report_graph_iri(report_id))
    return lambda scratch: scratch.extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples)


@pytest.fixture(scope="module")
def union(real_dataset: Dataset) -> Dataset:
    """The three reports as rdflib sees them: the expectations are read from here."""
    found = Dataset()
    for graph in real_dataset.graphs():
        for triple in graph:
            found.graph(graph.identifier).add(triple)
    for report_id, triples in ((SECOND_ID, list(second_report_triples())), (THIRD_ID, third_report_triples())):
        target = found.graph(URIRef(report_graph_iri(report_id)))
        data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
        target.parse(data=data, format="nt")
    return found


@pytest.fixture(scope="module")
def whole(union: Dataset) -> Graph:
    """The union of the three reports' graphs and the ontology's, as one graph (units, periods, sentences)."""
    found = Graph()
    for graph in union.graphs():
        found += graph
    return found


@pytest.fixture(scope="module", params=["embedded", "remote"])
def site(request: pytest.FixtureRequest, real_dataset: Dataset) -> Iterator[Site]:
    """The real report and ``s0001`` loaded (under the small test shapes, for speed), then ``s0002``
    written through the gate with the project's shapes; the app served over HTTP."""
    from bolekg.web import create_app

    store: GraphStore = new_store(request.param, remote_root(request, request.param, read_only=True))
    store.load(real_dataset)
    store.write_report(SECOND_ID, _add(SECOND_ID, list(second_report_triples())))
    store.validator = default_validator
    store.write_report(THIRD_ID, _add(THIRD_ID, third_report_triples()))
    app = create_app({"STORE": store, "WRITE_TOKEN": None})
    try:
        with running(app) as root:
            yield Site(root, store, request.param, app)
    finally:
        store.close()


@dataclass(frozen=True)
class Expected:
    report_id: str
    measure: str
    period: str
    place: str
    value: Decimal
    unit: str
    normalised: Decimal
    base_unit: str
    sentences: tuple[str, ...]


def _one(graph: Graph, subject, predicate):  # type: ignore[no-untyped-def]
    return next(iter(graph.objects(subject, predicate)), None)


def expected(union: Dataset, whole: Graph, indicator: str) -> set[Expected]:
    """Every figure of ``indicator`` in a report graph, read with rdflib; the normalised value as the
    data states it, after checking it against the unit's multiplier (within half its stated precision)."""
    found = set()
    for graph in union.graphs():
        report_id = report_id_of(str(graph.identifier))
        if report_id is None:
            continue
        for obs in graph.subjects(BK.indicator, URIRef(indicator)):
            measure = _one(graph, obs, QB.measureType)
            value = Decimal(str(_one(graph, obs, measure)))
            unit = _one(graph, obs, SDMX_ATTRIBUTE.unitMeasure)
            multiplier = _one(whole, unit, QUDT.conversionMultiplier)
            scaling = _one(whole, unit, QUDT.scalingOf)
            stated = _one(graph, obs, BK.normalisedValue)
            if scaling is not None:
                normalised = Decimal(str(stated))
                precision = _one(graph, obs, BK.normalisedPrecision)
                slack = Decimal(str(precision)) / 2 if precision is not None else Decimal("0.000001")
                assert abs(normalised - value * Decimal(str(multiplier))) <= slack, (obs, normalised, value)
                assert _one(graph, obs, BK.normalisedUnit) == scaling
                base = str(scaling)
            else:
                normalised, base = value, str(unit)
            sentences = tuple(sorted(str(_one(whole, _one(whole, q, NIF.sentence), NIF.anchorOf))
                                     for q in graph.objects(obs, BK.evidence)))
            found.add(Expected(report_id, str(measure), str(_one(graph, obs, SDMX_DIMENSION.refPeriod)),
                               str(_one(graph, obs, SDMX_DIMENSION.refArea)), value, str(unit), normalised, base,
                               sentences))
    return found


def shown(comparison: compare.Comparison) -> set[Expected]:
    return {Expected(f.report_id, f.measure, f.period, f.place, f.value, f.unit, f.normalised, f.base_unit,
                     tuple(sorted(s.sentence_text for s in f.sources)))
            for f in comparison.figures}


def test_the_third_report_passed_the_gate_and_moved_period(site: Site, union: Dataset) -> None:
    """The fixture is what the tests think: three report graphs, ``s0002`` judged by the real shapes,
    its figures of the first half now in the first quarter."""
    graphs = set(site.store.graph_names())
    assert {report_graph_iri(i) for i in ("bole-2021-h1", SECOND_ID, THIRD_ID)} <= graphs
    third = union.graph(URIRef(report_graph_iri(THIRD_ID)))
    assert not set(third.subjects(SDMX_DIMENSION.refPeriod, URIRef(MOVED_FROM)))
    assert set(third.subjects(SDMX_DIMENSION.refPeriod, URIRef(MOVED_TO)))


@pytest.mark.parametrize("indicator", INDICATORS)
def test_every_figure_of_every_report_in_its_base_unit(site: Site, union: Dataset, whole: Graph,
                                                       indicator: str) -> None:
    """The library gives exactly the figures rdflib finds, each in its base unit, with its sentence;
    and where the unit scales, the base unit differs from the reported one and the value was scaled."""
    comparison = compare.compare(Lookup(site.store, "zh"), indicator)
    want = expected(union, whole, indicator)
    assert shown(comparison) == want
    assert {e.report_id for e in want} == {"bole-2021-h1", SECOND_ID, THIRD_ID}
    if indicator in SCALED:
        scaled = [f for f in comparison.figures if f.unit.endswith(SCALED[indicator])]
        assert scaled and all(f.base_unit != f.unit and f.normalised != f.value for f in scaled)
    for group in comparison.groups:  # one measure type and one unit per group, never mixed
        found = {(f.measure, f.base_unit) for p in group.periods for f in p.figures}
        assert found == {(group.measure, group.base_unit)}


def _begin_end(whole: Graph, period: str) -> tuple[str, str]:
    ends = []
    for step in (TIME.hasBeginning, TIME.hasEnd):
        instant = _one(whole, URIRef(period), step)
        ends.append(str(_one(whole, instant, TIME.inXSDDate)) if instant is not None else "9999-12-31")
    return ends[0], ends[1]


def test_aligned_by_period(site: Site, whole: Graph) -> None:
    """Vocational training's actual figures: the third report's first quarter comes before the first
    half of the other two (periods by first day, then last day), each period holding its own reports."""
    comparison = compare.compare(Lookup(site.store, "en"), TRAINING)
    actual = next(g for g in comparison.groups if g.measure == str(BK.actual))
    periods = [p.period for p in actual.periods]
    assert periods == sorted(periods, key=lambda p: _begin_end(whole, p))
    by_period = {p.period: {f.report_id for f in p.figures} for p in actual.periods}
    assert by_period[MOVED_TO] == {THIRD_ID}
    assert by_period[MOVED_FROM] == {"bole-2021-h1", SECOND_ID}
    assert periods.index(MOVED_TO) < periods.index(MOVED_FROM)
    # targets stay apart from actuals: the annual target is in its own group, not beside the actuals
    target = next(g for g in comparison.groups if g.measure == str(BK.target))
    assert {p.period for p in target.periods}.isdisjoint({MOVED_TO, MOVED_FROM})


def test_the_page_over_http(site: Site, union: Dataset, whole: Graph) -> None:
    """The indicator's page links to its comparison, which lists every report's figure in order of
    period, with the value in the base unit, the value as reported and the source sentence."""
    indicator = IND + "forest-tending-area"
    page = fetch(site.root + "/id/indicator/forest-tending-area", headers=ZH).text
    assert 'href="/compare/forest-tending-area"' in page
    reply = fetch(site.root + "/compare/forest-tending-area", headers=ZH)
    assert reply.status == 200, reply.text[:300]
    text = html.unescape(reply.text)
    comparison = compare.compare(Lookup(site.store, "zh"), indicator)
    for figure in comparison.figures:
        assert f'/id/obs/{figure.observation.rsplit("/", 1)[1]}"' in text
        for source in figure.sources:
            assert source.sentence_text.replace(source.quote_text, f"<mark>{source.quote_text}</mark>", 1) in text
    for e in expected(union, whole, indicator):  # 平方米 in Chinese, with separators; the reported 万亩 beside it
        plain = e.normalised.quantize(Decimal(1)) if e.normalised == e.normalised.to_integral_value() \
            else e.normalised.normalize()
        assert f"{plain:,}平方米" in text
        assert f"{e.value}万亩" in text
    titles = re.findall(r'<h2 id="g\d+">([^<]*)</h2>', text)
    assert titles and all("平方米" in t for t in titles)
    assert fetch(site.root + "/compare/no-such-indicator", headers=ZH).status == 404
    index = html.unescape(fetch(site.root + "/compare?lang=en").text)
    assert 'href="/compare/forest-tending-area"' in index


def test_download_holds_the_page_rows(site: Site, union: Dataset, whole: Graph) -> None:
    """The CSV and JSON downloads under the page hold one row per figure, in the page's order, with the
    normalised value and unit, the report, and the sentence."""
    indicator = IND + "project-investment"
    text = html.unescape(fetch(site.root + "/compare/project-investment?lang=en").text)
    links = re.findall(r'href="(/exports/compare\?[^"]+)"', text)
    assert len(links) == 3  # CSV, CSV for Excel, JSON
    csv_reply = fetch(site.root + links[0])
    assert csv_reply.status == 200 and csv_reply.header("Content-Type").startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(csv_reply.body.decode("utf-8"))))
    body = json.loads(fetch(site.root + links[2]).body)
    assert body["rows"] == rows and body["count"] == len(rows)
    got = {(r["report_id"], r["measure_type"], r["period"], r["place"], Decimal(r["value"]), r["unit"],
            Decimal(r["normalised_value"]), r["normalised_unit"], tuple(sorted(r["sentence_text"].split("|"))))
           for r in rows}
    assert got == {(e.report_id, e.measure, e.period, e.place, e.value, e.unit, e.normalised, e.base_unit,
                    e.sentences) for e in expected(union, whole, indicator)}
    assert [r["observation"] for r in rows] == [f.observation for f in compare.compare(
        Lookup(site.store, "en"), indicator).figures]
    assert all(r["report_en"] and r["place_en"] and r["normalised_unit_en"] for r in rows)


def test_normalisation_where_the_data_states_none() -> None:
    """A graph not yet through the gate may lack bk:normalisedValue: the value is scaled by the unit's
    multiplier, exactly where it can be, else rounded to a stated step; a unit that does not scale
    keeps the value; a stated normalised value wins."""
    yuan, m2 = "http://qudt.org/vocab/unit/CCY_CNY", "http://qudt.org/vocab/unit/M2"
    assert compare.base_value(Decimal("2065"), str(BK.TenThousandYuan), None, "", None, yuan, Decimal("10000")) == \
        (Decimal("20650000"), yuan, None, True)
    value, unit, step, computed = compare.base_value(Decimal("156"), str(BK.Mu), None, "", None, m2,
                                                     Decimal("666.6666666666667"))
    assert (value, unit, step, computed) == (Decimal("104000.00"), m2, Decimal("0.01"), True)
    assert compare.base_value(Decimal("43.6"), "http://qudt.org/vocab/unit/PERCENT", None, "", None, "",
                              Decimal("0.01")) == (Decimal("43.6"), "http://qudt.org/vocab/unit/PERCENT", None, False)
    assert compare.base_value(Decimal("0.35"), str(BK.TenThousandMu), Decimal("2333333.33"), m2, Decimal("0.01"), m2,
                              Decimal("6666666.666666667")) == (Decimal("2333333.33"), m2, Decimal("0.01"), False)
    assert compare_pages.href(IND + "forest-tending-area") == "/compare/forest-tending-area"
    assert compare_pages.href("https://example.org/x") == "/compare?indicator=https%3A%2F%2Fexample.org%2Fx"



@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed (make browser)")
@pytest.mark.parametrize("site", ["embedded"], indirect=True)  # one backend: the page is the same HTML on both
def test_a_phone_reads_the_comparison_without_sideways_scroll(site: Site, tmp_path: Path) -> None:
    """At 390 px, with three reports, in both languages: no sideways scroll, every table within its box
    (cards), axe-core finds nothing serious, targets big enough or apart (WCAG 2.2 SC 1.4.10, 2.5.8). One
    backend is enough: the page is the same HTML on both."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        context = driver.chromium.launch_persistent_context(str(tmp_path / "profile"), executable_path=CHROMIUM,
                                                            headless=True, args=FLAGS, viewport=PHONE)
        with recording(site.root, context) as browser:
            for lang in ("zh", "en"):
                for path in ("/compare/vocational-training", "/compare/project-investment", "/compare"):
                    page = browser.page(lang)
                    page.goto(site.root + path)
                    page.wait_for_load_state("networkidle")
                    where = (lang, path)
                    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0, where
                    assert page.evaluate(WIDE_TABLES) == [], where
                    assert axe_findings(page) == [], where
                    assert page.evaluate(SMALL_TARGETS, "main a[href], main button, main summary") == [], where
                    if path != "/compare":
                        assert page.locator("table.compare tbody tr").count() > 3, where
                    page.close()
