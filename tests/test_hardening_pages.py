"""Data is text from outside. A label holding markup, quotes and bidi controls is written through the
token-protected update, then every HTML page the site links to is read: the text must come out escaped
everywhere, every page must carry the security headers, no error may show a stack trace, and the
write token must never appear in a log or a response."""

from __future__ import annotations

import html.parser
import logging
import os
import subprocess
import sys
import urllib.parse
from collections import deque
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Dataset

import ld_support
from bolekg.settings import Limits
from hardening_support import limited_site
from ld_support import Site, fetch, free_port, query_url, wait_until_up

TOKEN = "pages-token-5f1c"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ITEM = "https://w3id.org/bolekg/id/item/1-01"
PLACE_QUERY = "SELECT ?p WHERE { ?p a <http://www.opengis.net/ont/geosparql#Feature> } ORDER BY ?p LIMIT 1"
#: Markup, both quotes, an ampersand, a right-to-left override and an isolate.
HOSTILE = ("<script>alert(\"owned\")</script> \"double\" 'single' & <b onmouseover=\"alert(1)\">bold</b> "
           "\u202eevil\u202c \u2067isolated\u2069")
RAW_MARKERS = ("<script>alert(", "<b onmouseover", 'onmouseover="alert')
BIDI = ("\u202e", "\u202c", "\u2067", "\u2069")
MAX_PAGES = 300
PER_FAMILY = 40

#: A token holder's own graph (any graph but the published ones), holding hostile labels for the pages.
HOSTILE_GRAPH = "https://example.org/hostile-notes"


def literal(text: str, lang: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"@{lang}'


@pytest.fixture(scope="module")
def site(real_dataset: Dataset) -> Iterator[Site]:
    with limited_site("embedded", None, real_dataset, Limits(timeout=10), token=TOKEN) as running:
        place = fetch(query_url(running.root, PLACE_QUERY), headers={"Accept": "text/tab-separated-values"})
        targets = [ITEM] + [line.strip()[1:-1] for line in place.text.splitlines()[1:]]
        triples = " ".join(
            f"<{iri}> <http://www.w3.org/2000/01/rdf-schema#label> {literal(HOSTILE, 'en')}, "
            f"{literal('恶意' + HOSTILE, 'zh')} ; <http://www.w3.org/2000/01/rdf-schema#comment> "
            f"{literal(HOSTILE, 'en')} ." for iri in targets)
        update = f"INSERT DATA {{ GRAPH <{HOSTILE_GRAPH}> {{ {triples} }} }}"
        reply = fetch(f"{running.root}/sparql", "POST", {"Content-Type": "application/sparql-update", **AUTH},
                      update.encode("utf-8"))
        assert reply.status == 204, reply.text
        yield running


class Links(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "action") and value:
                self.links.append(value)


def start_pages(site: Site) -> list[str]:
    """Every page route of the app (whatever blueprints exist now), plus the pages showing the label."""
    app = site.app
    pages = ["/", "/sparql?" + urllib.parse.urlencode(
        {"query": f"SELECT ?l WHERE {{ <{ITEM}> ?p ?l }}", "format": "html"}),
        "/" + ITEM.removeprefix("https://w3id.org/bolekg/"), "/def/", "/.well-known/void"]
    for rule in app.url_map.iter_rules():  # type: ignore[attr-defined]
        if "GET" in (rule.methods or ()) and not rule.arguments and not rule.rule.startswith("/static") \
                and rule.rule != "/favicon.ico":  # an image, not a page
            pages.append(rule.rule)
    if any(rule.rule == "/search" for rule in app.url_map.iter_rules()):  # type: ignore[attr-defined]
        for term in ("evil", "script", "double", "恶意", "bold"):
            pages.append("/search?" + urllib.parse.urlencode({"q": term}))
    return pages


def family(path: str) -> str:
    """Pages of one kind: the first path segment and the parameter names (``/id``, ``/search?q``)."""
    parts = urllib.parse.urlsplit(path)
    return parts.path.split("/")[1] + "?" + ",".join(sorted(urllib.parse.parse_qs(parts.query)))


def crawl(site: Site) -> dict[str, ld_support.Reply]:
    """Breadth first from every page route, at most :data:`PER_FAMILY` pages of one kind, so that the
    crawl reaches every kind of page rather than hundreds of one."""
    seen: dict[str, ld_support.Reply] = {}
    families: dict[str, int] = {}
    queue = deque(start_pages(site))
    while queue and len(seen) < MAX_PAGES:
        path = queue.popleft()
        if path in seen or families.get(family(path), 0) >= PER_FAMILY:
            continue
        families[family(path)] = families.get(family(path), 0) + 1
        reply = fetch(site.root + path, headers={"Accept": "text/html"})
        seen[path] = reply
        if not reply.header("Content-Type").startswith("text/html"):
            continue
        parser = Links()
        parser.feed(reply.text)
        for link in parser.links:
            target = urllib.parse.urljoin(path, link.split("#")[0])
            if not target.startswith("/") or target.startswith(("//", "/static/", "/dumps/")):
                continue
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(target).query)
            if query.get("format", ["html"])[0] != "html" or target.rsplit(".", 1)[-1] in ("ttl", "nt", "rdf",
                                                                                          "jsonld"):
                continue
            queue.append(target)
    return seen


@pytest.fixture(scope="module")
def pages(site: Site) -> dict[str, ld_support.Reply]:
    found = crawl(site)
    assert len(found) >= 20, "the crawl reached too few pages to prove anything"
    return found


def test_no_page_fails(pages: dict[str, ld_support.Reply]) -> None:
    failing = {path: reply.status for path, reply in pages.items() if reply.status >= 500}
    assert not failing


