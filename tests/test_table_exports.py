"""The downloads under the pages' tables (issue 18), over real HTTP on every backend the pages run on.

Each download is found the way a person finds it, through its link on the page, and checked against
what that page shows: the same rows (an item's figures, a place's lists, every page of a browse
result with its filters), names beside the IRIs, the quote inside its whole sentence, and the same
cells as the site-wide CSV for the same figures. The three forms agree: JSON holds the CSV's rows,
and the Excel CSV is the CSV after a byte order mark. Limits are checked as in
``test_hardening_pages.py``: an app with a small row cap, whose downloads are cut there and say so.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import urllib.parse
from collections.abc import Iterator

import pytest
from rdflib import Dataset

from bolekg.pages import kinds
from bolekg.pages import tables as table_pages
from bolekg.pages.common import Context
from bolekg.services.tables import BOM, Table, to_csv
from bolekg.services.tidy import COLUMNS, LABELLED
from bolekg.settings import Limits
from bolekg.store import GraphStore
from hardening_support import limited_site
from ld_support import Reply, Site, fetch, serving_kind

ZH = {"Accept": "text/html", "Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept": "text/html", "Accept-Language": "en-GB,en;q=0.9"}
BASE = "https://w3id.org/bolekg/"
DEF = BASE + "def/"
ITEM = "/id/item/1-02"
TOWN = "/id/place/dalete-town"
CITY = "/id/place/bole-city"
PROJECT = "/id/project/dalete-coal-to-electric-heating"
PROGRAMME = "/id/programme/benefit-projects"
AGENCY = "/id/org/bole-housing-bureau"
OBSERVATIONS = f"/browse?class={DEF}Observation"
#: A browse result of several pages with two filters: the city's figures (and its places') that are actuals.
FILTERED = OBSERVATIONS + "&" + urllib.parse.urlencode({"within": BASE + "id/place/bole-city",
                                                        "measure": DEF + "actual"})


@pytest.fixture(scope="module", params=["embedded", "disk", "remote", "virtuoso"])
def site(request: pytest.FixtureRequest, real_dataset: Dataset,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with serving_kind(request, real_dataset, tmp_path_factory, "exports") as running_site:
        yield running_site


@pytest.fixture(scope="module")
def site_wide(site: Site) -> dict[str, dict[str, str]]:
    """The site-wide CSV's rows by observation: what every figure download must agree with."""
    reply = fetch(site.root + "/dumps/observations.csv")
    assert reply.status == 200
    return {row["observation"]: row for row in csv.DictReader(io.StringIO(reply.text, newline=""))}


def page(site: Site, path: str, headers: dict[str, str] = ZH) -> str:
    reply = fetch(site.root + path, headers=headers)
    assert reply.status == 200, (path, reply.text[:300])
    return reply.text


def downloads(body: str) -> list[dict[str, str]]:
    """Per table on the page, its download links by their text."""
    found = []
    for block in re.findall(r'<p class="downloads">(.*?)</p>', body, flags=re.S):
        found.append({html.unescape(label): html.unescape(href)
                      for href, label in re.findall(r'<a href="([^"]+)" download>([^<]+)</a>', block)})
    return found


def links_of(body: str, table: str) -> dict[str, str]:
    """The download links of ``table`` (``figures``, ``inside``…) on the page, by format."""
    for found in downloads(body):
        hrefs = list(found.values())
        if hrefs and urllib.parse.urlsplit(hrefs[0]).path == f"/exports/{table}":
            by_format = {}
            for href in hrefs:
                query = urllib.parse.parse_qs(urllib.parse.urlsplit(href).query)
                by_format["excel" if query.get("excel") else query["format"][0]] = href
            return by_format
    raise AssertionError(f"no download links for {table}")


def heading_count(body: str, heading: str) -> int:
    found = re.search(rf'<h2 id="{heading}">[^<]*\((\d+)\)</h2>', body)
    assert found is not None, heading
    return int(found.group(1))


def table_rows(body: str, heading: str) -> str:
    """The HTML of the section under ``heading``."""
    found = re.search(rf'<h2 id="{heading}">.*?</section>', body, flags=re.S)
    assert found is not None, heading
    return found.group(0)


def parsed(reply: Reply) -> tuple[list[str], list[dict[str, str]]]:
    assert reply.status == 200, reply.text[:300]
    assert reply.header("Content-Type") == "text/csv; charset=utf-8"
    assert not reply.body.startswith(BOM)
    assert reply.body.endswith(b"\r\n") and reply.body.split(b"\r\n", 1)[0].count(b"\n") == 0  # RFC 4180 CRLF
    reader = csv.DictReader(io.StringIO(reply.body.decode("utf-8"), newline=""))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


