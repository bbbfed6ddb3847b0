"""Ratios, targets and the Markdown table of one benchmark run (``bench/run.py``).

Every ratio is BoleKG ÷ baseline, both figures from the same run: below 1 BoleKG is faster (or
smaller), above 1 it is slower. Targets are the ones issue 6 sets; each is judged on the ratios of
this run only.
"""

from __future__ import annotations

from typing import Any

MB = 2**20


def _p50(cell: Any) -> float | None:
    return cell.get("p50_ms") if isinstance(cell, dict) else None


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def ratios(results: dict[str, Any]) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    scales = results["scales"]
    for scale, data in scales.items():
        for name, row in data.get("queries", {}).items():
            out[f"{scale}.sparql-vs-oxigraph.{name}"] = _ratio(_p50(row.get("bolekg-http")), _p50(row.get("oxigraph")))
            if isinstance(row.get("bolekg-http-computed"), dict) and "p50_ms" in row["bolekg-http-computed"]:
                out[f"{scale}.sparql-computed-vs-oxigraph.{name}"] = _ratio(
                    _p50(row.get("bolekg-http-computed")), _p50(row.get("oxigraph")))
            if isinstance(row.get("bolekg-http-inline"), dict) and "p50_ms" in row["bolekg-http-inline"]:
                out[f"{scale}.sparql-without-workers-vs-oxigraph.{name}"] = _ratio(
                    _p50(row.get("bolekg-http-inline")), _p50(row.get("oxigraph")))
            if "bolekg-inproc" in row:
                out[f"{scale}.inproc-vs-oxigraph.{name}"] = _ratio(_p50(row.get("bolekg-inproc")),
                                                                   _p50(row.get("oxigraph")))
            if "rdflib-endpoint" in row:
                out[f"{scale}.sparql-vs-rdflib-endpoint.{name}"] = _ratio(_p50(row.get("bolekg-http")),
                                                                          _p50(row.get("rdflib-endpoint")))
                out[f"{scale}.inproc-vs-rdflib-inproc.{name}"] = _ratio(_p50(row.get("bolekg-inproc")),
                                                                        _p50(row.get("rdflib-inproc")))
        pages = data.get("pages", {})
        if pages:
            out[f"{scale}.entity-document-vs-oxigraph-construct"] = _ratio(
                _p50(pages.get("entity-turtle-observation")), _p50(pages.get("oxigraph-document-construct")))
        for clients in ("1", "4", "16"):
            conc = data.get("concurrency", {})
            ours, theirs = conc.get("bolekg-http", {}).get(clients), conc.get("oxigraph", {}).get(clients)
            if ours and theirs:
                out[f"{scale}.throughput{clients}-vs-oxigraph"] = _ratio(ours["rps"], theirs["rps"])
            computed = conc.get("bolekg-http-computed", {}).get(clients)
            if computed and theirs:
                out[f"{scale}.throughput{clients}-computed-vs-oxigraph"] = _ratio(computed["rps"], theirs["rps"])
        load = data.get("load", {})
        if load.get("oxigraph"):
            out[f"{scale}.load-vs-oxigraph"] = _ratio(load.get("bolekg-http"), load.get("oxigraph"))
        peak = data.get("memory", {}).get("peak", {})
        if peak.get("oxigraph"):
            out[f"{scale}.peak-rss-vs-oxigraph"] = _ratio(peak.get("bolekg-http"), peak.get("oxigraph"))
    real = scales.get("real", {}).get("pages", {})
    for scale, data in scales.items():
        if scale == "real" or "pages" not in data:
            continue
        for page in ("entity-html-observation", "entity-html-item", "entity-turtle-observation",
                     "entity-html-hub-place", "search-html"):
            out[f"{page}.{scale}-vs-real"] = _ratio(_p50(data["pages"].get(page)), _p50(real.get(page)))
    return out


def _target(name: str, ok: bool | None, detail: str) -> dict[str, Any]:
    return {"name": name, "status": "n/a" if ok is None else ("met" if ok else "MISSED"), "detail": detail}


