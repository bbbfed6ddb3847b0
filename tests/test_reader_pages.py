"""The reader and the quote pages answer where a fact comes from and what a clause supports, with no dead end.

Over real HTTP on the embedded store (the queries behind them are compared on Virtuoso by
tests/test_virtuoso_pages.py): a quote's page is titled by its text, shows its sentence with the
clause marked and everything resting on it; the reader is laid out as the report is, with a table of
contents, one documented kind of highlight at a time, and each highlight leading to its fact. A real
Chromium checks that both fit a phone.
"""

from __future__ import annotations

import html as htmllib
import os
import re
from itertools import pairwise
from pathlib import Path

import pytest

from bolekg.pages import reader as reader_pages
from bolekg.report.vocab import BK
from ld_support import Site, page_text
from test_browser import CHROMIUM, FLAGS

ZH = {"Accept": "text/html", "Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept": "text/html", "Accept-Language": "en-GB,en;q=0.9"}
#: A clause the data draws a figure, a status and a project from.
GREENING = "/id/quote/2778-2792"
#: The longest kind of quote: shortened in the title, whole in the sentence.
LONG = "/id/quote/5017-5082"


@pytest.fixture(scope="module")
def site(real_site: Site) -> Site:
    return real_site


def page(site: Site, path: str, headers: dict[str, str] = ZH) -> str:
    return page_text(site, path, headers)


def main(html: str) -> str:
    found = re.search(r"<main\b[^>]*>.*</main>", html, flags=re.S)
    assert found is not None
    return found.group(0)


def highlights(html: str) -> list[tuple[str, str, str]]:
    """Every highlight of the reader: (kind, href, text)."""
    return re.findall(r'<a class="hl (\w+)" href="([^"]*)"[^>]*>([^<]*)</a>', html)


def scalar(site: Site, query: str) -> int:
    rows = list(site.store.query(f"PREFIX bk: <{BK}>\n{query}").solutions())
    return int(rows[0]["n"].value)


# --- quote pages ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("headers, supports", [(ZH, "此引文支持的内容"), (EN, "What this quote supports")])
def test_quote_page_is_titled_by_its_text_and_lists_what_it_supports(
        site: Site, headers: dict[str, str], supports: str) -> None:
    html = page(site, GREENING, headers)
    assert "<title>65个小区的绿化改造基本完成 · BoleKG</title>" in html
    assert re.search(r'<h1 class="quote-title" lang="zh">“65个小区的绿化改造基本完成”</h1>', html)
    assert "2778-2792</h1>" not in html
    # the whole sentence, the clause marked in it
    assert ("<p>重点改造完善小区配套基础设施,<mark>65个小区的绿化改造基本完成</mark>,"
            "正进行供水、排水、热力管网改造。</p>") in html
    assert f"{supports} (3)" in html
    # the figure with its value and unit, the status, the project: each a link
    figure = re.search(r'<li><a href="/id/obs/2-06-compounds-greened-actual">[^<]+</a>: <span class="value">65</span>',
                       html)
    assert figure is not None
    assert 'href="/id/status/old-compound-greening-largely-completed"' in html
    assert 'href="/id/project/old-compound-greening"' in html
    project = "老旧小区绿化改造" if headers is ZH else "Greening of old residential compounds"
    assert f'<a href="/id/project/old-compound-greening">{project}</a>' in html  # labels in the page language


def test_quote_page_gives_dates_statuses_and_responsibilities(site: Site) -> None:
    dated = page(site, "/id/quote/1050-1062", ZH)                               # “预计2021年12月竣工”
    assert "此引文支持的内容 (2)" in dated and "<h3>日期</h3>" in dated and "<h3>进展状态</h3>" in dated
    assert re.search(r'href="/id/milestone/hospital-ward-building-completion">[^<]+</a>: <time>2021-12</time>', dated)
    assert 'href="/id/status/hospital-ward-building-planned"' in dated
    stated = page(site, "/id/quote/2823-2851", EN)                              # the Housing Bureau's car parks
    assert "What this quote supports (3)" in stated                              # one responsibility, two holders
    row = re.search(r"<h3>Responsibilities</h3>\s*<ul[^>]*><li>(.*?)</li></ul>", stated, flags=re.S)
    assert row is not None and row.group(1).startswith('<a href="/id/org/bole-housing-bureau">')
    assert 'href="/id/item/2-07"' in row.group(1) and 'href="/id/responsibility/2-07-housing"' in row.group(1)


