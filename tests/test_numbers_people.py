"""Numbers as people read them (issue 18): the formatter, the pages that use it, and the charts.

The formatter is checked on the report's own cases (6万余 / 60,000+, 139,294, 2065万元, 约, 以内,
43.37%); the home page and the dashboard over real HTTP on the real data, in both languages, for
全民健康体检, whose share is the report's 43.37% and never a quotient of 6 and 139 294; and the charts
in real Chromium at a phone's width and a laptop's, where no text may leave its figure and none may
render under 11 CSS px.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from bolekg.pages.numbers import number_text, percent_text, text_width, value_text
from bolekg.pages.svg import Bar, bar_chart_svg
from ld_support import Site, page_text
from test_browser import CHROMIUM, FLAGS

BK = "https://w3id.org/bolekg/def/"
UNIT = "http://qudt.org/vocab/unit/"
ZH = {"Accept": "text/html", "Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept": "text/html", "Accept-Language": "en-GB,en;q=0.9"}


# --- the formatter ---------------------------------------------------------------------------------

def test_more_than_reads_as_the_report_writes_it() -> None:
    assert value_text(6, BK + "TenThousand", [BK + "MoreThan"], "zh") == "6万余"
    assert value_text(6, BK + "TenThousand", [BK + "MoreThan"], "en") == "60,000+"
    assert value_text(2000, BK + "Household", [BK + "MoreThan"], "zh") == "2,000余户"
    assert value_text(2000, BK + "Household", [BK + "MoreThan"], "en") == "2,000+ households"


def test_thousands_separators_and_no_count_jargon() -> None:
    for lang in ("zh", "en"):
        assert value_text(139294, UNIT + "NUM", [], lang) == "139,294"
        assert number_text("139294", lang) == "139,294"
        assert "count" not in value_text(6, BK + "TenThousand", [], lang) and "个数" not in \
            value_text(6, BK + "TenThousand", [], lang)
    assert value_text("60000.0", UNIT + "NUM", [], "en") == "60,000"  # a normalised value's ".0" says nothing


def test_ten_thousand_yuan_in_millions_in_english() -> None:
    assert value_text(2065, BK + "TenThousandYuan", [], "zh") == "2,065万元"
    assert value_text(2065, BK + "TenThousandYuan", [], "en") == "20.65 million yuan"
    assert value_text(48, BK + "TenThousandYuan", [], "en") == "480,000 yuan"
    assert value_text("1853.06", BK + "TenThousandYuan", [], "en") == "18,530,600 yuan"  # exact, not 18.53 million


def test_about_and_at_most() -> None:
    assert value_text("1.4", BK + "TenThousandMu", [BK + "Approximately"], "zh") == "约1.4万亩"
    assert value_text("1.4", BK + "TenThousandMu", [BK + "Approximately"], "en") == "about 14,000 mu"
    assert value_text(30, BK + "PersonTime", [BK + "AtMost"], "zh") == "30人次以内"
    assert value_text(30, BK + "PersonTime", [BK + "AtMost"], "en") == "up to 30 person-times"
    assert value_text("22.15", UNIT + "KiloM", [], "zh") == "22.15公里"
    assert value_text("22.15", UNIT + "KiloM", [], "en") == "22.15 km"


def test_percentages_keep_the_reported_digits() -> None:
    assert percent_text("43.37", "zh") == percent_text("43.37", "en") == "43.37%"
    assert percent_text("128.2", "en") == "128.2%" and percent_text("100", "zh") == "100%"
    assert value_text("43.37", UNIT + "PERCENT", [], "en") == "43.37%"


def test_text_width_counts_cjk_wider() -> None:
    assert text_width("全民健康体检", 12) == pytest.approx(72)
    assert text_width("ab", 10, bold=True) > text_width("ab", 10)
    assert text_width("健康", 12) > text_width("ab", 12)


# --- the pages -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def site(real_site: Site) -> Site:
    return real_site


def html_of(site: Site, path: str, headers: dict[str, str]) -> str:
    return page_text(site, path, headers)


def checkup_row(html: str) -> str:
    """The table row of the health check-ups' target and actual (the first table that has one)."""
    rows = re.findall(r"<tr><th scope=\"row\"><a href=\"/id/indicator/health-checkups\">.*?</tr>", html, flags=re.S)
    assert rows, "no row for the health check-ups"
    return rows[0]


@pytest.mark.parametrize("path", ["/", "/dashboard"])
def test_health_checkups_as_the_report_gives_them(site: Site, path: str) -> None:
    zh = checkup_row(html_of(site, path, ZH))
    assert "6万余" in zh and "139,294" in zh and "43.37%" in zh
    assert "个数" not in zh and "43.1%" not in zh and "43.07" not in zh
    en = checkup_row(html_of(site, path, EN))
    assert "60,000+" in en and "139,294" in en and "43.37%" in en
    assert "ten thousand" not in en and "(count)" not in en and "43.1%" not in en


