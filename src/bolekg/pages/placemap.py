"""The map: every place with coordinates, drawn as a point over administrative outlines.

Why server-side SVG: the page must work without JavaScript and load nothing from another host, so
the outlines are a file vendored from npm packages (``web/static/vendor/outlines``, README "Map",
``make vendor-outlines``) and drawn here as paths; the places and their points come from the store
through :class:`~bolekg.pages.common.Context`, with plain triple patterns (no property path, no
UNION), so the page reads the same on the embedded store, ``oxigraph serve`` and Virtuoso.

Two panels: a detail panel over the county-level outlines (Bortala prefecture, with Bole City), where
most places are, and an overview of the province. Each place is drawn once, in the detail panel when
its point lies in that panel's extent, otherwise in the overview, which shows the detail's extent as
a box. The projection is equirectangular, longitudes scaled by the cosine of the panel's middle
latitude; each panel states it in ``data-*`` attributes so that a test can map a marker back to
degrees. A marker is a link to the place's page holding its label, so the panels are
``role="group"``, never ``role="img"`` (see :mod:`bolekg.pages.svg`). The list under the figure is
the text alternative: every place with its coordinates and a link.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from pathlib import Path
from typing import Any

from bolekg.i18n import translate
from bolekg.pages.common import Context, Link
from bolekg.pages.numbers import text_width
from bolekg.paths import WEB_DIR
from bolekg.report.vocab import BK
from bolekg.services.lookup import text

OUTLINES_FILE = WEB_DIR / "static" / "vendor" / "outlines" / "outlines.geojson"

POINTS_QUERY = """SELECT ?place ?has ?geometry ?wkt WHERE {
  VALUES ?has { geo:hasCentroid geo:hasGeometry geo:hasDefaultGeometry }
  ?place ?has ?geometry .
  ?geometry geo:asWKT ?wkt .
}"""

TYPES_QUERY = """SELECT ?place ?type WHERE {
  VALUES ?has { geo:hasCentroid geo:hasGeometry geo:hasDefaultGeometry }
  ?place ?has ?geometry .
  ?geometry geo:asWKT ?wkt .
  ?place a ?type .
}"""

CODES_QUERY = """SELECT ?place ?code WHERE { ?place bk:divisionCode ?code }"""

#: A place of one of these kinds is drawn as a ring (the centre of a large area), any other as a dot.
AREA_KINDS = {str(BK.ProvincialDivision), str(BK.PrefecturalDivision)}

#: ``POINT(lon lat)``, optionally after a CRS IRI; GeoSPARQL's default CRS (CRS84) is longitude first.
_POINT = re.compile(r"^\s*(?:<[^>]*>\s*)?POINT\s*(?:Z\s*|M\s*|ZM\s*)?\(\s*([-+0-9.eE]+)\s+([-+0-9.eE]+)", re.I)
_CRS = re.compile(r"^\s*<([^>]*)>")
#: CRSs whose axis order is longitude, latitude (WGS 84 as GeoSPARQL's default).
_LON_LAT_CRS = {"http://www.opengis.net/def/crs/OGC/1.3/CRS84", "http://www.opengis.net/def/crs/OGC/1.3/CRS84h"}

WIDTH = 600
#: Label size in the drawing's units: the panels scale to the page's width, and at 390 px a panel is
#: about 365 px wide, so 20 units render at 12 px (the phone-first rule: figure text at least 11 px).
FONT = 20
#: A label's line, and the box around it that takes a tap: 40 units render at 24 px or more at 390 px
#: (WCAG 2.2 SC 2.5.8, Target Size: 24×24 CSS px); no two labels' boxes overlap.
LINE = 40
MARGIN = 12

Point = tuple[float, float]
Ring = list[Point]


def parse_point(wkt: str) -> Point | None:
    """(longitude, latitude) of a WKT point, or None for anything else (or another CRS)."""
    crs = _CRS.match(wkt)
    if crs and crs.group(1) not in _LON_LAT_CRS:
        return None
    found = _POINT.match(wkt)
    if not found:
        return None
    lon, lat = float(found.group(1)), float(found.group(2))
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return None
    return lon, lat


@dataclass(frozen=True)
class Outline:
    """One administrative area of the vendored file: its 6-digit code, name (as the package spells
    it), level (province, prefecture, county) and polygons (each an outer ring and holes)."""

    code: str
    name: str
    level: str
    polygons: tuple[tuple[tuple[Point, ...], ...], ...]

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        xs = [p[0] for polygon in self.polygons for p in polygon[0]]
        ys = [p[1] for polygon in self.polygons for p in polygon[0]]
        return min(xs), min(ys), max(xs), max(ys)

    def contains(self, point: Point) -> bool:
        return any(_in_ring(point, polygon[0]) and not any(_in_ring(point, hole) for hole in polygon[1:])
                   for polygon in self.polygons)


def _in_ring(point: Point, ring: tuple[Point, ...]) -> bool:
    """Even–odd rule: a ray to the east crosses the ring's edges an odd number of times."""
    x, y = point
    inside = False
    for (x1, y1), (x2, y2) in itertools.pairwise(ring):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def load_outlines(path: Path = OUTLINES_FILE) -> list[Outline]:
    """The vendored outlines, read once per version of the file."""
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return []
    return list(_load(str(path), stamp))


