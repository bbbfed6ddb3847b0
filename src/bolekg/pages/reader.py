"""The report reader: the whole text, every encoded quote highlighted and linked to what it supports.

Provenance runs both ways: an entity page links each of its quotes here (``/reader#q-<begin>-<end>``),
and each highlight here links to the fact it supports — or, when several facts rest on one quote,
to the quote's own page, which lists them all. Offsets are the NIF code-point offsets into the
text held in the graph (``nif:isString`` of the ``bk:ReportText``), the same offsets the SHACL
shapes check against the source, so a highlight always covers exactly the quoted characters.

Quotes may nest or overlap; the text is cut at every quote and sentence boundary and each piece
links to the innermost quote covering it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from itertools import pairwise

from bolekg.pages.common import Context, Link
from bolekg.services.lookup import text, truth

TEXT_QUERY = "SELECT ?text WHERE { ?context a bk:ReportText ; nif:isString ?text } LIMIT 1"
PARAGRAPHS_QUERY = """SELECT ?p ?b ?e WHERE { ?p a bk:Paragraph ; nif:beginIndex ?b ; nif:endIndex ?e } ORDER BY ?b"""
SENTENCES_QUERY = """SELECT ?s ?b ?e WHERE { ?s a nif:Sentence ; nif:beginIndex ?b ; nif:endIndex ?e }"""
QUOTES_QUERY = """SELECT ?q ?b ?e ?fact ?figure WHERE {
  ?q a bk:Quote ; nif:beginIndex ?b ; nif:endIndex ?e .
  OPTIONAL { ?fact bk:evidence ?q . BIND(EXISTS { ?fact a bk:Observation } AS ?figure) }
}"""


@dataclass
class Span:
    link: Link
    begin: int
    end: int
    facts: list[Link] = field(default_factory=list)
    figure: bool = False

    @property
    def anchor(self) -> str:
        return f"q-{self.begin}-{self.end}"


@dataclass
class Paragraph:
    link: Link
    begin: int
    end: int
    heading: bool
    html: str = ""


@dataclass
class Reader:
    paragraphs: list[Paragraph]
    quotes: int
    facts: int


def _target(span: Span) -> str:
    chosen = span.facts[0] if len(span.facts) == 1 else span.link
    return chosen.href


def _render(source: str, paragraph: Paragraph, sentences: list[int], spans: list[Span]) -> str:
    inside = [s for s in spans if paragraph.begin <= s.begin and s.end <= paragraph.end]
    cuts = {paragraph.begin, paragraph.end}
    cuts |= {b for b in sentences if paragraph.begin <= b < paragraph.end}
    for span in inside:
        cuts |= {span.begin, span.end}
    points = sorted(cuts)
    starts: dict[int, list[Span]] = {}
    for span in inside:
        starts.setdefault(span.begin, []).append(span)
    sentence_starts = set(sentences)
    out: list[str] = []
    open_span: Span | None = None
    for a, b in pairwise(points):
        covering = [s for s in inside if s.begin <= a and b <= s.end]
        innermost = min(covering, key=lambda s: (s.end - s.begin, s.begin)) if covering else None
        if innermost is not open_span and open_span is not None:
            out.append("</a>")
            open_span = None
        if a in sentence_starts:
            out.append(f'<span class="anchor" id="s-{a}"></span>')
        for span in sorted(starts.get(a, []), key=lambda s: -(s.end - s.begin)):
            out.append(f'<span class="anchor qa" id="{span.anchor}"></span>')
        if innermost is not None and innermost is not open_span:
            names = "; ".join(f.name for f in innermost.facts[:4])
            more = f" (+{len(innermost.facts) - 4})" if len(innermost.facts) > 4 else ""
            kind = "fig" if innermost.figure else "ent"
            out.append(f'<a class="hl {kind}" href="{escape(_target(innermost))}" '
                       f'title="{escape(names + more)}" data-quote="{innermost.anchor}">')
            open_span = innermost
        out.append(escape(source[a:b]))
    if open_span is not None:
        out.append("</a>")
    return "".join(out)


def build(context: Context) -> Reader:
    rows = context.rows(TEXT_QUERY, "the report's text")
    source = text(rows[0]["text"]) if rows else ""
    paragraphs = [Paragraph(context.link(r["p"]), int(text(r["b"])), int(text(r["e"])),
                            "heading" in text(r["p"]).rsplit("/", 1)[-1])
                  for r in context.rows(PARAGRAPHS_QUERY, "paragraphs")]
    sentences = sorted(int(text(r["b"])) for r in context.rows(SENTENCES_QUERY, "sentences"))
    spans: dict[str, Span] = {}
    facts: set[str] = set()
    for row in context.rows(QUOTES_QUERY, "every quote and the facts resting on it"):
        key = text(row["q"])
        span = spans.get(key)
        if span is None:
            span = spans[key] = Span(context.link(key), int(text(row["b"])), int(text(row["e"])))
        if "fact" in row:
            fact = context.link(row["fact"])
            if fact not in span.facts:
                span.facts.append(fact)
                facts.add(fact.iri)
            span.figure = span.figure or truth(row.get("figure"))
    for span in spans.values():
        span.facts.sort(key=lambda f: f.iri)
    context.resolve()
    ordered = sorted(spans.values(), key=lambda s: (s.begin, -s.end))
    for paragraph in paragraphs:
        paragraph.html = _render(source, paragraph, sentences, ordered)
    return Reader(paragraphs, len(spans), len(facts))

