"""Time to parse and SHACL-validate the real data (target: under 2 s for validation).

Prints one line per measurement and writes ``bench/results/validate.json``. Run with ``make bench``.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

from bolekg.dataset import knowledge_graph
from bolekg.validate import shapes_graph, validate

RESULTS = Path(__file__).parent / "results"


def measure(repeats: int = 5) -> dict[str, float]:
    parse_times, validate_times = [], []
    shapes_graph()  # parsed once per process, as in the server
    for _ in range(repeats):
        start = time.perf_counter()
        graph = knowledge_graph()
        parsed = time.perf_counter()
        outcome = validate(graph)
        done = time.perf_counter()
        if not outcome.conforms:
            raise SystemExit("the real data does not conform: run `bolekg validate`")
        parse_times.append(parsed - start)
        validate_times.append(done - parsed)
    return {
        "triples": len(graph),
        "parse_median_s": statistics.median(parse_times),
        "validate_median_s": statistics.median(validate_times),
        "validate_max_s": max(validate_times),
    }


def main() -> None:
    result = measure()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "validate.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    for name, value in result.items():
        print(f"{name} {value:.3f}" if isinstance(value, float) else f"{name} {value}")


if __name__ == "__main__":
    main()
