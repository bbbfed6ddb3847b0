"""Query policy and result formats for the SPARQL endpoint, shared by both store backends.

Results are serialised by pyoxigraph's own writers (SPARQL 1.1 Query Results JSON, XML, CSV/TSV;
Turtle, N-Triples, JSON-LD, RDF/XML, TriG for graphs), never converted to Python objects on the
way out: the endpoint's cost should be the store's, not ours.

The policy is lexical, on purpose: pyoxigraph does not expose its parser, and the two things the
policy must see — the ``SERVICE`` and ``LOAD`` keywords (which make the server fetch URLs: SPARQL 1.1
Federated Query §3, SPARQL 1.1 Update §3.1.4) and a ``FROM`` dataset clause (SPARQL 1.1 Query
§13.2) — are keywords that, once strings, IRIs and comments are blanked out, cannot appear as
anything else.

The limits (:class:`Limits`) are what keeps a public endpoint up: a time limit enforced by killing
the worker process that runs the query (:mod:`bolekg.isolation`), a row cap that is always announced,
and a size limit on the query text. Every default can be changed through the environment.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from bolekg.errors import SparqlSyntaxError as SparqlSyntaxError  # re-exported: it was defined here first
from bolekg.settings import non_negative_setting, positive_setting
from bolekg.vocab import FORMATS, PREFIXES, STANDARD_PREFIXES

#: Prefixes for serialisations a person reads (Turtle, TriG): the project's own plus RDF's basics.
SERIALISATION_PREFIXES: dict[str, str] = {**STANDARD_PREFIXES, **PREFIXES}


class PolicyViolation(ValueError):
    """The request is well-formed but asks for something this server does not do (400)."""


class QueryTooLarge(PolicyViolation):
    """The query text is longer than ``BOLEKG_MAX_QUERY_BYTES`` (413, RFC 9110 §15.5.14)."""


@dataclass(frozen=True)
class Limits:
    """What one query on the public endpoint may cost. Defaults, and the variables that change them:

    * ``timeout`` — ``BOLEKG_QUERY_TIMEOUT``, seconds (default 10): the query is stopped, its worker
      killed, and the client gets 503;
    * ``max_rows`` — ``BOLEKG_MAX_ROWS`` (default 10 000): solutions (or triples) beyond it are cut,
      and the response says so (``X-BoleKG-Truncated``);
    * ``max_query_bytes`` — ``BOLEKG_MAX_QUERY_BYTES`` (default 100 000): a longer query or update is
      refused with 413;
    * ``max_body_bytes`` — ``BOLEKG_MAX_BODY_BYTES`` (default 32 MiB): any longer request body (a Graph
      Store upload) is refused with 413 before it is read;
    * ``html_max_rows`` — ``BOLEKG_HTML_MAX_ROWS`` (default 1 000): the HTML results page shows at most
      this many rows (or triples), says how many there were and links to the whole answer;
    * ``client_queries`` — ``BOLEKG_CLIENT_QUERIES`` (default 2): public queries one client (remote
      address) may have running or waiting at once; one more is refused with 429 at once;
    * ``query_queue`` — ``BOLEKG_QUERY_QUEUE`` (default ``None``: as many as there are query workers):
      public queries that may wait for a busy worker; one more is refused with 503 at once;
    * ``client_query_seconds`` — ``BOLEKG_CLIENT_QUERY_SECONDS`` (default 60): seconds of query time one
      client may use per 60 s (:data:`bolekg.admission.WINDOW`); past it, 429 until the window frees up;
    * ``forwarded_for`` — ``BOLEKG_FORWARDED_FOR`` (default 0): how many proxies in front append to
      ``X-Forwarded-For``; the client is the address the outermost one saw. 0: the header is ignored
      (anyone can send it) and the client is the connection's remote address.
    """

    timeout: float = 10.0
    max_rows: int = 10_000
    max_query_bytes: int = 100_000
    max_body_bytes: int = 32 * 1024 * 1024
    html_max_rows: int = 1_000
    client_queries: int = 2
    query_queue: int | None = None
    client_query_seconds: float = 60.0
    forwarded_for: int = 0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Limits:
        env = os.environ if environ is None else environ
        defaults = cls()
        return cls(
            timeout=positive_setting(env, "BOLEKG_QUERY_TIMEOUT", defaults.timeout, float),
            max_rows=int(positive_setting(env, "BOLEKG_MAX_ROWS", defaults.max_rows, int)),
            max_query_bytes=int(positive_setting(env, "BOLEKG_MAX_QUERY_BYTES", defaults.max_query_bytes, int)),
            max_body_bytes=int(positive_setting(env, "BOLEKG_MAX_BODY_BYTES", defaults.max_body_bytes, int)),
            html_max_rows=int(positive_setting(env, "BOLEKG_HTML_MAX_ROWS", defaults.html_max_rows, int)),
            client_queries=int(positive_setting(env, "BOLEKG_CLIENT_QUERIES", defaults.client_queries, int)),
            query_queue=non_negative_setting(env, "BOLEKG_QUERY_QUEUE", defaults.query_queue),
            client_query_seconds=positive_setting(env, "BOLEKG_CLIENT_QUERY_SECONDS", defaults.client_query_seconds,
                                           float),
            forwarded_for=non_negative_setting(env, "BOLEKG_FORWARDED_FOR", defaults.forwarded_for) or 0,
        )


def check_size(text: str, limits: Limits) -> None:
    """Refuse a query or update text longer than the limit (counted in UTF-8 bytes)."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > limits.max_query_bytes:
        raise QueryTooLarge(f"the query is {size} bytes long; this endpoint accepts at most "
                            f"{limits.max_query_bytes} (BOLEKG_MAX_QUERY_BYTES)")


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

    def serialize(self, fmt: Format, prefixes: dict[str, str] | None = None) -> bytes:
        """Write the result in ``fmt`` with pyoxigraph's serialisers.

        ``prefixes`` only matter for graphs in Turtle/TriG; passing them costs a pass through
        Python objects, so the endpoint leaves them out and entity documents put them in.
        """
        if self.kind == "graph":
            if fmt.rdf is None:
                raise UnknownFormat(f"{fmt.key} is not an RDF format")
            if prefixes is None and isinstance(self.value, ox.QueryTriples):
                return self.value.serialize(format=fmt.rdf) or b""
            return ox.serialize(self.value, format=fmt.rdf, prefixes=prefixes) or b""
        if fmt.results is None:
            raise UnknownFormat(f"{fmt.key} is not a SPARQL results format")
        return self.value.serialize(format=fmt.results) or b""  # type: ignore[union-attr]


