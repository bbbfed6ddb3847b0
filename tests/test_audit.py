"""The numeric audit: on the real report (100 % of mentions accounted for, no disagreements) and on a
small synthetic report whose every failure mode is built on purpose.

The real-data test fails until the encoders have accounted for every mention: that is its job.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from bolekg.cli import main
from bolekg.report import corpus
from bolekg.report.audit import (
    AUDIT_DIR,
    HEADER_LINE,
    AuditResult,
    LedgerError,
    audit,
    format_audit,
    format_markdown,
    ledger_files,
    mention_value,
    read_ledger,
    run_audit,
)
from bolekg.report.mentions import find_mentions
from bolekg.report.vocab import BK, ID, MILESTONE, NIF, OBS, PERIOD, QB, QUOTE, TIME

# XSD datatypes as plain IRIs: pytest's collection probes module globals, and rdflib's XSD namespace
# warns on every unknown attribute it is asked for.
XSD_DATE = URIRef("http://www.w3.org/2001/XMLSchema#date")
XSD_INDEX = URIRef("http://www.w3.org/2001/XMLSchema#nonNegativeInteger")
TABLE_HEADER = "| section | mentions | encoded | period | skipped | unaccounted | coverage % |"

TEXT = (
    "引言。\n"
    "一、推进“10项惠民工程”\n"
    "㈠ 截至第二季度开展培训5834人次。项目于2021年4月5日开工建设。已开展八轮接种。\n"
    "㈡ 发病率下降0.004%。计划6月30日竣工。K2+196涵洞完成。\n"
)
REPORT = corpus.parse(TEXT)
OBSERVATION = OBS["1-01-training-actual"]
MILESTONE_IRI = MILESTONE["project-start"]


def span(needle: str) -> tuple[int, int]:
    begin = TEXT.index(needle)
    return begin, begin + len(needle)


def add_quote(graph: Graph, subject: URIRef, needle: str) -> None:
    begin, end = span(needle)
    quote = QUOTE[f"{begin}-{end}"]
    graph.add((subject, BK.evidence, quote))
    graph.add((quote, RDF.type, BK.Quote))
    graph.add((quote, NIF.beginIndex, Literal(begin, datatype=XSD_INDEX)))
    graph.add((quote, NIF.endIndex, Literal(end, datatype=XSD_INDEX)))


def add_observation(graph: Graph, iri: URIRef, measure: URIRef, value: object, needle: str) -> None:
    graph.add((iri, RDF.type, BK.Observation))
    graph.add((iri, QB.measureType, measure))
    graph.add((iri, measure, Literal(value)))
    add_quote(graph, iri, needle)


def add_milestone(graph: Graph, iri: URIRef, date: str, needle: str) -> None:
    graph.add((iri, RDF.type, BK.Milestone))
    graph.add((iri, TIME.inXSDDate, Literal(date, datatype=XSD_DATE)))
    add_quote(graph, iri, needle)


def base_graph(value: object = 5834, date: str = "2021-04-05") -> Graph:
    """One observation, one milestone and the period the ledger names."""
    graph = Graph()
    add_observation(graph, OBSERVATION, BK.actual, value, "开展培训5834人次")
    add_milestone(graph, MILESTONE_IRI, date, "项目于2021年4月5日开工建设")
    graph.add((PERIOD["2021-h1"], RDF.type, BK.ReportingPeriod))
    return graph


def ledger(tmp_path: Path, rows: list[tuple[str, str, str]], name: str = "s1.tsv") -> list[Path]:
    """A ledger file listing ``(needle, disposition, reason)`` rows at the needle's first offsets."""
    lines = [HEADER_LINE]
    for needle, disposition, reason in rows:
        begin, end = span(needle)
        lines.append(f"{begin}\t{end}\t{needle}\t{disposition}\t{reason}")
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [path]


BASE_ROWS = [("10", "skip", "heading: the number of projects"), ("第二", "period:2021-h1", "截至第二季度")]


def statuses(result: AuditResult) -> dict[str, tuple[str, list[str]]]:
    return {m.mention.text: (m.status, m.by) for m in result.mentions}


