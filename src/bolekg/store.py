"""One store interface, two real backends: embedded pyoxigraph and any SPARQL 1.1 server.

Reads go straight to the backend. Every write — a load, a SPARQL Update, a Graph Store Protocol
PUT/POST/DELETE — follows the same path so that the shapes gate all of them the same way:

1. copy the whole dataset into a private in-memory pyoxigraph store,
2. apply the change to the copy, and refuse it (:class:`WriteForbidden`) if it touched one of the
   report's own graphs, which are read-only to writes (:mod:`bolekg.write_policy`; a load replaces them),
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
whole generations (:mod:`bolekg.ondisk`).
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import shutil
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, Protocol, TypeVar

import pyoxigraph as ox
from rdflib import Dataset, Graph

from bolekg.errors import QueryTimeout, Unavailable
from bolekg.errors import StoreError as StoreError  # re-exported: the web layer imports it from here
from bolekg.forked import run_forked
from bolekg.isolation import DEFAULT_MEMORY_MB, DEFAULT_WORKERS, Answer, Job, answer, execute
from bolekg.memory import release_freed_memory
from bolekg.ondisk import StoreDirectory, open_database, record_digests, update_digests
from bolekg.quads import (
    GraphName,
    change_update,
    copy_store,
    dataset_graphs,
    graph_sets,
    graph_term,
    graphs_union_rdflib,
    union_rdflib,
)
from bolekg.settings import non_negative_setting, positive_setting
from bolekg.sparql import SERIALISATION_PREFIXES, Format, QueryResult, SparqlSyntaxError, has_dataset_clause
from bolekg.validate import Outcome, format_text
from bolekg.write_policy import REPORT_GRAPHS, check_write
from bolekg.write_policy import WriteForbidden as WriteForbidden  # re-exported for the web layer

Validator = Callable[[Graph], Outcome]
T = TypeVar("T")


def default_validator(graph: Graph) -> Outcome:
    """The project's shapes (``shapes/``), imported late so a store can be built without them."""
    from bolekg.validate import validate

    return validate(graph)


class WriteRejected(Exception):
    """The write would break the shapes; nothing was changed. ``outcome`` holds the SHACL report."""

    def __init__(self, outcome: Outcome):
        super().__init__("the data does not conform to the shapes")
        self.outcome = outcome

    def report_text(self) -> str:
        return format_text(self.outcome)


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

    #: Graphs that :meth:`update` and the Graph Store methods may not change (:mod:`bolekg.write_policy`);
    #: :meth:`load` (the operator's command) replaces them.
    read_only_graphs: frozenset[str] = REPORT_GRAPHS

    def __init__(self, validator: Validator | None = None):
        self.validator: Validator = validator or default_validator
        #: One write at a time, from the snapshot through validation to the commit (seconds).
        self._lock = threading.RLock()
        #: Held only while the backend changes (milliseconds): what a fork or a checkpoint of the store
        #: waits for, so that new query workers start while a write is still being validated; a worker
        #: started then sees the data before that write and is retired when it commits.
        self._commit_lock = threading.RLock()
        self._watchers: list[Watcher] = []
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
        return int(next(iter(result.value))["n"].value)  # type: ignore[call-overload, index]

    def graph_counts(self) -> dict[str, int]:
        result = self.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        return {str(row["g"].value): int(row["n"].value) for row in result.value}  # type: ignore[union-attr]

    def dump(self, fmt: Format, output: BinaryIO | None = None) -> bytes:
        """The whole dataset: TriG, N-Quads and JSON-LD keep the named graphs; the rest is the union.

        With ``output`` (a binary file) the dump is streamed into it and ``b""`` returned: at a million
        triples the dump is 170 MB, and building it as one ``bytes`` took 580 MB more memory than
        writing it out (bench/run.py).
        """
        if fmt.rdf is None:
            raise ValueError(f"{fmt.key} is not an RDF format")
        source = self._dump_source()
        if fmt.rdf.supports_datasets:
            prefixes = SERIALISATION_PREFIXES if fmt.rdf is ox.RdfFormat.TRIG else None
            return source.dump(output, format=fmt.rdf, prefixes=prefixes) or b""
        union = source.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", use_default_graph_as_union=True)
        if fmt.rdf in (ox.RdfFormat.TURTLE, ox.RdfFormat.N3):
            return ox.serialize(union, output, format=fmt.rdf, prefixes=SERIALISATION_PREFIXES) or b""
        return union.serialize(output, format=fmt.rdf) or b""

    def _dump_source(self) -> ox.Store:
        return self.snapshot()

    # --- writes ---------------------------------------------------------------------------------

    def load(self, dataset: Dataset) -> Outcome:
        """Validate ``dataset`` (its union) and, if it conforms, replace the graphs it holds."""
        from bolekg.dataset import union_graph

        return self._load(union_graph(dataset), dataset_graphs(dataset))

    def load_graphs(self, graphs: Mapping[str, Sequence[ox.Triple]]) -> Outcome:
        """:meth:`load` for graphs Oxigraph parsed (:func:`bolekg.dataset.read_graphs`): named graph
        IRI → triples. What ``bolekg serve`` starts with: no rdflib Dataset built only to be
        written out again, which took a quarter of the start-up outside SHACL."""
        as_ntriples = {name: ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
                       for name, triples in graphs.items() if triples}
        return self._load(graphs_union_rdflib(graphs), as_ntriples)

    def _load(self, union: Graph, graphs: dict[GraphName, bytes]) -> Outcome:
        """Validate ``union`` and, if it conforms, replace each of ``graphs`` (N-Triples by name)."""
        outcome = self.validator(union)
        if not outcome.conforms:
            raise WriteRejected(outcome)
        with self._lock, self._commit_lock:
            self._replace_graphs(graphs)
            self._touch()
            self._changed()
        return outcome

    def update(self, sparql: str) -> None:
        """A SPARQL 1.1 Update, applied only if the result still conforms."""

        def apply(scratch: ox.Store) -> None:
            try:
                scratch.update(sparql)
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

    def _write(self, change: Callable[[ox.Store], T]) -> T:
        with self._lock:
            scratch = self.snapshot()
            before = graph_sets(scratch)
            result = change(scratch)
            after = graph_sets(scratch)
            check_write(before, after, self.read_only_graphs)
            request = change_update(before, after)
            if not request:
                return result
            outcome = self.validator(union_rdflib(scratch))
            if not outcome.conforms:
                raise WriteRejected(outcome)
            with self._commit_lock:
                self._commit(request)
                self._touch()
                self._changed()
            return result

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


