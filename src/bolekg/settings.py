"""Reading numeric settings (``BOLEKG_*``) from the environment: the one pair of helpers every setting
read goes through, so that each is parsed, defaulted and refused the same way.

A setting left unset or blank takes its default; a value that is not a number, or out of range, is an
error that stops the command or the server, never a silent default. This module imports nothing
heavy: the query workers (:mod:`bolekg.query.isolation`) read their settings with it too.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

#: Query worker processes (``BOLEKG_QUERY_WORKERS``).
DEFAULT_WORKERS = 4
#: MB a query worker may grow beyond its size at start (``BOLEKG_QUERY_MEMORY_MB``).
DEFAULT_MEMORY_MB = 1024
#: MB of their own memory the forked workers may hold together (``BOLEKG_WORKERS_PRIVATE_MB``).
DEFAULT_PRIVATE_MB = 512


def positive_setting(env: Mapping[str, str], name: str, default: float, kind: type) -> float:
    """A positive number from the environment; a bad value stops the server instead of being ignored."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError as error:
        raise ValueError(f"{name} must be a number, not {raw!r}") from error
    if value <= 0:
        raise ValueError(f"{name} must be positive, not {raw!r}")
    return value


def non_negative_setting(env: Mapping[str, str], name: str, default: T, kind: type = int) -> T:
    """A number ≥ 0 from the environment (0 is meaningful: none may wait, a rule turned off); a bad
    value stops the server instead of being ignored."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError as error:
        raise ValueError(f"{name} must be {'a whole number' if kind is int else 'a number'}, not {raw!r}") from error
    if value < 0:
        raise ValueError(f"{name} must be 0 or more, not {raw!r}")
    return value


@dataclass(frozen=True)
class Limits:
    """What one query on the public endpoint may cost. Defaults, and the variables that change them:

    * ``timeout`` — ``BOLEKG_QUERY_TIMEOUT``, seconds (default 10): the query is stopped, its worker
      killed, and the client gets 503;
    * ``max_rows`` — ``BOLEKG_MAX_ROWS`` (default 10 000): solutions (or triples) beyond it are cut,
      and the response says so (``X-BoleKG-Truncated``);
    * ``max_query_bytes`` — ``BOLEKG_MAX_QUERY_BYTES`` (default 100 000): a longer query or update is
      refused with 413;
    * ``max_body_bytes`` — ``BOLEKG_MAX_BODY_BYTES`` (default 32 MiB): any longer request body (a Graph
      Store upload) is refused with 413 before it is read;
    * ``html_max_rows`` — ``BOLEKG_HTML_MAX_ROWS`` (default 1 000): the HTML results page shows at most
      this many rows (or triples), says how many there were and links to the whole answer;
    * ``client_queries`` — ``BOLEKG_CLIENT_QUERIES`` (default 2): public queries one client (remote
      address) may have running or waiting at once; one more is refused with 429 at once;
    * ``query_queue`` — ``BOLEKG_QUERY_QUEUE`` (default ``None``: as many as there are query workers):
      public queries that may wait for a busy worker; one more is refused with 503 at once;
    * ``client_query_seconds`` — ``BOLEKG_CLIENT_QUERY_SECONDS`` (default 60): seconds of query time one
      client may use per 60 s (:data:`bolekg.query.admission.WINDOW`); past it, 429 until the window frees up;
    * ``forwarded_for`` — ``BOLEKG_FORWARDED_FOR`` (default 0): how many proxies in front append to
      ``X-Forwarded-For``; the client is the address the outermost one saw. 0: the header is ignored
      (anyone can send it) and the client is the connection's remote address.
    """

    timeout: float = 10.0
    max_rows: int = 10_000
    max_query_bytes: int = 100_000
    max_body_bytes: int = 32 * 1024 * 1024
    html_max_rows: int = 1_000
    client_queries: int = 2
    query_queue: int | None = None
    client_query_seconds: float = 60.0
    forwarded_for: int = 0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Limits:
        env = os.environ if environ is None else environ
        defaults = cls()
        return cls(
            timeout=positive_setting(env, "BOLEKG_QUERY_TIMEOUT", defaults.timeout, float),
            max_rows=int(positive_setting(env, "BOLEKG_MAX_ROWS", defaults.max_rows, int)),
            max_query_bytes=int(positive_setting(env, "BOLEKG_MAX_QUERY_BYTES", defaults.max_query_bytes, int)),
            max_body_bytes=int(positive_setting(env, "BOLEKG_MAX_BODY_BYTES", defaults.max_body_bytes, int)),
            html_max_rows=int(positive_setting(env, "BOLEKG_HTML_MAX_ROWS", defaults.html_max_rows, int)),
            client_queries=int(positive_setting(env, "BOLEKG_CLIENT_QUERIES", defaults.client_queries, int)),
            query_queue=non_negative_setting(env, "BOLEKG_QUERY_QUEUE", defaults.query_queue),
            client_query_seconds=positive_setting(env, "BOLEKG_CLIENT_QUERY_SECONDS", defaults.client_query_seconds,
                                           float),
            forwarded_for=non_negative_setting(env, "BOLEKG_FORWARDED_FOR", defaults.forwarded_for) or 0,
        )
