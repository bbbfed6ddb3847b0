"""The worker processes that run public queries over an embedded store (:mod:`bolekg.query.isolation`).

How a worker gets at the data depends on where the store keeps it:

* in memory — the worker is forked from this process after the data is loaded, under the store's
  commit lock (no write half-done in its copy), and shares the store's pages copy-on-write; the pool
  holds the workers' own memory to ``BOLEKG_WORKERS_PRIVATE_MB`` together;
* on disk — RocksDB runs background threads, and a fork of a process that has them must not open a
  database, so the worker is a fresh interpreter that opens a read-only checkpoint of the store
  (:meth:`bolekg.store.EmbeddedStore.checkpoint`). One checkpoint serves the workers of one
  generation of the pool; it is removed once the pool has moved on and none of them reads it.
"""

from __future__ import annotations

from pathlib import Path

from bolekg.query.isolation import Pool, exec_launcher, fork_launcher
from bolekg.settings import Settings
from bolekg.store import EmbeddedStore


def start_pool(store: EmbeddedStore, size: int, memory_mb: int) -> Pool:
    """A pool of ``size`` workers over ``store``, each allowed ``memory_mb`` MB beyond its size at start
    (the workers themselves start in the background, on the first job)."""
    if not store.on_disk:
        launch = fork_launcher(lambda: store.store, store.commit_lock, memory_mb)
        return Pool(launch, size, private_limit_mb=Settings.from_env().workers_private_mb)
    readers = Checkpoints(store)
    pool = Pool(exec_launcher(readers.for_generation, memory_mb), size, on_reaped=lambda _: readers.drop_unread())
    readers.pool = pool
    return pool


class Checkpoints:
    """The checkpoints the on-disk store's workers read, one per generation of the pool."""

    def __init__(self, store: EmbeddedStore):
        self.store = store
        self.pool: Pool | None = None
        self._paths: dict[int, Path] = {}

    def for_generation(self, generation: int) -> Path:
        """The checkpoint the workers of ``generation`` open, taken by the first of them. A write that
        commits meanwhile makes the pool retire the worker that opens it (its generation is old)."""
        with self.store.commit_lock:
            path = self._paths.get(generation)
            if path is None:
                path = self._paths[generation] = self.store.checkpoint()
        self.drop_unread()
        return path

    def drop_unread(self) -> None:
        """Remove the checkpoints of earlier generations that no live worker reads."""
        pool = self.pool
        if pool is None:
            return
        in_use = pool.tags()
        with self.store.commit_lock:
            for generation, path in list(self._paths.items()):
                if generation < pool.generation and str(path) not in in_use:
                    self.store.drop_checkpoint(path)
                    del self._paths[generation]
