"""The reports a store holds, found in the data: what the home page lists, the browse facet offers,
the dumps, the CSV and VoID split by, and ``bolekg load --report`` checks against.

A report is a ``bk:Report`` in a report graph (``graph/report/<id>``, :mod:`bolekg.report.reports`);
its ID is the graph's, not read from its IRI (the benchmark's generated reports name theirs
``report:<id>-…``). Nothing here knows how many reports there are or which came first: every
figure is asked of the store by SPARQL, so a report loaded or dropped shows at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox

from bolekg.formats import SERIALISATION_PREFIXES, Format
from bolekg.report.reports import REPORT_GRAPH_PREFIX, check_report_id, report_graph_iri, report_id_of
from bolekg.report.vocab import BK, RDF, REPORT, REPORT_GRAPH, sparql_prefixes
from bolekg.store import GraphStore

#: Every report graph with its report, title, label, place and period (labels in zh and en).
REPORTS_QUERY = sparql_prefixes("bk", "dct", "rdfs", "time") + f"""
SELECT ?g ?report ?key ?lang ?value WHERE {{
  GRAPH ?g {{ ?report a bk:Report }}
  FILTER(STRSTARTS(STR(?g), "{REPORT_GRAPH_PREFIX}"))
  {{ ?report dct:title ?value . BIND("title" AS ?key) }}
  UNION {{ ?report rdfs:label ?value . BIND("label" AS ?key) }}
  UNION {{ ?report dct:spatial ?value . BIND("place" AS ?key) }}
  UNION {{ ?report dct:temporal ?value . BIND("period" AS ?key) }}
  UNION {{ ?report dct:spatial ?p . ?p rdfs:label ?value . BIND("place-name" AS ?key) }}
  UNION {{ ?report dct:temporal ?t . ?t rdfs:label ?value . BIND("period-name" AS ?key) }}
  UNION {{ ?report dct:temporal ?t . ?t time:hasBeginning/time:inXSDDate ?value . BIND("begins" AS ?key) }}
  BIND(LANG(?value) AS ?lang)
}}"""

#: Observations and triples per report graph.
COUNTS_QUERY = sparql_prefixes("bk") + f"""
SELECT ?g (COUNT(DISTINCT ?o) AS ?observations) WHERE {{
  GRAPH ?g {{ ?o a bk:Observation }}
  FILTER(STRSTARTS(STR(?g), "{REPORT_GRAPH_PREFIX}"))
}} GROUP BY ?g"""


@dataclass
class ReportEntry:
    """One report as the store holds it. Names are ``{lang: text}`` (``zh``, ``en``; either may be missing)."""

    id: str
    iri: str
    graph: str
    titles: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    place: str | None = None
    place_names: dict[str, str] = field(default_factory=dict)
    period: str | None = None
    period_names: dict[str, str] = field(default_factory=dict)
    begins: str = ""
    observations: int = 0
    triples: int = 0

    def title(self, lang: str) -> str:
        """The title in ``lang``, else its label, else any title, else the ID."""
        for names in (self.titles, self.labels):
            if lang in names:
                return names[lang]
        return next(iter((*self.titles.values(), *self.labels.values())), self.id)

    def place_name(self, lang: str) -> str:
        return self.place_names.get(lang) or next(iter(self.place_names.values()), self.place or "")

    def period_name(self, lang: str) -> str:
        return self.period_names.get(lang) or next(iter(self.period_names.values()), self.period or "")


def _lang(tag: str) -> str:
    return tag.split("-")[0].lower()


def list_reports(store: GraphStore) -> list[ReportEntry]:
    """Every report in ``store`` — a ``bk:Report`` in a report graph — ordered by place, then by the
    start of its period (a county's reports in time order), then by ID. Two queries and the per-graph
    triple counts, whatever the number of reports."""
    found: dict[str, ReportEntry] = {}
    for row in store.query(REPORTS_QUERY).solutions():
        graph = row["g"].value
        report_id = report_id_of(graph)
        if report_id is None:
            continue
        entry = found.setdefault(graph, ReportEntry(report_id, row["report"].value, graph))
        if entry.iri != row["report"].value:  # two bk:Report in one graph: keep the one named by the ID
            if row["report"].value.endswith("/" + report_id):
                entry.iri = row["report"].value
            continue
        key, value = row["key"].value, row["value"]
        lang = _lang(row["lang"].value) if row["lang"] is not None and row["lang"].value else ""
        if key == "title":
            entry.titles.setdefault(lang, value.value)
        elif key == "label":
            entry.labels.setdefault(lang, value.value)
        elif key == "place":
            entry.place = min(filter(None, (entry.place, value.value)))
        elif key == "period":
            entry.period = min(filter(None, (entry.period, value.value)))
        elif key == "place-name":
            entry.place_names.setdefault(lang, value.value)
        elif key == "period-name":
            entry.period_names.setdefault(lang, value.value)
        elif key == "begins":
            entry.begins = min(filter(None, (entry.begins, value.value)))
    if not found:
        return []
    for row in store.query(COUNTS_QUERY).solutions():
        if row["g"].value in found:
            found[row["g"].value].observations = int(row["observations"].value)
    counts = store.graph_counts()
    for entry in found.values():
        entry.triples = counts.get(entry.graph, 0)
    return sorted(found.values(), key=lambda e: (e.place_name("zh"), e.begins, e.period or "", e.id))


def report_ids(store: GraphStore) -> list[str]:
    """The IDs of :func:`list_reports`, in its order."""
    return [entry.id for entry in list_reports(store)]


def find_report(store: GraphStore, report_id: str) -> ReportEntry | None:
    """The report ``report_id`` if the store holds it."""
    return next((entry for entry in list_reports(store) if entry.id == report_id), None)


#: The report the site opens with (its reader at ``/reader``, its programmes on the home page): the
#: project's own, the one it was built for.
DEFAULT_REPORT: str = report_id_of(str(REPORT_GRAPH)) or ""


def reader_path(report_id: str | None, anchor: str = "", marks: str = "") -> str:
    """Where report ``report_id``'s text is read (``/reader``, with ``?report=`` for any but
    :data:`DEFAULT_REPORT`), with ``marks`` (the highlights) and ``anchor`` (``q-…``, ``s-…``)."""
    params = [f"report={report_id}"] if report_id and report_id != DEFAULT_REPORT else []
    if marks:
        params.append(f"marks={marks}")
    return "/reader" + ("?" + "&".join(params) if params else "") + (f"#{anchor}" if anchor else "")


#: The report graph each of some resources is stated in (``VALUES ?s``).
GRAPHS_OF_QUERY = f"""SELECT ?s ?g WHERE {{
  VALUES ?s {{ %s }}
  GRAPH ?g {{ ?s a ?type }}
  FILTER(STRSTARTS(STR(?g), "{REPORT_GRAPH_PREFIX}"))
}}"""


def reports_of(store: GraphStore, iris: Iterable[str]) -> dict[str, str]:
    """IRI → the ID of the report whose graph types it (a quote, a sentence, a figure), for those that
    have one; one query for all."""
    wanted = " ".join(f"<{iri}>" for iri in sorted(set(iris)) if "<" not in iri and ">" not in iri)
    if not wanted:
        return {}
    found: dict[str, str] = {}
    for row in store.query(GRAPHS_OF_QUERY % wanted).solutions():
        report_id = report_id_of(row["g"].value)
        if report_id is not None:
            found.setdefault(row["s"].value, report_id)
    return found


def report_selection(report_id: str) -> str:
    """A graph pattern binding ``?observation`` to the figures of one report (the selection the tidy
    table, browse and the dashboard take)."""
    return f"GRAPH <{report_graph_iri(report_id)}> {{ ?observation a <https://w3id.org/bolekg/def/Observation> }}"


def report_store(triples: Iterable[ox.Triple], graph: str) -> ox.Store:
    """An in-memory store holding ``triples`` in the named graph ``graph`` (what a report's dump is
    written from)."""
    store = ox.Store()
    name = ox.NamedNode(graph)
    store.extend(ox.Quad(t.subject, t.predicate, t.object, name) for t in triples)
    return store


def dump_report(store: GraphStore, report_id: str, fmt: Format, output: BinaryIO) -> bool:
    """Report ``report_id``'s graph written to ``output`` in ``fmt``: the dataset formats keep its graph
    name, the others hold its triples. ``False`` (nothing written) if the store has no such graph."""
    if fmt.rdf is None:
        raise ValueError(f"{fmt.key} is not an RDF format")
    graph = report_graph_iri(report_id)
    triples = store.graph_triples(graph)
    if triples is None:
        return False
    source = report_store(triples, graph)
    if fmt.rdf.supports_datasets:
        prefixes = SERIALISATION_PREFIXES if fmt.rdf is ox.RdfFormat.TRIG else None
        source.dump(output, format=fmt.rdf, prefixes=prefixes)
    elif fmt.rdf in (ox.RdfFormat.TURTLE, ox.RdfFormat.N3):
        ox.serialize(triples, output, format=fmt.rdf, prefixes=SERIALISATION_PREFIXES)
    else:
        ox.serialize(triples, output, format=fmt.rdf)
    return True


#: Where a report's IRI lives (``report:<id>``).
REPORT_BASE = str(REPORT)
#: What ``bolekg load --report`` reads, by file extension.
REPORT_FILE_FORMATS: dict[str, ox.RdfFormat] = {
    ".ttl": ox.RdfFormat.TURTLE, ".trig": ox.RdfFormat.TRIG,
    ".nq": ox.RdfFormat.N_QUADS, ".nt": ox.RdfFormat.N_TRIPLES,
}


class ReportFileError(ValueError):
    """A report's file cannot be loaded as that report: its format, its graphs or its report resource."""


