"""``bolekg extract``: each construct drafted from small texts written for these tests, the draft checked
against the draft profile (and shown able to fail it), and ``--evaluate`` on the project's report and on a
report the benchmark generator rewrote.

The small texts are invented; only the gazetteer's place names are real (the extractor's lexicon).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from bolekg.cli import main
from bolekg.extract import matching
from bolekg.extract.draft import Draft, DraftFigure, extract
from bolekg.extract.evaluate import TARGETS, evaluate
from bolekg.extract.numbers import Figure, find_figures
from bolekg.extract.profile import RELAXED, validate_draft
from bolekg.extract.reading import ReadError, html_article, join_wrapped_lines, read_report
from bolekg.extract.registry import Registry, default_registry, read_registry
from bolekg.extract.structure import parse_document
from bolekg.extract.writer import DraftWriter, draft_graph
from bolekg.report.mentions import chinese_value
from bolekg.report.validate import format_outcome
from bolekg.report.vocab import BK, DCT, GEO, NIF, PROV, SDMX_ATT, SDMX_DIM, TIME

BOLE = "652701"
REPORT_DATE = date(2021, 6, 30)


def figures(text: str) -> list[Figure]:
    return find_figures(text)


def one(text: str) -> Figure:
    found = figures(text)
    assert len(found) == 1, found
    return found[0]


def drafted(text: str, place: str = BOLE) -> Draft:
    return extract(text, "test-report", "测试报告", place, REPORT_DATE)


def figure_at(draft: Draft, written: str) -> DraftFigure:
    hits = [f for f in draft.figures if f.figure.as_written == written]
    assert hits, [f.figure.as_written for f in draft.figures]
    return hits[0]


# --------------------------------------------------------------------------- numerals, units, qualifiers


@pytest.mark.parametrize(("numeral", "value"), [
    ("三千五百万", 35_000_000), ("两亿零五百万", 205_000_000), ("一亿二千万", 120_000_000), ("十二", 12),
    ("一百零五", 105), ("两万三千", 23_000), ("三万亿", 3 * 10**12),
])
def test_chinese_numerals_in_any_mix(numeral: str, value: int) -> None:
    assert chinese_value(numeral) == value


@pytest.mark.parametrize(("text", "value", "unit"), [
    ("实发金额487万元。", Decimal("487"), "bk:TenThousandYuan"),
    ("总投资1.2亿元。", Decimal("1.2"), "bk:HundredMillionYuan"),
    ("发放补贴1200元。", Decimal("1200"), "unit:CCY_CNY"),
    ("治理草原1.4万亩。", Decimal("1.4"), "bk:TenThousandMu"),
    ("种植果树1500亩。", Decimal("1500"), "bk:Mu"),
    ("培训5834人次。", Decimal("5834"), "bk:PersonTime"),
    ("转移就业1.6796万人次。", Decimal("1.6796"), "bk:TenThousandPersonTime"),
    ("改造4200户。", Decimal("4200"), "bk:Household"),
    ("全线里程22.15公里。", Decimal("22.15"), "unit:KiloM"),
    ("碾压完成9.8千米。", Decimal("9.8"), "unit:KiloM"),
    ("管网长1500米。", Decimal("1500"), "unit:M"),
    ("供暖面积14500㎡。", Decimal("14500"), "unit:M2"),
    ("改造面积14万平米。", Decimal("14"), "bk:TenThousandSquareMetre"),
    ("办结率99.69%。", Decimal("99.69"), "unit:PERCENT"),
    ("开展八轮接种。", Decimal("8"), "unit:NUM"),
    ("新建三所学校。", Decimal("3"), "unit:NUM"),
    ("投入资金三千五百万元。", Decimal("35000000"), "unit:CCY_CNY"),
    ("管径DN600管网。", Decimal("600"), "bk:NominalDiameter"),
])
def test_values_and_units(text: str, value: Decimal, unit: str) -> None:
    figure = one(text)
    assert (figure.value, figure.unit_iri) == (value, unit)


def test_a_number_without_a_unit_word_is_kept_and_flagged() -> None:
    draft = drafted("今年已开工11小区。")
    figure = figure_at(draft, "11")
    assert figure.figure.unit is None and figure.figure.unit_iri == "unit:NUM"
    assert any(note.startswith("unit:") for note in figure.notes)
    assert figure.confidence < 0.9


@pytest.mark.parametrize(("text", "qualifier", "written"), [
    ("带动78余人实现就业。", "MoreThan", "78余人"),
    ("完成6万余人体检。", "MoreThan", "6万余人"),
    ("组织60余家单位。", "MoreThan", "60余家"),
    ("增加约6400个学位。", "Approximately", "约6400个"),
    ("失业率控制在4.5%以内。", "AtMost", "4.5%以内"),
    ("接待游客3000人以上。", "MoreThan", "3000人以上"),
    ("节约资金200万元左右。", "Approximately", "200万元左右"),
    ("完成投资500万元。", None, "500万元"),
])
def test_qualifiers(text: str, qualifier: str | None, written: str) -> None:
    figure = one(text)
    assert (figure.qualifier, figure.as_written) == (qualifier, written)


@pytest.mark.parametrize(("text", "low", "high", "unit"), [
    ("储备可运转3-4个月。", 3, 4, "unit:MO"),
    ("新建道路5至8公里。", 5, 8, "unit:KiloM"),
])
def test_a_range_is_two_figures_with_bounds(text: str, low: int, high: int, unit: str) -> None:
    lower, upper = figures(text)
    assert (lower.value, lower.qualifier, lower.unit_iri) == (low, "RangeLowerBound", unit)
    assert (upper.value, upper.qualifier, upper.unit_iri) == (high, "RangeUpperBound", unit)


@pytest.mark.parametrize("text", [
    "2021年3月5日开工。",  # a date
    "2021年1-6月共发放。",  # a period phrase
    "截至第二季度,第一批已到岗。",  # ordinals
    "S304线与G219线交汇,K2+196涵洞。",  # codes
    "稳步推进“10项惠民工程”。",  # a name in quotation marks
    "一是加强领导,落实“十四五”规划,推进一体化。",  # numerals that count nothing
])
def test_what_is_no_figure(text: str) -> None:
    # an ordinal (第一批) is passed on marked as one: only a rank cue keeps it (test_measure_type_from_cues)
    assert [f for f in figures(text) if not f.ordinal] == []


# --------------------------------------------------------------------------- cues: measure type and period


@pytest.mark.parametrize(("sentence", "written", "measure", "value"), [
    ("2021年职业培训目标任务4550人次。", "4550人次", "target", Decimal("4550")),
    ("计划新建公厕20座。", "20座", "target", Decimal("20")),
    ("预计完成投资300万元。", "300万元", "target", Decimal("300")),
    ("截至目前已完成培训5834人次。", "5834人次", "actual", Decimal("5834")),
    ("累计发放贷款487万元。", "487万元", "actual", Decimal("487")),
    ("参保缴费30028人,完成计划任务的92%。", "92%", "shareOfPlan", Decimal("92")),
    ("已完成投资1300万元,占计划投资的72%。", "72%", "shareOfPlan", Decimal("72")),
    ("诉求办结率99.69%。", "99.69%", "rate", Decimal("99.69")),
    ("发病率较去年同期下降0.004%。", "0.004%", "change", Decimal("-0.004")),
    ("优良比同比上升3.3%。", "3.3%", "change", Decimal("3.3")),
    ("第一季度空气优良比位居全疆第三。", "第三", "rank", Decimal("3")),
])
def test_measure_type_from_cues(sentence: str, written: str, measure: str, value: Decimal) -> None:
    figure = figure_at(drafted(sentence), written)
    assert (figure.reading.measure, figure.value) == (measure, value)


def test_an_ordinal_that_ranks_nothing_is_no_figure() -> None:
    assert drafted("第一批村医已到岗。").figures == []


def test_no_cue_is_read_as_actual_and_says_so() -> None:
    figure = figure_at(drafted("农村富余劳动力2332人。"), "2332人")
    assert figure.reading.measure == "actual"
    assert any(note.startswith("measure type:") for note in figure.notes)


@pytest.mark.parametrize(("sentence", "written", "begin", "end"), [
    ("截至目前已完成6万余人体检。", "6万余人", None, date(2021, 6, 30)),
    ("全年计划培训4550人次。", "4550人次", date(2021, 1, 1), date(2021, 12, 31)),
    ("年内新建公租房500套。", "500套", date(2021, 1, 1), date(2021, 12, 31)),
    ("2021年1月截至目前新增就业3859人。", "3859人", date(2021, 1, 1), date(2021, 6, 30)),
    ("6月份以来,共检查企业5966家次。", "5966家次", date(2021, 6, 1), date(2021, 6, 30)),
    ("截至第二季度开展培训5834人次。", "5834人次", date(2021, 1, 1), date(2021, 6, 30)),
    ("2021年3月第一批村医17人已到岗。", "17人", date(2021, 3, 1), date(2021, 3, 31)),
    ("2020年11月开始至今,已开展八轮接种。", "八轮", date(2020, 11, 1), date(2021, 6, 30)),
    ("10月底前,体检完成率达到100%。", "100%", date(2021, 1, 1), date(2021, 10, 31)),
])
def test_periods(sentence: str, written: str, begin: date | None, end: date) -> None:
    figure = figure_at(drafted(sentence), written)
    assert (figure.period.begin, figure.period.end) == (begin, end)


def test_a_period_carries_to_the_next_sentence_of_its_paragraph_but_not_to_a_plan() -> None:
    draft = drafted("截至第二季度开展培训5834人次。其中企业职工2735人。下一步计划培训600人次。")
    assert figure_at(draft, "2735人").period.slug == "2021-h1"
    plan = figure_at(draft, "600人次")
    assert plan.reading.measure == "target" and plan.period.slug == "2021"


def test_an_actual_figure_for_a_period_after_the_report_is_a_target() -> None:
    figure = figure_at(drafted("全年完成造林1000亩。"), "1000亩")
    assert figure.reading.measure == "target"


# --------------------------------------------------------------------------- dates as milestones


@pytest.mark.parametrize(("sentence", "iso", "kind", "planned", "qualifier", "year_taken"), [
    ("综合病房楼于2021年4月5日开工建设。", "2021-04-05", "Start", False, None, False),
    ("预计2021年11月15日完成主体建设。", "2021-11-15", "StructureCompletion", True, None, False),
    ("预计2021年12月竣工。", "2021-12", "Completion", True, None, False),
    ("计划于7月底竣工。", "2021-07", "Completion", True, "EndOf", True),
    ("丁香路7月3日前铺完油面。", "2021-07-03", "Completion", True, "Before", True),
    ("2022年月9完成竣工验收并投入使用。", "2022-09", "AcceptanceAndUse", True, None, False),
])
def test_dates_are_milestones(sentence: str, iso: str, kind: str, planned: bool, qualifier: str | None,
                              year_taken: bool) -> None:
    (found, _), = drafted(sentence).dates
    assert (found.iso, found.kind, found.planned, found.qualifier) == (iso, kind, planned, qualifier)
    assert any("year" in note for note in found.notes) == year_taken


@pytest.mark.parametrize("sentence", ["2021年1月截至目前新增就业3859人。", "6月份以来共检查5966家次。",
                                      "2021年1-6月共发放补贴197人。"])
def test_period_phrases_are_no_milestones(sentence: str) -> None:
    assert drafted(sentence).dates == []


def test_milestones_in_the_graph_conform() -> None:
    graph = draft_graph(drafted("一、项目建设\n(一)医院。病房楼于2021年4月5日开工,预计2022年月9投入使用。\n"))
    milestones = set(graph.subjects(RDF.type, BK.Milestone))
    assert len(milestones) == 2
    outcome = validate_draft(graph)
    assert outcome.conforms, format_outcome(outcome)


# --------------------------------------------------------------------------- structure


HEADED = """引言一段,共有3个乡镇参加。
一、多措并举,推进惠民工程
(一)就业创业方面。开展培训5834人次。
另起一段,发放贷款25笔。
㈡社会保障方面。接收诉求325条。
1.工伤保险。参保缴费32264人。
二、突出重点,办好实事
（一）健康体检。完成体检139294人。
"""


def test_headings_make_programmes_items_and_sub_items() -> None:
    document = parse_document(HEADED)
    kinds = [(b.id, b.kind, b.title) for b in document.blocks]
    assert kinds == [
        ("intro", "intro", ""),
        ("s1-heading", "programme", "多措并举,推进惠民工程"),
        ("s1-i01", "item", "就业创业方面"),
        ("s1-i01-p2", "body", ""),
        ("s1-i02", "item", "社会保障方面"),
        ("s1-i02-n01", "subitem", "工伤保险"),
        ("s2-heading", "programme", "突出重点,办好实事"),
        ("s2-i01", "item", "健康体检"),
    ]
    for block in document.blocks:
        for sentence in block.sentences:
            assert HEADED[sentence.begin:sentence.end] == sentence.text


def test_figures_belong_to_their_item_and_the_graph_has_programmes_and_items() -> None:
    draft = drafted(HEADED)
    graph = draft_graph(draft)
    training = _observation(graph, "5834人次")
    item = graph.value(training, BK.initiative)
    assert (item, RDF.type, BK.Item) in graph
    assert str(graph.value(item, SKOS.notation)) == "1.1"
    programme = graph.value(item, BK.programme)
    assert (programme, RDF.type, BK.Programme) in graph
    loans = _observation(graph, "25笔")
    assert graph.value(loans, BK.initiative) == item  # a body paragraph under the item
    assert str(graph.value(graph.value(_observation(graph, "139294人"), BK.initiative), SKOS.notation)) == "2.1"


def _observation(graph: Graph, written: str) -> URIRef:
    found = [s for s in graph.subjects(BK.asWritten, None)
             if str(graph.value(s, BK.asWritten)) == written and (s, RDF.type, BK.Observation) in graph]
    assert len(found) == 1, written
    return found[0]  # type: ignore[return-value]


# --------------------------------------------------------------------------- places, agencies, indicators


def test_places_from_the_gazetteer_new_places_within_them_and_the_report_place_by_default() -> None:
    draft = drafted("达勒特镇完成电采暖改造300户。阿热勒托海牧场青山小区150余户已安装。全市新增就业3859人。")
    graph = draft_graph(draft)
    dalete = graph.value(_observation(graph, "300户"), SDMX_DIM.refArea)
    assert str(graph.value(dalete, BK.divisionCode)) == "652701101000"
    compound = graph.value(_observation(graph, "150余户"), SDMX_DIM.refArea)
    assert str(graph.value(compound, SKOS.prefLabel)) == "青山小区"
    ranch = graph.value(compound, URIRef("http://www.opengis.net/ont/geosparql#sfWithin"))
    assert str(graph.value(ranch, BK.divisionCode)) == "652701400000"
    assert (compound, BK.unresolved, None) in graph  # a new place is flagged
    city = graph.value(_observation(graph, "3859人"), SDMX_DIM.refArea)
    assert str(graph.value(city, BK.divisionCode)) == "652701000000"


def test_an_unknown_division_code_is_an_error() -> None:
    with pytest.raises(KeyError, match="not in the gazetteer"):
        drafted("新增就业100人。", place="999999")


def test_an_agency_is_stated_only_when_the_sentence_says_who_did_it() -> None:
    draft = drafted("博乐市住建局对空白地共建设了停车场8处。"
                    "博乐市人民医院综合病房楼建设项目已完成投资500万元。"
                    "全市新增就业3859人。")
    assert figure_at(draft, "8处").agency is not None
    assert figure_at(draft, "8处").agency.name == "博乐市住建局"  # type: ignore[union-attr]
    assert figure_at(draft, "500万元").agency is None  # the hospital only owns the project's name
    assert figure_at(draft, "3859人").agency is None
    names = {org.name for org in draft.organisations}
    assert {"博乐市住建局", "博乐市人民医院"} <= names
    graph = draft_graph(draft)
    agency = graph.value(_observation(graph, "8处"), PROV.wasAttributedTo)
    assert (agency, RDF.type, BK.GovernmentDepartment) in graph


def test_organisation_names_need_a_place_and_an_organ() -> None:
    text = "博尔塔拉蒙古自治州生态环境局博乐市分局严把门槛,博乐市逐步推进政府购买服务。"
    names = [org.name for org in matching.org_mentions(text, 0, len(text))]
    assert names == ["博尔塔拉蒙古自治州生态环境局博乐市分局"]


@pytest.mark.parametrize(("sentence", "written", "words"), [
    ("开展实战化应急演练9场次。", "9场次", "实战化应急演练"),
    ("累计参加招聘会的企业335家提供5158个工作岗位。", "5158个", "提供工作岗位"),
    ("新建1所中学、1所小学。", "1所", "新建中学"),
    ("更换警示牌199面、市区警示牌78面。", "78面", "市区警示牌"),
    ("参保缴费30028人,完成计划任务的92%。", "92%", "参保缴费"),
])
def test_indicator_words(sentence: str, written: str, words: str) -> None:
    assert figure_at(drafted(sentence), written).indicator == words


def test_one_indicator_per_distinct_words() -> None:
    graph = draft_graph(drafted("参保缴费30028人,完成计划任务的92%。"))
    indicators = set(graph.objects(None, BK.indicator))
    assert len(indicators) == 1
    assert all((i, RDF.type, BK.Indicator) in graph for i in indicators)


# --------------------------------------------------------------------------- quotes, confidence, the profile


def test_quotes_are_verbatim_at_code_point_offsets_and_every_figure_has_a_confidence() -> None:
    text = "引言😀一段。\n一、惠民工程\n(一)就业。截至目前开展培训5834人次,完成计划任务的128.2%。\n"
    graph = draft_graph(drafted(text))
    quotes = set(graph.subjects(RDF.type, BK.Quote))
    assert quotes
    for quote in quotes:
        begin, end = int(graph.value(quote, NIF.beginIndex)), int(graph.value(quote, NIF.endIndex))
        assert text[begin:end] == str(graph.value(quote, NIF.anchorOf))
    for obs in graph.subjects(RDF.type, BK.Observation):
        confidence = graph.value(obs, BK.confidence)
        assert confidence is not None and 0 <= float(confidence) <= 1
        assert graph.value(obs, BK.evidence) in quotes


SMALL_REPORT = """今年以来,博乐市扎实推进各项工作。
一、稳步推进惠民工程
(一)就业创业。2021年职业培训目标任务4550人次。截至第二季度开展各类培训5834人次,完成计划任务的128.2%。
(二)清洁取暖。达勒特镇已完成电采暖改造1.4万平米,投资1.2亿元,惠及约300户。
二、扎实办好实事
(一)停车难。博乐市住建局共建设了停车场8处,储备可运转3-4个月。
"""


def test_a_small_draft_conforms_to_the_draft_profile() -> None:
    outcome = validate_draft(draft_graph(drafted(SMALL_REPORT)))
    assert outcome.conforms, format_outcome(outcome)


def test_the_draft_profile_still_refuses_what_a_draft_must_have() -> None:
    graph = draft_graph(drafted(SMALL_REPORT))
    observation = next(iter(graph.subjects(RDF.type, BK.Observation)))
    graph.remove((observation, SDMX_ATT.unitMeasure, None))  # a unit is no curation's job
    graph.remove((observation, BK.confidence, None))  # nor is the confidence
    outcome = validate_draft(graph)
    assert not outcome.conforms
    messages = " ".join(f.message for f in outcome.violations())
    assert "unit" in messages and "confidence" in messages
    assert RELAXED  # each relaxation has its reason


def test_the_project_report_drafts_a_conforming_graph() -> None:
    from bolekg.paths import SOURCE_FILE

    text = read_report(SOURCE_FILE)
    draft = extract(text, "bole-2021-h1-draft", "博乐市", BOLE, REPORT_DATE)
    graph = draft_graph(draft)
    outcome = validate_draft(graph)
    assert outcome.conforms, format_outcome(outcome)
    assert len(set(graph.subjects(RDF.type, BK.Observation))) == len(draft.figures)
    linked = draft_graph(draft, default_registry())  # linked to the project's own registry files
    outcome = validate_draft(linked, default_registry())
    assert outcome.conforms, format_outcome(outcome)
    assert (None, SDMX_DIM.refArea, URIRef("https://w3id.org/bolekg/id/place/dalete-town")) in linked
    assert (URIRef("https://w3id.org/bolekg/id/place/dalete-town"), None, None) not in linked


# --------------------------------------------------------------------------- reading


def test_plain_text_keeps_its_offsets_and_bad_input_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "r.txt"
    path.write_text(SMALL_REPORT, encoding="utf-8")
    assert read_report(path) == SMALL_REPORT
    latin = tmp_path / "gbk.txt"
    latin.write_bytes(SMALL_REPORT.encode("gb18030"))
    with pytest.raises(ReadError, match="not UTF-8"):
        read_report(latin)
    with pytest.raises(ReadError, match="no such file"):
        read_report(tmp_path / "missing.txt")


def test_html_gives_the_article_body_not_the_furniture() -> None:
    page = """<html><head><title>某市人民政府</title><script>var x = "统计代码统计代码";</script></head><body>
    <div class="nav"><a href="/">首页</a> <a href="/zw">政务公开</a> <a href="/fw">办事服务</a></div>
    <div class="TRS_Editor"><p>今年以来,博乐市扎实推进各项惠民工作,取得明显成效。</p>
    <p>一、稳步推进惠民工程</p><p>(一)就业创业。截至目前开展各类培训5834人次。</p></div>
    <div class="footer">版权所有:某市人民政府办公室 备案号:新ICP备0000000号</div></body></html>"""
    text = html_article(page)
    assert text.splitlines() == ["今年以来,博乐市扎实推进各项惠民工作,取得明显成效。", "一、稳步推进惠民工程",
                                 "(一)就业创业。截至目前开展各类培训5834人次。"]


def _pdf(lines: list[str]) -> bytes:
    """A one-page PDF whose text layer holds ``lines``: a Type0 font, Identity-H, and a ToUnicode CMap from
    each glyph ID to its character (PDF 32000-1:2008 §9.7, §9.10.3), as a PDF printed from a word
    processor has; no glyphs are drawn, only the text layer matters here."""
    chars = sorted({c for line in lines for c in line})
    cid = {c: i + 1 for i, c in enumerate(chars)}
    pairs = "\n".join(f"<{cid[c]:04X}> <{ord(c):04X}>" for c in chars)
    cmap = ("/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CIDSystemInfo << /Registry (Adobe) "
            "/Ordering (UCS) /Supplement 0 >> def /CMapName /Adobe-Identity-UCS def /CMapType 2 def "
            f"1 begincodespacerange <0000> <FFFF> endcodespacerange\n{len(chars)} beginbfchar\n{pairs}\n"
            "endbfchar endcmap CMapName currentdict /CMap defineresource pop end end")
    content = "\n".join(["BT /F1 12 Tf 14 TL 50 780 Td",
                         *("<" + "".join(f"{cid[c]:04X}" for c in line) + "> Tj T*" for line in lines), "ET"])
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        "/Contents 5 0 R >>",
        "<< /Type /Font /Subtype /Type0 /BaseFont /Test /Encoding /Identity-H /DescendantFonts [6 0 R] "
        "/ToUnicode 7 0 R >>",
        f"<< /Length {len(content.encode())} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Test /CIDSystemInfo << /Registry (Adobe) "
        "/Ordering (Identity) /Supplement 0 >> /DW 1000 >>",
        f"<< /Length {len(cmap.encode())} >>\nstream\n{cmap}\nendstream",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def test_a_pdf_is_read_from_its_text_layer(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(_pdf(["一、稳步推进惠民工程", "(一)就业创业。截至目前开展各类", "培训5834人次。"]))
    text = read_report(path)
    assert text == "一、稳步推进惠民工程\n(一)就业创业。截至目前开展各类培训5834人次。\n"
    assert figure_at(drafted(text), "5834人次").reading.measure == "actual"
    empty = tmp_path / "scan.pdf"
    empty.write_bytes(_pdf([]))
    with pytest.raises(ReadError, match="no text layer"):
        read_report(empty)
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 not really")
    with pytest.raises(ReadError):
        read_report(broken)


def test_a_pdf_text_layer_is_joined_across_its_wrapped_lines() -> None:
    layer = "一、稳步推进惠民工程\n(一)就业创业。截至目前开展各类\n培训5834人次。\n"
    assert join_wrapped_lines(layer) == "一、稳步推进惠民工程\n(一)就业创业。截至目前开展各类培训5834人次。\n"
    with pytest.raises(ReadError, match="no text layer"):
        join_wrapped_lines("\n \n")


# --------------------------------------------------------------------------- the command


def test_extract_writes_a_draft_and_reports_progress(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "report.txt"
    source.write_text(SMALL_REPORT, encoding="utf-8")
    out = tmp_path / "draft.ttl"
    code = main(["extract", str(source), "--report", "small-2021", "--title", "测试", "--place", BOLE,
                 "--date", "2021-06-30", "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "figures" in err and "conforms to the draft profile" in err
    graph = Graph().parse(out, format="turtle")
    assert len(set(graph.subjects(RDF.type, BK.Observation))) == 9
    assert all(str(s).startswith("https://w3id.org/bolekg/id/") and "small-2021" in str(s)
               for s in graph.subjects(RDF.type, BK.Observation))


@pytest.mark.parametrize(("args", "message"), [
    (["--report", "Bad ID", "--title", "t", "--place", BOLE, "--date", "2021-06-30"], "--report"),
    (["--report", "ok-id", "--title", "t", "--place", "123", "--date", "2021-06-30"], "--place"),
    (["--report", "ok-id", "--title", "t", "--place", BOLE], "--date"),
])
def test_extract_refuses_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str],
                                   message: str) -> None:
    source = tmp_path / "report.txt"
    source.write_text(SMALL_REPORT, encoding="utf-8")
    assert main(["extract", str(source), *args]) == 2
    assert message in capsys.readouterr().err


def _scores(output: str) -> dict[str, float]:
    found = dict(re.findall(r"^(figure recall|figure precision|measure type|indicator|place|agency|period)"
                            r"[^\d]*([\d.]+)%", output, flags=re.MULTILINE))
    names = {"figure recall": "recall", "figure precision": "precision", "measure type": "measure"}
    return {names.get(k, k): float(v) / 100 for k, v in found.items()}


def test_evaluate_prints_the_scores_and_meets_the_targets(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["extract", "--evaluate"])
    output = capsys.readouterr().out
    scores = _scores(output)
    assert set(scores) == {*TARGETS, "period"}
    for name, target in TARGETS.items():
        assert scores[name] >= target, output
    assert re.search(r"^dates \(milestones\): \d+ curated, \d+ drafted, \d+ matched", output, re.MULTILINE)
    for what in ("status statements", "stated responsibilities"):
        found = re.search(rf"^{what} \(.*\): (\d+) curated, (\d+) drafted, (\d+) matched: recall ([\d.]+)%, "
                          r"precision ([\d.]+)%", output, re.MULTILINE)
        assert found, output
        curated, drafted_, matched = (int(found.group(i)) for i in (1, 2, 3))
        assert curated and drafted_ and 0 < matched <= min(curated, drafted_)
    # the linking, apart from the headline scores: against the project's own registry files
    assert re.search(r"^linking \(no target; registry: places\.ttl, organisations\.ttl\):", output, re.MULTILINE)
    for kind in ("places", "organisations"):
        found = re.search(rf"^  {kind}: (\d+) named, (\d+) linked, (\d+) ambiguous \(flagged\), (\d+) new; of the "
                          r"linked, (\d+) agree with the curated graph, (\d+) disagree", output, re.MULTILINE)
        assert found, output
        named, linked, ambiguous, new, agree, disagree = (int(found.group(i)) for i in range(1, 7))
        assert named == linked + ambiguous + new and linked and agree + disagree <= linked
    assert code == 0


def test_evaluate_headline_scores_do_not_depend_on_the_registry(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """The headline scores are measured on a draft linked to nothing: another registry changes only the
    linking lines."""
    empty = tmp_path / "empty.ttl"
    empty.write_text("", encoding="utf-8")
    assert main(["extract", "--evaluate"]) == 0
    own = capsys.readouterr().out
    assert main(["extract", "--evaluate", "--link-to", str(empty)]) == 0
    other = capsys.readouterr().out
    assert own.split("linking")[0] == other.split("linking")[0]
    assert re.search(r"^  places: (\d+) named, 0 linked", other, re.MULTILINE)


def test_extract_links_to_the_registry_it_is_given(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "report.txt"
    source.write_text(LINKED, encoding="utf-8")
    registry_file = tmp_path / "registry.ttl"
    registry_file.write_text(TEST_REGISTRY, encoding="utf-8")
    out = tmp_path / "draft.ttl"
    args = ["extract", str(source), "--report", "linked-2021", "--title", "测试", "--place", BOLE, "--date",
            "2021-06-30", "-o", str(out)]
    assert main([*args, "--link-to", str(registry_file)]) == 0
    err = capsys.readouterr().err
    assert "organisations named: 3, linked 2, ambiguous (flagged) 0, new 1" in err, err
    assert "conforms to the draft profile" in err
    graph = Graph().parse(out, format="turtle")
    assert (None, SDMX_DIM.refArea, URIRef(T + "dalete")) in graph and (URIRef(T + "dalete"), None, None) not in graph
    assert main([*args, "--no-link"]) == 0
    assert "linking" not in capsys.readouterr().err
    assert URIRef(T + "dalete") not in set(Graph().parse(out, format="turtle").objects())
    assert main([*args, "--link-to", str(tmp_path / "missing.ttl")]) == 2
    assert "--link-to" in capsys.readouterr().err


def test_evaluate_refuses_a_text_other_than_the_curated_graph_quotes(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "other.txt"
    other.write_text(SMALL_REPORT, encoding="utf-8")
    assert main(["extract", "--evaluate", str(other)]) == 2
    assert "another text" in capsys.readouterr().err


def test_evaluate_scores_the_same_on_a_report_the_benchmark_generator_rewrote() -> None:
    import pyoxigraph as ox

    import generate  # bench/generate.py: on the path through pytest's `pythonpath`
    from bolekg.extract.evaluate import curated_graph
    from bolekg.paths import SOURCE_FILE, TURTLE_DIR
    from bolekg.report.quads import to_rdflib
    from bolekg.report.vocab import BASE

    template = generate.build_template()
    synthetic = generate._Report(template, 1, seed=7)
    quads = list(ox.parse("".join([*template.shared_quads, *synthetic.lines()]).encode(),
                          format=ox.RdfFormat.N_QUADS))
    own = ox.NamedNode(f"{BASE}graph/report/{synthetic.tag}")
    graph = to_rdflib(dict.fromkeys(q.triple for q in quads if q.graph_name == own))
    shared = to_rdflib(dict.fromkeys(q.triple for q in quads if q.graph_name != own))
    for s, p, o in shared:  # the indicators, places and periods it shares with the real report
        if p in (RDFS.label, SKOS.prefLabel, BK.divisionCode) or str(p).startswith("http://www.w3.org/2006/time#"):
            graph.add((s, p, o))
    assert synthetic.text != read_report(SOURCE_FILE)
    rewritten = evaluate(draft_graph(extract(synthetic.text, "gen-1", "合成", BOLE, REPORT_DATE)), graph,
                         synthetic.text)
    real_text = read_report(SOURCE_FILE)
    real = evaluate(draft_graph(extract(real_text, "real", "博乐市", BOLE, REPORT_DATE)),
                    curated_graph(TURTLE_DIR), real_text)
    assert rewritten.scores == real.scores
    # the same statuses and responsibilities drafted (the generator writes no status statements to compare)
    assert rewritten.statuses[1] == real.statuses[1] and rewritten.responsibilities == real.responsibilities
    assert rewritten.met


# --------------------------------------------------------------------------- linking to a registry

#: A registry written for these tests: gazetteer places with their codes (under IRIs of its own, so that a
#: link is seen to come from here), two compounds of the same name in two towns, a village of another county,
#: and organisations by label, altLabel and organ name.
TEST_REGISTRY = """
@prefix bk: <https://w3id.org/bolekg/def/> .
@prefix t: <https://example.org/registry/> .
@prefix geo: <http://www.opengis.net/ont/geosparql#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix nif: <http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#> .

