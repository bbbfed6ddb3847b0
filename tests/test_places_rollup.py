"""Places roll up (issue 17, ENCODING.md "Places roll up"): every place reaches the region through
``geo:sfWithin``, the road figures of item 3-03 are found under the places that contain their roads,
and the named query ``queries/touching-place.rq`` answers what touches a place — here, inside, or
from a place that contains it — the same on the embedded store and on Virtuoso, whose answers to
some property paths differ (tests/test_virtuoso_pages.py). The place page shows the city-wide part.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Dataset, Graph

import ld_support
from bolekg.pages import browse
from bolekg.pages.examples import examples
from bolekg.services.places import SCOPES, touching, touching_text
from bolekg.store import GraphStore
from ld_support import Site, page_text

PLACE = "https://w3id.org/bolekg/id/place/"
ID = "https://w3id.org/bolekg/id/"
BK = "https://w3id.org/bolekg/def/"
REF_AREA = "http://purl.org/linked-data/sdmx/2009/dimension#refArea"
EN = {"Accept": "text/html", "Accept-Language": "en-GB,en;q=0.9"}
ZH = {"Accept": "text/html", "Accept-Language": "zh-CN,zh;q=0.9"}
PREFIXES = """PREFIX bk: <https://w3id.org/bolekg/def/>
PREFIX geo: <http://www.opengis.net/ont/geosparql#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#>
"""
ENCODING = Path(__file__).resolve().parents[1] / "docs" / "ENCODING.md"
S304_FIGURES = {ID + "obs/3-03-" + name for name in (
    "s304-length-target", "s304-auxiliary-road-length-target", "s304-investment-target", "s304-works-share")}
AVENUE_FIGURES = {ID + "obs/3-03-" + name for name in (
    "avenue-right-sub-base-actual", "avenue-left-subgrade-excavation-actual")}
DALETE_PROJECTS = {ID + "project/dalete-coal-to-electric-heating", ID + "project/electric-heating-connection"}


@pytest.fixture(scope="module", params=["embedded", "virtuoso"])
def store(request: pytest.FixtureRequest, real_dataset: Dataset) -> Iterator[GraphStore]:
    loaded = ld_support.new_store(request.param, ld_support.remote_root(request, request.param, read_only=True))
    loaded.load(real_dataset)
    yield loaded
    loaded.close()


def column(store: GraphStore, query: str, name: str = "x") -> set[str]:
    full = query if query.lstrip().startswith("PREFIX") else PREFIXES + query
    return {row[name].value for row in store.query(full).solutions()}


def answers(store: GraphStore, place: str, scopes: tuple[str, ...] = SCOPES) -> set[tuple[str, str, str, str]]:
    rows = store.query(touching(PLACE + place, scopes)).solutions()
    return {(r["thing"].value, r["via"].value, r["where"].value, r["scope"].value) for r in rows}


# --- the data ------------------------------------------------------------------------------------


def test_every_place_reaches_the_region(real_union: Graph) -> None:
    """Through geo:sfWithin alone; the one exception is G219, a national highway that runs beyond
    Xinjiang and so crosses it (geo:sfCrosses) rather than lying within it."""
    rows = real_union.query(PREFIXES + """SELECT DISTINCT ?p ?chain ?crosses WHERE {
  ?p a/rdfs:subClassOf* bk:Place .
  OPTIONAL { ?p geo:sfWithin+ ?chain FILTER(?chain = <https://w3id.org/bolekg/id/place/xinjiang>) }
  OPTIONAL { ?p geo:sfCrosses ?crosses }
}""")
    places = {str(r.p) for r in rows}
    reaching = {str(r.p) for r in rows if r.chain is not None}
    crossing = {str(r.p): str(r.crosses) for r in rows if r.crosses is not None}
    assert len(places) > 90
    assert places - reaching == {PLACE + "xinjiang", PLACE + "g219"}
    assert crossing == {PLACE + "g219": PLACE + "xinjiang"}


def test_roads_that_leave_the_city_lie_in_the_prefecture_or_the_region(real_union: Graph) -> None:
    def parents(slug: str) -> set[str]:
        query = PREFIXES + f"SELECT ?o WHERE {{ <{PLACE}{slug}> geo:sfWithin ?o }}"
        return {str(row[0]) for row in real_union.query(query)}

    assert parents("s304-bole-wenquan") == {PLACE + "s304", PLACE + "bortala-prefecture"}
    assert parents("s304-auxiliary-road") == {PLACE + "bortala-prefecture"}
    # the carriageways run the avenue's whole length, from Bole (in Bortala) to Shuanghe (directly
    # under the region): neither city holds them (their editorial notes say why)
    assert parents("bole-shuanghe-avenue-left") == parents("bole-shuanghe-avenue-right") == {
        PLACE + "bole-shuanghe-avenue"}
    assert parents("bole-shuanghe-avenue") == {PLACE + "xinjiang"}


def test_every_segment_states_its_road_as_sfwithin(real_union: Graph) -> None:
    missing = real_union.query(PREFIXES + """SELECT ?s ?road WHERE {
  ?s bk:segmentOf ?road . FILTER NOT EXISTS { ?s geo:sfWithin ?road } }""")
    assert not list(missing)


# --- the figures found under a place ----------------------------------------------------------------


def within(store: GraphStore, place: str) -> set[str]:
    """The figures the browse facet ``within`` finds under ``place``: its pattern, as the page sends it."""
    pattern = browse.FACETS["within"][0].replace("?v", f"<{PLACE}{place}>")
    return column(store, f"SELECT DISTINCT ?s WHERE {{ ?s a bk:Observation . {pattern} }}", "s")


def test_the_road_figures_of_item_3_03_roll_up(store: GraphStore) -> None:
    everything = column(store, "SELECT ?s WHERE { ?s a bk:Observation }", "s")
    assert within(store, "bortala-prefecture") >= S304_FIGURES
    assert not S304_FIGURES & within(store, "bole-city")             # S304 leaves the city
    assert within(store, "bole-shuanghe-avenue") >= AVENUE_FIGURES
    assert not AVENUE_FIGURES & within(store, "bortala-prefecture")  # the avenue leaves the prefecture
    assert within(store, "xinjiang") == everything                     # no figure is lost
    assert len(within(store, "bortala-prefecture")) == len(everything) - len(AVENUE_FIGURES)


def test_figures_in_towns_are_found_under_the_city(store: GraphStore) -> None:
    town = within(store, "dalete-town")
    assert town == {ID + "obs/1-07-dalete-area-target"}
    city = within(store, "bole-city")
    assert town <= city
    direct = column(store, f"SELECT ?s WHERE {{ ?s sdmx-dimension:refArea <{PLACE}bole-city> }}", "s")
    assert direct < city and len(direct) == 131 and len(city) == 158


# --- the named query ---------------------------------------------------------------------------------


def test_dalete_town_here_and_city_wide(store: GraphStore) -> None:
    found = answers(store, "dalete-town")
    here = {(t, v) for t, v, _, s in found if s == "here"}
    assert here == {(p, BK + "location") for p in DALETE_PROJECTS} | {(ID + "obs/1-07-dalete-area-target", REF_AREA)}
    assert not {a for a in found if a[3] == "inside"}                 # nothing is placed inside the town
    wider = {a for a in found if a[3] == "wider"}
    assert {w for _, _, w, _ in wider} == {PLACE + "bole-city"}        # city-wide, marked as such
    city_initiatives = column(store, f"SELECT ?x WHERE {{ ?x bk:location <{PLACE}bole-city> }}")
    city_figures = column(store, f"SELECT ?x WHERE {{ ?x sdmx-dimension:refArea <{PLACE}bole-city> }}")
    assert {t for t, v, _, _ in wider if v == BK + "location"} == city_initiatives
    assert {t for t, v, _, _ in wider if v == REF_AREA} == city_figures
    assert ID + "item/2-01" in city_initiatives and len(city_figures) == 131


def test_one_scope_at_a_time_is_the_whole_query_cut(store: GraphStore) -> None:
    for place in ("dalete-town", "bole-city", "s304"):
        whole = answers(store, place)
        parts = set().union(*(answers(store, place, (scope,)) for scope in SCOPES))
        assert parts == whole
        assert {a[3] for a in whole} <= set(SCOPES)


def test_the_city_holds_what_its_places_hold(store: GraphStore) -> None:
    found = answers(store, "bole-city")
    inside = {t for t, _, _, s in found if s == "inside"}
    assert inside >= DALETE_PROJECTS
    assert not S304_FIGURES & {t for t, _, _, _ in found}
    prefecture = {t for t, _, _, s in answers(store, "bortala-prefecture") if s == "inside"}
    assert prefecture >= S304_FIGURES and inside <= prefecture


def test_the_documented_query_is_the_file() -> None:
    """ENCODING.md shows the query for Dalete Town: the file's text with the IRI written in."""
    text = ENCODING.read_text(encoding="utf-8")
    section = text[text.index("### Places roll up"):]
    shown = re.search(r"```sparql\n(.*?)```", section, flags=re.S)
    assert shown is not None
    assert shown.group(1).strip() == touching(PLACE + "dalete-town").strip()
    assert "?place" in touching_text() and "?place" not in touching(PLACE + "dalete-town")


def test_the_workbench_example_is_the_named_query() -> None:
    example = next(e for e in examples() if e.name == "18-what-touches-a-place")
    assert example.query.strip() == touching(PLACE + "dalete-town").strip()


def test_unknown_scope_is_refused() -> None:
    with pytest.raises(ValueError):
        touching(PLACE + "dalete-town", ("everywhere",))


# --- the place page -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(real_site: Site) -> Site:
    return real_site


def page(site: Site, path: str, headers: dict[str, str]) -> str:
    return page_text(site, path, headers)


def section(html: str, anchor: str) -> str:
    start = html.index(f'id="{anchor}"')
    return html[start:html.index("</section>", start)]


def test_town_page_shows_its_projects_and_what_covers_it_city_wide(site: Site) -> None:
    html = page(site, "/id/place/dalete-town", EN)
    here = section(html, "h-here")
    for project in DALETE_PROJECTS:
        assert f'href="{project.removeprefix("https://w3id.org/bolekg")}"' in here
    wider = section(html, "h-wider")
    assert "Also covered city-wide (44)" in wider
    assert 'href="/id/item/2-01"' in wider and 'href="/id/place/bole-city"' in wider
    assert not any(f'href="{p.removeprefix("https://w3id.org/bolekg")}"' in wider for p in DALETE_PROJECTS)
    figures = re.search(r'<a href="([^"]+)">figures about it as a whole \((\d+)\)</a>', wider)
    assert figures is not None and figures.group(2) == "131"
    assert "place=https%3A%2F%2Fw3id.org%2Fbolekg%2Fid%2Fplace%2Fbole-city" in figures.group(1)
    assert "全市范围内亦涉及此地 (44)" in page(site, "/id/place/dalete-town", ZH)


def test_nothing_covers_the_region_from_above(site: Site) -> None:
    assert 'id="h-wider"' not in page(site, "/id/place/xinjiang", EN)
    assert 'id="h-wider"' not in page(site, "/id/place/bole-city", EN)     # nothing is prefecture-wide