def audit_only_first_item(graph: Graph, tmp_path: Path, rows: list[tuple[str, str, str]]) -> AuditResult:
    """Audit the report's first item only: mentions in ㈡ are left out by a ledger covering them."""
    extra = [("0.004", "skip", "covered elsewhere"), ("6", "skip", "x"), ("30", "skip", "x"),
             ("K2+196", "skip", "x"), ("八", "skip", "x")]
    return run_audit(REPORT, graph, read_ledger(ledger(tmp_path, rows + extra)))


# --------------------------------------------------------------------------- the real report


@pytest.fixture(scope="module")
def real() -> AuditResult:
    return audit()


def test_real_report_is_fully_accounted_for(real: AuditResult) -> None:
    """Every numeric mention is encoded or listed, every fact agrees with its quote, the ledger is clean."""
    assert real.mentions, "the audit found no mentions in the report"
    found = {"unaccounted": len(real.unaccounted), "disagreements": len(real.disagreements),
             "ledger errors": len(real.errors)}
    assert found == {"unaccounted": 0, "disagreements": 0, "ledger errors": 0}, format_audit(real)


def test_real_ledger_rows_quote_the_source() -> None:
    text = corpus.load().text
    for row in read_ledger(ledger_files(AUDIT_DIR)):
        assert text[row.begin:row.end] == row.text, f"{row.where}: the source has {text[row.begin:row.end]!r}"


# --------------------------------------------------------------------------- a synthetic report


def test_matching_facts_and_ledger_account_for_everything(tmp_path: Path) -> None:
    graph = base_graph()
    add_observation(graph, OBS["vaccination-rounds"], BK.actual, 8, "已开展八轮接种")
    add_observation(graph, OBS["incidence-change"], BK.change, Decimal("-0.004"), "发病率下降0.004%")
    result = run_audit(REPORT, graph, read_ledger(ledger(tmp_path, [
        *BASE_ROWS, ("6", "skip", "x"), ("30", "skip", "x"), ("K2+196", "skip", "x")])))
    found = statuses(result)
    assert found["5834"] == ("encoded", [str(OBSERVATION)])
    assert found["八"] == ("encoded", [str(OBS["vaccination-rounds"])])
    assert found["0.004"] == ("encoded", [str(OBS["incidence-change"])])
    for part in ("2021", "4", "5"):
        assert found[part] == ("encoded", [str(MILESTONE_IRI)])
    assert found["10"] == ("skipped", ["skip: heading: the number of projects"])
    assert found["第二"] == ("period", ["period:2021-h1: 截至第二季度"])
    assert result.ok, format_audit(result)


def test_a_wrong_value_is_unaccounted_and_disagrees(tmp_path: Path) -> None:
    result = audit_only_first_item(base_graph(value=5843), tmp_path, BASE_ROWS)
    assert statuses(result)["5834"] == ("unaccounted", [])
    assert len(result.disagreements) == 1
    assert "obs:1-01-training-actual" in result.disagreements[0]
    assert "5843" in result.disagreements[0]
    assert not result.ok
    assert "unaccounted" in format_audit(result) and "5834" in format_audit(result)


def test_a_value_outside_the_quote_encodes_nothing(tmp_path: Path) -> None:
    graph = base_graph()
    add_observation(graph, OBS["misplaced"], BK.actual, 2021, "开展培训5834人次")
    result = audit_only_first_item(graph, tmp_path, BASE_ROWS)
    assert statuses(result)["2021"] == ("encoded", [str(MILESTONE_IRI)])
    assert [d for d in result.disagreements if "obs:misplaced" in d and "2021" in d]


def test_a_value_written_as_a_string_is_not_a_number(tmp_path: Path) -> None:
    graph = base_graph()
    graph.set((OBSERVATION, BK.actual, Literal("5834")))
    result = audit_only_first_item(graph, tmp_path, BASE_ROWS)
    assert statuses(result)["5834"][0] == "unaccounted"
    assert [d for d in result.disagreements if "obs:1-01-training-actual" in d and "number" in d]


def test_a_wrong_date_is_unaccounted_and_disagrees(tmp_path: Path) -> None:
    result = audit_only_first_item(base_graph(date="2021-04-06"), tmp_path, BASE_ROWS)
    assert statuses(result)["5"] == ("unaccounted", [])
    assert statuses(result)["4"][0] == "encoded"
    assert [d for d in result.disagreements if "ms:project-start" in d and "day 6" in d]


