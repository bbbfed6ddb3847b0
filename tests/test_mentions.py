"""The numeric-mention finder: what counts as a number in the report, and where it is.

The audit's 100 % rule is only as good as this population: a number the finder misses can never be
flagged as unencoded, and a name it wrongly counts forces a meaningless ledger row.
"""

from __future__ import annotations

from itertools import pairwise

import pytest

from bolekg.report import corpus
from bolekg.report.mentions import Mention, chinese_value, find_mentions

TEXT = (
    "党史学习教育开展以来,坚持把察民情访民意作为第一步。\n"
    "一、多措并举,稳步推进“10项惠民工程”\n"
    "㈠ 储备达到满负荷运转3-4个月的储备量。累计实现转移就业1.6796万人次。"
    "已开展八轮接种,位居全疆第三。一是根据“十四五”规划推进。\n"
    "㈡ S304线升级;K2+196涵洞完成;管径DN600管网长1500米。\n"
)


@pytest.fixture(scope="module")
def mentions() -> list[Mention]:
    return find_mentions(corpus.parse(TEXT))


def at(mentions: list[Mention], needle: str) -> list[Mention]:
    """The mentions inside the first occurrence of ``needle``."""
    begin = TEXT.index(needle)
    return [m for m in mentions if begin <= m.begin and m.end <= begin + len(needle)]


def test_offsets_quote_the_text(mentions: list[Mention]) -> None:
    assert mentions, "the finder found nothing"
    for mention in mentions:
        assert TEXT[mention.begin:mention.end] == mention.text
    assert [m.begin for m in mentions] == sorted(m.begin for m in mentions)


def test_a_range_gives_two_mentions(mentions: list[Mention]) -> None:
    found = at(mentions, "3-4个月")
    assert [(m.text, m.kind) for m in found] == [("3", "number"), ("4", "number")]
    assert found[0].begin == TEXT.index("3-4个月")
    assert found[0].sentence_id == "s1-i01-01"


def test_a_decimal_in_ten_thousands_is_one_number(mentions: list[Mention]) -> None:
    found = at(mentions, "1.6796万人次")
    assert [(m.text, m.kind) for m in found] == [("1.6796", "number")]
    assert not any("万" in m.text for m in mentions)


def test_chinese_quantities_and_ordinals_are_found(mentions: list[Mention]) -> None:
    assert [(m.text, m.kind) for m in at(mentions, "八轮")] == [("八", "quantity")]
    assert [(m.text, m.kind) for m in at(mentions, "全疆第三")] == [("第三", "ordinal")]
    assert [(m.text, m.kind) for m in at(mentions, "第一步")] == [("第一", "ordinal")]
    assert [m.sentence_id for m in at(mentions, "全疆第三")] == ["s1-i01-03"]


def test_numerals_in_names_are_not_mentions(mentions: list[Mention]) -> None:
    assert at(mentions, "一是") == []
    assert at(mentions, "“十四五”") == []


def test_codes_keep_their_letters(mentions: list[Mention]) -> None:
    for code in ("S304", "K2+196", "DN600"):
        assert [(m.text, m.kind) for m in at(mentions, code)] == [(code, "code")]
    assert [m.text for m in at(mentions, "DN600管网长1500米")] == ["DN600", "1500"]


def test_heading_number_is_a_mention(mentions: list[Mention]) -> None:
    assert [(m.text, m.sentence_id) for m in at(mentions, "“10项")] == [("10", "s1-heading-01")]


@pytest.mark.parametrize(
    ("numeral", "value"),
    [("八", 8), ("两", 2), ("十", 10), ("十四", 14), ("三十一", 31), ("第三", 3),
     ("一百零五", 105), ("一万二千", 12000)],
)
def test_chinese_value(numeral: str, value: int) -> None:
    assert chinese_value(numeral) == value


def test_the_report_mentions_quote_the_source() -> None:
    report = corpus.load()
    found = find_mentions(report)
    for mention in found:
        assert report.text[mention.begin:mention.end] == mention.text
        sentence = report.sentence(mention.sentence_id)
        assert sentence.begin <= mention.begin and mention.end <= sentence.end
    texts = {m.text for m in found}
    assert {"1.6796", "K2+196", "K3+615", "DN600", "S304", "G219", "八", "第三"} <= texts
    spans = sorted((m.begin, m.end) for m in found)
    assert all(a_end <= b_begin for (_, a_end), (b_begin, _) in pairwise(spans))
