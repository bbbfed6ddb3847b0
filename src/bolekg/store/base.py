"""One store interface, two real backends: embedded pyoxigraph and any SPARQL 1.1 server.

Reads go straight to the backend. Every write — a load, a SPARQL Update, a Graph Store Protocol
PUT/POST/DELETE — follows the same path so that the shapes gate all of them the same way:

1. copy the whole dataset into a private in-memory pyoxigraph store,
2. apply the change to the copy, and refuse it (:class:`WriteForbidden`) if it touched one of the
   report's own graphs, which are read-only to writes (:mod:`bolekg.store.write_policy`; a load replaces them),
3. validate the copy's union (ontology + data, one rdflib ``Graph``) with the SHACL shapes,
4. only if it conforms, send the difference to the backend as one SPARQL Update request, which
   both backends apply atomically (SPARQL 1.1 Update §2.2).

A refused write therefore leaves the store exactly as it was, and the caller gets the report.
A load validates the incoming dataset before anything is touched and then replaces its graphs.

The default graph of a query is the union of all graphs unless the request or the query names
graphs (SPARQL 1.1 Protocol §2.1.4): pyoxigraph's ``use_default_graph_as_union``, and for a remote
server the list of its named graphs sent as ``default-graph-uri``/``named-graph-uri``.

Queries come two ways. The application's own (entity documents, VoID, pages) are trusted and run
in-process through :meth:`GraphStore.query`. Queries from the public endpoint are the query
service's (:mod:`bolekg.query.service`): it admits them, runs them in worker processes it can kill
and keeps their answers. A store stores: it knows nothing of workers or caches, and offers what they
need — :meth:`GraphStore.run_query` (a job serialised as asked, in this process; a remote store
under a client timeout), the commit lock a fork or a checkpoint waits for, read-only checkpoints of
an on-disk store (:meth:`EmbeddedStore.checkpoint`), and word of every committed change and of its
closing (:meth:`GraphStore.watch`). The on-disk store keeps every load crash-safe by switching
whole generations (:mod:`bolekg.store.ondisk`).
"""

from __future__ import annotations

import threading
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import BinaryIO, Protocol, TypeVar

import pyoxigraph as ox
from rdflib import Dataset, Graph

from bolekg.errors import SparqlSyntaxError
from bolekg.formats import SERIALISATION_PREFIXES, Format, QueryResult
from bolekg.memory import release_freed_memory
from bolekg.report.quads import (
    GraphName,
    TripleSet,
    change_update,
    dataset_graphs,
    graph_sets,
    graph_term,
    graphs_union_rdflib,
    union_rdflib,
    union_triples,
)
from bolekg.report.validate import Outcome, format_outcome
from bolekg.store.jobs import Answer, Job, answer
from bolekg.store.write_policy import check_write

Validator = Callable[[Graph], Outcome]
T = TypeVar("T")


def default_validator(graph: Graph) -> Outcome:
    """The project's shapes (``shapes/``), imported late so a store can be built without them."""
    from bolekg.report.validate import validate

    return validate(graph)


class WriteRejected(Exception):
    """The write would break the shapes; nothing was changed. ``outcome`` holds the SHACL report."""

    def __init__(self, outcome: Outcome):
        super().__init__("the data does not conform to the shapes")
        self.outcome = outcome

    def report_text(self) -> str:
        return format_outcome(self.outcome)


@dataclass(frozen=True)
class Validated:
    """The gate's verdict on the whole dataset under the project's shapes, with the version it judged:
    what the quality page shows (:mod:`bolekg.pages.quality`), which then need not validate the same
    data a second time — the first view of ``/quality`` took seconds for exactly that."""

    version: str
    triples: int
    outcome: Outcome
    seconds: float


@dataclass(frozen=True)
class Version:
    """What HTTP validators (ETag, Last-Modified: RFC 9110 §8.8) are derived from."""

    etag: str
    last_modified: datetime