def _judged_scale(scales: dict[str, Any], wanted: str) -> str | None:
    if wanted in scales and "queries" in scales[wanted]:
        return wanted
    return None


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    scales = results["scales"]
    r = results.get("ratios") or ratios(results)
    found: list[dict[str, Any]] = []

    for scale in ("real", "1m"):
        if _judged_scale(scales, scale) is None:
            found.append(_target(f"/sparql p50 ≤ 1.5 × oxigraph serve, every query, at {scale}", None,
                                 f"{scale} not run in this mode"))
            continue
        pairs = {name: r.get(f"{scale}.sparql-vs-oxigraph.{name}") for name in scales[scale]["queries"]}
        compared = {n: v for n, v in pairs.items() if v is not None}
        missed = {n: v for n, v in compared.items() if v > 1.5}
        worst = max(compared.values(), default=None)
        unmeasured = ", ".join(sorted(set(pairs) - set(compared))) or "none"
        over = ", ".join(f"{n} {v:.2f}×" for n, v in sorted(missed.items())) or "none"
        found.append(_target(f"/sparql p50 ≤ 1.5 × oxigraph serve, every query, at {scale}", not missed,
                             f"{len(compared) - len(missed)}/{len(compared)} compared queries within 1.5×; worst "
                             f"{worst:.2f}×; over: {over}; not comparable (an engine failed or was skipped): "
                             f"{unmeasured}" if worst is not None else "no data"))
        # the repeats above are answered from the answer cache; this is the same server computing each one
        computed = {n: r.get(f"{scale}.sparql-computed-vs-oxigraph.{n}") for n in scales[scale]["queries"]}
        computed = {n: v for n, v in computed.items() if v is not None}
        if computed:
            over = ", ".join(f"{n} {v:.2f}×" for n, v in sorted(computed.items()) if v > 1.5) or "none"
            found.append({"name": f"(for comparison, not the target) the same with every answer computed, at {scale}",
                          "status": "info",
                          "detail": f"{sum(v <= 1.5 for v in computed.values())}/{len(computed)} within 1.5×; "
                                    f"worst {max(computed.values()):.2f}×; over: {over}"})

    scale = _judged_scale(scales, "1m")
    if scale is None:
        found.append(_target("≥ 20 × faster than rdflib-endpoint on joins and aggregates at 1M", None,
                             "1M not run in this mode"))
    else:
        details, ok = [], True
        for name, row in scales[scale]["queries"].items():
            if row.get("kind") not in ("join", "aggregate"):
                continue
            # judged on the server computing every answer: a kept answer says nothing about the engine
            ours = _p50(row.get("bolekg-http-computed")) or _p50(row.get("bolekg-http"))
            peer = row.get("rdflib-endpoint", {})
            if _p50(peer) is not None and ours is not None:
                speedup = _p50(peer) / ours
                details.append(f"{name} {speedup:.0f}×")
                ok = ok and speedup >= 20
            elif ours is not None and (peer.get("timeout_s") or peer.get("skipped")):
                details.append(f"{name} rdflib over the cap ({peer.get('timeout_s') or peer.get('skipped')})")
            else:
                ok = False
                details.append(f"{name} not measured")
        found.append(_target("≥ 20 × faster than rdflib-endpoint on joins and aggregates at 1M", ok,
                             "every answer computed: " + "; ".join(details)))

    if "1m" in scales and "real" in scales:
        value = r.get("entity-html-observation.1m-vs-real")
        item = r.get("entity-html-item.1m-vs-real")
        found.append(_target("entity HTML page p50 at 1M ≤ 2 × at the real scale", value is not None and value <= 2
                             and (item is None or item <= 2),
                             f"observation {value if value is None else round(value, 2)}×, "
                             f"item {item if item is None else round(item, 2)}×"))
    else:
        found.append(_target("entity HTML page p50 at 1M ≤ 2 × at the real scale", None, "1M not run in this mode"))

    conc = [s for s in scales if f"{s}.throughput16-vs-oxigraph" in r]
    if conc:
        details = [f"{s} {r[f'{s}.throughput16-vs-oxigraph']:.2f}×" for s in conc]
        details += [f"every answer computed: {s} {r[f'{s}.throughput16-computed-vs-oxigraph']:.2f}×" for s in conc
                    if r.get(f"{s}.throughput16-computed-vs-oxigraph") is not None]
        found.append(_target("throughput with 16 clients ≥ 0.5 × oxigraph serve (lookup)",
                             all((r[f"{s}.throughput16-vs-oxigraph"] or 0) >= 0.5 for s in conc), ", ".join(details)))
    start = results.get("startup", {}).get("start_s")
    found.append(_target("start-up of the real data (parse + validate + load) < 3 s",
                         None if start is None else start < 3, f"{start:.2f} s" if start is not None else "not run"))
    if "1m" in scales and scales["1m"].get("memory"):
        peak = scales["1m"]["memory"].get("peak", {}).get("bolekg-http")
        tree = scales["1m"]["memory"].get("bolekg-tree", {})
        pss = tree.get("tree_pss")
        # judged on the whole server: Granian's parent (which loaded the store), its HTTP worker (which
        # shares those pages) and the query workers, each page counted once (proportional set size)
        found.append(_target("1M triples served in < 1.5 GB RSS", pss is not None and pss < 1.5 * 2**30,
                             f"whole server {pss / MB:.0f} MB PSS over {tree.get('processes')} processes "
                             f"({tree.get('tree_rss', 0) / MB:.0f} MB RSS summed, shared pages counted per "
                             f"process); loading process peak {peak / MB:.0f} MB" if pss and peak else "not measured"))
    else:
        found.append(_target("1M triples served in < 1.5 GB RSS", None, "1M not run in this mode"))
    return found


