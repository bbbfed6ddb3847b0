"""What the public endpoint lets a query do, and the limits that keep it up.

The policy is lexical, on purpose (:mod:`bolekg.store.query_text`): the ``SERVICE`` and ``LOAD``
keywords make the server fetch URLs (SPARQL 1.1 Federated Query §3, SPARQL 1.1 Update §3.1.4) and
are refused unless allowed.

The limits (:class:`Limits`) are what keeps a public endpoint up: a time limit enforced by killing
the worker process that runs the query (:mod:`bolekg.query.isolation`), a row cap that is always announced,
and a size limit on the query text. Every default can be changed through the environment.
"""

from __future__ import annotations

from bolekg.settings import Limits
from bolekg.store.query_text import keywords


class PolicyViolation(ValueError):
    """The request is well-formed but asks for something this server does not do (400)."""


class QueryTooLarge(PolicyViolation):
    """The query text is longer than ``BOLEKG_MAX_QUERY_BYTES`` (413, RFC 9110 §15.5.14)."""


def check_size(text: str, limits: Limits) -> None:
    """Refuse a query or update text longer than the limit (counted in UTF-8 bytes)."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > limits.max_query_bytes:
        raise QueryTooLarge(f"the query is {size} bytes long; this endpoint accepts at most "
                            f"{limits.max_query_bytes} (BOLEKG_MAX_QUERY_BYTES)")




def check_query(query: str, allow_service: bool = False) -> None:
    """Refuse federated queries unless allowed: SERVICE makes this server an open HTTP client.

    An update sent where a query belongs (``query=INSERT …``) is refused here too, with a reason
    better than the parser's: updates go to the update operation, with the write token (SPARQL 1.1
    Protocol §2.2).
    """
    words = keywords(query)
    if not allow_service and "SERVICE" in words:
        raise PolicyViolation("SERVICE (federated query) is disabled on this endpoint: it would make the "
                              "server send requests to other hosts")
    if not words & _QUERY_FORMS and words & _UPDATE_FORMS:
        raise PolicyViolation("this is an update, not a query; updates are not accepted as queries "
                              "(send them with POST as 'update' or application/sparql-update, with the write token)")


_QUERY_FORMS = {"SELECT", "CONSTRUCT", "ASK", "DESCRIBE"}
_UPDATE_FORMS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD"}


def check_update(update: str) -> None:
    """Refuse LOAD (fetches any URL) and SERVICE inside updates; everything else is validated later."""
    words = keywords(update)
    for keyword in ("LOAD", "SERVICE"):
        if keyword in words:
            raise PolicyViolation(f"{keyword} is disabled in updates on this endpoint: it would make the server "
                                  "fetch a URL")
