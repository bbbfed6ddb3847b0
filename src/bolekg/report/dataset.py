"""Assemble the knowledge graph from its files: the ontology and the report in their own named graphs.

Queries see the union of the named graphs by default (the store and the SPARQL endpoint arrange
that); SHACL validation sees one plain ``Graph`` holding ontology + data, because pySHACL validates
an rdflib ``Graph`` and needs the ontology's class hierarchy next to the data.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Graph, URIRef

from bolekg.paths import ONTOLOGY_FILE, TURTLE_DIR
from bolekg.report.quads import graphs_union_rdflib
from bolekg.report.vocab import ONTOLOGY_GRAPH, REPORT_GRAPH, bind_prefixes

#: Named graph IRI → its triples, as Oxigraph parsed them (:func:`read_graphs`).
ParsedGraphs = dict[str, list[ox.Triple]]


def data_files(directory: Path = TURTLE_DIR) -> list[Path]:
    """The report's Turtle files, in a stable order."""
    return sorted(directory.glob("*.ttl"))


def parse_files(paths: Iterable[Path], graph: Graph | None = None) -> Graph:
    """Parse Turtle files into one graph; a syntax error names the file it is in."""
    graph = graph if graph is not None else Graph()
    for path in paths:
        try:
            graph.parse(path, format="turtle")
        except Exception as error:  # rdflib raises several parser exception types
            raise ValueError(f"{path}: {error}") from error
    return graph


def ontology_graph() -> Graph:
    graph = parse_files([ONTOLOGY_FILE])
    bind_prefixes(graph)
    return graph


def report_graph(directory: Path = TURTLE_DIR) -> Graph:
    graph = parse_files(data_files(directory))
    bind_prefixes(graph)
    return graph


def load_dataset(directory: Path = TURTLE_DIR) -> Dataset:
    """Ontology and report, each in its named graph (:data:`ONTOLOGY_GRAPH`, :data:`REPORT_GRAPH`)."""
    dataset = Dataset()
    bind_prefixes(dataset)
    named: dict[URIRef, Graph] = {
        ONTOLOGY_GRAPH: ontology_graph(),
        REPORT_GRAPH: report_graph(directory),
    }
    for name, graph in named.items():
        target = dataset.graph(name)
        for triple in graph:
            target.add(triple)
    return dataset


def read_graphs(directory: Path = TURTLE_DIR) -> ParsedGraphs:
    """Ontology and report, each under its named graph's IRI, read by Oxigraph's Turtle parser.

    The same graphs as :func:`load_dataset` without rdflib's parser, nor a Dataset to fill: rdflib's
    parser was most of the start-up outside SHACL (bench/results). Blank
    node labels are made unique per file, as rdflib's parser does. A syntax error names its file.
    """
    return {str(ONTOLOGY_GRAPH): _parse_turtle([ONTOLOGY_FILE]),
            str(REPORT_GRAPH): _parse_turtle(data_files(directory))}


def _parse_turtle(paths: Iterable[Path]) -> list[ox.Triple]:
    triples: list[ox.Triple] = []
    for path in paths:
        try:
            triples.extend(quad.triple for quad in ox.parse(path=path, format=ox.RdfFormat.TURTLE,
                                                            base_iri=path.resolve().as_uri(),
                                                            rename_blank_nodes=True))
        except SyntaxError as error:
            raise ValueError(f"{path}: {error}") from error
    return triples


def knowledge_graph(directory: Path = TURTLE_DIR) -> Graph:
    """Ontology + report in one plain graph: what SHACL validates.

    Equal to ``union_graph(load_dataset())``, but read with :func:`read_graphs` and converted once,
    without copying through a Dataset.
    """
    graph = graphs_union_rdflib(read_graphs(directory))
    bind_prefixes(graph)
    return graph


def union_graph(dataset: Dataset) -> Graph:
    """All quads of a dataset as one plain graph (what SHACL and the default graph see)."""
    graph = Graph()
    bind_prefixes(graph)
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        graph.add((s, p, o))
    return graph