def test_a_garbled_date_kept_as_written_agrees(tmp_path: Path) -> None:
    graph = base_graph(date="2021-04-06")
    graph.add((MILESTONE_IRI, BK.asWritten, Literal("2021年4月5日")))
    result = audit_only_first_item(graph, tmp_path, BASE_ROWS)
    assert result.disagreements == []
    assert statuses(result)["5"][0] == "unaccounted"  # as written excuses the date, it encodes nothing


def test_a_year_from_context_needs_an_editorial_note(tmp_path: Path) -> None:
    graph = base_graph()
    planned = MILESTONE["road-completion"]
    add_milestone(graph, planned, "2021-06-30", "计划6月30日竣工")
    rows = [*BASE_ROWS, ("0.004", "skip", "x"), ("K2+196", "skip", "x"), ("八", "skip", "x")]
    without_note = run_audit(REPORT, graph, read_ledger(ledger(tmp_path, rows)))
    assert [d for d in without_note.disagreements if "ms:road-completion" in d and "year 2021" in d]
    assert statuses(without_note)["30"][0] == "encoded"
    graph.add((planned, BK.editorialNote, Literal("The year is taken from context.", lang="en")))
    assert run_audit(REPORT, graph, read_ledger(ledger(tmp_path, rows))).ok


def test_a_chainage_is_matched_by_metres(tmp_path: Path) -> None:
    graph = base_graph()
    chainage = ID["place/k2-196"]
    graph.add((chainage, RDF.type, BK.Chainage))
    graph.add((chainage, BK.chainageMetres, Literal(2196)))
    add_quote(graph, chainage, "K2+196涵洞完成")
    rows = [*BASE_ROWS, ("0.004", "skip", "x"), ("6", "skip", "x"), ("30", "skip", "x"), ("八", "skip", "x")]
    result = run_audit(REPORT, graph, read_ledger(ledger(tmp_path, rows)))
    assert statuses(result)["K2+196"] == ("encoded", [str(chainage)])
    assert result.ok, format_audit(result)
    graph.set((chainage, BK.chainageMetres, Literal(2169)))
    wrong = run_audit(REPORT, graph, read_ledger(ledger(tmp_path, rows)))
    assert statuses(wrong)["K2+196"][0] == "unaccounted"
    assert wrong.disagreements


def test_a_stale_row_is_an_error(tmp_path: Path) -> None:
    path = ledger(tmp_path, BASE_ROWS)[0]
    begin, end = span("5834")
    with path.open("a", encoding="utf-8") as stream:
        stream.write(f"{begin + 1}\t{end + 1}\t5834\tskip\tshifted offsets\n")
    result = run_audit(REPORT, base_graph(), read_ledger([path]))
    assert [e for e in result.errors if f"{path}:4" in e and "stale" in e]
    assert not result.ok


def test_an_encoded_mention_listed_in_the_ledger_is_an_error(tmp_path: Path) -> None:
    result = audit_only_first_item(base_graph(), tmp_path, [*BASE_ROWS, ("5834", "skip", "listed anyway")])
    assert statuses(result)["5834"][0] == "encoded"
    assert [e for e in result.errors if "encoded by obs:1-01-training-actual" in e]


def test_a_mention_listed_twice_is_an_error(tmp_path: Path) -> None:
    result = audit_only_first_item(base_graph(), tmp_path, [*BASE_ROWS, ("10", "skip", "again")])
    assert [e for e in result.errors if "already listed" in e]


def test_a_period_missing_from_the_graph_is_an_error(tmp_path: Path) -> None:
    rows = [("10", "skip", "heading"), ("第二", "period:2021-q9", "no such period")]
    result = audit_only_first_item(base_graph(), tmp_path, rows)
    assert [e for e in result.errors if "period:2021-q9 does not exist" in e]


def test_a_row_in_another_parts_file_is_an_error(tmp_path: Path) -> None:
    rows = [*BASE_ROWS, ("八", "skip", "x")]
    result = run_audit(REPORT, base_graph(), read_ledger(ledger(tmp_path, rows, name="s2.tsv")))
    assert [e for e in result.errors if "is in part s1, not s2" in e]


