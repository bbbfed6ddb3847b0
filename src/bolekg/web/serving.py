"""The HTTP server under ``bolekg serve``: Granian (HTTP in Rust) with the app behind our front.

Granian parses HTTP and holds connections off the GIL. It runs the front (:mod:`bolekg.web.front`) on
its RSGI interface — Granian's own asyncio interface — in one worker process: the front reads each
request body on the event loop under deadlines, then runs the WSGI app in one of two thread pools,
one for queries and writes and one for everything else, each with a bounded line. Under Granian's
WSGI interface, which this replaced, Granian read bodies inside the app's threads: 8 clients sending
a byte every 2 s held all 8 threads, and 8 runaway queries made every page wait (issue 14). Granian
forks the worker from this process, so an in-memory store loaded here is shared copy-on-write, not
loaded twice.

The worker is made to die with this process (``PR_SET_PDEATHSIG``), so stopping ``bolekg serve`` by
its PID — even with SIGKILL — never leaves a worker holding the port.

Two things a user sees at the edges are settled here:

* A busy port is one line and exit status 2 (:func:`check_bindable`, called before the data is
  loaded), also when Granian is the one to find it (:func:`serve_rsgi` turns its error into
  :class:`AddressUnusable`); never a Python traceback and a Rust backtrace.
* Temporary files of the app (the dumps, :mod:`bolekg.web.dumps`) go under one directory per
  server, made by this process and removed by it when Granian has stopped — on SIGTERM and on
  Ctrl+C alike (Granian turns both into an orderly return). The worker cannot be trusted to clean
  up: Granian's worker is a ``multiprocessing`` child, which leaves without running ``atexit``
  hooks, and ``PR_SET_PDEATHSIG`` kills it outright. Only a SIGKILL of this process leaves the
  directory behind.
"""

from __future__ import annotations

import errno
import ipaddress
import os
import re
import shutil
import socket
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

#: Threads that answer pages, search, dumps and static files at once (``--threads``); queries and
#: writes have a pool of their own (:func:`bolekg.web.front.query_threads`).
DEFAULT_THREADS = 8

#: The running server's temporary directory, in its worker (see :func:`scratch_directory`).
_scratch: Path | None = None


class AddressUnusable(OSError):
    """The server cannot listen at ``host:port``; the message says where and what to do, in one line.

    ``bolekg.cli.main`` prints an ``OSError`` as ``bolekg <command>: <message>`` with exit status 2.
    """

    def __init__(self, host: str, port: int, code: int, reason: str | None = None) -> None:
        where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        if code == errno.EADDRINUSE:
            message = f"{where} is already in use; stop the other server or choose another --port"
        else:
            message = f"cannot listen at {where}: {reason or os.strerror(code)}"
        super().__init__(message)  # one argument: str() is the message alone, no "[Errno …]"
        self.errno = code


def check_bindable(host: str, port: int) -> None:
    """Raise :class:`AddressUnusable` (an ``OSError``) unless a server could listen at ``host:port`` now.

    Binds a socket the way Granian does (``SO_REUSEADDR``, so connections of a server stopped a moment
    ago, still in TIME_WAIT, do not count) and closes it at once. Unlike Granian it does not set
    ``SO_REUSEPORT``: with it, a second ``bolekg serve`` on the port of a running one would *share*
    the port (the kernel spreading connections over both) instead of being told that it is taken.
    The host must be an IP address, as Granian requires.
    """
    try:
        family = socket.AF_INET6 if ipaddress.ip_address(host).version == 6 else socket.AF_INET
    except ValueError:
        raise ValueError(f"--host must be an IP address such as 127.0.0.1 (this machine only) or 0.0.0.0 "
                         f"(every interface), not {host!r}") from None
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise AddressUnusable(host, port, error.errno or 0, error.strerror) from None


def scratch_directory() -> Path | None:
    """Where the app keeps temporary files under ``bolekg serve``: a directory of this server, removed
    when it stops, however its worker ends. ``None`` elsewhere (an app from ``create_app`` in tests or
    under another WSGI server): the caller then creates and removes its own."""
    return _scratch


def _os_error(error: RuntimeError) -> int | None:
    """The errno in a Granian (Rust ``std::io::Error``) message such as ``Address already in use (os
    error 98)``; its first line only, as the rest is a Rust backtrace when ``RUST_BACKTRACE`` is set."""
    found = re.search(r"\(os error (\d+)\)\s*$", str(error).partition("\n")[0])
    return int(found.group(1)) if found else None


def serve_wsgi(build: Callable[[], Any], host: str, port: int, threads: int = DEFAULT_THREADS) -> None:
    """Serve the WSGI app that ``build()`` returns (called in the worker process) behind the front
    (:mod:`bolekg.web.front`), with ``threads`` threads for pages, until stopped."""
    serve_rsgi(lambda: front_for(_warmed(build()), threads), host, port)