def disposition(reply: Reply) -> str:
    """The file name of an attachment (RFC 6266 §4.1: a token or a quoted string)."""
    found = re.match(r'attachment; filename=(?:"([^"]+)"|([^";\s]+))', reply.header("Content-Disposition"))
    assert found is not None, reply.header("Content-Disposition")
    return found.group(1) or found.group(2)


def check_forms(site: Site, links: dict[str, str], stem: str) -> tuple[list[str], list[dict[str, str]]]:
    """The CSV, JSON and Excel CSV of one table agree; each is an attachment named ``stem`` + its suffix."""
    plain = fetch(site.root + links["csv"])
    columns, rows = parsed(plain)
    assert disposition(plain) == stem + ".csv"
    excel = fetch(site.root + links["excel"])
    assert excel.status == 200 and excel.header("Content-Type") == "text/csv; charset=utf-8"
    assert excel.body.startswith(BOM) and excel.body[len(BOM):] == plain.body
    assert disposition(excel) == stem + ".excel.csv"
    as_json = fetch(site.root + links["json"])
    assert as_json.status == 200 and as_json.header("Content-Type").startswith("application/json")
    assert disposition(as_json) == stem + ".json"
    body = json.loads(as_json.body)
    assert body["columns"] == columns and body["rows"] == rows and body["count"] == len(rows)
    assert body["truncated"] is False
    return columns, rows


def check_names(columns: list[str], rows: list[dict[str, str]], lang: str) -> None:
    """Every IRI column has its two name columns before it, the page's language first; the names are
    names (filled, never an IRI) wherever the IRI is given."""
    other = "en" if lang == "zh" else "zh"
    labelled = [c for c in columns if f"{c}_zh" in columns]
    assert labelled
    for name in labelled:
        at = columns.index(name)
        assert columns[at - 2: at] == [f"{name}_{lang}", f"{name}_{other}"], columns
        for row in rows:
            if row[name]:
                assert row[name].startswith("http"), (name, row[name])
                for code in ("zh", "en"):
                    assert row[f"{name}_{code}"] and "://" not in row[f"{name}_{code}"], (name, code, row)


def check_figures(columns: list[str], rows: list[dict[str, str]], site_wide: dict[str, dict[str, str]],
                  lang: str) -> None:
    """Figure rows: the site-wide table's columns and cells, the quote inside its whole sentence."""
    assert sorted(columns) == sorted(COLUMNS)
    check_names(columns, rows, lang)
    assert set(LABELLED) <= set(columns)
    for row in rows:
        assert row == site_wide[row["observation"]]
        assert row["quote_text"] and row["quote_text"] in row["sentence_text"]
        assert row["value"] and row["normalised_value"] and row["unit_zh"] and row["unit_en"]
    assert [row["observation"] for row in rows] == sorted(row["observation"] for row in rows)


def observations_shown(section: str) -> list[str]:
    return [BASE + href.removeprefix("/") for href in re.findall(r'<a class="obs-link" href="([^"]+)"', section)]


@pytest.mark.parametrize("headers, lang", [(ZH, "zh"), (EN, "en")])
def test_item_figures(site: Site, site_wide: dict[str, dict[str, str]], headers: dict[str, str], lang: str) -> None:
    body = page(site, ITEM, headers)
    section = table_rows(body, "h-figures")
    shown = observations_shown(section)
    assert len(shown) == heading_count(body, "h-figures") > 0
    columns, rows = check_forms(site, links_of(body, "figures"), "bolekg-item-1-02-figures")
    assert len(rows) == len(shown) and {r["observation"] for r in rows} == set(shown)
    check_figures(columns, rows, site_wide, lang)
    assert {r["item"] for r in rows} == {BASE + "id/item/1-02"}
    assert {r[f"item_{lang}"] for r in rows} == {"社会保障方面" if lang == "zh" else "Social security"}


@pytest.mark.parametrize("path, stem", [(PROJECT, "bolekg-project-dalete-coal-to-electric-heating-figures"),
                                        (PROGRAMME, "bolekg-programme-benefit-projects-figures"),
                                        (AGENCY, "bolekg-org-bole-housing-bureau-figures")])
def test_project_and_programme_figures(site: Site, site_wide: dict[str, dict[str, str]], path: str,
                                       stem: str) -> None:
    """A project with one figure (a selection of one, which Virtuoso 7.2 answered wrongly), a
    programme's figures through its items and their projects, and the figures the report attributes to
    an organisation (``prov:wasAttributedTo``)."""
    body = page(site, path)
    shown = observations_shown(table_rows(body, "h-figures"))
    columns, rows = check_forms(site, links_of(body, "figures"), stem)
    assert sorted(r["observation"] for r in rows) == sorted(shown) and len(rows) == heading_count(body, "h-figures")
    check_figures(columns, rows, site_wide, "zh")