def test_quote_page_has_no_empty_graph(site: Site) -> None:
    for headers in (ZH, EN):
        html = page(site, GREENING, headers)
        assert "<svg" not in html and 'id="h-graph"' not in html
    item = page(site, "/id/item/1-01")
    assert "<svg" in item and 'id="h-graph"' in item                            # a page with links keeps its graph


def test_quote_page_links_to_the_reader_at_its_sentence(site: Site) -> None:
    html = page(site, "/id/quote/236-262", EN)
    link = re.search(r'<a href="(/reader\?marks=figures#s-(\d+))">show in the report</a>', html)
    assert link is not None and link.group(2) == "230"                           # text:s1-i01-03 begins at 230
    reader = page(site, htmllib.unescape(link.group(1)).split("#")[0], EN)
    assert f'id="s-{link.group(2)}"' in reader
    assert re.search(r'id="q-236-262"></span>(<span [^>]*></span>)*<a class="hl fig"', reader)  # highlighted there


def test_a_very_long_quote_is_shortened_in_the_title_only(site: Site) -> None:
    whole = ("已完成更换全市单立柱区警示牌199面、市区警示牌78面和学校附近警示牌27面,"
             "北京路路名牌31面和分道牌31面,设置防撞桶100个")
    html = page(site, LONG, EN)
    title = re.search(r"<title>(.*?) · BoleKG</title>", html)
    assert title is not None and title.group(1).endswith("…") and whole.startswith(title.group(1)[:-1])
    heading = re.search(r'<h1 class="quote-title"[^>]*>(.*?)</h1>', html, flags=re.S)
    assert heading is not None and 'tabindex="0"' in heading.group(0) and f'title="{whole}"' in heading.group(0)
    assert f'<span class="full">{whole}</span>' in heading.group(1)               # what a screen reader reads
    assert f"<mark>{whole}</mark>" in html


# --- the reader --------------------------------------------------------------------------------------


@pytest.mark.parametrize("headers, contents", [(ZH, "目录"), (EN, "Contents")])
def test_reader_has_a_table_of_contents_of_the_30_items(site: Site, headers: dict[str, str], contents: str) -> None:
    html = page(site, "/reader", headers)
    toc = re.search(rf'<nav class="toc" id="toc" aria-label="{contents}">.*?</nav>', html, flags=re.S)
    assert toc is not None
    targets = re.findall(r'href="#([^"]+)"', toc.group(0))
    programmes = [t for t in targets if t.startswith("section-")]
    items = [t for t in targets if not t.startswith("section-")]
    assert programmes == ["section-1", "section-2", "section-3"]
    assert len(items) == 30 == len(set(items))
    for target in programmes:
        assert f'<h2 id="{target}" class="report-heading">' in html
    for target in items:
        assert f'<h3 id="{target}" class="report-heading">' in html
    assert ("就业创业方面" if headers is ZH else "Employment and entrepreneurship") in toc.group(0)


def test_reader_items_are_headings_in_order(site: Site) -> None:
    html = main(page(site, "/reader", EN))
    levels = [int(n) for n in re.findall(r"<h([1-6])[ >]", html)]
    assert levels[0] == 1 and all(b <= a + 1 for a, b in pairwise(levels))      # no level skipped
    items = re.findall(r'<h3 id="(s\d-i\d\d)" class="report-heading">(.*?)</h3>', html, flags=re.S)
    assert len(items) == 30
    first = dict(items)["s1-i01"]
    assert "㈠ 就业创业方面。" in re.sub(r"<[^>]+>", "", first)                   # the report's own heading
    assert 'href="/id/item/1-01"' in first                                        # and the item's page
    assert len(re.findall(r'<section class="programme" aria-labelledby="section-\d">', html)) == 3
    assert html.count('<section class="item" aria-labelledby=') == 30


