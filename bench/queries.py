"""The queries every engine answers, and the pages BoleKG serves, in one place.

The entities are chosen so that the same IRI exists at every scale (report 0 is the real data) and
its neighbourhood does not grow with the number of reports: a lookup should cost the same on the
real data and on a million triples. Join and aggregates are written the way a person would
write them; their answers grow with the data, as they should.

The workbench's example queries (``src/bolekg/queries/examples/*.rq``) are run as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bolekg.paths import ROOT

PREFIXES = """PREFIX bk: <https://w3id.org/bolekg/def/>
PREFIX qb: <http://purl.org/linked-data/cube#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX sdmx-attribute: <http://purl.org/linked-data/sdmx/2009/attribute#>
"""

ITEM = "https://w3id.org/bolekg/id/item/1-01"
OBSERVATION = "https://w3id.org/bolekg/id/obs/1-01-training-actual"
HUB_PLACE = "https://w3id.org/bolekg/id/place/bole-city"
EXAMPLES_DIR = ROOT / "src" / "bolekg" / "queries" / "examples"


@dataclass(frozen=True)
class Query:
    name: str
    text: str
    kind: str  # "lookup", "join", "aggregate", "search" or "example"


CORE: tuple[Query, ...] = (
    Query("lookup-out", f"SELECT ?p ?o WHERE {{ <{ITEM}> ?p ?o }}", "lookup"),
    Query("lookup-in", f"SELECT ?s ?p WHERE {{ ?s ?p <{ITEM}> }}", "lookup"),
    Query("join-2hop", PREFIXES + """SELECT ?initiative ?place ?label WHERE {
  ?initiative bk:location ?place .
  ?place rdfs:label ?label .
  FILTER(LANG(?label) = "zh")
}""", "join"),
    Query("aggregate-item-unit", PREFIXES + """SELECT ?item ?unit (SUM(?v) AS ?total) (COUNT(?o) AS ?n) WHERE {
  ?item a bk:Item .
  ?o bk:initiative ?item ; qb:measureType ?m ; sdmx-attribute:unitMeasure ?unit .
  ?o ?m ?v .
} GROUP BY ?item ?unit""", "aggregate"),
    Query("aggregate-project-rollup", PREFIXES + """SELECT ?item ?unit (SUM(?v) AS ?total) (COUNT(?o) AS ?n) WHERE {
  ?project bk:partOfInitiative ?item .
  ?o bk:initiative ?project ; qb:measureType ?m ; sdmx-attribute:unitMeasure ?unit .
  ?o ?m ?v .
} GROUP BY ?item ?unit""", "aggregate"),
    Query("label-search", PREFIXES + """SELECT ?s ?label WHERE {
  ?s rdfs:label ?label .
  FILTER(CONTAINS(?label, "医院"))
}""", "search"),
)


def examples(directory: Path = EXAMPLES_DIR) -> tuple[Query, ...]:
    """The workbench's example queries, named after their files (``ex-05-spending-by-item``)."""
    return tuple(Query("ex-" + path.stem, path.read_text(encoding="utf-8"), "example")
                 for path in sorted(directory.glob("*.rq")))


def all_queries() -> tuple[Query, ...]:
    return CORE + examples()


@dataclass(frozen=True)
class PageRequest:
    name: str
    path: str
    accept: str


PAGES: tuple[PageRequest, ...] = (
    PageRequest("entity-html-observation", "/id/obs/1-01-training-actual", "text/html"),
    PageRequest("entity-html-item", "/id/item/1-01", "text/html"),
    PageRequest("entity-turtle-observation", "/id/obs/1-01-training-actual.ttl", "text/turtle"),
    PageRequest("entity-jsonld-observation", "/id/obs/1-01-training-actual.jsonld", "application/ld+json"),
    PageRequest("entity-turtle-item", "/id/item/1-01.ttl", "text/turtle"),
    PageRequest("entity-html-hub-place", "/id/place/bole-city", "text/html"),
    PageRequest("search-html", "/search?q=%E5%8C%BB%E9%99%A2", "text/html"),
    PageRequest("search-json", "/search?q=%E5%8C%BB%E9%99%A2", "application/json"),
    PageRequest("void", "/.well-known/void", "text/turtle"),
    PageRequest("service-description", "/sparql", "text/turtle"),
    PageRequest("dump-ntriples-cached", "/dumps/bolekg.nt", "application/n-triples"),
    PageRequest("dump-csv-cached", "/dumps/observations.csv", "text/csv"),
)
