"""Queries from the public endpoint run in worker processes, so that a runaway query can be killed.

pyoxigraph has no query timeout and a Python thread cannot be stopped, so a query that never ends
(an aggregate over a cartesian product) would hold a thread, a core and ever more memory until the
server died. Here it holds a *process*: the pool sends the job over a socket pair, waits at most the
time limit, and on expiry sends ``SIGKILL`` — the kernel frees the worker's memory at once — and
starts a replacement in the background. Other requests meanwhile go to the other workers.

Two ways to start a worker (both give a process that answers :class:`Job` messages):

* :func:`fork_launcher` — for the in-memory store: ``os.fork`` after the data is loaded, so every
  worker shares the parent's pages copy-on-write and starts in a millisecond. Forks happen on one
  long-lived manager thread while the store's commit lock is held, so no write is half-done in the
  copy; the child closes every inherited descriptor but its own socket, disables the garbage
  collector (no finaliser of a parent object may run in it) and leaves through ``os._exit``.
* :func:`exec_launcher` — for the on-disk store: a fresh interpreter (``python -m bolekg.query.isolation``)
  that opens a read-only RocksDB checkpoint of the store. RocksDB runs background threads, and a
  fork of a process that has them is not safe to open a database in; an exec is.

After every write the pool is *recycled*: workers forked from (or opened on) the old content are
retired and replaced, so a query never sees data older than the last completed write. Each worker
also lives under a memory ceiling (``RLIMIT_AS``, ``BOLEKG_QUERY_MEMORY_MB`` above its size at start):
a query that tries to build a huge result aborts its own process, not the server. A query still
running after :data:`RENICE_AFTER` seconds is lowered in CPU priority, so that normal requests keep
their speed while a runaway burns out its time; such a worker is replaced after its query.

Every worker dies with its parent: ``PR_SET_PDEATHSIG`` (Linux) and end-of-file on its socket.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import pickle
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from bolekg.children import child_setup, limit_memory, private_mb
from bolekg.errors import QueryAborted, QueryTimeout, SparqlSyntaxError, StoreError, Unavailable
from bolekg.settings import DEFAULTS
from bolekg.store.jobs import Answer, Job, execute

log = logging.getLogger(__name__)

#: Seconds after which a still-running query's worker is lowered in priority (``nice`` +10).
RENICE_AFTER = 1.0
#: Seconds a query that waited for a worker may still run, and how far past the limit that may go.
MIN_SLICE, GRACE = 0.5, 0.8
#: Seconds of work after which the pool checks whether a worker has grown past its share of memory.
LONG_JOB = 0.02


# --- the worker side -----------------------------------------------------------------------------


def serve(conn: Connection, store: ox.Store) -> None:
    """Answer jobs until the parent closes the socket. Runs in the worker process."""
    while True:
        try:
            job = pickle.loads(conn.recv_bytes())
        except (EOFError, OSError):
            return
        reply: tuple[str, Any]
        try:
            reply = ("ok", execute(store, job))
        except SparqlSyntaxError as error:
            reply = ("syntax", str(error))
        except ValueError as error:
            reply = ("value", str(error))
        except MemoryError:
            reply = ("memory", "")
        except Exception as error:  # an evaluation error is the query's, reported, never a crash
            reply = ("error", f"{type(error).__name__}: {error}")
        # No malloc_trim here: glibc keeps little freed after even the heaviest queries, and trimming
        # costs page faults on the next query (bench/ measured a 2-hop join about twice as slow). A
        # worker grows by the store pages it copies on write, which only a fresh fork shares again:
        # the pool's memory budget sees to that.
        try:
            conn.send_bytes(pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL))
        except OSError:
            return


# --- the parent side ------------------------------------------------------------------------------


class Worker:
    """The parent's handle on one worker process."""

    def __init__(self, pid: int, conn: Connection, generation: int, process: subprocess.Popen | None = None,
                 tag: str = ""):
        self.pid = pid
        self.conn = conn
        self.generation = generation
        self.process = process
        self.tag = tag
        self.reniced = False

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            self.conn.close()

    def reap(self) -> int | None:
        """Wait for the (killed) process; its exit status as ``os.waitpid`` reports it."""
        try:
            if self.process is not None:
                return self.process.wait()
            return os.waitpid(self.pid, 0)[1]
        except ChildProcessError:
            return None


