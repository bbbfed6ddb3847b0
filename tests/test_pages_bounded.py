"""Pages whose work does not grow with the data, checked on the real data.

A hub (Bole City: every figure of every report is about it) gets a page with a bounded share of
what points at it, the total, and a working link to the rest; its place lists are exact while they
are small and say "at least" past a window. Initiative and observation pages start every query
from bound terms: what they show must be exactly what the property paths they replace select.
Search answers from an index of the distinct texts: the same answers as scoring every name.
No timings here (bench/ measures them); the sizes come from the store, not from constants.
"""

from __future__ import annotations

import html
import random
import re
import urllib.parse
from collections.abc import Iterator

import pytest
from rdflib import Dataset

from bolekg.pages import browse, entity, kinds
from bolekg.report.vocab import BASE
from bolekg.services.search import SearchIndex, fold
from bolekg.store import GraphStore
from ld_support import Site, fetch, serving

EN = {"Accept": "text/html", "Accept-Language": "en-GB,en;q=0.9"}
CITY = "https://w3id.org/bolekg/id/place/bole-city"
REF_AREA = "http://purl.org/linked-data/sdmx/2009/dimension#refArea"
BK = "https://w3id.org/bolekg/def/"
PREFIXES = """PREFIX bk: <https://w3id.org/bolekg/def/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX geo: <http://www.opengis.net/ont/geosparql#>
PREFIX sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#>
"""
DOWN = "(bk:partOfInitiative|bk:programme)"


@pytest.fixture(scope="module", params=["embedded", "remote"])
def site(request: pytest.FixtureRequest, oxigraph_server: str, real_dataset: Dataset) -> Iterator[Site]:
    with serving(request.param, oxigraph_server, real_dataset) as running_site:
        yield running_site


@pytest.fixture(scope="module")
def store(real_store: GraphStore) -> GraphStore:
    return real_store


def page(site: Site, path: str) -> str:
    reply = fetch(site.root + path, headers=EN)
    assert reply.status == 200, (path, reply.text[:300])
    return reply.text


def column(store: GraphStore, query: str) -> list[str]:
    """The values of the only variable of a SELECT."""
    result = store.query(PREFIXES + query).value
    name = result.variables[0].value  # type: ignore[union-attr]
    return [row[name].value for row in result if row[name] is not None]  # type: ignore[union-attr]


def listed(site: Site, start: str) -> tuple[list[str], str]:
    """Every resource on every page of a /browse list, following rel=next, and the first page's status."""
    found: list[str] = []
    status = ""
    link = start
    while link:
        body = page(site, link)
        status = status or re.search(r'<p role="status">([^<]*)</p>', body).group(1)  # type: ignore[union-attr]
        members = re.search(r'<ol class="members"[^>]*>(.*?)</ol>', body, flags=re.S)
        found += re.findall(r'<li><a href="([^"]+)"', members.group(1)) if members else []
        found += re.findall(r'<a class="obs-link" href="([^"]+)"', body)   # a list of figures is a table
        after = re.search(r'<a rel="next" href="([^"]+)"', body)
        link = html.unescape(after.group(1)) if after else ""
    return found, status


def href(iri: str) -> str:
    return "/" + iri[len(BASE):] if iri.startswith(BASE) else iri


def incoming_row(body: str, predicate: str) -> str:
    section = body[body.index("<details><summary>Statements pointing here"):]
    return re.search(rf'<tr><th scope="row"><a href="{re.escape(href(predicate))}"[^>]*>.*?</tr>', section,
                     flags=re.S).group(0)  # type: ignore[union-attr]


# --- a hub's page -----------------------------------------------------------------------------------


def test_hub_page_shows_a_bounded_share_of_what_points_at_it_with_the_total_and_the_rest(site: Site) -> None:
    pointing = column(site.store, f"SELECT DISTINCT ?s WHERE {{ ?s sdmx-dimension:refArea <{CITY}> }}")
    assert len(pointing) > entity.INCOMING_SHOWN                       # the real data already makes it a hub
    row = incoming_row(page(site, "/id/place/bole-city"), REF_AREA)
    assert row.count("<li>") == entity.INCOMING_SHOWN
    more = re.search(r'<p class="more"><a href="([^"]+)">([^<]+)</a>', row)
    assert more is not None and f"{entity.INCOMING_SHOWN} of {len(pointing)} shown" in more.group(2)
    shown = set(re.findall(r'<li><a href="([^"]+)"', row))
    every, status = listed(site, html.unescape(more.group(1)))
    assert status == f"1–{browse.PAGE_SIZE} of {len(pointing)}"
    assert sorted(every) == sorted(href(iri) for iri in pointing)   # all of them, each once
    assert shown <= set(every)


