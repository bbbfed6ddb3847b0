"""Queries whose cost the size of the data bounds: safe to answer in the serving process.

A public query runs in a worker process because pyoxigraph cannot stop a query and a thread cannot
be killed (:mod:`bolekg.query.isolation`). That round trip is most of what a lookup costs, and it puts a
lookup in the same line as the runaways. Some queries need no killing: :func:`is_bounded` accepts
a query only when the recogniser below can show, from the query's text alone, that evaluating it
reads each stored quad at most a few times before every row it writes — so its cost is bounded by
the size of the data plus the rows written, which the row cap bounds. It accepts:

* ``SELECT`` (variables or ``*``, no expressions) and ``ASK``, after ``BASE`` and ``PREFIX``
  declarations, with no dataset clause;
* a ``WHERE`` group of at most :data:`MAX_PATTERNS` triple patterns, each made of variables, IRIs
  (``<…>``, prefixed names, ``a``) and literals — no blank nodes, property paths, ``FILTER``,
  ``OPTIONAL``, ``UNION``, ``GRAPH``, ``BIND``, ``VALUES``, sub-queries or ``SERVICE``;
* ``LIMIT``; ``OFFSET`` up to :data:`MAX_OFFSET`; ``DISTINCT``, ``REDUCED`` and ``ORDER BY`` plain
  variables only over a single pattern.

Why that is bounded: one triple pattern is at most a scan of the store. Two patterns are joined
either by looking the second up for each solution of the first, or by hashing one and probing with
the other; without a filter, every solution that either makes is written, so before each row written
the join does at most a scan and a lookup per quad. A third pattern is what breaks this: two
patterns can make the square of the store's size in solutions that a third then rejects, one by
one (the runaway of the README is three patterns). ``DISTINCT`` or ``ORDER BY`` over two patterns
would likewise go through all their solutions, and so would a large ``OFFSET``.

The recogniser fails closed: anything it does not know (a comment is the one thing it skips) sends
the query to the workers, as before. A query it accepts is still parsed by pyoxigraph, and a syntax
error is answered the same way. The grammar it follows is a subset of SPARQL 1.1
(https://www.w3.org/TR/sparql11-query/#grammar); its terminals are the spec's, narrowed
(§19.8: no ``\\u`` escapes, no long strings, no percent-encoded or backslash-escaped local names).
"""

from __future__ import annotations

import functools
import re

#: Triple patterns a bounded query may have (see the module's docstring for why not three).
MAX_PATTERNS = 2
#: Solutions a bounded query may skip: more would let two patterns make their whole product first.
MAX_OFFSET = 10_000

_TOKEN = re.compile(r"""
    (?P<ws>[ \t\r\n]+|\#[^\r\n]*)
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$]\w+)
  | (?P<pname>(?:[^\W\d_][\w.-]*)?:(?:[\w:](?:[\w.:-]*[\w:-])?)?)
  | (?P<string>"(?:[^"\\\r\n]|\\[tbnrf"'\\])*"|'(?:[^'\\\r\n]|\\[tbnrf"'\\])*')
  | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<number>[+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<word>[A-Za-z]+)
  | (?P<punct>\^\^|[{}.;,*()])
""", re.VERBOSE)

#: The words the subset uses; any other (FILTER, OPTIONAL, GRAPH, FROM, …) is not bounded.
_KEYWORDS = frozenset({"BASE", "PREFIX", "SELECT", "ASK", "WHERE", "DISTINCT", "REDUCED", "ORDER", "BY",
                       "ASC", "DESC", "LIMIT", "OFFSET", "A", "TRUE", "FALSE"})


class _NotBounded(Exception):
    """The query is outside the subset (not necessarily wrong: the workers will say)."""


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.lastgroup is None:
            raise _NotBounded(f"no token at {position}")
        position = match.end()
        kind, value = match.lastgroup, match.group()
        if kind == "ws":
            continue
        if kind == "word":
            value = value.upper()
            if value not in _KEYWORDS:
                raise _NotBounded(value)
        tokens.append((kind, value))
    return tokens