@pytest.mark.parametrize("path, stem", [(TOWN, "bolekg-place-dalete-town"), (CITY, "bolekg-place-bole-city")])
def test_place_lists(site: Site, site_wide: dict[str, dict[str, str]], path: str, stem: str) -> None:
    body = page(site, path)
    # figures: every one the heading counts (the city's page shows the first 40), in the page's order
    shown = observations_shown(table_rows(body, "h-figures"))
    columns, rows = check_forms(site, links_of(body, "figures"), stem + "-figures")
    assert len(rows) == heading_count(body, "h-figures") >= len(shown) > 0
    assert [r["observation"] for r in rows][: len(shown)] == sorted(shown)
    check_figures(columns, rows, site_wide, "zh")
    # initiatives here and inside, and (a town) those covering it city-wide: the page's rows
    for table, heading in (("initiatives", "h-here"), ("wider", "h-wider")):
        if f'id="{heading}"' not in body:
            continue
        section = table_rows(body, heading)
        columns, rows = check_forms(site, links_of(body, table), f"{stem}-{table}")
        assert columns == ["initiative_zh", "initiative_en", "initiative", "place_zh", "place_en", "place"]
        check_names(columns, rows, "zh")
        shown_rows = re.findall(r'<tr><th scope="row"><a href="([^"]+)">.*?</th><td><a href="([^"]+)"', section)
        # the download holds every row the heading counts; the page shows the first of them (a city's
        # own list is cut for a phone, kinds.PLACE_LIST_SHOWN; what covers a town is not, WIDER_SHOWN)
        cut = kinds.PLACE_LIST_SHOWN if table == "initiatives" else kinds.WIDER_SHOWN
        assert len(rows) == heading_count(body, heading) > 0
        assert len(shown_rows) == min(len(rows), cut)
        assert {(BASE + i.removeprefix("/"), BASE + w.removeprefix("/")) for i, w in shown_rows} <= \
            {(r["initiative"], r["place"]) for r in rows}
    if path == TOWN:
        assert 'id="h-wider"' in body  # the town's "also covered city-wide" list was checked
    else:
        columns, rows = check_forms(site, links_of(body, "inside"), f"{stem}-inside")
        assert columns == ["place_zh", "place_en", "place", "type_zh", "type_en", "type"]
        check_names(columns, rows, "zh")
        assert len(rows) == heading_count(body, "h-inside") > 0
        assert BASE + "id/place/dalete-town" in {r["place"] for r in rows}
        dalete = next(r for r in rows if r["place"] == BASE + "id/place/dalete-town")
        assert dalete["place_zh"] == "达勒特镇" and dalete["place_en"] == "Dalete Town"


def listed(site: Site, start: str) -> list[str]:
    """The figures on every page of a browse result, following rel=next."""
    found: list[str] = []
    link = start
    while link:
        body = page(site, link)
        found += observations_shown(body)
        after = re.search(r'<a rel="next" href="([^"]+)"', body)
        link = html.unescape(after.group(1)) if after else ""
    return found


@pytest.mark.parametrize("start, stem", [
    (FILTERED, "bolekg-browse-observation-measure-actual-within-bole-city"),
    (OBSERVATIONS + "&" + urllib.parse.urlencode({"within": BASE + "id/place/dalete-town"}),
     "bolekg-browse-observation-within-dalete-town")])
def test_browse_result_with_its_filters(site: Site, site_wide: dict[str, dict[str, str]], start: str,
                                        stem: str) -> None:
    every = listed(site, start)
    columns, rows = check_forms(site, links_of(page(site, start), "browse"), stem)
    assert [r["observation"] for r in rows] == sorted(every) and len(rows) == len(set(every)) > 0
    check_figures(columns, rows, site_wide, "zh")
    if "measure" in start:
        assert len(every) > 50  # more than one page
        assert {r["measure_type"] for r in rows} == {"actual"}


def test_browse_list_of_other_things(site: Site) -> None:
    start = f"/browse?class={DEF}Item"
    body = page(site, start, EN)
    columns, rows = check_forms(site, links_of(body, "browse"), "bolekg-browse-item")
    assert columns == ["resource_en", "resource_zh", "resource"]
    assert len(rows) == 30 == int(re.search(r'<span class="count">\((\d+)\)', body).group(1))  # type: ignore[union-attr]
    check_names(columns, rows, "en")


def test_links_on_the_pages_in_both_languages(site: Site) -> None:
    for path, tables in ((ITEM, 1), (TOWN, 3), (CITY, 3), (FILTERED, 1), (AGENCY, 1)):
        for headers, words in ((ZH, ("CSV", "CSV(Excel 用)", "JSON")), (EN, ("CSV", "CSV for Excel", "JSON"))):
            body = page(site, path, headers)
            found = downloads(body)
            assert len(found) == tables, (path, found)
            for links in found:
                assert tuple(links) == words
            assert ("下载:" if headers is ZH else "Download:") in body


