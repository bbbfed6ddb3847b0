"""The on-disk store loses nothing: a real ``bolekg load --store DIR`` killed with SIGKILL at many points
leaves, after a restart, exactly the old content or exactly the new one — never a mix — and an
invalid load or write is refused whole, with the report, leaving the store as it was."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF

from bolekg.report.dataset import load_dataset
from bolekg.report.vocab import BK
from bolekg.store import EmbeddedStore, WriteRejected
from bolekg.store.ondisk import POINTER
from ld_support import EX, small_validator

NOTES = f"{EX}notes"


def content(path: Path) -> frozenset[str]:
    """Every quad of the store at ``path``, blank nodes canonicalised (RDFC-1.0), as N-Quads lines."""
    store = EmbeddedStore(path, validator=small_validator, workers=0)
    try:
        dataset = ox.Dataset(store.store)
    finally:
        store.close()
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return frozenset(str(quad) for quad in dataset)


def quads_of(dataset: Dataset, extra: Graph | None = None) -> frozenset[str]:
    scratch = EmbeddedStore(validator=small_validator, workers=0)
    scratch.load(dataset)
    if extra is not None:
        scratch.store.extend(ox.Quad(ox.NamedNode(str(s)), ox.NamedNode(str(p)), ox.Literal(str(o)),
                                     ox.NamedNode(NOTES)) for s, p, o in extra)
    result = ox.Dataset(scratch.store)
    scratch.close()
    result.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return frozenset(str(quad) for quad in result)


def older(dataset: Dataset) -> Dataset:
    """A different, earlier version of the data: every tenth triple of each graph missing."""
    old = Dataset()
    for graph in dataset.graphs():
        if len(graph) == 0:
            continue
        target = old.graph(graph.identifier)
        for n, triple in enumerate(sorted(graph)):
            if n % 10:
                target.add(triple)
    return old


def notes() -> Graph:
    graph = Graph()
    for n in range(50):
        graph.add((URIRef(f"{EX}note{n}"), URIRef(f"{EX}text"), Literal(f"note {n}")))
    return graph


@pytest.fixture(scope="module")
def old_store(tmp_path_factory: pytest.TempPathFactory, real_dataset: Dataset) -> tuple[Path, frozenset[str],
                                                                                         frozenset[str]]:
    """A store holding the old data and a graph of notes, closed; with its content and the expected new one."""
    path = tmp_path_factory.mktemp("old") / "db"
    store = EmbeddedStore(path, validator=small_validator, workers=0)
    old = older(real_dataset)
    store.load(old)
    store.store.extend(ox.Quad(ox.NamedNode(str(s)), ox.NamedNode(str(p)), ox.Literal(str(o)), ox.NamedNode(NOTES))
                       for s, p, o in notes())
    store.close()
    old_content = content(path)
    assert old_content == quads_of(old, notes())
    # a load replaces the graphs it brings and keeps the others (the notes)
    return path, old_content, quads_of(real_dataset, notes())


def load_and_kill(store: Path, trigger: Callable[[Path, float], bool]) -> bool:
    """Run ``bolekg load --store`` and SIGKILL it as soon as ``trigger(store, seconds)`` holds.

    Returns whether it was killed (``False``: it finished first).
    """
    process = subprocess.Popen([sys.executable, "-m", "bolekg.cli", "load", "--store", str(store)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started = time.monotonic()
    try:
        while process.poll() is None:
            if trigger(store, time.monotonic() - started):
                os.kill(process.pid, signal.SIGKILL)
                process.wait()
                return True
            time.sleep(0.0005)
        assert process.returncode == 0
        return False
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()


def generations(store: Path) -> list[Path]:
    return sorted(p for p in store.glob("gen-*") if p.is_dir())


def sst_files(store: Path) -> int:
    return sum(len(list(p.glob("*.sst"))) for p in generations(store))


def pointer(store: Path) -> str:
    try:
        return (store / POINTER).read_text()
    except FileNotFoundError:
        return ""


def at_events(start: Path) -> dict[str, Callable[[Path, float], bool]]:
    """Kill points tied to what the loader visibly does on disk, in order."""
    first_pointer = pointer(start)
    first_ssts = sst_files(start)
    return {
        "staging begins": lambda store, _: len(generations(store)) > 1 or
        any(p.name.endswith(".tmp") for p in store.glob("gen-*")),
        "bulk load writes": lambda store, _: sst_files(store) > 2 * first_ssts,
        "bulk load compacts": lambda store, _: sst_files(store) > 2 * first_ssts + 8,
        "pointer being written": lambda store, _: (store / f"{POINTER}.tmp").exists(),
        "pointer switched": lambda store, _: pointer(store) not in ("", first_pointer),
        "old generation being removed": lambda store, _: pointer(store) not in ("", first_pointer)
        and sst_files(store) < 2 * first_ssts,
    }


def test_a_load_killed_at_any_point_leaves_old_or_new(tmp_path: Path, old_store: tuple) -> None:  # type: ignore[type-arg]
    source, old, new = old_store
    assert old != new
    # how long a whole load takes here, to spread time-based kill points over it
    full = tmp_path / "full"
    shutil.copytree(source, full)
    started = time.monotonic()
    assert not load_and_kill(full, lambda store, seconds: False)
    duration = time.monotonic() - started
    assert content(full) == new  # an uninterrupted load: the new data, the notes kept

    triggers = dict(at_events(source))
    for fraction in (0.5, 0.8, 0.9, 0.95):
        triggers[f"{fraction:.0%} of a load"] = lambda store, seconds, f=fraction: seconds >= f * duration
    outcomes: dict[str, str] = {}
    for name, trigger in triggers.items():
        store = tmp_path / name.replace(" ", "-").replace("%", "pc")
        shutil.copytree(source, store)
        killed = load_and_kill(store, trigger)
        found = content(store)  # the restart: opening it must work
        assert found in (old, new), f"killed at '{name}': a mix of old and new ({len(found ^ old)} quads from old, " \
                                    f"{len(found ^ new)} from new)"
        outcomes[name] = ("killed, " if killed else "finished, ") + ("old" if found == old else "new")
        # whatever was left half-done is cleaned up at opening: one generation, no checkpoints
        assert len(generations(store)) == 1, name
    assert any(o.endswith("old") for o in outcomes.values()) and any(
        o.startswith("killed") and o.endswith("new") for o in outcomes.values()), outcomes


def test_a_valid_write_is_accepted_with_the_project_shapes(tmp_path: Path, real_dataset: Dataset) -> None:
    """The other side of refusing: data read back from the store (where pyoxigraph has canonicalised
    xsd:nonNegativeInteger to xsd:integer) still passes the project's shapes, so a valid write lands."""
    store = EmbeddedStore(tmp_path / "db", workers=0)
    try:
        store.load(real_dataset)
        store.update(f"INSERT DATA {{ GRAPH <{NOTES}> {{ <{EX}n1> a <{EX}Note> }} }}")
    finally:
        store.close()
    written = f"<{EX}n1> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{EX}Note> <{NOTES}>"
    assert written in content(tmp_path / "db")


