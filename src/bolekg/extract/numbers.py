"""Figures in running text: the number as written, its value, unit and qualifier.

The numeral lexicon is the numeric audit's (:mod:`bolekg.report.mentions`: the Chinese digits, the
measure words and :func:`~bolekg.report.mentions.chinese_value`); this module adds what a figure needs
beyond a mention: the unit after the number (万元, 亿元, 亩, 万亩, 人次, 户, 公里 …, or a measure word
counted as ``unit:NUM``), the qualifier (余/多/以上 more than, 约/近/左右 about, 以内/以下 at most) and
ranges (``3-4个月`` → a lower and an upper bound).

What is *not* a figure is decided here too, by general rules: a number that is part of a date
(``2021年``, ``6月30日``, ``1-6月``), an ordinal (``第二季度``; ``第三`` is kept only as a rank, which
:mod:`bolekg.extract.cues` decides), a code (``S304``, ``G219``, ``K2+196``; ``DN600`` is a pipe size and
is kept), a Chinese numeral with no measure word after it (``一是``, ``十四五``), and any number inside
quotation marks (“10项惠民工程”, “一号院”: names, not counts).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from bolekg.report.mentions import CHINESE_DIGITS, MEASURE_WORDS, chinese_value

NUMERALS = CHINESE_DIGITS + "〇亿"


@dataclass(frozen=True)
class Unit:
    """A unit word: the IRI's local name (``bk:`` or ``unit:``), and the base unit and multiplier where it scales."""

    word: str
    iri: str  # CURIE, e.g. "bk:TenThousandYuan", "unit:NUM"
    base: str | None = None
    multiplier: Decimal | None = None
    exact: bool = True  # whether value × multiplier is an exact decimal (亩 → m² is 2000/3: not)


def _u(word: str, iri: str, base: str | None = None, multiplier: str | None = None, exact: bool = True) -> Unit:
    return Unit(word, iri, base, Decimal(multiplier) if multiplier else None, exact)


#: Unit words, matched longest first. Counts of things use unit:NUM; the word stays in bk:asWritten.
UNITS: tuple[Unit, ...] = tuple(sorted((
    _u("亿元", "bk:HundredMillionYuan", "unit:CCY_CNY", "100000000"),
    _u("万元", "bk:TenThousandYuan", "unit:CCY_CNY", "10000"),
    _u("元", "unit:CCY_CNY"),
    _u("万亩", "bk:TenThousandMu", "unit:M2", "6666666.666666667", exact=False),
    _u("亩", "bk:Mu", "unit:M2", "666.6666666666667", exact=False),
    _u("万平方米", "bk:TenThousandSquareMetre", "unit:M2", "10000"),
    _u("万平米", "bk:TenThousandSquareMetre", "unit:M2", "10000"),
    _u("万㎡", "bk:TenThousandSquareMetre", "unit:M2", "10000"),
    _u("平方米", "unit:M2"), _u("平米", "unit:M2"), _u("㎡", "unit:M2"),
    _u("平方公里", "unit:KiloM2", "unit:M2", "1000000"),
    _u("万人次", "bk:TenThousandPersonTime", "bk:PersonTime", "10000"),
    _u("人次", "bk:PersonTime"),
    _u("万户", "bk:TenThousand", "unit:NUM", "10000"),
    _u("万人", "bk:TenThousand", "unit:NUM", "10000"),
    _u("万", "bk:TenThousand", "unit:NUM", "10000"),
    _u("户", "bk:Household"),
    _u("公里", "unit:KiloM", "unit:M", "1000"), _u("千米", "unit:KiloM", "unit:M", "1000"),
    _u("毫米", "unit:MilliM", "unit:M", "0.001"), _u("米", "unit:M"),
    _u("个月", "unit:MO"), _u("小时", "unit:HR"), _u("天", "unit:DAY"),
    _u("吨", "unit:TONNE"),
    _u("%", "unit:PERCENT"), _u("％", "unit:PERCENT"),
    *(_u(word, "unit:NUM") for word in (
        "场次", "家次", "人", "名", "个", "家", "项", "件", "所", "座", "条", "处", "面", "块", "套", "笔",
        "例", "张", "种", "枚", "轮", "批", "场", "次", "辆", "台", "组", "支", "间", "栋", "级", "路", "位",
        "只", "棵", "株", "盏", "根", "座", "期", "类", "宗", "起", "人员")),
), key=lambda unit: -len(unit.word)))
UNIT_WORDS = {unit.word: unit for unit in UNITS}
#: Measure words a *Chinese* numeral must be followed by to count (一路 is a road's name, 1888路 a count).
CHINESE_MEASURES = MEASURE_WORDS.replace("米", "").replace("月", "").replace("年", "").replace("季", "") + "万亿"

QUALIFIER_BEFORE = {"约": "Approximately", "近": "Approximately", "超过": "MoreThan", "逾": "MoreThan",
                    "不超过": "AtMost", "不到": "AtMost"}
QUALIFIER_AFTER = {"余": "MoreThan", "多": "MoreThan", "以上": "MoreThan", "左右": "Approximately",
                   "以内": "AtMost", "以下": "AtMost"}

