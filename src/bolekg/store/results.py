"""Query results written with pyoxigraph's own serialisers, cut at a row cap that is never silent.

Imports nothing but pyoxigraph, because the query workers (:mod:`bolekg.query.isolation`) run it and
start fast.

The cap has to stop the *work*, not just the output: pyoxigraph evaluates lazily, so the solutions
are streamed through the TSV writer (SPARQL 1.1 Query Results CSV and TSV Formats §4: one solution per
line, with tabs and newlines inside terms escaped) into a sink that counts lines and raises once the
cap is passed; evaluation stops there. The first ``cap`` lines are then parsed back and written in the
format the client asked for, so every format gets exactly the same rows. Graphs (CONSTRUCT, DESCRIBE)
are capped the same way through N-Triples, one triple per line. The detour costs about twice the
plain serialisation, so solutions are first written straight in the client's format into a sink with
a byte budget: every solution costs at least :data:`MIN_SOLUTION_BYTES` in that format, and the
header more than that, so a body that ends within ``(cap + 1) × minimum`` bytes cannot hold more than
``cap`` solutions and is sent as it is — with the default cap of 10 000, any answer under 30 kB of
JSON. A bigger one stops at the budget and takes the counted path on a fresh evaluation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyoxigraph as ox

SOLUTIONS, BOOLEAN, GRAPH = "solutions", "boolean", "graph"
TSV_MEDIA = "text/tab-separated-values"
NTRIPLES_MEDIA = "application/n-triples"


def result_kind(value: Any) -> str:
    """What a pyoxigraph query answered: solutions (SELECT), a boolean (ASK) or triples."""
    if isinstance(value, ox.QuerySolutions):
        return SOLUTIONS
    if isinstance(value, ox.QueryBoolean):
        return BOOLEAN
    return GRAPH


class _Full(Exception):
    """Raised inside the writer's ``write`` once the cap is passed: it stops the evaluation."""


#: The fewest bytes one solution takes in each results format, its separator included: JSON ``{},``
#: (SPARQL 1.1 Query Results JSON §3.2.2), XML ``<result></result>`` (§2.3 of the XML format), CSV
#: ``\r\n`` and TSV ``\n`` (one line per solution, CSV/TSV §3 and §4).
MIN_SOLUTION_BYTES = {
    "application/sparql-results+json": 3,
    "application/sparql-results+xml": 17,
    "text/csv": 2,
    TSV_MEDIA: 1,
}