def test_rows_under_the_bound_are_whole_and_have_no_link(site: Site) -> None:
    jurisdiction = column(site.store, f"SELECT DISTINCT ?s WHERE {{ ?s bk:jurisdiction <{CITY}> }}")
    row = incoming_row(page(site, "/id/place/bole-city"), BK + "jurisdiction")
    assert 0 < len(jurisdiction) <= entity.INCOMING_SHOWN
    assert row.count("<li>") == len(jurisdiction) and 'class="more"' not in row


def test_the_rdf_document_of_a_hub_stays_whole(site: Site) -> None:
    reply = fetch(site.root + "/id/place/bole-city.nt")
    assert reply.status == 200
    lines = [line for line in reply.text.splitlines() if f"<{REF_AREA}> <{CITY}>" in line]
    assert len(lines) == len(column(site.store, f"SELECT DISTINCT ?s WHERE {{ ?s sdmx-dimension:refArea <{CITY}> }}"))


def test_place_lists_are_exact_on_the_report_and_link_to_the_rest(site: Site) -> None:
    body = page(site, "/id/place/bole-city")
    inside = column(site.store, f"SELECT DISTINCT ?x WHERE {{ ?x bk:segmentOf|geo:sfWithin <{CITY}> }}")
    figures = column(site.store, f"""SELECT DISTINCT ?obs WHERE {{
  ?area (bk:segmentOf|geo:sfWithin)* <{CITY}> . ?obs sdmx-dimension:refArea ?area }}""")
    assert f"Inside it ({len(inside)})" in body
    assert f"Figures about this place ({len(figures)})" in body
    section = body[body.index('id="h-figures"'):]
    more = re.search(r'<p class="more"><a href="([^"]+)">(\d+) more</a>', section)
    assert more is not None and int(more.group(2)) == len(figures) - kinds.FIGURES_SHOWN
    every, _ = listed(site, html.unescape(more.group(1)))                 # the rest: this place or inside it
    assert sorted(every) == sorted(href(iri) for iri in figures)


def test_place_lists_past_the_window_say_at_least_and_link_to_all(site: Site,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kinds, "WINDOW", 10)
    monkeypatch.setattr(kinds, "PLACE_LIST_SHOWN", 5)
    body = page(site, "/id/place/bole-city")
    for heading in ("Inside it", "Initiatives here", "Figures about this place"):
        assert f"{heading} (at least 10)" in body
    inside = body[body.index('id="h-inside"'):body.index('id="h-here"')]
    assert inside.count("<li>") == 5
    link = re.search(r'<p class="more"><a href="([^"]+)">see them all</a>', inside)
    assert link is not None
    _, status = listed(site, html.unescape(link.group(1)))
    total = len(column(site.store, f"SELECT DISTINCT ?x WHERE {{ ?x bk:segmentOf|geo:sfWithin <{CITY}> }}"))
    assert status.endswith(f" of {total}")