def _warmed(app: Any) -> Any:
    """``app``, with the whole-data work the first readers would otherwise wait for started in the
    background (:func:`bolekg.web.pages.warm_up`): here, in the worker, after Granian's fork."""
    if "bolekg" in getattr(app, "extensions", {}):
        from bolekg.web.pages import warm_up

        warm_up(app)
    return app


def front_for(app: Any, threads: int = DEFAULT_THREADS) -> Any:
    """The front around the WSGI ``app``, with its settings from the environment.

    The query pool is sized from the query workers and their line (see
    :func:`bolekg.web.front.query_threads`): for the app of :func:`bolekg.web.create_app`, those of
    its store (``config["STORE"].workers``: none for a remote store) and its limits; for another
    app, the environment's. The body limit is the app's own ``MAX_CONTENT_LENGTH`` when it has one,
    so that the front and the app refuse the same bodies."""
    from bolekg.settings import Limits, Settings
    from bolekg.web.front import Front, FrontSettings, query_threads

    settings = Settings.from_env()
    config = getattr(app, "config", {})
    limits = config.get("LIMITS") or Limits.from_settings(settings)
    store = config.get("STORE")
    workers = getattr(store, "workers", None) if store is not None else settings.query_workers
    max_body = config.get("MAX_CONTENT_LENGTH") or limits.max_body_bytes
    return Front(app, FrontSettings.from_settings(settings, max_body), page_threads=threads,
                 query_threads=query_threads(workers, limits.query_queue, threads), replay=_kept_replies(app))


def _kept_replies(app: Any) -> Any:
    """The front's :data:`~bolekg.web.front.Replay` for the app of :func:`bolekg.web.create_app`: a GET
    of ``/sparql`` whose whole reply the query service keeps, answered on the event loop.

    It is the first step of :func:`bolekg.query.protocol.respond` — which the app's
    :class:`~bolekg.web.query_wsgi.QueryEndpoint` takes before anything else for a GET of ``/sparql``
    — taken before the trip to a thread: the same key (the query string as sent, the Accept header as
    the environ carries it, repeated ones joined), the same reply. ``None`` when the app keeps no
    replies (``BOLEKG_ANSWER_CACHE_MB=0``, a remote store) or is another app. A lookup in a dict
    under a lock held only for dict operations: it does not block the loop."""
    from bolekg.web.wsgi_call import Reply, checked_headers

    service = getattr(getattr(app, "extensions", {}).get("bolekg"), "queries", None)
    if service is None or getattr(service, "replies", None) is None:
        return None
    from bolekg.query.protocol import replayed
    from bolekg.web.compression import replay_headers

    def replay(path: str, query_string: str, headers: Any) -> Reply | None:
        if path != "/sparql":
            return None
        accept = headers.get_all("accept")
        kept = replayed(service, query_string.encode("utf-8"), ", ".join(accept) if accept else None)
        if kept is None:
            return None
        # as the gzip middleware (bolekg.web.compression) would send it; a reply it would compress takes
        # the WSGI path, where it is compressed in a thread, not on the loop
        encodings = headers.get_all("accept-encoding")
        sent = replay_headers(kept.headers, len(kept.body), ", ".join(encodings) if encodings else None)
        return None if sent is None else Reply(kept.status, checked_headers(sent), kept.body)

    return replay


def serve_rsgi(build: Callable[[], Any], host: str, port: int) -> None:
    """Serve the RSGI app that ``build()`` returns (called in the worker process) until stopped."""
    import importlib.util

    from granian import Granian
    from granian.constants import HTTPModes, Interfaces, Loops
    from granian.log import LogLevels

    # RSGI: the app is a coroutine on Granian's event loop; Granian allows one blocking thread (its
    # loop's), the front has its own pools. Every request crosses from Granian's thread to the loop
    # (call_soon_threadsafe): uvloop does that for about 15 % less CPU a request than asyncio's own
    # loop, where it is installed; never rloop, which Granian's "auto" would prefer (experimental)
    loop = Loops.uvloop if importlib.util.find_spec("uvloop") else Loops.asyncio
    server = Granian("bolekg:app", address=host, port=port, interface=Interfaces.RSGI, workers=1,
                     blocking_threads=1, loop=loop, http=HTTPModes.http1, websockets=False,
                     log_level=LogLevels.warning)
    parent = os.getpid()
    scratch = Path(tempfile.mkdtemp(prefix="bolekg-serve-"))

    def load(_target: str) -> Any:
        global _scratch
        from bolekg.children import die_with_parent

        die_with_parent(parent)
        _scratch = scratch
        return build()

    try:
        # SIGTERM and SIGINT make Granian stop its worker (joined) and return: the finally runs
        server.serve(target_loader=load)
    except RuntimeError as error:
        # Granian's own bind failed: the port was taken after check_bindable looked
        code = _os_error(error)
        if code is None:
            raise
        raise AddressUnusable(host, port, code) from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