class _Sink:
    """A binary file-like object that keeps what is written until it is full, then raises :class:`_Full`
    (which stops pyoxigraph's writer, and so the evaluation). Subclasses say what full means."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.full = False

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        kept = self.keep(chunk)
        self.parts.append(kept)
        if len(kept) < len(chunk):
            self.full = True
            raise _Full
        return len(chunk)

    def keep(self, chunk: bytes) -> bytes:
        """The part of ``chunk`` that still fits (all of it while not full)."""
        raise NotImplementedError

    def flush(self) -> None:
        return None

    def data(self) -> bytes:
        return b"".join(self.parts)

    def fill(self, value: Any, fmt: Any) -> bool:
        """Write ``value`` as ``fmt`` into this sink; whether it filled up before the end."""
        try:
            value.serialize(self, format=fmt)
        except Exception:
            if not self.full:
                raise
        return self.full


class _ByteBudgetSink(_Sink):
    """Full past ``budget`` bytes (what fits of the last chunk is not kept: the answer is dropped)."""

    def __init__(self, budget: int):
        super().__init__()
        self.room = budget

    def keep(self, chunk: bytes) -> bytes:
        self.room -= len(chunk)
        return chunk if self.room >= 0 else b""


class _LineSink(_Sink):
    """Keeps the first ``limit`` lines; full when more come."""

    def __init__(self, limit: int):
        super().__init__()
        self.room = limit

    def keep(self, chunk: bytes) -> bytes:
        count = chunk.count(b"\n")
        if count <= self.room:
            self.room -= count
            return chunk
        end = -1
        for _ in range(self.room):
            end = chunk.index(b"\n", end + 1)
        self.room = 0
        return chunk[: end + 1]


def _within_budget(value: Any, fmt: Any, budget: int) -> bytes | None:
    """``value`` written as ``fmt`` if that takes at most ``budget`` bytes; ``None`` if it would not."""
    sink = _ByteBudgetSink(budget)
    return None if sink.fill(value, fmt) else sink.data()


def _stream(value: Any, fmt: Any, limit: int) -> tuple[bytes, bool]:
    """Serialise ``value`` line by line into at most ``limit`` lines; whether lines were cut."""
    sink = _LineSink(limit)
    full = sink.fill(value, fmt)
    data = sink.data()
    if full:  # the writer's chunks need not end at a line: drop a row begun but not finished
        data = data[: data.rfind(b"\n") + 1]
    return data, full


def render(value: Any, media_type: str, max_rows: int | None,
           again: Callable[[], Any] | None = None) -> tuple[bytes, bool]:
    """``value`` (a pyoxigraph query result) written as ``media_type``, at most ``max_rows`` rows or triples.

    Returns the body and whether it was truncated. ``max_rows=None`` writes everything. ``again``
    evaluates the query anew: with it, solutions are first written directly within the byte budget
    that proves they are at most ``max_rows`` (see the module's docstring).
    """
    kind = result_kind(value)
    if kind == BOOLEAN:
        return value.serialize(format=_results_format(media_type)) or b"", False
    if kind == SOLUTIONS:
        fmt = _results_format(media_type)
        if max_rows is None:
            return value.serialize(format=fmt) or b"", False
        minimum = MIN_SOLUTION_BYTES.get(media_type)
        if again is not None and minimum is not None:
            direct = _within_budget(value, fmt, (max_rows + 1) * minimum)
            if direct is not None:
                return direct, False
            value = again()
        tsv, truncated = _stream(value, ox.QueryResultsFormat.TSV, max_rows + 1)  # + the header line
        if fmt == ox.QueryResultsFormat.TSV:
            return tsv, truncated
        parsed = ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV)
        return parsed.serialize(format=fmt) or b"", truncated
    rdf = _rdf_format(media_type)
    if isinstance(value, list):  # triples already in memory (a remote server's answer)
        truncated = max_rows is not None and len(value) > max_rows
        triples = value[:max_rows] if truncated else value
        return ox.serialize(triples, format=rdf) or b"", truncated
    if max_rows is None:
        return value.serialize(format=rdf) or b"", False
    nt, truncated = _stream(value, ox.RdfFormat.N_TRIPLES, max_rows)
    if rdf == ox.RdfFormat.N_TRIPLES:
        return nt, truncated
    triples = list(ox.parse(nt, format=ox.RdfFormat.N_TRIPLES))
    return ox.serialize([q.triple for q in triples], format=rdf) or b"", truncated


def first_lines(data: bytes, count: int) -> bytes:
    """The first ``count`` lines of ``data`` (all of it when it has no more), without reading the rest:
    the first rows of a TSV or N-Triples body, one solution or triple a line."""
    end = -1
    for _ in range(count):
        end = data.find(b"\n", end + 1)
        if end < 0:
            return data
    return data[: end + 1]


def _results_format(media_type: str) -> ox.QueryResultsFormat:
    fmt = ox.QueryResultsFormat.from_media_type(media_type)
    if fmt is None:
        raise ValueError(f"{media_type} is not a SPARQL results format")
    return fmt


def _rdf_format(media_type: str) -> ox.RdfFormat:
    fmt = ox.RdfFormat.from_media_type(media_type)
    if fmt is None:
        raise ValueError(f"{media_type} is not an RDF format")
    return fmt
