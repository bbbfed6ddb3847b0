"""The remote backend goes away and comes back: a real ``oxigraph serve`` is stopped and restarted on the
same port. Meanwhile every route answers 503 with a clear message, fast; afterwards everything works
again without a restart of BoleKG."""

from __future__ import annotations

import contextlib
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Dataset

from bolekg.settings import Limits
from hardening_support import limited_site
from ld_support import VENV_BIN, Reply, free_port, query_url, stop, wait_until_up

ITEM = "id/item/1-01"
#: What the client waits at most for the 503: the promise is "within 2 s".
PATIENCE = 2.0


@contextlib.contextmanager
def oxigraph_on(location: Path, port: int) -> Iterator[subprocess.Popen]:
    process = subprocess.Popen(
        [str(VENV_BIN / "oxigraph"), "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/query?query=ASK%7B%7D", process)
        yield process
    finally:
        stop(process)


def get(url: str, accept: str = "*/*") -> Reply:
    """One request that must be answered within :data:`PATIENCE` seconds (else ``TimeoutError``)."""
    request = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=PATIENCE) as response:
            return Reply(response.status, {k.lower(): v for k, v in response.headers.items()}, response.read())
    except urllib.error.HTTPError as error:
        return Reply(error.code, {k.lower(): v for k, v in error.headers.items()}, error.read())


ROUTES = [
    ("query", lambda root: query_url(root, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"),
     "application/sparql-results+json"),
    ("entity turtle", lambda root: f"{root}/{ITEM}", "text/turtle"),
    ("entity page", lambda root: f"{root}/{ITEM}", "text/html"),
    ("ontology", lambda root: f"{root}/def.ttl", "*/*"),
    ("graph store", lambda root: f"{root}/store?default", "application/n-triples"),
    ("dump", lambda root: f"{root}/dumps/bolekg.nt", "*/*"),
    ("void", lambda root: f"{root}/.well-known/void", "text/turtle"),
    ("service description", lambda root: f"{root}/sparql", "text/turtle"),
]


def test_remote_down_then_back(tmp_path: Path, real_dataset: Dataset) -> None:
    port = free_port()
    location = tmp_path / "oxigraph"
    server = oxigraph_on(location, port)
    server.__enter__()
    try:
        with limited_site("remote", f"http://127.0.0.1:{port}", real_dataset, Limits(timeout=10)) as site:
            for name, url, accept in ROUTES:
                assert get(url(site.root), accept).status == 200, name
            server.__exit__(None, None, None)  # the backend goes away

            for name, url, accept in ROUTES:
                reply = get(url(site.root), accept)
                assert reply.status == 503, (name, reply.status, reply.text[:300])
                assert "not answering" in reply.text, name
                assert f"127.0.0.1:{port}" in reply.text, name
                assert reply.header("Retry-After"), name
                assert "Traceback" not in reply.text

            server = oxigraph_on(location, port)  # back, same port, same data
            server.__enter__()
            for name, url, accept in ROUTES:
                reply = get(url(site.root), accept)
                assert reply.status == 200, (name, reply.status, reply.text[:300])
    finally:
        with contextlib.suppress(Exception):
            server.__exit__(None, None, None)


def test_writes_while_the_remote_is_down_fail_cleanly(tmp_path: Path, real_dataset: Dataset) -> None:
    """A write that cannot reach the server is refused with 503 and leaves nothing half-done."""
    port = free_port()
    location = tmp_path / "oxigraph"
    token = "remote-token"
    update = ("INSERT DATA { GRAPH <https://example.org/test/notes> { <https://example.org/test/w> a "
              "<https://example.org/test/Widget> ; <http://www.w3.org/2000/01/rdf-schema#label> \"w\" } }")
    with oxigraph_on(location, port) as process, \
            limited_site("remote", f"http://127.0.0.1:{port}", real_dataset, Limits(timeout=10), token=token) as site:
        stop(process)
        request = urllib.request.Request(f"{site.root}/sparql", data=update.encode(), method="POST", headers={
            "Content-Type": "application/sparql-update", "Authorization": f"Bearer {token}"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=PATIENCE)
        assert refused.value.code == 503
        with oxigraph_on(location, port):
            ask = get(query_url(site.root, "ASK { GRAPH <https://example.org/test/notes> { ?s ?p ?o } }"),
                      "application/sparql-results+json")
            assert ask.status == 200 and b"false" in ask.body
