"""What the remote store must know about the SPARQL server behind ``--endpoint``.

Each server implements the SPARQL 1.1 Protocol and the Graph Store Protocol with its own habits, and
the remote store must send what that server handles and read back what it means. A profile says so
for one server, in one place: where its update and Graph Store services live beside the query URL,
which graphs are its own and never part of BoleKG's data, and which answers need reading differently.

OpenLink Virtuoso 7.2 is the one with habits (seen on 7.2.5 from Debian, and pinned by
``tests/test_virtuoso.py``):

- its Graph Store service has no default graph (``?default`` is a 500), so BoleKG's default graph is
  kept in a named graph of its own, :data:`VIRTUOSO_DEFAULT_GRAPH`, which queries see as part of the
  default graph and never as a named graph;
- it lists its system graphs (``virtrdf#`` and two more) among the named graphs;
- it answers ``ASK`` as a one-column ``SELECT`` of ``?__ASK_RETVAL`` (one row: true; none: false);
- it does not choose a result format by query form: ``CONSTRUCT`` with ``Accept: application/sparql-
  results+json, application/n-triples`` answers JSON bindings of ``?s ?p ?o``, so the remote store asks
  for one format per form (for every server: it is what the Protocol's conneg means anyway);
- it keeps no empty graphs: a named graph exists while it holds a triple;
- given any dataset (``default-graph-uri``, ``named-graph-uri``, or its own ``define input:…-exclude``),
  it answers a pattern in ``GRAPH <g>``, for a ``g`` outside the dataset, with solutions where SPARQL
  gives none. BoleKG always sends a dataset, to keep the system graphs out, so this wrong answer is a
  documented departure: ask with ``GRAPH ?g`` and ``FILTER``, or ``ASK`` the graph names first;
- it rewrites every ``geo:wktLiteral`` as its own ``virtrdf:Geometry`` in single precision (its issues
  #456 and #773; no setting turns it off): a documented departure;
- a direct ``POST`` of ``application/sparql-query`` can hang, so queries go as form posts (for every
  server: SPARQL 1.1 Protocol §2.1.2 makes every server take them).
"""

from __future__ import annotations

from dataclasses import dataclass

from bolekg.report.vocab import BASE

#: Where BoleKG's default graph lives on a server whose Graph Store service has none.
VIRTUOSO_DEFAULT_GRAPH = BASE + "graph/default"
#: A graph that never holds anything: the named graphs of a dataset that has none, on a server that
#: would otherwise take "no ``named-graph-uri``" to mean all its graphs, its system graphs too.
NO_GRAPH = BASE + "graph/none"


@dataclass(frozen=True)
class ServerProfile:
    name: str
    #: Suffixes of the query URL → the update URL's and the Graph Store URL's, tried in order.
    layouts: tuple[tuple[str, str, str], ...]
    #: The server's own graphs: never listed, counted, dumped or queried as BoleKG's.
    system_graphs: frozenset[str] = frozenset()
    #: The named graph that holds BoleKG's default graph, if the Graph Store service has no default.
    default_graph: str | None = None
    #: Whether an ``ASK`` comes back as a one-column ``SELECT`` of ``?__ASK_RETVAL``.
    ask_as_select: bool = False
    #: Whether a named graph survives being emptied (SPARQL 1.1 Update §3.2.1 lets a store keep
    #: only graphs that hold triples).
    keeps_empty_graphs: bool = True

    def services(self, endpoint: str) -> tuple[str, str]:
        """The update URL and the Graph Store URL beside the query URL ``endpoint``; where no layout
        fits, the query URL itself for both (the caller gives them explicitly)."""
        for query, update, store in self.layouts:
            if endpoint.endswith(query):
                root = endpoint[: -len(query)]
                return root + update, root + store
        return endpoint, endpoint

    def hides(self, graph: str) -> bool:
        """Whether ``graph`` is not one of BoleKG's named graphs: a system graph or the default's stand-in."""
        return graph in self.system_graphs or graph == self.default_graph


PROFILES = {
    "oxigraph": ServerProfile("oxigraph", (("/query", "/update", "/store"),)),
    "fuseki": ServerProfile("fuseki", (("/sparql", "/update", "/data"), ("/query", "/update", "/data"))),
    "virtuoso": ServerProfile(
        "virtuoso", (("/sparql", "/sparql", "/sparql-graph-crud"),),
        system_graphs=frozenset({"http://www.openlinksw.com/schemas/virtrdf#", "http://www.w3.org/ns/ldp#",
                                 "http://localuriqaserver/sparql"}),
        default_graph=VIRTUOSO_DEFAULT_GRAPH, ask_as_select=True, keeps_empty_graphs=False,

    ),
}


def server_profile(name: str) -> ServerProfile:
    """The profile of the server called ``name`` (``--server``); a clear error for any other name."""
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown --server {name!r}: one of {', '.join(PROFILES)}") from None
