"""Export for other systems: whole-dataset dumps, the VoID/DCAT description, every figure as CSV with
its CSV on the Web metadata and Frictionless Data Package (``bolekg.services.csvw``).

Dumps live at stable URLs (``/dumps/bolekg.ttl`` …) so that a VoID ``void:dataDump`` (VoID §5.3)
and a DCAT ``dcat:downloadURL`` can point at them for good. They are built once per version of the
store and served with a strong ETag and Last-Modified, so mirrors re-download only what changed.

A dump is written to a file in a private temporary directory and sent from there, never held in
memory: a dump is about as large as the store's own data, and five formats kept as ``bytes``
would outgrow the store itself (bench/run.py measures the server's memory after dumps). The files
are kept in the app's versioned cache (``State.dumps``, a
:class:`~bolekg.query.cache.VersionedCache`), which deletes a file when its entry goes: those of an
older version as soon as a request sees the new one.

Under ``bolekg serve`` that directory lies in the server's own temporary directory
(:func:`bolekg.web.serving.scratch_directory`), which ``bolekg serve`` removes when it stops: Granian's
worker, where the dumps are made, is killed or leaves without running exit hooks. An app without
that server (tests) removes its directory when its state goes or the process exits.

Every dump is sent as a download (``Content-Disposition: attachment``, RFC 6266) under a name that
says what it is (``bolekg.ttl``, ``bolekg-observations.csv``), not the name of its cache file.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import uuid
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from flask import Blueprint, Response, render_template, request, send_file

from bolekg.formats import CSV, DOCUMENT_FORMATS, HTML, SERIALISATION_PREFIXES
from bolekg.services.catalog import CSV_FILE, DUMP_FILES, REPORT_DUMP_FORMATS, void_graph
from bolekg.services.csvw import DATAPACKAGE_NAME, METADATA_MEDIA_TYPE, METADATA_NAME, csvw_metadata, data_package
from bolekg.services.reports import dump_report, list_reports, report_selection
from bolekg.services.tables import observations_excel
from bolekg.services.tidy import observations_csv
from bolekg.web.http import choose, conditional, rdflib_body, text_error
from bolekg.web.serving import scratch_directory
from bolekg.web.state import State, state
from bolekg.web.views import page

bp = Blueprint("export", __name__)

#: The site-wide CSV for Excel: the same table after a UTF-8 byte order mark (``bolekg.services.tables``).
EXCEL_CSV_FILE = CSV_FILE.removesuffix(".csv") + ".excel.csv"


def _directory(current: State) -> Path:
    """The state's dump directory, made on first use; removed with the state, or at exit."""
    with current.lock:
        if current.dump_directory is None:
            directory = Path(tempfile.mkdtemp(prefix="bolekg-dumps-", dir=scratch_directory()))
            weakref.finalize(current, shutil.rmtree, directory, ignore_errors=True)
            current.dump_directory = directory
        return current.dump_directory


def _cached(name: str, build: Callable[[BinaryIO], object]) -> tuple[Path, str]:
    """The file for ``name`` at the store's current version, built at most once per version (a
    request that asks while it is being built waits for it). ``build`` writes the body into the open
    file it is given."""
    current = state()
    version = current.store.version().etag
    entry = current.dumps.get_or_build(version, name, lambda: _built(current, version, name, build))
    if not entry[0].exists():  # removed under us (the directory cleared by hand): build it again
        current.dumps.discard(name)
        entry = current.dumps.get_or_build(version, name, lambda: _built(current, version, name, build))
    return entry


def _built(current: State, version: str, name: str, build: Callable[[BinaryIO], object]) -> tuple[Path, str]:
    directory = _directory(current)
    final = directory / f"{version}-{name}"
    partial = directory / f".{uuid.uuid4().hex}.part"
    try:
        # the pass reads every triple: run apart, so the server keeps neither the store pages it
        # copies nor the buffers it frees (bolekg.store.forked)
        digest = current.store.apart(lambda: _write(partial, build))
        partial.replace(final)
    finally:
        partial.unlink(missing_ok=True)
    # a file built while a write changed the data is never kept (its version is gone), so nothing
    # would delete it: files of versions other than this one and the cache's go now
    current_files = (f"{version}-", f"{current.dumps.version}-")
    for path in directory.iterdir():
        if not path.name.startswith((".", *current_files)):
            path.unlink(missing_ok=True)
    return final, digest


