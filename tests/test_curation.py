"""Curation as a library (:mod:`bolekg.services.curation`, :mod:`bolekg.services.drafts`): the draft of a
small report written for the tests, made by the real extractor, curated into the report's graph through
the project's full shapes on the real data — on the embedded store, and the write path again on an
on-disk store reopened afterwards.

Each test drafts a report of its own ID, so the tests share one store (its load and the shapes cost
seconds) and stay independent.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic

from bolekg.cli import main
from bolekg.report import vocab
from bolekg.report.dataset import read_graphs
from bolekg.report.vocab import BK, NIF, PROV, RDF, RDFS, SDMX_ATT, SKOS
from bolekg.services import curation
from bolekg.services.curation import ACCEPT, CORRECT, REJECT, Correction, Decision, decide
from bolekg.services.drafts import DraftError, Drafts
from bolekg.services.reports import list_reports
from bolekg.store import EmbeddedStore, GraphStore
from bolekg.store.base import WriteRejected
from curation_support import TITLE, add_draft, draft_file, english_for, fact_at, gated_store, report_graph
from ld_support import canonical

CURATOR = "王五"


@pytest.fixture(scope="module")
def store() -> Iterator[GraphStore]:
    yield from gated_store()


@pytest.fixture
def drafts(tmp_path: Path) -> Drafts:
    return Drafts(tmp_path / "drafts")


def _without_draft_terms(draft: Graph, node: URIRef) -> Graph:
    """What the curated graph should hold of ``node``: its draft triples less confidence, unresolved
    notes and labels (the draft's English words are rewritten, and the curator may give new ones)."""
    kept = Graph()
    for p, o in draft.predicate_objects(node):
        if p not in (BK.confidence, BK.unresolved, RDFS.label):
            kept.add((node, p, o))
    return kept


def _subject(graph: Graph, node: URIRef, drop: tuple[URIRef, ...] = (RDFS.label,)) -> Graph:
    found = Graph()
    for p, o in graph.predicate_objects(node):
        if p not in drop:
            found.add((node, p, o))
    return found


def _decisions(graph: Graph) -> dict[URIRef, URIRef]:
    """Fact → its decision record."""
    return {graph.value(d, BK.decisionAbout): d for d in graph.subjects(RDF.type, BK.CurationDecision)}  # type: ignore[misc]


def test_facts_in_reading_order_beside_their_sentence(drafts: Drafts, tmp_path: Path) -> None:
    draft = add_draft(drafts, tmp_path, "cura-order")
    listed = curation.facts(draft)
    assert [(f.begin, f.end) for f in listed] == sorted((f.begin, f.end) for f in listed)
    assert [f.as_written for f in listed if f.kind in ("observation", "milestone")] == [
        "4000人", "3120人", "85万元", "260个", "2021年5月20日前", "410户", "1200万元"]
    assert {f.kind for f in listed} == {"observation", "milestone", "status"}
    text = curation.report_text(draft)
    for item in listed:
        assert item.begin < item.end and text[item.sentence_begin:item.sentence_end] == item.sentence_text
        assert item.sentence_begin <= item.begin and item.end <= item.sentence_end
        assert item.as_written in text[item.begin:item.end]


def test_accept_moves_exactly_the_fact_and_what_it_needs(store: GraphStore, drafts: Drafts, tmp_path: Path) -> None:
    report_id = "cura-accept"
    draft = add_draft(drafts, tmp_path, report_id)
    size_before = drafts.path(report_id).stat().st_size
    people = fact_at(draft, "3120人")
    needs = curation.needed(draft, people.iri, curation.known_in_store(store))
    assert {n.kind for n in needs} >= {"Indicator", "Item", "Programme"}  # new: they want English labels
    labels, kinds = english_for(store, draft, people.iri)
    when = datetime(2026, 12, 4, 21, 0, tzinfo=UTC)
    outcome = decide(store, drafts, report_id, [Decision(people.iri, ACCEPT, labels=labels, kinds=kinds)], CURATOR,
                     when=when)

    curated = report_graph(store, report_id)
    # the fact itself: its draft triples, no confidence, no unresolved notes
    assert isomorphic(canonical(_subject(curated, people.iri)), canonical(_without_draft_terms(draft, people.iri)))
    zh = [o for o in draft.objects(people.iri, RDFS.label) if o.language == "zh"]  # type: ignore[union-attr]
    assert set(zh) <= set(curated.objects(people.iri, RDFS.label))
    assert not any(str(o).startswith("Draft") for o in curated.objects(None, RDFS.label))
    assert (None, BK.confidence, None) not in curated and (None, BK.unresolved, None) not in curated
    # what it needs came along, each node as drafted; shared places and instants stayed where they are
    decision = outcome.decisions[people.iri]
    for node in set(curated.subjects()) - {people.iri, decision, curation.curator_iri(CURATOR)}:
        assert (node, None, None) in draft, node
        assert isomorphic(canonical(_subject(curated, node, (RDFS.label, SKOS.broader))),
                          canonical(_subject(_without_draft_terms(draft, node), node, (SKOS.broader,)))), node
    assert (URIRef("https://w3id.org/bolekg/id/place/bole-city"), None, None) not in curated
    for label in labels.values():
        assert Literal(label, lang="en") in set(curated.objects(None, RDFS.label))
    # the report is now one of the store's reports, served with its first figure
    listed = {entry.id: entry for entry in list_reports(store)}
    assert listed[report_id].observations == 1 and listed[report_id].titles.get("zh") == TITLE
    # no other drafted fact moved
    others = {f.iri for f in curation.facts(draft)} - {people.iri}
    assert not any((o, None, None) in curated for o in others)
    # the decision: accepted, this fact, the curator, the time — not the observation's prov:wasAttributedTo
    assert curated.value(decision, BK.decisionKind) == BK.Accepted
    assert curated.value(decision, PROV.wasAttributedTo) == curation.curator_iri(CURATOR)
    assert (curation.curator_iri(CURATOR), RDF.type, PROV.Person) in curated
    assert curated.value(decision, PROV.generatedAtTime) == Literal("2026-12-04T21:00:00Z", datatype=vocab.XSD.dateTime)
    assert (people.iri, PROV.wasAttributedTo, None) not in curated
    # the draft shrank by the fact, atomically rewritten, and still holds the rest
    after = drafts.read(report_id)
    assert (people.iri, None, None) not in after
    assert {f.iri for f in curation.facts(after)} == others and outcome.remaining == len(others)
    assert drafts.path(report_id).stat().st_size < size_before
    assert list(drafts.directory.glob(".*.tmp")) == []
    # the same fact cannot be decided twice; had the draft not been rewritten after the commit (a crash
    # between the two), deciding it again says so and takes it out of the draft
    with pytest.raises(curation.CurationError):
        decide(store, drafts, report_id, [Decision(people.iri, ACCEPT)], CURATOR)
    drafts.write(report_id, draft)
    with pytest.raises(curation.CurationError, match="already"):
        decide(store, drafts, report_id, [Decision(people.iri, REJECT, reason="again")], CURATOR)
    assert (people.iri, None, None) not in drafts.read(report_id)
    assert len(report_graph(store, report_id)) == len(curated)


def test_reject_records_the_reason_and_publishes_nothing_of_the_fact(store: GraphStore, drafts: Drafts,
                                                                      tmp_path: Path) -> None:
    report_id = "cura-reject"
    draft = add_draft(drafts, tmp_path, report_id)
    plan = fact_at(draft, "4000人")
    with pytest.raises(curation.CurationError, match="reason"):
        decide(store, drafts, report_id, [Decision(plan.iri, REJECT)], CURATOR)
    outcome = decide(store, drafts, report_id, [Decision(plan.iri, REJECT, reason="计划数,重复")], CURATOR)
    curated = report_graph(store, report_id)
    decision = outcome.decisions[plan.iri]
    assert curated.value(decision, BK.decisionKind) == BK.Rejected
    assert str(curated.value(decision, BK.decisionReason)) == "计划数,重复"
    assert curated.value(decision, BK.decisionAbout) == plan.iri
    # nothing of the fact, but its quote (where the audit finds the figures it skips) and the text it lies in
    quote = curated.value(decision, BK.decisionEvidence)
    assert quote == draft.value(plan.iri, BK.evidence)
    offsets = (curated.value(quote, NIF.beginIndex), curated.value(quote, NIF.endIndex))
    assert tuple(int(str(o)) for o in offsets) == (plan.begin, plan.end)
    assert (plan.iri, None, None) not in curated
    assert set(curated.subject_predicates(plan.iri)) == {(decision, BK.decisionAbout)}
    assert {curated.value(s, RDF.type) for s in set(curated.subjects()) - {decision, curation.curator_iri(CURATOR)}} \
        <= {BK.Quote, NIF.Sentence, BK.Paragraph, BK.ReportText}
    assert (plan.iri, None, None) not in drafts.read(report_id)


def test_correct_value_unit_and_indicator(store: GraphStore, drafts: Drafts, tmp_path: Path) -> None:
    report_id = "cura-correct"
    draft = add_draft(drafts, tmp_path, report_id)
    money = fact_at(draft, "85万元")
    existing = URIRef("https://w3id.org/bolekg/id/indicator/subsidies-paid")
    assert any(iri == existing for iri, _, _ in curation.choices(store, "indicator"))
    labels, kinds = english_for(store, draft, money.iri)
    correction = Correction(value="8.5", unit=BK.HundredMillionYuan, indicator=existing)
    # the draft's own indicator is no longer needed: the fact now points at an existing one
    outcome = decide(store, drafts, report_id, [Decision(money.iri, CORRECT, correction, labels=labels,
                                                         kinds=kinds)], CURATOR)
    curated = report_graph(store, report_id)
    assert curated.value(money.iri, BK.actual) == Literal("8.5", datatype=vocab.XSD.decimal)
    assert curated.value(money.iri, SDMX_ATT.unitMeasure) == BK.HundredMillionYuan
    assert float(curated.value(money.iri, BK.normalisedValue)) == 850_000_000  # type: ignore[arg-type]
    assert curated.value(money.iri, BK.indicator) == existing
    assert (money.indicator, None, None) not in curated  # the draft's new indicator stayed behind
    decision = outcome.decisions[money.iri]
    assert curated.value(decision, BK.decisionKind) == BK.Corrected
    assert "value" in str(curated.value(decision, BK.decisionReason))


def test_a_refused_correction_changes_neither_store_nor_draft(store: GraphStore, drafts: Drafts,
                                                              tmp_path: Path) -> None:
    report_id = "cura-refused"
    draft = add_draft(drafts, tmp_path, report_id)
    homes = fact_at(draft, "410户")
    labels, kinds = english_for(store, draft, homes.iri)
    before_store = store.graph_counts()
    before_version = store.version().etag
    before_draft = drafts.path(report_id).read_bytes()
    with pytest.raises(WriteRejected) as refused:
        decide(store, drafts, report_id, [Decision(homes.iri, CORRECT, Correction(value="-410"), labels=labels,
                                                   kinds=kinds)], CURATOR)
    assert "cannot be negative" in refused.value.report_text()
    assert store.graph_counts() == before_store and store.version().etag == before_version
    assert len(report_graph(store, report_id)) == 0
    assert drafts.path(report_id).read_bytes() == before_draft
    with pytest.raises(curation.CurationError, match="not a number"):
        decide(store, drafts, report_id, [Decision(homes.iri, CORRECT, Correction(value="many"))], CURATOR)
    assert drafts.path(report_id).read_bytes() == before_draft


def test_a_sentence_at_a_time(store: GraphStore, drafts: Drafts, tmp_path: Path) -> None:
    report_id = "cura-sentence"
    draft = add_draft(drafts, tmp_path, report_id)
    people = fact_at(draft, "3120人")
    sentence = [f for f in curation.facts(draft) if f.sentence == people.sentence]
    assert len(sentence) == 2
    labels, kinds = english_for(store, draft, *(item.iri for item in sentence))
    outcome = decide(store, drafts, report_id, [Decision(f.iri, ACCEPT, labels=labels, kinds=kinds) for f in sentence],
                     CURATOR)
    curated = report_graph(store, report_id)
    assert all((f.iri, None, None) in curated for f in sentence)
    assert set(outcome.decisions) == {f.iri for f in sentence}
    assert outcome.remaining == len(curation.facts(draft)) - 2


def test_a_status_statement_waits_for_its_figure(store: GraphStore, drafts: Drafts, tmp_path: Path) -> None:
    """完成投资1200万元 is drafted as a figure and as a status statement pointing at it. Accepted alone, the
    status cannot publish its link into a fact still to be decided, and the shapes refuse a partly completed
    status without its figure; accepted with its sentence, both go in, linked."""
    report_id = "cura-status"
    draft = add_draft(drafts, tmp_path, report_id)
    money = fact_at(draft, "1200万元")
    status = next(f for f in curation.facts(draft) if f.kind == "status" and
                  (f.iri, BK.statusObservation, money.iri) in draft)
    labels, kinds = english_for(store, draft, status.iri)
    with pytest.raises(WriteRejected) as refused:
        decide(store, drafts, report_id, [Decision(status.iri, ACCEPT, labels=labels, kinds=kinds)], CURATOR)
    assert "bk:statusObservation" in refused.value.report_text()
    sentence = [f for f in curation.facts(draft) if f.sentence == money.sentence]
    more_labels, more_kinds = english_for(store, draft, *(item.iri for item in sentence))
    labels.update(more_labels)
    kinds.update(more_kinds)
    decide(store, drafts, report_id, [Decision(f.iri, ACCEPT, labels=labels, kinds=kinds) for f in sentence],
           CURATOR)
    curated = report_graph(store, report_id)
    assert (status.iri, BK.statusObservation, money.iri) in curated
    assert any(o.language == "en" for o in curated.objects(status.iri, RDFS.label))  # type: ignore[union-attr]


def test_drafts_directory_and_curate_add(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    directory = tmp_path / "drafts"
    assert main(["curate", "list", "--drafts", str(directory)]) == 0
    assert "no drafts in" in capsys.readouterr().err
    source = draft_file(tmp_path, "cura-cli")
    assert main(["curate", "add", "missing.ttl", "--drafts", str(directory)]) == 2
    assert "missing.ttl: no such file" in capsys.readouterr().err
    monkeypatch.chdir(source.parent)  # a path relative to the working directory
    assert main(["curate", "add", source.name, "--drafts", str(directory)]) == 0
    assert (directory / "cura-cli.ttl").is_file()
    assert main(["curate", "add", str(source), "--drafts", str(directory)]) == 2  # kept unless --replace
    assert "already" in capsys.readouterr().err
    assert main(["curate", "add", str(source), "--drafts", str(directory), "--replace"]) == 0
    assert main(["curate", "list", "--drafts", str(directory)]) == 0
    count = len(curation.facts(Drafts(directory).read("cura-cli")))
    assert f"cura-cli\t{count} facts" in capsys.readouterr().out
    curated = tmp_path / "curated.ttl"
    curated.write_text("@prefix bk: <https://w3id.org/bolekg/def/> .\n"
                       "<https://w3id.org/bolekg/id/report/x> a bk:Report .\n", encoding="utf-8")
    with pytest.raises(DraftError, match="not a draft"):
        Drafts(directory).add(curated)


def test_the_write_path_on_an_on_disk_store(drafts: Drafts, tmp_path: Path) -> None:
    """The same accept and reject on the on-disk store, still there once it is closed and reopened."""
    report_id = "cura-disk"
    location = tmp_path / "store"
    disk = EmbeddedStore(location)
    try:
        disk.load_graphs(read_graphs())
        draft = add_draft(drafts, tmp_path, report_id)
        people, plan = fact_at(draft, "3120人"), fact_at(draft, "4000人")
        labels, kinds = english_for(disk, draft, people.iri)
        decide(disk, drafts, report_id, [Decision(people.iri, ACCEPT, labels=labels, kinds=kinds)], CURATOR)
        decide(disk, drafts, report_id, [Decision(plan.iri, REJECT, reason="计划数")], CURATOR)
        expected = report_graph(disk, report_id)
    finally:
        disk.close()
    reopened = EmbeddedStore(location)
    try:
        curated = report_graph(reopened, report_id)
        assert isomorphic(curated, expected)
        assert (people.iri, RDF.type, BK.Observation) in curated and (plan.iri, None, None) not in curated
        assert set(_decisions(curated)) == {people.iri, plan.iri}
    finally:
        reopened.close()
