"""Organisations answer to the names the report writes for them (issue 17).

The report writes 博乐市住建局, 博乐市党委, 乡镇卫生院… rather than the full names the graph uses as
preferred labels; each of those forms is a ``skos:altLabel`` in Chinese on its organisation, taken
verbatim from the report (never invented), so that search finds the organisation by it.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from bolekg.paths import SOURCE_FILE
from bolekg.services.search import SearchIndex
from bolekg.store import GraphStore

ORG = "https://w3id.org/bolekg/id/org/"

#: Forms the report writes (or the bureau's short form inside one) → the organisation they name.
REPORT_FORMS = {
    "博乐市党委": "bole-party-committee",
    "博乐市住建局": "bole-housing-bureau",
    "住建局": "bole-housing-bureau",
    "民政局": "bole-civil-affairs-bureau",
    "生态环境局博乐市分局": "bortala-eeb-bole-branch",
    "博乐市人民医院": "bole-peoples-hospital",
    "博乐市中西医结合医院": "bole-peoples-hospital",
    "乡镇卫生院": "bole-township-health-centres",
    "基层党组织": "bole-grassroots-party-organisations",
    "农村幼儿园": "bole-rural-kindergartens",
    "医疗机构": "bole-medical-institutions",
    "自治区": "xinjiang-regional-government",
    "安全生产检查组": "bole-safety-inspection-groups",
    "30家职能部门、单位": "bole-30-departments-and-units",
}

#: Query → the organisation search must rank first for it.
SEARCHES = {
    "住建局": "bole-housing-bureau",
    "博乐市住建局": "bole-housing-bureau",
    "博乐市党委": "bole-party-committee",
    "民政局": "bole-civil-affairs-bureau",
    "生态环境局博乐市分局": "bortala-eeb-bole-branch",
    "博乐市中西医结合医院": "bole-peoples-hospital",
    "自治区": "xinjiang-regional-government",
    "Housing Bureau": "bole-housing-bureau",
    "Health Commission": "bole-health-commission",
    "PSB": "bole-public-security-bureau",
}


@pytest.fixture(scope="module")
def graph(real_union: Graph) -> Graph:
    return real_union


def organisations(graph: Graph) -> set[URIRef]:
    found = {s for s in graph.subjects(RDF.type, None) if isinstance(s, URIRef) and str(s).startswith(ORG)}
    assert found, "no organisations in the data"
    return found


def alt_labels(graph: Graph, lang: str) -> dict[str, set[URIRef]]:
    """Each altLabel in ``lang`` of an organisation → the organisations carrying it."""
    found: dict[str, set[URIRef]] = {}
    for org in organisations(graph):
        for label in graph.objects(org, SKOS.altLabel):
            if isinstance(label, Literal) and label.language == lang:
                found.setdefault(str(label), set()).add(org)
    return found


def test_every_chinese_alt_label_of_an_organisation_is_in_the_report(graph: Graph) -> None:
    text = SOURCE_FILE.read_text(encoding="utf-8")
    labels = alt_labels(graph, "zh")
    assert labels
    invented = sorted(label for label in labels if label not in text)
    assert not invented, f"Chinese altLabels the report never writes: {invented}"


def test_alt_labels_differ_from_the_preferred_names(graph: Graph) -> None:
    for org in organisations(graph):
        names = set(graph.objects(org, RDFS.label)) | set(graph.objects(org, SKOS.prefLabel))
        alts = set(graph.objects(org, SKOS.altLabel))
        assert not names & alts, (org, names & alts)
        assert all(isinstance(a, Literal) and a.language in {"zh", "en"} for a in alts), (org, alts)


def test_alt_labels_fall_on_declared_organisations(graph: Graph) -> None:
    """organisations.ttl also names agencies declared in the section files: a mistyped slug there
    would make a new resource with nothing but an altLabel."""
    for subject in set(graph.subjects(SKOS.altLabel, None)):
        if str(subject).startswith(ORG):
            assert (subject, RDFS.label, None) in graph and (subject, RDF.type, None) in graph, subject


@pytest.mark.parametrize(("form", "slug"), sorted(REPORT_FORMS.items()))
def test_the_report_form_names_its_organisation(graph: Graph, form: str, slug: str) -> None:
    assert (URIRef(ORG + slug), SKOS.altLabel, Literal(form, lang="zh")) in graph
    assert alt_labels(graph, "zh")[form] == {URIRef(ORG + slug)}


@pytest.fixture(scope="module")
def store(real_store: GraphStore) -> GraphStore:
    return real_store


@pytest.fixture(scope="module")
def index(real_index: SearchIndex) -> SearchIndex:
    return real_index


@pytest.mark.parametrize(("query", "slug"), sorted(SEARCHES.items()))
def test_search_finds_the_organisation_by_the_report_form(index: SearchIndex, query: str, slug: str) -> None:
    hits, _ = index.search(query, limit=5)
    assert hits, query
    assert hits[0].iri == ORG + slug, (query, [(h.iri, h.score, h.matched) for h in hits])
    assert hits[0].match == "exact", (query, hits[0])


@pytest.mark.parametrize("form", sorted(REPORT_FORMS))
def test_search_ranks_the_organisation_near_the_top(index: SearchIndex, form: str) -> None:
    hits, _ = index.search(form, limit=3)
    assert ORG + REPORT_FORMS[form] in [h.iri for h in hits], (form, [(h.iri, h.score) for h in hits])


def test_alt_labels_do_not_change_the_names_search_shows(index: SearchIndex, graph: Graph) -> None:
    """The name a hit is shown under is the preferred one, never an alternative."""
    for org in organisations(graph):
        shown = index.names.get(str(org), {})
        preferred = {lit.language: str(lit) for lit in graph.objects(org, SKOS.prefLabel) if isinstance(lit, Literal)}
        for lang, name in preferred.items():
            assert shown.get(lang) == name, (org, lang, shown.get(lang), name)


def test_a_hit_is_shown_under_its_preferred_name_whatever_the_row_order() -> None:
    """Stores return rows in no promised order: an alternative name read first must not become the
    name a hit is shown under; it is shown only for a language with no other name."""
    iri = ORG + "example-bureau"
    alt, pref = str(SKOS.altLabel), str(SKOS.prefLabel)
    rows = [(iri, alt, ox.Literal("住建局", language="zh")),
            (iri, alt, ox.Literal("Housing Bureau", language="en")),
            (iri, pref, ox.Literal("博乐市住房和城乡建设局", language="zh"))]
    index = SearchIndex.from_rows(rows)
    assert index.names[iri] == {"zh": "博乐市住房和城乡建设局", "en": "Housing Bureau"}
    hits, _ = index.search("住建局")
    assert [(h.iri, h.match, h.matched) for h in hits] == [(iri, "exact", "住建局")]
