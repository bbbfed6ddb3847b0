"""The HTTP server under ``bolekg serve``: Granian, a WSGI server whose HTTP side is written in Rust.

Per request, waitress (pure Python) cost about 0.27 ms before the app ran; Granian about 0.1 ms, and
it keeps its HTTP parsing and connection handling off the GIL, so with 16 clients the app's threads
get the interpreter to themselves (see the README's benchmark section). One Granian worker process
serves the app with ``threads`` Python threads; Granian forks it from this process, so an in-memory
store loaded here is shared copy-on-write, not loaded twice.

The worker is made to die with this process (``PR_SET_PDEATHSIG``), so stopping ``bolekg serve`` by
its PID — even with SIGKILL — never leaves a worker holding the port.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

#: Python threads of the worker: requests served at once (queries beyond that wait in Granian's queue).
DEFAULT_THREADS = 8


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

    def load(_target: str) -> Any:
        from bolekg.isolation import die_with_parent

        die_with_parent(parent)
        return build()

    server.serve(target_loader=load)


class _QuietThreadAdvice:
    """Drop Granian's advice about many blocking threads (see :func:`serve_wsgi`); keep the rest."""

    def filter(self, record: Any) -> bool:
        return "Python threads" not in str(record.getMessage())
