"""Weight and care (issue 18): gzip negotiated on every textual reply, fingerprinted static files with
long caching, a favicon, /quality ready at start, and friendly error pages — over real HTTP (waitress,
and ``bolekg serve`` where the start-up matters), on the real data."""

from __future__ import annotations

import gzip
import os
import re
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import brotli
import pytest
from rdflib import Dataset

import ld_support
from ld_support import Reply, Site, fetch, serving

GZIP = {"Accept-Encoding": "gzip"}
BR = {"Accept-Encoding": "br"}
#: How to undo each coding the site applies: gzip by the standard library, brotli by the reference bindings.
DECODE = {"gzip": gzip.decompress, "br": brotli.decompress}
HTML = {"Accept": "text/html"}
ITEM = "/id/item/1-01"
SELECT_CSV = "/sparql?" + urllib.parse.urlencode({"query": "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 200",
                                                  "format": "csv"})
SELECT_JSON = "/sparql?" + urllib.parse.urlencode({"query": "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 200"})


@pytest.fixture(scope="module")
def site(real_dataset: Dataset) -> Iterator[Site]:
    with serving("embedded", None, real_dataset) as running_site:
        yield running_site


def vary(reply: Reply) -> list[str]:
    return [name.strip().lower() for name in reply.header("Vary").split(",") if name.strip()]


# --- 1. compression -------------------------------------------------------------------------------------


#: A reply of each kind the issue names: HTML, JSON (search and SPARQL results), CSV (results and the
#: observations), a dump; each from another path through the app (views, the plain-WSGI query front, files).
COMPRESSED = [
    ("home", "/", HTML),
    ("item", ITEM, HTML),
    ("search-json", "/search?q=boleshi&format=json", {}),
    ("sparql-json", SELECT_JSON, {"Accept": "application/sparql-results+json"}),
    ("sparql-csv", SELECT_CSV, {}),
    ("turtle-document", ITEM, {"Accept": "text/turtle"}),
    ("dump", "/dumps/bolekg.ttl", {}),
    ("csv-dump", "/dumps/observations.csv", {}),
    ("stylesheet", "/static/bolekg.css", {}),
]


@pytest.mark.parametrize("coding", ["gzip", "br"])
@pytest.mark.parametrize(("path", "headers"), [(p, h) for _, p, h in COMPRESSED], ids=[n for n, _, _ in COMPRESSED])
def test_compression_is_negotiated_and_round_trips(site: Site, path: str, headers: dict[str, str],
                                                   coding: str) -> None:
    plain = fetch(site.root + path, headers=headers)
    packed = fetch(site.root + path, headers={**headers, "Accept-Encoding": coding})
    assert plain.status == packed.status == 200, (plain.status, packed.status)
    assert plain.header("Content-Encoding") == "" and packed.header("Content-Encoding") == coding
    assert DECODE[coding](packed.body) == plain.body  # decoded once: the body is not encoded twice
    assert len(packed.body) < len(plain.body)
    assert packed.header("Content-Type") == plain.header("Content-Type")
    assert "accept-encoding" in vary(plain) and "accept-encoding" in vary(packed)  # RFC 9110 §12.5.5
    if plain.header("Content-Length"):
        assert packed.header("Content-Length") == str(len(packed.body))
    if plain.header("ETag"):  # another representation, another tag (RFC 9110 §8.8.3)
        assert packed.header("ETag") == plain.header("ETag")[:-1] + f'-{coding}"'


@pytest.mark.parametrize("encoding", ["", "identity", "gzip;q=0", "br;q=0", "br;q=0, gzip;q=0", "*;q=0, identity",
                                      "deflate, zstd"])
def test_no_gzip_unless_asked(site: Site, encoding: str) -> None:
    headers = {**HTML, "Accept-Encoding": encoding} if encoding else HTML
    reply = fetch(site.root + "/", headers=headers)
    assert reply.status == 200 and reply.header("Content-Encoding") == ""
    assert reply.body.startswith(b"<!doctype html>")


