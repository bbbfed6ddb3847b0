"""Numbers as people read them: one place that turns a figure of the graph into words on a page.

The graph keeps every value as the report gives it, in the reported unit (``6`` in ``bk:TenThousand``,
with ``bk:valueQualifier bk:MoreThan``; docs/ENCODING.md, "Observations"). A reader should see what the
report says, not how it is encoded: Chinese readers ``6万余``, English readers ``60,000+``. So:

- **Qualifiers** read as the report writes them (zh ``6万余``, ``约…``, ``…以内``; en ``60,000+``,
  ``about …``, ``up to …``): an approximate figure never reads as exact.
- **Thousands separators in both languages**, from Babel's CLDR data (``format_decimal`` with ``en``
  and ``zh_CN``, both of which group by three with a comma: ``139,294``). Chinese official statistics
  print large numbers either way; one rule for both languages keeps the tables comparable side by side.
  Decimals are kept exactly as reported (no rounding: ``43.37``, ``22.15``).
- **Units in words of each language**, not the ontology's labels (``万(个数)``, ``ten thousand (count)``
  are names for the vocabulary, not for a sentence). A plain count (``unit:NUM``) gets no unit word at
  all: the indicator beside it says what is counted.
- **English has no 万**: a value in a 万 unit is multiplied out (``6万`` → ``60,000``; ``1.4万亩`` →
  ``14,000 mu``) and large round amounts read in millions (``2065万元`` → ``20.65 million yuan``).
  Chinese keeps the 万 unit as the report writes it (``2,065万元``).

These unit words are data about units, kept here beside the rules that place them, not UI strings in
the gettext catalogues: they are never shown alone, and the word order differs by language.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from babel.numbers import format_decimal

#: Babel's locale for each page language.
LOCALES = {"zh": "zh_CN", "en": "en"}

#: The qualifiers' local names (``bk:MoreThan`` …) that change how a value reads.
MORE_THAN, ABOUT, AT_MOST = "MoreThan", "Approximately", "AtMost"
LOWER_BOUND, UPPER_BOUND = "RangeLowerBound", "RangeUpperBound"


@dataclass(frozen=True)
class UnitWords:
    """How one unit reads: its Chinese word, its English word (singular, plural), and the factor by
    which English multiplies a 万 value out (1 where the unit has no 万 in it)."""

    zh: str
    en: str
    en_plural: str = ""
    en_factor: int = 1
    prefix: bool = False  # the unit's symbol goes before the number (DN 600)


#: Units by local name (the part of the IRI after the last ``/`` or ``#``).
UNITS: dict[str, UnitWords] = {
    "NUM": UnitWords("", ""),
    "PERCENT": UnitWords("%", "%"),
    "TenThousand": UnitWords("万", "", en_factor=10000),
    "CCY_CNY": UnitWords("元", "yuan"),
    "TenThousandYuan": UnitWords("万元", "yuan", en_factor=10000),
    # 人次 counts attendances, not distinct people: "person-times" says so, "people" would not
    "PersonTime": UnitWords("人次", "person-time", "person-times"),
    "TenThousandPersonTime": UnitWords("万人次", "person-time", "person-times", en_factor=10000),
    "Household": UnitWords("户", "household", "households"),
    "KiloM": UnitWords("公里", "km"),
    "M": UnitWords("米", "m"),
    "MilliM": UnitWords("毫米", "mm"),
    "M2": UnitWords("平方米", "m²"),
    "TenThousandSquareMetre": UnitWords("万平方米", "m²", en_factor=10000),
    "Mu": UnitWords("亩", "mu"),
    "TenThousandMu": UnitWords("万亩", "mu", en_factor=10000),
    "MO": UnitWords("个月", "month", "months"),
    "HR": UnitWords("小时", "hour", "hours"),
    "NominalDiameter": UnitWords("DN", "DN", prefix=True),
}

MILLION = Decimal(1_000_000)


def local_name(iri: str) -> str:
    """The last segment of an IRI: ``…/unit/KiloM`` → ``KiloM``, ``…/def/MoreThan`` → ``MoreThan``."""
    return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def decimal_of(value: object) -> Decimal | None:
    """The value as an exact decimal (``"60000.0"`` → ``60000.0``), or None when it is not a number."""
    try:
        found = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return found if found.is_finite() else None


def _plain(value: Decimal) -> Decimal:
    """Drop trailing zeros that say nothing (``60000.0`` → ``60000``), keep those that do (``43.37``)."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def number_text(value: object, lang: str) -> str:
    """A bare number with the page language's separators: ``139294`` → ``139,294``; not a number → as is."""
    found = decimal_of(value)
    if found is None:
        return str(value)
    return format_decimal(_plain(found), locale=LOCALES.get(lang, "en"), decimal_quantization=False)


