"""Every ``BOLEKG_*`` setting, declared once: its variable, default, unit and meaning are a field of
:class:`Settings`, and :meth:`Settings.from_env` is the one place the environment is read.

A numeric setting left unset or blank takes its default; a value that is not a number, or out of
range, is an error that stops the command or the server, never a silent default (the pair of parsers
:func:`positive_setting` and :func:`non_negative_setting`). A text setting left unset or empty is
``None``.

The parts of the server take views of the settings: the limits of a public query (:class:`Limits`)
and the front's rules for request bodies (:class:`bolekg.web.front.FrontSettings`), both built from a
:class:`Settings`. The README's settings table is checked against :meth:`Settings.declarations` by
``tests/test_settings.py``.

This module imports nothing heavy: the query workers (:mod:`bolekg.query.isolation`) import it too.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, TypeVar

T = TypeVar("T")

#: How a setting's value is read: a number > 0, a number ≥ 0 (0 is meaningful: nobody waits, a rule
#: turned off), or text taken as it is.
POSITIVE, NON_NEGATIVE, TEXT = "positive", "0 or more", "text"

#: The store check's reading child (:mod:`bolekg.store.check`), when its settings are unset: MB on top
#: of its size once the database is open, and seconds it always gets plus seconds per MB of ``.sst``
#: files; the thorough pass (``bolekg store check``) gets ``THOROUGH_*`` times as much.
STORE_CHECK_MEMORY_MB = 400
STORE_CHECK_BASE_SECONDS, STORE_CHECK_SECONDS_PER_MB = 10.0, 0.25
STORE_CHECK_THOROUGH_MEMORY, STORE_CHECK_THOROUGH_SECONDS = 4, 8


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
class Setting:
    """The declaration of one ``BOLEKG_*`` variable: the :class:`Settings` field it fills, its
    default, unit and meaning, and how it is read (:data:`POSITIVE`, :data:`NON_NEGATIVE` or
    :data:`TEXT`; a number is parsed as ``kind``). ``unset`` says what a default of ``None`` means."""

    name: str
    field: str
    default: Any
    unit: str
    meaning: str
    rule: str
    kind: type
    unset: str

    @property
    def numeric(self) -> bool:
        return self.rule != TEXT

    def read(self, environ: Mapping[str, str] | None = None) -> Any:
        """This setting's value in ``environ`` (default: the process's environment)."""
        env = os.environ if environ is None else environ
        if self.rule == TEXT:
            return env.get(self.name) or None
        if self.rule == POSITIVE:
            return positive_setting(env, self.name, self.default, self.kind)
        return non_negative_setting(env, self.name, self.default, self.kind)


def declare(name: str, unit: str, meaning: str, rule: str = POSITIVE, kind: type = int,
            unset: str = "") -> dict[str, Any]:
    """The metadata of a :class:`Settings` field that is read from the variable ``name``."""
    return {"setting": (name, unit, meaning, rule, kind, unset)}


def _number(value: float) -> str:
    return f"{value:,g}".replace(",", " ")


@dataclass(frozen=True)
class Settings:
    """Every ``BOLEKG_*`` setting, as one value. Each field is declared once, with its variable, unit
    and one-line meaning (:meth:`declarations`); its default is the field's default."""

    # --- what one public query may cost (the view: Limits) ---
    query_timeout: float = field(default=10.0, metadata=declare(
        "BOLEKG_QUERY_TIMEOUT", "s", "a public query running longer is stopped, its worker killed; the client gets 503",
        kind=float))
    max_rows: int = field(default=10_000, metadata=declare(
        "BOLEKG_MAX_ROWS", "rows", "solutions (or triples) of an answer beyond it are cut, and the response says so"))
    max_query_bytes: int = field(default=100_000, metadata=declare(
        "BOLEKG_MAX_QUERY_BYTES", "bytes", "a longer query or update is refused with 413"))
    max_body_bytes: int = field(default=32 * 1024 * 1024, metadata=declare(
        "BOLEKG_MAX_BODY_BYTES", "bytes", "a longer request body is refused with 413 before it is read"))
    html_max_rows: int = field(default=1_000, metadata=declare(
        "BOLEKG_HTML_MAX_ROWS", "rows",
        "rows (or triples) the HTML results page shows; it says how many there were and links to the whole answer"))
    client_queries: int = field(default=2, metadata=declare(
        "BOLEKG_CLIENT_QUERIES", "queries",
        "public queries one client (remote address) may have running or waiting; one more is refused with 429"))
    query_queue: int | None = field(default=None, metadata=declare(
        "BOLEKG_QUERY_QUEUE", "queries", "public queries that may wait for a busy query worker; one more is 503",
        rule=NON_NEGATIVE, unset="the number of workers"))
    client_query_seconds: float = field(default=60.0, metadata=declare(
        "BOLEKG_CLIENT_QUERY_SECONDS", "s",
        "query time one client may use per window (bolekg.query.admission.WINDOW); past it, 429", kind=float))
    forwarded_for: int = field(default=0, metadata=declare(
        "BOLEKG_FORWARDED_FOR", "proxies",
        "proxies in front that append to X-Forwarded-For; 0: the header is ignored, the client is the peer",
        rule=NON_NEGATIVE))

    # --- request bodies, read by the front before any thread is taken (the view: FrontSettings) ---
    body_seconds: float = field(default=10.0, metadata=declare(
        "BOLEKG_BODY_SECONDS", "s", "a request body must have arrived whole this long after its headers, or 408",
        kind=float))
    body_min_bytes_per_second: float = field(default=1000.0, metadata=declare(
        "BOLEKG_BODY_MIN_BYTES_PER_SECOND", "bytes/s",
        "after a grace period, a body arriving at a lower average rate is cut with 408; 0: no minimum",
        rule=NON_NEGATIVE, kind=float))

    # --- the query workers and the memory they and the answers may take ---
    query_workers: int = field(default=4, metadata=declare(
        "BOLEKG_QUERY_WORKERS", "processes",
        "worker processes that run public queries; 0: in the serving process, without a time limit",
        rule=NON_NEGATIVE))
    query_memory_mb: int = field(default=1024, metadata=declare(
        "BOLEKG_QUERY_MEMORY_MB", "MB", "memory one query may take on top of its worker's size at start; beyond, 503"))
    workers_private_mb: int = field(default=512, metadata=declare(
        "BOLEKG_WORKERS_PRIVATE_MB", "MB",
        "memory of their own the forked query workers may hold together; past it, idle ones are replaced"))
    answer_cache_mb: int = field(default=64, metadata=declare(
        "BOLEKG_ANSWER_CACHE_MB", "MB",
        "memory for answers to repeated queries (and a quarter more for whole replies); 0: none kept",
        rule=NON_NEGATIVE))

    # --- the store check's reading child (bolekg.store.check); unset, they grow with the store ---
    store_check_memory_mb: float | None = field(default=None, metadata=declare(
        "BOLEKG_STORE_CHECK_MEMORY_MB", "MB",
        "memory the process reading an on-disk store for a check may take on top of its size once it is open",
        kind=float, unset=f"{_number(STORE_CHECK_MEMORY_MB)} MB (thorough `bolekg store check`: "
                          f"{_number(STORE_CHECK_MEMORY_MB * STORE_CHECK_THOROUGH_MEMORY)} MB)"))
    store_check_timeout: float | None = field(default=None, metadata=declare(
        "BOLEKG_STORE_CHECK_TIMEOUT", "s",
        "seconds the process reading an on-disk store for a check may take before it is killed",
        kind=float, unset=f"{_number(STORE_CHECK_BASE_SECONDS)} s + {_number(STORE_CHECK_SECONDS_PER_MB)} s per MB "
                          f"of `.sst` files (thorough `bolekg store check`: "
                          f"{_number(STORE_CHECK_SECONDS_PER_MB * STORE_CHECK_THOROUGH_SECONDS)} s per MB)"))

    # --- text ---
    write_token: str | None = field(default=None, repr=False, metadata=declare(
        "BOLEKG_WRITE_TOKEN", "", "the bearer token writes need; unset, writes are off",
        rule=TEXT, kind=str, unset="unset"))
    drafts_dir: str | None = field(default=None, metadata=declare(
        "BOLEKG_DRAFTS_DIR", "directory",
        "where drafts awaiting curation are kept, one `<report-id>.ttl` each (`bolekg curate add`, `/curate/<report>`)",
        rule=TEXT, kind=str, unset="`drafts/` in the project directory"))
    home: str | None = field(default=None, metadata=declare(
        "BOLEKG_HOME", "directory", "the project directory the ontology, data, shapes and web files are read from",
        rule=TEXT, kind=str, unset="the directory above `src/`"))

    @classmethod
    def declarations(cls) -> tuple[Setting, ...]:
        """Every setting: variable, field, default, unit, meaning and how it is read, in field order."""
        return _DECLARATIONS

    @classmethod
    def declared(cls, field_name: str) -> Setting:
        """The declaration of one field, e.g. to read it alone (``Settings.declared("home").read()``)."""
        for setting in _DECLARATIONS:
            if setting.field == field_name:
                return setting
        raise KeyError(field_name)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Every setting from ``environ`` (default: the process's environment); the first bad value
        raises :class:`ValueError` naming its variable."""
        env = os.environ if environ is None else environ
        return cls(**{setting.field: setting.read(env) for setting in _DECLARATIONS})

    def store_check_limits(self, sst_megabytes: float, thorough: bool = False) -> tuple[float, int]:
        """(seconds, MB) the store check's reading child gets for a generation of ``sst_megabytes`` MB
        of ``.sst`` files: the settings where set, else the defaults for that size and depth."""
        per_mb = STORE_CHECK_SECONDS_PER_MB * (STORE_CHECK_THOROUGH_SECONDS if thorough else 1)
        timeout = self.store_check_timeout
        if timeout is None:
            timeout = STORE_CHECK_BASE_SECONDS + per_mb * sst_megabytes
        memory = self.store_check_memory_mb
        if memory is None:
            memory = STORE_CHECK_MEMORY_MB * (STORE_CHECK_THOROUGH_MEMORY if thorough else 1)
        return timeout, int(memory)


def _declarations() -> tuple[Setting, ...]:
    declared = []
    for item in fields(Settings):
        name, unit, meaning, rule, kind, unset = item.metadata["setting"]
        declared.append(Setting(name, item.name, item.default, unit, meaning, rule, kind, unset))
    return tuple(declared)


_DECLARATIONS = _declarations()
#: Every setting at its default.
DEFAULTS = Settings()


@dataclass(frozen=True)
class Limits:
    """What one query on the public endpoint may cost: the view of :class:`Settings` that admission,
    the policy and the protocol take. Each field is the setting of the same name (``timeout`` is
    ``query_timeout``), whose default, unit and meaning are declared there:

    * ``timeout`` — the query is stopped, its worker killed, and the client gets 503;
    * ``max_rows`` — solutions (or triples) beyond it are cut, and the response says so
      (``X-BoleKG-Truncated``);
    * ``max_query_bytes`` — a longer query or update is refused with 413;
    * ``max_body_bytes`` — any longer request body (a Graph Store upload) is refused with 413 before
      it is read;
    * ``html_max_rows`` — the HTML results page shows at most this many rows (or triples), says how
      many there were and links to the whole answer;
    * ``client_queries`` — public queries one client (remote address) may have running or waiting at
      once; one more is refused with 429 at once;
    * ``query_queue`` — public queries that may wait for a busy worker (``None``: as many as there are
      query workers); one more is refused with 503 at once;
    * ``client_query_seconds`` — seconds of query time one client may use per window
      (:data:`bolekg.query.admission.WINDOW`); past it, 429 until the window frees up;
    * ``forwarded_for`` — how many proxies in front append to ``X-Forwarded-For``; the client is the
      address the outermost one saw. 0: the header is ignored (anyone can send it) and the client is
      the connection's remote address.
    """

    timeout: float = DEFAULTS.query_timeout
    max_rows: int = DEFAULTS.max_rows
    max_query_bytes: int = DEFAULTS.max_query_bytes
    max_body_bytes: int = DEFAULTS.max_body_bytes
    html_max_rows: int = DEFAULTS.html_max_rows
    client_queries: int = DEFAULTS.client_queries
    query_queue: int | None = DEFAULTS.query_queue
    client_query_seconds: float = DEFAULTS.client_query_seconds
    forwarded_for: int = DEFAULTS.forwarded_for

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            timeout=settings.query_timeout,
            max_rows=settings.max_rows,
            max_query_bytes=settings.max_query_bytes,
            max_body_bytes=settings.max_body_bytes,
            html_max_rows=settings.html_max_rows,
            client_queries=settings.client_queries,
            query_queue=settings.query_queue,
            client_query_seconds=settings.client_query_seconds,
            forwarded_for=settings.forwarded_for,
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Limits:
        return cls.from_settings(Settings.from_env(environ))
