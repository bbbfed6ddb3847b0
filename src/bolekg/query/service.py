"""The query service: what a public query goes through between the protocol and the store.

It composes the parts, each of which knows one thing:

* the store (:mod:`bolekg.store`), which stores and tells the service of every committed change;
* admission (:mod:`bolekg.query.admission`): may this client start a query now;
* the workers (:mod:`bolekg.query.workers`, :mod:`bolekg.query.isolation`): an embedded store's queries
  run in processes that are killed at the time limit; a remote store's under the client's timeout;
* the limits (:class:`bolekg.settings.Limits`): time, rows, sizes, the shares of each client;
* the bounded subset (:mod:`bolekg.query.bounded`): a query whose cost the size of the data bounds
  (a lookup, ``ASK {}``) is answered in this process, without the worker round trip and outside
  the workers' line, so runaways filling the workers do not delay it — while the data is small
  enough (:data:`INLINE_MAX_QUADS`) that a scan of it is quick, and at most :data:`INLINE_AT_ONCE`
  at a time; otherwise, and for every other query, a worker;
* the versioned cache (:mod:`bolekg.query.cache`): answers to repeated queries, and whole replies
  to repeated GETs for the protocol (:mod:`bolekg.query.protocol`), kept until the data changes.

A query's answer is a function of its text, its dataset, the format, the row cap — and the data.
The embedded store changes only through this process, under its commit lock, and tells the service
of each change before the write returns (:class:`bolekg.store.Watcher`); the service then retires
the workers that read the old data and *then* empties the caches. In that order, a query that reads
the caches' new version can only be given a worker of the new data, and a query never sees data
older than the last completed write. A remote store may be changed by anyone: its queries are
never kept. Researchers re-run the same query from a notebook, a dashboard polls its few: such a
query skips the worker round trip and the evaluation.

Bounded twice (``BOLEKG_ANSWER_CACHE_MB``; 0 turns it off): answers over
:data:`ENTRY_BYTES` are not kept, and the least recently used go once the total passes the budget;
the replies get a :data:`REPLY_SHARE` of it on top. Only complete answers are kept — errors and
timeouts are not.
"""

from __future__ import annotations

import operator
import os
import threading
from collections.abc import Hashable
from typing import Any, cast

from bolekg.errors import StoreError
from bolekg.query.admission import Admission
from bolekg.query.bounded import is_bounded
from bolekg.query.cache import VersionedCache
from bolekg.query.isolation import Pool
from bolekg.query.workers import start_pool
from bolekg.settings import Limits, Settings
from bolekg.store import EmbeddedStore, GraphStore
from bolekg.store.jobs import Answer, Job

#: Larger answers are not kept: they take long to send anyway, and would push out many small ones.
ENTRY_BYTES = 1 << 20
#: The replies kept get this share of the answers' memory; their bodies are mostly the very ``bytes``
#: objects the answers hold, so what they add is little more than the requests.
REPLY_SHARE = 4
#: A bounded query reads each quad at most a few times before each row it writes: up to this many
#: quads (a scan of them takes well under a second), it is safe without a worker to kill it.
INLINE_MAX_QUADS = 1_000_000
#: Bounded queries answered in this process at once; one more goes to a worker. Each takes a core
#: while it runs (pyoxigraph lets go of the interpreter), and pages need one too.
INLINE_AT_ONCE = max(2, os.cpu_count() or 1)


def job_key(job: Job) -> tuple[Hashable, ...]:
    """Everything about a job that decides its answer, besides the data."""
    return (job.query, job.default_graphs, job.named_graphs, job.union, job.max_rows, job.base_iri,
            tuple(sorted(job.media.items(), key=lambda item: item[0])))


def _body_size(answer: Answer) -> int:
    return len(answer.body)