@pytest.mark.parametrize(
    ("row", "message"),
    [("12\t14\t10", "5 tab-separated columns"),
     ("a\t14\t10\tskip\tx", "must be integers"),
     ("14\t12\t10\tskip\tx", "begin < end"),
     ("12\t14\t10\tdrop\tx", "disposition"),
     ("12\t14\t10\tperiod:Bad Slug\tx", "disposition"),
     ("12\t14\t10\tskip\t", "needs a reason")],
)
def test_a_malformed_row_names_file_and_line(tmp_path: Path, row: str, message: str) -> None:
    path = tmp_path / "s1.tsv"
    path.write_text(f"{HEADER_LINE}\n# a comment\n{row}\n", encoding="utf-8")
    with pytest.raises(LedgerError, match=message) as raised:
        read_ledger([path])
    assert f"{path}:3" in str(raised.value)


def test_a_wrong_header_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "s1.tsv"
    path.write_text("begin,end,text,disposition,reason\n", encoding="utf-8")
    with pytest.raises(LedgerError, match=re.escape(f"{path}:1")):
        read_ledger([path])


def test_mention_values() -> None:
    values = {m.text: mention_value(m) for m in find_mentions(REPORT)}
    assert values["0.004"] == Decimal("0.004")
    assert values["八"] == 8
    assert values["第二"] == 2
    assert values["K2+196"] == 2196


def test_markdown_table_counts_per_section(tmp_path: Path) -> None:
    result = audit_only_first_item(base_graph(), tmp_path, BASE_ROWS)
    assert result.ok, format_audit(result)
    table = format_markdown(result).splitlines()
    assert table[0] == TABLE_HEADER
    # All 11 mentions are in section 一: encoded 5834, 2021, 4, 5; period 第二; the rest skipped.
    assert "| 一 | 11 | 4 | 1 | 6 | 0 | 100.0 |" in table
    assert "| **total** | 11 | 4 | 1 | 6 | 0 | 100.0 |" in table


# --------------------------------------------------------------------------- the command line


def test_cli_exit_code_follows_the_audit(real: AuditResult, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["audit", "--format", "md"])
    output = capsys.readouterr().out
    assert code == (0 if real.ok else 1)
    assert TABLE_HEADER in output
    assert "| **total** |" in output


def test_cli_json_lists_every_mention(capsys: pytest.CaptureFixture[str]) -> None:
    main(["audit", "--format", "json"])
    document = json.loads(capsys.readouterr().out)
    assert len(document["mentions"]) == len(find_mentions(corpus.load()))
    assert {m["status"] for m in document["mentions"]} <= {"encoded", "period", "skipped", "unaccounted"}
    assert document["counts"]["total"]["mentions"] == len(document["mentions"])


def test_cli_exit_0_when_the_ledger_covers_the_rest(
    real: AuditResult, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A ledger skipping every mention the graph does not encode leaves only disagreements to fail on."""
    rows = [HEADER_LINE] + [f"{m.mention.begin}\t{m.mention.end}\t{m.mention.text}\tskip\ttest"
                            for m in real.mentions if m.status != "encoded"]
    (tmp_path / "all.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    code = main(["audit", "--audit-dir", str(tmp_path)])
    output = capsys.readouterr().out
    assert code == (0 if not real.disagreements else 1), output
    assert ", 0 unaccounted (" in output


def test_cli_exit_1_on_a_stale_row(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stale = f"{HEADER_LINE}\n0\t2\t不是\tskip\tno such mention\n"
    (tmp_path / "intro.tsv").write_text(stale, encoding="utf-8")
    assert main(["audit", "--audit-dir", str(tmp_path)]) == 1
    assert "intro.tsv:2" in capsys.readouterr().out


def test_cli_exit_2_on_a_malformed_row(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "s3.tsv").write_text(f"{HEADER_LINE}\n1\t2\n", encoding="utf-8")
    assert main(["audit", "--audit-dir", str(tmp_path)]) == 2
    assert f"{tmp_path / 's3.tsv'}:2" in capsys.readouterr().err
