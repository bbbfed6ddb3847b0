"""Errors shared by the query workers, the store and the web layer, sorted by what the client is told.

They live in their own module so that the query workers (:mod:`bolekg.query.isolation`), which import
nothing heavy, and the store (:mod:`bolekg.store`) raise the same classes. The web layer maps them
to status codes in one place (:func:`bolekg.web.http.store_failure`):

* :class:`Unavailable` and its subclasses → 503 with ``Retry-After`` (RFC 9110 §15.6.4): the
  request may succeed later — the remote server is down, the query ran out of time or memory, every
  query worker is busy;
* :class:`TooManyRequests` → 429 with ``Retry-After`` (RFC 6585 §4): this client already has its
  share of the endpoint (:mod:`bolekg.query.admission`);
* any other :class:`StoreError` → 502: the backend answered something we cannot use.
"""

from __future__ import annotations


class SparqlSyntaxError(ValueError):
    """The query or update does not parse; the message is the parser's own (400)."""


class StoreError(RuntimeError):
    """The backend failed (unreachable server, unexpected answer): not the client's fault."""


class Unavailable(StoreError):
    """The backend cannot answer now; trying again later may work (503).

    ``retry_after``: whole seconds for the ``Retry-After`` header, or ``None`` for the default."""

    retry_after: int | None = None


class QueueFull(Unavailable):
    """Every query worker is busy and the line for them is full (``BOLEKG_QUERY_QUEUE``): answered
    at once (503), instead of holding a request thread until the time limit."""

    def __init__(self, queue: int, retry_after: int):
        super().__init__(f"The server is busy: every query worker is busy and {queue} queries are already "
                         f"waiting for one (BOLEKG_QUERY_QUEUE). Try again in {retry_after} s.")
        self.retry_after = retry_after


class TooManyRequests(StoreError):
    """This client has as many public queries running or waiting as it may (``BOLEKG_CLIENT_QUERIES``),
    or has used its query time for the current window (``BOLEKG_CLIENT_QUERY_SECONDS``) (429)."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class QueryTimeout(Unavailable):
    """The query was stopped because it ran longer than the limit (``BOLEKG_QUERY_TIMEOUT``)."""

    def __init__(self, seconds: float, waiting: bool = False):
        if waiting:
            message = (f"The server is busy: the query waited for a free query worker and could not finish "
                       f"within {seconds:g} s (BOLEKG_QUERY_TIMEOUT). Try again in a moment.")
        else:
            message = (f"The query was stopped after {seconds:g} s, the time limit of this endpoint "
                       "(BOLEKG_QUERY_TIMEOUT). Narrow it down: bind more variables, add a LIMIT, or avoid "
                       "cartesian products.")
        super().__init__(message)
        self.seconds = seconds


class QueryAborted(Unavailable):
    """The process running the query died (it ran out of its memory allowance, or crashed)."""
