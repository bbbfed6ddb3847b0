"""What every request handler needs: the store, the data's base, the write token, and a dump cache."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from flask import current_app, request

from bolekg.catalog import Site
from bolekg.sparql import Limits
from bolekg.store import GraphStore


@dataclass
class State:
    store: GraphStore
    base: str
    write_token: str | None
    allow_service: bool = False
    #: Time limit, row cap and size limits of the public endpoint.
    limits: Limits = field(default_factory=Limits)
    #: (version etag, name) → (body, body etag): dumps are rebuilt only when the data changed.
    cache: dict[tuple[str, str], tuple[bytes, str]] = field(default_factory=dict)
    cache_lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def writable(self) -> bool:
        return bool(self.write_token)

    def site(self) -> Site:
        return Site(root=request.host_url, base=self.base, writable=self.writable)


def state() -> State:
    return current_app.extensions["bolekg"]  # type: ignore[no-any-return]
