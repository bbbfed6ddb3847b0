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
import re
from dataclasses import dataclass
from html import escape

from bolekg.i18n import translate
from bolekg.pages.common import Link
from bolekg.pages.numbers import text_width

COLOURS = {"out": "#1f5f8b", "in": "#8b5a1f", "centre": "#1f3b57", "target": "#9aa9b8", "actual": "#d0812b",
           "share": "#4a7fab", "over": "#1f3b57", "grid": "#c8c8c8"}


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


def _columns(text: str) -> int:
    return sum(2 if ord(char) > 0x2E80 else 1 for char in text)


def _middle(label: str, width: int, tail: int) -> str:
    """``label`` in about ``width`` columns: its start, "…", and its last ``tail`` columns."""
    end = ""
    for char in reversed(label):
        if _columns(char + end) > tail:
            break
        end = char + end
    start = _clip(label[:len(label) - len(end)], max(width - _columns(end) - 1, 2)).rstrip("…")
    return f"{start}…{end}"


def shorten_distinctly(labels: list[str], width: int) -> list[str]:
    """Each label in about ``width`` columns, no two alike unless the labels are.

    Names in one figure often share a long start and differ only at the end (five responsibilities
    read "博乐市住房和城乡建设局(编者推定):" and then their matter), so cutting the end made them all
    "博乐市住房和城乡建设局(…". A label that does not fit keeps its start and its end around "…", the
    end growing (up to the whole width) until it tells the label from the others; the full name is
    always the node's ``<title>``."""
    shown = [label if _columns(label) <= width else "" for label in labels]
    long = [i for i, s in enumerate(shown) if not s]
    for tail in range(width // 2, width - 2):
        for i in long:
            shown[i] = _middle(labels[i], width, tail)
        meant: dict[str, set[str]] = {}
        for label, short in zip(labels, shown, strict=True):
            meant.setdefault(short, set()).add(label)
        if all(len(full) == 1 for full in meant.values()):
            break
    return shown


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
    names = shorten_distinctly([n.link.name for n in neighbours], 24)
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
        # the edge's property, in the page's language (its label; see ontology/bolekg.ttl for the
        # other vocabularies' terms), whole in its tooltip when cut
        parts.append(f'<g class="edge"><title>{escape(neighbour.predicate.name)}</title>'
                     f'<text x="{lx:.1f}" y="{ly:.1f}" font-size="13" fill="#555" text-anchor="middle">'
                     f'{escape(_clip(neighbour.predicate.name, 18))}</text></g>')
        anchor = "middle" if abs(cos) < 0.08 else ("start" if cos > 0 else "end")
        tx = x + {"middle": 0, "start": 14, "end": -14}[anchor]
        ty = y + ((24 if sin > 0 else -16) if anchor == "middle" else 5)
        parts.append(f'<a href="{escape(neighbour.link.href)}"><title>{escape(neighbour.link.name)}</title>'
                     f'<circle cx="{x:.1f}" cy="{y:.1f}" r="9" fill="{colour}"/>'
                     f'<text x="{tx:.1f}" y="{ty:.1f}" font-size="14" fill="#222" text-anchor="{anchor}">'
                     f'{escape(names[index])}</text></a>')
    parts.append(f'<circle cx="{cx}" cy="{cy}" r="44" fill="{COLOURS["centre"]}"/>')
    parts.append(f'<g class="centre"><title>{escape(centre.name)}</title>'
                 f'<text x="{cx}" y="{cy + 5}" font-size="13" fill="#fff" text-anchor="middle">'
                 f'{escape(_clip(centre.name, 11))}</text></g>')
    parts.append("</svg>")
    return "".join(parts)


@dataclass
class Bar:
    """One bar of a chart: a label, its value in percent, and a second (reference) value if any.

    ``value_text`` is the percentage as the page writes it (the report's own digits); ``note`` the
    figures behind it, shown where there is room and always in the bar's tooltip."""

    label: str
    value: float
    href: str = ""
    group: str = ""
    note: str = ""
    reference: float | None = None
    value_text: str = ""


#: The two layouts of a bar chart. A chart is drawn twice and CSS shows one (web/static/bolekg.css,
#: ``svg.chart-wide``/``svg.chart-narrow``): each is drawn at its own width in CSS pixels and never
#: scaled up, so a font size in user units is at least that size on screen (times the shrink of a
#: viewport a little narrower than the layout: ≥ 0.86 for the wide one from 40rem up, and none for
#: the narrow one at 390 px, whose content box is wider than 340). Scaling one wide drawing down to
#: a phone would shrink 12-unit text to 6 px.
WIDE, NARROW = 720, 340
FONT, SMALL = 13, 12
#: A white outline under a text's fill, so that a grid or the dashed line crossing it does not blur it.
HALO = ' stroke="#fff" stroke-width="3" stroke-linejoin="round" paint-order="stroke"'


def _wrap(label: str, width: float, size: float, lines: int, bold: bool = False) -> list[str]:
    """``label`` broken into at most ``lines`` lines that fit ``width`` (estimated, CJK-aware): between
    words in English, between any two characters in Chinese. The last line ends in … when the label
    is longer (the full label is in the row's ``<title>``)."""
    tokens = re.findall(r"[\u2e80-\uffef]|[^\s\u2e80-\uffef]+|\s+", label)
    out: list[str] = []
    current = ""
    for token in tokens:
        if not current and token.isspace():
            continue
        if text_width(current + token, size, bold) <= width:
            current += token
            continue
        if len(out) == lines - 1 or (not current and text_width(token, size, bold) > width):
            rest = (current + token)
            while rest and text_width(rest + "…", size, bold) > width:
                rest = rest[:-1]
            out.append(rest.rstrip() + "…")
            return out
        out.append(current.rstrip())
        current = "" if token.isspace() else token
    out.append(current.rstrip())
    return out


def _text_lines(x: float, y: float, lines: list[str], size: int, attrs: str = "") -> str:
    """A ``<text>`` of one or more lines (``<tspan>`` each), the first baseline at ``y``."""
    spans = "".join(f'<tspan x="{x:.1f}" dy="{0 if i == 0 else round(size * 1.3, 1)}">{escape(line)}</tspan>'
                    for i, line in enumerate(lines))
    return f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="#222"{attrs}>{spans}</text>'


def _legend(x: float, y: float, width: float, legend: tuple[str, str, str], pattern: str) -> tuple[str, float]:
    """The key to the chart: solid bar = under the reference, hatched bar = over it, dashed line = the
    reference itself. Colour never carries the meaning alone: the hatching and the line's dashes do too."""
    parts = ['<g class="legend">']
    swatches = [f'<rect x="{x:.1f}" y="{{y}}" width="18" height="12" fill="{COLOURS["share"]}"/>',
                f'<rect x="{x:.1f}" y="{{y}}" width="18" height="12" fill="url(#{pattern})" '
                f'stroke="{COLOURS["over"]}"/>',
                f'<line x1="{x + 9:.1f}" y1="{{y}}" x2="{x + 9:.1f}" y2="{{y2}}" stroke="#1f3b57" stroke-width="1.5" '
                f'stroke-dasharray="4 3"/>']
    for swatch, words in zip(swatches, legend, strict=True):
        lines = _wrap(words, width - 26, SMALL, 2)
        parts.append(swatch.format(y=f"{y:.1f}", y2=f"{y + 13:.1f}"))
        parts.append(_text_lines(x + 26, y + 11, lines, SMALL))
        y += 17 * len(lines) + 3
    parts.append("</g>")
    return "".join(parts), y


def bar_chart_svg(bars: list[Bar], title: str, description: str, chart_id: str,
                  reference_line: float = 100.0, lang: str = "zh",
                  legend: tuple[str, str, str] | None = None) -> str:
    """Horizontal bars in percent with a reference line (100 % = the target, or the plan), drawn
    twice: a wide layout (labels left of the bars) and a narrow one (labels above them) for phones.

    Bars over the reference are hatched as well as coloured, and a legend says so; groups (items) get
    a heading row; a label too long for its place wraps, and the full label is the row's tooltip."""
    key = legend or (translate("chart.legend.under", lang), translate("chart.legend.over", lang),
                     translate("chart.legend.line", lang))
    return (_bar_chart(bars, title, description, chart_id, reference_line, key, narrow=False)
            + _bar_chart(bars, title, description, chart_id + "-narrow", reference_line, key, narrow=True))


def _bar_chart(bars: list[Bar], title: str, description: str, chart_id: str, reference_line: float,
               legend: tuple[str, str, str], narrow: bool) -> str:
    width = NARROW if narrow else WIDE
    margin = 6
    label_width = 0 if narrow else 270
    plot_left = margin if narrow else label_width + 8
    value_room = 60  # room right of the longest bar for its percentage
    plot_width = width - plot_left - value_room - margin
    largest = max([reference_line, *(b.value for b in bars)]) if bars else reference_line
    scale_max = math.ceil(largest / 50) * 50
    pattern = f"{chart_id}-over"

    def x_of(value: float) -> float:
        return plot_left + plot_width * max(value, 0) / scale_max

    body: list[str] = []
    legend_svg, y = _legend(margin, margin, width - 2 * margin, legend, pattern)
    y += 8
    plot_top = y
    last_group = None
    for bar in bars:
        if bar.group and bar.group != last_group:
            last_group = bar.group
            lines = _wrap(bar.group, width - 2 * margin, FONT, 2, bold=True)
            body.append(_text_lines(margin, y + FONT, lines, FONT, ' font-weight="bold" fill="#1f3b57"')
                        .replace('fill="#222" font-weight', 'font-weight'))
            y += round(FONT * 1.3) * len(lines) + 6
        shown = bar.value_text or f"{bar.value:g}%"
        tooltip = f"{bar.label}: {shown}" + (f" ({bar.note})" if bar.note else "")
        if narrow:
            lines = _wrap(bar.label, width - 2 * margin, SMALL, 3)
            label = _text_lines(margin, y + SMALL, lines, SMALL, HALO)
            bar_y = y + round(SMALL * 1.3) * len(lines) + 2
        else:
            lines = _wrap(bar.label, label_width - margin, SMALL, 2)
            label = _text_lines(label_width, y + SMALL + 2, lines, SMALL, ' text-anchor="end"')
            bar_y = y + 2
        row_height = (bar_y - y) + 18 if narrow else max(22, round(SMALL * 1.3) * len(lines) + 8)
        link_open = f'<a href="{escape(bar.href)}">' if bar.href else "<g>"
        body.append(f'{link_open}<title>{escape(tooltip)}</title>{label}')
        over = bar.value > reference_line
        end = x_of(bar.value)
        paint = f'fill="url(#{pattern})" stroke="{COLOURS["over"]}"' if over else f'fill="{COLOURS["share"]}"'
        body.append(f'<rect x="{plot_left}" y="{bar_y}" width="{end - plot_left:.1f}" height="14" {paint}/>')
        text = shown
        note = f" ({bar.note})" if bar.note else ""
        if note and end + 4 + text_width(text + note, SMALL) <= width - margin:
            text += note
        if end + 4 + text_width(text, SMALL) <= width - margin:
            # a white halo keeps the figure legible where it crosses the dashed line or a grid line
            body.append(f'<text x="{end + 4:.1f}" y="{bar_y + 12}" font-size="{SMALL}" fill="#222"{HALO}>'
                        f'{escape(text)}</text>')
        else:  # no room after the bar: inside it, at its end, in white on the dark bar
            body.append(f'<rect x="{end - text_width(text, SMALL) - 6:.1f}" y="{bar_y}" height="14" '
                        f'width="{text_width(text, SMALL) + 6:.1f}" fill="{COLOURS["centre"]}"/>'
                        f'<text x="{end - 3:.1f}" y="{bar_y + 12}" font-size="{SMALL}" fill="#fff" '
                        f'text-anchor="end">{escape(text)}</text>')
        body.append("</a>" if bar.href else "</g>")
        y += row_height
    height = y + 30
    ticks: list[str] = []
    step = 50 if scale_max <= 300 else 100
    if narrow:
        step *= 2
    for tick in range(0, scale_max + 1, step):
        x = x_of(tick)
        ticks.append(f'<line x1="{x:.1f}" y1="{plot_top - 4}" x2="{x:.1f}" y2="{height - 24}" '
                     f'stroke="{COLOURS["grid"]}" stroke-width="0.6"/>')
        anchor = "start" if tick == 0 else "middle"
        ticks.append(f'<text x="{x:.1f}" y="{height - 8}" font-size="{SMALL}" fill="#555" '
                     f'text-anchor="{anchor}">{tick}%</text>')
    ref = x_of(reference_line)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
             f'height="{height}" class="chart chart-{"narrow" if narrow else "wide"}" '
             f'{_figure_role(chart_id, any(bar.href for bar in bars))}>',
             f'<title id="{chart_id}-title">{escape(title)}</title>',
             f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
             f'<defs><pattern id="{pattern}" width="6" height="6" patternUnits="userSpaceOnUse" '
             f'patternTransform="rotate(45)"><rect width="6" height="6" fill="{COLOURS["over"]}"/>'
             f'<line x1="0" y1="0" x2="0" y2="6" stroke="#fff" stroke-width="2.5"/></pattern></defs>',
             legend_svg, *ticks,
             f'<line x1="{ref:.1f}" y1="{plot_top - 4}" x2="{ref:.1f}" y2="{height - 24}" stroke="#1f3b57" '
             f'stroke-width="1.5" stroke-dasharray="4 3"/>', *body, "</svg>"]
    return "".join(parts)