Launcher = Callable[[int], Worker]


class Pool:
    """A fixed number of worker processes; jobs go to an idle one, and a late one is killed."""

    def __init__(self, launch: Launcher, size: int = DEFAULTS.query_workers, name: str = "bolekg-query-pool",
                 on_reaped: Callable[[Worker], None] | None = None, private_limit_mb: int | None = None):
        self._launch = launch
        self.size = size
        #: After a long job, when the workers' own (unshared) memory together passes this, idle
        #: workers holding more than their share are replaced, largest first (see :func:`private_mb`).
        self.private_limit_mb = private_limit_mb
        #: How many such checks the manager thread has finished.
        self.memory_checks = 0
        self._memory_check_due = False
        self.name = name
        self._on_reaped = on_reaped
        self._cond = threading.Condition()
        self._workers: set[Worker] = set()
        self._idle: list[Worker] = []
        self._dead: list[Worker] = []
        self._generation = 0
        self._closing = False
        self._thread: threading.Thread | None = None
        self._failure: str | None = None

    # --- lifecycle

    def start(self) -> None:
        with self._cond:
            if self._thread is None and not self._closing:
                self._thread = threading.Thread(target=self._manage, name=self.name, daemon=True)
                self._thread.start()

    @property
    def generation(self) -> int:
        return self._generation

    def recycle(self) -> None:
        """The data changed: retire every worker started on the old content."""
        with self._cond:
            self._generation += 1
            for worker in self._idle:
                self._retire(worker)
            self._idle = []
            self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self._closing = True
            for worker in list(self._workers):
                self._retire(worker)
            self._idle = []
            self._cond.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(timeout=10)
        for worker in self._take_dead():
            self._reap(worker)

    def pids(self) -> list[int]:
        with self._cond:
            return sorted(w.pid for w in self._workers)

    def tags(self) -> set[str]:
        """The tags of the live workers (the on-disk store tags each with the checkpoint it reads)."""
        with self._cond:
            return {w.tag for w in self._workers} | {w.tag for w in self._dead}

    # --- running a job

    def run(self, job: Job, timeout: float) -> Answer:
        """Run ``job`` in a worker within ``timeout`` seconds, waiting for a free worker included.

        A job that waited for a worker most of its time still gets :data:`MIN_SLICE` seconds to run,
        never ending later than ``timeout`` + :data:`GRACE`: the promise is an answer within the
        limit plus a second, and a query queued behind a runaway deserves a chance to run.
        """
        started = time.monotonic()
        worker = self._checkout(started + timeout, timeout)
        checked_out = time.monotonic()
        deadline = max(started + timeout, min(checked_out + MIN_SLICE, started + timeout + GRACE))
        waited = checked_out - started > timeout / 2
        try:
            worker.conn.send_bytes(pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL))
            ready = worker.conn.poll(max(0.0, min(RENICE_AFTER, deadline - time.monotonic())))
            if not ready and time.monotonic() < deadline:
                self._renice(worker)
                ready = worker.conn.poll(max(0.0, deadline - time.monotonic()))
            if not ready:
                self._discard(worker)
                raise QueryTimeout(timeout, waiting=waited)
            status, payload = pickle.loads(worker.conn.recv_bytes())
        except (EOFError, OSError, pickle.UnpicklingError) as error:
            self._discard(worker)
            raise QueryAborted("The query stopped its worker process: it needed more memory than this endpoint "
                               "allows (BOLEKG_QUERY_MEMORY_MB), or crashed. Narrow it down and try again.") from error
        self._checkin(worker, time.monotonic() - checked_out)
        if status == "ok":
            return payload
        if status == "syntax":
            raise SparqlSyntaxError(payload)
        if status == "value":
            raise ValueError(payload)
        if status == "memory":
            raise QueryAborted("The query needed more memory than this endpoint allows (BOLEKG_QUERY_MEMORY_MB).")
        raise StoreError(f"the query failed: {payload}")

    def _checkout(self, deadline: float, timeout: float) -> Worker:
        self.start()
        with self._cond:
            while True:
                if self._closing:
                    raise Unavailable("the query service is shutting down")
                while self._idle:
                    worker = self._idle.pop()
                    if worker.generation == self._generation:
                        return worker
                    self._retire(worker)
                if self._failure and not self._workers:
                    raise Unavailable(f"no query worker could be started: {self._failure}")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise QueryTimeout(timeout, waiting=True)
                self._cond.wait(remaining)

    def _checkin(self, worker: Worker, seconds: float = 0.0) -> None:
        with self._cond:
            if worker.generation != self._generation or worker.reniced or self._closing:
                self._retire(worker)
            else:
                self._idle.append(worker)
            if self.private_limit_mb is not None and seconds > LONG_JOB:
                # measured on the manager thread, not here: reading smaps_rollup walks the worker's
                # page tables, which the answer would otherwise wait for
                self._memory_check_due = True
            self._cond.notify_all()

    def _hold_to_budget(self) -> None:
        """Replace idle workers holding more than their share, largest first, while the workers'
        own memory together is over the budget. One worker running query after query keeps its
        copied pages (no fork, no page faults again); several at once are held to the budget. A
        busy worker is left for the next check."""
        limit = self.private_limit_mb
        with self._cond:
            workers = list(self._workers) if limit is not None else []
        own = {worker: private_mb(worker.pid) for worker in workers}
        total = sum(own.values())
        with self._cond:
            for worker in sorted(own, key=own.__getitem__, reverse=True):
                if limit is None or total <= limit:
                    break
                if own[worker] > limit / max(1, self.size) and worker in self._idle:
                    self._idle.remove(worker)
                    self._retire(worker)
                    total -= own[worker]
            self.memory_checks += 1
            self._cond.notify_all()

    def _discard(self, worker: Worker) -> None:
        with self._cond:
            self._retire(worker)
            self._cond.notify_all()

    def _retire(self, worker: Worker) -> None:
        """Kill a worker now; the manager thread reaps it and starts a replacement. Holds the lock."""
        worker.kill()
        self._workers.discard(worker)
        self._dead.append(worker)

    def _renice(self, worker: Worker) -> None:
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, worker.pid, min(19, os.getpriority(os.PRIO_PROCESS, 0) + 10))
            worker.reniced = True

    # --- the manager thread

    def _take_dead(self) -> list[Worker]:
        with self._cond:
            dead, self._dead = self._dead, []
        return dead

    def _reap(self, worker: Worker) -> None:
        worker.reap()
        if self._on_reaped is not None:
            with contextlib.suppress(Exception):
                self._on_reaped(worker)

    def _manage(self) -> None:
        backoff = 0.05
        while True:
            with self._cond:
                while (not self._closing and not self._dead and len(self._workers) >= self.size
                       and not self._memory_check_due):
                    self._cond.wait(1.0)
                if self._closing:
                    return
                check, self._memory_check_due = self._memory_check_due, False
            if check:
                self._hold_to_budget()
            with self._cond:
                missing = self.size - len(self._workers)
                generation = self._generation
            for worker in self._take_dead():
                self._reap(worker)
            for _ in range(max(0, missing)):
                try:
                    worker = self._launch(generation)
                except Exception as error:  # keep serving with fewer workers; tell waiting requests why
                    log.exception("could not start a query worker")
                    with self._cond:
                        self._failure = str(error) or type(error).__name__
                        self._cond.notify_all()
                    time.sleep(backoff)
                    backoff = min(backoff * 2, 2.0)
                    break
                backoff = 0.05
                with self._cond:
                    self._failure = None
                    if self._closing or worker.generation != self._generation:
                        worker.kill()
                        self._dead.append(worker)
                    else:
                        self._workers.add(worker)
                        self._idle.append(worker)
                    self._cond.notify_all()


