# ruff: noqa: F811  (the fixtures imported from test_browser are parameters by name, as pytest wants)
"""Every kind of page on a phone (issue 18, "Phone first"), in Debian's Chromium driven by Playwright
against the real server, at 390×844 (a phone) and 1366×900 (a laptop), in Chinese and in English.

What a person saw at 390 px, each with its test: tables whose columns ran off the screen with no hint,
an item's seven-column table of figures that squeezed names to two characters a line, browse results
1 900 px down, the ontology's table cut off, graph labels of 4 CSS px, ↗ links of 11×16 px and a place
page 22 screens long. The page kinds are ``page_kinds.PAGES``'s (one line there adds a kind to every
check here). The fixtures of ``test_browser`` also fail a test on any request to another host and on any
script or console error. Screenshots go to ``tests/_artifacts/``: every page kind in both languages at
both sizes (``page-<kind>-<lang>-<width>.png``, taken by :func:`test_no_page_scrolls_sideways`, the one
place that shoots them all) and a few close-ups (``phone-…``).
"""

from __future__ import annotations

import re

import pytest

from page_kinds import DESKTOP, NOT_FOUND, PAGES, PHONE
from test_browser import (  # noqa: F401  (fixtures, found by pytest by name)
    ARTIFACTS,
    Browser,
    browser,
    playwright,
    pytestmark,
    site,
)
from test_workbench_people import axe_findings

SIZES = [PHONE, DESKTOP]
SIZE_IDS = ["390x844", "1366x900"]
#: How long Bole City's page may be at 390×844, in screens: it was 21.8 (18 399 px) with every list whole;
#: with the lists cut to their first rows and a link to the rest (``bolekg.pages.kinds.FIGURES_SHOWN``…)
#: it is 5.8 in Chinese and 7.5 in English.
CITY_SCREENS = 8
#: WCAG 2.2 SC 2.5.8 (Target Size, Minimum): 24×24 CSS px, or 24 px of room around a smaller target.
TARGET = 24

#: Tables wider than the box they sit in, other than those a region scrolls on purpose (named, focusable).
WIDE_TABLES = """() => [...document.querySelectorAll('main table')]
  .filter((t) => t.offsetParent !== null && !t.closest('[role=region][aria-label][tabindex="0"]'))
  .filter((t) => t.getBoundingClientRect().width > t.parentElement.clientWidth + 1)
  .map((t) => (t.className || 'table') + ' ' + Math.round(t.getBoundingClientRect().width) + '>'
       + t.parentElement.clientWidth)"""

#: Targets smaller than 24×24 CSS px that a 24-px circle on their centre would not keep clear of every
#: other target (SC 2.5.8's spacing exception). Links inside a line of text are exempt (SC 2.5.8's
#: "inline" exception): a link whose parent also holds text of its own, or which is one of a list of names
#: run together in a sentence.
SMALL_TARGETS = """(selector) => {
  const targets = [...document.querySelectorAll(selector)].filter((e) => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden';
  });
  const inline = (e) => getComputedStyle(e).display === 'inline' && e.parentElement &&
    [...e.parentElement.childNodes].some((n) => n !== e && n.textContent.trim() !== '' &&
      !(n.nodeType === 1 && n.matches('a, button')));
  const boxes = targets.map((e) => e.getBoundingClientRect());
  const small = boxes.map((r) => r.width < 23.5 || r.height < 23.5);
  const centre = (r) => [r.left + r.width / 2, r.top + r.height / 2];
  const bad = [];
  targets.forEach((e, i) => {
    const r = boxes[i];
    if (!small[i] || inline(e)) return;
    const [cx, cy] = centre(r);
    const clash = boxes.some((o, j) => {
      if (j === i || e.contains(targets[j]) || targets[j].contains(e)) return false;
      const dx = Math.max(o.left - cx, 0, cx - o.right), dy = Math.max(o.top - cy, 0, cy - o.bottom);
      const [ox, oy] = centre(o);   // two small targets: their circles must not meet either
      return dx * dx + dy * dy < 12 * 12 || (small[j] && (ox - cx) ** 2 + (oy - cy) ** 2 < 24 * 24);
    });
    if (clash) bad.push(e.outerHTML.slice(0, 90) + ' ' + Math.round(r.width) + 'x' + Math.round(r.height));
  });
  return bad;
}"""

