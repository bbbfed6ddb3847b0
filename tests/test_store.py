"""The store layer, the same tests against every backend: embedded pyoxigraph, a real ``oxigraph serve`` and a
real OpenLink Virtuoso."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS

import ld_support
from bolekg.errors import SparqlSyntaxError
from bolekg.formats import JSON, NQUADS, NTRIPLES, TRIG, TURTLE
from bolekg.report.dataset import read_graphs, union_graph
from bolekg.report.quads import dataset_quads, to_rdflib
from bolekg.report.vocab import ONTOLOGY_GRAPH, REPORT_GRAPH
from bolekg.store import EmbeddedStore, GraphStore, WriteRejected
from graphs import assert_isomorphic
from ld_support import EX, as_kept_by, canonical, new_store, remote_root

# fixtures shared with the other linked-data tests

BACKENDS = ["embedded", "remote", "virtuoso"]
WIDGETS = EX + "graph/widgets"


def assert_stored(expected: Graph, actual: Graph, store: GraphStore | None = None) -> None:
    """``actual`` (read back from ``store``) is ``expected`` as the store keeps it (:func:`as_kept_by`).

    Both sides go through Oxigraph's canonical form: Oxigraph keeps an ``xsd:nonNegativeInteger`` as
    ``xsd:integer`` and Virtuoso keeps it as given, and the data must compare equal on either."""
    assert_isomorphic(as_kept_by(store, canonical(expected)), as_kept_by(store, canonical(actual)))


def nt_graph(data: bytes) -> Graph:
    return Graph().parse(data=data, format="nt")


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, real_dataset: Dataset) -> GraphStore:
    """A fresh store per test, holding the real data, for tests that write."""
    store = new_store(request.param, remote_root(request, request.param))
    store.load(real_dataset)
    yield store
    store.close()


@pytest.fixture(scope="module", params=BACKENDS)
def loaded(request: pytest.FixtureRequest, real_dataset: Dataset) -> GraphStore:
    """One store per backend for the read-only tests of this module."""
    store = new_store(request.param, remote_root(request, request.param, read_only=True))
    store.load(real_dataset)
    yield store
    store.close()


def widget_dataset(label: bool) -> Dataset:
    dataset = Dataset()
    graph = dataset.graph(URIRef(WIDGETS))
    graph.add((URIRef(EX + "w1"), RDF.type, URIRef(EX + "Widget")))
    if label:
        graph.add((URIRef(EX + "w1"), RDFS.label, Literal("widget one", lang="en")))
    return dataset


def test_load_puts_ontology_and_report_in_their_named_graphs(loaded: GraphStore, real_dataset: Dataset) -> None:
    assert loaded.graph_names() == sorted([str(ONTOLOGY_GRAPH), str(REPORT_GRAPH)])
    for name in (ONTOLOGY_GRAPH, REPORT_GRAPH):
        triples = loaded.graph_triples(str(name))
        assert triples is not None
        assert_stored(real_dataset.graph(name), nt_graph(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)),
                      loaded)


def test_default_graph_is_the_union(loaded: GraphStore, real_union: Graph) -> None:
    assert loaded.triple_count() == len(real_union)
    result = loaded.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    assert_stored(real_union, nt_graph(result.serialize(NTRIPLES)), loaded)


def test_named_default_graph_restricts_the_dataset(loaded: GraphStore, real_dataset: Dataset) -> None:
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    only_ontology = loaded.query(query, default_graphs=[str(ONTOLOGY_GRAPH)])
    assert int(next(iter(only_ontology.value))["n"].value) == len(real_dataset.graph(ONTOLOGY_GRAPH))
    # §2.1.4: naming only named graphs leaves the default graph empty
    empty = loaded.query(query, named_graphs=[str(REPORT_GRAPH)])
    assert int(next(iter(empty.value))["n"].value) == 0
    graphs = loaded.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", named_graphs=[str(REPORT_GRAPH)])
    assert [row["g"].value for row in graphs.value] == [str(REPORT_GRAPH)]


def test_from_clause_in_the_query_is_honoured(loaded: GraphStore, real_dataset: Dataset) -> None:
    result = loaded.query(f"SELECT (COUNT(*) AS ?n) FROM <{ONTOLOGY_GRAPH}> WHERE {{ ?s ?p ?o }}")
    assert int(next(iter(result.value))["n"].value) == len(real_dataset.graph(ONTOLOGY_GRAPH))


def test_syntax_error_carries_the_parser_message(loaded: GraphStore) -> None:
    with pytest.raises(SparqlSyntaxError, match="1:"):
        loaded.query("SELECT ?s WHERE { ?s ?p }")


def test_results_serialise_in_every_format(loaded: GraphStore) -> None:
    result = loaded.query("SELECT ?s WHERE { ?s a <https://w3id.org/bolekg/def/Item> } ORDER BY ?s LIMIT 3")
    parsed = ox.parse_query_results(result.serialize(JSON), format=ox.QueryResultsFormat.JSON)
    assert len(list(parsed)) == 3


def test_invalid_load_is_refused_and_changes_nothing(store: GraphStore) -> None:
    before = store.dump(NQUADS)
    with pytest.raises(WriteRejected) as caught:
        store.load(widget_dataset(label=False))
    assert "A widget needs a label" in caught.value.report_text()
    assert store.dump(NQUADS) == before or _same_dataset(before, store.dump(NQUADS))
    assert WIDGETS not in store.graph_names()


def _same_dataset(a: bytes, b: bytes) -> bool:
    first, second = Dataset(), Dataset()
    first.parse(data=a, format="nquads")
    second.parse(data=b, format="nquads")
    return isomorphic(canonical(union_graph(first)), canonical(union_graph(second))) and \
        sorted(str(g.identifier) for g in first.graphs()) == sorted(str(g.identifier) for g in second.graphs())


def test_valid_load_adds_a_graph(store: GraphStore) -> None:
    store.load(widget_dataset(label=True))
    assert WIDGETS in store.graph_names()
    assert bool(store.query(f"ASK {{ <{EX}w1> a <{EX}Widget> }}").value)


def test_valid_update_is_applied(store: GraphStore) -> None:
    version = store.version()
    store.update(f'INSERT DATA {{ GRAPH <{WIDGETS}> {{ <{EX}w2> a <{EX}Widget> ; '
                 f'<http://www.w3.org/2000/01/rdf-schema#label> "two" }} }}')
    assert bool(store.query(f"ASK {{ <{EX}w2> a <{EX}Widget> }}").value)
    assert store.version().etag != version.etag


def test_invalid_update_changes_nothing(store: GraphStore) -> None:
    store.update(f'INSERT DATA {{ GRAPH <{WIDGETS}> {{ <{EX}w2> a <{EX}Widget> ; '
                 f'<http://www.w3.org/2000/01/rdf-schema#label> "two" }} }}')
    before = store.dump(NQUADS)
    version = store.version()
    # deletes widget 2 (allowed on its own) and adds an unlabelled widget: the widget breaks the
    # shapes, so neither half may happen
    update = (f"DELETE WHERE {{ GRAPH <{WIDGETS}> {{ <{EX}w2> ?p ?o }} }} ;\n"
              f"INSERT DATA {{ GRAPH <{WIDGETS}> {{ <{EX}w3> a <{EX}Widget> }} }}")
    with pytest.raises(WriteRejected):
        store.update(update)
    assert _same_dataset(before, store.dump(NQUADS))
    assert store.version().etag == version.etag
    assert bool(store.query(f"ASK {{ <{EX}w2> a <{EX}Widget> }}").value)


def test_update_syntax_error(store: GraphStore) -> None:
    with pytest.raises(SparqlSyntaxError):
        store.update("INSERT DATA { <x:a> }")


def test_graph_store_operations(store: GraphStore) -> None:
    w = ox.NamedNode(EX + "w4")
    widget = [ox.Triple(w, ox.NamedNode(str(RDF.type)), ox.NamedNode(EX + "Widget")),
              ox.Triple(w, ox.NamedNode(str(RDFS.label)), ox.Literal("four"))]
    assert store.put_graph(WIDGETS, widget) is True            # created
    assert store.put_graph(WIDGETS, widget) is False           # replaced
    extra = [ox.Triple(w, ox.NamedNode(EX + "count"), ox.Literal("4", datatype=ox.NamedNode(
        "http://www.w3.org/2001/XMLSchema#integer")))]
    assert store.post_graph(WIDGETS, extra) is False           # merged into an existing graph
    assert len(store.graph_triples(WIDGETS) or []) == 3
    with pytest.raises(WriteRejected):                         # a second count breaks maxCount 1
        store.post_graph(WIDGETS, [ox.Triple(w, ox.NamedNode(EX + "count"), ox.Literal("5", datatype=ox.NamedNode(
            "http://www.w3.org/2001/XMLSchema#integer")))])
    assert len(store.graph_triples(WIDGETS) or []) == 3
    assert store.delete_graph(WIDGETS) is True
    assert store.delete_graph(WIDGETS) is False
    assert store.graph_triples(WIDGETS) is None


def test_blank_node_graphs_survive_writes(store: GraphStore, real_dataset: Dataset) -> None:
    """The ontology's Data Cube components are blank nodes; an unrelated write must not disturb them."""
    store.update(f'INSERT DATA {{ GRAPH <{WIDGETS}> {{ <{EX}w5> a <{EX}Widget> ; '
                 f'<http://www.w3.org/2000/01/rdf-schema#label> "five" }} }}')
    triples = store.graph_triples(str(ONTOLOGY_GRAPH)) or []
    assert_stored(real_dataset.graph(ONTOLOGY_GRAPH),
                      nt_graph(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)))


