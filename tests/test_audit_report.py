"""``bolekg audit --report ID``: the numeric audit of a report curated into a store
(:mod:`bolekg.services.report_audit`), and the README's "Encode another report" from a text to a served,
audited graph.

A small report written for these tests is drafted by the real extractor and curated through the
project's full shapes on the real data. What the audit must say is computed from the draft and the
decisions made here (which figures were accepted, which rejected and why, which are left), never
written down as numbers: encoded are the numbers an accepted figure states in its own quote; period
the numbers of the one period phrase (2021年1-6月) whose figure was accepted; skipped the numbers in the
rejected figure's quote, for the curator's reason; pending the numbers quoted by facts still in the
draft. The first sentence's figure of people trained is corrected to the Bole report's indicator
(ind:vocational-training), so that the comparison page sets it beside Bole's figures.
"""

from __future__ import annotations

import html
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic

from bolekg.cli import main
from bolekg.report.audit import (
    AUDIT_DIR,
    HEADER_LINE,
    AuditResult,
    audit,
    counts,
    format_audit,
    format_json,
    format_markdown,
)
from bolekg.report.dataset import read_graphs
from bolekg.report.mentions import Mention
from bolekg.report.quads import to_rdflib
from bolekg.report.reports import report_graph_iri
from bolekg.services import curation
from bolekg.services.curation import ACCEPT, CORRECT, REJECT, Correction, Decision, decide
from bolekg.services.drafts import Drafts
from bolekg.services.report_audit import audit_report
from bolekg.store import EmbeddedStore, GraphStore
from curation_support import english_for, gated_store
from ld_support import canonical, fetch, running

#: Invented: a period phrase with numbers, a share of plan, an ordinal inside a figure's clause, two
#: programmes; every number is in a drafted fact's quote or in a period phrase.
TEXT = """今年以来,博乐市持续推进民生工作。
一、稳定就业
(一)职业技能培训。2021年1-6月,全市开展职业技能培训2860人次,完成全年计划的47.7%。
(二)公益岗位。开发公益性岗位150个,其中第一批上岗80人。
二、改善居住条件
(一)老旧小区改造。改造老旧小区住房320户,完成投资900万元。
"""
TITLE = "博乐市民生工作进展(审核测试)"
PLACE, DATE = "652701", "2021-06-30"
PERIOD_PHRASE = "2021年1-6月"
TRAINING = URIRef("https://w3id.org/bolekg/id/indicator/vocational-training")
REASON = "第一批上岗的80人是150个岗位的一部分,不是另一项数字"
CURATOR = "赵六"


@pytest.fixture(scope="module")
def store() -> Iterator[GraphStore]:
    yield from gated_store()


def _draft(tmp: Path, report_id: str) -> Path:
    """The test report drafted by ``bolekg extract`` (the command, in this process)."""
    source = tmp / f"{report_id}.txt"
    source.write_text(TEXT, encoding="utf-8")
    output = tmp / f"{report_id}.draft.ttl"
    assert main(["extract", str(source), "--report", report_id, "--title", TITLE, "--place", PLACE,
                 "--date", DATE, "-o", str(output)]) == 0
    return output


def _by_written(draft: Graph) -> dict[str, curation.Fact]:
    return {f.as_written: f for f in curation.facts(draft) if f.kind == "observation"}


def _sentence(draft: Graph, fact: curation.Fact) -> list[curation.Fact]:
    return [f for f in curation.facts(draft) if f.sentence == fact.sentence]


