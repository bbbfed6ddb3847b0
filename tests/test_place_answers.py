"""Place pages that answer "what happens in my town?" (issue 18): the work located here or in a place
inside it and the work that covers it from a place containing it (marked city-wide), grouped by
programme and theme with the figures, and the themes with nothing located here said plainly.

The walk-through that filed the issue opened 达勒特镇 (Dalete Town) to ask about roads and old
compounds and found two heating projects and nothing else. Every expectation here is computed from
the data with SPARQL on rdflib (an engine apart from the stores the pages run on), and the pages are
read on every backend: the embedded store, a remote ``oxigraph serve`` and Virtuoso.
"""

from __future__ import annotations

import html
import re
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from rdflib import Dataset, Graph

from bolekg.pages import kinds, place_topics
from ld_support import Site, page_text, serving_kind

ID = "https://w3id.org/bolekg/id/"
PLACE = ID + "place/"
TOWN = PLACE + "dalete-town"
CITY = PLACE + "bole-city"
EN = {"Accept": "text/html", "Accept-Language": "en-GB,en;q=0.9"}
ZH = {"Accept": "text/html", "Accept-Language": "zh-CN,zh;q=0.9"}
PREFIXES = """PREFIX bk: <https://w3id.org/bolekg/def/>
PREFIX geo: <http://www.opengis.net/ont/geosparql#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""
HEATING = {ID + "project/dalete-coal-to-electric-heating", ID + "project/electric-heating-connection"}
OLD_COMPOUNDS = ID + "project/old-compound-renovation"
ROADS = ID + "project/rural-roads-2021"
TRANSPORT = ID + "theme/transport"


@pytest.fixture(scope="module", params=["embedded", "remote", "virtuoso"])
def site(request: pytest.FixtureRequest, real_dataset: Dataset,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with serving_kind(request, real_dataset, tmp_path_factory, "answers") as served:
        yield served


# --- what the data says, by SPARQL on rdflib ----------------------------------------------------------


def column(union: Graph, query: str) -> set[str]:
    return {str(row[0]) for row in union.query(PREFIXES + query)}


def located(union: Graph, place: str) -> dict[str, set[str]]:
    """Initiative → where it is located, by scope: at the place or inside it ("local"), or at a place
    containing it ("wider")."""
    found: dict[str, set[str]] = {"local": set(), "wider": set()}
    for row in union.query(PREFIXES + f"""SELECT DISTINCT ?i ?scope WHERE {{
  {{ ?i bk:location <{place}> . BIND("local" AS ?scope) }}
  UNION {{ ?i bk:location ?w . ?w geo:sfWithin+ <{place}> . BIND("local" AS ?scope) }}
  UNION {{ <{place}> geo:sfWithin+ ?w . ?i bk:location ?w . BIND("wider" AS ?scope) }}
}}"""):
        found[str(row[1])].add(str(row[0]))
    found["wider"] -= found["local"]
    return found


def classes(union: Graph, initiative: str) -> tuple[set[str], set[str]]:
    """The programmes and themes of an initiative: its own and those of the initiatives above it."""
    programmes = column(union, f"SELECT ?p WHERE {{ <{initiative}> bk:partOfInitiative* ?a . ?a bk:programme ?p }}")
    themes = column(union, f"SELECT ?t WHERE {{ <{initiative}> bk:partOfInitiative* ?a . ?a bk:theme ?t }}")
    return programmes, themes


def expected_groups(union: Graph, place: str) -> dict[tuple[str, str], dict[str, set[str]]]:
    """(programme, theme) → {"local": initiatives, "wider": initiatives}; "" for none."""
    groups: dict[tuple[str, str], dict[str, set[str]]] = {}
    for scope, initiatives in located(union, place).items():
        for initiative in initiatives:
            programmes, themes = classes(union, initiative)
            for programme in programmes or {""}:
                for theme in themes or {""}:
                    groups.setdefault((programme, theme), {"local": set(), "wider": set()})[scope].add(initiative)
    return groups


def expected_unmentioned(union: Graph, place: str) -> set[str]:
    """The scheme's themes that no initiative located at the place or inside it has (with those above it)."""
    every = column(union, f"SELECT ?t WHERE {{ ?t skos:inScheme <{ID}scheme/themes> }}")
    local = located(union, place)["local"]
    return every - {t for initiative in local for t in classes(union, initiative)[1]}


# --- what the page shows -----------------------------------------------------------------------------


@dataclass
class Shown:
    programme: str
    theme: str
    here: int
    wider: int
    entries: list[tuple[str, str, str]] = field(default_factory=list)   # (iri, scope, its badge's text)
    rest: list[tuple[str, str, str]] = field(default_factory=list)      # folded, by name
    more: list[tuple[str, str]] = field(default_factory=list)           # (href, text)


def topics(body: str) -> str:
    start = body.index('id="h-topics"')
    return body[start:body.index('id="h-inside"')]