def test_dumps_round_trip(loaded: GraphStore, real_dataset: Dataset, real_union: Graph) -> None:
    assert_stored(real_union, Graph().parse(data=loaded.dump(TURTLE), format="turtle"), loaded)
    assert_stored(real_union, nt_graph(loaded.dump(NTRIPLES)), loaded)
    trig = Dataset()
    trig.parse(data=loaded.dump(TRIG), format="trig")
    for name in (ONTOLOGY_GRAPH, REPORT_GRAPH):
        assert_stored(real_dataset.graph(name), trig.graph(name), loaded)


def test_on_disk_store_survives_a_restart(tmp_path, real_dataset: Dataset, real_union: Graph) -> None:
    first = EmbeddedStore(tmp_path / "db", validator=ld_support.small_validator)
    first.load(real_dataset)
    first.close()
    second = EmbeddedStore(tmp_path / "db", validator=ld_support.small_validator)
    try:
        assert second.triple_count() == len(real_union)
        assert not second.is_empty()
    finally:
        second.close()


# --- loading graphs Oxigraph parsed (what `bolekg serve` starts with) ---------------------------------


def widget_graphs(label: bool) -> dict[str, list[ox.Triple]]:
    return {WIDGETS: [quad.triple for quad in dataset_quads(widget_dataset(label))]}


