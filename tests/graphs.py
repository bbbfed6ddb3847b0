"""Graph comparison for tests: isomorphism (rdflib.compare), with the difference shown on failure."""

from __future__ import annotations

from rdflib import Graph
from rdflib.compare import graph_diff, isomorphic, to_isomorphic


def assert_isomorphic(expected: Graph, actual: Graph, limit: int = 3000) -> None:
    if not isomorphic(expected, actual):
        _, missing, unexpected = graph_diff(to_isomorphic(expected), to_isomorphic(actual))
        raise AssertionError("missing:\n" + missing.serialize(format="nt")[:limit]
                             + "\nunexpected:\n" + unexpected.serialize(format="nt")[:limit])
