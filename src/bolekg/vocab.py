"""Namespaces: the project's own, closed so that a typo in a term fails at import, and the reused ones.

``BK`` lists exactly the terms declared in ``ontology/bolekg.ttl`` (a test keeps the two equal).
The data's base IRI is defined here once; every other module derives its IRIs from ``BASE``.
"""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

BASE = "https://w3id.org/bolekg/"
ID_BASE = BASE + "id/"
ONTOLOGY_IRI = URIRef(BASE + "def/")
ONTOLOGY_GRAPH = URIRef(BASE + "graph/ontology")
REPORT_GRAPH = URIRef(BASE + "graph/report/bole-2021-h1")


class BK(DefinedNamespace):
    """The BoleKG ontology (https://w3id.org/bolekg/def/)."""

    _NS = Namespace(BASE + "def/")
    _fail = True

    AcceptanceAndUse: URIRef
    Activity: URIRef
    AdministrativeDivision: URIRef
    Approximately: URIRef
    AtMost: URIRef
    AttributedResponsibility: URIRef
    Before: URIRef
    BranchOffice: URIRef
    Canal: URIRef
    Chainage: URIRef
    Completion: URIRef
    CountyLevelDivision: URIRef
    EndOf: URIRef
    Event: URIRef
    Facility: URIRef
    Government: URIRef
    GovernmentDepartment: URIRef
    GroupOfOrganisations: URIRef
    HealthCentre: URIRef
    Hospital: URIRef
    Household: URIRef
    Indicator: URIRef
    Initiative: URIRef
    Item: URIRef
    LinearFeature: URIRef
    Milestone: URIRef
    MilestoneKind: URIRef
    MoreThan: URIRef
    Mu: URIRef
    Observation: URIRef
    Paragraph: URIRef
    PartyCommittee: URIRef
    PersonTime: URIRef
    Pipeline: URIRef
    Place: URIRef
    PrefecturalDivision: URIRef
    Programme: URIRef
    Project: URIRef
    ProvincialDivision: URIRef
    Quote: URIRef
    RangeLowerBound: URIRef
    RangeUpperBound: URIRef
    Report: URIRef
    ReportText: URIRef
    ReportingPeriod: URIRef
    ResidentialCompound: URIRef
    Responsibility: URIRef
    River: URIRef
    Road: URIRef
    RoadSegment: URIRef
    Section: URIRef
    Start: URIRef
    StatedResponsibility: URIRef
    StructureCompletion: URIRef
    TenThousand: URIRef
    TenThousandMu: URIRef
    TenThousandPersonTime: URIRef
    TenThousandSquareMetre: URIRef
    TenThousandYuan: URIRef
    Theme: URIRef
    TownshipLevelDivision: URIRef
    UrbanArea: URIRef
    ValueQualifier: URIRef
    VillageLevelDivision: URIRef
    actual: URIRef
    actualObservation: URIRef
    agent: URIRef
    asWritten: URIRef
    attributedAgency: URIRef
    candidateDivisionCode: URIRef
    chainageMetres: URIRef
    change: URIRef
    describedIn: URIRef
    divisionCode: URIRef
    dsd: URIRef
    editorialNote: URIRef
    evidence: URIRef
    fromPlace: URIRef
    hasText: URIRef
    indicator: URIRef
    indicators: URIRef
    initiative: URIRef
    jurisdiction: URIRef
    location: URIRef
    measureValue: URIRef
    milestoneKind: URIRef
    milestoneOf: URIRef
    milestones: URIRef
    normalisedUnit: URIRef
    normalisedValue: URIRef
    partOf: URIRef
    partOfInitiative: URIRef
    partsComplete: URIRef
    planned: URIRef
    programme: URIRef
    qualifiers: URIRef
    rank: URIRef
    rate: URIRef
    reason: URIRef
    responsibility: URIRef
    responsibleAgency: URIRef
    section: URIRef
    segmentOf: URIRef
    shareOfPlan: URIRef
    target: URIRef
    targetObservation: URIRef
    theme: URIRef
    toPlace: URIRef
    valueQualifier: URIRef


