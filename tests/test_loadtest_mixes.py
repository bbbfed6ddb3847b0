"""The three hostile mixes of ``make loadtest`` (runaways, slow bodies, big HTML answers), each for a
few seconds with small numbers against one real ``bolekg serve``: every mix runs, its report carries
the figures the README quotes — latencies by kind, answers by status, how the runaways and slow
bodies ended, the server tree's memory, the targets — and nothing unexpected happens. How fast is
for ``make loadtest``: no timing is asserted here."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from loadtest import Hostile, Report, main, run_load, spawned_server

TIMEOUT = 2.0
SMALL = Hostile(runaway_clients=2, slow_bodies=3, slow_interval=0.5, html_clients=1)


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, subprocess.Popen]]:
    with spawned_server({"BOLEKG_QUERY_TIMEOUT": str(TIMEOUT), "BOLEKG_QUERY_WORKERS": "4"}, threads=8) as served:
        yield served


def _run(server: tuple[str, subprocess.Popen], mix: str, clients: int = 3) -> Report:
    root, process = server
    return run_load(root, clients=clients, duration=4.0, timeout=TIMEOUT, think=0.1, mix=mix, hostile=SMALL,
                    pid=process.pid, idle=0.3)


def _common(summary: dict, mix: str) -> None:
    assert summary["mix"] == mix
    assert summary["unexpected"] == {}, summary
    assert summary["statuses"] and summary["requests_served"] > 0, summary
    memory = summary["memory"]
    assert memory["samples"] > 0, memory
    for sample in (memory["baseline_mb"], memory["final_mb"]):
        assert sample["rss"] > 0 and sample["pss"] > 0 and sample["processes"] >= 1, memory
    assert memory["peak_mb"]["pss"] >= memory["baseline_mb"]["pss"] > 0, memory
    assert memory["peak_mb"]["processes"] >= 2, memory  # the server and its HTTP worker at least
    assert summary["targets"] and all(isinstance(t["pass"], bool) for t in summary["targets"]), summary


def test_runaways_mix(server: tuple[str, subprocess.Popen]) -> None:
    report = _run(server, "runaways")
    summary = report.summary()
    _common(summary, "runaways")
    assert {"page", "lookup"} <= set(summary["by_kind_ms"]), summary
    assert "dump" not in summary["by_kind_statuses"], summary
    runaways = summary["runaways"]
    assert runaways["clients"] == 2 and runaways["sent"] >= 2, runaways
    assert sum(runaways["outcomes"].values()) == runaways["sent"], runaways
    assert set(runaways["outcomes"]) <= {"503 cut within limit+1 s", "503 at once", "429 at once", "late"}, runaways
    assert any(t["target"].startswith("every runaway") for t in summary["targets"]), summary


def test_slow_bodies_mix(server: tuple[str, subprocess.Popen]) -> None:
    report = _run(server, "slow-bodies")
    summary = report.summary()
    _common(summary, "slow-bodies")
    assert {"page", "lookup"} <= set(summary["by_kind_ms"]), summary
    slow = summary["slow_bodies"]
    assert slow["connections"] == 3 and slow["opened"] >= 3, slow
    # every connection opened ended one way or another: cut by the server (408, closed, another
    # status) or still open when the run ended
    assert sum(slow["endings"].values()) == slow["opened"], slow


def test_html_mix_through_the_command_line(server: tuple[str, subprocess.Popen], tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    root, process = server
    out = tmp_path / "html.json"
    status = main(["--mix", "html", "--url", root, "--pid", str(process.pid), "--duration", "4",
                   "--html-clients", "1", "--timeout", str(TIMEOUT), "--idle", "0.3", "--json", str(out)])
    printed = capsys.readouterr().out
    summary = json.loads(out.read_text(encoding="utf-8"))
    assert status == 0, printed
    _common(summary, "html")
    assert summary["html_clients"] == 1
    assert summary["by_kind_ms"]["html"]["n"] > 0 and "p95" in summary["by_kind_ms"]["html"], summary
    names = [t["target"] for t in summary["targets"]]
    assert any("peak" in name for name in names) and any("given back" in name for name in names), names
    for figure in ("10 000-row HTML result", "server tree memory", "targets", "unexpected: 0"):
        assert figure in printed, printed
