"""Whole-dataset passes run in a throwaway child process, so that the server does not keep their cost.

Reading pyoxigraph's in-memory store writes to the pages it touches, so in a process forked from
the one that loaded it (Granian's HTTP worker, a query worker) every page a scan reads becomes a
private copy, and stays one. One N-Triples dump, or building the search index, left the HTTP worker holding
a large part of the store as its own (bench/, smaps_rollup). Such a pass is
run here in a fork instead: it writes its file or hands back its (small, picklable) result, exits,
and the kernel frees everything it copied.

The fork happens under the store's commit lock, as the query workers' do (:mod:`bolekg.query.isolation`):
no write is half-done in the child's copy. The child keeps only its end of the result pipe and
the standard streams, dies with its parent, and leaves through ``os._exit`` (no parent finaliser
runs in it).
"""

from __future__ import annotations

import gc
import os
import pickle
import signal
from collections.abc import Callable
from typing import Any, TypeVar

from bolekg.children import child_setup
from bolekg.errors import StoreError

T = TypeVar("T")


def run_forked(task: Callable[[], T], lock: Any) -> T:
    """``task()`` evaluated in a forked child; its result (pickled back) or its exception raised here.

    An exception that cannot be pickled comes back as :class:`StoreError` with its text; a child
    that dies without a word (killed, out of memory) is a :class:`StoreError` too.
    """
    read_end, write_end = os.pipe()
    parent = os.getpid()
    with lock:
        pid = os.fork()
    if pid == 0:  # the child
        status = 0
        try:
            gc.disable()
            os.close(read_end)
            child_setup(write_end, parent)
            try:
                outcome: tuple[str, Any] = ("ok", task())
            except BaseException as error:  # everything goes back to the parent, even SystemExit
                outcome, status = ("error", error), 1
            try:
                message = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception as error:
                what = f"{type(outcome[1]).__name__}: {outcome[1]}" if status else f"its result ({error})"
                message = pickle.dumps(("error", StoreError(f"a whole-dataset pass could not send back {what}")))
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(message)
        finally:
            os._exit(status)
    os.close(write_end)
    try:
        with os.fdopen(read_end, "rb") as pipe:
            message = pipe.read()  # until the child closes its end: done, or dead
    finally:
        _, wait_status = os.waitpid(pid, 0)
    if not message:
        if os.WIFSIGNALED(wait_status):
            cause = signal.Signals(os.WTERMSIG(wait_status)).name
        else:
            cause = f"exit status {os.waitstatus_to_exitcode(wait_status)}"
        raise StoreError(f"the child process of a whole-dataset pass died ({cause})")
    try:
        kind, value = pickle.loads(message)
    except Exception as error:  # e.g. an exception class whose constructor takes other arguments
        raise StoreError(f"a whole-dataset pass failed, and its report could not be read: {error}") from error
    if kind == "error":
        raise value
    return value
