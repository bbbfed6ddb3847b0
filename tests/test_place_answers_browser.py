# ruff: noqa: F811  (the fixtures imported from test_browser are parameters by name, as pytest wants)
"""A place's work by programme and theme in Chromium (issue 18): on a laptop the programmes are open;
on a phone they start folded (``place.js``) with their numbers showing, open on a tap, and nothing
scrolls sideways; axe-core finds nothing serious with every group open. Screenshots of the town's
answer go to ``tests/_artifacts/`` (``place-topics-…``)."""

from __future__ import annotations

import pytest

from page_kinds import DESKTOP, PHONE
from test_browser import (  # noqa: F401  (fixtures, found by pytest by name)
    ARTIFACTS,
    Browser,
    browser,
    playwright,
    pytestmark,
    site,
)
from test_workbench_people import axe_findings

TOWN = "/id/place/dalete-town"
FOLDS = "details.topic-fold"


def open_town(browser: Browser, lang: str, size: dict[str, int]):  # type: ignore[no-untyped-def]
    page = browser.page(lang)
    page.set_viewport_size(size)
    page.goto(browser.root + TOWN)
    page.wait_for_load_state("networkidle")
    return page


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_on_a_laptop_every_programme_is_open_and_axe_finds_nothing(browser: Browser, lang: str) -> None:
    page = open_town(browser, lang, DESKTOP)
    folds = page.locator(FOLDS)
    assert folds.count() >= 3
    assert all(folds.nth(i).evaluate("d => d.open") for i in range(folds.count()))
    for rest in page.locator("details.rest").all():   # the folded rest of each group, opened for axe
        rest.evaluate("d => { d.open = true; }")
    assert axe_findings(page) == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("section.topics").screenshot(path=str(ARTIFACTS / f"place-topics-{lang}-1366.png"))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_on_a_phone_the_programmes_fold_and_open_on_a_tap(browser: Browser, lang: str) -> None:
    page = open_town(browser, lang, PHONE)
    folds = page.locator(FOLDS)
    assert folds.count() >= 3
    assert not any(folds.nth(i).evaluate("d => d.open") for i in range(folds.count()))
    assert page.locator("#topics-missing li").first.is_visible()        # what is not mentioned, at once
    first = folds.first
    first.locator(":scope > summary").click()
    assert first.evaluate("d => d.open")
    assert first.locator("li.entry.here").first.is_visible()           # the town's heating projects
    for i in range(folds.count()):
        folds.nth(i).evaluate("d => { d.open = true; }")
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    assert axe_findings(page) == []
    page.screenshot(path=str(ARTIFACTS / f"place-topics-{lang}-390.png"), full_page=True)
