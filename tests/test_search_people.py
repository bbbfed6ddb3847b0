"""Search people can use (issue 18): "What happens in my town?" on the real data.

A place and a topic (``达勒特镇 道路``, ``Dalete Town road``) find the topic in that place, or say that
the report does not mention the two together and show the topic everywhere; English word forms
(``roads``) find what the singular finds; pinyin finds a name in every reading of its polyphonic
characters (勒 *le* or *lei*); vocabulary terms appear only when asked for; the report's sentences
are searched, with the match marked and a link to the sentence in the reader; several words must
all match; the page with no results says what to try, in both languages; suggestions come as JSON.
"""

from __future__ import annotations

import itertools
import json
import random
import re
import urllib.parse

import pyoxigraph as ox
import pytest

from bolekg.paths import SOURCE_FILE
from bolekg.services.search import SearchIndex, pinyin_match, query_pinyin
from ld_support import Site, fetch, page_text

ID = "https://w3id.org/bolekg/id/"
DEF = "https://w3id.org/bolekg/def/"
DALETE = ID + "place/dalete-town"
RANCH = ID + "place/arele-tuohai-ranch"
ZH = {"Accept": "text/html", "Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept": "text/html", "Accept-Language": "en-GB,en;q=0.9"}
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
LOCATION = DEF + "location"
WITHIN = "http://www.opengis.net/ont/geosparql#sfWithin"


@pytest.fixture(scope="module")
def index(real_index: SearchIndex) -> SearchIndex:
    return real_index


def source() -> str:
    return SOURCE_FILE.read_text(encoding="utf-8")


def iris(found: list) -> set[str]:  # type: ignore[type-arg]
    return {hit.iri for hit in found}


# --- a place and a topic ---------------------------------------------------------------------------


@pytest.mark.parametrize(("query", "topic"), [("达勒特镇 道路", "道路"), ("达勒特镇 老旧小区", "老旧小区"),
                                              ("Dalete Town road", "road")])
def test_a_town_and_a_topic_it_is_not_mentioned_with(index: SearchIndex, query: str, topic: str) -> None:
    """The report never writes 达勒特镇 in a sentence about roads or old compounds (checked on the
    text): the answer says so and shows the topic everywhere, never an item that is not about it."""
    for sentence in re.split(r"[。;]", source()):
        assert not ("达勒特镇" in sentence and topic in sentence), sentence
    found = index.find(query)
    assert found.place is not None and found.place.places == [DALETE], found.place
    assert found.place.found is False and found.place.topic == topic
    assert found.hits and found.total >= len(found.hits)
    everywhere = iris(index.search(topic, limit=500)[0])
    assert iris(found.hits) <= everywhere
    assert all(hit.match == "topic" for hit in found.hits)
    if topic == "road":
        assert {ID + "place/beijing-road", ID + "project/rural-roads-2021"} <= iris(index.find(query, 200).hits)
    else:
        # the report's sentences about the topic, since none names the town with it
        assert found.sentences and found.sentences_of_topic
        assert all(any(hit and text == topic for text, hit in s.parts) for s in found.sentences)


def test_zh_topics_find_their_city_wide_items(index: SearchIndex) -> None:
    roads = iris(index.find("达勒特镇 道路").hits)
    assert {ID + "project/aoyitake-roads-continued", ID + "indicator/road-project-length"} <= roads
    compounds = iris(index.find("达勒特镇 老旧小区").hits)
    assert {ID + "project/old-compound-renovation", ID + "item/2-06"} <= compounds


@pytest.mark.parametrize("query", ["达勒特镇 电采暖", "dalete heating", "Dalete Town heating", "daletezhen 电采暖"])
def test_a_town_and_a_topic_found_there(index: SearchIndex, query: str) -> None:
    """The electric-heating project is located (bk:location) at 达勒特镇 without naming it: found there."""
    found = index.find(query)
    assert found.place is not None and DALETE in found.place.places and found.place.found
    assert ID + "project/electric-heating-connection" in iris(found.hits)
    assert ID + "project/dalete-coal-to-electric-heating" in iris(found.hits)
    assert "https://w3id.org/bolekg/id/place/beijing-road" not in iris(found.hits)


