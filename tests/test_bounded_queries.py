"""The bounded subset (:mod:`bolekg.query.bounded`): what it accepts is answered in the serving
process, where nothing can stop it, so accepting a query that is not bounded would let a runaway
through. Checked three ways:

* by example: lookups and ``ASK {}`` are in; the README's runaway, three patterns, filters, paths,
  groups, sub-queries, ``DISTINCT`` or ``ORDER BY`` over two patterns, a large ``OFFSET`` are out;
* against an independent parser: for generated queries, whenever the subset accepts one that SPARQL
  parses, rdflib's algebra of it has only a BGP of at most two patterns under projection, slicing
  and (over one pattern) ordering and distinctness;
* in the query service: with every worker and the line for them taken, a bounded query is answered
  (the same bytes a worker writes) and any other is refused at once; past the size of data a scan
  of which is quick, or with every in-process slot taken, a bounded query takes a worker too.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import BNode, Dataset, Variable
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue

from bolekg.errors import QueueFull, StoreError
from bolekg.query import service as service_module
from bolekg.query.bounded import MAX_OFFSET, is_bounded
from bolekg.query.service import QueryService
from bolekg.settings import Limits
from bolekg.store import EmbeddedStore
from bolekg.store.jobs import Job
from hardening_support import IN_A_WORKER, RUNAWAY, SLOW, wait_for
from ld_support import small_validator

EX = "https://w3id.org/bolekg/"
JSON = "application/sparql-results+json"

BOUNDED = [
    "ASK {}",
    "ask where { }",
    "SELECT * {}",
    f"SELECT ?p ?o WHERE {{ <{EX}id/item/1-01> ?p ?o }}",
    f"SELECT ?s ?p WHERE {{ ?s ?p <{EX}id/item/1-01> }} LIMIT 10 OFFSET 5",
    "PREFIX bk: <https://w3id.org/bolekg/def/>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "SELECT ?s ?label WHERE { ?s a bk:Item ; rdfs:label ?label . }",
    'SELECT ?s WHERE { ?s ?p "博乐"@zh , "Bole"@en }',
    'SELECT ?s WHERE { ?s ?p "12"^^<http://www.w3.org/2001/XMLSchema#integer> }',
    "SELECT DISTINCT ?p WHERE { ?s ?p ?o } ORDER BY DESC(?p) ?o LIMIT 3",
    "SELECT * { ?a ?b ?c . ?d ?e ?f }",  # a product, but every solution is written: the row cap ends it
    "SELECT * { ?s ?p ?o } # a comment with a } in it\n",
    'SELECT * { ?s ?p "a } b" }',
    "SELECT $s { $s ?p 1.5e3 }",
]

NOT_BOUNDED = {
    "the README's runaway": RUNAWAY,
    "an aggregate": SLOW,
    "three patterns": "SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
    "three patterns by ; and ,": "SELECT * { ?a ?b ?c , ?d ; ?e ?f }",
    "a filter": IN_A_WORKER,
    "distinct over two": "SELECT DISTINCT ?a { ?a ?b ?c . ?d ?e ?f }",
    "ordered over two": "SELECT * { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c",
    "a large offset": f"SELECT * {{ ?a ?b ?c . ?d ?e ?f }} OFFSET {MAX_OFFSET + 1}",
    "a property path": "SELECT * { ?a <p>/<q> ?c }",
    "a transitive path": "SELECT * { ?a <p>* ?c }",
    "optional": "SELECT * { ?a ?b ?c OPTIONAL { ?a ?d ?e } }",
    "union": "SELECT * { { ?a ?b ?c } UNION { ?d ?e ?f } }",
    "a nested group": "SELECT * { { ?a ?b ?c } }",
    "a sub-query": "SELECT * { { SELECT * { ?a ?b ?c } } }",
    "graph": "SELECT * { GRAPH ?g { ?a ?b ?c } }",
    "a dataset clause": "SELECT * FROM <http://e/g> { ?a ?b ?c }",
    "bind": "SELECT * { ?a ?b ?c BIND(1 AS ?d) }",
    "values": "SELECT * { ?a ?b ?c } VALUES ?a { <http://e/x> }",
    "a blank node": "SELECT * { _:b ?p ?o }",
    "a blank node list": "SELECT * { ?s ?p [ ?q ?r ] }",
    "an expression": "SELECT (?a AS ?b) { ?a ?x ?y }",
    "a group": "SELECT ?a { ?a ?b ?c } GROUP BY ?a",
    "construct": "CONSTRUCT { ?a ?b ?c } WHERE { ?a ?b ?c }",
    "describe": "DESCRIBE <http://e/x>",
    "service": "SELECT * { SERVICE <http://e/sparql> { ?a ?b ?c } }",
    "a long string": 'SELECT * { ?s ?p """x""" }',
    "an escaped character": 'SELECT * { ?s ?p "\\u0041" }',
    "an update": "INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }",
}


@pytest.mark.parametrize("query", BOUNDED)
def test_lookups_are_bounded(query: str) -> None:
    assert is_bounded(query)
    ox.Store().query(query)  # and they are SPARQL


@pytest.mark.parametrize("query", list(NOT_BOUNDED.values()), ids=list(NOT_BOUNDED))
def test_anything_else_is_not(query: str) -> None:
    assert not is_bounded(query)


# --- against rdflib's parser ----------------------------------------------------------------------

#: Algebra operators of the subset (https://www.w3.org/TR/sparql11-query/#sparqlAlgebra).
SUBSET = {"SelectQuery", "AskQuery", "Project", "Slice", "Distinct", "Reduced", "OrderBy", "OrderCondition", "BGP"}


def _nodes(node: object) -> Iterator[CompValue]:
    if isinstance(node, CompValue):
        yield node
        for value in node.values():
            yield from _nodes(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            yield from _nodes(value)


def assert_bounded_algebra(query: str) -> None:
    algebra = prepareQuery(query).algebra
    nodes = list(_nodes(algebra))
    names = {node.name for node in nodes}
    assert names <= SUBSET, (query, names - SUBSET)
    assert algebra.get("datasetClause") is None, query
    triples = [triple for node in nodes if node.name == "BGP" for triple in node["triples"]]
    assert len(triples) <= 2, query  # two, not MAX_PATTERNS: the reason is in bolekg.query.bounded
    assert not any(isinstance(term, BNode) for triple in triples for term in triple), query
    if names & {"Distinct", "Reduced", "OrderBy"}:
        assert len(triples) <= 1, query
    for node in nodes:
        if node.name == "OrderBy":
            assert all(isinstance(getattr(c, "expr", c), Variable) for c in node["expr"]), query
        if node.name == "Slice":
            assert (node.get("start") or 0) <= MAX_OFFSET, query


#: Plain terms more often than the rest, so that many generated queries are in the subset.
TERMS = ["?a", "?b", "$c", f"<{EX}x>", "ex:y"] * 12 + ["a", '"l"', '"l"@en', '"5"^^ex:int', "5", "[]", "_:n",
                                                     "ex:p/ex:q", "^ex:p", "ex:p*", "(?a)"]
CLAUSES = ["FILTER(?a != ?b)", "OPTIONAL { ?a ?b ?c }", "GRAPH ?g { ?a ?b ?c }", "{ SELECT * { ?a ?b ?c } }",
           "BIND(1 AS ?z)", "MINUS { ?a ?b ?c }", "{ ?a ?b ?c } UNION { ?c ?b ?a }", "# }\n", "{}"]
MODIFIERS = ["", "", "", "LIMIT 5", "OFFSET 3", f"OFFSET {MAX_OFFSET + 5}", "ORDER BY ?a", "ORDER BY DESC(?a) LIMIT 2",
             "GROUP BY ?a", "VALUES ?a { ex:x }", "LIMIT 1 OFFSET 1"]


@st.composite
def queries(draw: st.DrawFn) -> str:
    """Queries made of the subset's parts and of what lies beyond it, mostly well formed."""
    term = st.sampled_from(TERMS)
    parts = ["PREFIX ex: <https://w3id.org/bolekg/def/>"]
    parts.append(draw(st.sampled_from(["SELECT *", "SELECT ?a", "SELECT DISTINCT ?a ?b", "SELECT REDUCED *",
                                       "ASK", "SELECT (COUNT(*) AS ?n)", "SELECT * FROM ex:g"])))
    parts.append(draw(st.sampled_from(["WHERE {", "{"])))
    for _ in range(draw(st.integers(0, 4))):
        if draw(st.integers(0, 9)) == 0:
            parts.append(draw(st.sampled_from(CLAUSES)))
        else:
            parts += [draw(term), draw(term), draw(term)]
            more = draw(st.sampled_from(["", "", ";", ","]))
            if more == ";":
                parts += [";", draw(term), draw(term)]
            elif more == ",":
                parts += [",", draw(term)]
        parts.append(draw(st.sampled_from([".", ".", ".", "", ";"])))
    parts.append("}")
    parts.append(draw(st.sampled_from(MODIFIERS)))
    return " ".join(parts)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(queries())
