"""The place gazetteer (``gazetteer.tsv``, vendored from the project's reference list): names, official
division codes, kinds and parents of the places around Bole City.

Only rows whose note does not say "unverified" give a code as fact (:attr:`Place.verified`). Another
region's report needs its own rows added here; the extractor flags a place name it cannot find.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

GAZETTEER_FILE = Path(__file__).with_name("gazetteer.tsv")

#: Gazetteer kinds → the ontology's place classes (local names in bk:).
KIND_CLASSES = {
    "autonomous region": "ProvincialDivision", "province": "ProvincialDivision",
    "autonomous prefecture": "PrefecturalDivision", "prefecture": "PrefecturalDivision",
    "prefecture-level city": "PrefecturalDivision",
    "county-level city": "CountyLevelDivision", "county": "CountyLevelDivision", "district": "CountyLevelDivision",
    "subdistrict": "TownshipLevelDivision", "town": "TownshipLevelDivision", "township": "TownshipLevelDivision",
    "state ranch": "TownshipLevelDivision", "village": "VillageLevelDivision", "river": "River",
}


@dataclass(frozen=True)
class Place:
    name_zh: str
    name_en: str
    kind: str
    parent_code: str | None
    code: str | None  # short form (652701); None for features without one (rivers)
    wikidata: str | None
    note: str

    @property
    def verified(self) -> bool:
        return self.code is not None and "unverified" not in self.note

    @property
    def full_code(self) -> str | None:
        """The 12-digit form the bureau publishes (652701 → 652701000000)."""
        return self.code.ljust(12, "0") if self.code else None

    @property
    def place_class(self) -> str:
        base = self.kind.split(" (")[0]
        return KIND_CLASSES.get(base, "Place")

    @property
    def short_names(self) -> tuple[str, ...]:
        """The name and the forms a report uses without the suffix (博尔塔拉蒙古自治州 → 博州 is not derived;
        达勒特镇 stays whole: short forms are ambiguous)."""
        names = [self.name_zh]
        if self.name_zh.endswith("维吾尔自治区"):
            names.append(self.name_zh.removesuffix("维吾尔自治区"))
        return tuple(names)


def _cell(value: str) -> str | None:
    return None if value in ("", "-") else value


@cache
def load_gazetteer(path: Path = GAZETTEER_FILE) -> tuple[Place, ...]:
    places: list[Place] = []
    header: list[str] | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if header is None:
            header = cells
            continue
        row = dict(zip(header, cells + [""] * (len(header) - len(cells)), strict=False))
        places.append(Place(row["name_zh"], row["name_en"], row["kind"], _cell(row["parent_code"]),
                            _cell(row["code"]), _cell(row["wikidata"]), row.get("note", "")))
    return tuple(places)


def by_code(code: str) -> Place:
    """The place with division code ``code`` (short or 12-digit form)."""
    short = code.rstrip("0") if len(code) == 12 else code
    for place in load_gazetteer():
        if place.code and (place.code == code or place.code == short or place.full_code == code):
            return place
    raise KeyError(f"division code {code} is not in the gazetteer ({GAZETTEER_FILE.name})")


def ancestors(place: Place) -> list[Place]:
    """The place's parents, nearest first, as far as the gazetteer knows them."""
    chain: list[Place] = []
    current = place
    while current.parent_code:
        try:
            current = by_code(current.parent_code)
        except KeyError:
            break
        chain.append(current)
    return chain