def test_a_place_reaches_what_is_inside_it_through_any_number_of_hops() -> None:
    """A figure located on a road inside a town inside the city is found by the city and a topic."""
    city, town, road, figure = (ID + "place/c", ID + "place/t", ID + "place/r", ID + "obs/f")
    rows = [(city, LABEL, ox.Literal("Sample City", language="en")),
            (town, LABEL, ox.Literal("Sample Town", language="en")),
            (road, LABEL, ox.Literal("Sample Lane", language="en")),
            (figure, LABEL, ox.Literal("Kerbstones replaced", language="en"))]
    index = SearchIndex.from_rows(rows)
    index.add_places([(road, WITHIN, town), (town, WITHIN, city), (figure, LOCATION, road)])
    found = index.find("Sample City kerbstones")
    assert found.place is not None and found.place.places == [city] and found.place.found
    assert [(hit.iri, hit.match) for hit in found.hits] == [(figure, "place")]
    assert index.within([city]) == {city, town, road}


# --- word forms -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("plural", "singular"), [("roads", "road"), ("facilities", "facility"),
                                                  ("villages", "village"), ("renovated", "renovate"),
                                                  ("compounds", "compound")])
def test_english_word_forms_find_what_the_base_form_finds(index: SearchIndex, plural: str, singular: str) -> None:
    wordy = {h.iri for h in index.search(singular, 500)[0] if h.match in ("exact", "word")}
    assert wordy, singular
    assert wordy <= iris(index.search(plural, 500)[0]), plural


def test_roads_finds_as_many_as_road(index: SearchIndex) -> None:
    """Before issue 18, ``road`` found 60 and ``roads`` 2."""
    assert index.search("roads")[1] >= 40
    assert index.search("roads")[1] == index.search("road")[1]


# --- pinyin in every reading ------------------------------------------------------------------------


@pytest.mark.parametrize(("query", "iri"), [
    ("da le te zhen", DALETE), ("daletezhen", DALETE), ("da lei te zhen", DALETE), ("daleitezhen", DALETE),
    ("dà lè tè zhèn", DALETE), ("da4 le4 te4 zhen4", DALETE), ("Da Le Te Zhen", DALETE),
    ("a re le tuo hai mu chang", RANCH), ("areletuohaimuchang", RANCH), ("a re lei tuo hai mu chang", RANCH),
    ("zhang zheng lu", ID + "place/changzheng-road"), ("changzhenglu", ID + "place/changzheng-road"),
    ("bo yue shi", ID + "place/bole-city"), ("boleshi", ID + "place/bole-city"),
])
def test_pinyin_in_every_reading_finds_the_place(index: SearchIndex, query: str, iri: str) -> None:
    hits, _ = index.search(query, limit=3)
    assert hits and hits[0].iri == iri, (query, [(h.iri, h.match) for h in hits])
    assert hits[0].match == "pinyin-exact"


def _brute(readings: tuple[tuple[str, ...], ...], usual: str, term: str) -> str | None:
    """The definition pinyin_match must agree with: every whole reading, multiplied out."""
    every = ["".join(choice) for choice in itertools.product(*readings)]
    if any(reading == term for reading in every):
        return "pinyin-exact"
    if any(reading.startswith(term) for reading in every):
        return "pinyin-prefix"
    if len(term) >= 4 and any(term in reading for reading in every):
        return "pinyin-substring"
    return None


def test_reading_syllable_by_syllable_agrees_with_multiplying_readings_out(index: SearchIndex) -> None:
    rng = random.Random(18)
    several = [t for t in index.texts if t.readings and any(len(o) > 1 for o in t.readings)
               and len(list(itertools.product(*t.readings))) <= 256]
    assert len(several) > 50
    checked = 0
    for text in rng.sample(several, 60):
        every = ["".join(choice) for choice in itertools.product(*text.readings)]
        for _ in range(6):
            reading = rng.choice(every)
            start = rng.randrange(len(reading))
            term = reading[start:start + rng.randint(2, 12)]
            assert pinyin_match(text.readings, text.pinyin, term) == _brute(text.readings, text.pinyin, term), \
                (text.value, term)
            checked += 1
        wrong = query_pinyin("zzq" + text.pinyin[:3])
        assert pinyin_match(text.readings, text.pinyin, wrong) == _brute(text.readings, text.pinyin, wrong)
    assert checked == 360


def test_readings_grow_with_the_name_not_with_their_product(index: SearchIndex) -> None:
    """What a name keeps is its syllables' readings, a few per character, never their product."""
    longest = max((t for t in index.texts if t.readings), key=lambda t: len(t.readings))
    assert sum(len(options) for options in longest.readings) <= 6 * len(longest.readings)
    assert max(len(options) for t in index.texts for options in t.readings) <= 8


