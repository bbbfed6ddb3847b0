"""Running one mix: the browsing clients and the mix's hostile ones side by side on one event loop,
bounded in time, while the server tree's memory is sampled on a thread of its own."""

from __future__ import annotations

import asyncio
import time
import urllib.parse

from .connection import loopback
from .hostile import Hostile, big_html_client, runaway_client, runaway_stream, slow_body
from .memory import TreeSampler
from .mix import MIXES, WORKER_QUERY, browsing_client, build_mix, fetch
from .report import Report


async def _run(root: str, mix: str, clients: int, duration: float, runaway_every: float | None, timeout: float,
               think: float, seed: int, hostile: Hostile, sampler: TreeSampler | None) -> Report:
    host, port = loopback(root)
    loop = asyncio.get_running_loop()
    requests = await loop.run_in_executor(None, build_mix, root, mix == "default") if clients else []
    # one query that needs a worker starts the query workers (a lookup or ASK {} is answered in the
    # server's own process, bolekg.query.bounded): they belong to the tree before the load as well
    await loop.run_in_executor(None, fetch, f"{root}/sparql?{urllib.parse.urlencode({'query': WORKER_QUERY})}",
                               "application/sparql-results+json")
    if sampler is not None:
        # the baseline after the requests that built the mix: the query workers are up and the
        # server has served pages, as it has before any load worth measuring
        await loop.run_in_executor(None, sampler.start)
    report = Report(mix=mix, clients=clients, timeout=timeout)
    started = time.monotonic()
    until = started + duration
    jobs = [browsing_client(host, port, lambda rng: rng.choice(requests), until, think, report, seed + n)
            for n in range(clients)]
    if mix == "default" and runaway_every:
        jobs.append(runaway_stream(host, port, runaway_every, until, timeout, report))
    elif mix == "runaways":
        report.runaway_clients = hostile.runaway_clients
        jobs += [runaway_client(host, port, n, until, timeout, hostile.runaway_pause, report)
                 for n in range(hostile.runaway_clients)]
    elif mix == "slow-bodies":
        report.slow_connections = hostile.slow_bodies
        jobs += [slow_body(host, port, n, until, hostile.slow_interval, report) for n in range(hostile.slow_bodies)]
    elif mix == "html":
        report.html_clients = hostile.html_clients
        jobs += [big_html_client(host, port, n, until, think, hostile.html_rows, seed, report)
                 for n in range(hostile.html_clients)]
    elif mix != "default":
        raise ValueError(f"unknown mix {mix!r}; one of {', '.join(MIXES)}")
    await asyncio.gather(*jobs)
    report.duration = time.monotonic() - started
    return report


def run_load(root: str, clients: int = 50, duration: float = 60.0, runaway_every: float | None = 5.0,
             timeout: float = 10.0, think: float = 0.5, seed: int = 1, *, mix: str = "default",
             hostile: Hostile | None = None, pid: int | None = None, idle: float = 5.0,
             sample_every: float = 0.1) -> Report:
    """Drive the server at ``root`` (loopback only) with ``mix`` and report; ``timeout`` is the
    server's query limit, ``pid`` the server's process, whose tree's memory is sampled (and measured
    again after ``idle`` seconds without load) when given. ``runaway_every`` is the ``default`` mix's."""
    if mix not in MIXES:
        raise ValueError(f"unknown mix {mix!r}; one of {', '.join(MIXES)}")
    sampler = TreeSampler(pid, sample_every) if pid is not None else None
    try:
        report = asyncio.run(_run(root, mix, clients, duration, runaway_every, timeout, think, seed,
                                  hostile or Hostile(), sampler))
    except BaseException:
        if sampler is not None:
            sampler.stop()
        raise
    if sampler is not None:
        report.memory = sampler.finish(idle)
    return report

