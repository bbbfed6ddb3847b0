"""The report's structure from its headings: programmes (一、), items ((一) or ㈠), sub-items (1. or 1、),
and every paragraph cut into sentences with code-point offsets.

The Bole report's own reader (:mod:`bolekg.report.corpus`) knows its three sections and ten items; this
one takes any number of each and any paragraphs between, so that another county's report reads too.
IDs follow the corpus's pattern (``intro``, ``s1-heading``, ``s1-i01``, sentence ``s1-i01-03``), and a
paragraph that is not a heading line gets ``-p2``, ``-p3`` … after its heading's ID. Sentences are cut
by the corpus's own rule (:func:`bolekg.report.corpus.split_sentences`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bolekg.report.corpus import Sentence, split_sentences
from bolekg.report.mentions import chinese_value

NUMERAL = "一二三四五六七八九十"
CIRCLED = "㈠㈡㈢㈣㈤㈥㈦㈧㈨㈩"
PROGRAMME_HEADING = re.compile(rf"^\s*([{NUMERAL}]+)\s*[、．.]")
ITEM_HEADING = re.compile(rf"^\s*(?:[（(]\s*([{NUMERAL}]+)\s*[)）]|([{CIRCLED}]))")
SUB_HEADING = re.compile(r"^\s*(\d{1,2})\s*[.、．](?!\d)")


@dataclass(frozen=True)
class Block:
    """A paragraph (one line of the text) with its place in the structure."""

    id: str
    begin: int
    end: int
    text: str
    kind: str  # "intro", "programme", "item", "subitem" or "body"
    programme: int  # 0 before the first programme heading
    item: int  # 0 outside items
    title: str  # the heading's words (without its numbering), "" for a body paragraph
    sentences: tuple[Sentence, ...] = field(default=())


@dataclass(frozen=True)
class Document:
    text: str
    blocks: tuple[Block, ...]

    def sentences(self) -> list[Sentence]:
        return [s for block in self.blocks for s in block.sentences]

    def block_of(self, sentence: Sentence) -> Block:
        for block in self.blocks:
            if block.begin <= sentence.begin < block.end:
                return block
        raise KeyError(sentence.id)

    def sentence_at(self, offset: int) -> Sentence:
        for sentence in self.sentences():
            if sentence.begin <= offset < sentence.end:
                return sentence
        raise KeyError(f"no sentence at offset {offset}")


def _title(line: str, marker_end: int) -> str:
    """The heading's words: after the numbering, up to the first full stop (㈠ 就业创业方面。… → 就业创业方面)."""
    rest = line[marker_end:].strip()
    return re.split(r"[。：:]", rest, maxsplit=1)[0].strip()[:60]


def parse_document(text: str) -> Document:
    """Cut ``text`` into blocks (one per non-empty line) and sentences; never changes the text."""
    blocks: list[Block] = []
    programme = item = 0
    body_count: dict[str, int] = {}
    parent = "intro"
    offset = 0
    for line in text.split("\n"):
        begin, offset = offset, offset + len(line) + 1
        if not line.strip():
            continue
        kind, title = "body", ""
        if match := PROGRAMME_HEADING.match(line):
            programme, item, kind = programme + 1, 0, "programme"
            block_id = parent = f"s{programme}-heading"
            title = _title(line, match.end())
        elif (match := ITEM_HEADING.match(line)) and programme:
            numeral = match.group(1)
            item = chinese_value(numeral) if numeral else CIRCLED.index(match.group(2)) + 1
            kind = "item"
            block_id = parent = f"s{programme}-i{item:02d}"
            title = _title(line, match.end())
        elif (match := SUB_HEADING.match(line)) and item:
            kind = "subitem"
            block_id = parent = f"s{programme}-i{item:02d}-n{int(match.group(1)):02d}"
            title = _title(line, match.end())
        else:
            body_count[parent] = body_count.get(parent, 0) + 1
            number = body_count[parent]
            if parent == "intro":
                kind = "intro"
                block_id = "intro" if number == 1 else f"intro-p{number}"
            else:
                block_id = f"{parent}-p{number + 1}"
        end = begin + len(line.rstrip())
        body = text[begin:end]
        blocks.append(Block(block_id, begin, end, body, kind, programme, item, title,
                            split_sentences(body, begin, block_id)))
    if not blocks:
        raise ValueError("the text is empty")
    return Document(text, tuple(blocks))
