"""A second report to load beside the real one: the benchmark generator's report ``s0001``.

It is the real report rewritten (bench/generate.py): its own graph (``graph/report/s0001``) and IRIs
(``obs:s0001-…``), other numbers in its text and figures, and the shared places, organisations,
periods and indicators referenced rather than copied — what any second report of this kind looks like
to the store. It conforms to the shapes together with the real data (tests/test_bench_generator.py).
"""

from __future__ import annotations

from functools import cache

import pyoxigraph as ox

SECOND_ID = "s0001"


@cache
def second_report_triples() -> tuple[ox.Triple, ...]:
    """The triples of report ``s0001``'s graph (the real data is report 0 and is left out)."""
    import generate  # bench/generate.py: on the path through pytest's `pythonpath` (pyproject.toml)

    template = generate.build_template()
    shared = len(template.shared_quads)
    lines = "".join(list(generate.generate(template, 2))[shared:])
    from bolekg.report.reports import report_graph_iri

    graph = report_graph_iri(SECOND_ID)
    quads = list(ox.parse(lines.encode("utf-8"), format=ox.RdfFormat.N_QUADS))
    strays = {q.graph_name for q in quads if q.graph_name != ox.NamedNode(graph)}
    if strays:
        raise AssertionError(f"the generated report wrote outside its graph: {strays}")
    return tuple(q.triple for q in quads)
