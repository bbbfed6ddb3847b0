# ruff: noqa: F811  (the fixtures imported from test_browser are parameters by name, as pytest wants)
"""The SPARQL workbench as people use it (issue 18), in Debian's Chromium driven by Playwright against the
real server, with the fixtures of ``test_browser`` (which also fail a test on any request to another host
and on any script or console error).

What a person saw, each with its test: a share link that did not restore the query; result IRIs that
left for ``https://w3id.org/…``; a query hidden below fourteen PREFIX lines; the run and share buttons
over the query's text on a phone; and axe-core's findings (unlabelled fields, an invalid ARIA tab list,
low contrast). axe-core is vendored under ``tests/vendor/axe-core`` and injected into the page by the
test: the site never serves it. The page also has to work, and round-trip a query, without JavaScript.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from ld_support import Site, fetch
from page_kinds import DESKTOP, PHONE
from test_browser import (  # noqa: F401  (fixtures, found by pytest by name)
    ARTIFACTS,
    CHROMIUM,
    FLAGS,
    Browser,
    browser,
    playwright,
    pytestmark,
    site,
)

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
BASE = "https://w3id.org/bolekg/"
#: A query no example holds, with a line of its own to find in the editor.
EDITED = ("PREFIX bk: <https://w3id.org/bolekg/def/>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
          "SELECT ?item ?label WHERE { ?item a bk:Item ; rdfs:label ?label . } LIMIT 3\n# 分享 shared ✓")


def editor_query(page) -> str:  # type: ignore[no-untyped-def]
    return page.evaluate("window.bolekgWorkbench.getTab().getQuery()")


def open_workbench(page, url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(url)
    page.wait_for_selector(".yasqe .CodeMirror")


def run_example(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.click(f"button[data-example='{name}']")
    page.click(".yasqe_queryButton")
    page.locator(".yasr table.dataTable tbody tr").first.wait_for()


def share_link(page) -> str:  # type: ignore[no-untyped-def]
    page.click("#share-button")
    link = page.input_value("#share-link")
    assert page.get_attribute("#share-button", "aria-expanded") == "true"
    return link


def overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
            and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"])


def test_share_link_restores_the_edited_query(browser: Browser) -> None:
    page = browser.page("en")
    open_workbench(page, browser.root + "/sparql")
    page.evaluate("query => { window.bolekgWorkbench.getTab().setQuery(query); }", EDITED)
    page.click(".yasqe .CodeMirror")                      # and an edit by keyboard, as a person makes one
    page.keyboard.press("Control+End")
    page.keyboard.type(" typed")
    edited = EDITED + " typed"
    assert editor_query(page) == edited
    link = share_link(page)
    assert link.startswith(browser.root + "/sparql?share=")
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)["share"] == [edited]
    other = browser.page("zh")                           # a new page, as whoever receives the link
    open_workbench(other, link)
    assert editor_query(other) == edited
    assert other.input_value("#plain-query") == edited   # the plain form holds it too
    shot(other, "workbench-shared")


def test_share_link_keeps_the_example_and_the_result_view(browser: Browser) -> None:
    page = browser.page("en")
    open_workbench(page, browser.root + "/sparql")
    run_example(page, "07-share-of-plan")
    example_text = editor_query(page)
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(share_link(page)).query) == {"example": ["07-share-of-plan"]}
    page.click(".yasr .select_response")                  # the raw answer instead of the table
    page.click("#share-button")                          # closes the panel …
    link = share_link(page)                              # … and a new link holds the view
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(link).query) == {"example": ["07-share-of-plan"],
                                                                        "view": ["response"]}
    other = browser.page("en")
    open_workbench(other, link)
    assert editor_query(other) == example_text
    assert other.get_attribute("li#example-07-share-of-plan", "aria-current") == "true"
    assert other.evaluate("window.bolekgWorkbench.getTab().getYasr().getSelectedPluginName()") == "response"


def test_result_iris_open_this_servers_pages(browser: Browser) -> None:
    page = browser.page("en")
    open_workbench(page, browser.root + "/sparql")
    run_example(page, "11-provenance-of-a-figure")
    hrefs = page.eval_on_selector_all(".yasr table.dataTable a", "links => links.map(a => a.getAttribute('href'))")
    assert not [href for href in hrefs if href.startswith(BASE)], "a result IRI still leads to w3id.org"
    local = [href for href in hrefs if href.startswith("/id/")]
    assert len(local) >= 10
    titles = page.eval_on_selector_all(".yasr table.dataTable a[href^='/id/']", "links => links.map(a => a.title)")
    assert all(title.startswith(BASE) for title in titles)   # the IRI itself stays in view on hover
    page.select_option(".yasr select.tableSizer", "10")        # pages of ten rows: the next one too
    page.locator(".yasr button.dt-paging-button.next").first.click()
    page.wait_for_timeout(200)
    later = page.eval_on_selector_all(".yasr table.dataTable a", "links => links.map(a => a.getAttribute('href'))")
    assert not [href for href in later if href.startswith(BASE)]
    answer = fetch(browser.root + local[0], headers={"Accept": "text/html"})
    assert answer.status == 200


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1366x900", "390x844"])
def test_the_query_is_in_view_when_the_page_opens(browser: Browser, viewport: dict[str, int]) -> None:
    page = browser.page("zh")
    page.set_viewport_size(viewport)
    open_workbench(page, browser.root + "/sparql")
    line = page.locator(".yasqe .CodeMirror-line", has_text="SELECT").first
    line.wait_for(state="visible")          # the editor is drawn before the query is set and folded
    box = line.bounding_box()
    assert box is not None
    assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"], f"the SELECT line is at {box}"
    assert page.locator(".yasqe .CodeMirror-line", has_text="PREFIX rdfs:").count() == 0   # folded
    assert "PREFIX rdfs:" in editor_query(page)                                           # yet there
    page.screenshot(path=str(ARTIFACTS / f"workbench-open-{viewport['width']}.png"), full_page=False)


def test_run_and_share_buttons_leave_the_query_text_free_on_a_phone(browser: Browser) -> None:
    page = browser.page("zh")
    page.set_viewport_size(PHONE)
    open_workbench(page, browser.root + "/sparql")
    editor = page.locator(".yasqe .CodeMirror").bounding_box()
    assert editor is not None
    for selector in (".yasqe_queryButton", "#share-button"):
        button = page.locator(selector)
        assert button.is_visible(), selector
        box = button.bounding_box()
        assert box is not None
        assert not overlap(box, editor), f"{selector} at {box} sits on the editor at {editor}"
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], f"{selector} is off the screen: {box}"


def axe_findings(page) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    """axe-core's serious and critical violations on the page as it is now."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    found = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [{"rule": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
            for v in found["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1366x900", "390x844"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_axe_finds_nothing_serious(browser: Browser, viewport: dict[str, int], lang: str) -> None:
    page = browser.page(lang)
    page.set_viewport_size(viewport)
    open_workbench(page, browser.root + "/sparql")
    assert axe_findings(page) == [], "as the page opens"
    run_example(page, "11-provenance-of-a-figure")      # the results table and its controls
    share_link(page)                                    # and the share panel, open
    assert axe_findings(page) == [], "with results and the share link shown"
    page.click(".yasr .select_response")                # the raw answer, in a read-only editor of its own
    page.locator(".yasr .CodeMirror").first.wait_for()
    assert axe_findings(page) == [], "with the raw answer shown"


@pytest.fixture
def no_script(site: Site, playwright: object) -> Iterator[object]:
    """A page in a browser with JavaScript off."""
    launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)  # type: ignore[attr-defined]
    context = launched.new_context(java_script_enabled=False, viewport=PHONE)
    requests: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    try:
        yield context.new_page()
    finally:
        launched.close()
    ours = urllib.parse.urlsplit(site.root).netloc
    assert [url for url in requests if urllib.parse.urlsplit(url).netloc != ours] == []


