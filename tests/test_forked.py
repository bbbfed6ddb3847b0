"""Whole-dataset passes in a throwaway child (bolekg.store.forked): results and errors come back, nothing else."""

from __future__ import annotations

import os
import signal
import threading

import pytest

from bolekg.errors import SparqlSyntaxError, StoreError
from bolekg.store import EmbeddedStore
from bolekg.store.forked import run_forked

SEEN: list[str] = []


def _remember_and_count(store: EmbeddedStore) -> tuple[int, int]:
    SEEN.append("child")  # a change to this process's memory: the parent must not see it
    rows = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").value
    return os.getpid(), int(next(iter(rows))["n"].value)  # type: ignore[call-overload, index]


@pytest.fixture
def store() -> EmbeddedStore:
    store = EmbeddedStore(workers=1)
    store.store.update("INSERT DATA { <http://example.org/a> <http://example.org/p> 1, 2, 3 }")
    return store


def test_the_result_comes_back_from_another_process(store: EmbeddedStore) -> None:
    SEEN.clear()
    pid, count = store.apart(lambda: _remember_and_count(store))
    assert count == 3
    assert pid != os.getpid()
    assert SEEN == []


def test_without_worker_processes_the_pass_runs_here(store: EmbeddedStore) -> None:
    SEEN.clear()
    inline = EmbeddedStore(workers=0)
    pid, count = inline.apart(lambda: _remember_and_count(inline))
    assert (pid, count) == (os.getpid(), 0)
    assert SEEN == ["child"]


def test_an_error_in_the_child_is_raised_here_with_its_type(store: EmbeddedStore) -> None:
    with pytest.raises(SparqlSyntaxError):
        store.apart(lambda: store.query("SELECT nonsense"))
    with pytest.raises(ValueError, match="no such thing"):
        run_forked(lambda: (_ for _ in ()).throw(ValueError("no such thing")), threading.Lock())


def test_a_result_that_cannot_be_sent_back_is_a_store_error() -> None:
    with pytest.raises(StoreError, match="could not send back its result"):
        run_forked(lambda: threading.Lock(), threading.Lock())


def test_a_child_that_dies_is_a_store_error_naming_the_signal() -> None:
    with pytest.raises(StoreError, match="SIGKILL"):
        run_forked(lambda: os.kill(os.getpid(), signal.SIGKILL), threading.Lock())


def test_the_child_keeps_no_descriptor_of_the_parent(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with (tmp_path / "held").open("w") as held:
        open_in_child = run_forked(lambda: sorted(int(fd) for fd in os.listdir("/proc/self/fd")), threading.Lock())
        assert held.fileno() not in open_in_child
    assert len(open_in_child) <= 5  # stdin, stdout, stderr, the result pipe, and listdir's own
