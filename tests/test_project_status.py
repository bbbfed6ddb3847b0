"""Project status statements (docs/ENCODING.md "Project status"): what the report says about the state of
its projects — completed, under way, started, planned … — each a bk:StatusStatement with its quote.

The sweep at the end reads the whole report: every clause that holds a cue word of some status is either
the quote of a status statement or listed in :data:`NOT_STATUS` with the reason it states no project's
state. Status claims written without any cue word cannot be found that way; ENCODING lists the ones
the editors saw and left out.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from bolekg.report import corpus
from bolekg.report.dataset import knowledge_graph
from bolekg.report.validate import validate
from bolekg.report.vocab import BK, MILESTONE, NIF, OBS, PERIOD, PROJECT, SH, STATUS, TIME

SHAPES = "https://w3id.org/bolekg/shapes#"

#: Statements per status, as encoded from the report.
EXPECTED_COUNTS = {
    BK.StatusCompleted: 31,
    BK.StatusUnderWay: 14,
    BK.StatusPartlyCompleted: 7,
    BK.StatusPlanned: 6,
    BK.StatusLargelyCompleted: 3,
    BK.StatusStarted: 3,
    BK.StatusConstructionCompleted: 1,
    BK.StatusStructureCompleted: 1,
    BK.StatusInUse: 1,
}

#: Clauses that hold a cue word but say nothing about the state of a named project or item:
#: begin offset → (the clause, why it is left out).
NOT_STATUS = {
    185: ("稳步推进“10项惠民工程”", "section heading: an aim, not a state"),
    249: ("完成计划任务的128.2%", "share of plan of an indicator (training), an observation"),
    673: ("㈢稳步推进教育提升", "item heading"),
    1098: ("完成计划任务的92%", "share of plan of an indicator (insurance contributors), an observation"),
    1148: ("完成计划任务的34.96%", "share of plan of an indicator, an observation"),
    1177: ("完成计划任务的97.76%", "share of plan of an indicator, an observation"),
    1206: ("完成计划任务的99.96%", "share of plan of an indicator, an observation"),
    1945: ("已经整改完成992处", "hazards rectified by an inspection campaign: a count, not a project's state"),
    2017: ("二是积极推进科技安全现代化水平", "an aim (a level of modernisation), no named project"),
    2488: ("2021年年度内完成139294人全民健康体检工作", "a target for the year (target observation), no status word"),
    2520: ("全民健康体检完成率达到100%", "a target for the end of October (planned milestone), no status word"),
    2886: ("㈧推进快递进乡村、进社区", "item heading"),
    3727: ("㈢统筹推进公路项目建设", "item heading"),
    4049: ("㈣加快推进群众性文体基础设施建设", "item heading"),
    4714: ("积极推进生态保护建设", "an aim of the item, no named project"),
}


@pytest.fixture(scope="module")
def graph() -> Graph:
    return knowledge_graph()


def statements(graph: Graph) -> list[URIRef]:
    return sorted(s for s in graph.subjects(RDF.type, BK.StatusStatement) if isinstance(s, URIRef))


def anchor(graph: Graph, statement: URIRef) -> str:
    return str(graph.value(graph.value(statement, BK.evidence), NIF.anchorOf))


def span(graph: Graph, statement: URIRef) -> tuple[int, int]:
    quote = graph.value(statement, BK.evidence)
    return int(graph.value(quote, NIF.beginIndex)), int(graph.value(quote, NIF.endIndex))


def cues(graph: Graph, status: URIRef) -> set[str]:
    return {str(c) for c in graph.objects(status, BK.cue)}


def test_counts_per_status(graph: Graph) -> None:
    counted = Counter(graph.value(s, BK.status) for s in statements(graph))
    assert dict(counted) == EXPECTED_COUNTS
    assert sum(counted.values()) == 67


def test_every_status_of_the_scheme_is_used_and_labelled(graph: Graph) -> None:
    scheme = set(graph.subjects(SKOS.inScheme, BK.projectStatuses))
    assert scheme == set(EXPECTED_COUNTS)
    for status in scheme:
        assert (status, RDF.type, BK.ProjectStatus) in graph
        assert {label.language for label in graph.objects(status, SKOS.prefLabel)} == {"zh", "en"}
        assert {d.language for d in graph.objects(status, SKOS.definition)} == {"zh", "en"}
        assert cues(graph, status)


def test_each_quote_contains_a_cue_of_its_status(graph: Graph) -> None:
    missing = [(s, anchor(graph, s)) for s in statements(graph)
               if not any(cue in anchor(graph, s) for cue in cues(graph, graph.value(s, BK.status)))]
    assert missing == []


def test_each_statement_is_labelled_timed_and_about_an_initiative(graph: Graph) -> None:
    initiatives = set(graph.transitive_subjects(RDFS.subClassOf, BK.Initiative))
    for s in statements(graph):
        assert {label.language for label in graph.objects(s, RDFS.label)} == {"zh", "en"}, s
        subject = graph.value(s, BK.statusOf)
        assert set(graph.objects(subject, RDF.type)) & initiatives, s
        when = graph.value(s, BK.statusTime)
        assert (when, RDF.type, BK.ReportingPeriod) in graph or (when, TIME.inXSDDate, None) in graph, s


def test_partly_completed_links_the_observation_of_its_figure(graph: Graph) -> None:
    for s in graph.subjects(BK.status, BK.StatusPartlyCompleted):
        assert any((o, RDF.type, BK.Observation) in graph for o in graph.objects(s, BK.statusObservation)), s


def test_hospital_ward_building(graph: Graph) -> None:
    started = STATUS["hospital-ward-building-started"]
    assert graph.value(started, BK.statusOf) == PROJECT["hospital-ward-building"]
    assert graph.value(started, BK.status) == BK.StatusStarted
    assert str(graph.value(graph.value(started, BK.statusTime), TIME.inXSDDate)) == "2021-04-05"
    assert graph.value(started, BK.statusMilestone) == MILESTONE["hospital-ward-building-start"]
    assert anchor(graph, started) == "于2021年4月5日开工建设"
    planned = STATUS["hospital-ward-building-planned"]
    assert graph.value(planned, BK.status) == BK.StatusPlanned
    assert graph.value(planned, BK.statusTime) == PERIOD["to-report"]
    assert graph.value(planned, BK.statusMilestone) == MILESTONE["hospital-ward-building-completion"]
    assert anchor(graph, planned) == "预计2021年12月竣工"


def test_natural_gas(graph: Graph) -> None:
    gas = PROJECT["natural-gas-connection"]
    by_status = {graph.value(s, BK.status): s for s in graph.subjects(BK.statusOf, gas)}
    assert set(by_status) == {BK.StatusStarted, BK.StatusCompleted, BK.StatusPartlyCompleted}
    started = by_status[BK.StatusStarted]
    assert anchor(graph, started) == "今年已开工个11小区"  # 个11 kept as written
    assert graph.value(started, BK.statusTime) == PERIOD["2021-01-to-report"]
    assert graph.value(started, BK.statusObservation) == OBS["1-07-gas-compounds-started-actual"]
    assert set(graph.objects(by_status[BK.StatusPartlyCompleted], BK.statusObservation)) == {
        OBS["1-07-gas-investment-actual"], OBS["1-07-gas-investment-share"]}


def test_s304(graph: Graph) -> None:
    s304 = PROJECT["s304-bole-wenquan-upgrade"]
    found = Counter(graph.value(s, BK.status) for s in graph.subjects(BK.statusOf, s304))
    assert found == {BK.StatusCompleted: 3, BK.StatusPartlyCompleted: 1, BK.StatusPlanned: 1}
    share = STATUS["s304-partly-completed-works"]
    assert anchor(graph, share) == "目前已完成项目总工程量的60%"
    # the 60 % is the observation's, linked, not repeated on the statement
    assert graph.value(share, BK.statusObservation) == OBS["3-03-s304-works-share"]
    assert not [o for _, o in graph.predicate_objects(share) if getattr(o, "datatype", None) is not None]
    planned = STATUS["s304-planned-completion"]
    assert graph.value(planned, BK.statusMilestone) == MILESTONE["s304-bole-wenquan-upgrade-completion"]
    felling = STATUS["s304-completed-tree-felling"]
    assert str(graph.value(felling, BK.aspect)) in {"小营盘镇、青得里镇林木采伐工作",
                                                    "tree felling in Xiaoyingpan and Qingdeli towns"}


def test_new_projects(graph: Graph) -> None:
    toilet = PROJECT["sangjinbulage-tourist-toilet"]
    assert graph.value(toilet, BK.partOfInitiative) == PROJECT["tourist-toilets"]
    assert graph.value(STATUS["sangjinbulage-tourist-toilet-construction-completed"], BK.statusOf) == toilet
    kindergarten = PROJECT["south-urban-area-kindergarten"]
    assert anchor(graph, STATUS["south-urban-area-kindergarten-planned"]) == "计划建1所幼儿园"
    assert (kindergarten, RDF.type, BK.Project) in graph


def test_no_cue_bearing_clause_is_left_unencoded(graph: Graph) -> None:
    text = corpus.load().text
    every_cue = sorted({str(c) for c in graph.objects(None, BK.cue)})
    spans = [span(graph, s) for s in statements(graph)]
    unencoded = {}
    for clause in re.finditer(r"[^,;。:\n]+", text):
        begin, end = clause.span()
        if any(cue in clause.group() for cue in every_cue) and not any(b < end and begin < e for b, e in spans):
            unencoded[begin] = clause.group()
    assert unencoded == {begin: clause for begin, (clause, _) in NOT_STATUS.items()}


def test_the_cue_check_fires_on_the_real_data(graph: Graph) -> None:
    """SHACL, not only this module, refuses a status the quote does not state."""
    copy = Graph()
    for triple in graph:
        copy.add(triple)
    statement = STATUS["s304-completed-tree-felling"]
    copy.set((statement, BK.status, BK.StatusStarted))
    outcome = validate(copy)
    assert not outcome.conforms
    fired = {str(n) for n in outcome.report.objects(None, SH.sourceConstraint)}
    assert SHAPES + "StatusStatement-cue" in fired


def test_project_page_shows_its_statuses(real_dataset) -> None:  # type: ignore[no-untyped-def]
    """The entity page of an initiative lists the status statements of it and of its projects, with
    their quotes, in the page's language (docs/ENCODING.md "Project status")."""
    from ld_support import fetch, serving

    with serving("embedded", None, real_dataset) as site:
        url = site.root + "/id/project/hospital-ward-building"
        zh = fetch(url, headers={"Accept": "text/html", "Accept-Language": "zh"})
        assert zh.status == 200
        assert 'id="h-status">进展状态 (2)' in zh.text and "已开工" in zh.text
        assert "“于2021年4月5日开工建设”" in zh.text and "“预计2021年12月竣工”" in zh.text
        en = fetch(url + "?lang=en", headers={"Accept": "text/html"})
        assert 'id="h-status">Status (2)' in en.text and ">started</a>" in en.text
        # an item's page gathers the statuses of its projects
        item = fetch(site.root + "/id/item/3-03?lang=en", headers={"Accept": "text/html"})
        assert 'id="h-status">Status (15)' in item.text and "right carriageway subgrade" in item.text
