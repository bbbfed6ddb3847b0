"""The benchmark's synthetic data (bench/generate.py) is the real graph's shape, valid under the project's
own shapes, and the same for the same seed. Small scale only: the real report and one synthetic one."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest

import generate  # bench/generate.py: bench/ is on the path through pytest's `pythonpath` (pyproject.toml)
from bolekg.report.quads import to_rdflib
from bolekg.report.validate import format_outcome, validate
from bolekg.report.vocab import BASE, REPORT_GRAPH

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
NIF = "http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#"
SYNTHETIC_GRAPH = ox.NamedNode(BASE + "graph/report/s0001")


@pytest.fixture(scope="module")
def template() -> generate.Template:
    return generate.build_template()


@pytest.fixture(scope="module")
def quads(template: generate.Template) -> list[ox.Quad]:
    text = "".join(generate.generate(template, reports=2, seed=7))
    return list(ox.parse(text.encode("utf-8"), format=ox.RdfFormat.N_QUADS))


def _graph(quads: list[ox.Quad], name: ox.NamedNode) -> list[ox.Triple]:
    return [q.triple for q in quads if q.graph_name == name]


def test_real_data_and_one_synthetic_report_conform_to_the_shapes(quads: list[ox.Quad]) -> None:
    union = to_rdflib(dict.fromkeys(q.triple for q in quads))
    outcome = validate(union)
    assert outcome.conforms, format_outcome(outcome)


def test_report_zero_is_the_real_data_unchanged(quads: list[ox.Quad], template: generate.Template) -> None:
    real = [q for q in quads if q.graph_name == ox.NamedNode(str(REPORT_GRAPH))]
    assert len(real) == len(template.shared_quads) - sum(1 for line in template.shared_quads
                                                         if "/graph/ontology>" in line)
    synthetic = _graph(quads, SYNTHETIC_GRAPH)
    assert len(synthetic) == template.per_report


def test_synthetic_report_has_the_same_kinds_of_entities_under_its_own_iris(quads: list[ox.Quad]) -> None:
    real = _graph(quads, ox.NamedNode(str(REPORT_GRAPH)))
    synthetic = _graph(quads, SYNTHETIC_GRAPH)

    def classes(triples: list[ox.Triple], per_report_only: bool) -> Counter[str]:
        return Counter(t.object.value for t in triples if t.predicate.value == RDF_TYPE
                       and (not per_report_only or "/s0001-" in t.subject.value or generate._kind(
                           t.subject.value) in generate.PER_REPORT_KINDS))

    synthetic_classes = classes(synthetic, per_report_only=False)
    real_per_report = Counter({c: n for c, n in classes(real, per_report_only=True).items()})
    for cls in ("https://w3id.org/bolekg/def/Observation", "https://w3id.org/bolekg/def/Quote",
                "https://w3id.org/bolekg/def/Item", "https://w3id.org/bolekg/def/Milestone",
                "https://w3id.org/bolekg/def/Report", "http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#Sentence"):
        assert synthetic_classes[cls] == real_per_report[cls] > 0, cls
    subjects = {t.subject.value for t in synthetic}
    assert all("/s0001-" in s for s in subjects), sorted(s for s in subjects if "/s0001-" not in s)[:5]
    labels = {t.object.language for t in synthetic if t.predicate.value.endswith("#label")
              and "/obs/" in t.subject.value}
    assert labels == {"zh", "en"}


def test_every_synthetic_quote_is_verbatim_in_its_own_text(quads: list[ox.Quad]) -> None:
    synthetic = _graph(quads, SYNTHETIC_GRAPH)
    text = next(t.object.value for t in synthetic if t.predicate.value == NIF + "isString")
    spans: dict[str, dict[str, str]] = {}
    for t in synthetic:
        if t.predicate.value in (NIF + "anchorOf", NIF + "beginIndex", NIF + "endIndex"):
            spans.setdefault(t.subject.value, {})[t.predicate.value.rsplit("#", 1)[1]] = t.object.value
    quotes = {s: v for s, v in spans.items() if "/quote/" in s}
    assert len(quotes) > 300
    for iri, span in spans.items():
        begin, end = int(span["beginIndex"]), int(span["endIndex"])
        assert text[begin:end] == span.get("anchorOf", text), iri
        if iri in quotes:
            assert iri.endswith(f"-{begin}-{end}"), iri


def test_figures_are_scaled_together_and_written_in_their_quotes(template: generate.Template) -> None:
    report = generate._Report(template, 1, seed=7)
    assert 2 <= report.factor <= 9
    assert len(report.scaled) > 100
    assert report.text != template.text
    for iri in report.scaled:
        observation = template.observations[iri]
        scaled = Decimal(observation.value) * report.factor
        written = [report.text[report.offset(b):report.offset(e)] for b, e in observation.quotes]
        assert any(str(scaled) in quote for quote in written), (iri, scaled, written)


def test_same_seed_same_bytes_other_seed_other_figures(template: generate.Template) -> None:
    first = "".join(generate.generate(template, reports=3, seed=11))
    again = "".join(generate.generate(template, reports=3, seed=11))
    other = "".join(generate.generate(template, reports=3, seed=12))
    assert first == again
    assert first != other


def test_reports_for_reaches_the_asked_size(template: generate.Template) -> None:
    reports = generate.reports_for(200_000, template)
    size = len(template.shared_quads) + (reports - 1) * template.per_report
    assert size >= 200_000 > size - template.per_report
    assert generate.reports_for(0, template) == 1


def test_written_file_matches_its_manifest(template: generate.Template, tmp_path: Path) -> None:
    manifest = generate.write(tmp_path / "two.nq", template, reports=2, seed=7)
    lines = (tmp_path / "two.nq").read_text(encoding="utf-8").splitlines()
    assert manifest.quads == len(lines) == len(template.shared_quads) + template.per_report
    assert (tmp_path / "two.json").exists()
