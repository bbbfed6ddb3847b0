"""What every request handler needs: the query service (and through it the store and the limits), the
data's base, the write token, and the whole-data work kept per version of the data (the pages' view
models, the VoID statistics, the dump files), each in a :class:`~bolekg.query.cache.VersionedCache`."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from flask import current_app, request

from bolekg.query.cache import VersionedCache
from bolekg.query.service import QueryService
from bolekg.services.catalog import Site, Statistics, statistics
from bolekg.settings import Limits
from bolekg.store import GraphStore

T = TypeVar("T")

#: Whole-data results kept at once: one per page and language, the search index, the statistics —
#: a set fixed by the code, so counted rather than weighed (a search index is not easily weighed).
DERIVED_ENTRIES = 64
#: Dump files kept at once: one per dump (five RDF formats and the CSV, whole and per report), on disk.
DUMP_ENTRIES = 64


def _delete_file(_name: str, entry: tuple[Path, str]) -> None:
    entry[0].unlink(missing_ok=True)


@dataclass
class State:
    queries: QueryService
    base: str
    write_token: str | None
    #: Whole-data work by name, per version of the data: the pages' view models, the search index,
    #: the VoID statistics; built once per version even under concurrent requests.
    derived: VersionedCache[str, Any] = field(default_factory=lambda: VersionedCache(DERIVED_ENTRIES))
    #: Dump name → (its file, the file's digest for the ETag), per version; a file goes with its entry.
    dumps: VersionedCache[str, tuple[Path, str]] = field(
        default_factory=lambda: VersionedCache(DUMP_ENTRIES, on_drop=_delete_file))
    #: Where the dump files are written: made on first use (:mod:`bolekg.web.dumps`), removed with this
    #: state or when the server stops.
    dump_directory: Path | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def store(self) -> GraphStore:
        return self.queries.store

    @property
    def limits(self) -> Limits:
        """Time limit, row cap and size limits of the public endpoint."""
        return self.queries.limits

    @property
    def allow_service(self) -> bool:
        return self.queries.allow_service

    @property
    def writable(self) -> bool:
        return bool(self.write_token)

    def site(self) -> Site:
        return Site(root=request.host_url, base=self.base, writable=self.writable, federated=self.allow_service)

    def kept(self, name: str, build: Callable[[], T]) -> T:
        """``build()``'s value at the store's current version, built once per version."""
        return self.derived.get_or_build(self.store.version().etag, name, build)

    def statistics(self) -> Statistics:
        """The dataset's statistics (VoID §4), computed once per version: the scans grow with
        the data, and the numbers only change with a write."""
        return self.kept("statistics", lambda: statistics(self.store, self.base))


def state() -> State:
    return current_app.extensions["bolekg"]