class QueryService:
    """Public queries over one store: admitted, run under the limits, answers kept per data version.

    ``cache_mb`` defaults to ``BOLEKG_ANSWER_CACHE_MB``. The workers are the store's to say
    (:class:`~bolekg.store.EmbeddedStore` ``workers``; none for a remote store); they start on the
    first query and stop when the store closes.
    """

    def __init__(self, store: GraphStore, limits: Limits | None = None, allow_service: bool = False,
                 cache_mb: int | None = None):
        self.store = store
        self.limits = limits or Limits()
        #: Federated queries (``SERVICE``): off, as the server would become an HTTP client.
        self.allow_service = allow_service
        embedded = isinstance(store, EmbeddedStore)
        #: Worker processes (0: queries run in this process, or on the remote server) and the memory
        #: each may take: the embedded store's to say (:class:`~bolekg.store.EmbeddedStore`).
        self.workers = store.workers if isinstance(store, EmbeddedStore) else 0
        self.memory_mb = store.memory_mb if isinstance(store, EmbeddedStore) else 0
        self.admission = Admission.from_limits(self.limits, self.workers or None)
        if cache_mb is None:
            cache_mb = Settings.from_env().answer_cache_mb
        #: How many changes of the data the service has seen: the caches' version.
        self._version = 0
        total = cache_mb << 20
        #: Answers by :func:`job_key`; only where every change of the data is seen (an embedded store).
        self.answers: VersionedCache[Hashable, Answer] | None = None
        #: Whole replies to repeated requests, replayed by the protocol before a request is parsed;
        #: anything with a ``weight`` in bytes (:class:`bolekg.query.protocol.Reply`).
        self.replies: VersionedCache[Hashable, Any] | None = None
        if embedded and total:
            self.answers = VersionedCache(total, ENTRY_BYTES, weigh=_body_size, version=0)
            self.replies = VersionedCache(total // REPLY_SHARE, ENTRY_BYTES, weigh=operator.attrgetter("weight"),
                                          version=0)
        self._pool: Pool | None = None
        self._pool_lock = threading.Lock()
        self._inline = threading.BoundedSemaphore(INLINE_AT_ONCE)
        #: (version, quads) of the embedded store, counted once per version, for INLINE_MAX_QUADS
        self._quads: tuple[int, int] | None = None
        self._closed = False
        store.watch(self)

    # --- running a query

    def run(self, job: Job, client: str) -> Answer:
        """A public query from ``client`` (its address): admitted by :mod:`bolekg.query.admission` — else
        :class:`~bolekg.errors.TooManyRequests` or :class:`~bolekg.errors.QueueFull`, at once — then
        answered from the cache, or run — in this process if it is bounded (see the module's
        docstring), else in a worker under the time limit — and kept."""
        if self._may_inline(job) and self._inline.acquire(blocking=False):
            try:
                return self.admission.run(client, lambda: self._answer(job, inline=True), queued=False)
            finally:
                self._inline.release()
        return self.admission.run(client, lambda: self._answer(job))

    def _answer(self, job: Job, inline: bool = False) -> Answer:
        timeout = self.limits.timeout
        if not self.workers:  # a remote store (its client timeout), or in-process by request
            return self.store.run_query(job, timeout)
        run = self.store.run_query if inline else self.pool().run
        answers = self.answers
        if answers is None:
            return run(job, timeout)
        version = answers.version  # before the query runs: an answer that outlives its data is not kept
        key = job_key(job)
        found = answers.get(key)
        if found is not None:
            return found
        answer = run(job, timeout)
        answers.put(version, key, answer)
        return answer

    def _may_inline(self, job: Job) -> bool:
        """Whether ``job`` may run in this process: a query of the bounded subset with a row cap, over
        an embedded store with workers (without them, every query runs here anyway) that is small
        enough."""
        if not self.workers or job.max_rows is None or not is_bounded(job.query):
            return False
        return self._quad_count() <= INLINE_MAX_QUADS

    def _quad_count(self) -> int:
        version, known = self._version, self._quads
        if known is not None and known[0] == version:
            return known[1]
        count = len(cast(EmbeddedStore, self.store).store)  # only an embedded store has workers
        self._quads = (version, count)
        return count

    def pool(self) -> Pool:
        """The worker processes (started on first use)."""
        with self._pool_lock:
            if self._pool is None:
                if self._closed or not isinstance(self.store, EmbeddedStore) or not self.workers:
                    raise StoreError("the store is closed" if self._closed else "this store has no query workers")
                self._pool = start_pool(self.store, self.workers, self.memory_mb)
            return self._pool

    # --- what the store tells (bolekg.store.Watcher)

    def changed(self) -> None:
        """The data changed (under the store's commit lock): the workers of the old data are retired,
        then the caches emptied — in this order, see the module's docstring."""
        self._version += 1
        pool = self._pool
        if pool is not None:
            pool.recycle()
        for cache in (self.answers, self.replies):
            if cache is not None:
                cache.renew(self._version)

    def closing(self) -> None:
        """The store closes: stop the workers (and so free what they read)."""
        with self._pool_lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()
