"""The pages in a real browser: Debian's Chromium driven by Playwright, against the real server.

Every test records every request the browser makes and fails if one goes to another host: the
pages, the workbench included, must work with no network. Screenshots go to ``tests/_artifacts/`` for a
person to look at: of the flows here, and of every page kind (``page_kinds.PAGES``) in both languages at
both sizes, taken by ``test_phone_pages``.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from rdflib import Dataset

from ld_support import Site, serving
from page_kinds import NOT_FOUND, PAGES

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).parent / "_artifacts"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM) and os.environ.get("CI") != "true",
                                reason="Debian's chromium is not installed (make test installs it)")


@dataclass
class Browser:
    """One fresh browser profile and every request it made."""

    root: str
    context: object
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    expected_status: int | None = None

    def page(self, lang: str = "zh"):  # type: ignore[no-untyped-def]
        page = self.context.new_page()  # type: ignore[attr-defined]
        page.set_extra_http_headers({"Accept-Language": "zh-CN,zh;q=0.9" if lang == "zh" else "en-GB,en;q=0.9"})
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("console", lambda message: self._console(message))
        return page

    def _console(self, message) -> None:  # type: ignore[no-untyped-def]
        """Console errors count as failures (a Content-Security-Policy refusal lands here), the icon's
        among them: the site serves one (``favicon.svg``, ``/favicon.ico``). A page that answers 404 on
        purpose logs that status; the tests that ask for one say so (``expected_status``)."""
        if message.type == "error" and not (self.expected_status and str(self.expected_status) in message.text):
            self.errors.append(f"console: {message.text}")

    def foreign(self) -> list[str]:
        """Requests to anywhere but this server (data: and blob: URLs never leave the browser)."""
        ours = urllib.parse.urlsplit(self.root).netloc
        return [url for url in self.requests if not url.startswith(("data:", "blob:", "about:"))
                and urllib.parse.urlsplit(url).netloc != ours]


@pytest.fixture(scope="module")
def site(real_dataset: Dataset) -> Iterator[Site]:
    with serving("embedded", None, real_dataset) as running_site:
        yield running_site


@pytest.fixture(scope="module")
def playwright() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture
def browser(site: Site, playwright: object, tmp_path: Path) -> Iterator[Browser]:
    assert os.path.exists(CHROMIUM), "Debian's chromium is missing: run `make browser`"
    context = playwright.chromium.launch_persistent_context(  # type: ignore[attr-defined]
        str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True, args=FLAGS,
        viewport={"width": 1280, "height": 900})
    with recording(site.root, context) as recorder:
        yield recorder


@contextlib.contextmanager
def recording(root: str, context) -> Iterator[Browser]:  # type: ignore[no-untyped-def]
    """A browser context's every request, recorded; closed at the end, and failed on a request to
    another host or on a script or console error."""
    recorder = Browser(root, context)
    context.on("request", lambda request: recorder.requests.append(request.url))
    try:
        yield recorder
    finally:
        context.close()
    assert recorder.requests, "the browser made no request at all"
    assert recorder.foreign() == [], f"requests left the server: {recorder.foreign()}"
    assert recorder.errors == [], f"script or console errors: {recorder.errors}"


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def heading(page) -> str:  # type: ignore[no-untyped-def]
    return page.locator("h1").first.inner_text().strip()


def test_cjk_font_is_installed() -> None:
    fonts = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=True).stdout
    assert "Noto Sans CJK" in fonts or "Noto Serif CJK" in fonts, "fonts-noto-cjk is missing: Chinese renders as boxes"


def test_search_item_place_agency_and_back(browser: Browser) -> None:
    page = browser.page("zh")
    page.goto(browser.root + "/")
    page.fill("#home-q", "就业创业")
    page.press("#home-q", "Enter")
    page.wait_for_url(re.compile(r"/search\?q="))
    shot(page, "flow-1-search")
    page.click("a.result:text-is('就业创业方面')")
    page.wait_for_url(re.compile(r"/id/item/1-01$"))
    assert heading(page) == "就业创业方面"
    assert page.locator("span.badge.attributed").count() >= 1
    shot(page, "flow-2-item")
    page.click("section[aria-labelledby=h-places] a:text-is('博乐市')")
    page.wait_for_url(re.compile(r"/id/place/bole-city$"))
    assert heading(page) == "博乐市"
    shot(page, "flow-3-place")
    page.click("a[href='/id/org/bole-housing-bureau']")
    page.wait_for_url(re.compile(r"/id/org/bole-housing-bureau$"))
    assert heading(page) == "博乐市住房和城乡建设局"
    assert page.locator("tr.stated a[href='/id/item/2-07']").count() == 1
    shot(page, "flow-4-agency")
    page.go_back()
    page.wait_for_url(re.compile(r"/id/place/bole-city$"))
    assert heading(page) == "博乐市"


def test_workbench_runs_an_example_query(browser: Browser) -> None:
    page = browser.page("en")
    page.goto(browser.root + "/sparql")
    page.wait_for_selector(".yasqe .CodeMirror")
    editor = page.evaluate("window.bolekgWorkbench.getTab().getQuery()")
    assert "PREFIX bk: <https://w3id.org/bolekg/def/>" in editor      # the project's prefixes, preloaded
    page.click("button[data-example='07-share-of-plan']")
    assert "bk:shareOfPlan" in page.evaluate("window.bolekgWorkbench.getTab().getQuery()")
    page.click(".yasqe_queryButton")
    rows = page.locator(".yasr table.dataTable tbody tr")
    rows.first.wait_for()
    assert rows.count() == 13
    assert "128.2" in rows.first.inner_text()
    shot(page, "workbench-results")
    # typing a prefixed name asks the local prefix list, never prefix.cc or LOV
    page.click(".yasqe .CodeMirror")
    page.keyboard.press("Control+End")
    page.keyboard.type("\n# rdfs:")
    page.keyboard.press("Control+Space")
    page.wait_for_timeout(300)


def test_switch_language_and_keep_it(browser: Browser) -> None:
    page = browser.page("zh")
    page.goto(browser.root + "/")
    assert page.get_attribute("html", "lang") == "zh"
    assert page.locator("header nav a").first.inner_text() == "首页"
    page.click("a.lang-switch")
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "en"
    assert page.locator("header nav a").first.inner_text() == "Home"
    page.goto(browser.root + "/dashboard")                            # no ?lang: the choice is remembered
    assert page.get_attribute("html", "lang") == "en" and heading(page) == "Indicator dashboard"
    shot(page, "language-en-dashboard")
    page.click("a.lang-switch")
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "zh" and heading(page) == "指标看板"


def test_reader_highlight_leads_to_the_fact_and_back(browser: Browser) -> None:
    page = browser.page("zh")
    page.goto(browser.root + "/reader")
    assert page.locator("a.hl").count() == page.locator("a.hl.fig").count() > 100  # figures only, by default
    shot(page, "reader")
    page.click("a.hl.fig[href='/id/obs/1-01-training-target']")
    page.wait_for_url(re.compile(r"/id/obs/1-01-training-target$"))
    assert "4550" in heading(page)
    page.click("section.quotes a.quote[href='/reader#q-208-229']")
    page.wait_for_url(re.compile(r"/reader#q-208-229$"))
    assert page.evaluate("document.querySelector(':target').id") == "q-208-229"
    assert page.evaluate("document.querySelector(':target').nextElementSibling.textContent") \
        == "2021年职业培训工作目标任务4550人次"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_renders(browser: Browser, lang: str) -> None:
    """Every page kind answers 200 in the page's language with a heading. (Their screenshots, and the
    check that they fit a phone, are test_phone_pages.test_no_page_scrolls_sideways's.)"""
    page = browser.page(lang)
    for name, path in PAGES.items():
        if path == NOT_FOUND:
            continue
        response = page.goto(browser.root + path)
        assert response is not None and response.status == 200, path
        page.wait_for_load_state("networkidle")
        assert page.get_attribute("html", "lang") == lang, path
        assert heading(page), (name, path)


