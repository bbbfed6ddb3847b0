"""The quality page's data: the current SHACL result of what the store holds, and the shapes.

Validation runs on the store's present content (ontology + data as one rdflib graph, as the load
gate does) once per version of the store: a page view costs nothing after the first, and a write
that changes the data is reflected on the next view.

That first view used to pay for the validation itself — pySHACL over the whole graph, 3.5 s here and
7.2 s on a loaded server, plus a second to copy the store into rdflib — although the load had just
validated the same data. Now the store keeps its gate's verdict with the version it judged
(``GraphStore.validated``), and the page takes it when the versions match; where the store has none
(a store opened from disk, a remote one not reloaded), ``bolekg serve`` validates when the server
starts (:func:`bolekg.web.pages.warm_up`). Either way no reader waits for it.
:data:`builds` counts the validations by who asked, for the log and the tests.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from dataclasses import dataclass

from bolekg.pages.ontology import ShapeDoc, shapes
from bolekg.report.quads import union_rdflib
from bolekg.report.validate import Finding, shapes_graph, validate
from bolekg.store import GraphStore

log = logging.getLogger("bolekg.web")

#: Builds of this page's data in this process, by who paid for the validation: ``"start-up"`` or
#: ``"request"`` (a validation run for the page), ``"load"`` (the store's gate's verdict, reused).
builds: collections.Counter[str] = collections.Counter()
_builds_lock = threading.Lock()


@dataclass
class Quality:
    conforms: bool
    findings: list[Finding]
    violations: int
    triples: int
    shapes: list[ShapeDoc]
    #: Who paid for the validation: ``"load"`` (the store's gate, at load or the last write),
    #: ``"start-up"`` (the server's warm-up) or ``"request"`` (a page view).
    built_by: str = "request"
    #: How long the validation took, in seconds.
    seconds: float = 0.0


def build(store: GraphStore, built_by: str = "request") -> Quality:
    """The page's data. When the store's own gate judged the very data it holds now under the project's
    shapes (``GraphStore.validated``: at load, and at every write), its verdict is the page's — no
    second validation; otherwise the validation runs here (paid by ``built_by``)."""
    kept = store.validated
    if kept is not None and kept.version == store.version().etag:
        with _builds_lock:
            builds["load"] += 1
        outcome = kept.outcome
        return Quality(outcome.conforms, list(outcome.findings), len(outcome.violations()), kept.triples,
                       shapes(shapes_graph()), "load", kept.seconds)
    began = time.perf_counter()
    with _builds_lock:
        builds[built_by] += 1
    graph = union_rdflib(store.snapshot())
    shape_graph = shapes_graph()
    outcome = validate(graph)
    violations = len(outcome.violations())
    seconds = time.perf_counter() - began
    log.info("quality: validated %d triples in %.1f s (%s)", len(graph), seconds, built_by)
    return Quality(outcome.conforms, list(outcome.findings), violations, len(graph), shapes(shape_graph),
                   built_by, seconds)