# Reused vocabularies, at the exact namespaces DESIGN.md names.
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
GEO = Namespace("http://www.opengis.net/ont/geosparql#")
NIF = Namespace("http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#")
OA = Namespace("http://www.w3.org/ns/oa#")
ORG = Namespace("http://www.w3.org/ns/org#")
PROV = Namespace("http://www.w3.org/ns/prov#")
QB = Namespace("http://purl.org/linked-data/cube#")
QUDT = Namespace("http://qudt.org/schema/qudt/")
UNIT = Namespace("http://qudt.org/vocab/unit/")
SCHEMA = Namespace("https://schema.org/")
SDMX_DIM = Namespace("http://purl.org/linked-data/sdmx/2009/dimension#")
SDMX_ATT = Namespace("http://purl.org/linked-data/sdmx/2009/attribute#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
TIME = Namespace("http://www.w3.org/2006/time#")
VANN = Namespace("http://purl.org/vocab/vann/")
VOID = Namespace("http://rdfs.org/ns/void#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
SH = Namespace("http://www.w3.org/ns/shacl#")
WD = Namespace("http://www.wikidata.org/entity/")

# Where each kind of resource lives under the data base: readable slugs, no file extensions.
ID = Namespace(ID_BASE)
TEXT = Namespace(ID_BASE + "text/")
QUOTE = Namespace(ID_BASE + "quote/")
REPORT = Namespace(ID_BASE + "report/")
PROGRAMME = Namespace(ID_BASE + "programme/")
ITEM = Namespace(ID_BASE + "item/")
PROJECT = Namespace(ID_BASE + "project/")
ACTIVITY = Namespace(ID_BASE + "activity/")
AGENCY = Namespace(ID_BASE + "org/")
PLACE = Namespace(ID_BASE + "place/")
INDICATOR = Namespace(ID_BASE + "indicator/")
OBS = Namespace(ID_BASE + "obs/")
PERIOD = Namespace(ID_BASE + "period/")
MILESTONE = Namespace(ID_BASE + "milestone/")
RESPONSIBILITY = Namespace(ID_BASE + "responsibility/")
THEME = Namespace(ID_BASE + "theme/")
SCHEME = Namespace(ID_BASE + "scheme/")
DATASET = Namespace(ID_BASE + "dataset/")

#: Prefixes bound on every graph the project writes, so serialisations read the same everywhere.
PREFIXES: dict[str, str] = {
    "bk": str(BK._NS),
    "text": str(TEXT),
    "quote": str(QUOTE),
    "report": str(REPORT),
    "prog": str(PROGRAMME),
    "item": str(ITEM),
    "project": str(PROJECT),
    "activity": str(ACTIVITY),
    "agency": str(AGENCY),
    "place": str(PLACE),
    "ind": str(INDICATOR),
    "obs": str(OBS),
    "period": str(PERIOD),
    "ms": str(MILESTONE),
    "resp": str(RESPONSIBILITY),
    "theme": str(THEME),
    "scheme": str(SCHEME),
    "dataset": str(DATASET),
    "dcat": str(DCAT),
    "dct": str(DCT),
    "geo": str(GEO),
    "nif": str(NIF),
    "org": str(ORG),
    "prov": str(PROV),
    "qb": str(QB),
    "qudt": str(QUDT),
    "unit": str(UNIT),
    "schema": str(SCHEMA),
    "sdmx-dimension": str(SDMX_DIM),
    "sdmx-attribute": str(SDMX_ATT),
    "skos": str(SKOS),
    "time": str(TIME),
    "void": str(VOID),
    "wd": str(WD),
}


def bind_prefixes(graph) -> None:  # type: ignore[no-untyped-def]
    """Bind the project's prefixes on an rdflib ``Graph`` or ``Dataset``."""
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