def _decide(store: GraphStore, drafts: Drafts, report_id: str, chosen: list[curation.Fact],
            corrected: dict[URIRef, Correction] | None = None, rejected: dict[URIRef, str] | None = None) -> None:
    """Decide ``chosen`` in one write: corrected, rejected with a reason, or accepted, each new entity
    they bring with an English label (and a kind of money where the shapes want one)."""
    draft = drafts.read(report_id)
    corrected, rejected = corrected or {}, rejected or {}
    labels, kinds = english_for(store, draft, *(item.iri for item in chosen))
    decisions = []
    for item in chosen:
        if item.iri in rejected:
            decisions.append(Decision(item.iri, REJECT, reason=rejected[item.iri]))
        elif item.iri in corrected:
            decisions.append(Decision(item.iri, CORRECT, corrected[item.iri], labels=labels, kinds=kinds))
        else:
            decisions.append(Decision(item.iri, ACCEPT, labels=labels, kinds=kinds))
    decide(store, drafts, report_id, decisions, CURATOR)


def _inside(mention: Mention, begin: int, end: int) -> bool:
    return begin <= mention.begin and mention.end <= end


def _stated(mention: Mention, fact: curation.Fact) -> bool:
    """Whether the figure ``fact`` states ``mention``: in its quote, of its value."""
    return (_inside(mention, fact.begin, fact.end) and fact.value is not None
            and float(mention.text) == float(fact.value))


def _status(result: AuditResult) -> dict[str, str]:
    return {m.mention.key: m.status for m in result.mentions}


def test_the_audit_follows_curation(store: GraphStore, tmp_path: Path) -> None:
    report_id = "audit-follow"
    drafts = Drafts(tmp_path / "drafts")
    drafts.add(_draft(tmp_path, report_id))
    draft = drafts.read(report_id)
    figures = _by_written(draft)
    trained, share, posts, batch = figures["2860人次"], figures["47.7%"], figures["150个"], figures["80人"]

    # nothing decided yet: the text is the draft's, and every number waits for curation
    before = audit_report(store, report_id, drafts)
    assert before.unaccounted == before.mentions and not before.ok
    assert all(m.pending for m in before.mentions), [m.mention.text for m in before.mentions if not m.pending]

    # a sentence at a time: the first with a correction to Bole's indicator; the second with a rejection
    _decide(store, drafts, report_id, _sentence(draft, trained),
            corrected={trained.iri: Correction(indicator=TRAINING)})
    _decide(store, drafts, report_id, _sentence(draft, posts), rejected={batch.iri: REASON})
    result = audit_report(store, report_id, drafts)
    mentions = [m.mention for m in result.mentions]
    status = _status(result)
    encoded = {m.key for m in mentions if any(_stated(m, f) for f in (trained, share, posts))}
    phrase_at = TEXT.index(PERIOD_PHRASE)
    period = {m.key for m in mentions if _inside(m, phrase_at, phrase_at + len(PERIOD_PHRASE))}
    skipped = {m.key for m in mentions if _inside(m, batch.begin, batch.end)} - encoded
    left = curation.facts(drafts.read(report_id))
    pending = {m.key for m in mentions if any(_inside(m, f.begin, f.end) for f in left)}
    assert encoded and period and skipped and pending  # the test text exercises each
    assert {k for k, v in status.items() if v == "encoded"} == encoded
    assert {k for k, v in status.items() if v == "period"} == period
    assert {k for k, v in status.items() if v == "skipped"} == skipped
    assert {m.mention.key for m in result.unaccounted} == pending
    assert all(m.pending for m in result.unaccounted)
    for m in result.mentions:
        if m.status == "skipped":
            assert REASON in m.by[0] and "skip" in m.by[0]
        if m.status == "period":
            assert m.by[0].startswith(f"period:{report_id}-2021-h1") and PERIOD_PHRASE in m.by[0]
    assert not result.disagreements and not result.errors and not result.ok
    total = counts(result)["total"]
    assert (total["encoded"], total["period"], total["skipped"], total["unaccounted"], total["pending"]) == (
        len(encoded), len(period), len(skipped), len(pending), len(pending))
    text = format_audit(result)
    assert f"{len(pending)} unaccounted ({len(pending)} pending curation)" in text
    assert text.count("— pending curation: obs:") == len(pending)
    assert "| pending curation |" in format_markdown(result)
    assert json.loads(format_json(result))["report"] == report_id

    # a hand-kept ledger row (--audit-dir) accounts for a number too; one for an encoded number is an error
    kept = tmp_path / "ledger"
    kept.mkdir()
    waiting = result.unaccounted[0].mention
    done = next(m for m in mentions if m.key in encoded)
    (kept / "rows.tsv").write_text(f"{HEADER_LINE}\n{waiting.begin}\t{waiting.end}\t{waiting.text}\tskip\tby hand\n"
                                   f"{done.begin}\t{done.end}\t{done.text}\tskip\tby hand\n", encoding="utf-8")
    by_hand = audit_report(store, report_id, drafts, kept)
    assert _status(by_hand)[waiting.key] == "skipped" and len(by_hand.unaccounted) == len(pending) - 1
    assert by_hand.errors and "remove it from the ledger" in by_hand.errors[0]

    # the rest decided: every number accounted for
    _decide(store, drafts, report_id, curation.facts(drafts.read(report_id)))
    after = audit_report(store, report_id, drafts)
    assert after.ok and not after.unaccounted
    assert "(0 pending curation) (100.0 % accounted); 0 disagreements, 0 ledger errors" in format_audit(after)
    assert {k for k, v in _status(after).items() if v == "skipped"} == skipped


