"""A small report written for the curation tests, drafted by the real extractor (never from a curated
graph), and the helpers the library and browser tests share."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

from rdflib import Graph, URIRef

from bolekg.extract.draft import extract
from bolekg.extract.writer import draft_graph
from bolekg.report.dataset import read_graphs
from bolekg.report.quads import to_rdflib
from bolekg.report.reports import report_graph_iri
from bolekg.services import curation
from bolekg.services.drafts import Drafts
from bolekg.store import EmbeddedStore, GraphStore

#: Invented: two programmes, three items, figures in 人, 个, 户 and 万元, a date.
REPORT_TEXT = """今年以来,博乐市持续推进民生工作。
一、着力稳定就业
(一)技能培训。全年计划培训4000人。截至目前已培训3120人,投入培训资金85万元。
(二)公益岗位。开发公益性岗位260个,2021年5月20日前全部上岗。
二、改善居住条件
(一)老旧小区改造。达勒特镇改造老旧小区住房410户,完成投资1200万元。
"""
TITLE = "博乐市民生工作进展(测试)"


def gated_store() -> Iterator[GraphStore]:
    """The real data in memory behind the project's own shapes, the gate curation goes through (a
    module fixture's body: loading and the shapes cost seconds, so a module's tests share one)."""
    store = EmbeddedStore()
    store.load_graphs(read_graphs())
    yield store
    store.close()


def draft_file(directory: Path, report_id: str) -> Path:
    """The draft of :data:`REPORT_TEXT` as ``bolekg extract -o`` writes it."""
    graph = draft_graph(extract(REPORT_TEXT, report_id, TITLE, "652701", date(2021, 6, 30)))
    path = directory / f"{report_id}.draft.ttl"
    path.write_text(graph.serialize(format="turtle"), encoding="utf-8")
    return path


def add_draft(drafts: Drafts, tmp: Path, report_id: str) -> Graph:
    drafts.add(draft_file(tmp, report_id))
    return drafts.read(report_id)


def fact_at(draft: Graph, written: str) -> curation.Fact:
    found = [f for f in curation.facts(draft) if f.as_written == written]
    assert len(found) == 1, [f.as_written for f in curation.facts(draft)]
    return found[0]


def obs(report_id: str, local: str) -> URIRef:
    return URIRef(f"https://w3id.org/bolekg/id/obs/{report_id}-{local}")


def english_for(store: GraphStore, draft: Graph, *nodes: URIRef) -> tuple[dict[URIRef, str], dict[URIRef, URIRef]]:
    """English labels for every new entity the facts ``nodes`` bring, and a kind of money where one is
    wanted (one decision's or one sentence's worth)."""
    labels: dict[URIRef, str] = {}
    kinds: dict[URIRef, URIRef] = {}
    money = curation.choices(store, "money")[0][0]
    known = curation.known_in_store(store)
    for node in nodes:
        for number, need in enumerate(curation.needed(draft, node, known), start=1):
            labels[need.iri] = need.english or f"Test {need.kind} {number}"
            if need.money:
                kinds[need.iri] = money
    return labels, kinds


def report_graph(store: GraphStore, report_id: str) -> Graph:
    return to_rdflib(store.graph_triples(report_graph_iri(report_id)) or [])
