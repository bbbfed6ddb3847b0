"""Export for other systems: whole-dataset dumps, the VoID/DCAT description, every figure as CSV.

Dumps live at stable URLs (``/dumps/bolekg.ttl`` …) so that a VoID ``void:dataDump`` (VoID §5.3)
and a DCAT ``dcat:downloadURL`` can point at them for good. They are built once per version of the
store and served with a strong ETag and Last-Modified, so mirrors re-download only what changed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from flask import Blueprint, Response, render_template, request

from bolekg.catalog import CSV_FILE, DUMP_FILES, void_graph
from bolekg.sparql import CSV, DOCUMENT_FORMATS, HTML, SERIALISATION_PREFIXES
from bolekg.store import StoreError
from bolekg.tidy import observations_csv
from bolekg.web.http import choose, conditional, rdflib_body, text_error
from bolekg.web.state import state
from bolekg.web.views import page

bp = Blueprint("export", __name__)


def _cached(name: str, build: Callable[[], bytes]) -> tuple[bytes, str]:
    """The body for ``name`` at the store's current version, built at most once per version."""
    current = state()
    version = current.store.version().etag
    key = (version, name)
    with current.cache_lock:
        hit = current.cache.get(key)
    if hit is not None:
        return hit
    body = build()
    entry = (body, hashlib.sha256(body).hexdigest()[:32])
    with current.cache_lock:
        for stale in [k for k in current.cache if k[0] != version]:
            del current.cache[stale]
        current.cache[key] = entry
    return entry


def _file_response(body: bytes, etag: str, content_type: str) -> Response:
    response = Response(body, content_type=content_type)
    response.set_etag(etag)
    response.last_modified = state().store.version().last_modified
    return response.make_conditional(request)


@bp.route("/dumps/<name>")
def dump(name: str) -> Response:
    current = state()
    try:
        if name == CSV_FILE:
            body, etag = _cached(name, lambda: observations_csv(current.store))
            return _file_response(body, etag, CSV.content_type)
        fmt = DUMP_FILES.get(name)
        if fmt is None:
            return text_error(404, f"No dump called {name!r}; there are: {', '.join([*DUMP_FILES, CSV_FILE])}")
        body, etag = _cached(name, lambda: current.store.dump(fmt))
    except StoreError as error:
        return text_error(502, str(error))
    return _file_response(body, etag, fmt.content_type)


@bp.route("/.well-known/void")
def void() -> Response | str:
    """VoID §7.2: the dataset description at the well-known location, content-negotiated."""
    current = state()
    fmt = choose((*DOCUMENT_FORMATS, HTML))
    if isinstance(fmt, Response):
        return fmt
    site = current.site()
    try:
        graph = void_graph(current.store, site)
    except StoreError as error:
        return text_error(502, str(error))
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
