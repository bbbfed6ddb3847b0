"""Session fixtures shared by the test modules: the real dataset, two ``oxigraph serve`` processes and two
Virtuoso servers (each started only when a test asks for it).

pytest finds them here by name; the parts they are built from are in ``ld_support``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from rdflib import Dataset, Graph

import ld_support
from bolekg.report.dataset import load_dataset, union_graph
from bolekg.services.search import SearchIndex
from bolekg.store import GraphStore
from ld_support import VIRTUOSO_MISSING, oxigraph_process, virtuoso_process


@pytest.fixture(scope="session")
def real_dataset() -> Dataset:
    return load_dataset()


@pytest.fixture(scope="session")
def real_union(real_dataset: Dataset) -> Graph:
    return union_graph(real_dataset)


@pytest.fixture(scope="session")
def real_store(real_dataset: Dataset) -> Iterator[GraphStore]:
    """An embedded store holding the real data, for tests that only read it."""
    found = ld_support.new_store("embedded", None)
    found.load(real_dataset)
    yield found
    found.close()


@pytest.fixture(scope="session")
def real_index(real_store: GraphStore) -> SearchIndex:
    """The search index of the real data, built once: building it is the slow part of a search test."""
    return SearchIndex.build(real_store)


@pytest.fixture(scope="session")
def real_site(real_dataset: Dataset) -> Iterator[ld_support.Site]:
    """The real data behind the real app on an embedded store, for page tests that only read."""
    with ld_support.serving("embedded", None, real_dataset) as site:
        yield site


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The server that read-only fixtures load once per module."""
    with oxigraph_process(tmp_path_factory.mktemp("oxigraph-read")) as root:
        yield root


@pytest.fixture(scope="session")
def oxigraph_scratch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A second server for tests that write, so they never disturb a loaded read-only store."""
    with oxigraph_process(tmp_path_factory.mktemp("oxigraph-write")) as root:
        yield root


@contextlib.contextmanager
def _virtuoso(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[str]:
    if VIRTUOSO_MISSING:
        pytest.skip(VIRTUOSO_MISSING)
    with virtuoso_process(tmp_path_factory.mktemp(name)) as root:
        yield root


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real OpenLink Virtuoso for read-only fixtures, the second server behind ``--endpoint``; the
    tests on it are skipped, with the reason in the log, where the package could not be installed."""
    with _virtuoso(tmp_path_factory, "virtuoso-read") as root:
        yield root


@pytest.fixture(scope="session")
def virtuoso_scratch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A second Virtuoso for tests that write (as :func:`oxigraph_scratch` beside :func:`oxigraph_server`)."""
    with _virtuoso(tmp_path_factory, "virtuoso-write") as root:
        yield root

