"""The query policy's lexical checks, content negotiation and the reading of answers, on their own."""

from __future__ import annotations

import pyoxigraph as ox
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
from bolekg.services.lookup import truth
from bolekg.store.query_text import has_dataset_clause, query_form, with_base


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


@pytest.mark.parametrize(("query", "form"), [
    ("PREFIX ask: <http://ex/> SELECT * WHERE { ?s ask:p ?o }", "SELECT"),
    ("# CONSTRUCT\nask { ?s ?p ?o }", "ASK"),
    ("CONSTRUCT { ?s ?p ?o } WHERE { SELECT ?s ?p ?o WHERE { ?s ?p ?o } }", "CONSTRUCT"),
    ("BASE <http://ex/select/> DESCRIBE <a>", "DESCRIBE"),
    ("SELECT ?ask WHERE { ?ask ?p 'CONSTRUCT' }", "SELECT"),
])
def test_query_form_is_the_first_form_keyword(query: str, form: str) -> None:
    """What the remote store asks a server for depends on it (Virtuoso does not choose by form)."""
    assert query_form(query) == form


@pytest.mark.parametrize(("query", "sent"), [
    ("SELECT * WHERE { <s> ?p ?o }", "BASE <http://b/> SELECT * WHERE { <s> ?p ?o }"),
    ("SELECT * WHERE { <http://ex/s> ?p ?o }", "SELECT * WHERE { <http://ex/s> ?p ?o }"),
    # the text's own absolute BASE comes first: nothing resolves against ours, and Virtuoso refuses two
    ("# a comment\n base <http://x/> SELECT * WHERE { <s> ?p ?o }",
     "# a comment\n base <http://x/> SELECT * WHERE { <s> ?p ?o }"),
    ("PREFIX a: <r/> BASE <http://x/> SELECT * WHERE { <s> ?p ?o }",
     "BASE <http://b/> PREFIX a: <r/> BASE <http://x/> SELECT * WHERE { <s> ?p ?o }"),
])
def test_the_service_base_is_written_only_where_something_resolves_against_it(query: str, sent: str) -> None:
    assert with_base(query, "http://b/") == sent


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


XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"


@pytest.mark.parametrize(("term", "true"), [
    (ox.Literal("true", datatype=ox.NamedNode(XSD_BOOLEAN)), True),
    (ox.Literal("1", datatype=ox.NamedNode(XSD_BOOLEAN)), True),    # xsd:boolean's other form of true
    (ox.Literal("1", datatype=ox.NamedNode(XSD_INTEGER)), True),    # Virtuoso's EXISTS
    (ox.Literal("false", datatype=ox.NamedNode(XSD_BOOLEAN)), False),
    (ox.Literal("0", datatype=ox.NamedNode(XSD_INTEGER)), False),
    (None, False),
])
def test_a_boolean_answer_is_read_in_every_lexical_form(term: ox.Literal | None, true: bool) -> None:
    assert truth(term) is true
