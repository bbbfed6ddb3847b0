"""Give memory freed after a whole-dataset pass back to the operating system.

A dump, the tidy table or the VoID statistics scan every triple; pyoxigraph's hash sets and
buffers are freed afterwards, but glibc keeps the pages in its arenas, so the server's resident
size stayed hundreds of megabytes above what it uses (bench/run.py at a million triples: 533 MB
after one dump, 339 MB after ``malloc_trim``). ``malloc_trim(0)`` (glibc, malloc(3)) releases
them. Elsewhere — another C library, another OS — this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache


@cache
def _trim():  # type: ignore[no-untyped-def]
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        return getattr(ctypes.CDLL(name), "malloc_trim", None)
    except OSError:
        return None


def release_freed_memory() -> bool:
    """Return freed heap pages to the OS; ``True`` if the C library could."""
    trim = _trim()
    if trim is None:
        return False
    return bool(trim(0))