ARABIC = r"\d+(?:,\d{3})*(?:\.\d+)?"
NUMBER = rf"(?:{ARABIC}|[{NUMERALS}]+)"
FIGURE = re.compile(
    rf"(?P<before>不超过|不到|超过|约|近|逾)?"
    rf"(?P<code>DN)?(?P<first>{NUMBER})"
    rf"(?:(?P<dash>[-—–~～至到])(?P<second>{NUMBER}))?"
    rf"(?P<scale>[万亿](?!元|亩|平|人|户|㎡)|(?=[万亿](?:元|亩|平|人|户|㎡)))?"
    rf"(?P<more>余|多)?"
    rf"(?P<counted>(?<=[万亿]余)(?:人次|人|户|个|家|元))?"
)
DATE_AFTER = re.compile(r"^(?:年|月|日|号|季度|月份|周岁|岁|点|时(?!间))")


@dataclass(frozen=True)
class Figure:
    """One number the text reports, with its offsets into the text (``begin``/``end`` cover the number,
    its unit and qualifiers: what ``bk:asWritten`` keeps)."""

    begin: int
    end: int
    as_written: str
    value: Decimal
    unit: Unit | None  # None: the number stands without a unit word (flagged, counted as unit:NUM)
    qualifier: str | None  # local name in bk: (MoreThan, Approximately, AtMost, RangeLowerBound, RangeUpperBound)
    chinese: bool = False
    ordinal: bool = False  # written 第N: only a rank keeps it

    @property
    def unit_iri(self) -> str:
        return self.unit.iri if self.unit else "unit:NUM"


def number_value(text: str) -> Decimal:
    """``5834`` → 5834; ``1,200`` → 1200; ``1853.06`` → 1853.06; ``十四`` → 14; ``1.6796`` stays a decimal."""
    if text[0].isdigit():
        return Decimal(text.replace(",", ""))
    return Decimal(chinese_value(text))


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """Spans inside quotation marks (“…”, "…", 「…」): names, whose numbers are no figures."""
    spans: list[tuple[int, int]] = []
    for match in re.finditer(r"“[^”\n]{0,40}”|「[^」\n]{0,40}」|\"[^\"\n]{0,40}\"", text):
        spans.append((match.start(), match.end()))
    return spans


def _unit_at(text: str, index: int) -> Unit | None:
    for unit in UNITS:
        if text.startswith(unit.word, index):
            return unit
    return None


def find_figures(text: str, begin: int = 0, end: int | None = None) -> list[Figure]:
    """Every figure in ``text[begin:end]``, offsets into ``text`` (ranges give two figures)."""
    end = len(text) if end is None else end
    quoted = quoted_spans(text)
    figures: list[Figure] = []
    for match in FIGURE.finditer(text, begin, end):
        first = match.group("first")
        start = match.start("first")
        chinese = not first[0].isdigit()
        if any(b < start < e for b, e in quoted):
            continue
        previous = text[start - 1] if start > 0 else ""
        if not match.group("code") and ((previous.isascii() and previous.isalnum()) or previous in "+."):
            continue  # part of a code (S304, G219, K2+196) or of a longer number
        if chinese and set(first) <= set("零〇万亿"):
            continue
        # 第四批、五批: a numeral listed after an ordinal is one too
        ordinal = previous == "第" or (previous == "、" and chinese and re.search(
            rf"第[{NUMERALS}]+\w?、$", text[max(0, start - 6):start]) is not None)
        after = match.end()
        if DATE_AFTER.match(text[after:after + 2]) and not match.group("scale"):
            continue  # 2021年, 6月, 30日, 第二季度, 1-6月
        if previous in "年月" and not chinese:
            continue  # a garbled or continued date: 2022年月9
        if match.group("dash") and DATE_AFTER.match(text[after:after + 2] or " "):
            continue
        unit = None if ordinal else _unit_at(text, after)
        scale = match.group("scale")
        if scale:
            unit = _unit_at(text, match.start("scale"))
            after = match.start("scale") + len(unit.word) if unit else match.end("scale")
            if match.group("counted"):
                after = match.end("counted")
        elif unit is not None:
            after += len(unit.word)
        if chinese and not ordinal and (unit is None or (unit.iri == "unit:NUM"
                                                         and unit.word[0] not in CHINESE_MEASURES)):
            continue  # 一是, 十四五, 经一路: a Chinese numeral counts only with a unit or a measure word
        if chinese and first == "一" and unit is not None and unit.word in ("批", "些", "次", "体", "样"):
            continue  # 一批, 一次: "a batch", "once", not counts
        qualifier = QUALIFIER_BEFORE.get(match.group("before") or "")
        if match.group("more"):
            qualifier = "MoreThan"
        for word, name in QUALIFIER_AFTER.items():
            if text.startswith(word, after):
                qualifier, after = name, after + len(word)
                break
        written_begin = match.start() if match.group("before") else (match.start("code") if match.group("code")
                                                                     else start)
        if match.group("code"):
            unit = Unit("DN", "bk:NominalDiameter")
        if previous == "第":
            written_begin -= 1
        as_written = text[written_begin:after]
        values = [number_value(first)]
        if match.group("second"):
            values.append(number_value(match.group("second")))
        for index, value in enumerate(values):
            range_qualifier = ("RangeLowerBound", "RangeUpperBound")[index] if len(values) == 2 else qualifier
            figures.append(Figure(written_begin, after, as_written, value, unit, range_qualifier,
                                  chinese=chinese, ordinal=ordinal))
    return figures