# --- vocabulary -------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["road", "Observation", "观测", "location", "unit", "square metre"])
def test_vocabulary_only_when_asked_for(index: SearchIndex, query: str) -> None:
    plain, _ = index.search(query, 500)
    assert not any(h.iri.startswith(DEF) or h.iri.startswith("http://qudt.org/") for h in plain), query
    asked, _ = index.search(query, 500, vocab=True)
    assert any(h.iri.startswith(DEF) or h.iri.startswith("http://qudt.org/") for h in asked), query
    for vocab in (False, True):
        fast, slow = index.search(query, vocab=vocab), index.scan(query, vocab=vocab)
        assert fast[1] == slow[1]
        assert [(h.iri, h.score, h.match) for h in fast[0]] == [(h.iri, h.score, h.match) for h in slow[0]]


def test_road_asked_with_vocabulary_ranks_the_class_first(index: SearchIndex) -> None:
    assert index.search("road", vocab=True)[0][0].iri == DEF + "Road"


# --- several words ----------------------------------------------------------------------------------


def test_every_word_must_match_one_of_the_resources_texts(index: SearchIndex) -> None:
    for query in ("hospital ward", "博乐 医院", "Dalete 煤改电", "old compounds greening"):
        hits, total = index.search(query, 500)
        assert hits and total == len(hits), query
        terms = query.casefold().split()
        for hit in hits:
            texts = [index.texts[index.entries[p].text] for p in index.entries_of[hit.iri]]
            for term in terms:
                assert any(term in t.folded or term.rstrip("s") in t.folded for t in texts), (query, hit.iri, term)
    assert index.search("hospital zzqqxx")[1] == 0
    # one word in the English name, the other in the Chinese: found all the same
    hits, _ = index.search("Dalete 煤改电")
    project = ID + "project/dalete-coal-to-electric-heating"
    assert project in iris(hits)
    texts = [index.texts[index.entries[p].text].folded for p in index.entries_of[project]]
    assert not any("dalete" in t and "煤改电" in t for t in texts)


@pytest.mark.parametrize("query", ["达勒特镇 道路", "达勒特镇 老旧小区", "Dalete Town road", "roads", "facilities",
                                   "da le te zhen", "daletezhen", "a re le tuo hai mu chang", "zhang zheng lu",
                                   "hospital ward", "Dalete 煤改电", "roads in Dalete Town", "the"])
def test_search_from_the_index_answers_as_scoring_every_name(index: SearchIndex, query: str) -> None:
    fast, slow = index.search(query), index.scan(query)
    assert fast[1] == slow[1], query
    assert [(h.iri, h.score, h.match, h.matched, h.lang) for h in fast[0]] == \
        [(h.iri, h.score, h.match, h.matched, h.lang) for h in slow[0]], query


# --- sentences --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("query", "marked"), [("达勒特镇", "达勒特镇"), ("daletezhen", "达勒特镇"),
                                               ("Dalete Town", "达勒特镇"), ("电采暖", "电采暖"),
                                               ("S304", "S304")])
def test_sentences_are_searched_and_marked(index: SearchIndex, query: str, marked: str) -> None:
    text = source()
    found = index.find(query)
    assert found.sentences, query
    for sentence in found.sentences:
        shown = "".join(part for part, _ in sentence.parts).strip("…")
        assert text[sentence.begin:sentence.begin + len(shown)] == shown or shown in text
        assert any(hit and part.casefold() == marked.casefold() for part, hit in sentence.parts), sentence
        assert sentence.anchor == f"s-{sentence.begin}"


def test_a_long_sentence_is_shown_around_its_match() -> None:
    """The report's sentences are all under 180 characters and shown whole; a longer one is cut
    around its first match."""
    index = SearchIndex()
    long = "甲" * 200 + "道路" + "乙" * 200
    index.add_sentences([(ID + "text/long", long, 7), (ID + "text/short", "新建道路。", 500)])
    hits, total = index.search_sentences([{"道路"}])
    assert total == 2 and [h.begin for h in hits] == [7, 500]
    parts = hits[0].parts
    assert parts[0] == ("…", False) and parts[-1] == ("…", False) and ("道路", True) in parts
    assert sum(len(p) for p, _ in parts) < len(long) / 2
    assert hits[1].parts == [("新建", False), ("道路", True), ("。", False)]


# --- over HTTP: the page, the no-results page, suggestions -------------------------------------------


@pytest.fixture(scope="module")
def site(real_site: Site) -> Site:
    return real_site


def page(site: Site, path: str, headers: dict[str, str]) -> str:
    return page_text(site, path, headers)


def search_path(query: str, **extra: str) -> str:
    return "/search?" + urllib.parse.urlencode({"q": query, **extra})


