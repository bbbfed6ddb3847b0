"""Namespaces: the project's own, closed so that a typo in a term fails at import, and the reused ones.

``BK`` lists exactly the terms declared in ``ontology/bolekg.ttl`` (a test keeps the two equal).
The data's base IRI is defined here once; every other module derives its IRIs from ``BASE``, and
takes every namespace from here: as rdflib terms (``BK.Item``), as plain strings where IRIs are
handled as text (``str(BK.Item)``, e.g. with pyoxigraph), or as ``PREFIX`` lines for a SPARQL text
(:func:`sparql_prefixes`).
"""

from __future__ import annotations

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import OWL as OWL  # re-exported: rdflib's own closed namespaces for RDF, RDFS, OWL, XSD
from rdflib.namespace import RDF as RDF
from rdflib.namespace import RDFS as RDFS
from rdflib.namespace import XSD as XSD
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
    Accepted: URIRef
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
    Corrected: URIRef
    CountyLevelDivision: URIRef
    CurationDecision: URIRef
    DecisionKind: URIRef
    EndOf: URIRef
    Event: URIRef
    Facility: URIRef
    Government: URIRef
    GovernmentDepartment: URIRef
    GroupOfOrganisations: URIRef
    HealthCentre: URIRef
    Hospital: URIRef
    Household: URIRef
    HundredMillionYuan: URIRef
    Indicator: URIRef
    Initiative: URIRef
    Item: URIRef
    LinearFeature: URIRef
    Milestone: URIRef
    MilestoneKind: URIRef
    MoreThan: URIRef
    Mu: URIRef
    NominalDiameter: URIRef
    Observation: URIRef
    Paragraph: URIRef
    PartyCommittee: URIRef
    PersonTime: URIRef
    Pipeline: URIRef
    Place: URIRef
    PrefecturalDivision: URIRef
    Programme: URIRef
    Project: URIRef
    ProjectStatus: URIRef
    ProvincialDivision: URIRef
    Quote: URIRef
    RangeLowerBound: URIRef
    RangeUpperBound: URIRef
    Rejected: URIRef
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
    StatusCompleted: URIRef
    StatusConstructionCompleted: URIRef
    StatusInUse: URIRef
    StatusLargelyCompleted: URIRef
    StatusPartlyCompleted: URIRef
    StatusPlanned: URIRef
    StatusStarted: URIRef
    StatusStatement: URIRef
    StatusStructureCompleted: URIRef
    StatusUnderWay: URIRef
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
    aspect: URIRef
    attributedAgency: URIRef
    candidateDivisionCode: URIRef
    chainageMetres: URIRef
    change: URIRef
    confidence: URIRef
    cue: URIRef
    decisionAbout: URIRef
    decisionEvidence: URIRef
    decisionKind: URIRef
    decisionKinds: URIRef
    decisionReason: URIRef
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
    normalisedPrecision: URIRef
    normalisedUnit: URIRef
    normalisedValue: URIRef
    partOf: URIRef
    partOfInitiative: URIRef
    partsComplete: URIRef
    planned: URIRef
    programme: URIRef
    projectStatuses: URIRef
    qualifiers: URIRef
    rank: URIRef
    rate: URIRef
    reason: URIRef
    responsibility: URIRef
    responsibleAgency: URIRef
    section: URIRef
    segmentOf: URIRef
    shareOfPlan: URIRef
    status: URIRef
    statusMilestone: URIRef
    statusObservation: URIRef
    statusOf: URIRef
    statusTime: URIRef
    target: URIRef
    targetObservation: URIRef
    theme: URIRef
    toPlace: URIRef
    unresolved: URIRef
    valueQualifier: URIRef


# Reused vocabularies, at the exact namespaces the project's design brief chose (a document kept outside
# this repository); README "The model in one paragraph" and docs/ENCODING.md say how each is used.
# RDF, RDFS, OWL and XSD are rdflib's own (closed) namespaces, imported above.
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
ENTAILMENT = Namespace("http://www.w3.org/ns/entailment/")  # the service description's entailment regimes
FORMATS = Namespace("http://www.w3.org/ns/formats/")  # the W3C's IRIs of media formats (``sd:resultFormat``)
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
STATUS = Namespace(ID_BASE + "status/")
THEME = Namespace(ID_BASE + "theme/")
SCHEME = Namespace(ID_BASE + "scheme/")
DATASET = Namespace(ID_BASE + "dataset/")
#: Curation decisions (``decision:<report>-<n>``) and the curators who made them (``curator:<name>``).
DECISION = Namespace(ID_BASE + "decision/")
CURATOR = Namespace(ID_BASE + "curator/")
#: The report this project encodes (its text, its graph ``REPORT_GRAPH``).
REPORT_IRI = REPORT["bole-2021-h1"]

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
    "status": str(STATUS),
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


#: The prefixes not in :data:`PREFIXES` that queries and serialisations use (RDF, RDFS, OWL, XSD, the
#: service description, VANN); the two together are every prefix a SPARQL text of this project uses.
STANDARD_PREFIXES: dict[str, str] = {
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "sd": str(SD),
    "vann": str(VANN),
}


def sparql_prefixes(*names: str) -> str:
    """``PREFIX name: <namespace>`` lines, one per name in the order given, each ending in a newline."""
    known = {**STANDARD_PREFIXES, **PREFIXES}
    return "".join(f"PREFIX {name}: <{known[name]}>\n" for name in names)


def bind_prefixes(graph: Graph) -> None:
    """Bind the project's prefixes on an rdflib ``Graph`` or ``Dataset``."""
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
