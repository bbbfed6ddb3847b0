"""Readings of the report corrected after review (issue 17), each pinned so that it cannot come back.

The general rules behind them are shapes where a rule can be checked (``bks:Observation-actualByReportDate``,
``bks:MoneyKind-kind``, in ``tests/test_shapes.py``); what is particular to one sentence is here.
"""

from __future__ import annotations

from decimal import Decimal

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS

from bolekg.extract.gazetteer import GAZETTEER_FILE
from bolekg.report.vocab import BK, QB, SDMX_ATT

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


RESP = "https://w3id.org/bolekg/id/responsibility/"
AGENCY = "https://w3id.org/bolekg/id/org/"


def test_a_project_name_is_not_a_statement_of_who_does_the_work(real_union: Graph) -> None:
    """The hospital is named only inside its projects' names: attributed, with the reason, not stated."""
    hospital = URIRef(AGENCY + "bole-peoples-hospital")
    for slug in ("equipment", "ward-building"):
        statement = URIRef(RESP + f"1-04-peoples-hospital-{slug}")
        assert (statement, RDF.type, BK.AttributedResponsibility) in real_union
        assert real_union.value(statement, BK.evidence) is None
        assert real_union.value(statement, BK.reason) is not None
        project = real_union.value(None, BK.responsibility, statement)
        assert (project, BK.attributedAgency, hospital) in real_union
        assert (project, BK.responsibleAgency, hospital) not in real_union


def test_a_figure_is_credited_to_an_agency_only_where_its_sentence_names_one(real_union: Graph) -> None:
    """「目前全市集中供养老人、孤儿集中收养率100%」 names no agency (民政局 is in the sentence before)."""
    assert real_union.value(URIRef(OBS + "2-04-institutional-care-rate"), PROV.wasAttributedTo) is None


def test_air_and_water_figures_do_not_inherit_the_approval_sentence(real_union: Graph) -> None:
    """Item 2-10's figures have no agency in their sentences; the branch is named only for environmental
    approval and heavy-metal targets, so the item is attributed to it and those two activities stated."""
    item, branch = URIRef("https://w3id.org/bolekg/id/item/2-10"), URIRef(AGENCY + "bortala-eeb-bole-branch")
    assert (item, BK.responsibleAgency, branch) not in real_union
    assert (item, BK.attributedAgency, branch) in real_union
    stated = [s for s, _, _ in real_union.triples((None, BK.responsibleAgency, branch))]
    assert {str(s).rsplit("/", 1)[-1] for s in stated} == {"eia-approval-gatekeeping",
                                                           "heavy-metal-emission-control-targets"}


def test_a_nominal_diameter_is_not_a_length(real_union: Graph) -> None:
    """DN600 is a size designation (ISO 6708): its own unit, never normalised to 0.6 m."""
    figures = list(real_union.subjects(BK.indicator, URIRef(IND + "pipe-nominal-diameter")))
    assert len(figures) == 2
    for figure in figures:
        assert real_union.value(figure, SDMX_ATT.unitMeasure) == BK.NominalDiameter
        assert real_union.value(figure, BK.normalisedValue) is None
        assert real_union.value(figure, BK.target) == Literal(600)


#: The reference gazetteer, vendored with the extractor (identical to the shared reference copy)
GAZETTEER = GAZETTEER_FILE


def test_division_codes_are_the_bureaus_twelve_digits_and_only_verified_ones(real_union: Graph) -> None:
    """Every place of the graph that the gazetteer codes carries its code as the bureau publishes it (the
    short code padded to 12 digits); a code marked unverified is only ever a candidate."""
    rows = [line.split("\t") for line in GAZETTEER.read_text("utf-8").splitlines()
            if line and not line.startswith("#")]
    header, rows = rows[0], rows[1:]
    by_name = {row[header.index("name_zh")]: row for row in rows}
    checked = 0
    coded = set(real_union.subjects(BK.divisionCode, None)) | set(real_union.subjects(BK.candidateDivisionCode, None))
    for place in coded:
        names = {str(n) for n in real_union.objects(place, RDFS.label) if n.language == "zh"}
        [row] = [by_name[n] for n in names if n in by_name]
        code = row[header.index("code")].ljust(12, "0")
        if "unverified" in row[header.index("note")]:
            assert real_union.value(place, BK.divisionCode) is None
            assert real_union.value(place, BK.candidateDivisionCode) == Literal(code)
        else:
            assert real_union.value(place, BK.divisionCode) == Literal(code), place
        checked += 1
    assert checked >= 12
    assert real_union.value(URIRef("https://w3id.org/bolekg/id/place/bole-city"), BK.divisionCode) == \
        Literal("652701000000")


