"""Static files: fingerprinted URLs with a year of caching, short caching without, and the favicon.

Every ``url_for('static', filename=…)`` gets ``?v=`` and the first 12 hex digits of the file's SHA-256
(:func:`fingerprint`, through Flask's ``url_defaults``), so a page names the exact bytes it was made
with. A request that names the current fingerprint is answered ``Cache-Control: public,
max-age=31536000, immutable`` (RFC 9111 §5.2.2.1; ``immutable``, RFC 8246): a changed file has a new
URL, so nothing has to be revalidated. A request without ``v`` (an old bookmark, a hand-written link) or
with a stale one is served the file as it is now with :data:`SHORT` caching, never as immutable. A
query string rather than a name such as ``bolekg.<hash>.css`` because Flask's static route then
serves the file with no renaming, in development and in production alike.

``/favicon.ico`` (the place browsers look by default, HTML 5 §4.6.7.8) answers with the ICO drawn from
``favicon.svg``, which the pages link as their icon.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from typing import Any

from flask import Flask, Response, request, send_from_directory

#: Cache-Control of a file asked for by its current fingerprint.
IMMUTABLE = "public, max-age=31536000, immutable"
#: Cache-Control of a file asked for without it (or with an old one): ten minutes, then revalidate (ETag).
SHORT = "public, max-age=600"
#: Cache-Control of /favicon.ico: its URL never changes, but browsers keep icons apart and a stale icon
#: harms nobody; 30 days.
ICON = "public, max-age=2592000"

_fingerprints: dict[str, tuple[tuple[int, int], str]] = {}
_lock = threading.Lock()


def fingerprint(path: Path | str) -> str:
    """The first 12 hex digits of the SHA-256 of the file's bytes; read again only when its size or
    modification time changed (kept per path, at most one entry per static file)."""
    found = os.stat(path)
    stamp = (found.st_size, found.st_mtime_ns)
    key = str(path)
    with _lock:
        kept = _fingerprints.get(key)
    if kept is not None and kept[0] == stamp:
        return kept[1]
    digest = hashlib.sha256()
    with open(path, "rb") as source:
        for chunk in iter(lambda: source.read(1 << 16), b""):
            digest.update(chunk)
    value = digest.hexdigest()[:12]
    with _lock:
        _fingerprints[key] = (stamp, value)
    return value


def _static_path(app: Flask, filename: str) -> Path | None:
    folder = app.static_folder
    if folder is None:
        return None
    path = (Path(folder) / filename).resolve()
    if not path.is_relative_to(Path(folder).resolve()) or not path.is_file():
        return None
    return path


def install(app: Flask) -> None:
    """Fingerprints in ``url_for('static', …)``, the static files' caching, and ``/favicon.ico``."""

    @app.url_defaults
    def _fingerprinted(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and "filename" in values and "v" not in values:
            path = _static_path(app, values["filename"])
            if path is not None:
                values["v"] = fingerprint(path)

    @app.after_request
    def _cache(response: Response) -> Response:
        if request.endpoint == "static" and response.status_code in (200, 206, 304):
            path = _static_path(app, (request.view_args or {}).get("filename", ""))
            current = path is not None and request.args.get("v") == fingerprint(path)
            response.headers["Cache-Control"] = IMMUTABLE if current else SHORT
        return response

    @app.route("/favicon.ico")
    def favicon() -> Response:
        response = send_from_directory(app.static_folder or "", "favicon.ico", mimetype="image/vnd.microsoft.icon")
        response.headers["Cache-Control"] = ICON
        return response
