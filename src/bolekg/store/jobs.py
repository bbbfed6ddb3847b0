"""A query as a job and its answer as bytes: the unit a query worker runs, and a store runs in-process.

A job carries everything the worker needs to answer without asking back (the text, the dataset, the
media type for each kind of result, the row cap), and an answer is already serialised, so both cross
a process boundary as one pickle each.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from bolekg.errors import SparqlSyntaxError
from bolekg.store.results import render, result_kind


@dataclass(frozen=True)
class Job:
    """One query for a worker: the text, its dataset, and what to write for each kind of result."""

    query: str
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    #: Use the union of all graphs as the default graph (when neither the request nor the query names one).
    union: bool = True
    #: Result kind ("solutions", "boolean", "graph") → media type to write it in; ``None``: not acceptable.
    media: dict[str, str | None] = field(default_factory=dict)
    max_rows: int | None = None
    #: The IRI relative IRIs in the query resolve against (SPARQL 1.1 Query §4.1.1; a ``BASE`` in the
    #: text wins): the endpoint's own IRI (SPARQL 1.1 Protocol §2.1.4). Empty: none.
    base_iri: str = ""


@dataclass(frozen=True)
class Answer:
    """What a query produced, serialised: ``media_type`` is ``None`` when its kind was not acceptable."""

    kind: str
    media_type: str | None
    body: bytes
    truncated: bool = False


def execute(store: ox.Store, job: Job) -> Answer:
    """Run ``job`` on ``store`` and serialise the result (in a worker, or in-process)."""
    options: dict[str, Any] = {"base_iri": job.base_iri or None}
    if job.default_graphs or job.named_graphs:
        options["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs]
        options["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    elif job.union:
        options["use_default_graph_as_union"] = True
    try:
        value = store.query(job.query, **options)
    except SyntaxError as error:
        raise SparqlSyntaxError(str(error)) from error
    return answer(value, job, again=lambda: store.query(job.query, **options))


def answer(value: Any, job: Job, again: Callable[[], Any] | None = None) -> Answer:
    """Serialise a pyoxigraph result for ``job`` (the remote backend's results come this way too);
    ``again`` re-evaluates the query, for :func:`bolekg.store.results.render`'s fast path."""
    kind = result_kind(value)
    media = job.media.get(kind)
    if media is None:
        return Answer(kind, None, b"")
    body, truncated = render(value, media, job.max_rows, again)
    return Answer(kind, media, body, truncated)