#: The size on screen of every visible label of the neighbourhood graph and of the dashboard's charts: an
#: SVG text's font size times the drawing's scale (its width on screen, less its border, over its viewBox),
#: or a list's computed font size where the list stands in for the drawing.
GRAPH_TEXT = """() => {
  const sizes = [];
  for (const svg of document.querySelectorAll('svg.neighbourhood, svg.chart')) {
    if (svg.getBoundingClientRect().width === 0) continue;
    const scale = svg.clientWidth / svg.viewBox.baseVal.width;
    for (const t of svg.querySelectorAll('text')) sizes.push(parseFloat(getComputedStyle(t).fontSize) * scale);
  }
  for (const li of document.querySelectorAll('ul.graph-list li')) {
    if (li.getBoundingClientRect().width > 0) sizes.push(parseFloat(getComputedStyle(li).fontSize));
  }
  return sizes;
}"""


def open_page(browser: Browser, lang: str, size: dict[str, int], name: str):  # type: ignore[no-untyped-def]
    if PAGES[name] == NOT_FOUND:
        browser.expected_status = 404
    page = browser.page(lang)
    page.set_viewport_size(size)
    page.goto(browser.root + PAGES[name])
    page.wait_for_load_state("networkidle")
    return page


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_page_scrolls_sideways(browser: Browser, lang: str, size: dict[str, int]) -> None:
    """No page kind is wider than the screen, and no table is wider than its box unless that box is a
    named region that scrolls on purpose (WCAG 2.2 SC 1.4.10, Reflow). Screenshots of every page."""
    ARTIFACTS.mkdir(exist_ok=True)
    found = {}
    for name in PAGES:
        page = open_page(browser, lang, size, name)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        wide = page.evaluate(WIDE_TABLES) if size == PHONE else []
        if overflow > 0 or wide:
            found[name] = (overflow, wide)
        page.screenshot(path=str(ARTIFACTS / f"page-{name}-{lang}-{size['width']}.png"), full_page=True)
        page.close()
    assert found == {}, found


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_figure_tables_are_cards_on_a_phone_and_tables_on_a_laptop(browser: Browser, lang: str) -> None:
    """At 390 px a figure is a card that starts with the report's words, then the value and its unit,
    then the rest as label: value; at 1366 px it is a row of a real table with its column heads."""
    page = open_page(browser, lang, PHONE, "item")
    cards = page.evaluate("""() => [...document.querySelectorAll('table.figures tbody tr')].map((tr) => {
      const cells = [...tr.children].filter((c) => c.getBoundingClientRect().height > 0)
        .sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top
                        || a.getBoundingClientRect().left - b.getBoundingClientRect().left);
      return [getComputedStyle(tr).display, cells.map((c) => c.className || c.localName),
              Math.round(tr.getBoundingClientRect().width)];
    })""")
    assert len(cards) > 5
    for display, order, width in cards:
        assert display == "flex" and width <= PHONE["width"], (display, width)
        assert order[0] == "quote-cell" and order[1] == "num" and order[2] == "unit", order
    labels = page.evaluate("getComputedStyle(document.querySelector('table.figures td[data-label]:not(.num)"
                           ":not(.unit):not(.quote-cell)'), '::before').content")
    assert labels.strip('"').endswith(": "), labels
    assert page.locator("table.figures thead").is_hidden() is False      # out of sight, not out of the tree
    assert page.evaluate("document.querySelector('table.figures thead').getBoundingClientRect().height") <= 1
    page.screenshot(path=str(ARTIFACTS / f"phone-cards-{lang}.png"))
    page.set_viewport_size(DESKTOP)
    assert page.evaluate("getComputedStyle(document.querySelector('table.figures tbody tr')).display") == "table-row"
    assert page.evaluate("document.querySelector('table.figures thead').getBoundingClientRect().height") > 10


