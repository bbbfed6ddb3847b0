"""The home page: the reports the server holds, then the project's own report at a glance — programmes
and items, counts, headline indicators."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from bolekg.pages.common import Context, Link
from bolekg.report.vocab import BK, ORG, REPORT_GRAPH
from bolekg.services.lookup import text
from bolekg.services.reports import ReportEntry, reader_path

PROGRAMMES_QUERY = """SELECT ?programme ?pn ?item ?in WHERE {
  GRAPH <%s> { ?programme a bk:Programme }
  OPTIONAL { ?programme skos:notation ?pn }
  OPTIONAL { ?item a bk:Item ; bk:programme ?programme . OPTIONAL { ?item skos:notation ?in } }
}"""

COUNTS_QUERY = """SELECT
  (COUNT(DISTINCT ?item) AS ?items) (COUNT(DISTINCT ?org) AS ?organisations) (COUNT(DISTINCT ?place) AS ?places)
  (COUNT(DISTINCT ?project) AS ?projects) (COUNT(DISTINCT ?obs) AS ?figures) (COUNT(DISTINCT ?quote) AS ?quotes)
WHERE {
  { ?item a bk:Item } UNION
  { ?org a/rdfs:subClassOf* org:Organization } UNION
  { ?place a/rdfs:subClassOf* bk:Place } UNION
  { ?project a ?pt . VALUES ?pt { bk:Project bk:Activity } } UNION
  { ?obs a bk:Observation } UNION
  { ?quote a bk:Quote }
}"""


@dataclass
class Programme:
    link: Link
    notation: str
    items: list[tuple[str, Link]]


@dataclass
class ReportRow:
    """One report of the list: its page, place and period, how many figures, where to go next."""

    link: Link
    id: str
    title: str
    place: Link | None
    period: Link | None
    figures: int
    figures_href: str
    dashboard_href: str
    reader_href: str
    dump_href: str


@dataclass
class Home:
    report: Link
    programmes: list[Programme]
    counts: list[tuple[str, int, str]]
    reports: list[ReportRow] = field(default_factory=list)


def _notation_key(value: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in value.split("."))


def _browse(cls: str) -> str:
    """The browse page of a class (the IRI as it is, but ``#``, which would end the URL's query)."""
    return "/browse?class=" + cls.replace("#", "%23")


def report_rows(context: Context, reports: list[ReportEntry]) -> list[ReportRow]:
    """The list of reports (:func:`bolekg.services.reports.list_reports`), each linked to its figures
    (browse's report facet), its dashboard, its text and its dumps."""
    rows = []
    for entry in reports:
        figures = "/browse?" + urlencode({"class": str(BK.Observation), "report": entry.iri})
        rows.append(ReportRow(context.link(entry.iri), entry.id, entry.title(context.lang),
                              context.maybe(entry.place), context.maybe(entry.period), entry.observations,
                              figures, "/dashboard?" + urlencode({"report": entry.id}), reader_path(entry.id),
                              f"/dumps/report/{entry.id}.ttl"))
    return rows


def build(context: Context, report_iri: str, reports: list[ReportEntry] | None = None,
          graph: str = str(REPORT_GRAPH)) -> Home:
    """The home page of the report ``report_iri`` whose graph is ``graph``, after the list of ``reports``."""
    programmes: dict[str, Programme] = {}
    for row in context.rows(PROGRAMMES_QUERY % graph, "the programmes and their items"):
        iri = text(row["programme"])
        programme = programmes.setdefault(iri, Programme(context.link(iri), text(row.get("pn")), []))
        if "item" in row:
            entry = (text(row.get("in")), context.link(row["item"]))
            if entry not in programme.items:
                programme.items.append(entry)
    for programme in programmes.values():
        programme.items.sort(key=lambda e: (_notation_key(e[0]), e[1].iri))
    found = context.rows(COUNTS_QUERY, "counts")[0]
    counts = [
        ("count.items", int(text(found["items"])), _browse(BK.Item)),
        ("count.organisations", int(text(found["organisations"])), _browse(ORG.Organization)),
        ("count.places", int(text(found["places"])), _browse(BK.Place)),
        ("count.projects", int(text(found["projects"])), _browse(BK.Project)),
        ("count.figures", int(text(found["figures"])), _browse(BK.Observation)),
        ("count.quotes", int(text(found["quotes"])), "/reader"),
    ]
    return Home(context.link(report_iri),
                sorted(programmes.values(), key=lambda p: (_notation_key(p.notation), p.link.iri)), counts,
                report_rows(context, reports or []))
