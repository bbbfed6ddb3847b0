"""The data means the same to rdflib and to Oxigraph (Oxigraph canonicalises decimals, so compare graphs)."""

from __future__ import annotations

import pyoxigraph
import pytest
from rdflib import Graph

from bolekg.paths import ONTOLOGY_FILE
from bolekg.report.dataset import data_files
from graphs import assert_isomorphic


@pytest.mark.parametrize("path", [ONTOLOGY_FILE, *data_files()], ids=lambda p: p.name)
def test_rdflib_and_oxigraph_parse_identically(path) -> None:  # type: ignore[no-untyped-def]
    by_rdflib = Graph().parse(path, format="turtle")
    with path.open("rb") as handle:
        quads = pyoxigraph.parse(handle, format=pyoxigraph.RdfFormat.TURTLE)
        ntriples = pyoxigraph.serialize(quads, format=pyoxigraph.RdfFormat.N_TRIPLES) or b""
    by_oxigraph = Graph().parse(data=ntriples.decode("utf-8"), format="nt")
    assert_isomorphic(by_rdflib, by_oxigraph)
    assert len(by_rdflib) > 0
