"""What a write through the HTTP endpoint may change: never the published report.

The published graphs — the ontology and every report's graph (its facts and its text,
``graph/report/<id>``, :mod:`bolekg.report.reports`) — come from reviewed files through ``bolekg load``
/ ``bolekg serve``, or from curation, which names the one report it writes (``allowed``). Over the
SPARQL and Graph Store endpoints they are read-only. A token holder writes to any *other* graph —
the default graph, or named graphs of annotations, corrections, a user's own notes — and may
create, replace, clear and drop those; the union of everything must still conform to the shapes (:mod:`bolekg.store`).

Why read-only rather than "writes must keep conformance": an empty dataset conforms, and so does
one that lost a whole item with all its figures, so no shape can tell a legitimate edit of the
report from its erosion (issue 13: ``DROP ALL`` answered 204 and emptied the store). The rule is
checked on the change itself, after it was applied to a private copy and before anything is
committed, so it holds for every form of write alike: ``DROP ALL``, ``CLEAR ALL``, ``DELETE WHERE``
over ``GRAPH ?g``, ``MOVE``/``COPY``/``ADD`` onto a report graph, and Graph Store Protocol
PUT/POST/DELETE (SPARQL 1.1 Graph Store HTTP Protocol §5). A refused write changes nothing and
answers 403 with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from bolekg.report.quads import GraphName, TripleSet
from bolekg.report.reports import is_published_graph


class WriteForbidden(Exception):
    """The write would change a read-only graph; nothing was changed (403)."""

    def __init__(self, graphs: Iterable[str]):
        self.graphs = sorted(graphs)
        names = ", ".join(f"<{g}>" for g in self.graphs)
        super().__init__(
            f"Refused: this write would change {names}, the published report, which is read-only over HTTP; "
            "nothing was changed. Write to a graph of your own instead (for example "
            "INSERT DATA { GRAPH <https://example.org/my-notes> { … } }); DROP ALL, CLEAR ALL and "
            "DROP/CLEAR NAMED reach the report's graphs too, so name your graphs one by one.")


def changed_graphs(before: Mapping[GraphName, TripleSet], after: Mapping[GraphName, TripleSet],
                   allowed: Iterable[str] = ()) -> set[str]:
    """The published graphs, other than ``allowed``, whose content differs between ``before`` and
    ``after`` (created, dropped, emptied, or any triple added or removed)."""
    exempt = set(allowed)
    names = {name for name in (*before, *after) if is_published_graph(name) and name not in exempt}
    return {name for name in names if name is not None and before.get(name) != after.get(name)}


def check_write(before: Mapping[GraphName, TripleSet], after: Mapping[GraphName, TripleSet],
                allowed: Iterable[str] = ()) -> None:
    """Raise :class:`WriteForbidden` if the change from ``before`` to ``after`` touches a published
    graph other than ``allowed``."""
    touched = changed_graphs(before, after, allowed)
    if touched:
        raise WriteForbidden(touched)
