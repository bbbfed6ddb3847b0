"""``bolekg validate`` on the real data, and its exit codes: 0 conforms, 1 violations, 2 error."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph

from bolekg.cli import main
from bolekg.paths import ROOT
from bolekg.report.dataset import knowledge_graph
from bolekg.report.validate import format_outcome, validate
from bolekg.report.vocab import SH


def test_real_data_conforms() -> None:
    outcome = validate(knowledge_graph())
    assert outcome.conforms, format_outcome(outcome)


def test_cli_exit_zero_and_readable_report(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate"]) == 0
    assert "Conforms" in capsys.readouterr().out


def test_cli_turtle_report_is_a_shacl_report(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--format", "turtle"]) == 0
    report = Graph().parse(data=capsys.readouterr().out, format="turtle")
    assert (None, SH.conforms, None) in report


@pytest.fixture
def broken_home(tmp_path: Path) -> Path:
    """A copy of the project's files for ``BOLEKG_HOME``, to break without touching the real ones."""
    for name in ("ontology", "shapes", "data"):
        shutil.copytree(ROOT / name, tmp_path / name)
    return tmp_path


def run_cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bolekg.cli", *args], capture_output=True, text=True,
                          env={**os.environ, "BOLEKG_HOME": str(home)}, timeout=120, check=False)


def test_cli_exit_one_names_the_focus_label(broken_home: Path) -> None:
    report = broken_home / "data" / "turtle" / "report.ttl"
    text = report.read_text(encoding="utf-8")
    assert 'rdfs:label "就业创业方面"@zh , "Employment and entrepreneurship"@en ;' in text
    report.write_text(text.replace('rdfs:label "就业创业方面"@zh , "Employment and entrepreneurship"@en ;',
                                   'rdfs:label "就业创业方面"@zh , "Employment"@de ;'),
                      encoding="utf-8")
    result = run_cli(broken_home, "validate")
    assert result.returncode == 1, result.stderr
    assert "Employment and entrepreneurship (item:1-01)" in result.stdout
    assert "path:    rdfs:label" in result.stdout
    assert "needs an rdfs:label in English" in result.stdout


def test_cli_exit_two_on_a_syntax_error(broken_home: Path) -> None:
    (broken_home / "data" / "turtle" / "zz-broken.ttl").write_text("this is not turtle", encoding="utf-8")
    result = run_cli(broken_home, "validate")
    assert result.returncode == 2
    assert "zz-broken.ttl" in result.stderr
