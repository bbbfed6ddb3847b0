# ruff: noqa: F811  (the fixtures imported from test_browser are parameters by name, as pytest wants)
"""``/curate/<report>`` in Debian's Chromium driven by Playwright, against the real app under waitress on
the real data with the project's full shapes: without a session the page refuses (401) and shows the
login; a person logs in with the write token and a name, accepts one fact, corrects one, rejects one,
and a bad correction is refused with the SHACL message shown in the page while store and draft stay as
they were. Forms without the session's CSRF value, or from another origin, are refused (403). The site
keeps ``Referrer-Policy: no-referrer``, so Chromium's own form posts arrive with ``Origin: null`` and are
told apart by ``Sec-Fetch-Site``.

The draft is the real extractor's, of a small report written for the tests (``curation_support``).
"""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Dataset

from bolekg.report.vocab import BK, RDF
from bolekg.services import curation
from bolekg.services.drafts import Drafts
from bolekg.store import EmbeddedStore
from curation_support import add_draft, fact_at, report_graph
from ld_support import Reply, Site, fetch, running
from test_browser import (  # noqa: F401  (fixtures, found by pytest by name)
    Browser,
    browser,
    playwright,
    pytestmark,
    shot,
)

TOKEN = "curation-test-token"
REPORT_ID = "cura-browser"
CURATOR = "赵六"
SUBSIDIES = "https://w3id.org/bolekg/id/indicator/subsidies-paid"


@pytest.fixture(scope="module")
def drafts(tmp_path_factory: pytest.TempPathFactory) -> Drafts:
    return Drafts(tmp_path_factory.mktemp("curation") / "drafts")


@pytest.fixture(scope="module")
def site(real_dataset: Dataset, drafts: Drafts) -> Iterator[Site]:
    """The app with the write token and the drafts directory, on a store with the project's full shapes."""
    from bolekg.web import create_app

    store = EmbeddedStore()
    store.load(real_dataset)
    app = create_app({"STORE": store, "WRITE_TOKEN": TOKEN, "DRAFTS_DIR": drafts.directory})
    try:
        with running(app) as root:
            yield Site(root, store, "embedded", app)
    finally:
        store.close()


def _form(page, fact: curation.Fact):  # type: ignore[no-untyped-def]
    return page.locator(f"form#f-{fact.local}")


def _label_every_new_entity(form) -> None:  # type: ignore[no-untyped-def]
    """Type an English label into each empty label field and pick the first kind of money offered."""
    fields = form.locator("input[name^='label:']")
    for number in range(fields.count()):
        field = fields.nth(number)
        if not field.input_value():
            field.fill(f"Browser test entity {number + 1}")
    kinds = form.locator("select[name^='kind:']")
    for number in range(kinds.count()):
        kinds.nth(number).select_option(index=1)


