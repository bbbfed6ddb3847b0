"""The vocabulary is closed and documented: every term used is declared somewhere we can name."""

from __future__ import annotations

import pytest
import rdflib.namespace as ns
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from bolekg.report.dataset import ontology_graph, report_graph
from bolekg.report.vocab import BK, NIF, ONTOLOGY_IRI, QUDT, SDMX_ATT, SDMX_DIM

# rdflib ships these vocabularies as closed namespaces: membership is a real check of the term.
CLOSED: list[type[ns.DefinedNamespace]] = [ns.DCAT, ns.DCTERMS, ns.GEO, ns.ORG, ns.OWL, ns.PROV, ns.QB,
                                           ns.RDF, ns.RDFS, ns.SDO, ns.SKOS, ns.TIME, ns.VANN, ns.VOID, ns.XSD]
# Terms of vocabularies rdflib does not ship, taken from their specifications.
NIF_TERMS = {"Context", "Sentence", "Paragraph", "Structure", "String", "Phrase", "isString",
             "beginIndex", "endIndex", "anchorOf", "referenceContext", "superString", "sentence",
             "nextSentence", "previousSentence"}
QUDT_TERMS = {"Unit", "conversionMultiplier", "scalingOf", "symbol"}
SDMX_TERMS = {SDMX_DIM.refArea, SDMX_DIM.refPeriod, SDMX_ATT.unitMeasure}


def declared_in_ontology(ontology: Graph) -> set[URIRef]:
    return {s for s in ontology.subjects() if isinstance(s, URIRef) and str(s).startswith(str(BK))}


def is_known(term: URIRef, ontology_terms: set[URIRef]) -> bool:
    if term in ontology_terms:
        return True
    if term in SDMX_TERMS:
        return True
    if str(term).startswith(str(NIF)):
        return str(term)[len(str(NIF)):] in NIF_TERMS
    if str(term).startswith(str(QUDT)):
        return str(term)[len(str(QUDT)):] in QUDT_TERMS
    for namespace in CLOSED:
        if str(term).startswith(str(namespace._NS)):
            try:
                return term in namespace
            except AttributeError:
                return False
    return False


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return ontology_graph()


def test_closed_namespace_lists_exactly_the_ontology_terms(ontology: Graph) -> None:
    in_ontology = {t for t in declared_in_ontology(ontology) if t != ONTOLOGY_IRI}
    in_python = {BK[name] for name in BK.__annotations__}
    assert in_python == in_ontology


def test_typo_in_a_term_fails_at_use() -> None:
    with pytest.raises(AttributeError):
        _ = BK.Obsrvation


def test_every_class_and_property_in_the_data_is_declared(ontology: Graph) -> None:
    data = report_graph()
    ontology_terms = declared_in_ontology(ontology)
    used = {p for p in data.predicates()} | {o for o in data.objects(None, RDF.type)}
    unknown = sorted(str(t) for t in used if not is_known(t, ontology_terms))
    assert unknown == []


def test_the_check_rejects_unknown_terms(ontology: Graph) -> None:
    terms = declared_in_ontology(ontology)
    assert not is_known(SKOS.prefLabel.replace("prefLabel", "prefLable"), terms)  # type: ignore[arg-type]
    assert not is_known(URIRef(str(NIF) + "beginOffset"), terms)
    assert not is_known(URIRef("http://example.org/thing"), terms)


def test_every_ontology_term_has_labels_and_definitions_in_both_languages(ontology: Graph) -> None:
    missing = []
    for term in declared_in_ontology(ontology):
        labels = {lit.language for p in (RDFS.label, SKOS.prefLabel) for lit in ontology.objects(term, p)
                  if isinstance(lit, Literal)}
        definitions = {lit.language for lit in ontology.objects(term, SKOS.definition)
                       if isinstance(lit, Literal)}
        if term != ONTOLOGY_IRI and not ({"zh", "en"} <= labels and {"zh", "en"} <= definitions):
            missing.append(str(term))
    assert missing == []


def test_every_class_is_aligned_to_a_standard_vocabulary(ontology: Graph) -> None:
    classes = set(ontology.subjects(RDF.type, OWL.Class))
    unaligned = [
        str(c) for c in classes
        if not any(not str(parent).startswith(str(BK)) for parent in ontology.transitive_objects(c, RDFS.subClassOf)
                   if parent != c)
    ]
    assert unaligned == []


def test_every_project_prefix_is_documented_with_its_namespace() -> None:
    """docs/ENCODING.md gives the namespace of every prefix the Turtle files declare under the base,
    so that a reader who sees ``agency:`` looks under ``/id/org/``, not ``/id/agency/``."""
    import re

    from bolekg.paths import ONTOLOGY_FILE, ROOT, TURTLE_DIR
    from bolekg.report.vocab import BASE

    declared: dict[str, str] = {}
    for path in [ONTOLOGY_FILE, *sorted(TURTLE_DIR.glob("*.ttl"))]:
        for prefix, namespace in re.findall(r"^@prefix\s+([\w-]*):\s*<([^>]*)>", path.read_text("utf-8"), re.M):
            if namespace.startswith(BASE):
                assert declared.setdefault(prefix, namespace) == namespace, (path, prefix)
    documented = dict(re.findall(r"^\| `([\w-]*):` \| `([^`]*)` \|",
                                 (ROOT / "docs" / "ENCODING.md").read_text("utf-8"), re.M))
    assert len(declared) >= 15
    assert {p: documented.get(p) for p in declared} == declared
