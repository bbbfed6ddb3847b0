"""What every request handler needs: the store, the data's base, the write token, and a dump cache."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from flask import current_app, request

from bolekg.admission import Admission
from bolekg.catalog import Site
from bolekg.isolation import Answer, Job
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
    #: Who may start a public query now (per client, and the line for the workers); from ``limits``.
    admission: Admission | None = None

    def __post_init__(self) -> None:
        if self.admission is None:
            self.admission = Admission.for_store(self.limits, self.store)

    def run_query(self, job: Job, client: str) -> Answer:
        """A public query from ``client`` (its address): admitted by :mod:`bolekg.admission` — else
        :class:`~bolekg.errors.TooManyRequests` or :class:`~bolekg.errors.QueueFull`, at once — then
        run by the store under the time limit. Both query paths (the plain-WSGI front and the view) call this."""
        assert self.admission is not None
        return self.admission.run(client, lambda: self.store.run_query(job, self.limits.timeout))

    @property
    def writable(self) -> bool:
        return bool(self.write_token)

    def site(self) -> Site:
        return Site(root=request.host_url, base=self.base, writable=self.writable)


def state() -> State:
    return current_app.extensions["bolekg"]  # type: ignore[no-any-return]
