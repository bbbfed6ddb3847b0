"""Server-side SVG: the neighbourhood graph of a resource and the dashboard's bar charts.

Drawn on the server so that pages work without JavaScript and print as they look. Every figure
has a ``<title>`` and a ``<desc>`` (SVG-AAM §5) and uses presentation attributes only (no ``style``),
so a strict Content-Security-Policy leaves it intact. A figure without links is ``role="img"``
(WAI-ARIA Graphics Module §4.1, ``graphics-document``'s simple case): one picture with one name. A
figure whose parts are links is ``role="group"`` named by its title and described by its desc
(:func:`_figure_role`): ``img`` makes its children presentational (WAI-ARIA 1.2 §5.2.8.4), so the links
inside were hidden from screen readers yet still took the keyboard focus — axe's
``nested-interactive``, WCAG 2.2 SC 4.1.2 (Name, Role, Value).
Numbers are read off the tables printed beside the charts; the charts never hold the only copy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

from bolekg.i18n import translate
from bolekg.pages.common import Link

COLOURS = {"out": "#1f5f8b", "in": "#8b5a1f", "centre": "#1f3b57", "target": "#9aa9b8", "actual": "#d0812b",
           "share": "#2b7a4b", "over": "#b5452b", "grid": "#c8c8c8"}


def _clip(label: str, width: int) -> str:
    """Shorten a label to about ``width`` columns (CJK characters count double)."""
    used = 0
    out: list[str] = []
    for char in label:
        used += 2 if ord(char) > 0x2E80 else 1
        if used > width:
            return "".join(out) + "…"
        out.append(char)
    return label


def _figure_role(figure_id: str, interactive: bool) -> str:
    """The ARIA attributes of a figure's ``<svg>`` (see the module's docstring)."""
    if interactive:
        return f'role="group" aria-labelledby="{figure_id}-title" aria-describedby="{figure_id}-desc"'
    return f'role="img" aria-labelledby="{figure_id}-title {figure_id}-desc"'


@dataclass
class Neighbour:
    link: Link
    predicate: Link
    direction: str  # "out": this resource → neighbour; "in": neighbour → this resource


def neighbourhood_svg(centre: Link, neighbours: list[Neighbour], lang: str) -> str:
    """A radial diagram: the resource in the middle, each linked resource on a circle around it,
    every edge labelled with its property and pointing the way the statement goes."""
    width, height, rx, ry = 960, 600, 250, 235
    cx, cy = width / 2, height / 2
    title = translate("entity.graph.alt", lang, name=centre.name, n=len(neighbours))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" class="neighbourhood" '
             f'{_figure_role("graph", bool(neighbours))}>',
             f'<title id="graph-title">{escape(title)}</title>',
             '<desc id="graph-desc">' + escape("; ".join(
                 f"{n.predicate.name}: {n.link.name}" if n.direction == "out" else f"{n.link.name} {n.predicate.name}"
                 for n in neighbours)) + "</desc>",
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
             'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#777"/></marker></defs>']
    count = max(len(neighbours), 1)
    for index, neighbour in enumerate(neighbours):
        angle = -math.pi / 2 + 2 * math.pi * index / count
        cos, sin = math.cos(angle), math.sin(angle)
        x, y = cx + rx * cos, cy + ry * sin
        # the edge runs from the centre disc to the neighbour's dot, the way the statement goes
        sx, sy = cx + 46 * cos, cy + 46 * sin
        ex, ey = x - 12 * cos, y - 12 * sin
        if neighbour.direction == "in":
            sx, sy, ex, ey = x - 12 * cos, y - 12 * sin, cx + 48 * cos, cy + 48 * sin
        colour = COLOURS[neighbour.direction]
        parts.append(f'<line x1="{sx:.1f}" y1="{sy:.1f}" x2="{ex:.1f}" y2="{ey:.1f}" stroke="#999" '
                     f'stroke-width="1.2" marker-end="url(#arrow)"/>')
        lx, ly = cx + rx * 0.58 * cos, cy + ry * 0.58 * sin
        parts.append(f'<text x="{lx:.1f}" y="{ly:.1f}" font-size="11" fill="#555" text-anchor="middle">'
                     f'{escape(_clip(neighbour.predicate.name, 18))}</text>')
        anchor = "middle" if abs(cos) < 0.08 else ("start" if cos > 0 else "end")
        tx = x + {"middle": 0, "start": 14, "end": -14}[anchor]
        ty = y + ((24 if sin > 0 else -16) if anchor == "middle" else 5)
        parts.append(f'<a href="{escape(neighbour.link.href)}"><title>{escape(neighbour.link.name)}</title>'
                     f'<circle cx="{x:.1f}" cy="{y:.1f}" r="9" fill="{colour}"/>'
                     f'<text x="{tx:.1f}" y="{ty:.1f}" font-size="13" fill="#222" text-anchor="{anchor}">'
                     f'{escape(_clip(neighbour.link.name, 24))}</text></a>')
    parts.append(f'<circle cx="{cx}" cy="{cy}" r="44" fill="{COLOURS["centre"]}"/>')
    parts.append(f'<text x="{cx}" y="{cy + 5}" font-size="12" fill="#fff" text-anchor="middle">'
                 f'{escape(_clip(centre.name, 11))}</text>')
    parts.append("</svg>")
    return "".join(parts)


@dataclass
class Bar:
    """One bar of a chart: a label, its value in percent, and a second (reference) value if any."""

    label: str
    value: float
    href: str = ""
    group: str = ""
    note: str = ""
    reference: float | None = None


def bar_chart_svg(bars: list[Bar], title: str, description: str, chart_id: str,
                  reference_line: float = 100.0) -> str:
    """Horizontal bars in percent with a reference line (100 % = the target, or the plan).

    Bars over the reference are drawn in another colour; groups (items) get a heading row.
    """
    label_width, plot_width, row, top = 300, 380, 24, 30
    rows: list[tuple[str, Bar | None]] = []
    last_group = None
    for item in bars:
        if item.group and item.group != last_group:
            rows.append((item.group, None))
            last_group = item.group
        rows.append(("", item))
    height = top + row * len(rows) + 30
    largest = max([reference_line, *(b.value for b in bars)]) if bars else reference_line
    scale_max = math.ceil(largest / 50) * 50
    width = label_width + plot_width + 70

    def x_of(value: float) -> float:
        return label_width + plot_width * max(value, 0) / scale_max

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" class="chart" '
             f'{_figure_role(chart_id, any(bar.href for bar in bars))}>',
             f'<title id="{chart_id}-title">{escape(title)}</title>',
             f'<desc id="{chart_id}-desc">{escape(description)}</desc>']
    for tick in range(0, scale_max + 1, 50 if scale_max <= 300 else 100):
        x = x_of(tick)
        parts.append(f'<line x1="{x:.1f}" y1="{top - 8}" x2="{x:.1f}" y2="{height - 24}" stroke="{COLOURS["grid"]}" '
                     f'stroke-width="0.6"/>')
        parts.append(f'<text x="{x:.1f}" y="{height - 8}" font-size="11" fill="#555" text-anchor="middle">'
                     f'{tick}%</text>')
    for index, (heading, bar) in enumerate(rows):
        y = top + row * index
        if bar is None:
            parts.append(f'<text x="4" y="{y + 15}" font-size="13" font-weight="bold" fill="#1f3b57">'
                         f'{escape(_clip(heading, 70))}</text>')
            continue
        label = f'<text x="{label_width - 8}" y="{y + 15}" font-size="12" fill="#222" text-anchor="end">' \
                f'{escape(_clip(bar.label, 44))}</text>'
        parts.append(f'<a href="{escape(bar.href)}">{label}</a>' if bar.href else label)
        colour = COLOURS["over"] if bar.value > reference_line else COLOURS["share"]
        parts.append(f'<rect x="{label_width}" y="{y + 4}" width="{x_of(bar.value) - label_width:.1f}" height="14" '
                     f'fill="{colour}"><title>{escape(bar.label)}: {bar.value:g}%</title></rect>')
        parts.append(f'<text x="{x_of(bar.value) + 4:.1f}" y="{y + 15}" font-size="11" fill="#222">'
                     f'{bar.value:g}%{escape(" " + bar.note if bar.note else "")}</text>')
    ref = x_of(reference_line)
    parts.append(f'<line x1="{ref:.1f}" y1="{top - 12}" x2="{ref:.1f}" y2="{height - 24}" stroke="#1f3b57" '
                 f'stroke-width="1.5" stroke-dasharray="4 3"/>')
    parts.append("</svg>")
    return "".join(parts)
