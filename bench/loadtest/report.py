"""What a load run saw, its targets, and the report printed for people (and written as JSON)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .memory import Memory

#: The issue's targets (benchmark figures, printed as pass/miss, never failing the run).
PAGE_P95_MS = 250.0
LOOKUP_P95_MS = 100.0
#: Share of a kind's requests that may be refused (429/503) for its latency target to count as met:
#: a p95 over the answers alone would look best when most requests are turned away.
REFUSED_SHARE = 0.01
TREE_PEAK_MB = 1536.0
#: Memory the server tree may keep after the load and a short idle, above what it held before: the
#: answer caches (BOLEKG_ANSWER_CACHE_MB, 64 MB and a quarter more by default) plus allocator slack.
RETAINED_MB = 128.0

KIND_LABELS = {
    "page": "page (HTML)",
    "turtle": "page (Turtle)",
    "search": "search",
    "lookup": "simple query",
    "dump": "dump",
    "html": "10 000-row HTML result",
}


@dataclass
class Report:
    """What happened: counts by kind and status, latencies of the normal requests, the hostile ones."""

    mix: str = "default"
    duration: float = 0.0
    clients: int = 0
    timeout: float = 10.0
    served: int = 0
    statuses: Counter = field(default_factory=Counter)
    unexpected: Counter = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    #: Answers to the well-behaved clients, by kind and status.
    kind_statuses: dict[str, Counter] = field(default_factory=dict)
    #: Well-behaved public queries refused by the admission limits (429/503 with Retry-After), by kind.
    refused: Counter = field(default_factory=Counter)
    runaways: list[tuple[int, float]] = field(default_factory=list)
    runaway_clients: int = 0
    #: How each runaway ended: "503 cut within limit+1 s", "429 at once", "503 at once", "late", …
    runaway_outcomes: Counter = field(default_factory=Counter)
    #: Runaways answered later than the limit + 1 s (a timing, kept apart from the errors).
    late: int = 0
    slow_connections: int = 0
    slow_opened: int = 0
    #: How each slow-body connection ended: "408", "closed", "other 400", "open at end", …
    slow_endings: Counter = field(default_factory=Counter)
    #: Seconds each cut slow-body connection had been open.
    slow_held: list[float] = field(default_factory=list)
    html_clients: int = 0
    memory: Memory | None = None
    failures: list[str] = field(default_factory=list)

    @property
    def unexpected_total(self) -> int:
        return sum(self.unexpected.values())

    @property
    def failed(self) -> bool:
        """What makes the run fail (the exit status): unexpected answers; in the ``default`` mix, as
        before the other mixes existed, also a runaway answered late."""
        return self.unexpected_total > 0 or (self.mix == "default" and self.late > 0)

    def targets(self) -> list[dict[str, object]]:
        """The issue's targets for this mix: name, measured value, limit and pass/miss."""
        out: list[dict[str, object]] = []
        if self.mix != "html":
            for kind, limit in (("page", PAGE_P95_MS), ("lookup", LOOKUP_P95_MS)):
                figures = percentiles(self.by_kind.get(kind, []))
                answered = sum(self.kind_statuses.get(kind, Counter()).values())
                refused = self.refused[kind] / answered if answered else 0.0
                p95 = figures.get("p95")
                out.append({"target": f"{KIND_LABELS[kind]} p95 < {limit:g} ms", "value_ms": p95,
                            "refused_share": round(refused, 3),
                            "pass": p95 is not None and p95 < limit and refused < REFUSED_SHARE})
        if self.mix == "runaways" or (self.mix == "default" and self.runaways):
            wrong = sum(n for outcome, n in self.runaway_outcomes.items() if not runaway_ok(outcome))
            out.append({"target": "every runaway answered within the limit + 1 s or refused at once with 429/503",
                        "late": self.late, "other": wrong - self.late, "pass": wrong == 0})
        if self.memory is not None and self.memory.samples:
            peak = self.memory.peak_pss or self.memory.peak_rss
            out.append({"target": f"server tree peak < {TREE_PEAK_MB:g} MB (PSS)", "value_mb": round(peak, 1),
                        "pass": peak < TREE_PEAK_MB})
            if self.mix == "html":
                retained = self.memory.final.get("pss", 0.0) - self.memory.baseline.get("pss", 0.0)
                out.append({"target": f"memory given back: at most {RETAINED_MB:g} MB more than before the load, "
                                      f"after {self.memory.idle_s:g} s idle",
                            "value_mb": round(retained, 1), "pass": retained <= RETAINED_MB})
        return out

    def summary(self) -> dict[str, object]:
        out: dict[str, object] = {
            "mix": self.mix,
            "clients": self.clients,
            "duration_s": round(self.duration, 1),
            "requests_served": self.served,
            "throughput_rps": round(self.served / self.duration, 1) if self.duration else 0,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "unexpected": {str(k): v for k, v in sorted(self.unexpected.items())},
            "normal_latency_ms": percentiles(self.latencies),
            "by_kind_ms": {kind: percentiles(values) for kind, values in sorted(self.by_kind.items())},
            "by_kind_statuses": {kind: {str(k): v for k, v in sorted(counts.items())}
                                 for kind, counts in sorted(self.kind_statuses.items())},
            "refused_by_kind": dict(sorted(self.refused.items())),
            "runaways": {"clients": self.runaway_clients,
                         "sent": len(self.runaways),
                         "statuses": dict(Counter(str(s) for s, _ in self.runaways)),
                         "outcomes": dict(sorted(self.runaway_outcomes.items())),
                         "max_s": round(max((t for _, t in self.runaways), default=0.0), 2),
                         "later_than_limit_plus_1s": self.late},
            "slow_bodies": {"connections": self.slow_connections, "opened": self.slow_opened,
                            "endings": dict(sorted(self.slow_endings.items())),
                            "held_s": percentiles(self.slow_held, scale=1.0)},
            "html_clients": self.html_clients,
            "memory": self.memory.summary() if self.memory is not None else None,
            "targets": self.targets(),
            "failures": self.failures[:20],
        }
        return out


