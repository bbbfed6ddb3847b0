"""The about page: what BoleKG is, its source, its method, its licences and how to cite it.

Why every figure here is computed, not written: an about page that says "218 of 218 numbers accounted
for" in prose goes stale the day someone encodes one more sentence. The report's title, place, period
and report date, the counts of observations, milestones and status statements, and the licence of the
data are read from the store; the numeric audit is run on the graph the store holds now (against the
source text and the ledger in ``data/audit/``), once per version of the data (the page is kept with
``State.kept``); the code's licence is the installed package's own metadata; the citation's title,
version and date come from ``CITATION.cff``, the one file that says how to cite the project.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import re
from dataclasses import dataclass, field
from pathlib import Path

from bolekg import __version__
from bolekg.pages.common import Context, Link
from bolekg.pages.timeline import day_text
from bolekg.paths import ROOT, SOURCE_FILE
from bolekg.report.vocab import PERIOD
from bolekg.services.lookup import iri_term, text
from bolekg.store import GraphStore

CITATION_FILE = ROOT / "CITATION.cff"
#: The name the project's authors go by, in CITATION.cff and on the page.
AUTHORS = "The BoleKG contributors"

REPORT_QUERY = """SELECT ?title ?temporal ?spatial ?publisher ?issued ?note WHERE {
  %s <http://purl.org/dc/terms/title> ?title .
  OPTIONAL { %s <http://purl.org/dc/terms/temporal> ?temporal }
  OPTIONAL { %s <http://purl.org/dc/terms/spatial> ?spatial }
  OPTIONAL { %s <http://purl.org/dc/terms/publisher> ?publisher }
  OPTIONAL { %s <http://purl.org/dc/terms/issued> ?issued }
  OPTIONAL { %s bk:editorialNote ?note }
}"""

REPORT_DATE_QUERY = """SELECT ?date ?note WHERE {
  %s time:hasEnd ?end .
  ?end time:inXSDDate ?date .
  OPTIONAL { %s bk:editorialNote ?note }
}"""

COUNTS_QUERY = """SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE {
  VALUES ?class { bk:Observation bk:Milestone bk:StatusStatement bk:Quote }
  ?s a ?class .
} GROUP BY ?class"""

LICENCE_QUERY = """SELECT DISTINCT ?licence WHERE {
  ?dataset a qb:DataSet ; <http://purl.org/dc/terms/license> ?licence .
}"""


@dataclass
class Audit:
    mentions: int
    encoded: int
    period: int
    skipped: int
    unaccounted: int
    ok: bool

    @property
    def accounted(self) -> int:
        return self.mentions - self.unaccounted


@dataclass
class Citation:
    title: str
    version: str
    date_released: str
    text: str
    bibtex: str


@dataclass
class About:
    report: Link
    titles: dict[str, str]
    title_notes: list[str]
    period: Link | None
    place: Link | None
    publisher: str
    issued: str
    report_date: str  # ISO 8601
    report_date_text: str  # in the page's language
    report_date_notes: list[str]
    source_path: str
    source_characters: int
    counts: dict[str, int]
    audit: Audit
    data_licences: list[str]
    code_licence: str
    version: str
    citation: Citation
    links: list[tuple[str, str]] = field(default_factory=list)


def _lang_of(term: object) -> str:
    return getattr(term, "language", None) or ""


def _day(iso: str, lang: str) -> str:
    try:
        return day_text(dt.date.fromisoformat(iso), lang)
    except ValueError:
        return iso


def run_audit(store: GraphStore) -> Audit:
    """The numeric audit of what the store holds now (``bolekg audit`` runs it on the files)."""
    from bolekg.report.audit import audit, counts
    from bolekg.report.quads import union_rdflib

    result = audit(graph=union_rdflib(store.snapshot()))
    total = counts(result)["total"]
    return Audit(total["mentions"], total["encoded"], total["period"], total["skipped"], total["unaccounted"],
                 result.ok)


def citation_fields(path: Path = CITATION_FILE) -> dict[str, str]:
    """The top-level scalar fields of ``CITATION.cff`` (``title: "…"``, ``version: 0.1.0`` …): enough to
    write the citation from the file without a YAML parser among the runtime dependencies. The test
    reads the same file with a YAML parser and checks the page agrees."""
    found: dict[str, str] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return found
    for line in lines:
        match = re.match(r"^([a-z][a-z-]*):\s+(.+?)\s*$", line)
        if match:
            value = match.group(2)
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                value = value[1:-1]
            found[match.group(1)] = value
    return found


def citation(base: str) -> Citation:
    fields = citation_fields()
    title = fields.get("title", "BoleKG")
    version = fields.get("version", __version__)
    released = fields.get("date-released", "")
    year = released[:4]
    url = base.rstrip("/") + "/"
    cite = f"{AUTHORS}. {title}. Version {version}" + (f", {year}" if year else "") + f". {url}"
    key = "bolekg" + (year or "")
    bibtex = "\n".join([
        f"@misc{{{key},",
        f"  author       = {{{{{AUTHORS}}}}},",
        f"  title        = {{{title}}},",
        f"  version      = {{{version}}},",
        *([f"  year         = {{{year}}},"] if year else []),
        f"  url          = {{{url}}},",
        "  note         = {Data CC BY 4.0; code Apache-2.0}",
        "}",
    ])
    return Citation(title, version, released, cite, bibtex)


def build(context: Context, store: GraphStore, report_iri: str, audited: Audit | None = None) -> About:
    """The page's data; ``audited`` is the audit of the store's data when the caller keeps one (it is
    the same in both languages), otherwise it is run here."""
    report = iri_term(report_iri)
    report_link = context.link(report_iri)  # asked for before resolve(), so that its name is fetched
    titles: dict[str, str] = {}
    title_notes: list[str] = []
    period = place = None
    publisher = issued = ""
    for row in context.rows(REPORT_QUERY % ((report,) * 6), "the report: title, period, place, publisher, date"):
        titles.setdefault(_lang_of(row["title"]) or "zh", text(row["title"]))
        period = period or context.maybe(row.get("temporal"))
        place = place or context.maybe(row.get("spatial"))
        publisher = publisher or text(row.get("publisher"))
        issued = issued or text(row.get("issued"))
        note = row.get("note")
        if note is not None and _lang_of(note) == context.lang and text(note) not in title_notes:
            title_notes.append(text(note))
    to_report = iri_term(str(PERIOD["to-report"]))
    report_date, date_notes = "", []
    for row in context.rows(REPORT_DATE_QUERY % (to_report, to_report), "the report date"):
        report_date = report_date or text(row["date"])[:10]
        note = row.get("note")
        if note is not None and text(note) not in date_notes:
            date_notes.append(text(note))
    counts = {text(r["class"]).rsplit("/", 1)[-1]: int(text(r["n"]))
              for r in context.rows(COUNTS_QUERY, "how many observations, milestones, statements and quotes")}
    licences = sorted({text(r["licence"]) for r in context.rows(LICENCE_QUERY, "the data's licence")})
    try:
        metadata = importlib.metadata.metadata("bolekg")
        code_licence = metadata["License-Expression"] or metadata["License"] or ""
    except importlib.metadata.PackageNotFoundError:  # run from a checkout without installing
        code_licence = ""
    try:
        characters = len(SOURCE_FILE.read_text(encoding="utf-8"))
    except OSError:
        characters = 0
    try:
        source_path = str(SOURCE_FILE.relative_to(ROOT))
    except ValueError:
        source_path = SOURCE_FILE.name
    context.resolve()
    return About(
        report=report_link, titles=titles, title_notes=title_notes, period=period, place=place,
        publisher=publisher, issued=issued, report_date=report_date,
        report_date_text=_day(report_date, context.lang), report_date_notes=date_notes,
        source_path=source_path, source_characters=characters, counts=counts, audit=audited or run_audit(store),
        data_licences=licences, code_licence=code_licence, version=__version__, citation=citation(context.base),
    )