def test_star_and_x_gzip_and_qvalues(site: Site) -> None:
    for encoding, coding in (("*", "gzip"), ("x-gzip", "gzip"), ("br;q=0.4, gzip;q=0.5", "gzip"),
                             ("deflate, gzip", "gzip"), ("br;q=0, *", "gzip"), ("gzip, deflate, br, zstd", "br"),
                             ("br;q=1, gzip;q=0.5", "br"), ("gzip;q=0, *", "br"), ("BR", "br")):
        reply = fetch(site.root + "/", headers={**HTML, "Accept-Encoding": encoding})
        assert reply.header("Content-Encoding") == coding, encoding
        assert DECODE[coding](reply.body).startswith(b"<!doctype html>")
        assert "accept-encoding" in vary(reply)


def test_a_browsers_accept_encoding_gets_brotli_for_each_kind(site: Site) -> None:
    """What Chromium and Firefox send: brotli is chosen for HTML, JSON, CSV and a dump, once encoded."""
    browser = {"Accept-Encoding": "gzip, deflate, br, zstd"}
    for _, path, headers in COMPRESSED:
        reply = fetch(site.root + path, headers={**headers, **browser})
        assert reply.status == 200 and reply.header("Content-Encoding") == "br", path
        decoded = brotli.decompress(reply.body)
        assert decoded == fetch(site.root + path, headers=headers).body, path
        with pytest.raises(brotli.error):  # not brotli inside brotli
            brotli.decompress(decoded)


def test_small_and_already_compressed_replies_are_left_alone(site: Site) -> None:
    small = fetch(site.root + "/sparql?query=ASK%7B%7D", headers={"Accept": "application/sparql-results+json",
                                                                  **GZIP})
    assert small.status == 200 and small.header("Content-Encoding") == ""
    assert "accept-encoding" not in vary(small)  # never compressed, so it does not vary
    icon = fetch(site.root + "/favicon.ico", headers=GZIP)
    assert icon.status == 200 and icon.header("Content-Encoding") in ("", "gzip")


def test_revalidating_the_gzip_copy_gets_a_304_with_its_own_tag(site: Site) -> None:
    plain = fetch(site.root + ITEM, headers={"Accept": "text/turtle"})
    packed = fetch(site.root + ITEM, headers={"Accept": "text/turtle", **GZIP})
    tag = packed.header("ETag")
    assert tag.endswith('-gzip"') and tag != plain.header("ETag")
    again = fetch(site.root + ITEM, headers={"Accept": "text/turtle", **GZIP, "If-None-Match": tag})
    assert again.status == 304 and again.body == b"" and again.header("ETag") == tag
    identity = fetch(site.root + ITEM, headers={"Accept": "text/turtle", "If-None-Match": plain.header("ETag")})
    assert identity.status == 304 and identity.header("ETag") == plain.header("ETag")
    # the gzip tag does not validate the identity copy: a client without gzip gets the body
    crossed = fetch(site.root + ITEM, headers={"Accept": "text/turtle", "If-None-Match": tag})
    assert crossed.status == 200 and crossed.body == plain.body
    # nor the brotli copy: each coding revalidates its own tag
    packed_br = fetch(site.root + ITEM, headers={"Accept": "text/turtle", **BR})
    tag_br = packed_br.header("ETag")
    assert tag_br.endswith('-br"') and tag_br[:-4] == tag[:-6]
    again_br = fetch(site.root + ITEM, headers={"Accept": "text/turtle", **BR, "If-None-Match": tag_br})
    assert again_br.status == 304 and again_br.header("ETag") == tag_br
    crossed_br = fetch(site.root + ITEM, headers={"Accept": "text/turtle", **BR, "If-None-Match": tag})
    assert crossed_br.status == 200 and brotli.decompress(crossed_br.body) == plain.body


@pytest.mark.parametrize("coding", ["gzip", "br"])
def test_head_says_what_get_would_send(site: Site, coding: str) -> None:
    asked = {"Accept-Encoding": coding}
    got = fetch(site.root + "/", headers={**HTML, **asked})
    head = fetch(site.root + "/", "HEAD", headers={**HTML, **asked})
    assert head.status == 200 and head.body == b""
    assert head.header("Content-Encoding") == got.header("Content-Encoding") == coding
    assert vary(head) == vary(got)