def test_the_page_says_the_town_is_not_mentioned_with_roads(site: Site) -> None:
    html = page(site, search_path("达勒特镇 道路"), ZH)
    assert "报告未提及达勒特镇的“道路”" in html and 'href="/id/place/dalete-town"' in html
    english = page(site, search_path("Dalete Town road"), EN)
    assert "The report does not mention “road” in Dalete Town" in english
    assert 'href="/id/place/beijing-road"' in english


def test_sentence_hits_are_marked_and_link_to_the_reader(site: Site) -> None:
    html = page(site, search_path("达勒特镇"), ZH)
    links = re.findall(r'<a href="/reader#(s-\d+)">(.*?)</a>', html)
    assert links and all("<mark>达勒特镇</mark>" in body for _, body in links)
    reader = page(site, "/reader", ZH)
    for anchor, _ in links:
        assert f'id="{anchor}"' in reader, anchor
    body = json.loads(fetch(site.root + search_path("达勒特镇", format="json")).body)
    assert body["sentences"] and body["sentences"][0]["href"].startswith("/reader#s-")
    assert any(mark for _, mark in body["sentences"][0]["parts"])


@pytest.mark.parametrize(("headers", "texts"), [
    (EN, ["Nothing is named like “zzqq xxunknown”", "What to try", "Fewer words, one at a time",
          "The Chinese name, English or pinyin", "Browse instead"]),
    (ZH, ["没有找到与“zzqq xxunknown”匹配的名称", "可以试试", "减少词语,逐个搜索", "中文名称、英文或拼音", "或者浏览"]),
])
def test_the_no_results_page_says_what_to_try(site: Site, headers: dict[str, str], texts: list[str]) -> None:
    html = page(site, search_path("zzqq xxunknown"), headers)
    for text in texts:
        assert text in html, text
    for link in ('href="/search?q=zzqq"', 'href="/search?q=xxunknown"', 'href="/browse"', 'href="/reader"',
                 'href="/search?q=zzqq+xxunknown&amp;vocab=1"'):
        assert link in html, link
    assert len(re.findall(r"<h1[ >]", html)) == 1


def test_vocabulary_on_the_page_only_when_asked(site: Site) -> None:
    def found(**extra: str) -> list[str]:
        body = json.loads(fetch(site.root + search_path("road", format="json", **extra)).body)
        return [r["iri"] for r in body["results"]]

    assert DEF + "Road" not in found() and found(vocab="1")[0] == DEF + "Road"
    html = page(site, search_path("road", vocab="1"), EN)
    assert re.search(r'<input type="checkbox" name="vocab" value="1" checked>', html)


def test_suggestions_as_json(site: Site) -> None:
    reply = fetch(site.root + "/search/suggest?" + urllib.parse.urlencode({"q": "dale", "lang": "en"}))
    assert reply.status == 200 and reply.header("Content-Type").startswith("application/json")
    body = json.loads(reply.body)
    assert body["query"] == "dale" and 0 < len(body["suggestions"]) <= 8
    first = body["suggestions"][0]
    assert first == {"iri": DALETE, "href": "/id/place/dalete-town", "name": "Dalete Town", "other": "达勒特镇",
                     "match": "prefix"}
    pinyin = json.loads(fetch(site.root + "/search/suggest?q=da+le+te&lang=zh").body)
    assert pinyin["suggestions"][0]["name"] == "达勒特镇"
    empty = json.loads(fetch(site.root + "/search/suggest?q=").body)
    assert empty["suggestions"] == [] and empty["total"] == 0
    assert not any(s["iri"].startswith(DEF) for s in json.loads(fetch(site.root + "/search/suggest?q=road").body)
                   ["suggestions"])


def test_the_form_works_without_script_and_the_script_is_served_here(site: Site) -> None:
    html = page(site, search_path("road"), EN)
    assert re.search(r'<form class="big-search" method="get" action="/search" role="search" aria-label="[^"]+">',
                     html)
    assert re.search(r'<script src="/static/search\.js\?v=[0-9a-f]{12}" defer></script>', html)
    assert re.search(r'<ul id="search-suggestions" class="suggestions" role="listbox" '
                     r'aria-labelledby="search-q-label" hidden></ul>', html)
    script = fetch(site.root + "/static/search.js")
    assert script.status == 200 and "javascript" in script.header("Content-Type")
    code = script.text
    for needed in ('"combobox"', "aria-expanded", "aria-activedescendant", "ArrowDown", "Escape", "data-suggest"):
        assert needed in code, needed
    assert "http://" not in code and "https://" not in code