class _Reader:
    """A recursive-descent reader over the tokens of the subset."""

    def __init__(self, tokens: list[tuple[str, str]]):
        self.tokens = tokens
        self.at = 0
        self.patterns = 0

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.at] if self.at < len(self.tokens) else ("end", "")

    def take(self, *accepted: str) -> str:
        """The next token if its kind or (for words and punctuation) its value is ``accepted``."""
        kind, value = self.peek()
        if kind not in accepted and not (kind in ("word", "punct") and value in accepted):
            raise _NotBounded(f"{value or 'end'} where {accepted} was expected")
        self.at += 1
        return value

    def takes(self, *accepted: str) -> bool:
        kind, value = self.peek()
        if kind in accepted or (kind in ("word", "punct") and value in accepted):
            self.at += 1
            return True
        return False

    # --- Query ::= Prologue ( SelectQuery | AskQuery ) ValuesClause — without the values clause

    def query(self) -> None:
        while self.peek()[1] in ("BASE", "PREFIX"):
            if self.take("BASE", "PREFIX") == "PREFIX":
                prefix = self.take("pname")
                if not prefix.endswith(":") or prefix.count(":") != 1:
                    raise _NotBounded(prefix)
            self.take("iri")
        if self.takes("ASK"):
            self.where()
            self.modifiers(select=False)
        else:
            self.take("SELECT")
            collapsing = self.takes("DISTINCT") or self.takes("REDUCED")
            if not self.takes("*"):
                self.take("var")
                while self.takes("var"):
                    pass
            self.where()
            ordered = self.modifiers(select=True)
            if (collapsing or ordered) and self.patterns > 1:
                raise _NotBounded("DISTINCT or ORDER BY over more than one pattern")
        self.take("end")

    def where(self) -> None:
        self.takes("WHERE")
        self.take("{")
        while not self.takes("}"):
            self.triples()
            if not self.takes("."):
                self.take("}")
                break

    def triples(self) -> None:
        """TriplesSameSubject, with its property list: ``s p o , o ; p o``."""
        self.take("var", "iri", "pname")
        while True:
            self.take("var", "iri", "pname", "A")
            self.object()
            while self.takes(","):
                self.object()
            if not self.takes(";"):
                return
            if self.peek()[1] in (".", "}", ";"):  # a trailing or repeated ';' is allowed
                while self.takes(";"):
                    pass
                return

    def object(self) -> None:
        self.patterns += 1
        if self.patterns > MAX_PATTERNS:
            raise _NotBounded(f"more than {MAX_PATTERNS} triple patterns")
        if self.takes("string"):
            if not self.takes("lang") and self.takes("^^"):
                self.take("iri", "pname")
            return
        self.take("var", "iri", "pname", "number", "TRUE", "FALSE")

    def modifiers(self, select: bool) -> bool:
        """ORDER BY (SELECT only), then LIMIT and OFFSET in either order; whether it was ordered."""
        ordered = select and self.takes("ORDER")
        if ordered:
            self.take("BY")
            self.condition()
            while self.peek()[0] == "var" or self.peek()[1] in ("ASC", "DESC"):
                self.condition()
        for _ in range(2):
            if self.takes("LIMIT"):
                self.integer()
            elif self.takes("OFFSET") and self.integer() > MAX_OFFSET:
                raise _NotBounded("a large OFFSET")
        return ordered

    def condition(self) -> None:
        if self.takes("ASC") or self.takes("DESC"):
            self.take("(")
            self.take("var")
            self.take(")")
        else:
            self.take("var")

    def integer(self) -> int:
        value = self.take("number")
        if not value.isdigit():
            raise _NotBounded(value)
        return int(value)


@functools.lru_cache(maxsize=1024)
def is_bounded(query: str) -> bool:
    """Whether ``query`` is in the bounded subset of the module's docstring (cached: dashboards and
    notebooks send the same few queries again and again)."""
    try:
        reader = _Reader(_tokens(query))
        reader.query()
    except _NotBounded:
        return False
    return True