def test_reader_highlights_figures_by_default(site: Site) -> None:
    assert reader_pages.DEFAULT_MARKS == "figures" and reader_pages.MARKS["figures"] == ("fig",)
    html = page(site, "/reader")
    found = highlights(html)
    assert {kind for kind, _, _ in found} == {"fig"}
    quotes = set(re.findall(r'class="hl fig" href="[^"]*"[^>]*data-quote="(q-\d+-\d+)"', html))
    with_figures = scalar(site, "SELECT (COUNT(DISTINCT ?q) AS ?n) WHERE { ?f bk:evidence ?q ; a bk:Observation }")
    assert len(quotes) == with_figures == 145
    assert len(set(re.findall(r'id="(q-\d+-\d+)"', html))) == 370                # every quote keeps its anchor
    assert '<a href="?marks=figures" aria-current="true">' in html
    assert 'id="legend-fig"' in html and 'id="legend-status"' not in html
    assert main(page(site, "/reader?marks=nonsense")) == main(html)              # anything else: the default


def test_reader_toggle_changes_the_highlights(site: Site) -> None:
    kinds = {}
    for marks in reader_pages.MARKS:
        html = page(site, f"/reader?marks={marks}", EN)
        kinds[marks] = {kind for kind, _, _ in highlights(html)}
        assert f'<a href="?marks={marks}" aria-current="true">' in html
        assert len(set(re.findall(r'id="(q-\d+-\d+)"', html))) == 370
    assert kinds == {"figures": {"fig"}, "dates": {"date"}, "statuses": {"status"}, "responsibilities": {"resp"},
                     "all": {"fig", "date", "status", "resp", "other"}, "none": set()}
    statuses = page(site, "/reader?marks=statuses", EN)
    assert 'id="legend-status"' in statuses and 'aria-describedby="legend-status"' in statuses


def test_a_highlight_leads_to_its_fact_not_to_the_quote_page(site: Site) -> None:
    html = page(site, "/reader")
    found = highlights(html)
    assert ("fig", "/id/obs/1-01-training-target", "2021年职业培训工作目标任务4550人次") in found
    assert not [href for _, href, _ in found if href.startswith("/id/quote/")]
    # a clause resting under two figures leads to the list of both, after its item, and back
    note = re.search(r'<a class="hl fig" href="#(f-(\d+)-(\d+))" id="(m-\d+-\d+)"[^>]*>([^<]*)</a>', html)
    assert note is not None
    entry = re.search(rf'<li id="{note.group(1)}"><a class="back" href="#{note.group(4)}"[^>]*>.*?</li>', html,
                      flags=re.S)
    assert entry is not None and len(re.findall(r'href="/id/obs/', entry.group(0))) >= 2


# --- on a phone --------------------------------------------------------------------------------------


@pytest.mark.skipif(not os.path.exists(CHROMIUM) and os.environ.get("CI") != "true",
                    reason="Debian's chromium is not installed (make test installs it)")
def test_reader_and_quote_page_fit_a_phone(site: Site, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        context = driver.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True, args=FLAGS,
            viewport={"width": 390, "height": 844})
        try:
            view = context.new_page()
            for lang in ("zh", "en"):
                for path in ("/reader", "/reader?marks=all", GREENING, LONG):
                    view.goto(f"{site.root}{path}{'&' if '?' in path else '?'}lang={lang}")
                    view.wait_for_load_state("networkidle")
                    width, inner = view.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
                    assert width <= inner, f"{path} ({lang}) is {width - inner}px wider than a phone screen"
        finally:
            context.close()


# --- the reader a programme a page ---------------------------------------------------------------------


PARTS = ["section-1", "section-2", "section-3"]


def anchors(html: str, pattern: str) -> list[str]:
    return re.findall(rf'id="({pattern})"', main(html))


def pager(html: str, name: str) -> str:
    found = re.search(rf'<nav class="pager {name}"[^>]*>.*?</nav>', html, flags=re.S)
    assert found is not None, name
    return found.group(0)


