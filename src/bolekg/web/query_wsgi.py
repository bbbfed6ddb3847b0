"""The SPARQL query operation (SPARQL 1.1 Protocol §2.1) answered by plain WSGI, in front of Flask.

A machine client's query is the endpoint's hot path, and Flask's machinery around it — request and
app contexts, the before/after hooks every page needs (language, cookies, CSP), a Response object,
header bookkeeping — cost more than the query itself for a lookup (profiled with cProfile). This
adapter hands the request, read straight from the WSGI environ, to the one query path
(:func:`bolekg.query.protocol.respond`) — the same function the Flask view calls — and sends its
reply: an answer, or any error of the protocol, the policy or the store, with the same status, headers
and body as through the view. A GET asked again on the same data is replayed there before it is parsed.

What the function hands back — an HTML results page, the service description, an update — goes
to Flask untouched, before any query has run (a POST body read here is put back intact), and so
does what the request gate (:mod:`bolekg.web.http`) answers before any route: a query string that
is not even Latin-1, a body without a usable length (chunked: the gate reads it) or over the limit.
HEAD goes to Flask too, which answers it as GET without the body.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wsgi import get_host

from bolekg.query.admission import client_address
from bolekg.query.protocol import FORM, QUERY_MEDIA, QueryRequest, Reply, endpoint_iri, replayed, respond
from bolekg.query.service import QueryService

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


#: ``200 OK``, ``400 BAD REQUEST``: status lines as Werkzeug writes them for Flask's responses.
STATUS_LINES = {status: f"{status} {phrase.upper()}" for status, phrase in HTTP_STATUS_CODES.items()}


class QueryEndpoint:
    """WSGI middleware: answers the query operations on ``path`` that are not HTML pages."""

    def __init__(self, app: WSGIApp, queries: QueryService, path: str = "/sparql"):
        self.app = app
        self.queries = queries
        self.path = path

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        if environ.get("PATH_INFO") != self.path or method not in ("GET", "POST"):
            return self.app(environ, start_response)
        body_sent = environ.get("CONTENT_LENGTH", "") not in ("", "0") or "HTTP_TRANSFER_ENCODING" in environ
        if method == "GET" and not body_sent:  # the hot path: a repeated lookup, replayed before anything else
            try:
                kept = replayed(self.queries, environ.get("QUERY_STRING", "").encode("latin-1"),
                                environ.get("HTTP_ACCEPT"))
            except UnicodeEncodeError:
                kept = None
            if kept is not None:
                start_response("200 OK", list(kept.headers))
                return [kept.body]
        request = self._request(environ, method, body_sent)
        if request is None:
            return self.app(environ, start_response)
        outcome = respond(request, self.queries)
        if not isinstance(outcome, Reply):
            return self.app(environ, start_response)  # a page, the service description, an update
        start_response(STATUS_LINES[outcome.status], list(outcome.headers))
        return [outcome.body]

    def _request(self, environ: dict[str, Any], method: str, body_sent: bool) -> QueryRequest | None:
        """The request as the protocol reads it; ``None`` to let Flask (its request gate) have it."""
        try:
            query_string = environ.get("QUERY_STRING", "").encode("latin-1")  # the bytes sent (PEP 3333)
        except UnicodeEncodeError:
            return None
        accept = environ.get("HTTP_ACCEPT")
        client = client_address(environ, self.queries.limits.forwarded_for)
        base = _endpoint(environ)
        if method == "GET":
            return QueryRequest(method, query_string, accept, None, b"", client, base, body_sent)
        content_type = environ.get("CONTENT_TYPE", "")
        if content_type.partition(";")[0].strip().lower() not in (FORM, QUERY_MEDIA):
            return None  # an update, or a media type the view refuses (415)
        body = self._body(environ)
        if body is None:
            return None
        return QueryRequest(method, query_string, accept, content_type, body, client, base, body_sent)

    def _body(self, environ: dict[str, Any]) -> bytes | None:
        """Read the POST body and put it back for Flask; ``None`` when its size is missing or over the limit."""
        try:
            length = int(environ.get("CONTENT_LENGTH") or "")
        except ValueError:
            return None
        if length < 0 or length > self.queries.limits.max_body_bytes:
            return None
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        return body


def _endpoint(environ: dict[str, Any]) -> str:
    """The endpoint's IRI from the environ: the host by Werkzeug's ``get_host``, as Flask's ``request.host``
    has it for the view, so both fronts resolve against the same IRI."""
    return endpoint_iri(environ.get("wsgi.url_scheme", "http"), get_host(environ),
                        environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""))