def test_the_ontology_scrolls_in_a_named_region_with_a_hint(browser: Browser) -> None:
    page = open_page(browser, "en", PHONE, "ontology")
    regions = page.locator("div.scroll-region")
    assert regions.count() == 3
    for index in range(3):
        region = regions.nth(index)
        assert region.get_attribute("role") == "region" and region.get_attribute("tabindex") == "0"
        assert region.get_attribute("aria-label")
    assert page.locator(".scroll-hint").first.is_visible()
    assert page.locator(".scroll-hint").first.inner_text() == "scroll →"
    assert page.evaluate("(r => r.scrollWidth > r.clientWidth)(document.querySelector('div.scroll-region'))")
    page.set_viewport_size(DESKTOP)
    assert page.locator(".scroll-hint").first.is_hidden()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_browse_puts_the_results_first_on_a_phone(browser: Browser, lang: str) -> None:
    """At 390 px the facets are folded (a <details>), so the results start on the first screen."""
    page = open_page(browser, lang, PHONE, "browse-class")
    assert page.evaluate("document.querySelector('details.facets-fold').open") is False
    top = page.evaluate("document.querySelector('.listing').getBoundingClientRect().top + scrollY")
    assert top < PHONE["height"] / 2, top
    page.click("details.facets-fold > summary")
    assert page.locator("details.facets-fold .facet").first.is_visible()
    page = open_page(browser, lang, DESKTOP, "browse-class")
    assert page.evaluate("document.querySelector('details.facets-fold').open") is True


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
@pytest.mark.parametrize("name", ["home", "item", "city", "organisation", "browse-class", "search", "quote", "reader",
                                  "dashboard", "ontology", "map"])
def test_targets_are_big_enough_or_far_enough_apart(browser: Browser, name: str, size: dict[str, int]) -> None:
    """WCAG 2.2 SC 2.5.8: the ↗ links, the pagers, the "more" links, the language switch and the header's
    links are 24×24 CSS px at least; every other link or button in the content is too, or has room."""
    page = open_page(browser, "zh", size, name)
    boxes = page.evaluate("""() => [...document.querySelectorAll(
        'a.obs-link, .pager a, p.more a, a.lang-switch, header nav a')]
      .filter((e) => e.getBoundingClientRect().width > 0)
      .map((e) => [e.textContent.trim(), e.getBoundingClientRect().width, e.getBoundingClientRect().height])""")
    assert boxes
    small = [box for box in boxes if box[1] < TARGET - .5 or box[2] < TARGET - .5]
    assert small == [], small
    assert page.evaluate(SMALL_TARGETS, "main a[href], main button, main summary") == []


#: Viewport widths at which graph and chart text is measured: a phone, both sides of the 40rem (640 px)
#: breakpoint, the widths where the graph's labels were 9 px (641–830), a small laptop and a laptop.
TEXT_WIDTHS = [390, 641, 700, 830, 1024, 1366]