def percentiles(values: list[float], scale: float = 1000.0) -> dict[str, float]:
    """p50/p95/p99/max of ``values`` (seconds), in milliseconds unless ``scale`` says otherwise."""
    if not values:
        return {"n": 0}
    ordered = sorted(values)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * scale, 1)

    return {"n": len(ordered), "p50": at(0.50), "p95": at(0.95), "p99": at(0.99), "max": at(1.0)}


def runaway_ok(outcome: str) -> bool:
    """Whether a runaway's outcome keeps the promise: refused at once, or answered within the limit + 1 s."""
    return outcome.endswith(("at once", "within limit+1 s"))


def render_text(report: Report) -> str:
    """The report for people: one block per mix, figures first, targets beside them."""
    summary = report.summary()
    lines = [f"== mix {report.mix}: {report.clients} browsing clients"
             + (f", {report.runaway_clients} runaway clients" if report.runaway_clients else "")
             + (f", {report.slow_connections} slow-body connections" if report.slow_connections else "")
             + (f", {report.html_clients} clients asking for big HTML answers" if report.html_clients else "")
             + f", {report.duration:.0f} s, query limit {report.timeout:g} s",
             f"requests answered: {report.served} ({summary['throughput_rps']}/s); by status: "
             + (", ".join(f"{k}: {v}" for k, v in sorted(report.statuses.items())) or "none")]
    lines.append("well-behaved clients, by kind    answers  refused    p50     p95     p99     max  (ms)")
    for kind in sorted(report.kind_statuses, key=lambda k: list(KIND_LABELS).index(k) if k in KIND_LABELS else 99):
        figures = percentiles(report.by_kind.get(kind, []))
        answered = sum(report.kind_statuses[kind].values())
        cells = "".join(f"{figures.get(q, '-')!s:>8}" for q in ("p50", "p95", "p99", "max"))
        lines.append(f"  {KIND_LABELS.get(kind, kind):<30}{answered:>8}{report.refused[kind]:>9}{cells}")
        other = {k: v for k, v in report.kind_statuses[kind].items() if k != 200}
        if other:
            lines.append("      not 200: " + ", ".join(f"{k}: {v}" for k, v in sorted(other.items())))
    if report.runaways or report.runaway_outcomes:
        slowest = max((t for _, t in report.runaways), default=0.0)
        lines.append(f"runaways: {len(report.runaways)} answered; "
                     + ", ".join(f"{k}: {v}" for k, v in sorted(report.runaway_outcomes.items()))
                     + f"; slowest {slowest:.2f} s (limit + 1 s = {report.timeout + 1:g} s)")
    if report.slow_connections:
        held = percentiles(report.slow_held, scale=1.0)
        lines.append(f"slow bodies: {report.slow_connections} connections, {report.slow_opened} opened; ended: "
                     + ", ".join(f"{k}: {v}" for k, v in sorted(report.slow_endings.items()))
                     + (f"; held p50/p95/max {held['p50']}/{held['p95']}/{held['max']} s" if held["n"] else ""))
    memory = report.memory
    if memory is None:
        lines.append("server tree memory: not measured (give --pid with --url)")
    else:
        def figures(sample: dict[str, float]) -> str:
            return (f"{sample.get('pss', '?')} MB PSS / {sample.get('rss', '?')} MB RSS "
                    f"({sample.get('processes')} processes)")

        lines.append(f"server tree memory (PID {memory.pid} and descendants, RSS every {memory.interval:g} s, "
                     f"PSS every 1 s, {memory.samples} samples): before {figures(memory.baseline)}; "
                     f"peak {memory.peak_pss} MB PSS / {memory.peak_rss} MB RSS ({memory.peak_processes} processes); "
                     f"after {memory.idle_s:g} s idle {figures(memory.final)}")
    lines.append("targets (benchmark, not asserted):")
    for target in report.targets():
        value = {k: v for k, v in target.items() if k not in ("target", "pass")}
        lines.append(f"  {'pass' if target['pass'] else 'MISS'}  {target['target']}: "
                     + ", ".join(f"{k} {v}" for k, v in value.items()))
    lines.append(f"unexpected: {report.unexpected_total}"
                 + (" (" + ", ".join(f"{k}: {v}" for k, v in report.unexpected.items()) + ")" if report.unexpected
                    else "")
                 + f" -> {'FAIL' if report.failed else 'ok'}")
    for failure in report.failures[:10]:
        lines.append(f"  {failure}")
    return "\n".join(lines)