def test_curate_in_the_browser(browser: Browser, site: Site, drafts: Drafts, tmp_path: Path) -> None:
    draft = add_draft(drafts, tmp_path, REPORT_ID)
    people, money, plan, homes = (fact_at(draft, w) for w in ("3120人", "85万元", "4000人", "410户"))
    url = f"{browser.root}/curate/{REPORT_ID}"
    page = browser.page("en")

    # without a session: 401 and the login form, nothing of the draft
    response = page.goto(url)
    assert response is not None and response.status == 401
    assert page.locator("form.curate-login").count() == 1 and page.locator("form.fact-form").count() == 0
    browser.errors[:] = [e for e in browser.errors if "401" not in e]

    # log in with the keyboard: name, token, Enter
    page.fill("#curate-name", CURATOR)
    page.fill("#curate-token", TOKEN)
    page.press("#curate-token", "Enter")
    page.wait_for_url(re.compile(rf"/curate/{REPORT_ID}$"))
    assert page.locator("form.fact-form").count() == len(curation.facts(draft))
    marks = page.locator(".report-text mark").all_inner_texts()  # every quote marked in the text
    text = curation.report_text(draft)
    assert all(any(text[f.begin:f.end] in mark for mark in marks) for f in curation.facts(draft))
    cookie = next(c for c in browser.context.cookies() if c["name"] == "bolekg_curator")  # type: ignore[attr-defined]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/curate"
    shot(page, "curate-1-draft")

    # accept one fact, its new entities given English labels; the focus is visible on the button
    form = _form(page, people)
    _label_every_new_entity(form)
    form.locator("button[value=accept]").focus()
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"\?done=accept-1$"))
    assert page.locator("[role=status]").count() == 1 and _form(page, people).count() == 0

    # correct one: 85 万元 → 86 万元, counted by an indicator the graph has (picked from the shared list)
    form = _form(page, money)
    _label_every_new_entity(form)
    form.locator("input[name=value]").fill("86")
    assert page.locator(f"datalist#dl-indicator option[value='{SUBSIDIES}']").count() == 1
    form.locator("input[name=indicator]").fill(SUBSIDIES)
    form.locator("button[value=correct]").click()
    page.wait_for_url(re.compile(r"\?done=correct-1$"))

    # reject one, with a reason
    form = _form(page, plan)
    form.locator("input[name=reason]").fill("计划数,不是进展")
    form.locator("button[value=reject]").click()
    page.wait_for_url(re.compile(r"\?done=reject-1$"))

    # a bad correction: refused with the SHACL message in the page; nothing changes
    before_draft = drafts.path(REPORT_ID).read_bytes()
    before_graph = len(report_graph(site.store, REPORT_ID))
    form = _form(page, homes)
    _label_every_new_entity(form)
    form.locator("input[name=value]").fill("-410")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        form.locator("button[value=correct]").click()
    assert posted.value.status == 422
    alert = _form(page, homes).locator("[role=alert]")
    assert "cannot be negative" in alert.inner_text()
    browser.errors[:] = [e for e in browser.errors if "422" not in e]
    shot(page, "curate-2-refused")
    assert drafts.path(REPORT_ID).read_bytes() == before_draft
    assert len(report_graph(site.store, REPORT_ID)) == before_graph

    curated = report_graph(site.store, REPORT_ID)
    assert (people.iri, RDF.type, BK.Observation) in curated
    assert str(curated.value(money.iri, BK.actual)) == "86"
    assert str(curated.value(money.iri, BK.indicator)) == SUBSIDIES
    assert (plan.iri, None, None) not in curated and (homes.iri, None, None) not in curated
    kinds = {curated.value(d, BK.decisionAbout): curated.value(d, BK.decisionKind)
             for d in curated.subjects(RDF.type, BK.CurationDecision)}
    assert kinds == {people.iri: BK.Accepted, money.iri: BK.Corrected, plan.iri: BK.Rejected}
    left = {f.iri for f in curation.facts(drafts.read(REPORT_ID))}
    assert homes.iri in left and not left & {people.iri, money.iri, plan.iri}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def _login(url: str, headers: dict[str, str], body: bytes) -> Reply:
    """A login POST whose 303 is the answer (``fetch`` would follow it, without the cookie)."""
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.build_opener(_NoRedirect).open(request, timeout=60) as response:
            return Reply(response.status, {k.lower(): v for k, v in response.headers.items()}, response.read())
    except urllib.error.HTTPError as error:
        return Reply(error.code, {k.lower(): v for k, v in error.headers.items()}, error.read())


def test_forms_without_the_session_or_from_elsewhere_are_refused(site: Site, drafts: Drafts) -> None:
    url = f"{site.root}/curate/{REPORT_ID}"
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    body = urllib.parse.urlencode({"fact": "https://w3id.org/bolekg/id/obs/x", "decision": "reject",
                                   "reason": "x", "csrf": "guess"}).encode()
    assert fetch(url, "POST", {**form, "Origin": site.root}, body).status == 401  # no session
    wrong = urllib.parse.urlencode({"token": "not-it", "name": "x", "next": f"/curate/{REPORT_ID}"}).encode()
    assert fetch(f"{site.root}/curate/login", "POST", {**form, "Origin": site.root}, wrong).status == 403
    right = urllib.parse.urlencode({"token": TOKEN, "name": "x", "next": f"/curate/{REPORT_ID}"}).encode()
    assert fetch(f"{site.root}/curate/login", "POST", {**form, "Origin": "http://elsewhere.test"},
                 right).status == 403  # a login form posted from another site
    reply = _login(f"{site.root}/curate/login", {**form, "Origin": site.root}, right)
    assert reply.status == 303
    session = reply.header("Set-Cookie").split(";", 1)[0]
    assert fetch(url, headers={"Cookie": session}).status in (200, 404)  # logged in (404: no draft yet)
    # a logged-in browser tricked into posting from another site, or without the session's CSRF value
    assert fetch(url, "POST", {**form, "Cookie": session, "Origin": "http://elsewhere.test"}, body).status == 403
    assert fetch(url, "POST", {**form, "Cookie": session, "Origin": site.root}, body).status == 403
    assert fetch(url, "POST", {**form, "Cookie": session, "Origin": "null", "Sec-Fetch-Site": "cross-site"},
                 body).status == 403  # a sandboxed page elsewhere: Origin null, but the browser says cross-site