class EmbeddedStore(GraphStore):
    """pyoxigraph in this process: in memory, or on disk under ``path`` (survives restarts).

    ``workers`` and ``memory_mb`` say how this store may be read in parallel, and the query service
    (:mod:`bolekg.query.service`) reads them: ``workers`` processes (default ``BOLEKG_QUERY_WORKERS``,
    4) forked from it or opening its checkpoints, each allowed ``memory_mb`` MB
    (``BOLEKG_QUERY_MEMORY_MB``, 1024) beyond its size at start. ``workers=0``: nothing is read in
    another process — public queries run here, with no time limit, and so do whole-data passes
    (:meth:`apart`). The store itself starts no worker.
    """

    def __init__(self, path: Path | str | None = None, validator: Validator | None = None,
                 workers: int | None = None, memory_mb: int | None = None):
        self.workers = workers if workers is not None else \
            non_negative_setting(os.environ, "BOLEKG_QUERY_WORKERS", DEFAULT_WORKERS)
        self.memory_mb = memory_mb if memory_mb is not None else \
            int(positive_setting(os.environ, "BOLEKG_QUERY_MEMORY_MB", DEFAULT_MEMORY_MB, int))
        self.path = Path(path) if path is not None else None
        self._directory: StoreDirectory | None = None
        if self.path is not None:
            # refuse rather than repair (bolekg.ondisk): a bad pointer or damaged files raise
            # StoreRefused, an OSError, before anything is opened for writing or deleted
            self._directory = StoreDirectory(self.path)
            try:
                live = self._directory.live()
                self._directory.verify(live)
                self._store: ox.Store | None = open_database(live)
            except BaseException:
                self._directory.release()
                raise
            self._live: Path | None = live
            self._directory.collect(live)  # older generations go only once the live one is open
        else:
            self._store = ox.Store()
            self._live = None
        super().__init__(validator)

    @property
    def store(self) -> ox.Store:
        if self._store is None:
            raise StoreError("the store is closed")
        return self._store

    def query(self, sparql: str, default_graphs: Iterable[str] | None = None,
              named_graphs: Iterable[str] | None = None) -> QueryResult:
        defaults, named = list(default_graphs or ()), list(named_graphs or ())
        options: dict[str, object] = {}
        if defaults or named:
            options["default_graph"] = [ox.NamedNode(g) for g in defaults]
            options["named_graphs"] = [ox.NamedNode(g) for g in named]
        elif not has_dataset_clause(sparql):
            options["use_default_graph_as_union"] = True
        try:
            return QueryResult(self.store.query(sparql, **options))  # type: ignore[arg-type]
        except SyntaxError as error:
            raise SparqlSyntaxError(str(error)) from error

    def run_query(self, job: Job, timeout: float) -> Answer:
        """In this process, with no time limit (:func:`bolekg.isolation.execute`, as a worker runs it)."""
        return execute(self.store, job)

    @property
    def on_disk(self) -> bool:
        return self._directory is not None

    def checkpoint(self) -> Path:
        """A read-only copy of the on-disk store's current data, for a process that only reads it: a
        RocksDB checkpoint (hard links, so it costs next to nothing, and no writer ever touches it)
        taken under the commit lock (whole writes only), in the store's ``readers`` directory, which
        :meth:`close` removes. Remove it with :meth:`drop_checkpoint` when its readers are gone."""
        if self._directory is None:
            raise StoreError("an in-memory store has no checkpoints")
        with self._commit_lock:
            path = self._directory.reader_path()
            self.store.backup(str(path))
        return path

    def drop_checkpoint(self, path: Path) -> None:
        with self._commit_lock:
            shutil.rmtree(path, ignore_errors=True)

    def graph_names(self) -> list[str]:
        return sorted(str(g.value) for g in self.store.named_graphs())

    def snapshot(self) -> ox.Store:
        return copy_store(self.store)

    def _dump_source(self) -> ox.Store:
        return self.store

    def apart(self, task: Callable[[], T]) -> T:
        """In memory, with worker processes allowed: in a throwaway fork (:mod:`bolekg.forked`), which
        takes the pages the pass copies with it. On disk nothing is copied (and RocksDB may not be
        used across a fork)."""
        if self._directory is not None or self.workers == 0:
            return super().apart(task)
        return run_forked(task, self._commit_lock)

    def graph_triples(self, name: GraphName) -> list[ox.Triple] | None:
        target = graph_term(name)
        if name is not None and not self.store.contains_named_graph(target):
            return None
        return [q.triple for q in self.store.quads_for_pattern(None, None, None, target)]

    def is_empty(self) -> bool:
        return next(iter(self.store), None) is None

    def _commit(self, update: str) -> None:
        self.store.update(update)

    def _replace_graphs(self, graphs: dict[GraphName, bytes]) -> None:
        if self._directory is None:
            _replace(self.store, graphs)
            return
        # On disk: load into a new generation and switch to it atomically (see bolekg.ondisk).
        staged = self._directory.stage()
        self.store.flush()
        self.store.backup(str(staged))
        fresh = ox.Store(str(staged))
        _replace(fresh, graphs)
        # compact what the bulk load left in many small files: at 10M triples a join read the
        # uncompacted store 2× slower than `oxigraph load`'s output (5.3 s against 2.5 s, bench/)
        fresh.optimize()
        fresh.flush()
        del fresh
        gc.collect()  # closed, so that no file changes while its digests are taken
        record_digests(staged)
        fresh = open_database(staged)  # opens: the new generation is sound before it goes live
        self._directory.publish(staged)
        self._live = staged
        old, self._store = self._store, fresh
        del old
        gc.collect()  # the old generation's database closes with its last reference
        self._directory.collect_generations(staged)

    def close(self) -> None:
        self._closing()  # the readers of its data (query workers, checkpoints) go first
        live = self._live if self._store is not None else None
        if self._store is not None:
            self._store.flush()
        self._store = None
        gc.collect()  # RocksDB's lock goes with the last reference
        if self._directory is not None:
            if live is not None:
                # record the .sst files RocksDB wrote meanwhile, so the next opening checks them by
                # digest instead of reading them (skipped if the database is somehow still open)
                with contextlib.suppress(OSError):
                    update_digests(live)
            shutil.rmtree(self._directory.readers, ignore_errors=True)
            self._directory.release()
            self._directory = None


