"""The human pages over real HTTP (waitress), on the real data, on both store backends.

What a person sees is checked through the HTML the server sends: the right facts on each kind of
page, both languages, links that stay on this host, and the accessibility basics (language
attribute, viewport, headings, table headers, SVG titles).
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Iterator

import pytest
from rdflib import Dataset, Graph

from bolekg.pages.browse import FACETS
from bolekg.services.lookup import PREFIXES
from ld_support import Site, fetch, remote_root, serving

ZH = {"Accept": "text/html", "Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept": "text/html", "Accept-Language": "en-GB,en;q=0.9"}
DEF = "https://w3id.org/bolekg/def/"
PAGES = ["/", "/id/item/1-01", "/id/place/dalete-town", "/id/org/bole-housing-bureau",
         "/id/obs/1-01-training-share", "/id/quote/236-262", "/def/Observation", "/reader", "/browse",
         f"/browse?class={DEF}Observation", "/search?q=boleshi", "/dashboard", "/ontology", "/quality", "/sparql"]


@pytest.fixture(scope="module", params=["embedded", "remote", "virtuoso"])
def site(request: pytest.FixtureRequest, real_dataset: Dataset) -> Iterator[Site]:
    with serving(request.param, remote_root(request, request.param, read_only=True), real_dataset) as running_site:
        yield running_site


def page(site: Site, path: str, headers: dict[str, str] = ZH) -> str:
    reply = fetch(site.root + path, headers=headers)
    assert reply.status == 200, (path, reply.text[:500])
    assert reply.header("Content-Type").startswith("text/html"), path
    return reply.text


def hrefs(html: str) -> list[str]:
    return re.findall(r'href="([^"]*)"', html)


@pytest.mark.parametrize("path", PAGES)
def test_every_page_in_both_languages_is_accessible(site: Site, path: str) -> None:
    for headers, lang in ((ZH, "zh"), (EN, "en")):
        html = page(site, path, headers)
        assert f'<html lang="{lang}">' in html
        assert '<meta name="viewport"' in html
        assert len(re.findall(r"<h1[ >]", html)) == 1, path
        for table in re.findall(r"<table.*?</table>", html, flags=re.S):
            assert "<th" in table, (path, table[:200])
        for svg in re.findall(r"<svg.*?</svg>", html, flags=re.S):
            # a figure of links is a named group, never an image whose links would be hidden (nested-interactive)
            assert ('role="group"' if "<a " in svg else 'role="img"') in svg and "<title" in svg, path
        assert "<img" not in html or all("alt=" in tag for tag in re.findall(r"<img[^>]*>", html))
        # nothing is loaded from another host: stylesheets and scripts are this server's own
        for tag in re.findall(r"<(?:script|link|img|iframe)[^>]*>", html):
            assert "http://" not in tag and "https://" not in tag, tag


def test_language_from_accept_language_param_and_cookie(site: Site) -> None:
    assert "首页" in page(site, "/", ZH) and ">Home<" in page(site, "/", EN)
    reply = fetch(site.root + "/?lang=en", headers=ZH)
    assert reply.status == 200 and '<html lang="en">' in reply.text
    assert "lang=en" in reply.header("Set-Cookie")
    assert "Accept-Language" in reply.header("Vary")
    remembered = fetch(site.root + "/dashboard", headers={**ZH, "Cookie": "lang=en"})
    assert '<html lang="en">' in remembered.text
    assert '<html lang="zh">' in fetch(site.root + "/", headers={"Accept": "text/html"}).text  # the report's language


def test_home_has_programmes_items_counts_and_headlines(site: Site) -> None:
    html = page(site, "/")
    for programme in ("10项惠民工程", "10件为民实事", "“10件”群众急难愁盼事"):
        assert programme in html
    items = {h for h in hrefs(html) if h.startswith("/id/item/")}
    assert len(items) == 30
    for count, label in (("30", "条目"), ("164", "数字(观测值)"), ("27", "机构")):
        assert re.search(rf'<span class="n">{count}</span> <span class="what">{re.escape(label)}', html), label
    assert "128.2%" in html  # vocational training, the headline above target
    assert 'action="/search"' in html and 'href="/sparql"' in html and 'href="/dumps/bolekg.ttl"' in html


def test_item_page(site: Site) -> None:
    html = page(site, "/id/item/1-01")
    assert "<h1>就业创业方面</h1>" in html and "Employment and entrepreneurship" in html
    assert 'href="/id/programme/benefit-projects"' in html                     # where it belongs
    assert 'class="badge attributed"' in html and "编者推定" in html              # attributed, visibly so
    assert html.count('<tr class="attributed">') == 1 and 'href="/id/org/bole-hrss-bureau"' in html
    figures = re.search(r'<table class="figures">.*?</table>', html, flags=re.S)
    assert figures is not None and figures.group(0).count("<tr>") == 1 + 22   # header + 22 figures
    assert 'href="/reader#q-236-248"' in html                                   # quote → reader
    for suffix in (".ttl", ".jsonld", ".nt"):
        assert f'href="/id/item/1-01{suffix}"' in html
    assert "本页背后的 SPARQL" in html and "/sparql?query=" in html
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html and "<script" not in html


def test_stated_responsibility_carries_its_quote(site: Site) -> None:
    html = page(site, "/id/item/2-07", EN)
    row = re.search(r'<tr class="stated">.*?</tr>', html, flags=re.S)
    assert row is not None and "stated in the report" in row.group(0)
    assert "博乐市住建局对临街的空白地和拆迁地区域共建设了停车场8处" in row.group(0)


def test_place_page(site: Site) -> None:
    html = page(site, "/id/place/dalete-town", EN)
    crumbs = re.search(r'<nav class="breadcrumb".*?</nav>', html, flags=re.S)
    assert crumbs is not None
    assert [h for h in hrefs(crumbs.group(0))] == ["/id/place/xinjiang", "/id/place/bortala-prefecture",
                                                   "/id/place/bole-city"]
    assert 'href="/id/project/dalete-coal-to-electric-heating"' in html
    assert "652701101" in html                                                  # its division code
    city = page(site, "/id/place/bole-city", EN)
    inside = re.search(r'<section aria-labelledby="h-inside">.*?</section>', city, flags=re.S)
    assert inside is not None and "(71)" in inside.group(0)                      # what lies inside it
    shown = [h for h in hrefs(inside.group(0)) if h.startswith("/id/place/")]
    assert len(shown) == 15                                                     # the page's cut ...
    whole = [h for h in hrefs(inside.group(0)) if h.startswith("/browse?")]
    assert len(whole) == 1                                                      # ... and the way past it
    assert 'href="/id/place/dalete-town"' in page(site, whole[0].replace("&amp;", "&"), EN)
    assert "/browse?class=" in city                                             # more figures than shown


def test_organisation_page(site: Site) -> None:
    html = page(site, "/id/org/bole-housing-bureau", EN)
    assert 'href="/id/org/bole-government"' in html                             # parent
    assert re.search(r'<tr class="stated">.*?href="/id/item/2-07"', html, flags=re.S)
    assert re.search(r'<tr class="attributed">.*?href="/id/item/1-06"', html, flags=re.S)


def test_observation_page(site: Site) -> None:
    html = page(site, "/id/obs/1-01-training-share", EN)
    assert "128.2" in html and 'href="/def/shareOfPlan"' in html
    assert 'href="/id/obs/1-01-training-actual"' in html and 'href="/id/obs/1-01-training-target"' in html
    assert 'href="/id/indicator/vocational-training"' in html and 'href="/id/period/2021-h1"' in html
    approx = page(site, "/id/obs/2-03-checkups-actual", EN)
    # as a reader says it (tests/test_numbers_people.py), with the qualifier's term linked beside it
    assert "60,000+" in approx and 'href="/def/MoreThan"' in approx and "6万余人" in approx
    approx_zh = page(site, "/id/obs/2-03-checkups-actual", ZH)
    assert "6万余" in approx_zh and "= 60,000" not in approx_zh and "60,000" in approx_zh  # normalised value


def test_quote_page_lists_the_facts_it_supports(site: Site) -> None:
    html = page(site, "/id/quote/236-262", EN)
    assert "<mark>开展各类培训5834人次,完成计划任务的128.2%</mark>" in html
    assert 'href="/id/obs/1-01-training-share"' in html and 'href="/reader?marks=figures#s-230"' in html


def test_ontology_term_and_ontology_page(site: Site) -> None:
    term = page(site, "/def/Observation", EN)
    assert "观测值" in term and "One figure reported in the text" in term
    assert f"/browse?class={DEF}Observation" in term and "164" in term
    onto = page(site, "/ontology", ZH)
    assert 'id="Observation"' in onto and "报告中的一个数字" in onto and "One figure reported" in onto


@pytest.mark.parametrize("headers, words", [(ZH, ("各部分", "类", "全部内容一页显示")),
                                            (EN, ("Sections", "Classes", "Everything on one page"))])
def test_the_ontology_is_paged_by_section(site: Site, headers: dict[str, str], words: tuple[str, ...]) -> None:
    """Each of the three tables is a page of its own; together they hold the whole page's rows, each
    once; every page lists the sections with their sizes, and a section's page leads to its neighbours."""
    whole = page(site, "/ontology", headers)
    rows = re.findall(r'<tr id="([^"]+)">', whole)
    toc = re.search(r'<nav class="toc onto-toc".*?</nav>', whole, flags=re.S)
    assert toc is not None
    for word in words:
        assert word in toc.group(0), word
    listed = re.findall(r'href="/ontology\?section=(\w+)"[^>]*>[^<]+</a> \((\d+)\)', toc.group(0))
    assert [key for key, _ in listed] == ["classes", "properties", "units"]
    seen: list[str] = []
    for at, (key, count) in enumerate(listed):
        section = page(site, f"/ontology?section={key}", headers)
        found = re.findall(r'<tr id="([^"]+)">', section)
        assert len(found) == int(count) > 0 and section.count('role="region"') == 1
        assert f'href="/ontology?section={key}" aria-current="page"' in section
        bottom = re.search(r'<nav class="pager".*?</nav>', section, flags=re.S)
        assert bottom is not None
        assert ('rel="prev"' in bottom.group(0)) == (at > 0) and ('rel="next"' in bottom.group(0)) == (at < 2)
        assert 'href="/ontology">' in bottom.group(0)
        seen += found
    assert seen == rows and len(rows) == len(set(rows))
    assert 'id="Observation"' in page(site, "/ontology?section=classes", headers)
    assert fetch(site.root + "/ontology?section=shapes", headers=headers).status == 404