@lru_cache(maxsize=2)
def _load(path: str, _stamp: int) -> tuple[Outline, ...]:
    collection = json.loads(Path(path).read_text(encoding="utf-8"))
    found: list[Outline] = []
    for feature in collection.get("features", []):
        geometry = feature.get("geometry") or {}
        parts = ([geometry["coordinates"]] if geometry.get("type") == "Polygon"
                 else geometry.get("coordinates", []) if geometry.get("type") == "MultiPolygon" else [])
        polygons = tuple(tuple(tuple((float(p[0]), float(p[1])) for p in ring) for ring in polygon)
                         for polygon in parts if polygon)
        props = feature.get("properties") or {}
        if polygons:
            found.append(Outline(str(props.get("code", "")), str(props.get("name", "")),
                                 str(props.get("level", "")), polygons))
    return tuple(found)


@dataclass
class Projection:
    """Equirectangular: x grows east by ``scale`` units per degree times ``cos(middle latitude)``,
    y grows south by ``scale`` units per degree, from (``west``, ``north``) at (``MARGIN``, ``MARGIN``)."""

    west: float
    north: float
    scale: float
    cos: float

    def __call__(self, point: Point) -> Point:
        return (MARGIN + (point[0] - self.west) * self.scale * self.cos, MARGIN + (self.north - point[1]) * self.scale)

    def inverse(self, x: float, y: float) -> Point:
        return (self.west + (x - MARGIN) / (self.scale * self.cos), self.north - (y - MARGIN) / self.scale)

    @classmethod
    def fitting(cls, extent: tuple[float, float, float, float]) -> tuple[Projection, float]:
        """The projection that fits ``extent`` (west, south, east, north) into :data:`WIDTH`, and the
        height of the map area."""
        west, south, east, north = extent
        cos = math.cos(math.radians((south + north) / 2))
        scale = (WIDTH - 2 * MARGIN) / max((east - west) * cos, 1e-9)
        return cls(west, north, scale, cos), (north - south) * scale + 2 * MARGIN


@dataclass
class Marker:
    link: Link
    point: Point
    geometry: Link
    area: bool  # a province or prefecture: drawn as a ring
    panel: str = ""

    @property
    def anchor(self) -> str:
        return "place-" + self.link.iri.rstrip("/").rsplit("/", 1)[-1]

    def coordinates(self, lang: str) -> str:
        """Latitude and longitude in degrees, as people write them in the page's language."""
        lon, lat = self.point
        ns = translate("map.north", lang) if lat >= 0 else translate("map.south", lang)
        ew = translate("map.east", lang) if lon >= 0 else translate("map.west", lang)
        degrees = {"lat": format(abs(lat), ".4f"), "lon": format(abs(lon), ".4f")}
        return translate("map.coordinates", lang, ns=ns, ew=ew, **degrees)


@dataclass
class Panel:
    key: str
    title: str
    projection: Projection
    extent: tuple[float, float, float, float]
    markers: list[Marker]
    svg: str = ""