t:xinjiang a bk:ProvincialDivision ; rdfs:label "新疆维吾尔自治区"@zh , "Xinjiang"@en ; bk:divisionCode "650000000000" .
t:bortala a bk:PrefecturalDivision ; rdfs:label "博尔塔拉蒙古自治州"@zh , "Bortala"@en ;
    bk:divisionCode "652700000000" ; geo:sfWithin t:xinjiang .
t:bole a bk:CountyLevelDivision ; rdfs:label "博乐市"@zh , "Bole"@en ; bk:divisionCode "652701000000" ;
    geo:sfWithin t:bortala .
t:jinghe a bk:CountyLevelDivision ; rdfs:label "精河县"@zh , "Jinghe"@en ; bk:divisionCode "652722000000" ;
    geo:sfWithin t:bortala .
t:wenquan a bk:CountyLevelDivision ; rdfs:label "温泉县"@zh , "Wenquan"@en ; bk:divisionCode "652723000000" ;
    geo:sfWithin t:bortala .
t:dalete a bk:TownshipLevelDivision ; rdfs:label "达勒特镇"@zh , "Dalete"@en ; bk:divisionCode "652701101000" ;
    geo:sfWithin t:bole ; bk:evidence t:a-quote-of-another-report .
t:xiaoyingpan a bk:TownshipLevelDivision ; rdfs:label "小营盘镇"@zh , "Xiaoyingpan"@en ;
    bk:divisionCode "652701100000" ; geo:sfWithin t:bole .
