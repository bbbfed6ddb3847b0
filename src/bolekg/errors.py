"""Errors shared by the query workers, the store and the web layer, sorted by what the client is told.

They live in their own module so that the query workers (:mod:`bolekg.isolation`), which import
nothing heavy, and the store (:mod:`bolekg.store`) raise the same classes. The web layer maps them
to status codes in one place (:func:`bolekg.web.http.store_failure`):

* :class:`Unavailable` and its subclasses → 503 with ``Retry-After`` (RFC 9110 §15.6.4): the
  request may succeed later — the remote server is down, the query ran out of time or memory, every
  query worker is busy;
* any other :class:`StoreError` → 502: the backend answered something we cannot use.
"""

from __future__ import annotations


class SparqlSyntaxError(ValueError):
    """The query or update does not parse; the message is the parser's own (400)."""


class StoreError(RuntimeError):
    """The backend failed (unreachable server, unexpected answer): not the client's fault."""


class Unavailable(StoreError):
    """The backend cannot answer now; trying again later may work (503)."""


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
