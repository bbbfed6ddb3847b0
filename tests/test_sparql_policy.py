"""The query policy's lexical checks and content negotiation, on their own."""

from __future__ import annotations

import pytest

from bolekg.formats import (
    CSV,
    GRAPH_FORMATS,
    HTML,
    JSON,
    JSONLD,
    RESULT_FORMATS,
    TURTLE,
    UnknownFormat,
    negotiate,
)
from bolekg.query.policy import PolicyViolation, check_query, check_update
from bolekg.services.describe import candidate_iris, split_extension
from bolekg.store.query_text import has_dataset_clause


@pytest.mark.parametrize("query", [
    "SELECT * FROM <http://g> WHERE { ?s ?p ?o }",
    "select * from named <http://g> where { graph ?g { ?s ?p ?o } }",
    "PREFIX ex: <http://ex/> SELECT ?x\nFROM ex:g\nWHERE { ?x ?p ?o }",
])
def test_dataset_clause_is_seen(query: str) -> None:
    assert has_dataset_clause(query)


@pytest.mark.parametrize("query", [
    'SELECT * WHERE { ?s ?p "FROM" }',
    "SELECT * WHERE { ?s <http://ex/FROM> ?o }",
    "SELECT ?from WHERE { ?from ?p ?o }",
    "PREFIX from: <http://ex/> SELECT * WHERE { ?s from:x ?o }",
    "SELECT * WHERE { ?s ?p ?o } # FROM <http://g>",
    "SELECT * WHERE { ?s ?p '''a\nFROM b''' }",
])
def test_the_word_elsewhere_is_not_a_dataset_clause(query: str) -> None:
    assert not has_dataset_clause(query)


def test_service_and_load_are_refused() -> None:
    with pytest.raises(PolicyViolation):
        check_query("SELECT * WHERE { service <http://x/sparql> { ?s ?p ?o } }")
    check_query("SELECT * WHERE { SERVICE <http://x/sparql> { ?s ?p ?o } }", allow_service=True)
    check_query('SELECT * WHERE { ?service ?p "SERVICE" . FILTER(?p < 3 && ?p > 1) }')
    with pytest.raises(PolicyViolation):
        check_update("LOAD <http://x/data.ttl>")
    check_update('INSERT DATA { <http://x/a> <http://x/p> "LOAD" }')


def test_negotiation() -> None:
    assert negotiate(RESULT_FORMATS, None) is JSON
    assert negotiate(RESULT_FORMATS, "*/*") is JSON
    assert negotiate((*RESULT_FORMATS, HTML), "text/html,application/xhtml+xml,*/*;q=0.8") is HTML
    assert negotiate(RESULT_FORMATS, "text/csv;q=0.5, application/sparql-results+xml;q=0.4") is CSV
    assert negotiate(RESULT_FORMATS, "image/png") is None
    assert negotiate(GRAPH_FORMATS, "application/json") is JSONLD
    assert negotiate(GRAPH_FORMATS, "application/sparql-results+json", requested="ttl") is TURTLE
    with pytest.raises(UnknownFormat):
        negotiate(GRAPH_FORMATS, None, requested="csv")


def test_paths_to_iris() -> None:
    assert split_extension("id/item/1-01.ttl") == ("id/item/1-01", TURTLE)
    assert split_extension("id/item/1-01") == ("id/item/1-01", None)
    assert split_extension("id/v1.2/x") == ("id/v1.2/x", None)
    assert candidate_iris("https://w3id.org/bolekg/", "def") == ["https://w3id.org/bolekg/def",
                                                                 "https://w3id.org/bolekg/def/"]
