"""Every quote in the data is a verbatim substring of ``data/source/`` at its code-point offsets."""

from __future__ import annotations

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from bolekg.report import corpus
from bolekg.report.dataset import report_graph
from bolekg.report.textgraph import quote_iri
from bolekg.report.vocab import BK, NIF, TEXT


@pytest.fixture(scope="module")
def graph() -> Graph:
    return report_graph()


def quotes(graph: Graph) -> list[URIRef]:
    return [q for q in graph.subjects(RDF.type, BK.Quote) if isinstance(q, URIRef)]


def test_there_are_quotes(graph: Graph) -> None:
    assert len(quotes(graph)) > 50


def test_every_quote_is_verbatim_at_its_offsets(graph: Graph) -> None:
    text = corpus.load()
    wrong = []
    for quote in quotes(graph):
        begin = int(graph.value(quote, NIF.beginIndex))
        end = int(graph.value(quote, NIF.endIndex))
        anchor = str(graph.value(quote, NIF.anchorOf))
        sentence = text.sentence_at(begin)
        if text.text[begin:end] != anchor or end > sentence.end:
            wrong.append((quote, anchor, text.text[begin:end]))
        if graph.value(quote, NIF.sentence) != TEXT[sentence.id]:
            wrong.append((quote, "sentence", sentence.id))
        if quote != quote_iri(begin, end):
            wrong.append((quote, "IRI does not match offsets", f"{begin}-{end}"))
    assert wrong == []


def test_every_evidence_link_points_at_a_declared_quote(graph: Graph) -> None:
    declared = set(quotes(graph))
    dangling = {q for q in graph.objects(None, BK.evidence) if q not in declared}
    assert dangling == set()
