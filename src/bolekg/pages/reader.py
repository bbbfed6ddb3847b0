"""The report reader: the whole text, laid out as the report is (programmes, then their 30 items),
with the quotes behind one kind of fact highlighted and linked to those facts.

The report encodes 370 quotes, and nearly every clause is one: highlighting them all says nothing.
A highlight here means one thing, named in the legend: this clause is the evidence for a figure, a
date, a status or a responsibility in the data (``?marks=``, :data:`MARKS`; figures by default, the
facts most people come for). Each kind has its own class and its own underline style, so the kinds
differ without colour. A highlight links to the fact it supports; when it supports several of the
chosen kind, to a short list of them after the item (a footnote), never to the quote's own page,
which stays one step away from each fact.

Provenance runs both ways: an entity page links each of its quotes here (``/reader#q-<begin>-<end>``,
an anchor every quote has whatever is highlighted), and the quote page links to its sentence
(``#s-<begin>``). Offsets are the NIF code-point offsets into the text held in the graph
(``nif:isString`` of the ``bk:ReportText``), the same offsets the SHACL shapes check against the
source, so a highlight always covers exactly the quoted characters.

Quotes may nest or overlap; the text is cut at every quote and sentence boundary and each piece
links to the innermost highlighted quote covering it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from itertools import pairwise

from bolekg.pages.common import Context, Link
from bolekg.report.vocab import BK, REPORT_GRAPH
from bolekg.services.lookup import text

#: Each query reads one report's graph (``{graph}``): offsets are into that report's own text, so
#: the texts, sentences and quotes of two reports must never meet on one page.
TEXT_QUERY = "SELECT ?text WHERE {{ GRAPH <{graph}> {{ ?context a bk:ReportText ; nif:isString ?text }} }} LIMIT 1"
PARAGRAPHS_QUERY = """SELECT ?p ?b ?e ?section WHERE {{ GRAPH <{graph}> {{
  ?p a bk:Paragraph ; nif:beginIndex ?b ; nif:endIndex ?e .
  OPTIONAL {{ ?p bk:section ?section }}
}} }} ORDER BY ?b"""
SENTENCES_QUERY = """SELECT ?s ?b ?e WHERE {{ GRAPH <{graph}> {{ ?s a nif:Sentence ; nif:beginIndex ?b ;
  nif:endIndex ?e }} }}"""
#: The programmes and items, by the text that describes them (a programme its section, an item its paragraph).
OUTLINE_QUERY = """SELECT ?init ?text ?notation WHERE {{
  GRAPH <{graph}> {{ ?init bk:describedIn ?text }}
  OPTIONAL {{ ?init skos:notation ?notation }}
}}"""
#: Every quote and the facts resting on it with their types: a plain OPTIONAL, which every store
#: answers alike (no EXISTS, no path), the types sorted into kinds here.
QUOTES_QUERY = """SELECT ?q ?b ?e ?fact ?type WHERE {{
  GRAPH <{graph}> {{ ?q a bk:Quote ; nif:beginIndex ?b ; nif:endIndex ?e }}
  OPTIONAL {{ ?fact bk:evidence ?q ; a ?type }}
}}"""

#: The kinds of fact a highlight can stand for, in the order a clause is classed by when it supports
#: several; ``other`` is what names or describes an initiative, a place or an organisation.
KIND_OF_TYPE = {str(BK.Observation): "fig", str(BK.Milestone): "date", str(BK.StatusStatement): "status",
                str(BK.StatedResponsibility): "resp"}
KINDS = ("fig", "date", "status", "resp", "other")
#: What ``?marks=`` may ask for: the kinds highlighted.
MARKS: dict[str, tuple[str, ...]] = {
    "figures": ("fig",), "dates": ("date",), "statuses": ("status",), "responsibilities": ("resp",),
    "all": KINDS, "none": (),
}
DEFAULT_MARKS = "figures"


def marks_of(asked: str | None) -> str:
    """The highlight set asked for, or the default for anything else (a display choice, not an error)."""
    return asked if asked in MARKS else DEFAULT_MARKS


@dataclass
class Span:
    link: Link
    begin: int
    end: int
    facts: dict[str, list[Link]] = field(default_factory=dict)

    @property
    def anchor(self) -> str:
        return f"q-{self.begin}-{self.end}"

    def shown(self, kinds: tuple[str, ...]) -> list[Link]:
        """The facts of the chosen kinds resting on this quote, each once."""
        found: list[Link] = []
        for kind in kinds:
            found += [f for f in self.facts.get(kind, []) if f not in found]
        return found

    def kind(self, kinds: tuple[str, ...]) -> str:
        return next(k for k in kinds if self.facts.get(k))


@dataclass
class Note:
    """A highlighted clause that supports several facts: its highlight links here, to the list."""

    span: Span
    text: str
    facts: list[Link]

    @property
    def id(self) -> str:
        return f"f-{self.span.begin}-{self.span.end}"

    @property
    def back(self) -> str:
        return f"m-{self.span.begin}-{self.span.end}"


@dataclass
class Block:
    """A piece of the report: the introduction (``intro``), a programme's heading (``programme``)
    or an item (``item``: its first sentence is its heading, the rest its text)."""

    kind: str
    link: Link
    id: str
    begin: int
    heading_html: str = ""
    html: str = ""
    initiative: Link | None = None
    notation: str = ""
    notes: list[Note] = field(default_factory=list)


@dataclass
class Entry:
    """A line of the table of contents: a programme with its items."""

    block: Block
    items: list[Block]


@dataclass
class Part:
    """One programme on a page of its own (``/reader?part=section-2``): its blocks (the first part also
    the introduction before it), and its neighbours for the pager."""

    entry: Entry
    number: int
    blocks: list[Block]
    previous: Entry | None
    next: Entry | None


@dataclass
class Reader:
    blocks: list[Block]
    toc: list[Entry]
    marks: str
    quotes: int
    facts: int
    highlighted: int
    counts: dict[str, int]

    def parts(self) -> list[list[Block]]:
        """The blocks cut before each programme's heading after the first: one list per programme,
        the introduction joined to the first (a part of two paragraphs would be a page of nothing)."""
        found: list[list[Block]] = [[]]
        for block in self.blocks:
            if block.kind == "programme" and any(b.kind == "programme" for b in found[-1]):
                found.append([])
            found[-1].append(block)
        return found if self.toc else []

    def part(self, key: str | None) -> Part | None:
        """The part whose programme has the id ``key`` (``section-2``), ``None`` if there is none.

        Why parts: the whole report is some 9 000 px on a phone; a programme alone is a third of it,
        and every part keeps the whole table of contents, which links into the other parts."""
        for number, (entry, blocks) in enumerate(zip(self.toc, self.parts(), strict=False), 1):
            if entry.block.id == key:
                return Part(entry, number, blocks, self.toc[number - 2] if number > 1 else None,
                            self.toc[number] if number < len(self.toc) else None)
        return None

    def part_of(self) -> dict[str, str]:
        """Block id → the id of the programme whose part holds it (for links from one part into another)."""
        return {block.id: entry.block.id for entry, blocks in zip(self.toc, self.parts(), strict=False)
                for block in blocks}


class _Renderer:
    """Cuts the text at quote and sentence boundaries and links each piece to its innermost highlight."""

    def __init__(self, source: str, sentences: list[int], spans: list[Span], kinds: tuple[str, ...]):
        self.source = source
        self.sentence_starts = set(sentences)
        self.spans = spans
        self.kinds = kinds
        self.highlighted: set[str] = set()

    def render(self, begin: int, end: int, notes: list[Note]) -> str:
        inside = [s for s in self.spans if begin <= s.begin and s.end <= end]
        lit = [s for s in inside if s.shown(self.kinds)]
        cuts = {begin, end} | {b for b in self.sentence_starts if begin <= b < end}
        for span in inside:
            cuts |= {span.begin, span.end}
        starts: dict[int, list[Span]] = {}
        for span in inside:
            starts.setdefault(span.begin, []).append(span)
        out: list[str] = []
        open_span: Span | None = None
        for a, b in pairwise(sorted(cuts)):
            covering = [s for s in lit if s.begin <= a and b <= s.end]
            innermost = min(covering, key=lambda s: (s.end - s.begin, s.begin)) if covering else None
            if innermost is not open_span and open_span is not None:
                out.append("</a>")
                open_span = None
            if a in self.sentence_starts:
                out.append(f'<span class="anchor" id="s-{a}"></span>')
            for span in sorted(starts.get(a, []), key=lambda s: -(s.end - s.begin)):
                out.append(f'<span class="anchor qa" id="{span.anchor}"></span>')
            if innermost is not None and innermost is not open_span:
                out.append(self._open(innermost, notes))
                open_span = innermost
            out.append(escape(self.source[a:b]))
        if open_span is not None:
            out.append("</a>")
        return "".join(out)

    def _open(self, span: Span, notes: list[Note]) -> str:
        facts = span.shown(self.kinds)
        kind = span.kind(self.kinds)
        first = span.anchor not in self.highlighted  # a quote cut by a nested one opens again
        self.highlighted.add(span.anchor)
        note = Note(span, self.source[span.begin:span.end], facts)
        if len(facts) == 1:
            href = facts[0].href
        else:
            href = "#" + note.id
            if first:
                notes.append(note)
        ident = f' id="{note.back}"' if first else ""
        names = "; ".join(f.name for f in facts)
        return (f'<a class="hl {kind}" href="{escape(href)}"{ident} title="{escape(names)}" '
                f'aria-describedby="legend-{kind}" data-quote="{span.anchor}">')


def build(context: Context, marks: str = DEFAULT_MARKS, graph: str = str(REPORT_GRAPH)) -> Reader:
    """The text of the report whose graph is ``graph`` with the highlights ``marks`` asks for (:data:`MARKS`)."""
    marks = marks_of(marks)
    kinds = MARKS[marks]
    rows = context.rows(TEXT_QUERY.format(graph=graph), "the report's text")
    source = text(rows[0]["text"]) if rows else ""
    paragraphs = context.rows(PARAGRAPHS_QUERY.format(graph=graph), "paragraphs, and the section each belongs to")
    sentences = sorted(int(text(r["b"])) for r in context.rows(SENTENCES_QUERY.format(graph=graph), "sentences"))
    described: dict[str, tuple[Link, str]] = {}
    for row in context.rows(OUTLINE_QUERY.format(graph=graph),
                            "the programmes and items, and the text describing each"):
        described[text(row["text"])] = (context.link(row["init"]), text(row.get("notation")))
    spans: dict[str, Span] = {}
    facts: set[str] = set()
    types: dict[tuple[str, str], set[str]] = {}
    for row in context.rows(QUOTES_QUERY.format(graph=graph), "every quote, the facts resting on it and their types"):
        key = text(row["q"])
        if key not in spans:
            spans[key] = Span(context.link(key), int(text(row["b"])), int(text(row["e"])))
        if "fact" in row:
            types.setdefault((key, text(row["fact"])), set()).add(text(row["type"]))
    for (key, fact), found in sorted(types.items()):
        kind = next((KIND_OF_TYPE[t] for t in sorted(found) if t in KIND_OF_TYPE), "other")
        spans[key].facts.setdefault(kind, []).append(context.link(fact))
        facts.add(fact)
    context.resolve()
    ordered = sorted(spans.values(), key=lambda s: (s.begin, -s.end))
    renderer = _Renderer(source, sentences, ordered, kinds)
    blocks: list[Block] = []
    toc: list[Entry] = []
    for row in paragraphs:
        iri, begin, end = text(row["p"]), int(text(row["b"])), int(text(row["e"]))
        section = text(row.get("section"))
        block = Block("intro", context.link(iri), iri.rsplit("/", 1)[-1], begin)
        if iri in described:
            block.kind = "item"
            block.initiative, block.notation = described[iri]
            split = min((s for s in sentences if begin < s < end), default=end)
            block.heading_html = renderer.render(begin, split, block.notes)
            block.html = renderer.render(split, end, block.notes)
        elif section in described:
            block.kind, block.id = "programme", section.rsplit("/", 1)[-1]
            block.initiative, block.notation = described[section]
            block.heading_html = renderer.render(begin, end, block.notes)
        else:
            block.html = renderer.render(begin, end, block.notes)
        if block.kind == "programme":
            toc.append(Entry(block, []))
        elif block.kind == "item" and toc:
            toc[-1].items.append(block)
        blocks.append(block)
    counts = {kind: sum(1 for s in spans.values() if s.facts.get(kind)) for kind in KINDS}
    return Reader(blocks, toc, marks, len(spans), len(facts), len(renderer.highlighted), counts)
