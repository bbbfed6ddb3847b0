"""Where the graph is kept: one store interface (:mod:`.base`), two backends — embedded pyoxigraph in
memory or on disk (:mod:`.embedded`, :mod:`.ondisk`) and any SPARQL 1.1 server (:mod:`.remote`) — and
what they share: the write gate's policy, moving quads, results, query jobs, checks and backups.

``from bolekg.store import EmbeddedStore, GraphStore, RemoteStore, open_store`` keeps working as it did
when this was one module. The names are resolved on first use (PEP 562), so that importing a light
submodule such as :mod:`bolekg.store.results` (which the query workers load) does not load the
backends, pyshacl and rdflib with it.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bolekg.errors import StoreError as StoreError
    from bolekg.store.base import GraphStore as GraphStore
    from bolekg.store.base import Validator as Validator
    from bolekg.store.base import Version as Version
    from bolekg.store.base import WriteRejected as WriteRejected
    from bolekg.store.embedded import EmbeddedStore as EmbeddedStore
    from bolekg.store.remote import RemoteStore as RemoteStore
    from bolekg.store.write_policy import WriteForbidden as WriteForbidden

_WHERE = {
    "GraphStore": "bolekg.store.base", "Validator": "bolekg.store.base", "Version": "bolekg.store.base",
    "WriteRejected": "bolekg.store.base", "EmbeddedStore": "bolekg.store.embedded",
    "RemoteStore": "bolekg.store.remote", "StoreError": "bolekg.errors",
    "WriteForbidden": "bolekg.store.write_policy",
}
__all__ = [*_WHERE, "open_store"]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'bolekg.store' has no attribute {name!r}")
    return getattr(importlib.import_module(_WHERE[name]), name)


def open_store(path: Path | str | None = None, endpoint: str | None = None, graph_store: str | None = None,
               update_endpoint: str | None = None, validator: Validator | None = None,
               server: str = "oxigraph") -> GraphStore:
    """The store the command line asks for: remote if ``endpoint`` is given (on the kind of ``server``
    named, :mod:`bolekg.store.servers`), else embedded."""
    from bolekg.store.embedded import EmbeddedStore
    from bolekg.store.remote import RemoteStore

    if endpoint:
        return RemoteStore(endpoint, graph_store=graph_store, update_endpoint=update_endpoint,
                           validator=validator, server=server)
    return EmbeddedStore(path, validator=validator)