def _write(path: Path, build: Callable[[BinaryIO], object]) -> str:
    """Write the body into ``path``; its digest (for the ETag)."""
    digest = hashlib.sha256()
    with path.open("wb") as out:
        build(out)
    with path.open("rb") as written:
        for chunk in iter(lambda: written.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()[:32]


def _download_name(name: str) -> str:
    """The name a dump is saved under: its URL's, prefixed with ``bolekg-`` where that does not say it."""
    return name if name.startswith("bolekg") else f"bolekg-{name}"


def _file_response(path: Path, etag: str, content_type: str, name: str) -> Response:
    # Werkzeug writes the Content-Disposition (RFC 6266: quoting, and filename* for names that are
    # not ASCII) from as_attachment and download_name; without download_name it would name the
    # cache file, and say "inline"
    response = send_file(path, mimetype=content_type.split(";")[0], as_attachment=True,
                         download_name=_download_name(name), conditional=False, etag=False, max_age=None)
    response.headers["Content-Type"] = content_type
    response.set_etag(etag)
    response.last_modified = state().store.version().last_modified
    response.make_conditional(request)  # in place (it returns the same response)
    return response


@bp.route("/dumps/<name>")
def dump(name: str) -> Response:
    current = state()
    if name == CSV_FILE:
        path, etag = _cached(name, lambda out: out.write(observations_csv(current.store)))
        response = _file_response(path, etag, CSV.content_type, name)
        # CSVW tabular-data-model §5.2: the metadata that describes this CSV, found by the Link header
        response.headers["Link"] = f'<{METADATA_NAME}>; rel="describedby"; type="{METADATA_MEDIA_TYPE}"'
        return response
    if name == EXCEL_CSV_FILE:
        path, etag = _cached(name, lambda out: out.write(observations_excel(current.store)))
        return _file_response(path, etag, CSV.content_type, name)
    if name in (METADATA_NAME, DATAPACKAGE_NAME):
        return _description(name)
    fmt = DUMP_FILES.get(name)
    if fmt is None:
        known = ", ".join([*DUMP_FILES, CSV_FILE, EXCEL_CSV_FILE, METADATA_NAME, DATAPACKAGE_NAME])
        return text_error(404, f"No dump called {name!r}; there are: {known}")
    path, etag = _cached(name, lambda out: current.store.dump(fmt, out))
    return _file_response(path, etag, fmt.content_type, name)


@bp.route("/dumps/report/<name>")
def report_dump(name: str) -> Response:
    """One report's graph (``<id>.ttl`` … in every format of the whole dump; the dataset formats keep
    its graph name) or its figures (``<id>.csv``, the whole CSV's columns, with its CSVW metadata
    ``<id>.csv-metadata.json``)."""
    current = state()
    report_id, _, kind = name.partition(".")
    known = {entry.id for entry in current.kept("reports", lambda: list_reports(current.store))}
    if report_id not in known:
        return text_error(404, f"No report {report_id!r}; there are: {', '.join(sorted(known)) or 'none'}")
    if kind == "csv":
        selection = report_selection(report_id)
        path, etag = _cached(f"report-{name}", lambda out: out.write(observations_csv(current.store, selection)))
        response = _file_response(path, etag, CSV.content_type, f"bolekg-{report_id}-observations.csv")
        response.headers["Link"] = f'<{name}-metadata.json>; rel="describedby"; type="{METADATA_MEDIA_TYPE}"'
        return response
    if kind == "csv-metadata.json":
        body = csvw_metadata(current.statistics().licences, f"{report_id}.csv", report_id)
        response = Response(json.dumps(body, ensure_ascii=False, indent=2).encode("utf-8"),
                            content_type=f"{METADATA_MEDIA_TYPE}; charset=utf-8")
        return conditional(response, current.store.version().last_modified, negotiated=False)
    fmt = REPORT_DUMP_FORMATS.get(kind)
    if fmt is None:
        offered = ", ".join(f"{report_id}.{ext}" for ext in [*REPORT_DUMP_FORMATS, "csv", "csv-metadata.json"])
        return text_error(404, f"No dump called {name!r}; report {report_id} has: {offered}")
    path, etag = _cached(f"report-{name}", lambda out: dump_report(current.store, report_id, fmt, out))
    return _file_response(path, etag, fmt.content_type, f"bolekg-{name}")


def _description(name: str) -> Response:
    """The CSV's CSVW metadata or its Frictionless Data Package: small JSON built from the column list
    (``bolekg.services.csvw``), not cached files; they name the data's licences, so they change with
    the store's version like the CSV."""
    current = state()
    licences = current.statistics().licences
    if name == METADATA_NAME:
        body, content_type = csvw_metadata(licences), f"{METADATA_MEDIA_TYPE}; charset=utf-8"
    else:
        body, content_type = data_package(licences), "application/json; charset=utf-8"
    response = Response(json.dumps(body, ensure_ascii=False, indent=2).encode("utf-8"), content_type=content_type)
    return conditional(response, current.store.version().last_modified, negotiated=False)


@bp.route("/.well-known/void")
def void() -> Response | str:
    """VoID §7.2: the dataset description at the well-known location, content-negotiated."""
    current = state()
    fmt = choose((*DOCUMENT_FORMATS, HTML))
    if isinstance(fmt, Response):
        return fmt
    site = current.site()
    graph = void_graph(current.store, site, current.statistics())
    if fmt is HTML:
        for prefix, namespace in SERIALISATION_PREFIXES.items():
            graph.bind(prefix, namespace, override=False)
        view = page(graph, str(site.url(".well-known/void#dataset")), current.base)
        formats = [(f.key, f"/.well-known/void?format={f.key}") for f in DOCUMENT_FORMATS]
        body = render_template("resource.html", view=view, formats=formats, writable=current.writable)
        response = Response(body.encode("utf-8"), content_type=HTML.content_type)
    else:
        response = Response(rdflib_body(graph, fmt), content_type=fmt.content_type)
    return conditional(response, current.store.version().last_modified)
