"""A bounded load on a BoleKG server over loopback: well-behaved clients beside hostile ones.

``make loadtest`` runs four mixes, each against a fresh ``bolekg serve``:

* ``default`` — 50 clients for 60 s browsing (entity pages in HTML and Turtle, searches when the
  server has ``/search``, SPARQL lookups, dumps), one runaway query every 5 s;
* ``runaways`` — 20 clients sending runaway queries back to back, each from an address of its own
  and each query a distinct text (a comment with a counter: no cache can answer it), beside 20
  browsing clients (pages, searches, lookups);
* ``slow-bodies`` — 50 connections that announce a 90 000-byte ``POST /sparql`` body and send one
  byte of it every 2 s, reopened whenever the server cuts them, beside 20 browsing clients;
* ``html`` — 8 clients asking again and again for a 10 000-row answer as an HTML page (varied, so
  that no cache serves it): what the serving process holds while it renders big answers, and
  whether it gives the memory back.

What it checks is the promise of the limits (README "Limits and security"): while runaway queries
are cut at the time limit or refused at once, and slow senders hold connections open, everyone else
is served normally, and the server's memory stays bounded. For each mix it prints, by kind of
request of the well-behaved clients, p50/p95/p99; answers by status; how the runaways and slow
bodies ended; and the server tree's memory (the server and all its descendants — HTTP worker, query
workers, forks for dumps — read from /proc every 0.1 s: baseline, peak, and after a short idle).
The issue's targets are printed beside the figures, pass or miss; they are a benchmark, not a test:
on a shared machine the timings are noisy. The exit status fails only on *unexpected* answers (a
5xx other than the documented 503, a well-behaved client's connection error or timeout, a status
the request cannot get) and, in the ``default`` mix, on a runaway answered later than the limit
plus a second.

Only loopback addresses are accepted as targets, every loop is bounded in time, and a spawned
server is stopped by its PID.

Run it from the repository as ``PYTHONPATH=bench .venv/bin/python -m loadtest --help`` (``make
loadtest`` does); the tests find it through pytest's ``pythonpath``. Its modules, one concern each:
:mod:`.connection` (one client's HTTP/1.1 connection from a loopback address of its own),
:mod:`.mix` (the mixes, the requests drawn from the server, the browsing client), :mod:`.hostile`
(runaways, slow bodies, big HTML answers), :mod:`.memory` (the server tree's memory sampler),
:mod:`.report` (figures, targets, the printed report), :mod:`.runner` (one mix, bounded in time) and
:mod:`.cli` (the command line and the spawned server).

Why not a load-testing framework such as Locust: its HTTP clients (requests, geventhttpclient) send
a request's body before they read the answer, whereas a slow body must read the server's 408 while
it still sends one byte every 2 s, so the hostile clients, like the loopback source address of each
client, would be socket code of our own inside its users anyway; and it measures its own requests,
not the memory (PSS) of the server's process tree. What would remain for it, scheduling and
percentiles, is a few dozen lines here, against gevent monkey-patching the standard library under
our asyncio clients.
"""

from .cli import main, spawned_server
from .connection import Connection, Request, client_address
from .hostile import Hostile
from .memory import Memory, TreeSampler, tree_memory, tree_pids
from .mix import MIX_DEFAULTS, MIXES, build_mix
from .report import Report, render_text
from .runner import run_load

__all__ = ["MIXES", "MIX_DEFAULTS", "Connection", "Hostile", "Memory", "Report", "Request", "TreeSampler",
           "build_mix", "client_address", "main", "render_text", "run_load", "spawned_server", "tree_memory",
           "tree_pids"]
