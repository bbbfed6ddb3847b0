"""The pages behind Virtuoso ask what they ask behind the embedded store, and get the same answers.

Every page (both languages) is rendered once on the embedded store and once on a real Virtuoso holding
the same data; every query a page sends is recorded with its answer, and the two answers must be equal
as sets of rows. This is how the page queries that Virtuoso 7.2 answers wrongly were found (a ``*``
path joined with an OPTIONAL on its own property, zero-length steps inside a UNION, a class closure
joined with anything: see the comments in ``pages/kinds.py`` and ``pages/browse.py``).

Differences that are not wrong answers are read alike: the xsd:integer family (Oxigraph keeps
``xsd:nonNegativeInteger`` as ``xsd:integer``), xsd:boolean's lexical forms (Virtuoso writes true as
``1``, and ``EXISTS`` as an integer), ``GROUP_CONCAT`` of nothing (``""`` or unbound), and rows a
``LIMIT`` without ``ORDER BY`` may pick freely.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pyoxigraph as ox
import pytest
from rdflib import Dataset

from bolekg.store import GraphStore
from ld_support import new_store, remote_root

XSD = "http://www.w3.org/2001/XMLSchema#"
INTEGERS = {XSD + name for name in ("integer", "nonNegativeInteger", "positiveInteger", "int", "long")}
PAGES = ["/", "/id/item/1-01", "/id/item/2-07", "/id/item/3-03", "/id/programme/benefit-projects",
         "/id/place/dalete-town", "/id/place/bole-city", "/id/place/s304-bole-wenquan",
         "/id/org/bole-housing-bureau", "/id/obs/1-01-training-share", "/id/quote/236-262", "/id/quote/2778-2792",
         "/id/quote/1050-1062", "/id/quote/2823-2851", "/def/Observation",
         "/def/Place", "/browse", "/browse?class=https://w3id.org/bolekg/def/Observation",
         "/browse?class=https://w3id.org/bolekg/def/Item", "/browse?class=https://w3id.org/bolekg/def/Place",
         "/dashboard", "/ontology", "/quality", "/reader", "/search?q=boleshi", "/.well-known/void",
         "/timeline", "/about"]

Answers = dict[str, list[str]]


def read_alike(term: ox.NamedNode | ox.BlankNode | ox.Literal | None, variable: str, query: str) -> object:
    if not isinstance(term, ox.Literal):
        return None if term is None else str(term)
    datatype = term.datatype.value
    if datatype == XSD + "boolean" or ("EXISTS {" in query and datatype in INTEGERS
                                       and f"AS ?{variable})" in query):
        return term.value in ("true", "1")
    if datatype == XSD + "string" and term.value == "" and "GROUP_CONCAT" in query:
        return None
    return term.value, (XSD + "integer" if datatype in INTEGERS else datatype), term.language


def in_one_order(query: str) -> str:
    """``query`` with the terms of each ``VALUES ?x { … }`` sorted: built from an earlier answer, whose
    rows come in any order, it is then the same text on both stores."""
    return re.sub(r"(VALUES \?\w+ \{)([^{}]*)(\})",
                  lambda m: m.group(1) + " " + " ".join(sorted(m.group(2).split())) + " " + m.group(3), query)


def recorded(store: GraphStore, real_dataset: Dataset) -> Answers:
    """Render every page in both languages on ``store``; the answer of every SELECT the pages sent."""
    from bolekg.web import create_app

    answers: Answers = {}
    plain = store.query

    def query(sparql, default_graphs=None, named_graphs=None):  # type: ignore[no-untyped-def]
        result = plain(sparql, default_graphs, named_graphs)
        if result.kind != "solutions":
            return result
        rows = list(result.solutions())
        names = [v.value for v in result.solutions().variables] if rows else []
        answers[in_one_order(sparql)] = sorted(str([read_alike(row[n], n, sparql) for n in names]) for row in rows)
        return plain(sparql, default_graphs, named_graphs)  # the rows above were used up

    store.query = query  # type: ignore[method-assign]
    client = create_app({"STORE": store}).test_client()
    for path in PAGES:
        for language in ("en", "zh"):
            reply = client.get(path, headers={"Accept-Language": language})
            assert reply.status_code == 200, (path, reply.get_data(as_text=True)[:500])
    return answers


@pytest.fixture(scope="module")
def both(request: pytest.FixtureRequest, real_dataset: Dataset) -> Iterator[tuple[Answers, Answers]]:
    embedded = new_store("embedded", None)
    virtuoso = new_store("virtuoso", remote_root(request, "virtuoso", read_only=True))
    try:
        for store in (embedded, virtuoso):
            store.load(real_dataset)
        yield recorded(embedded, real_dataset), recorded(virtuoso, real_dataset)
    finally:
        embedded.close()
        virtuoso.close()


def test_every_page_query_gets_the_same_answer_behind_virtuoso(both: tuple[Answers, Answers]) -> None:
    """Compared where both stores were sent the same text: a query built from an earlier answer in
    another order (a ``VALUES`` list) is the same query in other words, and is read in the same order."""
    embedded, virtuoso = both
    common = [q for q in embedded if q in virtuoso and not ("LIMIT" in q and "ORDER BY" not in q)]
    assert len(common) > 100, f"only {len(common)} of {len(embedded)} queries were sent alike"
    differing = [q for q in common if embedded[q] != virtuoso[q]]
    report = "\n\n".join(f"{q[q.find('SELECT'):][:600]}\n embedded: {embedded[q][:3]}\n"
                         f" virtuoso: {virtuoso.get(q, [])[:3]}" for q in differing[:5])
    assert not differing, f"{len(differing)} of {len(embedded)} queries answered differently:\n\n{report}"
