"""Timing: one keep-alive HTTP connection per engine, repeated runs after warm-up, median and p95.

Every engine is timed the same way — the whole exchange, the response body read to the end —
so that ratios from one run compare like with like. Runs are bounded twice: a count and a time
budget; an engine slower than the budget gets fewer runs (at least one), and one slower than the
per-request cap is recorded as a timeout rather than waited for.
"""

from __future__ import annotations

import http.client
import statistics
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field

ACCEPT_RESULTS = "application/sparql-results+json, application/n-triples;q=0.9"


@dataclass
class Timing:
    """Seconds per run after warm-up; ``timeout`` when a run hit the cap."""

    runs: list[float] = field(default_factory=list)
    timeout: float | None = None
    error: str | None = None
    size: int = 0

    @property
    def ok(self) -> bool:
        return bool(self.runs) and self.timeout is None and self.error is None

    @property
    def p50(self) -> float | None:
        return statistics.median(self.runs) if self.ok else None

    @property
    def p95(self) -> float | None:
        if not self.ok:
            return None
        ordered = sorted(self.runs)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]

    def as_dict(self) -> dict[str, object]:
        return {"p50_ms": _ms(self.p50), "p95_ms": _ms(self.p95), "runs": len(self.runs),
                "timeout_s": self.timeout, "error": self.error, "bytes": self.size}


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 3)


def measure(call: Callable[[], int], warmup: int, repeats: int, budget: float) -> Timing:
    """Run ``call`` (returns the body size) ``warmup`` times untimed, then up to ``repeats`` timed
    runs within ``budget`` seconds (at least one). A call slower than the budget warms up once."""
    timing = Timing()
    try:
        for _ in range(warmup):
            began = time.perf_counter()
            timing.size = call()
            if time.perf_counter() - began > budget:
                break  # a run longer than the whole budget is warm after one
        deadline = time.perf_counter() + budget
        while len(timing.runs) < repeats:
            started = time.perf_counter()
            timing.size = call()
            ended = time.perf_counter()
            timing.runs.append(ended - started)
            if ended > deadline:
                break
    except TimeoutError as error:
        timing.timeout = float(str(error) or 0)
    except Exception as error:  # an engine that fails a query is reported, not fatal
        timing.error = f"{type(error).__name__}: {error}"[:300]
    return timing


class HttpClient:
    """One persistent HTTP/1.1 connection to one server."""

    def __init__(self, root: str, cap: float = 120.0):
        parsed = urllib.parse.urlsplit(root)
        self.host, self.port = parsed.hostname or "127.0.0.1", parsed.port or 80
        self.cap = cap
        self.connection: http.client.HTTPConnection | None = None

    def _connect(self) -> http.client.HTTPConnection:
        if self.connection is None:
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=self.cap)
        return self.connection

    def get(self, path: str, accept: str = "*/*") -> tuple[int, bytes]:
        for attempt in (1, 2):
            connection = self._connect()
            try:
                connection.request("GET", path, headers={"Accept": accept})
                response = connection.getresponse()
                body = response.read()
                if response.getheader("Connection", "").lower() == "close":
                    self.close()
                return response.status, body
            except TimeoutError as error:
                self.close()
                raise TimeoutError(str(self.cap)) from error
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if attempt == 2:
                    raise
            except Exception:
                self.close()  # a connection left mid-request cannot send the next one
                raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def query_path(query_path: str, query: str) -> str:
    return f"{query_path}?{urllib.parse.urlencode({'query': query})}"


def expect_ok(status: int, body: bytes, what: str) -> int:
    if status != 200:
        raise RuntimeError(f"{what}: HTTP {status}: {body[:200]!r}")
    return len(body)
