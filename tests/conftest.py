"""Session fixtures shared by the test modules: the real dataset and two ``oxigraph serve`` processes.

pytest finds them here by name; the parts they are built from are in ``ld_support``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from rdflib import Dataset, Graph

from bolekg.report.dataset import load_dataset, union_graph
from ld_support import oxigraph_process


@pytest.fixture(scope="session")
def real_dataset() -> Dataset:
    return load_dataset()


@pytest.fixture(scope="session")
def real_union(real_dataset: Dataset) -> Graph:
    return union_graph(real_dataset)


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