def test_what_the_subset_accepts_has_a_bounded_algebra(query: str) -> None:
    if not is_bounded(query):
        return
    try:
        ox.Store().query(query)
    except SyntaxError:
        return  # answered as a syntax error, in the process or in a worker alike
    assert_bounded_algebra(query)


def test_the_examples_are_checked_against_rdflib_too() -> None:
    for query in BOUNDED:
        assert_bounded_algebra(query)


# --- in the query service -------------------------------------------------------------------------


def job(query: str) -> Job:
    return Job(query, media={"solutions": JSON, "boolean": JSON, "graph": "application/n-triples"}, max_rows=100)


@pytest.fixture()
def busy_service(real_dataset: Dataset) -> Iterator[QueryService]:
    """One worker, no line for it, the answer cache off, the worker held by a runaway."""
    store = EmbeddedStore(validator=small_validator, workers=1)
    store.load(real_dataset)
    queries = QueryService(store, Limits(timeout=4.0, query_queue=0), cache_mb=0)
    runaway = threading.Thread(target=lambda: _swallow(queries, RUNAWAY))
    try:
        queries.run(job(IN_A_WORKER), "warm-up")  # the worker is up
        runaway.start()
        assert wait_for(lambda: queries.admission.in_flight() == 1)
        yield queries
    finally:
        runaway.join()
        store.close()