def test_site_wide_csv_for_excel(site: Site) -> None:
    plain = fetch(site.root + "/dumps/observations.csv")
    excel = fetch(site.root + "/dumps/observations.excel.csv")
    assert excel.status == 200 and excel.header("Content-Type") == "text/csv; charset=utf-8"
    assert excel.body == BOM + plain.body and not plain.body.startswith(BOM)
    assert disposition(excel) == "bolekg-observations.excel.csv"
    assert 'href="/dumps/observations.excel.csv"' in page(site, "/")


def test_wrong_requests(site: Site) -> None:
    item = urllib.parse.quote(BASE + "id/item/1-02", safe="")
    agency = urllib.parse.quote(BASE + "id/org/bole-housing-bureau", safe="")
    for path, status in ((f"/exports/figures?of={item}&format=xml", 400), ("/exports/figures", 400),
                         (f"/exports/inside?of={item}", 404), (f"/exports/inside?of={agency}", 404),
                         ("/exports/figures?of=not%20an%20iri", 400), ("/exports/browse", 400),
                         ("/exports/browse?class=%3Cx%3E", 400)):
        assert fetch(site.root + path).status == status, path


# --- bounds: the app's row cap (Limits.max_rows), as tests/test_hardening_pages.py sets limits -----------


@pytest.fixture(scope="module")
def capped(real_dataset: Dataset) -> Iterator[Site]:
    with limited_site("embedded", None, real_dataset, Limits(timeout=10, max_rows=20)) as running:
        yield running


@pytest.mark.parametrize("path", [OBSERVATIONS, FILTERED, CITY])
def test_downloads_are_bounded_and_say_so(capped: Site, path: str) -> None:
    body = page(capped, path)
    links = links_of(body, "figures" if path == CITY else "browse")
    plain = fetch(capped.root + links["csv"])
    _, rows = parsed(plain)
    assert len(rows) == 20 and plain.header("X-BoleKG-Truncated") == "20"
    as_json = json.loads(fetch(capped.root + links["json"]).body)
    assert as_json["truncated"] is True and as_json["limit"] == 20 and as_json["count"] == 20
    every = listed(capped, path) if path != CITY else []
    assert not every or [r["observation"] for r in rows] == sorted(every)[:20]


def test_a_small_list_is_not_cut(capped: Site) -> None:
    _, rows = parsed(fetch(capped.root + links_of(page(capped, ITEM), "figures")["csv"]))
    assert 0 < len(rows) <= 20


# --- the Excel variant never runs a formula from the data ---------------------------------------------------


def test_excel_cells_that_would_be_formulas_are_made_inert() -> None:
    table = Table("t", "en", ("a", "b"), [{"a": "=HYPERLINK(\"http://x\")", "b": "-12.5"},
                                          {"a": "@SUM(A1)", "b": "+3"}, {"a": "-其他", "b": "普通"}])
    plain, excel = to_csv(table), to_csv(table, excel=True)
    assert excel.startswith(BOM)
    rows = list(csv.reader(io.StringIO(excel[len(BOM):].decode("utf-8"), newline="")))
    assert rows[1:] == [["'=HYPERLINK(\"http://x\")", "-12.5"], ["'@SUM(A1)", "+3"], ["'-其他", "普通"]]
    assert list(csv.reader(io.StringIO(plain.decode("utf-8"), newline="")))[1][0] == "=HYPERLINK(\"http://x\")"


def test_a_long_list_of_figures_is_asked_for_in_parts(real_store: GraphStore,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The browse download of every figure, asked for 7 at a time, is the same table as in one query."""
    context = Context(real_store, BASE, "en")
    whole = table_pages.browse_table(context, DEF + "Observation", {}, 10_000)
    monkeypatch.setattr(table_pages, "CHUNK", 7)
    parts = table_pages.browse_table(Context(real_store, BASE, "en"), DEF + "Observation", {}, 10_000)
    assert len(whole.rows) == 164 and parts.rows == whole.rows and to_csv(parts) == to_csv(whole)


def test_an_organisations_figures_are_bounded_like_the_others(real_store: GraphStore) -> None:
    """An organisation's download is read up to the row cap like a browse result, and says when it was cut."""
    agency = BASE + AGENCY.removeprefix("/")
    whole = table_pages.entity_table(Context(real_store, BASE, "zh"), agency, "figures", 100)
    assert whole is not None and len(whole.rows) == 1 and not whole.truncated
    assert whole.rows[0]["observation"].startswith(BASE + "id/")
    cut = table_pages.entity_table(Context(real_store, BASE, "zh"), agency, "figures", 0)
    assert cut is not None and cut.rows == [] and cut.truncated and cut.limit == 0
