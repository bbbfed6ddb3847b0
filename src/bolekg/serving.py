"""The HTTP server under ``bolekg serve``: Granian, a WSGI server whose HTTP side is written in Rust.

Per request, waitress (pure Python) cost about 0.27 ms before the app ran; Granian about 0.1 ms, and
it keeps its HTTP parsing and connection handling off the GIL, so with 16 clients the app's threads
get the interpreter to themselves (see the README's benchmark section). One Granian worker process
serves the app with ``threads`` Python threads; Granian forks it from this process, so an in-memory
store loaded here is shared copy-on-write, not loaded twice.

The worker is made to die with this process (``PR_SET_PDEATHSIG``), so stopping ``bolekg serve`` by
its PID — even with SIGKILL — never leaves a worker holding the port.

Two things a user sees at the edges are settled here:

* A busy port is one line and exit status 2 (:func:`check_bindable`, called before the data is
  loaded), also when Granian is the one to find it (:func:`serve_wsgi` turns its error into
  :class:`AddressUnusable`); never a Python traceback and a Rust backtrace.
* Temporary files of the app (the dumps, :mod:`bolekg.web.export`) go under one directory per
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

#: Python threads of the worker: requests served at once (queries beyond that wait in Granian's queue).
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
    """Serve the WSGI app that ``build()`` returns (called in the worker process) until stopped."""
    import logging

    from granian import Granian
    from granian.constants import HTTPModes, Interfaces
    from granian.log import LogLevels

    # Granian warns when the threads outnumber 2 × cores + 1; ours mostly wait on query worker
    # processes or on pyoxigraph (which releases the GIL), so more threads than cores is the intent.
    logging.getLogger("_granian").addFilter(_QuietThreadAdvice())
    server = Granian("bolekg:app", address=host, port=port, interface=Interfaces.WSGI, workers=1,
                     blocking_threads=threads, http=HTTPModes.http1, websockets=False,
                     log_level=LogLevels.warning)
    parent = os.getpid()
    scratch = Path(tempfile.mkdtemp(prefix="bolekg-serve-"))

    def load(_target: str) -> Any:
        global _scratch
        from bolekg.isolation import die_with_parent

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


class _QuietThreadAdvice:
    """Drop Granian's advice about many blocking threads (see :func:`serve_wsgi`); keep the rest."""

    def filter(self, record: Any) -> bool:
        return "Python threads" not in str(record.getMessage())
