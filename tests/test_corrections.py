"""Readings of the report corrected after review (issue 17), each pinned so that it cannot come back.

The general rules behind them are shapes where a rule can be checked (``bks:Observation-actualByReportDate``,
``bks:MoneyKind-kind``, in ``tests/test_shapes.py``); what is particular to one sentence is here.
"""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS, SKOS

from bolekg.report.vocab import BK, QB

OBS = "https://w3id.org/bolekg/id/obs/"
IND = "https://w3id.org/bolekg/id/indicator/"


def test_the_500_public_rental_flats_are_the_years_plan(real_union: Graph) -> None:
    """「2021年……建设公租房500套」 in a January–June report: a plan for the year, not flats built."""
    old = URIRef(OBS + "1-06-public-rental-housing-units-actual")
    new = URIRef(OBS + "1-06-public-rental-housing-units-target")
    assert (old, None, None) not in real_union
    assert real_union.value(new, QB.measureType) == BK.target
    assert real_union.value(new, BK.target) == Literal(500)
    assert real_union.value(new, BK.actual) is None


def test_the_s304_investment_label_does_not_choose_whose_it_is(real_union: Graph) -> None:
    """「辅道路12公里,投资2065万元」 reads as the auxiliary road's as much as the upgrade's: the label
    repeats the clause, the note gives both readings."""
    figure = URIRef(OBS + "3-03-s304-investment-target")
    labels = {label.language: str(label) for label in real_union.objects(figure, RDFS.label)}
    assert "辅道路" in labels["zh"] and "auxiliary road" in labels["en"]
    assert "项目投资" not in labels["zh"]  # once: "S304线博乐—温泉升级改造项目投资2065万元"
    note = " ".join(str(n) for n in real_union.objects(figure, BK.editorialNote) if n.language == "en")
    assert "auxiliary road" in note and "whole upgrade" in note


def test_money_is_told_apart_by_kind(real_union: Graph) -> None:
    kind = {indicator: {str(k).rsplit("/", 1)[-1] for k in real_union.transitive_objects(URIRef(IND + indicator),
                                                                                        SKOS.broader)}
            for indicator in ("natural-gas-investment", "project-investment", "migrant-worker-claims-amount",
                              "wage-arrears-recovered", "startup-loan-amount-individual-businesses")}
    assert {"investment", "spending", "money"} <= kind["natural-gas-investment"]  # once unlinked
    assert {"investment", "spending", "money"} <= kind["project-investment"]
    assert "spending" not in kind["migrant-worker-claims-amount"] and "money" in kind["migrant-worker-claims-amount"]
    assert "spending" not in kind["wage-arrears-recovered"]
    assert {"loans-disbursed", "money"} <= kind["startup-loan-amount-individual-businesses"]
