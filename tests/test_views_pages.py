"""The timeline, the about page and CITATION.cff (issue 18, "New views people expect").

What the pages show is checked against the data itself, read here with rdflib and not through the
page code: every milestone once, in date order, with its initiative and quote; the report date marked;
the audit figure the audit computes; the licences the data and the package state. CITATION.cff is
validated against the Citation File Format 1.2.0 JSON Schema, vendored in ``tests/fixtures/cff-1.2.0``
with its licence (CC BY 4.0): the maintained validator on PyPI, cffconvert 2.0.0, pins jsonschema < 4,
which frictionless (a test dependency) cannot live with, so the schema is checked with jsonschema here.
"""

from __future__ import annotations

import calendar
import copy
import datetime as dt
import json
import re
import tomllib
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import jsonschema
import pytest
import yaml
from rdflib import Dataset, Graph

import bolekg
from bolekg.report.audit import audit, counts
from ld_support import Site, fetch, remote_root, serving

ROOT = Path(__file__).resolve().parents[1]
CFF_SCHEMA = Path(__file__).parent / "fixtures" / "cff-1.2.0" / "schema.json"
ZH = {"Accept": "text/html", "Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept": "text/html", "Accept-Language": "en-GB,en;q=0.9"}
BASE = "https://w3id.org/bolekg/"

MILESTONES = """
PREFIX bk: <https://w3id.org/bolekg/def/>
PREFIX time: <http://www.w3.org/2006/time#>
SELECT ?ms ?of ?date ?quote ?b ?e WHERE {
  ?ms a bk:Milestone ; bk:milestoneOf ?of ; bk:evidence ?quote .
  ?quote <http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#beginIndex> ?b ;
         <http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#endIndex> ?e .
  { ?ms time:inXSDDate ?date } UNION { ?ms time:inXSDgYearMonth ?date }
}"""


@pytest.fixture(scope="module", params=["embedded", "virtuoso"])
def site(request: pytest.FixtureRequest, real_dataset: Dataset) -> Iterator[Site]:
    with serving(request.param, remote_root(request, request.param, read_only=True), real_dataset) as running_site:
        yield running_site


def page(site: Site, path: str, headers: dict[str, str]) -> str:
    reply = fetch(site.root + path, headers=headers)
    assert reply.status == 200, (path, reply.text[:500])
    assert reply.header("Content-Type").startswith("text/html"), path
    return reply.text


def latest(value: str) -> dt.date:
    """The last day a date of the data can mean (a month stands for its last day), as the page orders."""
    year, month, *day = (int(p) for p in value[:10].split("-"))
    return dt.date(year, month, day[0] if day else calendar.monthrange(year, month)[1])


def path_of(iri: str) -> str:
    return "/" + iri[len(BASE):]


@pytest.fixture(scope="module")
def milestones(real_union: Graph) -> dict[str, dict[str, str]]:
    found = {}
    for row in real_union.query(MILESTONES):
        found[str(row.ms)] = {"of": str(row.of), "date": str(row.date), "anchor": f"q-{row.b}-{row.e}"}
    return found


@pytest.mark.parametrize("headers", [ZH, EN], ids=["zh", "en"])
def test_timeline_lists_every_milestone_once_in_date_order(site: Site, headers: dict[str, str],
                                                           milestones: dict[str, dict[str, str]]) -> None:
    html = page(site, "/timeline", headers)
    assert len(milestones) == 12
    listed = re.findall(r'<li class="event[^"]*" id="[^"]+" data-iri="([^"]+)"', html)
    on_page = [iri for iri in listed if iri in milestones]
    assert sorted(on_page) == sorted(milestones), "every milestone, and nothing else, is an entry"
    assert len(on_page) == len(set(on_page)), "each milestone exactly once"
    days = [latest(milestones[iri]["date"]) for iri in on_page]
    assert days == sorted(days), "in date order"
    for iri, facts in milestones.items():
        entry = re.search(rf'data-iri="{re.escape(iri)}">(.*?)</li>', html, flags=re.S)
        assert entry is not None, iri
        assert f'href="{path_of(iri)}"' in entry.group(1), iri
        assert f'href="{path_of(facts["of"])}"' in entry.group(1), f"{iri}: its initiative"
        assert f'href="/reader#{facts["anchor"]}"' in entry.group(1), f"{iri}: its quote"
    # grouped by month: a heading per month, in order
    months = re.findall(r'<h2 id="m-(\d{4})-(\d{1,2})">', html)
    assert [(int(y), int(m)) for y, m in months] == sorted({(d.year, d.month) for d in days})
    assert len(re.findall(r"<h1[ >]", html)) == 1 and "<ol class=\"timeline\">" in html
    # the axis: its dots are links to the entries, so it is a named group, never an image
    svg = re.search(r"<svg.*?</svg>", html, flags=re.S)
    assert svg is not None and 'role="group"' in svg.group(0) and 'aria-label="' in svg.group(0)
    assert "<title>" in svg.group(0) and 'role="img"' not in svg.group(0)
    entries = re.findall(r'<li class="event[^"]*" id="([^"]+)"', html)
    assert set(re.findall(r'<a href="#(t-[^"]+)"', svg.group(0))) == set(entries)


@pytest.mark.parametrize(("headers", "line"), [(ZH, "截至报告日期(2021年6月30日)"),
                                               (EN, "As of the report date (30 June 2021)")], ids=["zh", "en"])
