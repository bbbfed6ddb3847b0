"""Several reports in one store: how a report's ID names its graph.

Each report lives in a named graph of its own, ``<BASE>graph/report/<id>``; the ontology is shared in
``<BASE>graph/ontology``. Places, organisations, periods, units and indicators are shared by
reference: a second report points at ``place:bole-city`` rather than copying it, so the gate (the
union of every graph against the shapes) refuses a change to one report that would strand another.
The first report's graph name was chosen this way from the start (:data:`~bolekg.report.vocab.REPORT_GRAPH`),
so no IRI changes.
"""

from __future__ import annotations

import re

from bolekg.report.vocab import BASE, ONTOLOGY_GRAPH

#: Every report's graph starts with this; nothing else does.
REPORT_GRAPH_PREFIX = BASE + "graph/report/"
#: A report's ID: lower-case ASCII words joined by '-' (``bole-2021-h1``, ``jinghe-2021-h1``).
REPORT_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def check_report_id(report_id: str) -> str:
    """``report_id`` unchanged, or a ValueError that says what an ID looks like."""
    if not REPORT_ID.match(report_id):
        raise ValueError(f"report ID {report_id!r}: use lower-case ASCII words joined by '-' "
                         "(e.g. jinghe-2021-h1)")
    return report_id


def report_graph_iri(report_id: str) -> str:
    """The named graph holding the report ``report_id`` (its facts and its text)."""
    return REPORT_GRAPH_PREFIX + check_report_id(report_id)


def report_id_of(graph: str | None) -> str | None:
    """The report ID a graph name holds, or ``None`` for any other graph."""
    if graph is None or not graph.startswith(REPORT_GRAPH_PREFIX):
        return None
    rest = graph[len(REPORT_GRAPH_PREFIX):]
    return rest if REPORT_ID.match(rest) else None


def is_published_graph(graph: str | None) -> bool:
    """The ontology or any report's graph: what HTTP writes may not change (:mod:`bolekg.store.write_policy`)."""
    return graph == str(ONTOLOGY_GRAPH) or (graph is not None and graph.startswith(REPORT_GRAPH_PREFIX))