def test_the_bole_report_from_the_store_with_its_ledger(store: GraphStore) -> None:
    """The Bole report audited as the store holds it, with its hand-kept ledger, counts as the plain
    audit of the files does: the text, its sentences and its facts agree between the two."""
    from_store = audit_report(store, "bole-2021-h1", None, AUDIT_DIR)
    from_files = audit()
    assert from_store.ok and from_files.ok
    assert _status(from_store) == _status(from_files)
    without_pending = {k: {s: n for s, n in row.items() if s != "pending"} for k, row in counts(from_store).items()}
    assert without_pending == counts(from_files)


def test_the_command_line_checks_its_options(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "--store", "var/db"]) == 2  # store options go with --report
    assert "--report" in capsys.readouterr().err
    assert main(["audit", "--report", "Not An ID"]) == 2
    assert "report ID" in capsys.readouterr().err


def _bolekg(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bolekg.cli", *args], capture_output=True, text=True,
                          timeout=300, check=False)


def test_encode_another_report_end_to_end(tmp_path: Path) -> None:
    """README "Encode another report": extract, curate add, decide every fact, audit (the command, as a
    process, on the on-disk store), serve beside Bole: listed, its pages, its dump, the comparison."""
    report_id = "audit-e2e"
    location = tmp_path / "store"
    directory = tmp_path / "drafts"
    disk = EmbeddedStore(location)
    try:
        disk.load_graphs(read_graphs())
    finally:
        disk.close()
    assert main(["curate", "add", str(_draft(tmp_path, report_id)), "--drafts", str(directory)]) == 0
    audit = ("audit", "--report", report_id, "--store", str(location), "--drafts", str(directory))

    waiting = _bolekg(*audit)  # nothing decided: exit 1, every number pending curation
    assert waiting.returncode == 1, waiting.stderr
    assert "pending curation: obs:" in waiting.stdout and "(0.0 % accounted)" in waiting.stdout

    drafts = Drafts(directory)
    disk = EmbeddedStore(location)
    try:
        draft = drafts.read(report_id)
        figures = _by_written(draft)
        trained = figures["2860人次"]
        _decide(disk, drafts, report_id, curation.facts(draft), corrected={trained.iri: Correction(indicator=TRAINING)},
                rejected={figures["80人"].iri: REASON})
        curated = to_rdflib(disk.graph_triples(report_graph_iri(report_id)) or [])
    finally:
        disk.close()
    assert curation.facts(drafts.read(report_id)) == []

    done = _bolekg(*audit, "--format", "json")
    assert done.returncode == 0, done.stdout + done.stderr
    document = json.loads(done.stdout)
    assert document["report"] == report_id and document["errors"] == [] and document["disagreements"] == []
    total = document["counts"]["total"]
    assert total["unaccounted"] == 0 and total["skipped"] > 0
    assert total["mentions"] == total["encoded"] + total["period"] + total["skipped"]
    assert all(REASON in m["by"][0] for m in document["mentions"] if m["status"] == "skipped")
    wrong = _bolekg("audit", "--report", "no-such-report", "--store", str(location), "--drafts", str(directory))
    assert wrong.returncode == 2 and "no-such-report" in wrong.stderr

    from bolekg.web import create_app

    served = EmbeddedStore(location)
    try:
        with running(create_app({"STORE": served})) as root:
            home = html.unescape(fetch(root + "/", headers={"Accept-Language": "zh"}).text)
            assert TITLE in home and f"/dumps/report/{report_id}.ttl" in home
            assert "/dumps/report/bole-2021-h1.ttl" in home
            page = fetch(f"{root}/id/obs/{trained.local}", headers={"Accept": "text/html"})
            assert page.status == 200 and "2860" in page.text
            report_page = fetch(f"{root}/id/report/{report_id}", headers={"Accept": "text/html"})
            assert report_page.status == 200 and TITLE in html.unescape(report_page.text)
            dump = fetch(f"{root}/dumps/report/{report_id}.ttl")
            assert dump.status == 200
            assert isomorphic(canonical(curated), canonical(Graph().parse(data=dump.body, format="turtle")))
            compared = fetch(f"{root}/compare/vocational-training", headers={"Accept-Language": "zh"})
            assert compared.status == 200
            assert f'/id/obs/{trained.local}"' in compared.text  # this report's figure …
            assert '/id/obs/1-01-' in compared.text  # … beside the Bole report's
    finally:
        served.close()