# --- the lexical policy -------------------------------------------------------------------------

_BLANKED = re.compile(
    r"""'''(?:[^'\\]|\\.|'(?!''))*'''"""        # long single-quoted string
    r'''|"""(?:[^"\\]|\\.|"(?!""))*"""'''        # long double-quoted string
    r"""|'(?:[^'\\\n\r]|\\.)*'"""                # short strings
    r'''|"(?:[^"\\\n\r]|\\.)*"'''
    r"""|<[^<>"{}|^`\\\x00-\x20]*>"""            # IRI references (a bare < is "less than")
    r"""|\#[^\n\r]*""",                          # comments
    re.DOTALL,
)


def _keywords(text: str) -> frozenset[str]:
    """The bare words of a SPARQL text, upper-cased, with strings, IRIs and comments removed.

    Prefixed names (``ex:service``), variables (``?from``) and blank-node labels never count:
    a word touching ``:``, ``?``, ``$``, ``_`` or ``-`` is not a keyword. Memoised for texts of
    query size: every query is read twice (policy, dataset clause), and clients repeat their queries.
    """
    return _remembered_keywords(text) if len(text) <= 4096 else _read_keywords(text)


def _read_keywords(text: str) -> frozenset[str]:
    blanked = _BLANKED.sub(" ", text)
    return frozenset(word.upper() for word in re.findall(r"(?<![\w:?$\-.])[A-Za-z]+(?![\w:\-])", blanked))


_remembered_keywords = functools.lru_cache(maxsize=1024)(_read_keywords)


def has_dataset_clause(query: str) -> bool:
    """Whether the query names its own dataset with FROM / FROM NAMED (SPARQL 1.1 Query §13.2)."""
    return "FROM" in _keywords(query)


def check_query(query: str, allow_service: bool = False) -> None:
    """Refuse federated queries unless allowed: SERVICE makes this server an open HTTP client.

    An update sent where a query belongs (``query=INSERT …``) is refused here too, with a reason
    better than the parser's: updates go to the update operation, with the write token (SPARQL 1.1
    Protocol §2.2).
    """
    words = _keywords(query)
    if not allow_service and "SERVICE" in words:
        raise PolicyViolation("SERVICE (federated query) is disabled on this endpoint: it would make the "
                              "server send requests to other hosts")
    if not words & _QUERY_FORMS and words & _UPDATE_FORMS:
        raise PolicyViolation("this is an update, not a query; updates are not accepted as queries "
                              "(send them with POST as 'update' or application/sparql-update, with the write token)")


_QUERY_FORMS = {"SELECT", "CONSTRUCT", "ASK", "DESCRIBE"}
_UPDATE_FORMS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD"}


def check_update(update: str) -> None:
    """Refuse LOAD (fetches any URL) and SERVICE inside updates; everything else is validated later."""
    words = _keywords(update)
    for keyword in ("LOAD", "SERVICE"):
        if keyword in words:
            raise PolicyViolation(f"{keyword} is disabled in updates on this endpoint: it would make the server "
                                  "fetch a URL")