def test_an_invalid_load_is_refused_whole(tmp_path: Path, old_store: tuple, real_dataset: Dataset) -> None:  # type: ignore[type-arg]
    """Data that breaks the project's shapes: nothing is written, and the report says why."""
    source, old, _ = old_store
    store_dir = tmp_path / "db"
    shutil.copytree(source, store_dir)
    broken = load_dataset()
    report = next(g for g in broken.graphs() if len(g) and "report" in str(g.identifier))
    observation = next(iter(report.subjects(RDF.type, BK.Observation)))
    for triple in list(report.triples((observation, None, None))):
        if triple[1] != RDF.type:
            report.remove(triple)
    store = EmbeddedStore(store_dir, workers=0)
    try:
        with pytest.raises(WriteRejected) as refused:
            store.load(broken)
        outcome = refused.value.outcome
        assert not outcome.conforms and outcome.findings
        local = str(observation).rsplit("/", 1)[-1]
        assert any(local in finding.focus for finding in outcome.findings), [f.focus for f in outcome.findings]
        assert "Violation" in refused.value.report_text()
    finally:
        store.close()
    assert content(store_dir) == old
    assert len(generations(store_dir)) == 1


def test_an_invalid_write_is_refused_whole_on_disk(tmp_path: Path, old_store: tuple) -> None:  # type: ignore[type-arg]
    source, old, _ = old_store
    store_dir = tmp_path / "db"
    shutil.copytree(source, store_dir)
    store = EmbeddedStore(store_dir, validator=small_validator, workers=0)
    try:
        with pytest.raises(WriteRejected) as refused:
            store.update(f"DELETE DATA {{ GRAPH <{NOTES}> {{ <{EX}note1> <{EX}text> \"note 1\" }} }} ; "
                         f"INSERT DATA {{ GRAPH <{NOTES}> {{ <{EX}w> a <{EX}Widget> }} }}")
        assert "A widget needs a label" in refused.value.report_text()
    finally:
        store.close()
    assert content(store_dir) == old