def _replace(store: ox.Store, graphs: dict[GraphName, bytes]) -> None:
    """Replace each graph with the given N-Triples (``bulk_load``: fast, and not atomic on its own)."""
    for name in graphs:
        target = graph_term(name)
        if name is None:
            store.clear_graph(target)
        else:
            store.remove_graph(target)
    for name, data in graphs.items():
        store.bulk_load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=graph_term(name))
    store.flush()


class RemoteStore(GraphStore):
    """Any SPARQL 1.1 server: queries and updates through SPARQLWrapper, loads through the Graph Store Protocol.

    ``endpoint`` is the query URL. The update URL and the Graph Store URL default to the
    ``oxigraph serve`` layout (``…/query`` → ``…/update``, ``…/store``); for Fuseki
    (``/ds/sparql``, ``/ds/update``, ``/ds/data``) or Virtuoso give them explicitly.
    """

    ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9"

    def __init__(self, endpoint: str, graph_store: str | None = None, update_endpoint: str | None = None,
                 validator: Validator | None = None, timeout: float | None = None,
                 transfer_timeout: float = 60.0):
        """``timeout`` bounds each query (default ``BOLEKG_QUERY_TIMEOUT``); ``transfer_timeout`` bounds
        updates and Graph Store transfers, which move whole graphs."""
        from bolekg.sparql import Limits

        self.endpoint = endpoint
        sibling = endpoint[: -len("/query")] if endpoint.endswith("/query") else None
        self.update_endpoint = update_endpoint or (sibling + "/update" if sibling else endpoint)
        self.graph_store = graph_store or (sibling + "/store" if sibling else endpoint)
        self.timeout = timeout if timeout is not None else Limits.from_env().timeout
        self.transfer_timeout = transfer_timeout
        self._fingerprint = ""
        super().__init__(validator)

    # --- SPARQL protocol through SPARQLWrapper ----------------------------------------------------

    def _wrapper(self, text: str, update: bool) -> object:
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

    def _send(self, wrapper: object, timeout: float) -> tuple[bytes, str]:
        """One exchange with the server. Its failures are sorted for the client: a timeout is a
        :class:`QueryTimeout`, a server that cannot be reached (or says 503) is :class:`Unavailable`
        — both 503 — and any other bad answer a plain :class:`StoreError` (502)."""
        from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, SPARQLWrapperException

        wrapper.timeout = timeout  # type: ignore[attr-defined]  # SPARQLWrapper's setTimeout keeps whole seconds
        try:
            response = wrapper.query().response  # type: ignore[attr-defined]
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
        defaults, named = list(default_graphs or ()), list(named_graphs or ())
        if not defaults and not named and not has_dataset_clause(sparql):
            defaults = named = self.graph_names()
        return self._query(sparql, defaults, named)

    def run_query(self, job: Job, timeout: float) -> Answer:
        """The time limit is the client's: the remote server may go on working after we give up."""
        deadline = time.monotonic() + timeout
        defaults, named = list(job.default_graphs), list(job.named_graphs)
        if not defaults and not named and job.union:
            defaults = named = self._graph_names(timeout)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise QueryTimeout(timeout)
        try:
            result = self._query(job.query, defaults, named, remaining)
        except QueryTimeout as error:
            raise QueryTimeout(timeout) from error
        return answer(result.value, job)

    def _query(self, sparql: str, defaults: list[str], named: list[str],
               timeout: float | None = None) -> QueryResult:
        wrapper = self._wrapper(sparql, update=False)
        wrapper.addCustomHttpHeader("Accept", self.ACCEPT)  # type: ignore[attr-defined]
        for graph in defaults:
            wrapper.addParameter("default-graph-uri", graph)  # type: ignore[attr-defined]
        for graph in named:
            wrapper.addParameter("named-graph-uri", graph)  # type: ignore[attr-defined]
        body, content_type = self._send(wrapper, timeout if timeout is not None else self.timeout)
        media = content_type.split(";")[0].strip().lower()
        if media in ("application/sparql-results+json", "application/json"):
            return QueryResult(ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON))
        if media in ("application/sparql-results+xml", "application/xml"):
            return QueryResult(ox.parse_query_results(body, format=ox.QueryResultsFormat.XML))
        rdf_format = ox.RdfFormat.from_media_type(media) or ox.RdfFormat.N_TRIPLES
        return QueryResult([q.triple for q in ox.parse(body, format=rdf_format)])

    def graph_names(self) -> list[str]:
        return self._graph_names(self.timeout)

    def _graph_names(self, timeout: float) -> list[str]:
        result = self._query("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }", [], [], timeout)
        return sorted(str(row["g"].value) for row in result.value)  # type: ignore[union-attr]

    def _commit(self, update: str) -> None:
        self._send(self._wrapper(update, update=True), self.transfer_timeout)

    # --- Graph Store Protocol ---------------------------------------------------------------------

    def _graph_url(self, name: GraphName) -> str:
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
        if status == 404:
            return None
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


def open_store(path: Path | str | None = None, endpoint: str | None = None, graph_store: str | None = None,
               update_endpoint: str | None = None, validator: Validator | None = None) -> GraphStore:
    """The store the command line asks for: remote if ``endpoint`` is given, else embedded."""
    if endpoint:
        return RemoteStore(endpoint, graph_store=graph_store, update_endpoint=update_endpoint,
                           validator=validator)
    return EmbeddedStore(path, validator=validator)
