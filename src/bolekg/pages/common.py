"""What every page model shares: links whose names are fetched in bulk, and source quotes.

A builder first runs its queries, asking :class:`Context` for a :class:`Link` to every IRI it will
show and for the quotes behind every fact it shows; :meth:`Context.resolve` then fetches all names
in one query and all quotes in one more. Links read their names only when the template renders
them, after that, so the number of queries per page does not grow with the number of rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from bolekg.i18n import local_name, other, pick
from bolekg.report.reports import report_id_of
from bolekg.services.describe import local_path
from bolekg.services.lookup import Lookup, Term, iri_term, text
from bolekg.services.reports import reader_path
from bolekg.store import GraphStore

QUOTES_QUERY = """SELECT ?fact ?quote ?anchor ?begin ?end ?sentence ?graph WHERE {
  VALUES ?fact { %s }
  ?fact bk:evidence ?quote .
  ?quote nif:anchorOf ?anchor ; nif:beginIndex ?begin ; nif:endIndex ?end .
  OPTIONAL { ?quote nif:sentence ?sentence }
  OPTIONAL { GRAPH ?graph { ?quote a bk:Quote } }
}"""


class Link:
    """An IRI as a page shows it: its name in the page's language, the other name, where it links."""

    def __init__(self, context: Context, iri: str):
        self.context = context
        self.iri = iri
        self.href = local_path(context.base, iri) or iri
        self.external = not iri.startswith(context.base)

    @property
    def name(self) -> str:
        return pick(self.context.lookup.names.get(self.iri), self.context.lang, self.iri)

    @property
    def other(self) -> str:
        return other(self.context.lookup.names.get(self.iri), self.context.lang)

    @property
    def short(self) -> str:
        return local_name(self.iri)

    def __eq__(self, value: object) -> bool:
        return isinstance(value, Link) and value.iri == self.iri

    def __hash__(self) -> int:
        return hash(self.iri)

    def __repr__(self) -> str:
        return f"Link({self.iri!r})"


@dataclass
class Quote:
    """A verbatim passage of the report, at its code-point offsets, and the facts resting on it."""

    link: Link
    text: str
    begin: int
    end: int
    sentence: Link | None = None
    facts: list[Link] = field(default_factory=list)
    #: the ID of the report whose text it quotes (its offsets are into that text)
    report: str | None = None

    @property
    def anchor(self) -> str:
        return f"q-{self.begin}-{self.end}"

    @property
    def reader_href(self) -> str:
        return reader_path(self.report, self.anchor)


@dataclass
class Context:
    """One page's lookups: the store, the language, the links and quotes still to resolve."""

    store: GraphStore
    base: str
    lang: str
    lookup: Lookup = field(init=False)
    links: dict[str, Link] = field(default_factory=dict)
    wanted_quotes: set[str] = field(default_factory=set)
    quotes: dict[str, Quote] = field(default_factory=dict)
    quotes_by_fact: dict[str, list[Quote]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.lookup = Lookup(self.store, self.lang)

    def rows(self, query: str, purpose: str = "") -> list[dict]:
        return self.lookup.rows(query, purpose)

    def link(self, iri: str | Term) -> Link:
        key = iri if isinstance(iri, str) else text(iri)
        found = self.links.get(key)
        if found is None:
            found = self.links[key] = Link(self, key)
        return found

    def maybe(self, iri: str | Term | None) -> Link | None:
        return None if iri is None else self.link(iri)

    def known_names(self, names: dict[str, dict[str, str]]) -> None:
        """Names already at hand (a resource document carries the labels of what it mentions)."""
        for iri, found in names.items():
            self.lookup.names.setdefault(iri, {}).update({k: v for k, v in found.items()
                                                           if k not in self.lookup.names.get(iri, {})})

    def want_quotes(self, facts: Iterable[str | Term | None]) -> None:
        self.wanted_quotes |= {f if isinstance(f, str) else text(f) for f in facts if f is not None}

    def quotes_of(self, fact: str | Term) -> list[Quote]:
        return self.quotes_by_fact.get(fact if isinstance(fact, str) else text(fact), [])

    def resolve(self) -> None:
        """One query for the quotes behind every fact asked for, then one for every name."""
        facts = sorted(self.wanted_quotes)
        if facts:
            for row in self.rows(QUOTES_QUERY % " ".join(iri_term(f) for f in facts),
                                 "the source quotes behind the facts on this page"):
                key = text(row["quote"])
                quote = self.quotes.get(key)
                if quote is None:
                    quote = self.quotes[key] = Quote(self.link(key), text(row["anchor"]), int(text(row["begin"])),
                                                     int(text(row["end"])), self.maybe(row.get("sentence")),
                                                     report=report_id_of(text(row.get("graph")) or None))
                fact = self.link(row["fact"])
                if fact not in quote.facts:
                    quote.facts.append(fact)
                    self.quotes_by_fact.setdefault(fact.iri, []).append(quote)
            for found in self.quotes_by_fact.values():
                found.sort(key=lambda q: (q.begin, q.end))
        self.lookup.labels(self.links)

    def sorted_quotes(self) -> list[Quote]:
        return sorted(self.quotes.values(), key=lambda q: (q.begin, q.end))

    @property
    def queries(self) -> list[tuple[str, str]]:
        return self.lookup.queries