def test_timeline_marks_the_report_date(site: Site, headers: dict[str, str], line: str,
                                        milestones: dict[str, dict[str, str]]) -> None:
    html = page(site, "/timeline", headers)
    assert html.count('id="report-date"') == 1 and line in html
    before, _, after = html.partition('id="report-date"')
    report_date = dt.date(2021, 6, 30)
    for iri, facts in milestones.items():
        where = before if f'data-iri="{iri}"' in before else after
        assert (where is before) == (latest(facts["date"]) <= report_date), iri
    # what the report plans says so; the start of the ward building on 5 April 2021 was done
    start = re.search(r'data-iri="[^"]*hospital-ward-building-start">(.*?)</li>', html, flags=re.S)
    assert start is not None and 'datetime="2021-04-05"' in start.group(1) and "badge done" in start.group(1)
    assert "status/hospital-ward-building-started" in start.group(1), "the dated status statement, inside"
    # precision and qualifiers as the report gives them
    if headers is EN:
        assert "end of July 2021" in html and "by 3 July 2021" in html and "by the end of October 2021" in html
    else:
        assert "2021年7月底" in html and "2021年7月3日前" in html and "2021年10月底前" in html


def test_timeline_as_json(site: Site, milestones: dict[str, dict[str, str]]) -> None:
    reply = fetch(site.root + "/timeline?format=json", headers={"Accept-Language": "en"})
    assert reply.status == 200 and reply.header("Content-Type").startswith("application/json")
    body = json.loads(reply.text)
    assert body["report_date"] == "2021-06-30"
    entries = [e for e in body["entries"] if e["type"] == "milestone"]
    assert sorted(e["iri"] for e in entries) == sorted(milestones)
    by_accept = json.loads(fetch(site.root + "/timeline", headers={"Accept": "application/json"}).text)
    assert [e["iri"] for e in by_accept["entries"]] == [e["iri"] for e in body["entries"]]
    september = next(e for e in entries if e["date"] == "2022-09")
    assert september["precision"] == "month" and september["as_written"] == "2022年月9" and september["planned"]
    assert september["after_report_date"] and september["quotes"][0]["reader"].startswith("/reader#q-")


@pytest.mark.parametrize("headers", [ZH, EN], ids=["zh", "en"])
def test_about_page_reads_its_figures_from_the_data(site: Site, headers: dict[str, str]) -> None:
    html = page(site, "/about", headers)
    total = counts(audit())["total"]
    accounted = total["mentions"] - total["unaccounted"]
    assert f'data-accounted="{accounted}" data-mentions="{total["mentions"]}"' in html
    if headers is ZH:
        assert f"报告中{total['mentions']}处数字,{accounted}处已说明" in html
        assert "数据与本体" in html and "原文未署发布机构或作者" in html
    else:
        assert f"{accounted} of the report's {total['mentions']} numeric mentions are accounted for" in unescape(html)
        assert "Data and ontology" in html and "The text names no publisher or author" in html
    assert 'href="https://creativecommons.org/licenses/by/4.0/" rel="license">CC BY 4.0</a>' in html
    assert '<span class="code-licence">Apache-2.0</span>' in html
    assert "data/source/bole-2021-practical-matters-report.zh.txt" in html
    assert "博乐市“我为群众办实事”实践活动2021年上半年工作情况" in html
    assert "The BoleKG contributors" in html and "@misc{bolekg" in html
    for link in ("/CITATION.cff", "/.well-known/void", "/sparql", "/dumps/bolekg.ttl", "/timeline"):
        assert f'href="{link}"' in html, link
    assert 'datetime="2021-06-30"' in html
    assert len(re.findall(r"<h1[ >]", html)) == 1


def test_nav_links_to_the_timeline_and_the_about_page(site: Site) -> None:
    zh, en = page(site, "/", ZH), page(site, "/", EN)
    assert '<a href="/timeline">时间线</a>' in zh and '<a href="/about">关于</a>' in zh
    assert '<a href="/timeline">Timeline</a>' in en and '<a href="/about">About</a>' in en


# --- CITATION.cff ----------------------------------------------------------------------------------------


def cff() -> dict:
    data = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    # the schema's own note: YAML dates are read as strings when validating
    return json.loads(json.dumps(data, default=str))


def validator() -> jsonschema.Draft7Validator:
    schema = json.loads(CFF_SCHEMA.read_text(encoding="utf-8"))
    assert schema["$id"].endswith("/1.2.0/schema.json")
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def test_citation_cff_is_valid_cff_1_2_0() -> None:
    data, check = cff(), validator()
    errors = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in check.iter_errors(data)]
    assert errors == []
    assert data["cff-version"] == "1.2.0"
    assert data["authors"] == [{"name": "The BoleKG contributors"}]
    report = next(r for r in data["references"] if r["type"] == "report")
    assert report["title"] == "博乐市“我为群众办实事”实践活动2021年上半年工作情况" and report["year"] == 2021
    # the check can fail: a citation without authors, or with a made-up licence, is refused
    broken = copy.deepcopy(data)
    del broken["authors"]
    assert not check.is_valid(broken)
    assert not check.is_valid({**data, "license": "CC-BY-4"})


def test_citation_version_is_the_package_version() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert str(cff()["version"]) == pyproject["project"]["version"] == bolekg.__version__


def test_citation_cff_is_served_as_it_is(site: Site) -> None:
    reply = fetch(site.root + "/CITATION.cff")
    assert reply.status == 200
    assert reply.header("Content-Type") == "text/plain; charset=utf-8"
    assert reply.text == (ROOT / "CITATION.cff").read_text(encoding="utf-8")


# On a phone: the timeline and the about page are page kinds of ``page_kinds.PAGES``, so
# test_phone_pages checks them for sideways scroll and axe-core at 390 and 1366 px and keeps their screenshots.
