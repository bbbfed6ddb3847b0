"""Give freed memory back to the operating system: after a whole-dataset pass, and before a fork.

A dump, the tidy table or the VoID statistics scan every triple; pyoxigraph's hash sets and
buffers are freed afterwards, but glibc keeps the pages in its arenas, so the server's resident
size stayed hundreds of megabytes above what it uses. ``malloc_trim(0)`` (glibc, malloc(3))
releases them. Elsewhere — another C library, another OS — this does nothing.

The query workers are forked from the serving process (:func:`bolekg.isolation.fork_launcher`), and
a fork inherits every page its parent maps, freed-but-held ones too; when the parent later reuses
such a page, the child keeps the old copy as its own. So the fork path calls
:func:`release_freed_memory` first; on a small heap it costs a small fraction of the fork itself.
``python -m bolekg.loadtest`` reports the server tree's memory before, during and after a load.

What ``malloc_trim`` cannot return: the free space at the top of a *thread's* arena (glibc trims
that only on ``free``, above a threshold that grows with the largest block freed) and free space
between live blocks. Request threads allocate in their own arenas, so after a load of large answers
the server keeps some of what it took; glibc's tunables (``glibc.malloc.trim_threshold``,
``glibc.malloc.mmap_threshold``) lower that, at a cost the benchmarks have not yet weighed.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from functools import cache


@cache
def _trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, looked up once among the process's own symbols (where the C library
    is); not by the library's name: ``ctypes.util.find_library`` runs ``ldconfig`` in a subprocess,
    100 ms here, and the first caller may be the thread about to fork a query worker."""
    try:
        function = getattr(ctypes.CDLL(None), "malloc_trim", None)
    except (OSError, TypeError):  # TypeError: Windows has no "this process" library
        return None
    if function is None:  # not glibc
        return None
    function.argtypes = [ctypes.c_size_t]
    function.restype = ctypes.c_int
    return function  # type: ignore[no-any-return]


def release_freed_memory() -> bool:
    """Return freed heap pages to the OS; ``True`` if the C library could."""
    trim = _trim()
    if trim is None:
        return False
    return bool(trim(0))