class Watcher(Protocol):
    """Who keeps something made from a store's data (the query service: its workers, its answers)."""

    def changed(self) -> None:
        """The data changed: called after the commit, with the commit lock still held, before the
        write returns — so that nothing made from the old data serves a request sent after it."""

    def closing(self) -> None:
        """The store is about to close (its database, its checkpoints)."""


class GraphStore(ABC):
    """The interface the web app and the CLI use; subclasses supply reads and the atomic commit."""

    def __init__(self, validator: Validator | None = None):
        self.validator: Validator = validator or default_validator
        #: One write at a time, from the snapshot through validation to the commit (seconds).
        self._lock = threading.RLock()
        #: Held only while the backend changes (milliseconds): what a fork or a checkpoint of the store
        #: waits for, so that new query workers start while a write is still being validated; a worker
        #: started then sees the data before that write and is retired when it commits.
        self._commit_lock = threading.RLock()
        self._watchers: list[Watcher] = []
        #: The last verdict of the gate on the whole dataset (:class:`Validated`), or ``None``.
        self.validated: Validated | None = None
        self._touch()

    @property
    def commit_lock(self) -> threading.RLock:
        """Held while the data changes: a process forked or a checkpoint taken under it holds whole writes."""
        return self._commit_lock

    def watch(self, watcher: Watcher) -> None:
        """Tell ``watcher`` of every committed change and of the store's closing (:class:`Watcher`)."""
        with self._commit_lock:
            self._watchers.append(watcher)

    # --- reads ----------------------------------------------------------------------------------

    @abstractmethod
    def query(self, sparql: str, default_graphs: Iterable[str] | None = None,
              named_graphs: Iterable[str] | None = None) -> QueryResult:
        """Run a SPARQL query; raises :class:`SparqlSyntaxError` with the parser's message."""

    @abstractmethod
    def graph_names(self) -> list[str]:
        """The named graphs, sorted."""

    @abstractmethod
    def snapshot(self) -> ox.Store:
        """A private in-memory copy of the whole dataset."""

    @abstractmethod
    def graph_triples(self, name: GraphName) -> list[ox.Triple] | None:
        """One graph's triples, or ``None`` if there is no such named graph."""

    def run_query(self, job: Job, timeout: float) -> Answer:
        """A query from the public endpoint, in this process: serialised as ``job.media`` asks, at most
        ``job.max_rows`` rows. ``timeout`` holds only where the backend can stop a query (a remote
        server: the client's timeout); the query service runs the embedded store's in killable workers."""
        result = self.query(job.query, job.default_graphs, job.named_graphs)
        return answer(result.value, job)

    def version(self) -> Version:
        return Version(self._generation, self._modified)

    def apart(self, task: Callable[[], T]) -> T:
        """``task()``, a pass over the whole dataset (a dump, statistics, the search index), run where
        what it reads does not stay in the serving process; here in this process, which then gives
        the pass's freed buffers back to the system (:mod:`bolekg.memory`)."""
        try:
            return task()
        finally:
            release_freed_memory()

    def triple_count(self) -> int:
        """Distinct triples across all graphs (what the default graph, their union, holds)."""
        result = self.query("SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }")
        return int(next(iter(result.solutions()))["n"].value)

    def graph_counts(self) -> dict[str, int]:
        result = self.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        return {str(row["g"].value): int(row["n"].value) for row in result.solutions()}

    def dump(self, fmt: Format, output: BinaryIO | None = None) -> bytes:
        """The whole dataset: TriG, N-Quads and JSON-LD keep the named graphs; the rest is the union.

        With ``output`` (a binary file) the dump is streamed into it and ``b""`` returned: building a large
        dump as one ``bytes`` takes several times its size in memory (bench/run.py).
        """
        if fmt.rdf is None:
            raise ValueError(f"{fmt.key} is not an RDF format")
        source = self._dump_source()
        if fmt.rdf.supports_datasets:
            prefixes = SERIALISATION_PREFIXES if fmt.rdf is ox.RdfFormat.TRIG else None
            return source.dump(output, format=fmt.rdf, prefixes=prefixes) or b""
        union = union_triples(source)
        if fmt.rdf in (ox.RdfFormat.TURTLE, ox.RdfFormat.N3):
            return ox.serialize(union, output, format=fmt.rdf, prefixes=SERIALISATION_PREFIXES) or b""
        return union.serialize(output, format=fmt.rdf) or b""

    def _dump_source(self) -> ox.Store:
        return self.snapshot()

    # --- writes ---------------------------------------------------------------------------------

    def load(self, dataset: Dataset) -> Outcome:
        """Validate ``dataset`` (its union) and, if it conforms, replace the graphs it holds."""
        from bolekg.report.dataset import union_graph

        return self._load(union_graph(dataset), dataset_graphs(dataset))

    def load_graphs(self, graphs: Mapping[str, Sequence[ox.Triple]],
                    beside: Mapping[str, Sequence[ox.Triple]] | None = None) -> Outcome:
        """:meth:`load` for graphs Oxigraph parsed (:func:`bolekg.report.dataset.read_graphs`): named graph
        IRI → triples. What ``bolekg serve`` starts with: no rdflib Dataset built only to be
        written out again, which took a quarter of the start-up outside SHACL.

        ``beside``: graphs the store keeps (other reports), validated together with ``graphs`` but not
        written — so a reload of the base data cannot strand a report that points into it."""
        # without an output, pyoxigraph's serialize returns the bytes (never None)
        as_ntriples: dict[GraphName, bytes] = {name: ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
                                               for name, triples in graphs.items() if triples}
        judged = {**(beside or {}), **graphs}
        return self._load(graphs_union_rdflib(judged), as_ntriples, set(judged))

    def _load(self, union: Graph, graphs: dict[GraphName, bytes], judged: set[GraphName] | None = None) -> Outcome:
        """Validate ``union`` and, if it conforms, replace each of ``graphs`` (N-Triples by name);
        ``judged``: every graph ``union`` was made of (``graphs`` unless told otherwise)."""
        began = time.perf_counter()
        outcome = self.validator(union)
        seconds = time.perf_counter() - began
        if not outcome.conforms:
            raise WriteRejected(outcome)
        with self._lock, self._commit_lock:
            self._replace_graphs(graphs)
            self._touch()
            self._changed()
            # the union judged is the whole dataset only when the store holds no other graph
            if None not in graphs and set(self.graph_names()) == (set(graphs) if judged is None else judged):
                self._keep_verdict(union, outcome, seconds)
        return outcome

    def _keep_verdict(self, union: Graph, outcome: Outcome, seconds: float) -> None:
        """Keep the gate's verdict on the whole dataset as it is now (:class:`Validated`), when it was
        given by the project's shapes (a store built with other shapes, in tests, keeps none)."""
        self.validated = Validated(self.version().etag, len(union), outcome, seconds) \
            if self.validator is default_validator else None

    def update(self, sparql: str, base_iri: str | None = None) -> None:
        """A SPARQL 1.1 Update, applied only if the result still conforms; relative IRIs in it resolve
        against ``base_iri`` (a ``BASE`` in the text wins)."""

        def apply(scratch: ox.Store) -> None:
            try:
                scratch.update(sparql, base_iri=base_iri or None)
            except SyntaxError as error:
                raise SparqlSyntaxError(str(error)) from error
            except (OSError, RuntimeError) as error:
                # e.g. CREATE GRAPH of an existing graph: §3.2.1 says the operation fails.
                raise SparqlSyntaxError(f"update failed: {error}") from error

        self._write(apply)

    def put_graph(self, name: GraphName, triples: Iterable[ox.Triple]) -> bool:
        """Graph Store Protocol PUT (§5.3): replace the graph. Returns whether it was created."""
        new = list(triples)

        def apply(scratch: ox.Store) -> bool:
            target = graph_term(name)
            existed = name is None or scratch.contains_named_graph(target)
            if name is None:
                scratch.clear_graph(target)
            elif existed:
                scratch.remove_graph(target)
            scratch.extend(ox.Quad(t.subject, t.predicate, t.object, target) for t in new)
            if name is not None:
                scratch.add_graph(target)
            return not existed

        return self._write(apply)

    def post_graph(self, name: GraphName, triples: Iterable[ox.Triple]) -> bool:
        """Graph Store Protocol POST (§5.5): merge into the graph. Returns whether it was created."""
        new = list(triples)

        def apply(scratch: ox.Store) -> bool:
            target = graph_term(name)
            existed = name is None or scratch.contains_named_graph(target)
            scratch.extend(ox.Quad(t.subject, t.predicate, t.object, target) for t in new)
            if name is not None:
                scratch.add_graph(target)
            return not existed

        return self._write(apply)

    def delete_graph(self, name: GraphName) -> bool:
        """Graph Store Protocol DELETE (§5.4). Returns whether there was a graph to delete."""

        def apply(scratch: ox.Store) -> bool:
            target = graph_term(name)
            if name is None:
                scratch.clear_graph(target)
                return True
            if not scratch.contains_named_graph(target):
                return False
            scratch.remove_graph(target)
            return True

        return self._write(apply)

    def write_report(self, report_id: str, change: Callable[[ox.Store], T]) -> T:
        """``change`` applied to a private copy of the store, committed only if it changed no published
        graph but report ``report_id``'s (:mod:`bolekg.store.write_policy`) and the union still conforms.

        The one way in to a report's graph besides :meth:`load`: what ``bolekg load --report`` and
        curation use. :meth:`update` and the Graph Store methods, which serve HTTP, can reach no
        published graph at all."""
        from bolekg.report.reports import report_graph_iri

        return self._write(change, allowed=(report_graph_iri(report_id),))

    def _write(self, change: Callable[[ox.Store], T], allowed: tuple[str, ...] = ()) -> T:
        with self._lock:
            scratch = self.snapshot()
            before = graph_sets(scratch)
            result = change(scratch)
            after = graph_sets(scratch)
            check_write(before, after, allowed)
            request = self._change_request(before, after)
            if not request:
                return result
            union = union_rdflib(scratch)
            began = time.perf_counter()
            outcome = self.validator(union)
            seconds = time.perf_counter() - began
            if not outcome.conforms:
                raise WriteRejected(outcome)
            with self._commit_lock:
                self._commit_change(before, after, request)
                self._touch()
                self._changed()
                self._keep_verdict(union, outcome, seconds)  # the scratch copy was the whole dataset
            return result

    def _change_request(self, before: dict[GraphName, TripleSet], after: dict[GraphName, TripleSet]) -> str:
        """The one SPARQL Update that :meth:`_commit` applies to turn ``before`` into ``after``."""
        return change_update(before, after)

    def _commit_change(self, before: dict[GraphName, TripleSet], after: dict[GraphName, TripleSet],
                       request: str) -> None:
        """Commit the change from ``before`` to ``after``, written as ``request`` (:meth:`_change_request`)."""
        self._commit(request)

    @abstractmethod
    def _commit(self, update: str) -> None:
        """Apply one SPARQL Update request atomically."""

    @abstractmethod
    def _replace_graphs(self, graphs: dict[GraphName, bytes]) -> None:
        """Replace each graph with the given N-Triples (a load; already validated)."""

    def _touch(self) -> None:
        self._generation = uuid.uuid4().hex
        self._modified = datetime.now(UTC).replace(microsecond=0)

    def _changed(self) -> None:
        """Called (with the commit lock held) after every committed change: the watchers hear of it."""
        for watcher in list(self._watchers):
            watcher.changed()

    def _closing(self) -> None:
        with self._commit_lock:
            watchers, self._watchers = self._watchers, []
        for watcher in watchers:
            watcher.closing()

    def close(self) -> None:
        """Release the backend (an on-disk store's lock, so another process can open it)."""
        self._closing()
