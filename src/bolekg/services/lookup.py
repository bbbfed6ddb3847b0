"""How a page asks the store: every query recorded (for "the SPARQL behind this page"), labels in bulk.

A page runs a fixed number of queries whatever the size of the data, and fetches the names of every
IRI it shows in one more query (:meth:`Lookup.labels`), never one per row: a page with fifty rows
costs the same number of round trips as a page with five, which matters on a remote store.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Protocol

import pyoxigraph as ox

from bolekg.i18n import pick
from bolekg.report.vocab import sparql_prefixes
from bolekg.store import GraphStore

PREFIXES = sparql_prefixes("bk", "rdf", "rdfs", "skos", "owl", "qb", "org", "geo", "schema", "prov", "nif", "time",
                           "qudt", "sdmx-dimension", "sdmx-attribute")

#: One branch per property, not ``VALUES ?p { … } ?s ?p ?l``: Oxigraph joins two VALUES blocks before
#: the triple pattern and then scans every triple, so that form grew with the data
#: while this one does not (bench/run.py measures both).
LABELS_QUERY = PREFIXES + """SELECT ?s ?l WHERE {
  VALUES ?s { %s }
  { ?s rdfs:label ?l } UNION { ?s skos:prefLabel ?l }
}"""

Row = dict[str, ox.NamedNode | ox.BlankNode | ox.Literal]
Names = dict[str, dict[str, str]]


def iri_term(iri: str) -> str:
    """An IRI written for a query; ``ox.NamedNode`` refuses anything that is not an IRI."""
    return str(ox.NamedNode(iri))


def number(term: object) -> Decimal | None:
    """A numeric literal's value, exactly (decimals stay decimals)."""
    if isinstance(term, ox.Literal):
        try:
            return Decimal(term.value)
        except InvalidOperation:
            return None
    return None


class Term(Protocol):
    """A term of an answer as pages read it: pyoxigraph's ``NamedNode``, ``BlankNode`` and ``Literal``."""

    @property
    def value(self) -> str: ...


def text(term: Term | None) -> str:
    """A term's text (an IRI, a blank node's id, a literal's lexical form); ``""`` for an unbound one."""
    return "" if term is None else str(term.value)


def truth(term: Term | None) -> bool:
    """Whether a boolean in an answer is true: ``"true"`` or ``"1"``, xsd:boolean's two lexical forms
    of true (XML Schema 1.1 Part 2 §3.3.2.1); Virtuoso 7.2 also answers ``EXISTS`` as the integer 1."""
    return text(term) in ("true", "1")


@dataclass
class Lookup:
    """One page's conversation with the store."""

    store: GraphStore
    lang: str
    queries: list[tuple[str, str]] = field(default_factory=list)
    names: Names = field(default_factory=dict)

    def rows(self, query: str, purpose: str = "") -> list[Row]:
        """Run a SELECT (the common prefixes are added) and keep its text for the page."""
        full = PREFIXES + query if not query.lstrip().upper().startswith("PREFIX") else query
        self.queries.append((purpose, full))
        result = self.store.query(full)
        solutions = result.solutions()
        names = [v.value for v in solutions.variables]
        return [{n: row[n] for n in names if row[n] is not None} for row in solutions]

    def labels(self, iris: Iterable[str], purpose: str = "labels of everything on the page") -> Names:
        """Names (language → text) of every IRI given, in one query; merged into :attr:`names`."""
        wanted = sorted({i for i in iris if i and i not in self.names})
        if not wanted:
            return self.names
        query = LABELS_QUERY % " ".join(iri_term(i) for i in wanted)
        self.queries.append((purpose, query))
        for iri in wanted:
            self.names.setdefault(iri, {})
        for row in self.store.query(query).solutions():
            literal = row["l"]
            found = self.names.setdefault(row["s"].value, {})
            found.setdefault(getattr(literal, "language", None) or "", literal.value)
        return self.names

    def name(self, iri: str) -> str:
        return pick(self.names.get(iri), self.lang, iri)
