"""The short version of ``make loadtest``: 10 clients for 8 s against a real ``bolekg serve``, runaway
queries every 2 s. Nothing unexpected may happen — every normal request answered as it should be,
every runaway cut with 503. (How fast is for ``make loadtest``; no timing is asserted here.)"""

from __future__ import annotations

from loadtest import run_load, spawned_server

TIMEOUT = 2.0


def test_short_load_with_runaway_queries() -> None:
    with spawned_server({"BOLEKG_QUERY_TIMEOUT": str(TIMEOUT), "BOLEKG_QUERY_WORKERS": "4"}, threads=8) as (root, _):
        report = run_load(root, clients=10, duration=8.0, runaway_every=2.0, timeout=TIMEOUT, think=0.05)
    summary = report.summary()
    assert report.unexpected_total == 0, summary
    assert report.served > 100, summary
    kinds = set(report.by_kind)
    assert {"page", "turtle", "lookup", "dump"} <= kinds, summary
    assert len(report.runaways) >= 3 and all(status == 503 for status, _ in report.runaways), summary
