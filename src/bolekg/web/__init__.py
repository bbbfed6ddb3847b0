"""The Flask app: SPARQL endpoint, dereferenceable IRIs, dumps, VoID, Graph Store, OpenAPI.

``create_app(config)`` takes the store to serve (``STORE``); without one it builds an in-memory
pyoxigraph store and loads the project's data through the SHACL gate. Writes are off unless a
token is configured (``WRITE_TOKEN``, default from ``BOLEKG_WRITE_TOKEN``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, g, request

from bolekg.paths import WEB_DIR
from bolekg.report.vocab import BASE
from bolekg.settings import Limits, Settings
from bolekg.web.state import State

#: Methods that read: every response to them is open to cross-origin scripts (CORS).
READ_METHODS = {"GET", "HEAD", "OPTIONS"}


def _cors(response: Response) -> Response:
    """CORS (Fetch standard §3.2) on reads, and on POST /sparql queries, never on writes.

    Preflights allow Content-Type and Accept but not Authorization, so a browser page on another
    origin cannot send the write token.

    Whether a POST is an update is what the view read (``g.sparql_kind``), or else what the URL and the
    media type say: the body is never read here (a hook that read a body over the limit made the 413 a 500).
    """
    from bolekg.query.protocol import CORS_READ_HEADERS, UPDATE_MEDIA

    is_query_post = request.method == "POST" and request.path == "/sparql" and "update" not in request.args \
        and request.mimetype != UPDATE_MEDIA and g.get("sparql_kind") != "update"
    if request.method in READ_METHODS or is_query_post:
        response.headers.update(CORS_READ_HEADERS)
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, POST, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = "Accept, Content-Type"
            response.headers["Access-Control-Max-Age"] = "86400"
    return response


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app. Config keys: ``STORE`` (a :class:`bolekg.store.GraphStore`), ``WRITE_TOKEN``,
    ``BASE`` (the data's base IRI), ``DRAFTS_DIR`` (curation's drafts; default ``BOLEKG_DRAFTS_DIR``),
    ``ALLOW_SERVICE`` (federated queries; off), ``LIMITS`` (a
    :class:`bolekg.settings.Limits`; default from the environment)."""
    app = Flask(
        __name__,
        template_folder=str(WEB_DIR / "templates"),
        static_folder=str(WEB_DIR / "static"),
        static_url_path="/static",
    )
    settings = Settings.from_env()
    app.config.update(
        STORE=None,
        WRITE_TOKEN=settings.write_token,
        BASE=BASE,
        ALLOW_SERVICE=False,
        JSON_SORT_KEYS=False,
        LIMITS=None,
        DRAFTS_DIR=None,
    )
    app.config.update(dict(config or {}))
    limits = app.config["LIMITS"] or Limits.from_settings(settings)
    if app.config["MAX_CONTENT_LENGTH"] is None:  # a request body longer than this is a 413
        app.config["MAX_CONTENT_LENGTH"] = limits.max_body_bytes
    store = app.config["STORE"]
    if store is None:
        from bolekg.report.dataset import read_graphs
        from bolekg.store import EmbeddedStore

        store = EmbeddedStore()
        store.load_graphs(read_graphs())
    from bolekg.query.service import QueryService

    # the public queries' service: admission, workers, limits, the answers kept (bolekg.query.service)
    queries = QueryService(store, limits, allow_service=bool(app.config["ALLOW_SERVICE"]))
    app.extensions["bolekg"] = State(queries=queries, base=app.config["BASE"], write_token=app.config["WRITE_TOKEN"])

    from bolekg.web import curate, dumps, openapi, pages, resources, sparql, store_api, tables

    for module in (sparql, resources, dumps, store_api, openapi, pages, tables, curate):
        app.register_blueprint(module.bp)
    app.after_request(_cors)
    from bolekg.web import assets
    from bolekg.web.http import install

    assets.install(app)  # fingerprinted static URLs, their caching, /favicon.ico
    install(app)  # security headers, 503/502 for backend failures, no stack traces to clients
    pages.install_error_pages(app)  # 404, 405 and 500 as pages for people who asked for HTML
    from bolekg.web.query_wsgi import QueryEndpoint

    # machine clients' queries skip Flask's per-request machinery (see bolekg.web.query_wsgi)
    app.wsgi_app = QueryEndpoint(app.wsgi_app, queries)  # type: ignore[method-assign]  # Flask's way to add middleware
    from bolekg.web.compression import Compress

    # gzip around everything, the plain-WSGI query answers and files included (bolekg.web.compression)
    app.wsgi_app = Compress(app.wsgi_app)  # type: ignore[method-assign]
    return app
