"""``data/turtle/report-text.ttl`` is exactly what the corpus generates: sentence IRIs cannot drift."""

from __future__ import annotations

from rdflib import Graph
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from bolekg.paths import TURTLE_DIR
from bolekg.report import corpus
from bolekg.report.textgraph import quote_turtle, text_graph


def test_committed_text_graph_matches_the_source() -> None:
    committed = Graph().parse(TURTLE_DIR / "report-text.ttl", format="turtle")
    generated = text_graph(corpus.load())
    if not isomorphic(committed, generated):
        _, only_committed, only_generated = graph_diff(to_isomorphic(committed), to_isomorphic(generated))
        lines = sorted(only_committed.serialize(format="nt").splitlines())[:10]
        lines += ["---", *sorted(only_generated.serialize(format="nt").splitlines())[:10]]
        raise AssertionError("report-text.ttl is stale; run `bolekg text --write`\n" + "\n".join(lines))


def test_quote_block_parses_to_the_right_offsets() -> None:
    text = corpus.load()
    begin = text.text.index("5834")
    block = quote_turtle(text, begin, begin + 4)
    prefixes = (
        "@prefix bk: <https://w3id.org/bolekg/def/> .\n"
        "@prefix quote: <https://w3id.org/bolekg/id/quote/> .\n"
        "@prefix text: <https://w3id.org/bolekg/id/text/> .\n"
        "@prefix nif: <http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#> .\n"
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
    )
    graph = Graph().parse(data=prefixes + block, format="turtle")
    assert len(graph) == 6
    assert f"quote:{begin}-{begin + 4}" in block
    assert "nif:sentence text:s1-i01-03" in block
