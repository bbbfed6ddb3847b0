"""What a child process of the server does for itself: die with its parent, stay under a memory ceiling.

Query workers (:mod:`bolekg.query.isolation`), whole-dataset passes (:mod:`bolekg.store.forked`) and
store checks (:mod:`bolekg.store.check`) all run in children that must never outlive the server nor
take it down with their memory.
"""

from __future__ import annotations

import contextlib
import os
import signal


def private_mb(pid: int) -> float:
    """Memory only this process maps (``Private_*`` of /proc/PID/smaps_rollup), in MB.

    A forked worker shares the store's pages with its parent, but reading the store writes to some
    of them (reference counts), and each page written is copied: after queries that touch the
    whole store a worker holds a large share of the store as its own (bench/). A fresh fork shares again.
    """
    total = 0
    with contextlib.suppress(OSError, ValueError), open(f"/proc/{pid}/smaps_rollup") as rollup:
        for line in rollup:
            if line.startswith(("Private_Clean:", "Private_Dirty:")):
                total += int(line.split()[1])
    return total / 1024


def die_with_parent(parent: int) -> None:
    """Ask Linux to SIGKILL this process when its parent thread goes (``prctl(PR_SET_PDEATHSIG)``)."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request above took effect
        os._exit(0)


def limit_memory(megabytes: int) -> None:
    """Cap this process's address space at its current size plus ``megabytes``."""
    import resource

    size = 0
    with contextlib.suppress(OSError, ValueError), open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                size = int(line.split()[1]) * 1024
    limit = size + megabytes * 1024 * 1024
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def child_setup(keep_fd: int, parent: int) -> None:
    """In a freshly forked or exec'd child: default signal handling, no descriptor but the standard
    streams and ``keep_fd``, and death with ``parent``."""
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)
    os.closerange(3, keep_fd)
    os.closerange(keep_fd + 1, 1 << 16)
    die_with_parent(parent)
