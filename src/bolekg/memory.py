"""Give freed memory back to the operating system: after a whole-dataset pass, and before a fork.

A dump, the tidy table or the VoID statistics scan every triple; pyoxigraph's hash sets and
buffers are freed afterwards, but glibc keeps the pages in its arenas, so the server's resident
size stayed hundreds of megabytes above what it uses. ``malloc_trim(0)`` (glibc, malloc(3))
releases them. Elsewhere — another C library, another OS — this does nothing.

The query workers are forked from the serving process (:func:`bolekg.query.isolation.fork_launcher`), and
a fork inherits every page its parent maps, freed-but-held ones too; when the parent later reuses
such a page, the child keeps the old copy as its own. So the fork path calls
:func:`release_freed_memory` first; on a small heap it costs a small fraction of the fork itself.
The load tester (``make loadtest``, ``bench/loadtest/``) reports the server tree's memory before,
during and after a load.

Request threads allocate in arenas of their own, and each time a block that had a mapping of its
own is freed, glibc raises to its size (up to 32 MB) the size from which a block gets one: after
the first large answer, the next ones are carved out of the threads' arenas, and stay there, freed,
until a trim. So the front (:mod:`bolekg.web.front`) calls ``malloc_trim`` after large replies
too, through a :class:`Releaser`: a thread of its own that releases when asked, at most once per
second, so that neither the event loop nor a request's thread waits for it and a stream of large
replies costs one trim a second (the trim waits for each arena's lock in turn, never for the GIL,
which ``ctypes`` lets go of). A fixed ``M_MMAP_THRESHOLD`` of 1 MB (``mallopt``) was measured
beside it under the load tester's ``html`` mix and gave the serving process nothing more,
so it is not set; the figures are in the README ("Limits and security").

What ``malloc_trim`` cannot return: the free space at the top of a *thread's* arena (glibc gives
that back only on ``free``, above a threshold that rises with the other one) and the free parts of
pages still partly in use.
"""

from __future__ import annotations

import ctypes
import logging
import threading
from collections.abc import Callable
from functools import cache

log = logging.getLogger("bolekg.memory")

#: A reply at least this long makes the front give freed memory back after it (:class:`Releaser`).
#: The pages of this app are tens of kB (the VoID description and a large entity page about 100 kB);
#: the results page of a 1 000-row answer is about 500 kB, and behind it is an answer of megabytes.
LARGE_REPLY = 256 * 1024
#: Seconds between two releases of a :class:`Releaser`, at the least.
RELEASE_INTERVAL = 1.0


@cache
def _trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, looked up once among the process's own symbols (where the C library
    is); not by the library's name: ``ctypes.util.find_library`` runs ``ldconfig`` in a subprocess,
    and the first caller may be the thread about to fork a query worker."""
    try:
        function = getattr(ctypes.CDLL(None), "malloc_trim", None)
    except (OSError, TypeError):  # TypeError: Windows has no "this process" library
        return None
    if function is None:  # not glibc
        return None
    function.argtypes = [ctypes.c_size_t]
    function.restype = ctypes.c_int
    return function


def release_freed_memory() -> bool:
    """Return freed heap pages to the OS; ``True`` if the C library could."""
    trim = _trim()
    if trim is None:
        return False
    return bool(trim(0))


class Releaser:
    """:func:`release_freed_memory` in a thread of its own, when asked, at most once per ``interval``.

    :meth:`ask` never blocks (the event loop calls it): it marks a release as wanted. The thread
    releases, then waits ``interval`` seconds before it looks again, so asks that come meanwhile make
    one release, right after the wait — the last large reply of a burst is always followed by one.
    ``releases`` counts the releases made (read by tests; written by the thread alone)."""

    def __init__(self, interval: float = RELEASE_INTERVAL, release: Callable[[], object] = release_freed_memory):
        self.interval = interval
        self.releases = 0
        self._release = release
        self._asked = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="bolekg-release-memory", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 0.0) -> None:
        """Stop the thread; wait up to ``timeout`` seconds for it to end (by default not at all: a
        release under way ends on its own)."""
        thread, self._thread = self._thread, None
        self._stopping.set()
        self._asked.set()
        if thread is not None and timeout > 0:
            thread.join(timeout)

    def ask(self) -> None:
        """Ask for a release soon; returns at once."""
        if not self._asked.is_set():  # an attribute read: the common case under a burst takes no lock
            self._asked.set()

    def _run(self) -> None:
        asked, stopping = self._asked, self._stopping
        while True:
            asked.wait()
            if stopping.is_set():
                return
            asked.clear()  # before the release: an ask from now on makes another one
            try:
                self._release()
            except Exception:  # never the end of the thread: the next ask tries again
                log.exception("giving freed memory back failed")
            self.releases += 1
            if stopping.wait(self.interval):
                return