def test_reader_links_every_quote_both_ways(site: Site) -> None:
    html = page(site, "/reader")
    anchors = set(re.findall(r'id="(q-\d+-\d+)"', html))
    assert len(anchors) == 370  # every quote (343, and 27 more the status statements quote), highlighted or not
    assert 'href="/id/obs/1-01-training-target"' in html                         # a highlight → its fact
    highlight = r'<a class="hl fig" href="/id/obs/1-01-training-target"[^>]*>2021年职业培训工作目标任务4550人次</a>'
    assert re.search(highlight, html)


def test_browse(site: Site) -> None:
    index = page(site, "/browse", EN)
    assert re.search(r"Observation</a>.*?<td class=\"num\"[^>]*>164</td>", index, flags=re.S)
    listing = page(site, f"/browse?class={urllib.parse.quote(DEF + 'Observation')}&page=2", EN)
    assert "51–100 of 164" in listing and 'rel="prev"' in listing and 'rel="next"' in listing
    for facet in ("Programme", "Item", "Place", "Agency", "Unit", "Measure type"):
        assert f"<summary>{facet}</summary>" in listing
    percent = page(site, f"/browse?class={DEF}Observation&unit=http://qudt.org/vocab/unit/PERCENT", EN)
    assert "1–29 of 29" in percent
    both = page(site, f"/browse?class={DEF}Observation&unit=http://qudt.org/vocab/unit/PERCENT"
                      f"&measure={DEF}shareOfPlan", EN)
    assert "1–13 of 13" in both
    places = page(site, f"/browse?class={DEF}Place&agency=https://w3id.org/bolekg/id/org/nobody", EN)
    assert "Nothing matches these filters." in places
    assert fetch(site.root + "/browse?class=not%20an%20iri", headers=EN).status == 400