def test_figure_tables_read_the_same_way(site: Site) -> None:
    """The item page's table of figures uses the same formatter: value as read, normalised value only
    where it adds something (Chinese 6万 = 60,000; English already says 60,000)."""
    zh = html_of(site, "/id/item/2-03", ZH)
    assert '<span class="value">6万余</span>' in zh and '<span class="normalised">= 60,000</span>' in zh
    assert '<span class="value">139,294</span>' in zh and '<span class="value">43.37%</span>' in zh
    en = html_of(site, "/id/item/2-03", EN)
    assert '<span class="value">60,000+</span>' in en and "= 60,000" not in en and "60000.0" not in en


def test_no_share_the_report_does_not_give(site: Site) -> None:
    """Every percentage beside a target and an actual is the report's own (a link to its share of plan)
    or computed from two exact figures; an approximate figure (60,000+, about …, up to …) never yields one."""
    html = html_of(site, "/dashboard", EN)
    table = re.search(r"<table>\s*<caption>Target and actual</caption>.*?</table>", html, flags=re.S)
    assert table is not None
    rows = re.findall(r"<tr><th scope=\"row\">.*?</tr>", table.group(0), flags=re.S)
    assert len(rows) >= 3
    for row in rows:
        cells = re.findall(r'<td class="num[^"]*"[^>]*>(.*?)</td>', row, flags=re.S)
        target, actual, percent = (re.sub(r"<[^>]+>", "", cell) for cell in cells)
        if "/id/obs/" in cells[2]:
            continue  # the report's share of plan
        if re.search(r"\+|about|up to|more than|at least|at most", target + actual):
            assert percent == "—", row
    assert '<a href="/id/obs/2-03-checkups-share">43.37%</a>' in table.group(0)


@pytest.mark.parametrize(("headers", "words"), [
    (ZH, ("实心条:低于 100%", "斜纹条:超过 100%", "虚线:100% = 目标或计划")),
    (EN, ("Solid bar: under 100%", "Hatched bar: over 100%", "Dashed line: 100% = the target or the plan")),
])
def test_charts_have_a_legend_in_both_languages(site: Site, headers: dict[str, str], words: tuple[str, ...]) -> None:
    html = html_of(site, "/dashboard", headers)
    charts = re.findall(r"<svg [^>]*class=\"chart chart-(?:wide|narrow)\".*?</svg>", html, flags=re.S)
    assert len(charts) == 4
    for chart in charts:
        assert '<g class="legend">' in chart and "<pattern" in chart
        for word in words:
            assert word in chart


def test_a_long_label_wraps_and_keeps_its_full_name() -> None:
    long = "全民健康体检人数 · 2021年全民免费健康体检以及其他很长很长的名称"
    svg = bar_chart_svg([Bar(long, 250.0, "/x", "二、10件为民实事", "", value_text="250%")], "t", "d", "c", lang="en")
    assert f"<title>{long}: 250%</title>" in svg
    assert svg.count("<tspan") >= 3


# --- the charts in a real browser ------------------------------------------------------------------

CHART_TEXT = """() => {
  const out = [];
  for (const svg of document.querySelectorAll('svg.chart')) {
    const box = svg.getBoundingClientRect();
    if (box.width === 0) continue;                     // the layout this screen does not show
    const scale = svg.getScreenCTM().a;
    for (const text of svg.querySelectorAll('text')) {
      const r = text.getBoundingClientRect();
      out.push({text: text.textContent, size: parseFloat(text.getAttribute('font-size')) * scale,
                left: r.left - box.left, right: box.right - r.right, top: r.top - box.top,
                bottom: box.bottom - r.bottom, id: svg.getAttribute('aria-labelledby')});
    }
  }
  return out;
}"""


@pytest.mark.skipif(not os.path.exists(CHROMIUM) and os.environ.get("CI") != "true",
                    reason="Debian's chromium is not installed (make browser installs it)")
@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(("width", "height"), [(390, 844), (1366, 900)])
def test_chart_text_is_inside_and_readable(site: Site, tmp_path: Path, lang: str, width: int, height: int) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        context = driver.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True, args=FLAGS,
            viewport={"width": width, "height": height})
        try:
            page = context.new_page()
            page.set_extra_http_headers(ZH if lang == "zh" else EN)
            page.goto(site.root + "/dashboard")
            page.wait_for_load_state("networkidle")
            texts = page.evaluate(CHART_TEXT)
            page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
        finally:
            context.close()
    assert len({t["id"] for t in texts}) == 2, "both charts are shown, one layout each"
    assert len(texts) > 40
    for found in texts:
        where = (found["text"], width, lang)
        assert min(found["left"], found["right"], found["top"], found["bottom"]) >= -0.5, ("clipped", where, found)
        if width <= 390:
            assert found["size"] >= 11 - 1e-6, ("too small", where, found["size"])
