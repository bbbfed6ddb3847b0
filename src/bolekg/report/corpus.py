"""The report text cut into sections, items (paragraphs) and sentences with stable IDs.

Every quote in the graph points into ``data/source/`` by Python code-point offsets (the same
offsets NIF uses, https://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core/nif-core.html),
so the segmentation here must be deterministic: the IDs it produces are part of the IRIs of the
sentences in ``data/turtle/report-text.ttl``.

IDs: ``intro`` (the opening paragraph), ``s1-heading`` (a section's title line), ``s1-i01`` (item
㈠ of section 一) and, for sentences, the paragraph ID plus a two-digit ordinal (``s1-i01-03``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from bolekg.paths import SOURCE_FILE

SECTION_NUMERALS = "一二三"
ITEM_MARKERS = "㈠㈡㈢㈣㈤㈥㈦㈧㈨㈩"
SENTENCE_END = "。；;！？"
OPENING = "（(“‘"
CLOSING = "）)”’"


@dataclass(frozen=True)
class Span:
    id: str
    begin: int
    end: int
    text: str


@dataclass(frozen=True)
class Sentence(Span):
    paragraph_id: str
    ordinal: int


@dataclass(frozen=True)
class Paragraph(Span):
    section: int  # 0 for the introduction
    item: int  # 0 for the introduction and section headings, 1..10 for ㈠..㈩
    sentences: tuple[Sentence, ...] = field(default=())


@dataclass(frozen=True)
class Section(Span):
    number: int
    heading: Paragraph
    items: tuple[Paragraph, ...]


@dataclass(frozen=True)
class Corpus:
    text: str
    introduction: Paragraph
    sections: tuple[Section, ...]

    def paragraphs(self) -> Iterator[Paragraph]:
        yield self.introduction
        for section in self.sections:
            yield section.heading
            yield from section.items

    def sentences(self) -> Iterator[Sentence]:
        for paragraph in self.paragraphs():
            yield from paragraph.sentences

    def sentence(self, sentence_id: str) -> Sentence:
        for sentence in self.sentences():
            if sentence.id == sentence_id:
                return sentence
        raise KeyError(sentence_id)

    def sentence_at(self, offset: int) -> Sentence:
        """The sentence holding the code point at ``offset``."""
        for sentence in self.sentences():
            if sentence.begin <= offset < sentence.end:
                return sentence
        raise KeyError(f"no sentence at offset {offset}")

    def paragraph(self, paragraph_id: str) -> Paragraph:
        for paragraph in self.paragraphs():
            if paragraph.id == paragraph_id:
                return paragraph
        raise KeyError(paragraph_id)

    def occurrences(self, needle: str, within: str | None = None) -> list[int]:
        """Begin offsets of ``needle``, optionally inside the span whose ID starts with ``within``."""
        spans: list[Span]
        if within is None:
            spans = [Span("report", 0, len(self.text), self.text)]
        else:
            spans = [s for s in self.sentences() if s.id == within or s.id.startswith(within + "-")]
            spans += [p for p in self.paragraphs() if p.id == within]
            if not spans:
                raise KeyError(f"no sentence or paragraph {within!r}")
        found: set[int] = set()
        for span in spans:
            start = span.begin
            while (hit := self.text.find(needle, start, span.end)) != -1:
                found.add(hit)
                start = hit + 1
        return sorted(found)


def split_sentences(text: str, begin: int, paragraph_id: str) -> tuple[Sentence, ...]:
    """Cut a paragraph at 。；; etc., never inside brackets or quotation marks.

    A terminator inside parentheses ends the sentence at the closing bracket instead, so
    "…已完工(…;…阶段。)北城体育馆项目…" keeps the parenthesis with the sentence it explains.
    """
    sentences: list[Sentence] = []
    depth = 0
    pending_end = False
    start = 0

    def close(end: int) -> None:
        nonlocal start
        piece = text[start:end]
        if piece.strip():
            sentences.append(
                Sentence(
                    id=f"{paragraph_id}-{len(sentences) + 1:02d}",
                    begin=begin + start,
                    end=begin + end,
                    text=piece,
                    paragraph_id=paragraph_id,
                    ordinal=len(sentences) + 1,
                )
            )
        start = end

    for index, char in enumerate(text):
        if char in OPENING:
            depth += 1
        elif char in CLOSING and depth > 0:
            depth -= 1
            if depth == 0 and pending_end:
                pending_end = False
                close(index + 1)
        elif char in SENTENCE_END:
            if depth == 0:
                close(index + 1)
            else:
                pending_end = True
    close(len(text))
    return tuple(sentences)


def _paragraph(text: str, begin: int, pid: str, section: int, item: int) -> Paragraph:
    return Paragraph(
        id=pid,
        begin=begin,
        end=begin + len(text),
        text=text,
        section=section,
        item=item,
        sentences=split_sentences(text, begin, pid),
    )


def parse(text: str) -> Corpus:
    """Segment the report: line 0 is the introduction, ``一、`` lines open sections, ㈠ lines items."""
    introduction: Paragraph | None = None
    sections: list[tuple[int, Paragraph, list[Paragraph]]] = []
    offset = 0
    for line in text.split("\n"):
        begin, offset = offset, offset + len(line) + 1
        if not line.strip():
            continue
        if line[0] in SECTION_NUMERALS and line[1:2] == "、":
            number = SECTION_NUMERALS.index(line[0]) + 1
            heading = _paragraph(line, begin, f"s{number}-heading", number, 0)
            sections.append((number, heading, []))
        elif line[0] in ITEM_MARKERS:
            if not sections:
                raise ValueError(f"item before any section at offset {begin}")
            number, _, items = sections[-1]
            item = ITEM_MARKERS.index(line[0]) + 1
            items.append(_paragraph(line, begin, f"s{number}-i{item:02d}", number, item))
        elif introduction is None and not sections:
            introduction = _paragraph(line, begin, "intro", 0, 0)
        else:
            raise ValueError(f"unexpected paragraph at offset {begin}: {line[:20]!r}")
    if introduction is None:
        raise ValueError("the report has no introduction")
    return Corpus(
        text=text,
        introduction=introduction,
        sections=tuple(
            Section(
                id=f"section-{number}",
                begin=heading.begin,
                end=(items[-1] if items else heading).end,
                text=text[heading.begin : (items[-1] if items else heading).end],
                number=number,
                heading=heading,
                items=tuple(items),
            )
            for number, heading, items in sections
        ),
    )


def read_source(path: Path = SOURCE_FILE) -> str:
    return path.read_text(encoding="utf-8")


@cache
def load() -> Corpus:
    """The report as shipped in ``data/source/`` (parsed once per process)."""
    return parse(read_source())