ID = "https://w3id.org/bolekg/id/"
#: Facet choices a person makes (one, or two at once), each answered by the page of every backend.
FACET_CHOICES = [
    ("Observation", {"programme": ID + "programme/benefit-projects"}),
    ("Observation", {"programme": ID + "programme/urgent-concerns", "within": ID + "place/bole-city"}),
    ("Observation", {"item": ID + "item/1-01"}),
    ("Observation", {"agency": ID + "org/bole-housing-bureau"}),
    ("Initiative", {"programme": ID + "programme/practical-matters"}),
    ("Initiative", {"theme": ID + "theme/transport", "place": ID + "place/bole-city"}),
    ("Initiative", {"theme": ID + "theme/housing", "within": ID + "place/bole-city"}),
    ("Initiative", {"theme": ID + "theme/energy", "programme": ID + "programme/benefit-projects"}),
]


@pytest.mark.parametrize(("cls", "chosen"), FACET_CHOICES,
                         ids=["+".join(sorted(chosen)) + "-" + cls for cls, chosen in FACET_CHOICES])
def test_browse_facets_answer_as_the_data_says(site: Site, real_union: Graph, cls: str,
                                               chosen: dict[str, str]) -> None:
    """Each facet choice lists as many things as its pattern selects in the data (rdflib's reading of
    the same pattern): no backend fails on it or answers with fewer (Virtuoso 7.2 refused the programme
    facet's transitive path, "neither end of it is bound", and the page answered 400 "must be IRIs")."""
    filters = " ".join("{ " + FACETS[name][0].replace("?v", f"<{value}>") + " }" for name, value in chosen.items())
    expected = int(next(iter(real_union.query(
        f"{PREFIXES}\nSELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a/rdfs:subClassOf* <{DEF}{cls}> . "
        f"FILTER(isIRI(?s)) {filters} }}")))[0])
    assert expected > 0, (cls, chosen)                          # a choice that selects something
    html = page(site, "/browse?" + urllib.parse.urlencode({"class": DEF + cls, **chosen}), EN)
    shown = re.search(r"1–\d+ of (\d+)", html)
    assert shown is not None and int(shown.group(1)) == expected, (cls, chosen)
    # every facet counted, but where Virtuoso 7.2 refuses a pair of facets: then the page says which
    uncounted = html.count("This store could not count these")
    assert uncounted == 0 or (site.kind == "virtuoso" and "within" in chosen), (site.kind, chosen, uncounted)