# --- Markdown -----------------------------------------------------------------------------------

def _fmt(value: float | None, digits: int = 2) -> str:
    if value is None:
        return "–"
    if value >= 100:
        return f"{value:.0f}"
    return f"{value:.{digits}f}"


def _cell(cell: Any) -> str:
    if not isinstance(cell, dict):
        return "–"
    if cell.get("skipped"):
        return "skipped"
    if cell.get("timeout_s"):
        return f"> {cell['timeout_s']:.0f} s"
    if cell.get("error"):
        return "error"
    return f"{_fmt(cell.get('p50_ms'))} ({_fmt(cell.get('p95_ms'))})"


def _x(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}×"


def markdown(results: dict[str, Any]) -> str:
    r = results["ratios"]
    m = results["machine"]
    lines = [
        f"# BoleKG benchmark — {results['date'][:10]} ({results['mode']})",
        "",
        f"Machine: {m['cpus']} cores ({m['cpu']}), {m['memory_gb']} GB; {m['platform']}; "
        + ", ".join(f"{k} {v}" for k, v in m["versions"].items()) + f"; load client: {m['load_client']}. "
        f"Run took {results['seconds']} s.",
        "",
        "Times are milliseconds, median (p95) after warm-up; ratios are BoleKG ÷ baseline from this run "
        "(below 1: BoleKG faster).",
        "",
        "## Targets",
        "",
        "| target | status | measured |",
        "| --- | --- | --- |",
    ]
    lines += [f"| {t['name']} | {t['status']} | {t['detail']} |" for t in results["targets"]]
    engines = ("bolekg-http", "bolekg-http-computed", "bolekg-http-inline", "bolekg-inproc", "oxigraph",
               "rdflib-inproc", "rdflib-endpoint")
    for scale, data in results["scales"].items():
        lines += ["", f"## {scale}: {data['quads']:,} quads, {data['reports']} report(s)", ""]
        if "queries" in data:
            present = [e for e in engines if any(isinstance(row.get(e), dict) and "p50_ms" in row[e]
                                                 for row in data["queries"].values())]
            lines.append("| query | " + " | ".join(present)
                         + " | /sparql ÷ oxigraph | computed ÷ oxigraph | /sparql ÷ rdflib-endpoint |")
            lines.append("| --- |" + " ---: |" * (len(present) + 3))
            for name, row in data["queries"].items():
                cells = [_cell(row.get(e)) for e in present]
                versus_ox = _x(r.get(f"{scale}.sparql-vs-oxigraph.{name}"))
                computed = _x(r.get(f"{scale}.sparql-computed-vs-oxigraph.{name}"))
                versus_peer = _x(r.get(f"{scale}.sparql-vs-rdflib-endpoint.{name}"))
                lines.append(f"| {name} | " + " | ".join(cells) + f" | {versus_ox} | {computed} | {versus_peer} |")
        if data.get("pages"):
            lines += ["", "| BoleKG page | ms p50 (p95) | bytes |", "| --- | ---: | ---: |"]
            for name, cell in data["pages"].items():
                lines.append(f"| {name} | {_cell(cell)} | {cell.get('bytes', 0):,} |")
        load, memory = data.get("load", {}), data.get("memory", {})
        if load:
            lines += ["", "| engine | load s | RSS after load MB | peak RSS MB |", "| --- | ---: | ---: | ---: |"]
            for engine in ("bolekg-http", "bolekg-inproc", "oxigraph", "rdflib-endpoint"):
                if engine not in load:
                    continue
                after = memory.get("after_load", {}).get(engine)
                peak = memory.get("peak", {}).get(engine)
                lines.append(f"| {engine} | {_fmt(load.get(engine))} | {_fmt(after / 2**20 if after else None, 0)} | "
                             f"{_fmt(peak / 2**20 if peak else None, 0)} |")
            tree = memory.get("bolekg-tree")
            if tree:
                lines.append(f"| bolekg-http + {tree['processes'] - 1} query workers | | | "
                             f"{tree['tree_pss'] / 2**20:.0f} PSS / {tree['tree_rss'] / 2**20:.0f} RSS summed |")
        if data.get("concurrency"):
            lines += ["", "| lookup throughput | clients | req/s (BoleKG and oxigraph: median of rounds taken "
                          "in turn) | p50 ms | p99 ms | errors |",
                      "| --- | ---: | ---: | ---: | ---: | ---: |"]
            for engine, levels in data["concurrency"].items():
                for clients, t in levels.items():
                    rounds = t.get("rounds_rps")
                    rps = f"{t['rps']:.0f}" + (f" (rounds: {', '.join(str(r) for r in rounds)})" if rounds else "")
                    lines.append(f"| {engine} | {clients} | {rps} | {_fmt(t['p50_ms'])} | {_fmt(t['p99_ms'])} "
                                 f"| {t['errors']} |")
    startup = results.get("startup", {})
    if startup or results.get("validation"):
        lines += ["", "## Start-up and validation (real data)", ""]
    if startup:
        parts = startup.get("parts", {})
        runs = ", ".join(_fmt(x) for x in startup.get("runs", []))
        lines.append("- start (parse + SHACL validate + load, `EmbeddedStore().load_graphs(read_graphs())` "
                     f"as `bolekg serve` does): **{_fmt(startup.get('start_s'))} s** (runs: {runs})")
        if "parse" in parts:
            lines.append(f"- of which parse {_fmt(parts['parse'])} s, validate + load "
                         f"{_fmt(parts['validate_and_load'])} s (imports before that: {_fmt(parts['imports'])} s)")
            lines.append(f"- SHACL validation alone, real data ({parts['triples']:,} triples): "
                         f"{_fmt(parts['validate'])} s, conforms: {parts['conforms']}")
        if startup.get("serve_to_first_answer_s") is not None:
            lines.append(f"- `bolekg serve` from the shell to its first answered request: "
                         f"{_fmt(startup.get('serve_to_first_answer_s'))} s")
    for scale, v in results.get("validation", {}).items():
        if "validate" in v:
            lines.append(f"- SHACL validation at {scale} ({v['triples']:,} triples): {_fmt(v['validate'])} s, "
                         f"conforms: {v['conforms']}")
        else:
            lines.append(f"- SHACL validation at {scale}: {v.get('error')}")
    load = results.get("load_average_at_start"), results.get("load_average_at_end")
    lines += ["", "## Notes", "", f"- {results.get('virtuoso', '')}",
              f"- system load average (1/5/15 min) at start {load[0]}, at end {load[1]}: on a shared machine "
              "absolute times move; the ratios compare engines measured side by side.",
              "- `bolekg-http` runs with `BOLEKG_MAX_ROWS` raised so that every engine returns the whole answer.",
              "- `rdflib-inproc` is timed inside the rdflib-endpoint process (query + serialisation), "
              "`bolekg-inproc` inside the benchmark process (`EmbeddedStore.query` + serialisation).",
              ""]
    return "\n".join(lines) + "\n"
