"""Weight and care (issue 18): gzip negotiated on every textual reply, fingerprinted static files with
long caching, a favicon, /quality ready at start, and friendly error pages — over real HTTP (waitress,
and ``bolekg serve`` where the start-up matters), on the real data."""

from __future__ import annotations

import gzip
import re
import urllib.parse
from collections.abc import Iterator

import pytest
from rdflib import Dataset

from ld_support import Reply, Site, fetch, serving

GZIP = {"Accept-Encoding": "gzip"}
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


@pytest.mark.parametrize(("path", "headers"), [(p, h) for _, p, h in COMPRESSED], ids=[n for n, _, _ in COMPRESSED])
def test_gzip_is_negotiated_and_round_trips(site: Site, path: str, headers: dict[str, str]) -> None:
    plain = fetch(site.root + path, headers=headers)
    packed = fetch(site.root + path, headers={**headers, **GZIP})
    assert plain.status == packed.status == 200, (plain.status, packed.status)
    assert plain.header("Content-Encoding") == "" and packed.header("Content-Encoding") == "gzip"
    assert gzip.decompress(packed.body) == plain.body
    assert len(packed.body) < len(plain.body)
    assert packed.header("Content-Type") == plain.header("Content-Type")
    assert "accept-encoding" in vary(plain) and "accept-encoding" in vary(packed)  # RFC 9110 §12.5.5
    if plain.header("Content-Length"):
        assert packed.header("Content-Length") == str(len(packed.body))
    if plain.header("ETag"):  # another representation, another tag (RFC 9110 §8.8.3)
        assert packed.header("ETag") == plain.header("ETag")[:-1] + '-gzip"'


@pytest.mark.parametrize("encoding", ["", "identity", "gzip;q=0", "br", "*;q=0, identity"])
def test_no_gzip_unless_asked(site: Site, encoding: str) -> None:
    headers = {**HTML, "Accept-Encoding": encoding} if encoding else HTML
    reply = fetch(site.root + "/", headers=headers)
    assert reply.status == 200 and reply.header("Content-Encoding") == ""
    assert reply.body.startswith(b"<!doctype html>")


def test_star_and_x_gzip_and_qvalues(site: Site) -> None:
    for encoding in ("*", "x-gzip", "br;q=1, gzip;q=0.5", "deflate, gzip"):
        reply = fetch(site.root + "/", headers={**HTML, "Accept-Encoding": encoding})
        assert reply.header("Content-Encoding") == "gzip", encoding
        assert gzip.decompress(reply.body).startswith(b"<!doctype html>")


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


def test_head_says_what_get_would_send(site: Site) -> None:
    got = fetch(site.root + "/", headers={**HTML, **GZIP})
    head = fetch(site.root + "/", "HEAD", headers={**HTML, **GZIP})
    assert head.status == 200 and head.body == b""
    assert head.header("Content-Encoding") == got.header("Content-Encoding") == "gzip"
    assert vary(head) == vary(got)


def test_a_range_request_gets_identity(site: Site) -> None:
    reply = fetch(site.root + "/static/bolekg.css", headers={**GZIP, "Range": "bytes=0-9"})
    assert reply.status == 206 and reply.header("Content-Encoding") == "" and len(reply.body) == 10


def test_a_dump_is_compressed_once_per_content(site: Site) -> None:
    files = site.app.wsgi_app.files  # type: ignore[attr-defined]
    first = fetch(site.root + "/dumps/bolekg.nt", headers=GZIP)
    copies = dict(files._entries)
    second = fetch(site.root + "/dumps/bolekg.nt", headers=GZIP)
    assert first.body == second.body and dict(files._entries) == copies
    assert any(str(path).endswith(".gz") for path in copies.values())
    assert re.search(r"attachment", second.header("Content-Disposition"))