def percent_text(value: object, lang: str) -> str:
    """A percentage as reported: ``43.37`` → ``43.37%`` (no rounding, no space, both languages)."""
    return number_text(value, lang) + "%"


def _en_amount(value: Decimal, words: UnitWords) -> tuple[str, str]:
    """English number and unit word: 万 multiplied out, round large amounts in millions."""
    value = value * words.en_factor
    unit = words.en
    if words.en_plural and value != 1:
        unit = words.en_plural
    millions = value / MILLION
    if value >= MILLION and millions == round(millions, 2):
        return number_text(millions, "en") + " million", unit
    return number_text(value, "en"), unit


def value_text(value: object, unit_iri: str, qualifiers: Iterable[str] = (), lang: str = "zh",
               unit_name: str = "") -> str:
    """One figure as a reader says it, with its unit and qualifier.

    ``unit_iri`` and ``qualifiers`` are IRIs (or local names). A unit this module does not know reads
    with ``unit_name`` (its label in the page language) after the number.
    """
    found = decimal_of(value)
    marks = {local_name(q) for q in qualifiers}
    words = UNITS.get(local_name(unit_iri)) if unit_iri else UNITS["NUM"]
    if found is None:
        return f"{value} {unit_name}".strip()
    if words is None:
        words = UnitWords(unit_name, unit_name)
    if lang == "zh":
        return _zh(found, words, marks)
    return _en(found, words, marks)


def _zh(value: Decimal, words: UnitWords, marks: set[str]) -> str:
    number = number_text(value, "zh")
    unit = words.zh
    if words.prefix:
        body = f"{unit}{number}"
    elif MORE_THAN in marks:
        # 余 follows the magnitude: 6万余(人), 2,000余户; a percentage reads 以上
        if unit == "%":
            body = f"{number}%以上"
        elif unit.startswith("万"):
            body = f"{number}万余{unit[1:]}"
        else:
            body = f"{number}余{unit}"
    else:
        body = f"{number}{unit}"
    if ABOUT in marks:
        body = "约" + body
    if AT_MOST in marks:
        body += "以内"
    if LOWER_BOUND in marks:
        body = "至少" + body
    if UPPER_BOUND in marks:
        body = "至多" + body
    return body


def _en(value: Decimal, words: UnitWords, marks: set[str]) -> str:
    number, unit = _en_amount(value, words)
    if words.prefix:
        body = f"{unit} {number}"
    elif unit == "%":
        body = f"{number}%"
    elif MORE_THAN in marks and " " not in number:
        body = f"{number}+ {unit}".strip()
    else:
        body = f"{number} {unit}".strip()
    if MORE_THAN in marks and (" " in number or words.prefix or unit == "%"):
        body = "more than " + body
    if ABOUT in marks:
        body = "about " + body
    if AT_MOST in marks:
        body = "up to " + body
    if LOWER_BOUND in marks:
        body = "at least " + body
    if UPPER_BOUND in marks:
        body = "at most " + body
    return body


def is_exact(qualifiers: Iterable[str]) -> bool:
    """True when no qualifier makes the value approximate or a bound (docs/ENCODING.md: absent = exact)."""
    return not {local_name(q) for q in qualifiers} & {MORE_THAN, ABOUT, AT_MOST, LOWER_BOUND, UPPER_BOUND}


def text_width(label: str, font_size: float, bold: bool = False) -> float:
    """An estimate, in the font's units, of how wide ``label`` renders: a CJK character (and a
    full-width sign) is one em, a digit or Latin letter about 0.6 em, a space or a thin sign less.

    Generous on purpose: it decides where a chart's labels go, and a label too wide is cut by the
    figure's edge, while one estimated too wide only leaves a little space. Bold is a tenth wider
    (DejaVu Sans Bold against Book, the fallback of ``system-ui`` on Debian)."""
    ems = 0.0
    for char in label:
        code = ord(char)
        if code >= 0x2E80 or 0xFF00 <= code <= 0xFFEF:
            ems += 1.0
        elif char in " .,:;'|!il":
            ems += 0.34
        elif char.isupper() or char in "%mwMW—…":
            ems += 0.8
        else:
            ems += 0.62
    return ems * font_size * (1.12 if bold else 1.0)
