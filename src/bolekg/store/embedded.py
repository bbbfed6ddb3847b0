"""The embedded backend: pyoxigraph in this process, in memory or on disk (a generation directory)."""

from __future__ import annotations

import contextlib
import gc
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypedDict

import pyoxigraph as ox

from bolekg.errors import SparqlSyntaxError, StoreError
from bolekg.formats import QueryResult
from bolekg.report.quads import (
    GraphName,
    copy_store,
    graph_term,
)
from bolekg.settings import Settings
from bolekg.store.base import GraphStore, T, Validator
from bolekg.store.forked import run_forked
from bolekg.store.jobs import Answer, Job, execute
from bolekg.store.ondisk import StoreDirectory, open_database, record_digests, update_digests
from bolekg.store.query_text import has_dataset_clause


class _Dataset(TypedDict, total=False):
    """The dataset options of ``pyoxigraph.Store.query`` that :meth:`EmbeddedStore.query` sets."""

    default_graph: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph]
    named_graphs: list[ox.NamedNode | ox.BlankNode]
    use_default_graph_as_union: bool


class EmbeddedStore(GraphStore):
    """pyoxigraph in this process: in memory, or on disk under ``path`` (survives restarts).

    ``workers`` and ``memory_mb`` say how this store may be read in parallel, and the query service
    (:mod:`bolekg.query.service`) reads them: ``workers`` processes (default ``BOLEKG_QUERY_WORKERS``)
    forked from it or opening its checkpoints, each allowed ``memory_mb`` MB (default
    ``BOLEKG_QUERY_MEMORY_MB``) beyond its size at start. ``workers=0``: nothing is read in
    another process — public queries run here, with no time limit, and so do whole-data passes
    (:meth:`apart`). The store itself starts no worker.
    """

    def __init__(self, path: Path | str | None = None, validator: Validator | None = None,
                 workers: int | None = None, memory_mb: int | None = None):
        if workers is None or memory_mb is None:
            settings = Settings.from_env()
            workers = settings.query_workers if workers is None else workers
            memory_mb = settings.query_memory_mb if memory_mb is None else memory_mb
        self.workers = workers
        self.memory_mb = memory_mb
        self.path = Path(path) if path is not None else None
        self._directory: StoreDirectory | None = None
        if self.path is not None:
            # refuse rather than repair (bolekg.store.ondisk): a bad pointer or damaged files raise
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
        options: _Dataset = {}
        if defaults or named:
            options["default_graph"] = [ox.NamedNode(g) for g in defaults]
            options["named_graphs"] = [ox.NamedNode(g) for g in named]
        elif not has_dataset_clause(sparql):
            options["use_default_graph_as_union"] = True
        try:
            return QueryResult(self.store.query(sparql, **options))
        except SyntaxError as error:
            raise SparqlSyntaxError(str(error)) from error

    def run_query(self, job: Job, timeout: float) -> Answer:
        """In this process, with no time limit (:func:`bolekg.store.jobs.execute`, as a worker runs it)."""
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
        """In memory, with worker processes allowed: in a throwaway fork (:mod:`bolekg.store.forked`), which
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
        # On disk: load into a new generation and switch to it atomically (see bolekg.store.ondisk).
        staged = self._directory.stage()
        self.store.flush()
        self.store.backup(str(staged))
        fresh = ox.Store(str(staged))
        _replace(fresh, graphs)
        # compact what the bulk load left in many small files: a join reads the uncompacted
        # store much slower than `oxigraph load`'s output (BENCH_SCALE=disk)
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