t:qingdeli-town a bk:TownshipLevelDivision ; rdfs:label "青得里镇"@zh , "Qingdeli Town"@en ; geo:sfWithin t:bole .
t:qingdeli-street a bk:TownshipLevelDivision ; rdfs:label "青得里街道"@zh , "Qingdeli Street"@en ; geo:sfWithin t:bole .
t:qingshan-dalete a bk:ResidentialCompound ; rdfs:label "青山小区"@zh , "Qingshan (Dalete)"@en ; geo:sfWithin t:dalete .
t:qingshan-xiaoyingpan a bk:ResidentialCompound ; rdfs:label "青山小区"@zh , "Qingshan (Xiaoyingpan)"@en ;
    geo:sfWithin t:xiaoyingpan .
t:hongxing-jinghe a bk:VillageLevelDivision ; rdfs:label "红星村"@zh , "Hongxing (Jinghe)"@en ; geo:sfWithin t:jinghe .

t:housing a bk:GovernmentDepartment ; rdfs:label "博乐市住房和城乡建设局"@zh , "Bole Housing Bureau"@en ;
    skos:altLabel "博乐市住建局"@zh ; bk:jurisdiction t:bole ;
    bk:editorialNote "A test organisation."@en , "测试机构。"@zh .
t:water a bk:GovernmentDepartment ; rdfs:label "博乐市水资源管理局"@zh , "Bole Water Bureau"@en ;
    skos:altLabel "水利局"@zh ; bk:jurisdiction t:bole .