@pytest.mark.parametrize("width", TEXT_WIDTHS)
@pytest.mark.parametrize("name", ["item", "city", "organisation", "dashboard"])
def test_graph_text_is_at_least_11_px(browser: Browser, name: str, width: int) -> None:
    size = PHONE if width == PHONE["width"] else {"width": width, "height": DESKTOP["height"]}
    page = open_page(browser, "en", size, name)
    sizes = page.evaluate(GRAPH_TEXT)
    assert sizes and min(sizes) >= 11, (min(sizes or [0]), width)
    if name == "dashboard":  # both charts drawn, one layout each, never shrunk below its drawn size
        assert page.locator("svg.chart:visible").count() == 2
        page.screenshot(path=str(ARTIFACTS / f"text-dashboard-{width}.png"))
        return
    drawn = page.locator("svg.neighbourhood").is_visible()
    listed = page.locator("ul.graph-list li").first.is_visible()
    assert drawn != listed, (drawn, listed)  # the drawing or the list, never neither
    if width <= 830:   # the drawing would shrink to 4–9 px: its links as a list instead
        assert listed and page.locator("ul.graph-list li").count() >= 1
    else:              # wide enough for the drawing at 11 px or more
        assert drawn
    if width in (PHONE["width"], 700, 1366):
        page.screenshot(path=str(ARTIFACTS / f"text-graph-{name}-{width}.png"))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_city_page_is_short_and_links_to_the_rest(browser: Browser, lang: str) -> None:
    page = open_page(browser, lang, PHONE, "city")
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < CITY_SCREENS * PHONE["height"], f"{height / PHONE['height']:.1f} screens"
    more = page.locator("section[aria-labelledby=h-figures] p.more a")
    total = int(re.search(r"\((\d+)\)", page.inner_text("#h-figures")).group(1))  # type: ignore[union-attr]
    assert page.locator("table.figures tbody tr").count() < total
    more.click()
    page.wait_for_url(re.compile(r"/browse\?"))
    assert re.search(rf"\b{total}\b", page.inner_text("p[role=status]")), "the link leads to all of them"


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_axe_finds_nothing_serious(browser: Browser, lang: str, size: dict[str, int]) -> None:
    """axe-core (vendored, injected by the test) on every page kind at 390×844 and 1366×900: no serious
    or critical violation. The workbench as it opens; with results and the raw answer it is
    ``test_workbench_people``'s, and what axe still says of YASGUI is in the README ("Accessibility")."""
    found = {}
    for name in PAGES:
        page = open_page(browser, lang, size, name)
        if name == "workbench":
            page.wait_for_selector(".yasqe .CodeMirror")
        findings = axe_findings(page)
        if findings:
            found[name] = findings
        page.close()
    assert found == {}, found


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_reader_and_the_ontology_have_a_way_through_on_a_phone(browser: Browser, lang: str) -> None:
    """At 390 px the reader is read a programme at a time and the ontology a section at a time: each part
    is well under the whole page's length, its parts are one tap from the top (24 px targets), and the
    pager at its end leads on."""
    page = open_page(browser, lang, PHONE, "reader")
    whole = page.evaluate("document.documentElement.scrollHeight")
    parts = page.locator("nav.reader-parts a")
    assert parts.count() == 4 and parts.first.bounding_box()["y"] < PHONE["height"]  # type: ignore[index]
    parts.nth(1).click()
    page.wait_for_url(re.compile(r"part=section-2"))
    part = page.evaluate("document.documentElement.scrollHeight")
    assert part < whole * 0.6, (part, whole)
    page.screenshot(path=str(ARTIFACTS / f"phone-reader-part-{lang}.png"))
    page.locator("nav.reader-next a[rel=next]").click()
    page.wait_for_url(re.compile(r"part=section-3"))
    assert page.locator("section.programme").count() == 1 and page.locator("nav.reader-next a[rel=prev]").count() == 1
    # an item of another part, from this part's contents: its page, at its heading
    page.locator("nav#toc a[href*='#s1-i02']").click()
    page.wait_for_url(re.compile(r"part=section-1.*#s1-i02$"))
    assert page.evaluate("document.getElementById('s1-i02').getBoundingClientRect().top") < PHONE["height"]

    page = open_page(browser, lang, PHONE, "ontology")
    whole = page.evaluate("document.documentElement.scrollHeight")
    sections = page.locator("nav.onto-toc a")
    assert sections.count() == 4 and sections.first.bounding_box()["y"] < PHONE["height"]  # type: ignore[index]
    sections.first.click()
    page.wait_for_url(re.compile(r"section=classes"))
    classes = page.evaluate("document.documentElement.scrollHeight")
    assert classes < whole * 0.7, (classes, whole)
    page.locator("nav.pager a[rel=next]").click()
    page.wait_for_url(re.compile(r"section=properties"))
    assert page.locator("div.scroll-region").count() == 1
    page.screenshot(path=str(ARTIFACTS / f"phone-ontology-section-{lang}.png"))