def test_search_suggestions_are_a_keyboard_combobox(browser: Browser) -> None:
    """Typing on the search page shows names from /search/suggest in a listbox; Down chooses the
    first (aria-activedescendant), Escape closes the list, Enter on a chosen name opens its page."""
    page = browser.page("en")
    page.goto(browser.root + "/search")
    field = page.locator("#search-q")
    assert field.get_attribute("role") == "combobox" and field.get_attribute("aria-expanded") == "false"
    field.press_sequentially("dale")
    page.wait_for_selector("#search-suggestions li[role=option]")
    assert field.get_attribute("aria-expanded") == "true"
    assert page.locator("#search-suggestions li[role=option]").first.inner_text().startswith("Dalete Town")
    shot(page, "search-suggestions")
    field.press("ArrowDown")
    first = page.locator("#search-suggestions li[role=option]").first
    assert first.get_attribute("aria-selected") == "true"
    assert field.get_attribute("aria-activedescendant") == first.get_attribute("id")
    field.press("Escape")
    assert page.locator("#search-suggestions").is_hidden() and field.get_attribute("aria-expanded") == "false"
    field.press("ArrowDown")
    page.wait_for_selector("#search-suggestions li[role=option]")
    field.press("ArrowDown")
    field.press("Enter")
    page.wait_for_url(re.compile(r"/id/place/dalete-town$"))
    assert heading(page) == "Dalete Town"
    assert not browser.errors, browser.errors