t:civil-affairs a bk:GovernmentDepartment ; rdfs:label "博乐市民政局"@zh , "Bole Civil Affairs"@en ;
    bk:jurisdiction t:bole .

t:a-quote-of-another-report a bk:Quote ; nif:anchorOf "达勒特镇" .
"""
T = "https://example.org/registry/"


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Registry:
    path = tmp_path_factory.mktemp("registry") / "registry.ttl"
    path.write_text(TEST_REGISTRY, encoding="utf-8")
    return read_registry([path])


def test_the_registry_reads_descriptions_only(registry: Registry) -> None:
    dalete = URIRef(T + "dalete")
    assert registry.entities[dalete].codes == {"652701101000"}
    assert (dalete, BK.evidence, None) not in registry.graph  # a report's quote is no description
    assert URIRef(T + "a-quote-of-another-report") not in registry.entities


LINKED = ("一、项目建设\n(一)清洁取暖。达勒特镇完成电采暖改造300户。博乐市青山小区150户已安装设备。"
          "达勒特镇红星村完成改造50户。博乐市住建局共建设了停车场8处。精河县水利局完成渠道改造2公里。"
          "博乐市水利局完成渠道改造3公里。\n")


def test_a_gazetteer_place_links_by_its_division_code_and_is_not_copied(registry: Registry) -> None:
    writer = DraftWriter(drafted(LINKED), registry)
    graph = writer.write()
    dalete = URIRef(T + "dalete")
    assert graph.value(_observation(graph, "300户"), SDMX_DIM.refArea) == dalete
    assert (dalete, None, None) not in graph  # referred to, not copied
    assert graph.value(graph.value(None, DCT.spatial), RDFS.label) is None  # the report's place: t:bole
    assert (None, DCT.spatial, URIRef(T + "bole")) in graph
    record = writer.links[("place", "达勒特镇")]
    assert (record.link.outcome, record.link.how, record.iri) == ("linked", "division code", dalete)


def test_an_organisation_links_by_its_alt_label_and_by_its_organ_name_within_its_jurisdiction(
        registry: Registry) -> None:
    writer = DraftWriter(drafted(LINKED), registry)
    graph = writer.write()
    assert graph.value(_observation(graph, "8处"), PROV.wasAttributedTo) == URIRef(T + "housing")
    assert writer.links[("organisation", "博乐市住建局")].link.how == "name"
    water = writer.links[("organisation", "博乐市水利局")]
    assert (water.link.outcome, water.iri) == ("linked", URIRef(T + "water"))
    assert water.link.how == "organ name within its jurisdiction"
    # the same organ name in another county is another organisation: new, and said so
    jinghe = writer.links[("organisation", "精河县水利局")]
    assert jinghe.link.outcome == "new" and jinghe.iri not in registry.entities
    notes = " ".join(str(n) for n in graph.objects(jinghe.iri, BK.unresolved))
    assert "no known organisation" in notes and T + "water" in notes


def test_an_ambiguous_name_is_a_new_place_flagged_with_its_candidates(registry: Registry) -> None:
    writer = DraftWriter(drafted(LINKED), registry)
    graph = writer.write()
    record = writer.links[("place", "青山小区")]
    assert record.link.outcome == "ambiguous"
    assert {c.iri for c in record.link.candidates} == {URIRef(T + "qingshan-dalete"),
                                                       URIRef(T + "qingshan-xiaoyingpan")}
    assert record.iri not in registry.entities and (record.iri, RDF.type, BK.Place) in graph
    notes = " ".join(str(n) for n in graph.objects(record.iri, BK.unresolved))
    assert "ambiguous" in notes and T + "qingshan-dalete" in notes and T + "qingshan-xiaoyingpan" in notes
    assert graph.value(_observation(graph, "150户"), SDMX_DIM.refArea) == record.iri


def test_a_name_known_only_elsewhere_is_a_new_place_within_the_linked_one(registry: Registry) -> None:
    writer = DraftWriter(drafted(LINKED), registry)
    graph = writer.write()
    record = writer.links[("place", "红星村")]
    assert record.link.outcome == "new" and record.iri not in registry.entities
    assert graph.value(record.iri, GEO.sfWithin) == URIRef(T + "dalete")  # within the town it is read in
    notes = " ".join(str(n) for n in graph.objects(record.iri, BK.unresolved))
    assert "known elsewhere" in notes and T + "hongxing-jinghe" in notes  # not the Jinghe village


@pytest.mark.parametrize(("name", "context", "outcome", "iri"), [
    ("温泉", "bole", "linked", "wenquan"),  # the stem of 温泉县, a neighbour of the city
    ("青得里", "bole", "ambiguous", None),  # 青得里镇 or 青得里街道
    ("青得里镇", "bole", "linked", "qingdeli-town"),  # not 青得里街道: another suffix
    ("青山小区", "dalete", "linked", "qingshan-dalete"),  # the one within the town
    ("红星村", "bole", "new", None),  # the only 红星村 lies in another county
])
def test_names_match_exactly_or_by_stem_where_containment_agrees(registry: Registry, name: str, context: str,
                                                                 outcome: str, iri: str | None) -> None:
    link = registry.place(name, URIRef(T + context))
    assert link.outcome == outcome
    assert link.iri == (URIRef(T + iri) if iri else None)


def test_a_linked_draft_conforms_to_the_draft_profile_beside_its_registry(registry: Registry) -> None:
    graph = draft_graph(drafted(LINKED + STATUSES), registry)
    outcome = validate_draft(graph, registry)
    assert outcome.conforms, format_outcome(outcome)


# --------------------------------------------------------------------------- status statements

STATUSES = """二、惠民工程
㈠稳步推进教育提升。综合病房楼于2021年4月5日开工建设,预计2021年12月竣工。
㈡公路项目建设。右幅路基已完成,正在进行木栈道铺装。65个小区的绿化改造基本完成。今年已开工个11小区。
㈢文体设施建设。旅游公厕已竣工,5座厕所主体建筑已完工。北城体育馆已投入使用。新建道路已通车。
㈣生态保护。累计完成项目投资的43.6%。参保缴费30028人,完成计划任务的92%。积极推进生态保护建设。
㈤推进快递进乡村、进社区。
"""


@pytest.mark.parametrize(("clause", "status"), [
    ("综合病房楼于2021年4月5日开工建设", "StatusStarted"),
    ("预计2021年12月竣工", "StatusPlanned"),
    ("右幅路基已完成", "StatusCompleted"),
    ("正在进行木栈道铺装", "StatusUnderWay"),
    ("65个小区的绿化改造基本完成", "StatusLargelyCompleted"),
    ("今年已开工个11小区", "StatusStarted"),
    ("旅游公厕已竣工", "StatusConstructionCompleted"),
    ("5座厕所主体建筑已完工", "StatusStructureCompleted"),
    ("北城体育馆已投入使用", "StatusInUse"),
    ("新建道路已通车", "StatusInUse"),
    ("累计完成项目投资的43.6%", "StatusPartlyCompleted"),
])
def test_each_status_cue_drafts_a_status_statement(clause: str, status: str) -> None:
    draft = drafted(STATUSES)
    found = {STATUSES[s.quote[0]:s.quote[1]]: s.status for s in draft.statuses}
    assert found.get(clause) == status, found


def test_what_states_no_project_state_drafts_no_status() -> None:
    quotes = {STATUSES[s.quote[0]:s.quote[1]] for s in drafted(STATUSES).statuses}
    assert len(quotes) == 11
    # headings, a share of plan, an aim
    for clause in ("稳步推进教育提升", "推进快递进乡村", "完成计划任务的92%", "积极推进生态保护建设"):
        assert not any(clause in quote for quote in quotes)


def test_status_statements_in_the_graph_have_their_time_quote_and_links() -> None:
    draft = drafted(STATUSES)
    graph = draft_graph(draft)
    by_quote = {str(graph.value(graph.value(s, BK.evidence), NIF.anchorOf)): s
                for s in graph.subjects(RDF.type, BK.StatusStatement)}
    started = by_quote["综合病房楼于2021年4月5日开工建设"]
    assert str(graph.value(graph.value(started, BK.statusTime), TIME.inXSDDate)) == "2021-04-05"  # the day dated
    completed = by_quote["右幅路基已完成"]
    assert str(graph.value(graph.value(completed, BK.statusTime), TIME.hasEnd / TIME.inXSDDate)) == "2021-06-30"
    this_year = graph.value(by_quote["今年已开工个11小区"], BK.statusTime)
    assert str(graph.value(this_year, TIME.hasBeginning / TIME.inXSDDate)) == "2021-01-01"
    planned = by_quote["预计2021年12月竣工"]
    assert (graph.value(planned, BK.statusMilestone), RDF.type, BK.Milestone) in graph
    share = by_quote["累计完成项目投资的43.6%"]
    assert str(graph.value(graph.value(share, BK.statusObservation), BK.asWritten)) == "43.6%"
    for statement in by_quote.values():
        assert (graph.value(statement, BK.statusOf), RDF.type, BK.Item) in graph
        assert 0 < float(graph.value(statement, BK.confidence)) <= 1
    outcome = validate_draft(graph)
    assert outcome.conforms, format_outcome(outcome)


# --------------------------------------------------------------------------- stated responsibilities

RESPONSIBLE = """一、民生保障
㈠社会救助。博乐市民政局持续提高救助保障标准,将五保老人纳入集中供养。
㈡医疗卫生。博乐市人民医院综合病房楼建设项目已完成投资500万元。乡镇卫生院持续加强结核病防控筛查工作。
"""


def test_a_responsibility_is_stated_only_where_the_sentence_says_who_does_the_work() -> None:
    draft = drafted(RESPONSIBLE)
    stated = {r.agency.name: RESPONSIBLE[r.quote[0]:r.quote[1]] for r in draft.responsibilities}
    assert stated == {"博乐市民政局": "博乐市民政局持续提高救助保障标准",
                      "乡镇卫生院": "乡镇卫生院持续加强结核病防控筛查工作"}
    assert "博乐市人民医院" not in stated  # the hospital only owns the project's name
    graph = draft_graph(draft)
    responsibilities = set(graph.subjects(RDF.type, BK.StatedResponsibility))
    assert len(responsibilities) == 2
    for node in responsibilities:
        initiative = graph.value(None, BK.responsibility, node)
        assert graph.value(initiative, BK.responsibleAgency) == graph.value(node, BK.agent)
    outcome = validate_draft(graph)
    assert outcome.conforms, format_outcome(outcome)


def test_a_stated_responsibility_must_name_its_agency(registry: Registry) -> None:
    graph = draft_graph(drafted(RESPONSIBLE), registry)
    node = next(n for n in graph.subjects(RDF.type, BK.StatedResponsibility)
                if graph.value(n, BK.agent) == URIRef(T + "civil-affairs"))  # linked by its label
    assert validate_draft(graph, registry).conforms
    initiative = graph.value(None, BK.responsibility, node)
    for s, p in ((node, BK.agent), (initiative, BK.responsibleAgency)):
        graph.set((s, p, URIRef(T + "housing")))  # an agency the quote does not name
    outcome = validate_draft(graph, registry)
    assert not outcome.conforms
    assert any("names" in f.message or "Stated" in f.shape for f in outcome.violations())