def test_an_agency_past_the_window_links_to_all_it_is_responsible_for(site: Site,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    agency = "https://w3id.org/bolekg/id/org/bole-housing-bureau"
    statements = column(site.store, f"SELECT DISTINCT ?r WHERE {{ ?r bk:agent <{agency}> }}")
    assert len(statements) > 2
    whole = page(site, "/id/org/bole-housing-bureau")
    rows = whole[whole.index('id="h-resp"'):].split("</table>")[0].count("<tr class=")
    assert f"Responsible for ({rows})" in whole and rows >= len(statements)   # a row per statement and holder
    monkeypatch.setattr(kinds, "WINDOW", 2)
    body = page(site, "/id/org/bole-housing-bureau")
    assert re.search(r"Responsible for \(at least \d+\)", body)            # rows of the 2 statements read
    section = body[body.index('id="h-resp"'):]
    link = re.search(r'<p class="more"><a href="([^"]+)">see them all</a>', section)
    assert link is not None
    every, _ = listed(site, html.unescape(link.group(1)))
    assert sorted(every) == sorted(href(iri) for iri in statements)


def test_link_lists_refuse_what_is_not_an_iri(site: Site) -> None:
    query = urllib.parse.urlencode({"to": "not an iri", "via": REF_AREA})
    assert fetch(site.root + "/browse?" + query, headers=EN).status == 400
    nothing = urllib.parse.urlencode({"to": CITY, "via": BK + "milestoneOf"})
    assert "Nothing matches these filters." in page(site, "/browse?" + nothing)


# --- initiative and observation pages: bound terms, the same selection as the paths ----------------


def _iris(links: object) -> set[str]:
    return {link.iri for link in links}  # type: ignore[attr-defined]


def test_initiative_pages_show_what_the_paths_select(store: GraphStore) -> None:
    initiatives = column(store, "SELECT DISTINCT ?i WHERE { ?i a/rdfs:subClassOf* bk:Initiative }")
    assert len(initiatives) > 100
    for iri in initiatives:
        built = entity.build(store, BASE, "en", iri)
        assert built is not None and built.kind == "initiative", iri
        section = built.section
        figures = column(store, f"SELECT DISTINCT ?obs WHERE {{ ?init {DOWN}* <{iri}> . ?obs bk:initiative ?init }}")
        assert {f.link.iri for f in section.figures} == set(figures), iri
        places = column(store, f"SELECT DISTINCT ?p WHERE {{ ?h {DOWN}* <{iri}> . ?h bk:location ?p }}")
        assert _iris(section.places) == set(places), iri
        dates = column(store, f"SELECT DISTINCT ?ms WHERE {{ ?of {DOWN}* <{iri}> . ?ms bk:milestoneOf ?of }}")
        assert {m.link.iri for m in section.milestones} == set(dates), iri
        holders = column(store, f"""SELECT DISTINCT ?h WHERE {{
  {{ <{iri}> bk:partOfInitiative* ?h }} UNION {{ ?h {DOWN}+ <{iri}> }}
  ?h bk:responsibility ?r . ?r bk:agent ?a }}""")
        assert {r.holder.iri for r in section.responsible} == set(holders), iri
        below = column(store, f"SELECT DISTINCT ?s WHERE {{ ?s {DOWN}+ <{iri}> }}")
        assert {node.link.iri for node in section.children} == set(below), iri


def test_observation_pages_show_the_same_related_figures(store: GraphStore) -> None:
    observations = column(store, "SELECT ?o WHERE { ?o a bk:Observation }")
    assert len(observations) > 100
    for iri in observations:
        built = entity.build(store, BASE, "en", iri)
        assert built is not None and built.kind == "observation", iri
        related = column(store, f"""SELECT DISTINCT ?obs WHERE {{
  <{iri}> bk:indicator ?ind ; bk:initiative ?init . ?obs bk:indicator ?ind ; bk:initiative ?init .
  FILTER(?obs != <{iri}>) }}""")
        assert {f.link.iri for f in built.section.related} == set(related), iri


def test_unknown_resources_have_no_page(store: GraphStore) -> None:
    assert entity.build(store, BASE, "en", "https://w3id.org/bolekg/id/place/nowhere") is None


# --- search from the index -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def index(real_index: SearchIndex) -> SearchIndex:
    return real_index


def queries(index: SearchIndex) -> list[str]:
    """Hand-picked forms (the ones the search page promises) and, seeded, pieces of real names."""
    found = ["医院", "博乐市", "博乐", "乐", "hospital", "Hospital", "hosp", "boleshi", "bo le shi", "Bó Lè Shì",
             "bo2 le4 shi4", "dalete", "达勒特", "Ｓ３０４", "s304", "hospital ward", "博乐 医院", "road", "ro",
             "bureau", "局", "training", "2021", "1-01", "people's", "zzqqxxunknown", "x", "lu", "bole city"]
    rng = random.Random(2021)
    for text in rng.sample(index.texts, 120):
        start = rng.randrange(max(1, len(text.value) - 1))
        found.append(text.value[start:start + rng.randint(1, 6)])
        if text.pinyin:
            found.append(text.pinyin[start % len(text.pinyin):][: rng.randint(2, 8)])
        words = sorted(text.words)
        if len(words) > 1:
            found.append(" ".join(rng.sample(words, 2)))
    return found


def test_search_from_the_index_answers_as_scoring_every_name(index: SearchIndex) -> None:
    for query in queries(index):
        fast, slow = index.search(query), index.scan(query)
        assert fast[1] == slow[1], query
        assert [(h.iri, h.score, h.match, h.matched, h.lang) for h in fast[0]] == \
            [(h.iri, h.score, h.match, h.matched, h.lang) for h in slow[0]], query


def test_search_reads_only_the_texts_that_can_match(index: SearchIndex) -> None:
    holding = {i for i, text in enumerate(index.texts) if "医院" in text.folded}
    assert holding and index.candidates(fold("医院"), "") == holding
    assert len(holding) < len(index.texts) / 20
    reading = {i for i, text in enumerate(index.texts) if "boleshi" in text.pinyin}
    assert reading <= index.candidates("boleshi", "boleshi") and len(index.candidates("boleshi", "boleshi")) < 100
    assert len(index.texts) == len({text.value for text in index.texts})   # each text read once
    assert index.search("博乐市")[0][0].iri == CITY and index.search("boleshi")[0][0].match == "pinyin-exact"