def test_the_reader_is_paged_by_programme_and_loses_nothing(site: Site) -> None:
    """The three parts together hold the whole report's headings, paragraphs and quotes, each once: every
    item under its own programme, the introduction on the first part."""
    whole = page(site, "/reader", EN)
    seen: dict[str, list[str]] = {"items": [], "quotes": [], "paragraphs": []}
    for number, key in enumerate(PARTS, 1):
        part = page(site, f"/reader?part={key}", EN)
        body = main(part)
        programmes = re.findall(r'<section class="programme" aria-labelledby="(section-\d)">', body)
        assert programmes == [key]
        items = anchors(part, r"s\d-i\d\d")
        assert items and all(item.startswith(f"s{number}-") for item in items)
        seen["items"] += items
        seen["quotes"] += anchors(part, r"q-\d+-\d+")
        seen["paragraphs"] += anchors(part, r"p-\d+")
        assert body.count("<section") == body.count("</section>")  # every section closed, on every part
        assert len(part) < len(whole) * 0.7, "a part is a fraction of the whole"
    assert seen["items"] == anchors(whole, r"s\d-i\d\d") and len(seen["items"]) == 30
    assert seen["quotes"] == anchors(whole, r"q-\d+-\d+") and len(seen["quotes"]) == 370
    assert seen["paragraphs"] == anchors(whole, r"p-\d+")


def test_a_parts_contents_and_pager_lead_through_the_report(site: Site) -> None:
    """On a part's page the contents link to the headings of this part in the page and to the others'
    pages; the pager leads to the previous and next programme and to the whole report; the choice of
    highlights is kept from page to page."""
    part = page(site, "/reader?part=section-2&marks=dates", EN)
    toc = re.search(r'<nav class="toc" id="toc".*?</nav>', part, flags=re.S)
    assert toc is not None
    hrefs = [htmllib.unescape(h) for h in re.findall(r'href="([^"]+)"', toc.group(0))]
    assert len(hrefs) == 33
    here = [h for h in hrefs if h.startswith("#")]
    assert here == ["#section-2", *[f"#{i}" for i in anchors(part, r"s2-i\d\d")]]
    for href in hrefs:
        if not href.startswith("#"):
            target, anchor = href.split("#")
            assert re.fullmatch(r"\?part=section-[13]&marks=dates", target), href
            assert f'id="{anchor}"' in page(site, "/reader" + target, EN)
    bottom = htmllib.unescape(pager(part, "reader-next"))
    assert 'rel="prev" href="?part=section-1&marks=dates"' in bottom
    assert 'rel="next" href="?part=section-3&marks=dates"' in bottom and 'href="?marks=dates">Whole report' in bottom
    top = htmllib.unescape(pager(part, "reader-parts"))
    assert re.findall(r'href="([^"]+)"', top) == ["?part=section-1&marks=dates", "?part=section-2&marks=dates",
                                                  "?part=section-3&marks=dates", "?marks=dates"]
    assert 'href="?part=section-2&marks=dates" aria-current="page"' in top
    assert 'href="?part=section-2&amp;marks=figures"' in part  # the highlight choice stays on this part
    first, last = page(site, "/reader?part=section-1", EN), page(site, "/reader?part=section-3", EN)
    assert 'rel="prev"' not in pager(first, "reader-next") and 'rel="next"' in pager(first, "reader-next")
    assert 'rel="next"' not in pager(last, "reader-next") and 'rel="prev"' in pager(last, "reader-next")


@pytest.mark.parametrize("headers, words", [(ZH, ("分部分阅读报告", "第 2 部分", "报告全文", "(单独一页)")),
                                            (EN, ("The report in parts", "Part 2", "Whole report",
                                                  "(on a page of its own)"))])
def test_the_whole_reader_offers_its_parts_in_the_page_language(site: Site, headers: dict[str, str],
                                                               words: tuple[str, ...]) -> None:
    whole = page(site, "/reader", headers)
    for word in words:
        assert word in whole, word
    toc = re.search(r'<nav class="toc" id="toc".*?</nav>', whole, flags=re.S)
    assert toc is not None and re.findall(r'class="part-link" href="\?part=(section-\d)', toc.group(0)) == PARTS
    assert "reader." not in main(whole)  # no untranslated key


def test_an_unknown_part_is_not_found(site: Site) -> None:
    from ld_support import fetch

    for asked in ("section-9", "s1-i01", "intro"):
        assert fetch(site.root + f"/reader?part={asked}", headers=ZH).status == 404, asked