def test_read_graphs_holds_what_load_dataset_holds(real_dataset: Dataset) -> None:
    graphs = read_graphs()
    assert sorted(graphs) == sorted([str(ONTOLOGY_GRAPH), str(REPORT_GRAPH)])
    for name in (ONTOLOGY_GRAPH, REPORT_GRAPH):  # as parsed: lexical forms not yet canonical
        assert_isomorphic(real_dataset.graph(name), to_rdflib(graphs[str(name)]))


@pytest.mark.parametrize("backend", BACKENDS)
def test_load_graphs_stores_what_load_stores(backend: str, request: pytest.FixtureRequest,
                                             real_dataset: Dataset) -> None:
    store = new_store(backend, remote_root(request, backend))
    try:
        store.load_graphs(read_graphs())
        assert store.graph_names() == sorted([str(ONTOLOGY_GRAPH), str(REPORT_GRAPH)])
        for name in (ONTOLOGY_GRAPH, REPORT_GRAPH):
            triples = store.graph_triples(str(name))
            assert triples is not None
            assert_stored(real_dataset.graph(name), to_rdflib(triples), store)
        before = store.dump(NQUADS)
        with pytest.raises(WriteRejected, match="does not conform"):
            store.load_graphs(widget_graphs(label=False))
        assert WIDGETS not in store.graph_names() and _same_dataset(before, store.dump(NQUADS))
        store.load_graphs(widget_graphs(label=True))
        assert WIDGETS in store.graph_names()
    finally:
        store.close()


def test_read_graphs_names_the_file_of_a_syntax_error(tmp_path: Path) -> None:
    (tmp_path / "a.ttl").write_text("<urn:x:a> <urn:x:p> <urn:x:b> .\n", encoding="utf-8")
    (tmp_path / "b.ttl").write_text("<urn:x:a> <urn:x:p> .\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"b\.ttl: .*1"):
        read_graphs(tmp_path)


def test_read_graphs_keeps_blank_nodes_of_different_files_apart(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / f"{name}.ttl").write_text(f'_:n <urn:x:in> "{name}" .\n', encoding="utf-8")
    report = read_graphs(tmp_path)[str(REPORT_GRAPH)]
    assert len({triple.subject for triple in report}) == 2
