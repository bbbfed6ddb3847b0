"""The command line (``python -m loadtest``), and a ``bolekg serve`` spawned to run it against."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from bolekg.exit_codes import EXIT_INVALID, EXIT_OK
from bolekg.processes import free_port, stop

from .hostile import Hostile
from .mix import MIX_DEFAULTS, MIXES
from .report import Report, render_text
from .runner import run_load

#: The first line of ``--help`` (the package's own summary).
DESCRIPTION = "A bounded load on a BoleKG server over loopback: well-behaved clients beside hostile ones."


@contextlib.contextmanager
def spawned_server(env: dict[str, str] | None = None, threads: int = 8,
                   startup_timeout: float = 120.0) -> Iterator[tuple[str, subprocess.Popen]]:
    """``bolekg serve`` on a free loopback port, in memory; stopped by PID on exit."""
    port = free_port()
    command = [sys.executable, "-m", "bolekg.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
               "--threads", str(threads)]
    log = tempfile.TemporaryFile()  # noqa: SIM115 (a pipe nobody reads would block the server once full)
    process = subprocess.Popen(command, env={**os.environ, **(env or {})}, stdout=log, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL)
    root = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + startup_timeout
        while True:
            if process.poll() is not None:
                log.seek(0)
                output = log.read().decode("utf-8", "replace")
                raise RuntimeError(f"bolekg serve exited with {process.returncode}:\n{output}")
            with contextlib.suppress(OSError):
                urllib.request.urlopen(f"{root}/openapi.json", timeout=2).close()
                break
            if time.monotonic() > deadline:
                raise RuntimeError("bolekg serve did not start")
            time.sleep(0.2)
        yield root, process
    finally:
        stop(process)
        log.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loadtest", description=DESCRIPTION)
    parser.add_argument("--mix", choices=MIXES, default="default",
                        help="default: browsing + a runaway every few seconds; runaways: 20 runaway clients "
                             "beside 20 browsing ones; slow-bodies: 50 slow POST bodies beside 20 browsing "
                             "clients; html: 8 clients asking for 10 000-row HTML answers")
    parser.add_argument("--url", help="a running server (loopback only); default: spawn `bolekg serve`")
    parser.add_argument("--pid", type=int, help="with --url: the server's PID, whose process tree's memory is sampled")
    parser.add_argument("--clients", type=int, help="browsing clients (default: 50; 20 in runaways and slow-bodies; "
                                                    "0 in html)")
    parser.add_argument("--duration", type=float, help="seconds (default 60; 30 for the other mixes)")
    parser.add_argument("--runaway-every", type=float, default=5.0,
                        help="default mix: seconds between runaway queries; 0: none")
    parser.add_argument("--runaway-clients", type=int, default=20, help="runaways mix: clients sending runaways")
    parser.add_argument("--slow-bodies", type=int, default=50, help="slow-bodies mix: connections")
    parser.add_argument("--slow-interval", type=float, default=2.0,
                        help="slow-bodies mix: seconds between two bytes of a body")
    parser.add_argument("--html-clients", type=int, default=8, help="html mix: clients asking for big HTML answers")
    parser.add_argument("--html-rows", type=int, default=10_000, help="html mix: rows of the answer asked for")
    parser.add_argument("--timeout", type=float, default=10.0,
                        help="the server's query time limit (BOLEKG_QUERY_TIMEOUT for a spawned server)")
    parser.add_argument("--think", type=float,
                        help="mean pause of a client between two requests, seconds (uniform in 0..2×think; "
                             "default 0.5)")
    parser.add_argument("--idle", type=float, default=5.0,
                        help="seconds without load before the server tree's final memory is read")
    parser.add_argument("--threads", type=int, default=8, help="request threads of a spawned server")
    parser.add_argument("--json", type=Path, help="also write the report as JSON here")
    args = parser.parse_args(argv)
    defaults = MIX_DEFAULTS[args.mix]
    clients = defaults.clients if args.clients is None else args.clients
    duration = defaults.duration if args.duration is None else args.duration
    think = defaults.think if args.think is None else args.think
    hostile = Hostile(runaway_clients=args.runaway_clients, slow_bodies=args.slow_bodies,
                      slow_interval=args.slow_interval, html_clients=args.html_clients, html_rows=args.html_rows)

    def drive(root: str, pid: int | None) -> Report:
        return run_load(root, clients, duration, args.runaway_every or None, args.timeout, think, mix=args.mix,
                        hostile=hostile, pid=pid, idle=args.idle)

    if args.url:
        report = drive(args.url.rstrip("/"), args.pid)
    else:
        with spawned_server({"BOLEKG_QUERY_TIMEOUT": str(args.timeout)}, threads=args.threads) as (root, process):
            report = drive(root, process.pid)
    print(render_text(report), flush=True)
    if args.json:
        args.json.write_text(json.dumps(report.summary(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return EXIT_INVALID if report.failed else EXIT_OK