@dataclass
class PlaceMap:
    markers: list[Marker]
    panels: list[Panel]
    outline_count: int


def _expand(extent: tuple[float, float, float, float], by: float) -> tuple[float, float, float, float]:
    west, south, east, north = extent
    dx, dy = (east - west) * by, (north - south) * by
    return west - dx, south - dy, east + dx, north + dy


def _union(boxes: list[tuple[float, float, float, float]]) -> tuple[float, float, float, float]:
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def _inside(point: Point, extent: tuple[float, float, float, float]) -> bool:
    return extent[0] <= point[0] <= extent[2] and extent[1] <= point[1] <= extent[3]


def _overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def build(context: Context, outlines: list[Outline] | None = None) -> PlaceMap:
    outlines = load_outlines() if outlines is None else outlines
    points: dict[str, tuple[Point, str]] = {}
    for row in context.rows(POINTS_QUERY, "the places with coordinates: their points (WKT)"):
        point = parse_point(text(row["wkt"]))
        place = text(row["place"])
        # one point a place: its centroid before any other geometry
        if point is not None and (place not in points or text(row["has"]).endswith("hasCentroid")):
            points[place] = (point, text(row["geometry"]))
    kinds: dict[str, set[str]] = {}
    for row in context.rows(TYPES_QUERY, "their kinds: a ring for a province or prefecture, else a dot"):
        kinds.setdefault(text(row["place"]), set()).add(text(row["type"]))
    place_of_code: dict[str, str] = {}
    for row in context.rows(CODES_QUERY, "every division code, to name the outlines"):
        place_of_code.setdefault(text(row["code"])[:6], text(row["place"]))
    markers = [Marker(context.link(place), point, context.link(geometry), bool(kinds.get(place, set()) & AREA_KINDS))
               for place, (point, geometry) in points.items()]
    names = {code: context.link(place) for code, place in place_of_code.items()}
    context.resolve()
    markers.sort(key=lambda m: (m.link.name, m.link.iri))
    panels = layout(markers, outlines, names, context.lang)
    return PlaceMap(markers, panels, len(outlines))


def layout(markers: list[Marker], outlines: list[Outline], names: dict[str, Link], lang: str) -> list[Panel]:
    """The detail panel over the county-level outlines (when there are any), the overview over the
    province and whatever falls outside the detail; each marker in exactly one of them."""
    counties = [o for o in outlines if o.level == "county"]
    provinces = [o for o in outlines if o.level == "province"]
    panels: list[Panel] = []
    detail_extent = _expand(_union([o.bbox for o in counties]), 0.03) if counties else None
    rest = list(markers)
    if detail_extent is not None:
        here = [m for m in markers if _inside(m.point, detail_extent)]
        rest = [m for m in markers if m not in here]
        prefecture = counties[0].code[:4] + "00"
        title = names[prefecture].name if prefecture in names else next(
            (o.name for o in outlines if o.code == prefecture), "")
        projection, _ = Projection.fitting(detail_extent)
        panels.append(Panel("detail", title, projection, detail_extent, here))
    if rest or not panels:
        boxes = [o.bbox for o in provinces] + [(m.point[0], m.point[1], m.point[0], m.point[1]) for m in rest]
        if not boxes:
            boxes = [o.bbox for o in outlines] or [(-180.0, -60.0, 180.0, 80.0)]
        extent = _expand(_union(boxes), 0.02)
        province = provinces[0].code if provinces else ""
        title = names[province].name if province in names else (provinces[0].name if provinces else "")
        projection, _ = Projection.fitting(extent)
        panels.append(Panel("overview", title, projection, extent, rest))
    for panel in panels:
        for marker in panel.markers:
            marker.panel = panel.key
        panel.svg = draw(panel, outlines, names, lang, detail_extent if panel.key == "overview" else None)
    return panels


def _path(rings: list[tuple[Point, ...]], projection: Projection) -> str:
    parts = []
    for ring in rings:
        xy = [projection(p) for p in ring]
        parts.append("M" + "L".join(f"{x:.1f} {y:.1f}" for x, y in xy) + "Z")
    return "".join(parts)