#: The gazetteer's verified codes (NBS 统计用区划代码, 2023-06-30), in the bureau's 12-digit form: the
#: same facts as test_division_codes_are_..., checked also where the stored gazetteer is not at hand.
CODES = {
    "xinjiang": "650000000000", "bortala-prefecture": "652700000000", "bole-city": "652701000000",
    "wenquan-county": "652723000000", "shuanghe-city": "659007000000", "xiaoyingpan-town": "652701100000",
    "dalete-town": "652701101000", "wutubulage-town": "652701102000", "qingdeli-town": "652701103000",
    "arele-tuohai-ranch": "652701400000",
}


def test_the_division_codes_in_the_graph(real_union: Graph) -> None:
    stated = {str(place).rsplit("/", 1)[-1]: str(code) for place, code in real_union.subject_objects(BK.divisionCode)}
    assert stated == CODES


#: Identity links the gazetteer verified (its wikidata column), by place; GeoNames: none verified, none made.
LINKS = {"xinjiang": "http://www.wikidata.org/entity/Q34800"}
LINK_SOURCE = URIRef("https://w3id.org/bolekg/id/source/place-gazetteer")


def identity_links(graph: Graph) -> dict[str, str]:
    return {str(place).rsplit("/", 1)[-1]: str(other)
            for place, other in graph.subject_objects(OWL.sameAs | URIRef("https://schema.org/sameAs"))}


def test_the_identity_links_in_the_graph_name_their_source(real_union: Graph) -> None:
    """Every owl:sameAs (or schema:sameAs) is one the stored gazetteer verified, and the link itself names
    that source: an rdf:Statement about the triple with dct:source (bks:LinkSourced)."""
    assert identity_links(real_union) == LINKS
    for place, other in real_union.subject_objects(OWL.sameAs):
        [link] = [s for s in real_union.subjects(RDF.subject, place) if real_union.value(s, RDF.object) == other]
        assert real_union.value(link, RDF.predicate) == OWL.sameAs
        assert real_union.value(link, DCTERMS.source) == LINK_SOURCE
        assert {lit.language for lit in real_union.objects(LINK_SOURCE, RDFS.label)} == {"zh", "en"}


def test_identity_links_are_exactly_the_gazetteers_verified_ones(real_union: Graph) -> None:
    """A QID in the gazetteer's wikidata column is linked for the place of that name, and nothing else is."""
    rows = [line.split("\t") for line in GAZETTEER.read_text("utf-8").splitlines()
            if line and not line.startswith("#")]
    header, rows = rows[0], rows[1:]
    expected = {}
    for row in rows:
        qid = row[header.index("wikidata")]
        if qid.startswith("Q"):
            [place] = real_union.subjects(RDFS.label, Literal(row[header.index("name_zh")], lang="zh"))
            expected[str(place).rsplit("/", 1)[-1]] = "http://www.wikidata.org/entity/" + qid
    assert identity_links(real_union) == expected == LINKS


def test_a_rounded_normalised_value_says_its_precision(real_union: Graph) -> None:
    """1.4 万亩 is 28000000/3 m²: the reported value and unit stay exact, and the rounded normalised value
    says it is rounded to 0.01 m² (bks:Normalised-value accepts no unstated rounding)."""
    weed = URIRef(OBS + "3-08-poisonous-weed-control-actual")
    assert real_union.value(weed, BK.actual) == Literal(Decimal("1.4"))
    assert real_union.value(weed, SDMX_ATT.unitMeasure) == BK.TenThousandMu
    assert real_union.value(weed, BK.normalisedValue) == Literal(Decimal("9333333.33"))
    assert real_union.value(weed, BK.normalisedPrecision) == Literal(Decimal("0.01"))
    exact = [o for o in real_union.subjects(BK.normalisedValue, None)
             if real_union.value(o, BK.normalisedPrecision) is None]
    assert len(exact) > 20  # the rest are exact, and stay without a precision