@pytest.mark.parametrize("coding", ["gzip", "br"])
def test_a_range_request_gets_identity(site: Site, coding: str) -> None:
    reply = fetch(site.root + "/static/bolekg.css", headers={"Accept-Encoding": coding, "Range": "bytes=0-9"})
    assert reply.status == 206 and reply.header("Content-Encoding") == "" and len(reply.body) == 10


def test_a_dump_is_compressed_once_per_content(site: Site) -> None:
    files = site.app.wsgi_app.files  # type: ignore[attr-defined]
    first = fetch(site.root + "/dumps/bolekg.nt", headers=GZIP)
    copies = dict(files._entries)
    second = fetch(site.root + "/dumps/bolekg.nt", headers=GZIP)
    assert first.body == second.body and dict(files._entries) == copies
    assert any(str(path).endswith(".gz") for path in copies.values())
    assert re.search(r"attachment", second.header("Content-Disposition"))
    # a brotli copy beside it, also made once, and the gzip copy kept
    first_br = fetch(site.root + "/dumps/bolekg.nt", headers=BR)
    with_br = dict(files._entries)
    second_br = fetch(site.root + "/dumps/bolekg.nt", headers=BR)
    assert first_br.body == second_br.body and dict(files._entries) == with_br
    assert set(copies.items()) < set(with_br.items())
    assert any(str(path).endswith(".br") for path in with_br.values())
    assert brotli.decompress(first_br.body) == gzip.decompress(first.body) == fetch(site.root + "/dumps/bolekg.nt").body


def test_accept_encoding_is_read_as_rfc_9110_says() -> None:
    from bolekg.web.compression import accepted_coding

    for header, coding in (("gzip", "gzip"), ("GZIP;q=0.5", "gzip"), ("x-gzip", "gzip"), ("*", "gzip"),
                           ("br, *;q=0.1", "br"), ("gzip;q=0", None), ("*;q=0", None), ("identity", None),
                           ("br", "br"), ("gzip, br", "br"), ("br;q=0.5, gzip", "gzip"), ("gzip, *", "gzip"),
                           ("br;q=0.8, *;q=0.9", "gzip"), ("gzip;q=0.8, *;q=0.9", "br"), ("br;q=0", None),
                           ("", None), (None, None), (";;;,,,", None), ("gzip;q=abc", None)):
        assert accepted_coding(header) == coding, header


@pytest.mark.parametrize("coding", ["gzip", "br"])
def test_a_streamed_body_is_compressed_piece_by_piece(coding: str) -> None:
    """A reply the app yields in pieces, of unknown length, leaves compressed as it is produced: the first
    compressed bytes are out before the app has made its last piece, and the whole decompresses to it."""

    from bolekg.web.compression import Compress

    made: list[int] = []
    piece = b"subject predicate object .\n" * 4000

    def app(environ, start_response):  # type: ignore[no-untyped-def]
        start_response("200 OK", [("Content-Type", "application/n-triples")])
        for number in range(5):
            made.append(number)
            yield piece

    sent: dict[str, object] = {}
    body = Compress(app)({"REQUEST_METHOD": "GET", "HTTP_ACCEPT_ENCODING": coding},
                         lambda status, headers: sent.update(status=status, headers=dict(headers)))
    chunks = iter(body)
    first = next(chunks)
    assert made != [0, 1, 2, 3, 4], "the app had made every piece before the first was sent"
    rest = b"".join(chunks)
    headers = sent["headers"]
    assert isinstance(headers, dict) and headers["Content-Encoding"] == coding and "Content-Length" not in headers
    assert DECODE[coding](first + rest) == piece * 5


# --- 2. fingerprinted static files, the favicon -----------------------------------------------------------