# --- launchers ----------------------------------------------------------------------------------


def fork_launcher(store: Callable[[], ox.Store], lock: Any, memory_mb: int) -> Launcher:
    """Workers forked from this process, querying the in-memory ``store()`` they inherit."""
    from bolekg.memory import release_freed_memory

    def launch(generation: int) -> Worker:
        parent_end, child_end = socket.socketpair()
        parent = os.getpid()
        # A fork inherits every page this process maps, freed-but-held ones too (bolekg.memory):
        # give them back first, outside the lock, so that no write waits for it.
        release_freed_memory()
        with lock:
            target = store()
            pid = os.fork()
        if pid == 0:  # the worker
            try:
                gc.disable()
                fd = child_end.fileno()
                child_setup(fd, parent)
                limit_memory(memory_mb)
                serve(Connection(fd), target)
            finally:
                os._exit(0)
        child_end.close()
        return Worker(pid, Connection(parent_end.detach()), generation)

    return launch


def exec_launcher(checkpoint: Callable[[int], Path], memory_mb: int, startup_timeout: float = 60.0) -> Launcher:
    """Workers in fresh interpreters, each opening ``checkpoint(generation)`` read-only."""

    def launch(generation: int) -> Worker:
        path = checkpoint(generation)
        parent_end, child_end = socket.socketpair()
        fd = child_end.fileno()
        process = subprocess.Popen(
            [sys.executable, "-m", "bolekg.query.isolation", "--read-only", str(path), "--fd", str(fd),
             "--memory-mb", str(memory_mb), "--parent", str(os.getpid())],
            pass_fds=(fd,), stdin=subprocess.DEVNULL, close_fds=True,
        )
        child_end.close()
        conn = Connection(parent_end.detach())
        worker = Worker(process.pid, conn, generation, process, tag=str(path))
        if not conn.poll(startup_timeout):
            worker.kill()
            worker.reap()
            raise StoreError(f"a query worker did not open {path} within {startup_timeout:g} s")
        try:
            status, message = pickle.loads(conn.recv_bytes())
        except (EOFError, OSError) as error:
            worker.kill()
            worker.reap()
            raise StoreError(f"a query worker could not open {path}") from error
        if status != "ready":
            worker.kill()
            worker.reap()
            raise StoreError(f"a query worker could not open {path}: {message}")
        return worker

    return launch