def read_report_file(path: Path, report_id: str) -> list[ox.Triple]:
    """The triples of one file of report ``report_id``: Turtle or N-Triples as they are, TriG or
    N-Quads only from the default graph or the report's own graph (a file that writes into another
    graph would change what the load does not name). Blank nodes are made unique per file."""
    fmt = REPORT_FILE_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ReportFileError(f"{path}: unknown extension {path.suffix!r}; give Turtle (.ttl), TriG (.trig), "
                              "N-Quads (.nq) or N-Triples (.nt)")
    graph = ox.NamedNode(report_graph_iri(report_id))
    triples: list[ox.Triple] = []
    strays: set[str] = set()
    try:
        for quad in ox.parse(path=path, format=fmt, base_iri=path.resolve().as_uri(), rename_blank_nodes=True):
            if quad.graph_name not in (graph, ox.DefaultGraph()):
                strays.add(str(quad.graph_name))
                continue
            triples.append(quad.triple)
    except SyntaxError as error:
        raise ReportFileError(f"{path}: {error}") from error
    if strays:
        raise ReportFileError(f"{path} writes into graphs other than report {report_id}'s <{graph.value}>: "
                              f"{', '.join(sorted(strays))}; a report's file holds only its own graph "
                              "or the default graph")
    return triples


def check_report_resource(triples: Iterable[ox.Triple], report_id: str) -> None:
    """Refuse (:class:`ReportFileError`) triples without ``report:<id> a bk:Report``: a report graph
    must say which report it is, or nothing lists it."""
    wanted = ox.NamedNode(REPORT_BASE + check_report_id(report_id))
    kind, report = ox.NamedNode(str(RDF.type)), ox.NamedNode(str(BK.Report))
    found = {t.subject.value for t in triples
             if t.predicate == kind and t.object == report and isinstance(t.subject, ox.NamedNode)}
    if wanted.value not in found:
        others = f" (it declares {', '.join(f'<{iri}>' for iri in sorted(found))})" if found else ""
        raise ReportFileError(f"the data does not say <{wanted.value}> a bk:Report{others}: a report's graph "
                              f"must describe its report under the IRI its ID gives")
