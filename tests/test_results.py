"""The row cap on query results: exact in every results format, at and around the cap, whether the
answer is written directly (small) or counted line by line (over the byte budget)."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from bolekg.store.results import MIN_SOLUTION_BYTES, TSV_MEDIA, render

FORMATS = sorted(MIN_SOLUTION_BYTES)


def solutions(count: int, bound: bool = True) -> str:
    values = " ".join(f'"{i}"' if bound else "UNDEF" for i in range(count))
    return f"SELECT ?x WHERE {{ VALUES ?x {{ {values} }} }}"


def rows(body: bytes, media_type: str) -> int:
    if media_type == "text/csv":  # lossy, so pyoxigraph does not read it: a header line, then a line per row
        return body.count(b"\r\n") - 1
    fmt = ox.QueryResultsFormat.from_media_type(media_type)
    return len(list(ox.parse_query_results(body, format=fmt)))


@pytest.mark.parametrize("media_type", FORMATS)
@pytest.mark.parametrize("bound", [True, False], ids=["values", "unbound"])
@pytest.mark.parametrize(("cap", "count"), [(5, 0), (5, 4), (5, 5), (5, 6), (5, 40), (1000, 40), (1000, 1001)])
def test_the_cap_is_exact(media_type: str, bound: bool, cap: int, count: int) -> None:
    store = ox.Store()
    query = solutions(count, bound)
    runs = []

    def again():  # type: ignore[no-untyped-def]
        runs.append(1)
        return store.query(query)

    body, truncated = render(store.query(query), media_type, cap, again)
    assert rows(body, media_type) == min(count, cap)
    assert truncated == (count > cap)
    uncapped, _ = render(store.query(query), media_type, None)
    if count <= cap:
        assert body == uncapped
    if media_type != TSV_MEDIA:  # TSV is what the counted path writes: it never needs a second run
        small = len(uncapped) <= (cap + 1) * MIN_SOLUTION_BYTES[media_type]
        assert runs == ([] if small else [1]), "a small answer is written once, straight in its format"


def test_a_big_answer_is_counted_not_cut_by_bytes() -> None:
    """Over the byte budget the rows are counted: long rows under the cap are all kept."""
    store = ox.Store()
    query = 'SELECT ?x WHERE { VALUES ?x { "' + "长" * 500 + '" "' + "文" * 500 + '" } }'
    body, truncated = render(store.query(query), "application/sparql-results+json", 3, lambda: store.query(query))
    assert rows(body, "application/sparql-results+json") == 2 and not truncated


class ChunkedResult:
    """Stands for a pyoxigraph result whose writer flushes chunks that end in the middle of a line."""

    def __init__(self, *chunks: bytes):
        self.chunks = chunks

    def serialize(self, output, format):  # type: ignore[no-untyped-def]
        for chunk in self.chunks:
            output.write(chunk)


def test_a_row_cut_between_chunks_is_not_kept() -> None:
    from bolekg.store.results import _stream

    data, full = _stream(ChunkedResult(b"?x\n1\n2\n3", b"3\n4\n"), ox.QueryResultsFormat.TSV, 3)
    assert (data, full) == (b"?x\n1\n2\n", True)
    data, full = _stream(ChunkedResult(b"?x\n1\n2", b"2\n"), ox.QueryResultsFormat.TSV, 3)
    assert (data, full) == (b"?x\n1\n22\n", False)