def _swallow(queries: QueryService, query: str) -> None:
    with contextlib.suppress(StoreError):  # the runaway's 503 is not what these tests look at
        queries.run(job(query), "abuser")


LOOKUP = f"SELECT ?p ?o WHERE {{ <{EX}id/item/1-01> ?p ?o }}"


def test_with_every_worker_taken_a_bounded_query_is_answered_and_others_refused(busy_service: QueryService) -> None:
    answer = busy_service.run(job(LOOKUP), "reader")
    assert busy_service.admission.in_flight() == 1, "the lookup was counted against the workers' line"
    with pytest.raises(QueueFull):
        busy_service.run(job(IN_A_WORKER), "reader")
    # the same answer a worker gives: the lookup's bytes, once the worker is free again
    assert wait_for(lambda: busy_service.admission.in_flight() == 0, timeout=15)
    from_worker = busy_service.pool().run(job(LOOKUP), 10)
    assert answer == from_worker and answer.body.count(b'"p"') > 5


def test_past_the_size_limit_a_bounded_query_takes_a_worker(busy_service: QueryService,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service_module, "INLINE_MAX_QUADS", 10)
    with pytest.raises(QueueFull):
        busy_service.run(job(LOOKUP), "reader")


def test_with_every_in_process_slot_taken_a_bounded_query_takes_a_worker(busy_service: QueryService) -> None:
    slots = busy_service._inline
    taken = 0
    while slots.acquire(blocking=False):
        taken += 1
    try:
        with pytest.raises(QueueFull):
            busy_service.run(job(LOOKUP), "reader")
    finally:
        for _ in range(taken):
            slots.release()
    assert busy_service.run(job(LOOKUP), "reader").body
