"""What the server says about itself: VoID + DCAT for the dataset, the SPARQL Service Description.

* VoID (https://www.w3.org/TR/void/): §4 statistics (``void:triples``, class and property
  partitions), §5 access (``void:sparqlEndpoint``, ``void:dataDump``, ``void:uriSpace``),
  §6 vocabularies (``void:vocabulary``), §7.2 the well-known location ``/.well-known/void``.
* DCAT 3 (https://www.w3.org/TR/vocab-dcat-3/): the dataset, one ``dcat:Distribution`` per dump
  (§6.7, with ``dcat:downloadURL`` and ``dcat:mediaType``), the endpoint as a ``dcat:DataService``
  (§6.8, ``dcat:endpointURL``, ``dcat:servesDataset``).
* SPARQL 1.1 Service Description (https://www.w3.org/TR/sparql11-service-description/) §3.

URLs of this deployment (endpoint, dumps) are built from the address the client used; the data's
own IRIs stay under the canonical base whatever the host.

The statistics are whole-dataset scans (distinct triples, class and property partitions): the caller
computes them (:func:`statistics`) once per version of the store and keeps them, not once per request
— a scan grows with the data, and the numbers only change with a write. The web app
keeps them in its versioned cache (:meth:`bolekg.web.state.State.statistics`).
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, URIRef

from bolekg.formats import DOCUMENT_FORMATS, GRAPH_FORMATS, RESULT_FORMATS, SERIALISATION_PREFIXES, Format
from bolekg.query.protocol import SPARQL_VERSIONS
from bolekg.report.vocab import BK, DCAT, DCT, ENTAILMENT, RDF, RDFS, SD, VOID, XSD, bind_prefixes
from bolekg.services.csvw import CSV_NAME, DATAPACKAGE_NAME, METADATA_MEDIA_TYPE, METADATA_NAME
from bolekg.services.reports import list_reports
from bolekg.store import GraphStore

#: Dumps at stable URLs under ``/dumps/``: file name → format.
DUMP_FILES: dict[str, Format] = {f"bolekg.{fmt.extension}": fmt for fmt in GRAPH_FORMATS
                                 if fmt.key != "rdfxml"}
CSV_FILE = CSV_NAME
#: One report's dumps (``/dumps/report/<id>.<extension>``): extension → format, those of the whole dump.
REPORT_DUMP_FORMATS: dict[str, Format] = {fmt.extension: fmt for fmt in DUMP_FILES.values()}
#: What describes the CSV (``bolekg.services.csvw``): file name → (media type, DCAT conformsTo, title).
CSV_DESCRIPTIONS: dict[str, tuple[str, str, str]] = {
    METADATA_NAME: (METADATA_MEDIA_TYPE, "https://www.w3.org/TR/tabular-metadata/",
                    "The observations CSV described as CSV on the Web (CSVW) metadata, for csv2rdf"),
    DATAPACKAGE_NAME: ("application/json", "https://specs.frictionlessdata.io/data-package/",
                       "The observations CSV as a Frictionless Data Package with its Table Schema"),
}
IANA = "https://www.iana.org/assignments/media-types/"

#: Namespaces a class or property may come from, for ``void:vocabulary``.
VOCABULARIES = sorted(set(SERIALISATION_PREFIXES.values()), key=len, reverse=True)


@dataclass(frozen=True)
class Site:
    """Where this deployment answers: ``root`` is the URL of ``/`` as the client reached it."""

    root: str
    base: str
    writable: bool = False
    #: Whether ``SERVICE`` is allowed (``ALLOW_SERVICE``): only then is federated query a feature.
    federated: bool = False

    def url(self, path: str) -> URIRef:
        return URIRef(self.root.rstrip("/") + "/" + path.lstrip("/"))

    @property
    def endpoint(self) -> URIRef:
        return self.url("sparql")


def _rows(store: GraphStore, query: str) -> list[dict[str, str]]:
    solutions = store.query(query).solutions()
    names = [var.value for var in solutions.variables]
    return [{name: row[name].value for name in names if row[name] is not None} for row in solutions]


@dataclass(frozen=True)
class Statistics:
    """What VoID §4 and the service description say about the data: counts and partitions."""

    triples: int
    entities: int
    licences: tuple[str, ...]
    reports: tuple[str, ...]
    classes: tuple[tuple[str, int], ...]
    properties: tuple[tuple[str, int], ...]
    graphs: tuple[tuple[str, int], ...]
    #: Each report's ID, graph and IRI (:func:`bolekg.services.reports.list_reports`): its VoID subset.
    report_graphs: tuple[tuple[str, str, str], ...] = ()


def statistics(store: GraphStore, base: str) -> Statistics:
    """The dataset's statistics, from scans of the whole data run apart (``GraphStore.apart``): the
    server keeps the numbers, not the store pages the scans went through."""
    return store.apart(lambda: _compute_statistics(store, base))


def _compute_statistics(store: GraphStore, base: str) -> Statistics:
    licences = _rows(store, f"PREFIX dct: <{DCT}> SELECT DISTINCT ?l WHERE {{ ?x dct:license ?l }}")
    reports = _rows(store, f"SELECT DISTINCT ?r WHERE {{ ?r a <{BK.Report}> }}")
    entities = _rows(store, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o FILTER(STRSTARTS(STR(?s), "
                            f'"{base}")) }}')
    classes = _rows(store, "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY ?c")
    properties = _rows(store, "SELECT ?p (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } } "
                              "GROUP BY ?p ORDER BY ?p")
    return Statistics(
        triples=store.triple_count(),
        entities=int(entities[0]["n"]),
        licences=tuple(row["l"] for row in licences),
        reports=tuple(row["r"] for row in reports),
        classes=tuple((row["c"], int(row["n"])) for row in classes),
        properties=tuple((row["p"], int(row["n"])) for row in properties),
        graphs=tuple(sorted(store.graph_counts().items())),
        report_graphs=tuple((entry.id, entry.graph, entry.iri) for entry in list_reports(store)),
    )


def _vocabulary(iri: str) -> str | None:
    return next((ns for ns in VOCABULARIES if iri.startswith(ns)), None)


def void_graph(store: GraphStore, site: Site, stats: Statistics) -> Graph:
    """The VoID + DCAT description of the dataset as this deployment serves it (``stats``: its
    :func:`statistics` at the store's current version)."""
    g = Graph()
    bind_prefixes(g)
    g.bind("sd", SD)
    dataset = site.url(".well-known/void#dataset")
    service = site.url("sparql#service")
    g.add((dataset, RDF.type, VOID.Dataset))
    g.add((dataset, RDF.type, DCAT.Dataset))
    g.add((dataset, DCT.title, Literal("BoleKG: Bole City's 2021 mid-year report on practical matters for "
                                       "the people, as linked data", lang="en")))
    g.add((dataset, DCT.title, Literal("博乐市“我为群众办实事”实践活动2021年上半年工作情况知识图谱", lang="zh")))
    g.add((dataset, DCT.description, Literal(
        "Every figure, project, agency and place of the report, each traced to the sentence it came "
        "from, with the ontology that defines the terms.", lang="en")))
    g.add((dataset, DCT.modified, Literal(store.version().last_modified.isoformat(), datatype=XSD.dateTime)))
    g.add((dataset, VOID.uriSpace, Literal(site.base + "id/")))
    g.add((dataset, VOID.sparqlEndpoint, site.endpoint))
    g.add((dataset, VOID.rootResource, URIRef(site.base + "def/")))
    g.add((dataset, DCAT.keyword, Literal("我为群众办实事", lang="zh")))
    g.add((dataset, DCAT.keyword, Literal("local government", lang="en")))

    for licence in stats.licences:
        g.add((dataset, DCT.license, URIRef(licence)))
    for report in stats.reports:
        g.add((dataset, DCT.source, URIRef(report)))
        g.add((dataset, VOID.exampleResource, URIRef(report)))

    # VoID §4: statistics over the union (distinct triples), then per class and per property.
    g.add((dataset, VOID.triples, Literal(stats.triples)))
    g.add((dataset, VOID.entities, Literal(stats.entities)))
    vocabularies: set[str] = set()
    for cls, count in stats.classes:
        part = BNode()
        g.add((dataset, VOID.classPartition, part))
        g.add((part, VOID["class"], URIRef(cls)))
        g.add((part, VOID.entities, Literal(count)))
        vocabularies.add(_vocabulary(cls) or "")
    for prop, count in stats.properties:
        part = BNode()
        g.add((dataset, VOID.propertyPartition, part))
        g.add((part, VOID.property, URIRef(prop)))
        g.add((part, VOID.triples, Literal(count)))
        vocabularies.add(_vocabulary(prop) or "")
    for namespace in sorted(vocabularies - {""}):
        g.add((dataset, VOID.vocabulary, URIRef(namespace)))

    # Each named graph is a subset, named by its own (dereferenceable) IRI; a report's graph says
    # which report it holds and has dumps of its own (/dumps/report/<id>.<ext>).
    reports = {graph: (report_id, iri) for report_id, graph, iri in stats.report_graphs}
    for name, count in stats.graphs:
        subset = URIRef(name)
        g.add((dataset, VOID.subset, subset))
        g.add((subset, RDF.type, VOID.Dataset))
        g.add((subset, SD.name, subset))
        g.add((subset, VOID.triples, Literal(count)))
        if name in reports:
            _report_subset(g, site, subset, *reports[name])

    # Access: dumps (VoID §5.3, DCAT distributions) and the endpoint (DCAT data service).
    for file_name, fmt in (*DUMP_FILES.items(), (CSV_FILE, None)):
        url = site.url(f"dumps/{file_name}")
        media = fmt.media_type if fmt else "text/csv"
        distribution = site.url(f".well-known/void#dump-{file_name.replace('.', '-')}")
        if fmt is not None:
            g.add((dataset, VOID.dataDump, url))
        g.add((dataset, DCAT.distribution, distribution))
        g.add((distribution, RDF.type, DCAT.Distribution))
        g.add((distribution, DCAT.downloadURL, url))
        g.add((distribution, DCAT.accessURL, url))
        g.add((distribution, DCAT.mediaType, URIRef(IANA + media)))
        if fmt is not None and fmt.iri:
            g.add((distribution, DCT["format"], URIRef(fmt.iri)))
        if fmt is None:
            g.add((distribution, DCT.title, Literal("Every figure as tidy CSV, one row per observation",
                                                    lang="en")))
            # DCAT 3 §6.7: a distribution's schema; the CSV's CSVW metadata is where a machine reads it
            g.add((distribution, DCT.conformsTo, site.url(f"dumps/{METADATA_NAME}")))
    for file_name, (media, standard, title) in CSV_DESCRIPTIONS.items():
        url = site.url(f"dumps/{file_name}")
        distribution = site.url(f".well-known/void#dump-{file_name.replace('.', '-')}")
        g.add((dataset, DCAT.distribution, distribution))
        g.add((distribution, RDF.type, DCAT.Distribution))
        g.add((distribution, DCAT.downloadURL, url))
        g.add((distribution, DCAT.accessURL, url))
        g.add((distribution, DCAT.mediaType, URIRef(IANA + media)))
        g.add((distribution, DCT.conformsTo, URIRef(standard)))
        g.add((distribution, DCT.title, Literal(title, lang="en")))
    g.add((dataset, DCAT.accessService, service))
    g.add((service, RDF.type, DCAT.DataService))
    g.add((service, DCAT.endpointURL, site.endpoint))
    g.add((service, DCAT.endpointDescription, site.endpoint))
    g.add((service, DCAT.servesDataset, dataset))
    g.add((service, DCT.conformsTo, URIRef("https://www.w3.org/TR/sparql11-protocol/")))
    return g


def _report_subset(g: Graph, site: Site, subset: URIRef, report_id: str, report: str) -> None:
    """A report's graph as a VoID subset and a DCAT dataset: its report, its dumps (VoID §5.3, one
    DCAT distribution each) and its figures as CSV."""
    g.add((subset, RDF.type, DCAT.Dataset))
    g.add((subset, DCT.source, URIRef(report)))
    g.add((subset, DCT.identifier, Literal(report_id)))
    g.add((subset, DCT.title, Literal(f"Report {report_id}: its facts and its text", lang="en")))
    for extension, fmt in (*REPORT_DUMP_FORMATS.items(), ("csv", None)):
        url = site.url(f"dumps/report/{report_id}.{extension}")
        if fmt is not None:
            g.add((subset, VOID.dataDump, url))
        distribution = site.url(f".well-known/void#report-{report_id}-{extension}")
        g.add((subset, DCAT.distribution, distribution))
        g.add((distribution, RDF.type, DCAT.Distribution))
        g.add((distribution, DCAT.downloadURL, url))
        g.add((distribution, DCAT.accessURL, url))
        g.add((distribution, DCAT.mediaType, URIRef(IANA + (fmt.media_type if fmt else "text/csv"))))
        if fmt is not None and fmt.iri:
            g.add((distribution, DCT["format"], URIRef(fmt.iri)))
        if fmt is None:
            g.add((distribution, DCT.conformsTo, site.url(f"dumps/report/{report_id}.csv-metadata.json")))


def service_description(site: Site, stats: Statistics) -> Graph:
    """SPARQL 1.1 Service Description (§3) of ``/sparql``: languages, formats, the default dataset
    (``stats``: the dataset's :func:`statistics`)."""
    g = Graph()
    bind_prefixes(g)
    g.bind("sd", SD)
    service = site.url("sparql#service")
    g.add((service, RDF.type, SD.Service))
    g.add((service, SD.endpoint, site.endpoint))
    g.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    if site.writable:
        g.add((service, SD.supportedLanguage, SD.SPARQL11Update))
        # what a write parses (§3.2.8): Graph Store Protocol payloads; LOAD is refused, so only these
        for fmt in DOCUMENT_FORMATS:
            g.add((service, SD.inputFormat, URIRef(fmt.iri)))
    g.add((service, SD.feature, SD.UnionDefaultGraph))
    if site.federated:  # SERVICE is refused unless allowed: never claimed otherwise (§3.3)
        g.add((service, SD.feature, SD.BasicFederatedQuery))
    g.add((service, SD.defaultEntailmentRegime, ENTAILMENT.Simple))
    # SPARQL 1.1 Service Description has no term for the 1.2 Protocol's version parameter: said in words
    g.add((service, RDFS.comment, Literal(
        f"Accepts the SPARQL 1.2 Protocol's version parameter with the values {', '.join(SPARQL_VERSIONS)}; "
        "the engine (Oxigraph) reads SPARQL 1.2 syntax whichever is announced.", lang="en")))
    for fmt in (*RESULT_FORMATS, *GRAPH_FORMATS):
        g.add((service, SD.resultFormat, URIRef(fmt.iri)))

    dataset = BNode()
    g.add((service, SD.defaultDataset, dataset))
    g.add((dataset, RDF.type, SD.Dataset))
    default = BNode()
    g.add((dataset, SD.defaultGraph, default))
    g.add((default, RDF.type, SD.Graph))
    g.add((default, VOID.triples, Literal(stats.triples)))
    for name, count in stats.graphs:
        named, graph = BNode(), BNode()
        g.add((dataset, SD.namedGraph, named))
        g.add((named, RDF.type, SD.NamedGraph))
        g.add((named, SD.name, URIRef(name)))
        g.add((named, SD.graph, graph))
        g.add((graph, RDF.type, SD.Graph))
        g.add((graph, VOID.triples, Literal(count)))
    return g
