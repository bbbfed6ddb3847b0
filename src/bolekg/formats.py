"""The serialisations the server speaks, how a client's ``Accept`` picks one, and a query's answer in them.

Results are serialised by pyoxigraph's own writers (SPARQL 1.1 Query Results JSON, XML, CSV/TSV;
Turtle, N-Triples, JSON-LD, RDF/XML, TriG for graphs), never converted to Python objects on the
way out: the endpoint's cost should be the store's, not ours.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from bolekg.report.vocab import FORMATS, PREFIXES, STANDARD_PREFIXES

#: Prefixes for serialisations a person reads (Turtle, TriG): the project's own plus RDF's basics.
SERIALISATION_PREFIXES: dict[str, str] = {**STANDARD_PREFIXES, **PREFIXES}


@dataclass(frozen=True)
class Format:
    """One serialisation the server speaks: its ``format=`` keys, media types and writer."""

    key: str
    media_type: str
    extension: str
    aliases: tuple[str, ...] = ()
    results: ox.QueryResultsFormat | None = None
    rdf: ox.RdfFormat | None = None
    #: The format's IRI from https://www.w3.org/ns/formats/ (SPARQL Service Description §3.2.6).
    iri: str = ""

    @property
    def content_type(self) -> str:
        text = self.media_type.startswith("text/") or self.key in {"json", "jsonld"}
        return f"{self.media_type}; charset=utf-8" if text else self.media_type

    @property
    def names(self) -> tuple[str, ...]:
        return (self.key, self.extension, self.media_type, *self.aliases)


JSON = Format("json", "application/sparql-results+json", "srj", ("application/json",),
              results=ox.QueryResultsFormat.JSON, iri=FORMATS + "SPARQL_Results_JSON")
XML = Format("xml", "application/sparql-results+xml", "srx", ("application/xml", "text/xml"),
             results=ox.QueryResultsFormat.XML, iri=FORMATS + "SPARQL_Results_XML")
CSV = Format("csv", "text/csv", "csv", (), results=ox.QueryResultsFormat.CSV,
             iri=FORMATS + "SPARQL_Results_CSV")
TSV = Format("tsv", "text/tab-separated-values", "tsv", (), results=ox.QueryResultsFormat.TSV,
             iri=FORMATS + "SPARQL_Results_TSV")

TURTLE = Format("turtle", "text/turtle", "ttl", ("application/x-turtle",), rdf=ox.RdfFormat.TURTLE,
                iri=FORMATS + "Turtle")
NTRIPLES = Format("ntriples", "application/n-triples", "nt", ("text/plain",),
                  rdf=ox.RdfFormat.N_TRIPLES, iri=FORMATS + "N-Triples")
JSONLD = Format("jsonld", "application/ld+json", "jsonld", ("application/json",),
                rdf=ox.RdfFormat.JSON_LD, iri=FORMATS + "JSON-LD")
RDFXML = Format("rdfxml", "application/rdf+xml", "rdf", ("application/xml", "text/xml"),
                rdf=ox.RdfFormat.RDF_XML, iri=FORMATS + "RDF_XML")
TRIG = Format("trig", "application/trig", "trig", (), rdf=ox.RdfFormat.TRIG, iri=FORMATS + "TriG")
NQUADS = Format("nquads", "application/n-quads", "nq", (), rdf=ox.RdfFormat.N_QUADS,
                iri=FORMATS + "N-Quads")
HTML = Format("html", "text/html", "html", ("application/xhtml+xml",))

#: Offers in order of preference: the first is what a client that accepts anything gets.
RESULT_FORMATS: tuple[Format, ...] = (JSON, XML, CSV, TSV)
GRAPH_FORMATS: tuple[Format, ...] = (TURTLE, NTRIPLES, JSONLD, RDFXML, TRIG, NQUADS)
#: Formats for a single graph's document (entity pages, Graph Store GET); no dataset formats.
DOCUMENT_FORMATS: tuple[Format, ...] = (TURTLE, JSONLD, NTRIPLES, RDFXML)
BY_EXTENSION: dict[str, Format] = {f.extension: f for f in (*GRAPH_FORMATS, CSV, TSV, JSON, XML)}


class UnknownFormat(ValueError):
    """A ``format=`` value names no format this resource offers."""


def negotiate(offers: Sequence[Format], accept: str | None, requested: str | None = None) -> Format | None:
    """Pick a format: an explicit ``format=`` wins (for browsers), else the Accept header (RFC 9110 §12.5.1).

    ``None`` means nothing acceptable is offered (answer 406). A missing or empty Accept header
    means "anything", so the first offer.
    """
    from werkzeug.datastructures import MIMEAccept
    from werkzeug.http import parse_accept_header

    if requested:
        wanted = requested.strip().lower()
        for offer in offers:
            if wanted in offer.names:
                return offer
        raise UnknownFormat(
            f"format={requested!r} is not offered here; use one of "
            + ", ".join(offer.key for offer in offers)
        )
    if not accept or not accept.strip():
        return offers[0]
    parsed = parse_accept_header(accept, MIMEAccept)
    candidates = [(name, offer) for offer in offers for name in (offer.media_type, *offer.aliases)]
    best = parsed.best_match([name for name, _ in candidates])
    if best is None:
        return None
    return next(offer for name, offer in candidates if name == best)


class QueryResult:
    """What a query answered: solutions, a boolean, or triples, still in pyoxigraph's own objects."""

    def __init__(self, value: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples | list[ox.Triple]):
        self.value = value
        if isinstance(value, ox.QuerySolutions):
            self.kind = "solutions"
        elif isinstance(value, ox.QueryBoolean):
            self.kind = "boolean"
        else:
            self.kind = "graph"

    @property
    def offers(self) -> tuple[Format, ...]:
        return GRAPH_FORMATS if self.kind == "graph" else RESULT_FORMATS

    def solutions(self) -> ox.QuerySolutions:
        """The solutions of a ``SELECT``, for a caller that asked one (the application's own queries)."""
        if not isinstance(self.value, ox.QuerySolutions):
            raise TypeError(f"a {self.kind} result has no solutions")
        return self.value

    def triples(self) -> ox.QueryTriples | list[ox.Triple]:
        """The triples of a ``CONSTRUCT`` or ``DESCRIBE``, for a caller that asked one."""
        if isinstance(self.value, ox.QuerySolutions | ox.QueryBoolean):
            raise TypeError(f"a {self.kind} result has no triples")
        return self.value

    def serialize(self, fmt: Format, prefixes: dict[str, str] | None = None) -> bytes:
        """Write the result in ``fmt`` with pyoxigraph's serialisers.

        ``prefixes`` only matter for graphs in Turtle/TriG; passing them costs a pass through
        Python objects, so the endpoint leaves them out and entity documents put them in.
        """
        value = self.value
        if isinstance(value, ox.QuerySolutions | ox.QueryBoolean):
            if fmt.results is None:
                raise UnknownFormat(f"{fmt.key} is not a SPARQL results format")
            return value.serialize(format=fmt.results) or b""
        if fmt.rdf is None:
            raise UnknownFormat(f"{fmt.key} is not an RDF format")
        if prefixes is None and isinstance(value, ox.QueryTriples):
            return value.serialize(format=fmt.rdf) or b""
        return ox.serialize(value, format=fmt.rdf, prefixes=prefixes) or b""
