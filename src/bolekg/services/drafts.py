"""Drafts awaiting curation, kept as files: one ``<report-id>.ttl`` per report in the drafts directory
(``BOLEKG_DRAFTS_DIR``, default ``drafts/`` in the project directory), as ``bolekg extract -o`` writes it.

Drafts are never put in the store: unreviewed machine output is not published. Curation
(:mod:`bolekg.services.curation`) moves each fact it accepts into the report's graph and then removes it
from the file, so the draft shrinks to what is left to decide. Every rewrite is atomic (a file written
beside it, then renamed over it), so a crash leaves the old draft or the new one, never half of one.
"""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path

from rdflib import Graph

from bolekg.paths import ROOT
from bolekg.report.reports import REPORT_ID, check_report_id
from bolekg.report.vocab import BK, RDF, REPORT, bind_prefixes
from bolekg.settings import Settings


class DraftError(ValueError):
    """A file that is not a draft of one report, or a report with no draft."""


def drafts_directory(settings: Settings | None = None) -> Path:
    """``BOLEKG_DRAFTS_DIR``, or ``drafts/`` in the project directory."""
    configured = (settings or Settings.from_env()).drafts_dir
    return Path(configured).resolve() if configured else ROOT / "drafts"


def report_id_of_draft(graph: Graph) -> str:
    """The ID of the one ``bk:Report`` a draft holds (``report:<id>``), checked; a draft has drafted facts
    (``bk:confidence``), which a curated graph never carries."""
    reports = [str(node) for node in graph.subjects(RDF.type, BK.Report) if str(node).startswith(str(REPORT))]
    if len(reports) != 1:
        raise DraftError(f"a draft holds exactly one bk:Report under {REPORT}; this holds {len(reports)}")
    report_id = reports[0][len(str(REPORT)):]
    if not REPORT_ID.match(report_id):
        raise DraftError(f"the report IRI {reports[0]} does not end in a report ID")
    if next(graph.subjects(BK.confidence, None), None) is None:
        raise DraftError("no drafted fact (bk:confidence): this is not a draft of bolekg extract")
    return report_id


class Drafts:
    """The drafts directory: read, add and rewrite one report's draft. One writer at a time per report
    in this process (:meth:`lock`): curation holds it from reading the draft to rewriting it."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def lock(self, report_id: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(check_report_id(report_id), threading.Lock())

    def path(self, report_id: str) -> Path:
        return self.directory / f"{check_report_id(report_id)}.ttl"

    def ids(self) -> list[str]:
        """The reports with a draft, sorted."""
        if not self.directory.is_dir():
            return []
        return sorted(p.stem for p in self.directory.glob("*.ttl") if REPORT_ID.match(p.stem))

    def exists(self, report_id: str) -> bool:
        return self.path(report_id).is_file()

    def read(self, report_id: str) -> Graph:
        path = self.path(report_id)
        if not path.is_file():
            raise DraftError(f"no draft of report {report_id!r} in {self.directory}")
        graph = Graph()
        graph.parse(path, format="turtle")
        bind_prefixes(graph)
        return graph

    def write(self, report_id: str, graph: Graph) -> None:
        """Replace the draft atomically: Turtle written to a file beside it, flushed, renamed over it."""
        path = self.path(report_id)
        self.directory.mkdir(parents=True, exist_ok=True)
        data = graph.serialize(format="turtle", encoding="utf-8")
        handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=f".{report_id}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def add(self, source: Path, replace: bool = False) -> str:
        """Put the draft ``source`` (``bolekg extract -o`` output) in the directory as ``<report-id>.ttl``;
        returns the report ID. An existing draft of that report is kept unless ``replace``."""
        if not source.is_file():
            raise DraftError(f"{source}: no such file")
        graph = Graph()
        try:
            graph.parse(source, format="turtle")
        except Exception as error:  # rdflib raises several kinds for a file that is not Turtle
            raise DraftError(f"{source}: not Turtle: {error}") from error
        report_id = report_id_of_draft(graph)
        with self.lock(report_id):
            if self.exists(report_id) and not replace:
                raise DraftError(f"a draft of {report_id!r} is already in {self.directory} (replace it with --replace)")
            bind_prefixes(graph)
            self.write(report_id, graph)
        return report_id
