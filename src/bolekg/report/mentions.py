"""Every numeric mention in the report, with its offsets: the population the numeric audit accounts for.

A mention is one of
- an Arabic number, decimal or percentage (``5834``, ``128.2``, ``99.69%`` → the number part);
  a range ``3-4`` gives two mentions; a code-like token (``S304``, ``G219``, ``DN600``, ``K2+196``)
  is one mention with its letters, since the letters change what the digits mean;
- a Chinese numeral that carries a quantity or an order: followed by a measure word
  (``八轮``, ``三项``, ``三条``) or preceded by 第 (``第二季度``, ``第三``).
Chinese numerals inside names and idioms (``一是``, ``十四五``, ``一卡通``, ``一体化``) are not
mentions: they carry no figure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from bolekg.report.corpus import Sentence

CHINESE_DIGITS = "零一二两三四五六七八九十百千万"
MEASURE_WORDS = "个项件轮批条所座名家人次处面块米月年季级笔场套户例"

ARABIC = re.compile(
    r"(?P<code>K\d+\+\d+|[A-Z]{1,2}\d+)"  # chainage, road number, nominal diameter
    r"|(?P<number>\d+(?:\.\d+)?)"
)
CHINESE = re.compile(
    rf"(?P<ordinal>第[{CHINESE_DIGITS}]+)"
    rf"|(?<![\d.{CHINESE_DIGITS}])(?P<quantity>[{CHINESE_DIGITS}]+)(?=[{MEASURE_WORDS}])"
)


class Segmented(Protocol):
    """A report's text cut into sentences with IDs: the Bole corpus (:class:`bolekg.report.corpus.Corpus`)
    or another report's text as the extractor reads it (:class:`SentenceText`)."""

    @property
    def text(self) -> str: ...

    def sentence_at(self, offset: int) -> Sentence: ...

    def sentence(self, sentence_id: str) -> Sentence: ...


@dataclass(frozen=True)
class SentenceText:
    """A text and its sentences (in order), for a report other than the Bole one."""

    text: str
    sentences: tuple[Sentence, ...]

    def sentence_at(self, offset: int) -> Sentence:
        for sentence in self.sentences:
            if sentence.begin <= offset < sentence.end:
                return sentence
        raise KeyError(f"no sentence at offset {offset}")

    def sentence(self, sentence_id: str) -> Sentence:
        for sentence in self.sentences:
            if sentence.id == sentence_id:
                return sentence
        raise KeyError(sentence_id)


@dataclass(frozen=True)
class Mention:
    begin: int
    end: int
    text: str
    kind: str  # "number", "code", "ordinal" or "quantity"
    sentence_id: str

    @property
    def key(self) -> str:
        return f"{self.begin}-{self.end}"


CHINESE_VALUES = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
                  "六": 6, "七": 7, "八": 8, "九": 9}
#: Small units multiply the digit before them; large units (万, 亿) multiply everything before them.
SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
LARGE_UNITS = {"万": 10_000, "亿": 100_000_000}


def chinese_value(numeral: str) -> int:
    """The value of a Chinese numeral in any mix of digits and units.

    八 → 8, 十四 → 14, 三十一 → 31, 一百零五 → 105, 一万二千 → 12000, 三千五百万 → 35000000,
    两亿零五百万 → 205000000. A leading 第 (an ordinal) is ignored. Each 万 or 亿 closes a group:
    the group so far is multiplied, so 三千五百万 is (3000 + 500) × 10000, not 3000 + 500 + 10000.
    Shared by the numeric audit and the extractor (:mod:`bolekg.extract.numbers`): one numeral lexicon.
    """
    numeral = numeral.removeprefix("第")
    total, group, digit = 0, 0, 0
    for char in numeral:
        if char in CHINESE_VALUES:
            digit = CHINESE_VALUES[char]
        elif char in SMALL_UNITS:
            group += (digit or 1) * SMALL_UNITS[char]
            digit = 0
        elif char in LARGE_UNITS:
            if char == "亿":  # everything so far is counted in 亿 (三万亿 is 3 × 10^12)
                total = ((total + group + digit) or 1) * LARGE_UNITS[char]
            else:  # 万 counts the group since the last 亿 (一亿二千万 is 10^8 + 2000 × 10^4)
                total += ((group + digit) or 1) * LARGE_UNITS[char]
            group, digit = 0, 0
        else:
            raise ValueError(f"not a Chinese numeral: {numeral!r}")
    return total + group + digit


def find_mentions(corpus: Segmented) -> list[Mention]:
    text = corpus.text
    found: list[Mention] = []
    for match in ARABIC.finditer(text):
        kind = match.lastgroup or "number"
        found.append(Mention(match.start(), match.end(), match.group(), kind,
                             corpus.sentence_at(match.start()).id))
    for match in CHINESE.finditer(text):
        kind = match.lastgroup or "quantity"
        found.append(Mention(match.start(), match.end(), match.group(), kind,
                             corpus.sentence_at(match.start()).id))
    return sorted(found, key=lambda m: m.begin)
