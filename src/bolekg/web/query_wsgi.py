"""The SPARQL query operation (SPARQL 1.1 Protocol §2.1) answered by plain WSGI, in front of Flask.

A machine client's query is the endpoint's hot path, and Flask's machinery around it — request and
app contexts, the before/after hooks every page needs (language, cookies, CSP), a Response object,
header bookkeeping — cost more than the query itself: about 0.45 ms against 0.05 ms for a lookup
(profiled with cProfile). This handler answers the common case directly from the WSGI environ:

* ``GET /sparql?query=…``, ``POST`` form-encoded with ``query=``, ``POST application/sparql-query``;
* whose negotiated format (``format=`` or Accept) is a results or RDF format, not an HTML page.

It uses the same pieces as the Flask view (:mod:`bolekg.web.sparql`): the parameters read from the
raw bytes (:func:`~bolekg.web.sparql.form_fields`: text that is not UTF-8, a form field too long), the
operation, the policy checks, the memoised negotiation, the job for the query workers and the same
headers. Everything else — the HTML results page, the service description, updates, HEAD (which the
view answers as GET), a body over the limit (the request gate's 413), any request that breaks the
protocol or the policy (whose error the view words) — is passed to Flask untouched, before any query
has run. A POST body read here is handed on intact.

A GET asked again on the same data gets the reply it got before, headers and body, looked up by its
query string and Accept header — all of the request its reply depends on (the reply varies on
Accept only: RFC 9111 §4.1) — before any of it is parsed. This is the store's answer cache
(:mod:`bolekg.answers`) one step earlier: parsing the query string, checking the policy and building
the job cost about 20 µs a request, and with 16 clients the threads queueing for the interpreter
behind that work held the lookup at half the requests a second of ``oxigraph serve``; replayed, it
serves more than ``oxigraph serve`` (bench/results). Only where the store keeps answers (it sees
every change of its data), with the same version rule: a write empties both.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from bolekg.admission import client_address
from bolekg.answers import AnswerCache, VersionedCache
from bolekg.errors import SparqlSyntaxError, StoreError
from bolekg.sparql import HTML, Format, PolicyViolation, QueryTooLarge, check_query, check_size
from bolekg.web.http import (
    COMMON_HEADERS,
    CORS_READ_HEADERS,
    ROW_LIMIT_HEADER,
    TRUNCATED_HEADER,
    negotiated,
    not_acceptable,
    store_failure,
    text_error,
)
from bolekg.web.state import State

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

FORM = "application/x-www-form-urlencoded"
QUERY_MEDIA = "application/sparql-query"
#: The replies kept get this share of the answer cache's memory; their bodies are mostly the very
#: ``bytes`` objects the answer cache holds, so what they add is little more than the requests.
REPLY_SHARE = 4

#: What a GET's reply depends on besides the data: its query string and Accept header.
RequestKey = tuple[str, str | None]


@dataclass(frozen=True, slots=True)
class Reply:
    """A 200 response to a GET query, replayed for the same request while the data stays the same."""

    #: A tuple, and a fresh list for each replay: a server may add to the list it is given.
    headers: tuple[tuple[str, str], ...]
    body: bytes
    #: The body and the request key, in bytes, for the cache's bound.
    weight: int


class QueryEndpoint:
    """WSGI middleware: answers query operations on ``path`` whose answer is not an HTML page."""

    def __init__(self, app: WSGIApp, state: State, path: str = "/sparql"):
        self.app = app
        self.state = state
        self.path = path
        self._negotiated: dict[tuple[str | None, str | None], dict[str, Any]] = {}
        self._replies: VersionedCache[RequestKey, Reply] | None = None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != self.path or environ.get("REQUEST_METHOD") not in ("GET", "POST"):
            return self.app(environ, start_response)
        replies = self._current_replies() if environ["REQUEST_METHOD"] == "GET" else None
        keep = None
        if replies is not None:
            key = (environ.get("QUERY_STRING", ""), environ.get("HTTP_ACCEPT"))
            kept = replies.get(key)
            if kept is not None:
                start_response("200 OK", list(kept.headers))
                return [kept.body]
            version = replies.version
            keep = lambda reply: replies.put(version, key, reply)  # noqa: E731
        parsed = self._params(environ)
        if parsed is None:
            return self.app(environ, start_response)
        return self._answer(environ, start_response, *parsed, keep=keep)

    def _current_replies(self) -> VersionedCache[RequestKey, Reply] | None:
        """The replies kept for the store's current data, or ``None`` where the store keeps no answers."""
        answers = self.state.store.answers
        if answers is None:
            return None
        replies = self._replies
        if replies is None:
            replies = self._replies = _reply_cache(answers)
        replies.follow(answers.version)
        return replies

    def _params(self, environ: dict[str, Any]) -> tuple[str, dict[str, list[str]], str | None] | None:
        """The query text, the parameters that carry its dataset, and ``format=``, read where §2.1
        places them (the URL for GET and ``application/sparql-query``, the body for a form); or
        ``None`` to let Flask answer: not a plain query, or an error its view words."""
        from bolekg.web.sparql import ProtocolError, body_text, form_fields, requested_format

        try:
            raw = environ.get("QUERY_STRING", "").encode("latin-1")
            raw.decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return None  # the request gate answers
        body: dict[str, list[str]] = {}
        try:
            args = form_fields(raw, "in the URL")
            if environ["REQUEST_METHOD"] == "GET":
                operation, texts = args, args.get("query", [])
            else:
                mimetype = environ.get("CONTENT_TYPE", "").partition(";")[0].strip().lower()
                if mimetype not in (FORM, QUERY_MEDIA):
                    return None
                data = self._body(environ)
                if data is None:
                    return None
                if mimetype == QUERY_MEDIA:
                    operation, texts = args, [body_text(data)]
                else:
                    operation = body = form_fields(data, "in the body")
                    texts = operation.get("query", [])
        except ProtocolError:
            return None  # the view words it
        if len(texts) != 1 or "update" in operation:
            return None
        return texts[0], operation, requested_format(args, body)

    def _body(self, environ: dict[str, Any]) -> bytes | None:
        """Read the POST body and put it back for Flask; ``None`` when its size is missing or over the limit."""
        try:
            length = int(environ.get("CONTENT_LENGTH") or "")
        except ValueError:
            return None
        if length < 0 or length > self.state.limits.max_body_bytes:
            return None
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        return body  # type: ignore[no-any-return]

    def _choices(self, accept: str | None, requested: str | None) -> dict[str, Any]:
        """Per kind of result, the negotiated format (``None``: not acceptable; a message: ``format=``
        names no format offered for it), remembered per (Accept, ``format=``): clients send few distinct headers."""
        from bolekg.web.sparql import OFFERS

        key = (accept, requested)
        found = self._negotiated.get(key)
        if found is None:
            found = {kind: negotiated((*offers, HTML), accept, requested) for kind, offers in OFFERS.items()}
            if len(self._negotiated) >= 512:  # a client inventing headers only misses
                self._negotiated.clear()
            self._negotiated[key] = found
        return found

    def _answer(self, environ: dict[str, Any], start_response: Callable[..., Any], text: str,
                params: dict[str, list[str]], requested: str | None,
                keep: Callable[[Reply], None] | None = None) -> Iterable[bytes]:
        from bolekg.web.sparql import OFFERS, Operation, query_job

        choices = self._choices(environ.get("HTTP_ACCEPT"), requested)
        if any(choice is HTML for choice in choices.values()):
            return self.app(environ, start_response)  # a page: the view's work
        limits = self.state.limits
        try:
            check_size(text, limits)
            check_query(text, allow_service=self.state.allow_service)
        except (QueryTooLarge, PolicyViolation):
            return self.app(environ, start_response)
        operation = Operation("query", text, params.get("default-graph-uri", []), params.get("named-graph-uri", []))
        media = {kind: choice.media_type if isinstance(choice, Format) else None for kind, choice in choices.items()}
        try:
            answer = self.state.run_query(query_job(operation, limits, media),
                                          client_address(environ, limits.forwarded_for))
        except SparqlSyntaxError as error:
            return _finish(text_error(400, str(error)), environ, start_response)
        except ValueError as error:
            return _finish(text_error(400, f"bad request: {error}"), environ, start_response)
        except StoreError as error:
            return _finish(store_failure(error), environ, start_response)
        chosen = choices[answer.kind]
        if chosen is None:  # e.g. a CONSTRUCT for a client that accepts only results formats
            return _finish(not_acceptable((*OFFERS[answer.kind], HTML)), environ, start_response)
        if isinstance(chosen, str):  # format= names nothing offered for this kind of result
            return _finish(text_error(400, chosen), environ, start_response)
        headers = [("Content-Type", chosen.content_type),
                   ("Content-Length", str(len(answer.body))), ("Vary", "Accept"),
                   *COMMON_HEADERS.items(), *CORS_READ_HEADERS]
        if answer.truncated:
            headers += [(TRUNCATED_HEADER, "true"), (ROW_LIMIT_HEADER, str(limits.max_rows))]
        if keep is not None:
            keep(Reply(tuple(headers), answer.body, len(answer.body) + len(environ.get("QUERY_STRING", ""))))
        start_response("200 OK", headers)
        return [answer.body]


def _reply_cache(answers: AnswerCache) -> VersionedCache[RequestKey, Reply]:
    return VersionedCache(answers.version, answers.total_bytes // REPLY_SHARE, answers.entry_bytes,
                          key=_as_is, size=_weight)


def _as_is(key: RequestKey) -> RequestKey:
    return key


def _weight(reply: Reply) -> int:
    return reply.weight


def _finish(response: Any, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """An error response with the headers every response of the app carries."""
    for name, value in (*COMMON_HEADERS.items(), *CORS_READ_HEADERS):
        response.headers.setdefault(name, value)
    return response(environ, start_response)  # type: ignore[no-any-return]