def test_curation_and_the_audit_on_a_remote_store(tmp_path: Path, oxigraph_scratch: str) -> None:
    """The same path behind ``--endpoint``: curation writes the report's graph on an ``oxigraph serve``
    through the gate (``write_report``, the remote store's commit), and ``bolekg audit --report
    --endpoint`` (a process) reads it back from that server: what was decided is accounted for, what is
    left in the draft is pending curation."""
    from ld_support import new_store

    report_id = "audit-remote"
    directory = tmp_path / "drafts"
    remote = new_store("remote", oxigraph_scratch, validator=None)  # the project's own shapes
    try:
        remote.load_graphs(read_graphs())
        assert main(["curate", "add", str(_draft(tmp_path, report_id)), "--drafts", str(directory)]) == 0
        drafts = Drafts(directory)
        draft = drafts.read(report_id)
        figures = _by_written(draft)
        first = _sentence(draft, figures["2860人次"])
        _decide(remote, drafts, report_id, first, corrected={figures["2860人次"].iri: Correction(indicator=TRAINING)})
        curated = to_rdflib(remote.graph_triples(report_graph_iri(report_id)) or [])
        left = curation.facts(drafts.read(report_id))
    finally:
        remote.close()
    assert (figures["2860人次"].iri, None, None) in curated and left and not {f.iri for f in first} & {
        f.iri for f in left}

    done = _bolekg("audit", "--report", report_id, "--endpoint", f"{oxigraph_scratch}/query",
                   "--drafts", str(directory), "--format", "json")
    assert done.returncode == 1, done.stdout + done.stderr  # the rest is still in the draft
    document = json.loads(done.stdout)
    statuses = {m["status"] for m in document["mentions"]}
    assert "encoded" in statuses and "unaccounted" in statuses
    pending = [m for m in document["mentions"] if m["status"] == "unaccounted" and "pending curation" in m["by"][0]]
    named = {name.strip().split(":", 1)[1] for m in pending for name in m["by"][0].split(":", 1)[1].split(",")}
    assert pending and named <= {f.local for f in left}, named  # each names a fact still in the draft