def main(argv: list[str] | None = None) -> int:
    """Entry point of an exec'd worker: open the checkpoint read-only, say ready, serve."""
    import argparse

    parser = argparse.ArgumentParser(prog="bolekg.query.isolation")
    parser.add_argument("--read-only", required=True, type=Path)
    parser.add_argument("--fd", required=True, type=int)
    parser.add_argument("--memory-mb", type=int, default=DEFAULTS.query_memory_mb)
    parser.add_argument("--parent", type=int, required=True)
    args = parser.parse_args(argv)
    gc.disable()
    child_setup(args.fd, args.parent)
    conn = Connection(args.fd)
    try:
        store = ox.Store.read_only(str(args.read_only))
    except OSError as error:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            conn.send_bytes(pickle.dumps(("error", str(error))))
        return 1
    # the allowance is on top of the open store: RocksDB maps its files and reads their indexes at
    # open, which on 10M triples took enough of a limit set before it to fail a 36 MB answer
    limit_memory(args.memory_mb)
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        conn.send_bytes(pickle.dumps(("ready", os.getpid())))
        serve(conn, store)
    return 0


if __name__ == "__main__":
    # Run the imported module, not this ``__main__`` copy, so that the classes pickled back to the
    # parent come from the imported modules, not from this ``__main__`` copy.
    from bolekg.query.isolation import main as _main

    sys.exit(_main())
