"""The remote backend: any SPARQL 1.1 server, reached over the SPARQL Protocol and the Graph Store Protocol."""

from __future__ import annotations

import hashlib
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, ClassVar

import pyoxigraph as ox

from bolekg.errors import QueryTimeout, SparqlSyntaxError, StoreError, Unavailable
from bolekg.formats import QueryResult
from bolekg.report.quads import GraphName, TripleSet, change_update, graph_term
from bolekg.settings import Settings
from bolekg.store.base import GraphStore, Validator, Version
from bolekg.store.jobs import Answer, Job, answer
from bolekg.store.query_text import has_dataset_clause, query_form, with_base
from bolekg.store.servers import NO_GRAPH, ServerProfile, server_profile

if TYPE_CHECKING:
    from SPARQLWrapper import SPARQLWrapper

#: An update body larger than this that changes one named graph is sent as a PUT of the graph.
BULK_UPDATE_BYTES = 256 * 1024


class RemoteStore(GraphStore):
    """Any SPARQL 1.1 server: queries and updates through SPARQLWrapper, loads through the Graph Store Protocol.

    ``endpoint`` is the query URL; ``server`` names the server behind it (:mod:`bolekg.store.servers`:
    ``oxigraph``, ``fuseki`` or ``virtuoso``), which gives the update URL and the Graph Store URL
    beside it unless they are given, and the server's habits the store works around.
    """

    #: One format per query form: a server that ignores the form (Virtuoso) must not be offered a choice.
    ACCEPT: ClassVar[dict[str, str]] = {
        "SELECT": "application/sparql-results+json", "ASK": "application/sparql-results+json",
        "CONSTRUCT": "application/n-triples", "DESCRIBE": "application/n-triples",
    }

    def __init__(self, endpoint: str, graph_store: str | None = None, update_endpoint: str | None = None,
                 validator: Validator | None = None, timeout: float | None = None,
                 transfer_timeout: float = 60.0, server: str | ServerProfile = "oxigraph"):
        """``timeout`` bounds each query (default ``BOLEKG_QUERY_TIMEOUT``); ``transfer_timeout`` bounds
        updates and Graph Store transfers, which move whole graphs."""
        self.endpoint = endpoint
        self.server = server_profile(server) if isinstance(server, str) else server
        beside_update, beside_store = self.server.services(endpoint)
        self.update_endpoint = update_endpoint or beside_update
        self.graph_store = graph_store or beside_store
        self.timeout = timeout if timeout is not None else Settings.from_env().query_timeout
        self.transfer_timeout = transfer_timeout
        self._fingerprint = ""
        super().__init__(validator)

    # --- SPARQL protocol through SPARQLWrapper ----------------------------------------------------

    def _wrapper(self, text: str, update: bool) -> SPARQLWrapper:
        from SPARQLWrapper import POST, SPARQLWrapper

        wrapper = SPARQLWrapper(self.endpoint, updateEndpoint=self.update_endpoint)
        wrapper.setMethod(POST)
        wrapper.setOnlyConneg(True)
        with warnings.catch_warnings():  # it warns on forms it cannot guess; the server judges the text
            warnings.simplefilter("ignore", RuntimeWarning)
            wrapper.setQuery(text)
        # SPARQLWrapper guesses query vs update from the text; the endpoint already knows which
        # one the client sent, and a guess must never route a "query" to the update service.
        wrapper.queryType = "INSERT" if update else "SELECT"
        return wrapper

    def _send(self, wrapper: SPARQLWrapper, timeout: float) -> tuple[bytes, str]:
        """One exchange with the server. Its failures are sorted for the client: a timeout is a
        :class:`QueryTimeout`, a server that cannot be reached (or says 503) is :class:`Unavailable`
        — both 503 — and any other bad answer a plain :class:`StoreError` (502)."""
        from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, SPARQLWrapperException

        wrapper.timeout = timeout  # type: ignore[assignment]  # a float on purpose: its setTimeout keeps whole seconds
        try:
            response = wrapper.query().response
            return response.read(), response.headers.get("Content-Type", "")
        except QueryBadFormed as error:
            raise SparqlSyntaxError(_server_message(error)) from error
        except urllib.error.HTTPError as error:
            if error.code == 503:
                raise Unavailable(f"The SPARQL server at {self.endpoint} is overloaded (503). Try again later.") \
                    from error
            raise StoreError(f"{self.endpoint}: HTTP {error.code}") from error
        except TimeoutError as error:
            raise QueryTimeout(timeout) from error
        except urllib.error.URLError as error:
            if isinstance(error.reason, TimeoutError):
                raise QueryTimeout(timeout) from error
            raise self._down(error.reason) from error
        except SPARQLWrapperException as error:
            raise StoreError(f"{self.endpoint}: {error}") from error
        except OSError as error:
            raise self._down(error) from error

    def _down(self, reason: object) -> Unavailable:
        return Unavailable(f"The SPARQL server at {self.endpoint} is not answering ({reason}). "
                           "Try again in a moment.")

    def query(self, sparql: str, default_graphs: Iterable[str] | None = None,
              named_graphs: Iterable[str] | None = None) -> QueryResult:
        defaults, named = self._dataset(list(default_graphs or ()), list(named_graphs or ()),
                                        not has_dataset_clause(sparql), self.graph_names)
        return self._query(sparql, defaults, named)

    def _dataset(self, defaults: list[str], named: list[str], union: bool,
                 names: Callable[[], list[str]]) -> tuple[list[str], list[str]]:
        """The ``default-graph-uri`` and ``named-graph-uri`` to send for a request that gave ``defaults``
        and ``named``: those, or (with ``union``, when it gave neither) BoleKG's own dataset, the union
        of its graphs as the default graph (with the default graph's stand-in, where the server needs
        one) and its graphs as the named graphs."""
        if defaults or named:
            if self.server.system_graphs:
                # a dataset given in part: the rest is empty (SPARQL 1.1 Protocol §2.1.4), not the server's all
                return defaults or [NO_GRAPH], named or [NO_GRAPH]
            return defaults, named
        if not union:
            return [], []
        graphs = names()
        stand_in = self.server.default_graph
        # no named graphs at all must still be a list, where the server reads "none given" as all its own
        named = graphs or ([NO_GRAPH] if self.server.system_graphs else [])
        return ([*graphs, stand_in] if stand_in else graphs), named

    def run_query(self, job: Job, timeout: float) -> Answer:
        """The time limit is the client's: the remote server may go on working after we give up."""
        deadline = time.monotonic() + timeout
        defaults, named = self._dataset(list(job.default_graphs), list(job.named_graphs), job.union,
                                        lambda: self._graph_names(timeout))
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise QueryTimeout(timeout)
        try:
            result = self._query(with_base(job.query, job.base_iri), defaults, named, remaining)
        except QueryTimeout as error:
            raise QueryTimeout(timeout) from error
        return answer(result.value, job)

    def _query(self, sparql: str, defaults: list[str], named: list[str],
               timeout: float | None = None) -> QueryResult:
        wrapper = self._wrapper(sparql, update=False)
        form = query_form(sparql)
        wrapper.addCustomHttpHeader("Accept", self.ACCEPT[form])
        for graph in defaults:
            wrapper.addParameter("default-graph-uri", graph)
        for graph in named:
            wrapper.addParameter("named-graph-uri", graph)
        body, content_type = self._send(wrapper, timeout if timeout is not None else self.timeout)
        media = content_type.split(";")[0].strip().lower()
        if media in ("application/sparql-results+json", "application/json"):
            results = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
        elif media in ("application/sparql-results+xml", "application/xml"):
            results = ox.parse_query_results(body, format=ox.QueryResultsFormat.XML)
        else:
            rdf_format = ox.RdfFormat.from_media_type(media) or ox.RdfFormat.N_TRIPLES
            return QueryResult([q.triple for q in ox.parse(body, format=rdf_format)])
        if form == "ASK" and self.server.ask_as_select and isinstance(results, ox.QuerySolutions):
            results = _ask_answer(results)
        return QueryResult(results)

    def graph_names(self) -> list[str]:
        return self._graph_names(self.timeout)

    def _graph_names(self, timeout: float) -> list[str]:
        # an empty group pattern lists the empty graphs too, where the server keeps them; Virtuoso keeps
        # none, answers it with one unbound row, and takes 1.6 s over DISTINCT where GROUP BY takes 10 ms
        listing = ("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }" if self.server.keeps_empty_graphs
                   else "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        result = self._query(listing, [], [], timeout)
        names = (str(row["g"].value) for row in result.solutions() if row["g"] is not None)
        return sorted(name for name in names if not self.server.hides(name))

    def graph_counts(self) -> dict[str, int]:
        return {graph: count for graph, count in super().graph_counts().items() if not self.server.hides(graph)}

    def _change_request(self, before: dict[GraphName, TripleSet], after: dict[GraphName, TripleSet]) -> str:
        stand_in = self.server.default_graph
        if stand_in is None:
            return super()._change_request(before, after)
        return change_update({stand_in if name is None else name: triples for name, triples in before.items()},
                             {stand_in if name is None else name: triples for name, triples in after.items()})

    def _commit_change(self, before: dict[GraphName, TripleSet], after: dict[GraphName, TripleSet],
                       request: str) -> None:
        """A large change of one named graph goes as a Graph Store PUT of that graph (§5.3), one request
        and as atomic as the update: servers that take the bulk loads of ``bolekg load`` through the
        Graph Store refuse a ``INSERT DATA`` of a whole report (Virtuoso 7.2: "SP030 … memory
        exhausted" at about 8 500 triples). A small change keeps the update, which touches only the
        triples it names."""
        changed = [name for name in set(before) | set(after) if before.get(name) != after.get(name)]
        if len(request.encode("utf-8")) > BULK_UPDATE_BYTES and len(changed) == 1:
            name = changed[0]
            if name is not None and name in after:
                data = ox.serialize((ox.Triple(*triple) for triple in after[name]),
                                    format=ox.RdfFormat.N_TRIPLES) or b""
                self._replace_graphs({name: data})
                return
        self._commit(request)

    def _commit(self, update: str) -> None:
        self._send(self._wrapper(update, update=True), self.transfer_timeout)

    # --- Graph Store Protocol ---------------------------------------------------------------------

    def _graph_url(self, name: GraphName) -> str:
        name = name if name is not None else self.server.default_graph
        if name is None:
            return f"{self.graph_store}?default"
        return f"{self.graph_store}?graph={urllib.parse.quote(name, safe='')}"

    def _http(self, method: str, url: str, data: bytes | None = None,
              content_type: str | None = None) -> tuple[int, bytes]:
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Accept", "application/n-triples")
        if content_type:
            request.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(request, timeout=self.transfer_timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()
        except urllib.error.URLError as error:
            raise self._down(error.reason) from error
        except OSError as error:
            raise self._down(error) from error

    def graph_triples(self, name: GraphName) -> list[ox.Triple] | None:
        status, body = self._http("GET", self._graph_url(name))
        if status == 404:  # the default graph always exists; its stand-in on Virtuoso only while it holds a triple
            return [] if name is None else None
        if status >= 300:
            raise StoreError(f"GET {self._graph_url(name)}: HTTP {status}: {body[:500]!r}")
        return [q.triple for q in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)]

    def snapshot(self) -> ox.Store:
        scratch = ox.Store()
        for name in [None, *self.graph_names()]:
            triples = self.graph_triples(name) or []
            target = graph_term(name)
            scratch.extend(ox.Quad(t.subject, t.predicate, t.object, target) for t in triples)
            if name is not None:
                scratch.add_graph(target)
        return scratch

    def _replace_graphs(self, graphs: dict[GraphName, bytes]) -> None:
        for name, data in graphs.items():
            url = self._graph_url(name)
            status, body = self._http("PUT", url, data, "application/n-triples")
            if status >= 300:
                raise StoreError(f"PUT {url}: HTTP {status}: {body[:500]!r}")

    def version(self) -> Version:
        """Our own writes bump the version; so does a change of the per-graph triple counts.

        Another client writing to the same server is seen only through the counts, so the ETag
        of a remote store is as good as that: a change that keeps every count is missed.
        """
        counts = self.graph_counts()
        fingerprint = ",".join(f"{g}={n}" for g, n in sorted(counts.items()))
        with self._lock:
            if fingerprint != self._fingerprint:
                if self._fingerprint:
                    self._touch()
                self._fingerprint = fingerprint
            digest = hashlib.sha1(f"{self._generation}|{fingerprint}".encode()).hexdigest()
            return Version(digest, self._modified)

    def _touch(self) -> None:
        super()._touch()
        self._fingerprint = ""


def _ask_answer(solutions: ox.QuerySolutions) -> ox.QueryBoolean:
    """The boolean a server meant by answering ``ASK`` as ``SELECT ?__ASK_RETVAL``: true if it sent a row."""
    truth = "true" if any(True for _ in solutions) else "false"
    boolean = ox.parse_query_results(f'{{"head": {{}}, "boolean": {truth}}}', format=ox.QueryResultsFormat.JSON)
    assert isinstance(boolean, ox.QueryBoolean)
    return boolean


def _server_message(error: Exception) -> str:
    """The server's own text out of a SPARQLWrapper exception (it keeps only ``repr(body)``)."""
    import ast

    text = str(error)
    marker = "Response:\n"
    if marker in text:
        raw = text.split(marker, 1)[1]
        try:
            body = ast.literal_eval(raw)
            return body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
        except (ValueError, SyntaxError):
            return raw
    return text