def static_urls(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', html)


def test_pages_name_static_files_by_fingerprint_and_those_are_immutable(site: Site) -> None:
    from bolekg.paths import WEB_DIR
    from bolekg.web.assets import fingerprint

    html = fetch(site.root + "/sparql", headers=HTML).text  # the workbench: a stylesheet, scripts, the icon
    urls = static_urls(html)
    assert len(urls) >= 5, urls
    for url in urls:
        path, _, query = url.partition("?")
        name = path.removeprefix("/static/").replace("&amp;", "&")
        assert query == f"v={fingerprint(WEB_DIR / 'static' / name)}", url
        reply = fetch(site.root + url.replace("&amp;", "&"))
        assert reply.status == 200 and reply.header("Cache-Control") == "public, max-age=31536000, immutable", url
    bare = fetch(site.root + "/static/bolekg.css")  # an old link without the fingerprint still works
    assert bare.status == 200 and bare.header("Cache-Control") == "public, max-age=600"
    stale = fetch(site.root + "/static/bolekg.css?v=000000000000")  # never immutable for other bytes
    assert stale.status == 200 and "immutable" not in stale.header("Cache-Control")
    assert fetch(site.root + "/static/nothing.css?v=1").status == 404


def test_a_changed_file_has_another_fingerprint(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import os

    from bolekg.web.assets import fingerprint

    sheet = tmp_path / "a.css"
    sheet.write_text("body { color: #000 }")
    first = fingerprint(sheet)
    assert re.fullmatch(r"[0-9a-f]{12}", first) and fingerprint(sheet) == first
    sheet.write_text("body { color: #111 }")  # same size: the bytes are hashed again all the same
    os.utime(sheet, ns=(1, 1))
    assert fingerprint(sheet) != first


def test_favicon(site: Site) -> None:
    html = fetch(site.root + "/", headers=HTML).text
    icon = re.search(r'<link rel="icon" href="(/static/favicon\.svg\?v=[0-9a-f]{12})" type="image/svg\+xml">', html)
    assert icon, "the pages link their SVG icon"
    svg = fetch(site.root + icon.group(1))
    assert svg.status == 200 and svg.header("Content-Type").startswith("image/svg+xml") and b"<svg" in svg.body
    ico = fetch(site.root + "/favicon.ico")
    assert ico.status == 200 and ico.header("Content-Type") == "image/vnd.microsoft.icon"
    assert ico.body[:4] == b"\x00\x00\x01\x00"  # an ICO (ICONDIR: reserved 0, type 1)
    assert ico.header("Cache-Control") == "public, max-age=2592000"


# --- 5-7. skip link, figures, search landmarks (in the HTML; tests/test_browser.py drives them) --------------


@pytest.mark.parametrize(("lang", "skip"), [("zh", "跳到正文"), ("en", "Skip to content")])
def test_skip_link_is_first_and_main_is_its_target(site: Site, lang: str, skip: str) -> None:
    for path in ("/", ITEM, "/reader", "/dashboard", "/search?q=boleshi"):
        html = fetch(site.root + path, headers={**HTML, "Accept-Language": lang}).text
        body = html.split("<body>", 1)[1]
        first = re.search(r"<(a|button|input|select|textarea)\b[^>]*>", body)
        assert first and 'class="skip-link" href="#content"' in first.group(0), (path, first)
        assert f">{skip}</a>" in body
        assert '<main id="content" tabindex="-1">' in body


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_search_landmarks_have_distinct_names(site: Site, lang: str) -> None:
    for path in ("/", "/search?q=boleshi"):
        html = fetch(site.root + path, headers={**HTML, "Accept-Language": lang}).text
        forms = re.findall(r'<form[^>]*role="search"[^>]*>', html)
        names = [re.search(r'aria-label="([^"]+)"', form) for form in forms]
        assert len(forms) == 2 and all(names), forms
        assert len({name.group(1) for name in names if name}) == 2, forms


@pytest.mark.parametrize("path", [ITEM, "/id/place/bole-city", "/dashboard"])
def test_no_link_inside_an_image(site: Site, path: str) -> None:
    html = fetch(site.root + path, headers=HTML).text
    figures = re.findall(r"<svg.*?</svg>", html, flags=re.S)
    assert figures, path
    for svg in figures:
        tag = svg[:svg.index(">") + 1]
        if "<a " in svg:
            assert 'role="group"' in tag and "aria-labelledby=" in tag, tag
        else:
            assert 'role="img"' in tag, tag


# --- 9. friendly errors -----------------------------------------------------------------------------------


BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.mark.parametrize(("lang", "title"), [("zh", "找不到这个页面"), ("en", "Page not found")])
@pytest.mark.parametrize("path", ["/no/such/page", "/id/item/99-99", "/dumps/bolekg.xyz"])
def test_a_404_for_a_person_is_a_page_in_their_language(site: Site, lang: str, title: str, path: str) -> None:
    reply = fetch(site.root + path, headers={**BROWSER, "Accept-Language": lang})
    assert reply.status == 404
    assert reply.header("Content-Type") == "text/html; charset=utf-8"
    html = reply.text
    assert f'<html lang="{lang}">' in html and f"<h1>{title}</h1>" in html
    assert '<nav aria-label="' in html and 'href="/browse"' in html  # the site's navigation
    assert len(re.findall(r'<form[^>]*role="search"', html)) == 2  # the header's and the page's own
    assert 'class="skip-link"' in html
    assert reply.header("Content-Security-Policy")  # the same safety as every page
    assert {"accept", "accept-language"} <= set(vary(reply))


def test_a_405_for_a_person_keeps_its_allow_header(site: Site) -> None:
    reply = fetch(site.root + "/reader", "POST", headers={**BROWSER, "Accept-Language": "en"}, data=b"x=1")
    assert reply.status == 405 and "GET" in reply.header("Allow")
    assert "<h1>This address cannot be used that way</h1>" in reply.text


@pytest.mark.parametrize("headers", [{}, {"Accept": "*/*"}, {"Accept": "text/turtle"}, {"Accept": "application/json"},
                                     {"Accept": "text/plain"}])
def test_machine_clients_keep_their_errors(site: Site, headers: dict[str, str]) -> None:
    reply = fetch(site.root + "/id/item/99-99", headers=headers)
    assert reply.status == 404 and reply.header("Content-Type").startswith("text/plain")
    assert reply.text.startswith("Nothing is known about <")
    dump = fetch(site.root + "/dumps/bolekg.xyz", headers=headers)
    assert dump.status == 404 and dump.text.startswith("No dump called")


def test_the_endpoints_errors_stay_the_protocols(site: Site) -> None:
    """Even a browser's Accept gets the SPARQL endpoint's and the Graph Store's own errors."""
    syntax = fetch(site.root + "/sparql?query=SELECT", headers=BROWSER)
    assert syntax.status == 400 and syntax.header("Content-Type").startswith("text/plain")
    put = fetch(site.root + "/sparql?query=ASK%7B%7D", "PUT", headers=BROWSER, data=b"")
    assert put.status == 405 and "skip-link" not in put.text  # as before: Werkzeug's own


# --- 3. /quality ready at start, and gzip through the real front ---------------------------------------------


@pytest.fixture(scope="module")
def served(real_dataset: Dataset, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real ``bolekg serve`` (Granian, the RSGI front, the worker it forks) of the real data."""
    home = ld_support.make_home(tmp_path_factory.mktemp("care-home"), real_dataset)
    env = {**os.environ, "TMPDIR": str(tmp_path_factory.mktemp("care-tmp"))}
    with ld_support.serve_home(home, env) as root:
        yield root


def test_quality_is_ready_at_start_not_validated_by_the_first_view(served: str) -> None:
    """The first view of /quality after ``bolekg serve`` started validates nothing: the store's gate judged
    the data at load under the project's shapes, and the page shows that verdict (it says who paid)."""
    first = fetch(served + "/quality", headers={**HTML, "Accept-Language": "en"})
    assert first.status == 200
    assert 'data-built-by="load"' in first.text, re.findall(r'<p class="hint validated".*?</p>', first.text)
    assert "Validated when the data was loaded" in first.text
    again = fetch(served + "/quality", headers={**HTML, "Accept-Language": "zh"})
    assert 'data-built-by="load"' in again.text and "数据载入或最近一次变更时已完成校验" in again.text


def test_the_page_shows_the_gates_verdict_not_a_new_one(real_dataset: Dataset) -> None:
    """A store loaded through the gate under the project's shapes keeps the verdict: the page's data
    comes from it, the same as a validation of its own would give, and no validation runs for it."""
    from bolekg.pages import quality
    from bolekg.store import EmbeddedStore

    store = EmbeddedStore()  # the project's shapes
    try:
        store.load(real_dataset)
        assert store.validated is not None and store.validated.version == store.version().etag
        before = dict(quality.builds)
        kept = quality.build(store)
        assert kept.built_by == "load" and quality.builds["request"] == before.get("request", 0)
        store.validated = None  # as for a store opened from disk: the page validates itself
        fresh = quality.build(store)
        assert fresh.built_by == "request"
        assert (kept.conforms, kept.violations, kept.triples, len(kept.findings)) == \
            (fresh.conforms, fresh.violations, fresh.triples, len(fresh.findings))
    finally:
        store.close()


def test_a_view_validates_when_nothing_warmed_it(site: Site) -> None:
    """Under another server than ``bolekg serve`` (here waitress, no warm-up), the first view validates:
    the counter moves by one, and the next view finds it kept."""
    from bolekg.pages import quality

    before = quality.builds["request"]
    first = fetch(site.root + "/quality", headers=HTML)
    assert 'data-built-by="request"' in first.text and quality.builds["request"] == before + 1
    fetch(site.root + "/quality", headers=HTML)
    assert quality.builds["request"] == before + 1


def test_warm_up_builds_once_and_the_view_finds_it(real_dataset: Dataset) -> None:
    """:func:`bolekg.web.pages.warm_up` on an app of its own: one validation, by the start-up; the first
    view after it triggers none."""
    from bolekg.pages import quality
    from bolekg.store import EmbeddedStore
    from bolekg.web import create_app
    from bolekg.web.pages import warm_up

    store = EmbeddedStore(validator=ld_support.small_validator)
    store.load(real_dataset)
    app = create_app({"STORE": store})
    try:
        before = dict(quality.builds)
        warm_up(app).join()
        assert quality.builds["start-up"] == before.get("start-up", 0) + 1
        with ld_support.running(app) as root:
            page = fetch(root + "/quality", headers=HTML)
        assert page.status == 200 and 'data-built-by="start-up"' in page.text
        assert quality.builds["request"] == before.get("request", 0)
    finally:
        store.close()


def test_gzip_through_the_real_front_and_its_replies_kept(served: str) -> None:
    """Under ``bolekg serve``: pages, files sent from disk and SPARQL answers replayed by the front are
    compressed as under waitress, and a reply the front replays on its event loop says what the WSGI
    path says (``Vary``), for a client with and one without gzip."""
    for path, headers in (("/", HTML), (ITEM, HTML), ("/dumps/bolekg.ttl", {}), ("/static/bolekg.css", {})):
        plain = fetch(served + path, headers=headers)
        packed = fetch(served + path, headers={**headers, **GZIP})
        assert packed.header("Content-Encoding") == "gzip" and gzip.decompress(packed.body) == plain.body, path
        packed_br = fetch(served + path, headers={**headers, **BR})
        assert packed_br.header("Content-Encoding") == "br", path
        assert brotli.decompress(packed_br.body) == plain.body, path
    for _ in range(3):  # the first computes the answer; the others are replayed
        plain = fetch(served + SELECT_JSON, headers={"Accept": "application/sparql-results+json"})
        packed = fetch(served + SELECT_JSON, headers={"Accept": "application/sparql-results+json", **GZIP})
        assert plain.header("Content-Encoding") == "" and "accept-encoding" in vary(plain)
        assert packed.header("Content-Encoding") == "gzip" and gzip.decompress(packed.body) == plain.body
        packed_br = fetch(served + SELECT_JSON, headers={"Accept": "application/sparql-results+json", **BR})
        assert packed_br.header("Content-Encoding") == "br" and brotli.decompress(packed_br.body) == plain.body
    small = "/sparql?query=ASK%7B%7D"
    for _ in range(2):
        reply = fetch(served + small, headers={"Accept": "application/sparql-results+json", **GZIP})
        assert reply.header("Content-Encoding") == "" and "accept-encoding" not in vary(reply)


def test_the_dump_is_sent_from_a_file_under_the_front(served: str, tmp_path: Path) -> None:
    """The gzip copy of a dump is a file the front hands to Granian, as the dump itself is: its length is
    known before a byte is sent."""
    packed = fetch(served + "/dumps/bolekg.nt", headers=GZIP)
    assert packed.status == 200 and packed.header("Content-Length") == str(len(packed.body))
    assert gzip.decompress(packed.body) == fetch(served + "/dumps/bolekg.nt").body