def test_data_is_escaped_on_every_page(pages: dict[str, ld_support.Reply]) -> None:
    for path, reply in pages.items():
        if not reply.header("Content-Type").startswith("text/html"):
            continue
        body = reply.text
        for marker in RAW_MARKERS:
            assert marker not in body, f"{path} shows raw markup from the data: {marker!r}"
        for control in BIDI:
            assert control not in body, f"{path} lets a bidi control (U+{ord(control):04X}) through"


def test_the_label_is_shown_escaped_not_dropped(pages: dict[str, ld_support.Reply]) -> None:
    """Escaping must not mean hiding: the pages about the item show the text, made harmless."""
    item_path = "/" + ITEM.removeprefix("https://w3id.org/bolekg/")
    shown = [path for path, reply in pages.items() if "&lt;script&gt;alert(" in reply.text]
    assert item_path in shown
    assert any(path.startswith("/sparql?") for path in shown)
    assert "[U+202E]evil[U+202C]" in pages[item_path].text


def test_security_headers_on_every_html_page(pages: dict[str, ld_support.Reply]) -> None:
    html_pages = {path: r for path, r in pages.items() if r.header("Content-Type").startswith("text/html")}
    assert html_pages
    for path, reply in html_pages.items():
        policy = reply.header("Content-Security-Policy")
        assert "default-src 'self'" in policy and "script-src 'self'" in policy, path
        assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy, path
        directives = [d.strip() for d in policy.split(";")]
        for directive in directives:  # only this server, data: images/fonts, never another host
            sources = directive.split()[1:]
            assert all(s in ("'self'", "'none'", "'unsafe-inline'", "data:") for s in sources), (path, directive)
        assert reply.header("X-Content-Type-Options") == "nosniff", path
        assert reply.header("Referrer-Policy") == "no-referrer", path


def test_headers_on_errors_and_other_formats(site: Site) -> None:
    missing = fetch(f"{site.root}/no/such/page", headers={"Accept": "text/html"})
    assert missing.status == 404
    assert missing.header("X-Content-Type-Options") == "nosniff"
    if missing.header("Content-Type").startswith("text/html"):
        assert "default-src 'self'" in missing.header("Content-Security-Policy")
    turtle = fetch(site.root + "/" + ITEM.removeprefix("https://w3id.org/bolekg/"), headers={"Accept": "text/turtle"})
    assert turtle.status == 200
    assert turtle.header("X-Content-Type-Options") == "nosniff"
    assert "alert(" in turtle.text  # RDF keeps the data as it is: escaping is the HTML view's job


def test_no_stack_trace_reaches_a_client(real_dataset: Dataset, caplog: pytest.LogCaptureFixture) -> None:
    """An unexpected failure answers 500 with a reference; the traceback goes to the log only."""
    from bolekg.store import EmbeddedStore
    from bolekg.web import create_app
    from ld_support import running as serve
    from ld_support import small_validator

    store = EmbeddedStore(validator=small_validator, workers=1)
    store.load(real_dataset)
    app = create_app({"STORE": store, "LIMITS": Limits(timeout=10)})

    def explode() -> str:
        raise RuntimeError("secret internal detail /etc/bolekg")

    app.add_url_rule("/explode", "explode", explode)
    try:
        with caplog.at_level(logging.ERROR, logger="bolekg.web"), serve(app) as root:
            reply = fetch(f"{root}/explode", headers={"Accept": "text/html"})
        assert reply.status == 500
        assert "reference" in reply.text
        assert "Traceback" not in reply.text and "secret internal detail" not in reply.text
        assert reply.header("X-Content-Type-Options") == "nosniff"
        reference = reply.text.split("reference ")[1].split(")")[0]
        assert any(reference in record.getMessage() and record.exc_info for record in caplog.records)
    finally:
        store.close()


def test_the_write_token_is_never_logged_or_echoed(tmp_path: Path) -> None:
    """A real ``bolekg serve`` with a token: writes with it, without it and with a wrong one; the token
    appears in no response and in nothing the server printed."""
    port = free_port()
    log_path = tmp_path / "serve.log"
    env = {**os.environ, "BOLEKG_WRITE_TOKEN": TOKEN, "BOLEKG_QUERY_WORKERS": "1"}
    with open(log_path, "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "bolekg.cli", "serve", "--port", str(port)], env=env,
                                   stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        root = f"http://127.0.0.1:{port}"
        replies = []
        try:
            wait_until_up(f"{root}/openapi.json", process, attempts=1200)
            update = (b"INSERT DATA { GRAPH <https://example.org/n> { <https://example.org/a> a "
                      b"<https://example.org/B> } }")
            for headers in (AUTH, {"Authorization": f"Bearer {TOKEN}x"}, {"Authorization": TOKEN}, {}):
                replies.append(fetch(f"{root}/sparql", "POST",
                                     {"Content-Type": "application/sparql-update", **headers}, update))
                replies.append(fetch(f"{root}/store?graph=https%3A%2F%2Fexample.org%2Fn", "PUT",
                                     {"Content-Type": "text/turtle", **headers}, b"<a> <b> <c> ."))
            replies.append(fetch(f"{root}/sparql", headers={"Accept": "text/turtle", **AUTH}))
        finally:
            ld_support.stop(process)
    statuses = [reply.status for reply in replies]
    assert 401 in statuses and 403 in statuses
    for reply in replies:
        assert TOKEN not in reply.text and all(TOKEN not in value for value in reply.headers.values())
    output = log_path.read_text(encoding="utf-8", errors="replace")
    assert "BoleKG is running" in output
    assert TOKEN not in output