def _label_box(marker_xy: Point, width: float, side: int, row: int) -> tuple[float, float, float, float]:
    """A label's box ``row`` lines above (<0) or below (>0) the marker: to its right (side 1), its left
    (-1), or centred on it and kept inside the drawing's width (0)."""
    x, y = marker_xy
    top = y - LINE / 2 + row * LINE
    beside = x + 14 if side > 0 else x - 14 - width
    left = min(max(x - width / 2, 2), WIDTH - 2 - width) if side == 0 else beside
    return left, top, left + width, top + LINE


def place_labels(spots: list[tuple[Point, float]],
                 avoid: Sequence[tuple[float, float, float, float]] = ()) -> list[tuple[float, float, float, float]]:
    """A box for each label (given its marker's position and its width) that overlaps no other label
    and no marker (nor a box of ``avoid``) and stays inside the drawing's width: beside the marker if
    there is room, else on the nearest free line above or below it (a leader line then joins them)."""
    placed: list[tuple[float, float, float, float]] = []
    dots = [(x - 10, y - 10, x + 10, y + 10) for (x, y), _ in spots] + list(avoid)
    for (xy, width) in spots:
        chosen = None
        for row in (0, -1, 1, -2, 2, -3, 3, -4, 4, -5, 5, -6, 6, -7, 7, -8, 8):
            sides = (1, -1) if xy[0] < WIDTH / 2 else (-1, 1)
            for side in (*sides, 0) if row else sides:
                box = _label_box(xy, width, side, row)
                if box[0] < 2 or box[2] > WIDTH - 2:
                    continue
                if any(_overlaps(box, other) for other in placed + dots):
                    continue
                chosen = box
                break
            if chosen:
                break
        if chosen is None:  # nowhere free: beside it, inside the drawing
            chosen = _label_box(xy, width, 0, 0)
        placed.append(chosen)
    return placed