def test_without_javascript_the_query_round_trips(site: Site, no_script) -> None:  # type: ignore[no-untyped-def]
    page = no_script
    page.goto(site.root + "/sparql?" + urllib.parse.urlencode({"share": EDITED}))
    assert page.locator("#plain-form").get_attribute("open") is not None    # the form is the workbench now
    assert page.input_value("#plain-query") == EDITED
    changed = EDITED.replace("LIMIT 3", "LIMIT 2")
    page.fill("#plain-query", changed)
    page.click("#plain-form button[type=submit]")
    page.wait_for_url(re.compile(r"/sparql\?query="))
    assert page.input_value("#results-query") == changed                  # the results page holds it …
    assert page.locator("table.results tbody tr").count() == 2
    page.click("a.open-in-workbench")                                     # … and leads back with it
    page.wait_for_url(re.compile(r"/sparql\?share="))
    assert page.input_value("#plain-query") == changed
    page.screenshot(path=str(ARTIFACTS / "workbench-no-js.png"), full_page=False)


def test_share_links_leave_the_protocol_alone(site: Site) -> None:
    """``share=`` only opens the workbench; ``query=`` is still the protocol's query operation."""
    shared = fetch(site.root + "/sparql?" + urllib.parse.urlencode({"share": "ASK {}"}),
                   headers={"Accept": "text/turtle"})
    assert shared.status == 200 and shared.header("Content-Type").startswith("text/turtle")  # the service description
    page = fetch(site.root + "/sparql?" + urllib.parse.urlencode({"share": "ASK { ?s ?p ?o }"}),
                 headers={"Accept": "text/html"})
    assert page.status == 200 and "ASK { ?s ?p ?o }</textarea>" in page.text
    ran = fetch(site.root + "/sparql?" + urllib.parse.urlencode({"query": "ASK {}"}),
                headers={"Accept": "application/sparql-results+json"})
    assert ran.status == 200 and '"boolean"' in ran.text
    too_big = fetch(site.root + "/sparql?" + urllib.parse.urlencode({"share": "x" * 100_001}),
                    headers={"Accept": "text/html"})
    assert too_big.status == 413                            # as a query that long sent to run


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)