def test_search_json_ranks_exact_then_prefix_and_reads_pinyin(site: Site) -> None:
    def top(query: str) -> dict:  # type: ignore[type-arg]
        reply = fetch(site.root + "/search?" + urllib.parse.urlencode({"q": query, "format": "json"}))
        assert reply.status == 200 and reply.header("Content-Type").startswith("application/json")
        body = json.loads(reply.body)
        assert body["results"], query
        return body["results"][0]  # type: ignore[no-any-return]

    city = "https://w3id.org/bolekg/id/place/bole-city"
    for query in ("博乐市", "Bole City", "boleshi", "bo le shi", "Bó Lè Shì", "bo2 le4 shi4"):
        assert top(query)["iri"] == city, query
    assert top("博乐市")["match"] == "exact" and top("boleshi")["match"] == "pinyin-exact"
    found = top("Bole City")
    assert "https://w3id.org/bolekg/def/CountyLevelDivision" in found["types"]
    assert len(found["type_names"]) == len(found["types"]) and all(found["type_names"])
    assert top("dalete")["iri"] == "https://w3id.org/bolekg/id/place/dalete-town"
    assert top("达勒特")["match"] == "prefix"
    hospital = top("hospital")
    assert "hospital" in hospital["names"]["en"].lower()
    accept = fetch(site.root + "/search?q=%E5%8C%BB%E9%99%A2", headers={"Accept": "application/json"})
    assert any("医院" in r["names"].get("zh", "") for r in json.loads(accept.body)["results"])


def test_search_empty_and_unknown_are_friendly(site: Site) -> None:
    for query in ("", "   ", "zzqqxxunknown"):
        reply = fetch(site.root + "/search?" + urllib.parse.urlencode({"q": query, "format": "json"}))
        assert reply.status == 200
        body = json.loads(reply.body)
        assert body["total"] == 0 and body["results"] == [] and body["message"]
    html = page(site, "/search?q=zzqqxxunknown", EN)
    assert "Nothing is named like “zzqqxxunknown”" in html
    assert "Type a word to search for" in page(site, "/search", EN)


def test_dashboard(site: Site) -> None:
    html = page(site, "/dashboard", EN)
    # two charts, each drawn in a wide and a narrow layout (CSS shows one; tests/test_numbers_people.py)
    charts = re.findall(r'<svg [^>]*class="chart chart-(?:wide|narrow)"', html)
    assert len(charts) == 4
    assert "128.2%" in html and "Vocational training" in html
    assert "43.37%" in html and "60,000+" in html and "43.1%" not in html   # the report's share, not 6 ÷ 139 294
    assert len(re.findall(r'<td class="num"[^>]*><a href="/id/obs/', html)) >= 13  # the share table links every figure


def test_quality(site: Site) -> None:
    html = page(site, "/quality", EN)
    assert "Conforms: every shape is satisfied." in html
    assert len(re.findall(r"<tr><th scope=\"row\"><code>bks:", html)) >= 10


def test_workbench(site: Site) -> None:
    html = page(site, "/sparql", EN)
    # the scripts are named by their fingerprint (bolekg.web.assets), for a year of caching
    assert re.search(r'src="/static/vendor/yasgui/yasgui\.min\.js\?v=[0-9a-f]{12}"', html)
    assert re.search(r'src="/static/workbench\.js\?v=[0-9a-f]{12}"', html)
    assert "<form" in html and "<textarea" in html
    assert html.count('class="example"') == 18
    assert "PREFIX bk: &lt;https://w3id.org/bolekg/def/&gt;" in html            # the prefixes, preloaded
    for asset in ("/static/vendor/yasgui/yasgui.min.js", "/static/vendor/yasgui/yasgui.min.css",
                  "/static/workbench.js"):
        assert fetch(site.root + asset).status == 200
    script = fetch(site.root + "/static/workbench.js").text
    assert "prefixCcApi: null" in script and 'autocompleters: ["prefixes", "variables"]' in script
    run = re.search(r'href="(/sparql\?query=[^"]+)"', html)
    assert run is not None
    answer = fetch(site.root + run.group(1).replace("&amp;", "&"), headers=EN)
    assert answer.status == 200 and 'href="/id/item/3-10"' in answer.text       # example 1 runs without JS
