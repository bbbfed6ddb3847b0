"""Throughput with 1, 4 and 16 concurrent clients for a bounded time, on loopback only.

``wrk`` (Debian package ``wrk``, C and epoll) generates the load when it is installed, so that the
client does not cap the fastest server; otherwise Python threads with keep-alive connections do,
and the result says which client measured it. Both servers of a comparison always get the same
client, so the ratio holds either way.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass

from client import HttpClient


@dataclass
class Throughput:
    clients: int
    seconds: float
    requests: int
    errors: int
    rps: float
    p50_ms: float | None
    p99_ms: float | None
    tool: str

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _latency(text: str, percentile: str) -> float | None:
    match = re.search(rf"^\s*{percentile}%\s+([\d.]+)(us|ms|s)\s*$", text, re.MULTILINE)
    return float(match.group(1)) * _UNITS[match.group(2)] if match else None


def with_wrk(url: str, accept: str, clients: int, seconds: float) -> Throughput:
    threads = max(1, min(clients, 2))
    command = ["wrk", "-t", str(threads), "-c", str(clients), "-d", f"{max(1, round(seconds))}s",
               "--timeout", "30s", "--latency", "-H", f"Accept: {accept}", url]
    output = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=True).stdout
    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    elapsed = re.search(r"requests in ([\d.]+)(us|ms|s|m)", output)
    duration = float(elapsed.group(1)) * {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[elapsed.group(2)]  # type: ignore[union-attr]
    errors = 0
    for pattern in (r"Non-2xx or 3xx responses: (\d+)",
                    r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)"):
        found = re.search(pattern, output)
        if found:
            errors += sum(int(g) for g in found.groups())
    return Throughput(clients, duration, requests, errors, requests / duration if duration else 0.0,
                      _latency(output, "50"), _latency(output, "99"), "wrk")


def with_threads(url: str, accept: str, clients: int, seconds: float) -> Throughput:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    root, path = f"{parts.scheme}://{parts.netloc}", f"{parts.path}?{parts.query}"
    counts = [0] * clients
    errors = [0] * clients
    latencies: list[list[float]] = [[] for _ in range(clients)]
    start = threading.Barrier(clients + 1)
    deadline = [0.0]

    def worker(index: int) -> None:
        http = HttpClient(root, cap=30)
        start.wait()
        while time.perf_counter() < deadline[0]:
            began = time.perf_counter()
            try:
                status, _ = http.get(path, accept)
            except OSError:
                errors[index] += 1
                continue
            latencies[index].append(time.perf_counter() - began)
            if status == 200:
                counts[index] += 1
            else:
                errors[index] += 1
        http.close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    deadline[0] = began + seconds
    start.wait()
    for thread in threads:
        thread.join(seconds + 60)
    elapsed = time.perf_counter() - began
    merged = sorted(x for chunk in latencies for x in chunk)

    def pick(q: float) -> float | None:
        return merged[min(len(merged) - 1, int(q * (len(merged) - 1)))] * 1000 if merged else None

    total = sum(counts)
    return Throughput(clients, elapsed, total, sum(errors), total / elapsed, pick(0.5), pick(0.99), "python-threads")


def throughput(url: str, accept: str, clients: int, seconds: float) -> Throughput:
    if shutil.which("wrk"):
        return with_wrk(url, accept, clients, seconds)
    return with_threads(url, accept, clients, seconds)