ENTRY = (r'<li class="entry \w+" data-iri="([^"]+)" data-scope="(\w+)">.*?'
         r'<span class="badge scope \w+"[^>]*>([^<]+)</span>')
MORE = r'<p class="more"><a href="([^"]+)">([^<]+)</a>'


def groups_on(body: str) -> dict[tuple[str, str], Shown]:
    found = {}
    for chunk in topics(body).split('<div class="topic"')[1:]:
        chunk = chunk.split("</div>")[0]
        programme = re.search(r'data-programme="([^"]*)"', chunk).group(1)  # type: ignore[union-attr]
        theme = re.search(r'data-theme="([^"]*)"', chunk).group(1)  # type: ignore[union-attr]
        counts = re.search(r'<span class="n">\D*(\d+)\D+(\d+)\s*</span>', chunk)
        assert counts is not None, chunk[:300]
        shown = Shown(programme, theme, int(counts.group(1)), int(counts.group(2)))
        first, _, folded = chunk.partition('<ul class="entries rest">')
        shown.entries, shown.rest = re.findall(ENTRY, first), re.findall(ENTRY, folded)
        shown.more = [(html.unescape(h), t) for h, t in re.findall(MORE, chunk)]
        found[(programme, theme)] = shown
    return found


def unmentioned_on(body: str) -> dict[str, str]:
    """Theme → its line in the statement of what is not mentioned here."""
    part = topics(body)
    if 'id="topics-missing"' not in part:
        return {}
    part = part[part.index('id="topics-missing"'):]
    part = part[:part.index("</ul>")]
    return dict(re.findall(r'<li data-theme="([^"]+)">(.*?)</li>', part, flags=re.S))


def browse_total(site: Site, href: str) -> int:
    status = re.search(r'<p role="status">[^<]*?(\d+)</p>', page_text(site, href, EN))
    assert status is not None, href
    return int(status.group(1))


def check_groups(site: Site, union: Graph, place: str) -> dict[tuple[str, str], Shown]:
    """The page's groups are the data's, each with its counts, its first entries and links to the rest."""
    body = page_text(site, "/id/place/" + place.removeprefix(PLACE), EN)
    shown = groups_on(body)
    expected = expected_groups(union, place)
    assert set(shown) == set(expected)
    for key, group in shown.items():
        local, wider = expected[key]["local"], expected[key]["wider"]
        assert (group.here, group.wider) == (len(local), len(wider)), key
        every = group.entries + group.rest       # each of the group once, the first ones with figures
        assert sorted(iri for iri, scope, _ in every if scope != "wider") == sorted(local), key
        assert sorted(iri for iri, scope, _ in every if scope == "wider") == sorted(wider), key
        assert sum(s != "wider" for _, s, _ in group.entries) == min(len(local), place_topics.ENTRIES_SHOWN), key
        assert sum(s == "wider" for _, s, _ in group.entries) == min(len(wider), place_topics.ENTRIES_SHOWN), key
        assert group.more == []                  # nothing was cut: no list elsewhere is needed
    return shown


# --- the tests -------------------------------------------------------------------------------------------


def test_the_town_groups_by_programme_and_theme(site: Site, real_union: Graph) -> None:
    shown = check_groups(site, real_union, TOWN)
    for project in HEATING:
        programmes, themes = classes(real_union, project)
        assert programmes and themes
        for key in ((p, t) for p in programmes for t in themes):
            assert (project, "here", "here") in shown[key].entries, key


def test_city_wide_work_covers_the_town_and_is_marked(site: Site, real_union: Graph) -> None:
    shown = check_groups(site, real_union, TOWN)
    for project in (OLD_COMPOUNDS, ROADS):
        programmes, themes = classes(real_union, project)
        for key in ((p, t) for p in programmes for t in themes):
            assert (project, "wider", "city-wide") in shown[key].entries, key
    assert not any(scope == "wider" and iri in HEATING for g in shown.values() for iri, scope, _ in g.entries)
    chinese = groups_on(page_text(site, "/id/place/dalete-town", ZH))
    roads = next(g for g in chinese.values() if any(iri == ROADS for iri, _, _ in g.entries))
    assert (ROADS, "wider", "全市") in roads.entries
    heating = next(g for g in chinese.values() if any(iri in HEATING for iri, _, _ in g.entries))
    assert {(iri, badge) for iri, scope, badge in heating.entries if iri in HEATING} == {(p, "本地") for p in HEATING}


