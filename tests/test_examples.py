"""Every example query of the workbench answers its question on the real data, on every backend.

Expectations are facts of the report checked by hand against the Turtle (a count, specific IRIs,
a value); where an answer can be cross-checked inside the data itself (parts summing to their
whole, figures per period adding up to all figures) the test does that too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
from rdflib import Dataset

import ld_support
from bolekg.pages.examples import Example, examples
from bolekg.store import GraphStore

ID = "https://w3id.org/bolekg/id/"
DEF = "https://w3id.org/bolekg/def/"
Rows = list[dict[str, str]]


@pytest.fixture(scope="module", params=["embedded", "remote", "virtuoso"])
def store(request: pytest.FixtureRequest, real_dataset: Dataset) -> Iterator[GraphStore]:
    loaded = ld_support.new_store(request.param, ld_support.remote_root(request, request.param, read_only=True))
    loaded.load(real_dataset)
    yield loaded
    loaded.close()


def run(store: GraphStore, example: Example) -> Rows:
    result = store.query(example.query)
    names = [v.value for v in result.value.variables]  # type: ignore[union-attr]
    return [{n: row[n].value for n in names if row[n] is not None} for row in result.value]  # type: ignore[union-attr]


def column(rows: Rows, name: str) -> list[str]:
    return [row.get(name, "") for row in rows]


def check_items(rows: Rows) -> None:
    assert len(rows) == 30
    assert rows[0]["item"] == ID + "item/1-01" and rows[-1]["item"] == ID + "item/3-10"
    assert {r["programme"] for r in rows} == {ID + "programme/" + p for p in
                                              ("benefit-projects", "practical-matters", "urgent-concerns")}
    assert rows[0]["zh"] == "就业创业方面" and rows[0]["en"] == "Employment and entrepreneurship"


def check_town(rows: Rows) -> None:
    assert sorted(set(column(rows, "initiative"))) == [ID + "project/dalete-coal-to-electric-heating",
                                                      ID + "project/electric-heating-connection"]


def check_responsibility(rows: Rows) -> None:
    assert len(rows) == 45
    assert set(column(rows, "basis")) == {"stated", "attributed"}
    triples = {(r["agency"], r["initiative"], r["basis"]) for r in rows}
    assert (ID + "org/bole-housing-bureau", ID + "item/2-07", "stated") in triples
    assert (ID + "org/bole-hrss-bureau", ID + "item/1-01", "attributed") in triples
    stated = next(r for r in rows if r["initiative"] == ID + "item/2-07" and r["basis"] == "stated")
    assert stated["quoteOrReason"] == "博乐市住建局对临街的空白地和拆迁地区域共建设了停车场8处"


def check_above_target(rows: Rows) -> None:
    assert {(r["initiative"], r["indicator"]) for r in rows} == {
        (ID + "item/1-01", ID + "indicator/vocational-training"),
        (ID + "project/rural-toilet-revolution", ID + "indicator/rural-toilet-renovation-households"),
    }
    for row in rows:
        assert Decimal(row["actualValue"]) > Decimal(row["targetValue"])


def check_spending(rows: Rows) -> None:
    """Money by kind, never added across kinds: item 1.2's wage claims (1853.06万元 at stake) and wages
    recovered (56.07万元) are two rows, neither of them spending (once summed as 19 091 300 yuan "actual")."""
    totals = {(r["item"], r["kind"].rsplit("/", 1)[-1], r["measure"]): Decimal(r["totalYuan"]) for r in rows}
    assert totals == {
        (ID + "item/1-01", "loans-disbursed", DEF + "actual"): Decimal(4870000),     # 实发金额487万元
        (ID + "item/1-02", "amounts-claimed", DEF + "actual"): Decimal(18530600),    # 涉及金额1853.06万元
        (ID + "item/1-02", "amounts-recovered", DEF + "actual"): Decimal(560700),    # 追回56.07万元
        (ID + "item/1-06", "spending", DEF + "actual"): Decimal(7584500),            # 补贴资金758.45万元
        (ID + "item/1-07", "spending", DEF + "actual"): Decimal(13000000),           # natural-gas investment
        (ID + "item/3-03", "spending", DEF + "target"): Decimal(20650000),           # S304 clause: 2065万元
    }


def check_places_without_figures(rows: Rows) -> None:
    places = set(column(rows, "place"))
    assert len(rows) == 67
    assert ID + "place/bortala-river" in places
    assert ID + "place/bole-city" not in places and ID + "place/dalete-town" not in places


def check_shares(rows: Rows) -> None:
    assert len(rows) == 13
    assert rows[0]["obs"] == ID + "obs/1-01-training-share" and Decimal(rows[0]["percent"]) == Decimal("128.2")
    values = [Decimal(v) for v in column(rows, "percent")]
    assert values == sorted(values, reverse=True)


def check_no_named_agency(rows: Rows) -> None:
    items = set(column(rows, "item"))
    assert len(items) == 24
    assert ID + "item/2-07" not in items  # the report names the housing bureau for parking
    assert ID + "item/2-04" not in items  # … and the civil affairs bureau for care homes
    assert {(r["item"], r.get("attributedAgency")) for r in rows} >= {
        (ID + "item/1-01", ID + "org/bole-hrss-bureau"), (ID + "item/2-08", None)}


def check_timeline(rows: Rows) -> None:
    assert len(rows) == 12
    dates = column(rows, "date")
    assert dates == sorted(dates)
    assert {r["milestone"]: r["date"] for r in rows}[ID + "milestone/hospital-ward-building-start"] == "2021-04-05"


def check_approximate(rows: Rows) -> None:
    assert len(rows) == 11
    by_obs = {r["obs"]: r for r in rows}
    assert by_obs[ID + "obs/3-06-school-places-target"]["qualifier"] == DEF + "Approximately"
    assert by_obs[ID + "obs/2-03-checkups-actual"]["quote"] == "截至目前已完成6万余人体检"


def check_provenance(rows: Rows) -> None:
    assert len(rows) == 22
    for row in rows:
        assert row["quote"] in row["sentenceText"]
        assert int(row["end"]) - int(row["begin"]) == len(row["quote"])
    assert {r["obs"]: r["value"] for r in rows}[ID + "obs/1-01-training-actual"] == "5834"


def check_places_in_city(rows: Rows) -> None:
    counts = {r["type"]: int(r["places"]) for r in rows}
    assert counts[DEF + "Road"] == 29 and counts[DEF + "TownshipLevelDivision"] == 5
    assert counts[DEF + "Facility"] == 19


def check_oddities(rows: Rows) -> None:
    assert len(rows) == 19
    written = {r["thing"]: r["asWritten"] for r in rows}
    assert written[ID + "milestone/hospital-capacity-equipment-acceptance"] == "2022年月9"


def check_themes(rows: Rows) -> None:
    assert len(rows) == 17
    employment = next(r for r in rows if r["theme"] == ID + "theme/employment")
    assert (employment["items"], employment["figures"]) == ("2", "27")


def check_projects(rows: Rows) -> None:
    assert len(rows) == 30
    by_item = {r["item"]: (int(r["projects"]), int(r["activities"])) for r in rows}
    assert by_item[ID + "item/3-08"] == (6, 0) and by_item[ID + "item/1-01"] == (1, 9)


def check_parts(rows: Rows) -> None:
    assert sorted(column(rows, "whole")) == [ID + "obs/1-01-startup-loan-amount-actual",
                                            ID + "obs/1-01-training-actual", ID + "obs/1-09-hazards-found-campaign"]
    for row in rows:  # the report lists these parts completely: they add up
        assert Decimal(row["wholeValue"]) == Decimal(row["sumOfParts"])


def check_periods(rows: Rows, store: GraphStore) -> None:
    total = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?o a <https://w3id.org/bolekg/def/Observation> }")
    assert sum(int(r["figures"]) for r in rows) == int(next(iter(total.value))["n"].value)  # type: ignore[call-overload, index]
    assert {(r["period"], r["measure"]): int(r["figures"]) for r in rows}[
        (ID + "period/2021", DEF + "target")] == 25  # with the 500 public rental flats, read as the year's plan


def check_touching(rows: Rows) -> None:
    """Dalete Town's heating projects and figure are here; the city's own work covers it city-wide."""
    by_scope: dict[str, set[str]] = {}
    for row in rows:
        by_scope.setdefault(row["scope"], set()).add(row["thing"])
    assert by_scope["here"] == {ID + "project/dalete-coal-to-electric-heating",
                                ID + "project/electric-heating-connection", ID + "obs/1-07-dalete-area-target"}
    assert "inside" not in by_scope
    assert {r["where"] for r in rows if r["scope"] == "wider"} == {ID + "place/bole-city"}
    assert len(by_scope["wider"]) == 44 + 131 and ID + "item/2-01" in by_scope["wider"]


CHECKS: dict[str, Callable[..., None]] = {
    "01-items-by-programme": check_items,
    "02-initiatives-in-a-town": check_town,
    "03-who-is-responsible": check_responsibility,
    "04-figures-above-target": check_above_target,
    "05-spending-by-item": check_spending,
    "06-places-without-figures": check_places_without_figures,
    "07-share-of-plan": check_shares,
    "08-items-without-named-agency": check_no_named_agency,
    "09-timeline": check_timeline,
    "10-approximate-figures": check_approximate,
    "11-provenance-of-a-figure": check_provenance,
    "12-places-in-the-city": check_places_in_city,
    "13-source-oddities": check_oddities,
    "14-themes": check_themes,
    "15-projects-per-item": check_projects,
    "16-parts-and-wholes": check_parts,
    "17-figures-per-period": check_periods,
    "18-what-touches-a-place": check_touching,
}


def test_every_example_has_a_check_and_both_languages() -> None:
    found = examples()
    assert len(found) >= 15
    assert {e.name for e in found} == set(CHECKS)
    for example in found:
        assert set(example.titles) == {"zh", "en"} and set(example.descriptions) == {"zh", "en"}, example.name
        assert "SELECT" in example.query and not example.query.lstrip().startswith("#")


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_example_answers(store: GraphStore, name: str) -> None:
    example = next(e for e in examples() if e.name == name)
    rows = run(store, example)
    check = CHECKS[name]
    if check.__code__.co_argcount == 2:
        check(rows, store)
    else:
        check(rows)
