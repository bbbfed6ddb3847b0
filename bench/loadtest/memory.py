"""The memory of the server's process tree while a load runs.

The tree is the server and all its descendants (HTTP worker, query workers, forks for dumps), found
through the parent PIDs in /proc. RSS is read every 0.1 s (cheap); PSS, which counts a shared page
once among its sharers and so is what the tree really takes, once a second.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from dataclasses import dataclass, field


@dataclass
class Memory:
    """The server tree's memory, in bytes: before the load, its peak, and after the idle time."""

    pid: int
    interval: float
    samples: int = 0
    baseline: dict[str, float] = field(default_factory=dict)
    peak_rss: float = 0.0
    peak_pss: float = 0.0
    peak_processes: int = 0
    final: dict[str, float] = field(default_factory=dict)
    idle_s: float = 0.0
    #: (seconds since the baseline, PSS MB, RSS MB, processes) once a second, for the JSON report.
    timeline: list[tuple[float, float, float, int]] = field(default_factory=list)

    def summary(self) -> dict[str, object]:
        return {
            "pid": self.pid,
            "sampled_every_s": self.interval,
            "samples": self.samples,
            "baseline_mb": self.baseline,
            "peak_mb": {"pss": round(self.peak_pss, 1), "rss": round(self.peak_rss, 1),
                        "processes": self.peak_processes},
            "final_mb": self.final,
            "idle_s": self.idle_s,
            "retained_mb": round(self.final.get("pss", 0.0) - self.baseline.get("pss", 0.0), 1),
            "timeline": [list(point) for point in self.timeline],
        }


def tree_pids(root: int) -> list[int]:
    """``root`` and all its descendants, found through the parent PIDs in /proc/*/stat (the
    ``children`` files of /proc need a kernel option that is often off)."""
    children: dict[int, list[int]] = {}
    with contextlib.suppress(OSError):
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as stat:
                    fields = stat.read().rpartition(b")")[2].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found: list[int] = []
    todo = [root] if os.path.exists(f"/proc/{root}") else []
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, ()))
    return found


_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _rss(pid: int) -> int:
    with open(f"/proc/{pid}/statm", "rb") as statm:
        return int(statm.read().split()[1]) * _PAGE


def _pss(pid: int) -> int:
    with open(f"/proc/{pid}/smaps_rollup", "rb") as rollup:
        for line in rollup:
            if line.startswith(b"Pss:"):
                return int(line.split()[1]) * 1024
    return 0


def tree_memory(root: int, pss: bool = True) -> dict[str, float]:
    """The tree's resident (RSS, shared pages counted in every process) and proportional (PSS, shared
    pages divided among their sharers: what the tree really takes) memory in MB, and its processes."""
    rss_total = pss_total = 0
    pids = tree_pids(root)
    for pid in pids:
        with contextlib.suppress(OSError, ValueError, IndexError):
            rss_total += _rss(pid)
            if pss:
                pss_total += _pss(pid)
    out = {"rss": round(rss_total / 2**20, 1), "processes": len(pids)}
    if pss:
        out["pss"] = round(pss_total / 2**20, 1)
    return out


class TreeSampler:
    """Samples the memory of a server tree on a thread of its own while the load runs.

    RSS every ``interval`` seconds (cheap: /proc/PID/statm); PSS once a second, since reading
    ``smaps_rollup`` walks the page tables — about 6 ms per process at a million triples — and on a
    shared 2-core machine that would be load of its own."""

    def __init__(self, pid: int, interval: float = 0.1, pss_every: float = 1.0):
        self.memory = Memory(pid, interval)
        self.pss_every = pss_every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bolekg-loadtest-memory", daemon=True)
        self._started = 0.0

    def start(self) -> None:
        baseline = self.memory.baseline = tree_memory(self.memory.pid)
        self.memory.peak_rss, self.memory.peak_pss = baseline["rss"], baseline.get("pss", 0.0)
        self.memory.peak_processes = int(baseline["processes"])
        self._started = time.monotonic()
        self._thread.start()

    def _run(self) -> None:
        memory = self.memory
        next_pss = 0.0
        while not self._stop.wait(memory.interval):
            now = time.monotonic()
            with_pss = now >= next_pss
            sample = tree_memory(memory.pid, pss=with_pss)
            memory.samples += 1
            memory.peak_rss = max(memory.peak_rss, sample["rss"])
            memory.peak_processes = max(memory.peak_processes, int(sample["processes"]))
            if with_pss:
                next_pss = now + self.pss_every
                memory.peak_pss = max(memory.peak_pss, sample["pss"])
                memory.timeline.append((round(now - self._started, 1), sample["pss"], sample["rss"],
                                        int(sample["processes"])))

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def finish(self, idle: float) -> Memory:
        """Keep sampling through ``idle`` seconds without load, then stop and take the final figures."""
        time.sleep(idle)
        self.stop()
        self.memory.idle_s = idle
        self.memory.final = tree_memory(self.memory.pid)
        self.memory.peak_pss = max(self.memory.peak_pss, self.memory.final.get("pss", 0.0))
        self.memory.peak_rss = max(self.memory.peak_rss, self.memory.final["rss"])
        return self.memory