def draw(panel: Panel, outlines: list[Outline], names: dict[str, Link], lang: str,
         detail: tuple[float, float, float, float] | None) -> str:
    projection = panel.projection
    _, map_height = Projection.fitting(panel.extent)
    order = {"province": 0, "prefecture": 1, "county": 2}
    drawn = sorted((o for o in outlines if _overlaps(o.bbox, panel.extent)), key=lambda o: order.get(o.level, 3))
    if panel.key == "detail":
        # Bortala's counties draw it there; its own (coarser) outline is drawn last, as a border only
        counties = {o.code[:4] for o in outlines if o.level == "county"}
        fill_skip = {o.code for o in drawn if o.level == "prefecture" and o.code[:4] in counties}
    else:
        counties, fill_skip = set(), set()
        drawn = [o for o in drawn if o.level != "county"]
    stroke = {"province": ("#1f3b57", 2.5), "prefecture": ("#7d8b99", 1.2), "county": ("#a3aebb", 1)}
    clip = f"clip-{panel.key}"
    paths: list[str] = []
    borders: list[str] = []
    for outline in drawn:
        name = names[outline.code].name if outline.code in names else outline.name
        d = _path([ring for polygon in outline.polygons for ring in polygon], projection)
        colour, width = stroke.get(outline.level, ("#999", 1))
        fill = "#fbf8f1" if outline.level == "province" else "none"
        if outline.code in fill_skip:
            borders.append(f'<path d="{d}" fill="none" stroke="#5b6876" stroke-width="2" data-code="{outline.code}" '
                           f'data-level="{outline.level}"><title>{escape(name)}</title></path>')
            continue
        if panel.key == "detail":  # the counties of the detail light, the areas around them a shade darker
            fill = "#fdfbf6" if outline.level == "county" else "#ece8df" if outline.level == "prefecture" else fill
        paths.append(f'<path d="{d}" fill="{fill}" stroke="{colour}" stroke-width="{width}" fill-rule="evenodd" '
                     f'data-code="{outline.code}" data-level="{outline.level}"><title>{escape(name)}</title></path>')
    # labels: placed after every marker is known, so that none covers another's dot
    spots = [(projection(m.point), text_width(m.link.name, FONT) + 6) for m in panel.markers]
    frame = None
    if detail is not None:
        (x1, y1), (x2, y2) = projection((detail[0], detail[3])), projection((detail[2], detail[1]))
        frame = (x1, y1, x2, y2)
    boxes = place_labels(spots, [frame] if frame else [])
    top = min([0.0] + [b[1] - 4 for b in boxes])
    bottom = max([map_height] + [b[3] + 4 for b in boxes])
    label = translate("map.panel.label", lang, region=panel.title, n=len(panel.markers))
    description = translate("map.panel.desc", lang)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 {top:.1f} {WIDTH} {bottom - top:.1f}" '
             f'class="place-map" id="map-{panel.key}" role="group" aria-label="{escape(label)}" '
             f'data-panel="{panel.key}" data-west="{projection.west!r}" data-north="{projection.north!r}" '
             f'data-scale="{projection.scale!r}" data-cos="{projection.cos!r}" data-margin="{MARGIN}">',
             f"<title>{escape(label)}</title>",
             f"<desc>{escape(description)}</desc>",
             f'<defs><clipPath id="{clip}"><rect x="0" y="0" width="{WIDTH}" height="{map_height:.1f}"/>'
             "</clipPath></defs>",
             f'<rect x="0" y="0" width="{WIDTH}" height="{map_height:.1f}" fill="#e8eef3"/>',
             f'<g class="outlines" clip-path="url(#{clip})">', *paths, *borders]
    if frame is not None:
        x1, y1, x2, y2 = frame
        parts.append(f'<rect class="detail-box" x="{x1:.1f}" y="{y1:.1f}" width="{x2 - x1:.1f}" height="{y2 - y1:.1f}" '
                     'fill="none" stroke="#b5452b" stroke-width="2" stroke-dasharray="6 3"/>')
    parts.append("</g>")
    parts.append('<g class="markers">')
    for marker, ((x, y), _width), box in zip(panel.markers, spots, boxes, strict=True):
        lon, lat = marker.point
        shape = (f'<circle cx="{x:.2f}" cy="{y:.2f}" r="9" fill="none" stroke="#b5452b" stroke-width="3"/>'
                 if marker.area else
                 f'<circle cx="{x:.2f}" cy="{y:.2f}" r="6" fill="#b5452b" stroke="#fff" stroke-width="1.5"/>')
        middle = (box[1] + box[3]) / 2
        leader = ""
        if abs(middle - y) > LINE * 0.6:  # joined to the nearest point of its label's box
            to_x, to_y = min(max(x, box[0]), box[2]), min(max(y, box[1]), box[3])
            leader = (f'<line x1="{x:.1f}" y1="{y:.1f}" x2="{to_x:.1f}" y2="{to_y:.1f}" stroke="#5b6876" '
                      'stroke-width="1"/>')
        parts.append(f'<a href="{escape(marker.link.href)}" class="marker" data-iri="{escape(marker.link.iri)}" '
                     f'data-lon="{lon!r}" data-lat="{lat!r}" data-x="{x!r}" data-y="{y!r}">'
                     f"<title>{escape(marker.link.name)} · {escape(marker.coordinates(lang))}</title>"
                     f"{leader}{shape}"
                     f'<rect x="{box[0]:.1f}" y="{box[1]:.1f}" width="{box[2] - box[0]:.1f}" height="{LINE}" '
                     'fill="#fff" fill-opacity="0"/>'
                     f'<text x="{box[0] + 3:.1f}" y="{middle + FONT * 0.35:.1f}" font-size="{FONT}" fill="#1a1a1a" '
                     f'stroke="#fff" stroke-width="4" stroke-linejoin="round" paint-order="stroke">'
                     f"{escape(marker.link.name)}</text></a>")
    parts.append("</g></svg>")
    return "".join(parts)


def as_json(found: PlaceMap) -> dict[str, Any]:
    return {"places": [{"iri": m.link.iri, "label": m.link.name, "href": m.link.href, "lon": m.point[0],
                        "lat": m.point[1], "geometry": m.geometry.iri, "panel": m.panel} for m in found.markers]}