# --- weight and care (issue 18) -------------------------------------------------------------------------

#: What axe-core's rules ``nested-interactive``, ``svg-img-alt`` and ``landmark-unique`` look for, checked
#: in the page's DOM (axe-core is not vendored here): no focusable element inside an element whose role
#: makes its children presentational (``img``), every SVG figure named, no two landmarks of one role
#: with one name.
CARE_CHECKS = """() => {
  const problems = [];
  const focusable = 'a[href], button, input, select, textarea, [tabindex]:not([tabindex="-1"])';
  for (const img of document.querySelectorAll('[role="img"]')) {
    if (img.querySelector(focusable)) problems.push('focusable inside role=img: ' + img.outerHTML.slice(0, 120));
  }
  const nameOf = (el) => {
    if (el.getAttribute('aria-label')) return el.getAttribute('aria-label').trim();
    const ids = (el.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean);
    return ids.map((id) => (document.getElementById(id) || {}).textContent || '').join(' ').trim();
  };
  for (const svg of document.querySelectorAll('svg[role="img"], svg[role="group"]')) {
    if (!nameOf(svg)) problems.push('figure without a name: ' + svg.outerHTML.slice(0, 120));
  }
  const seen = {};
  const landmarks = '[role="search"], search, nav, [role="navigation"], main, [role="main"]';
  for (const el of document.querySelectorAll(landmarks)) {
    const role = el.getAttribute('role') || el.localName;
    const key = role + '|' + nameOf(el);
    if (seen[key]) problems.push('two landmarks ' + key);
    seen[key] = true;
  }
  return problems;
}"""


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_skip_link_is_the_first_tab_stop_and_leads_to_the_content(browser: Browser, lang: str) -> None:
    page = browser.page(lang)
    for path in ("/", "/id/item/1-01", "/reader"):
        page.goto(browser.root + path)
        page.keyboard.press("Tab")
        focused = page.evaluate("(e => [e.className, e.getAttribute('href'), e.textContent,"
                                " e.getBoundingClientRect().top])(document.activeElement)")
        skip = "跳到正文" if lang == "zh" else "Skip to content"
        assert focused[:3] == ["skip-link", "#content", skip], (path, focused)
        assert focused[3] >= 0, "the focused skip link is on screen (WCAG 2.2 SC 2.4.7, Focus Visible)"
        if path == "/reader":
            shot(page, f"skip-link-{lang}")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"#content$"))
        assert page.evaluate("document.activeElement.id") == "content"
        page.keyboard.press("Tab")  # the next stop is inside the content, past the header's links
        assert page.evaluate("document.querySelector('main').contains(document.activeElement)"), path


@pytest.mark.parametrize("path", ["/", "/id/item/1-01", "/id/place/bole-city", "/dashboard", "/search?q=boleshi"])
def test_figures_and_landmarks_pass_the_axe_rules_named_in_the_issue(browser: Browser, path: str) -> None:
    page = browser.page("zh")
    page.goto(browser.root + path)
    assert page.evaluate(CARE_CHECKS) == [], path
    if path != "/":
        assert page.locator("svg").count() >= 1 or path.startswith("/search"), path


def test_print_shows_the_content_black_on_white_with_link_addresses(browser: Browser) -> None:
    page = browser.page("en")
    page.goto(browser.root + "/id/item/1-01")
    page.emulate_media(media="print")
    assert page.evaluate("getComputedStyle(document.querySelector('header')).display") == "none"
    assert page.evaluate("getComputedStyle(document.querySelector('footer')).display") == "none"
    assert page.evaluate("getComputedStyle(document.body).color") == "rgb(0, 0, 0)"
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background in ("rgb(255, 255, 255)", "rgba(0, 0, 0, 0)")
    after = page.evaluate("getComputedStyle(document.querySelector('main a[href^=\"/id/\"]'), '::after').content")
    assert after.startswith('" <') and "/id/" in after, after
    shot(page, "print-item-en")
    page.emulate_media(media="screen")
    assert page.evaluate("getComputedStyle(document.querySelector('header')).display") != "none"


@pytest.mark.parametrize(("lang", "title"), [("zh", "找不到这个页面"), ("en", "Page not found")])
def test_the_404_page_in_a_browser(browser: Browser, lang: str, title: str) -> None:
    browser.expected_status = 404
    page = browser.page(lang)
    response = page.goto(browser.root + "/id/place/dalete-twon")
    assert response is not None and response.status == 404
    assert heading(page) == title
    assert page.locator("header nav a").count() >= 8
    assert page.input_value("#error-q") == "dalete twon"  # the address's last word, ready to search
    shot(page, f"not-found-{lang}")
    page.press("#error-q", "Enter")
    page.wait_for_url(re.compile(r"/search\?q=dalete"))