def test_the_town_page_says_which_themes_it_does_not_mention(site: Site, real_union: Graph) -> None:
    expected = expected_unmentioned(real_union, TOWN)
    assert TRANSPORT in expected                          # roads: nothing is located in the town
    body = page_text(site, "/id/place/dalete-town", EN)
    lines = unmentioned_on(body)
    assert set(lines) == expected
    assert "The report places nothing about these themes in Dalete Town or in a place inside it" in body
    wider = located(real_union, TOWN)["wider"]
    for theme, line in lines.items():
        covering = {i for i in wider if theme in classes(real_union, i)[1]}
        link = re.search(r'<a class="covering" href="([^"]+)">([^<]+)</a>', line)
        if not covering:
            assert link is None and "nor anything covering it from a wider place" in line, theme
            continue
        assert link is not None, theme
        assert link.group(2) == f"city-wide: {len(covering)} in Bole City"
        assert browse_total(site, html.unescape(link.group(1))) == len(covering)
    roads = html.unescape(re.search(r'href="([^"]+)"', lines[TRANSPORT].split('class="covering"')[1]).group(1))  # type: ignore[union-attr]
    assert f'href="/id/{ROADS.removeprefix(ID)}"' in page_text(site, roads, EN)   # the city-wide road work
    chinese = unmentioned_on(page_text(site, "/id/place/dalete-town", ZH))
    assert set(chinese) == expected
    assert "达勒特镇未提及" in chinese[TRANSPORT] and "全市:博乐市 1 项" in chinese[TRANSPORT]


def test_the_city_mentions_every_theme_it_holds(site: Site, real_union: Graph) -> None:
    check_groups(site, real_union, CITY)
    expected = expected_unmentioned(real_union, CITY)
    assert set(unmentioned_on(page_text(site, "/id/place/bole-city", EN))) == expected


def test_a_place_with_nothing_of_its_own_still_shows_what_covers_it(site: Site, real_union: Graph) -> None:
    bare = sorted(column(real_union, f"""SELECT ?p WHERE {{
  ?p geo:sfWithin <{CITY}> .
  FILTER NOT EXISTS {{ ?i bk:location ?p }}
  FILTER NOT EXISTS {{ ?x geo:sfWithin+ ?p . ?j bk:location ?x }}
}}"""))
    assert bare
    place = bare[0]
    shown = check_groups(site, real_union, place)
    assert shown and all(g.here == 0 and g.wider > 0 for g in shown.values())
    body = page_text(site, "/id/place/" + place.removeprefix(PLACE), EN)
    every = column(real_union, f"SELECT ?t WHERE {{ ?t skos:inScheme <{ID}scheme/themes> }}")
    assert set(unmentioned_on(body)) == every == expected_unmentioned(real_union, place)
    assert "What happens here, by programme and theme" in body
    assert "此地的工作(按类别与主题)" in page_text(site, "/id/place/" + place.removeprefix(PLACE), ZH)


def test_a_place_read_in_part_says_nothing_is_missing_only_when_it_knows(site: Site,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the window the city's own list is read in part: no theme is then said to be missing, and
    each group links to all of it."""
    monkeypatch.setattr(kinds, "WINDOW", 10)
    body = page_text(site, "/id/place/bole-city", EN)
    assert 'id="topics-missing"' not in body
    shown = groups_on(body)
    assert shown and all(any(text == "see them all" for _, text in g.more) for g in shown.values() if g.here)
    link = html.unescape(next(h for g in shown.values() for h, _ in g.more))
    monkeypatch.undo()
    assert browse_total(site, link) == len(located_on_site(site, CITY))   # all of the city's own


def located_on_site(site: Site, place: str) -> set[str]:
    query = PREFIXES + f"""SELECT DISTINCT ?i WHERE {{
  {{ ?i bk:location <{place}> }} UNION {{ ?i bk:location ?w . ?w geo:sfWithin+ <{place}> }} }}"""
    return {row["i"].value for row in site.store.query(query).solutions()}


def test_the_theme_facet_climbs_as_far_as_the_data_goes(real_union: Graph) -> None:
    """browse's theme facet (which the groups link to) is written as fixed-length steps up
    ``bk:partOfInitiative``, not a transitive path (Virtuoso): the data must not go deeper."""
    from bolekg.pages.browse import THEME_DEPTH

    deepest = max(len(column(real_union, f"SELECT ?up WHERE {{ <{i}> bk:partOfInitiative+ ?up }}"))
                  for i in column(real_union, "SELECT DISTINCT ?i WHERE { ?i bk:partOfInitiative ?x }"))
    assert 0 < deepest <= THEME_DEPTH


def test_search_for_a_place_and_a_topic_leads_to_the_answer(site: Site) -> None:
    """"达勒特镇 道路" finds nothing about roads in the town; the note links to the page's statement of
    what is not placed there, which names transport with its city-wide work."""
    body = page_text(site, "/search?" + urllib.parse.urlencode({"q": "达勒特镇 道路"}), ZH)
    assert 'href="/id/place/dalete-town#topics-missing">达勒特镇各主题的工作</a>' in body
    english = page_text(site, "/search?" + urllib.parse.urlencode({"q": "Dalete Town heating"}), EN)
    assert 'href="/id/place/dalete-town#h-topics">what happens in Dalete Town, theme by theme</a>' in english
