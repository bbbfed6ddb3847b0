"""The sections that differ by kind of resource: initiatives, places, organisations, observations,
quotes and report text. Each builder runs a fixed handful of queries and returns a view model.

Responsibility is shown the way the data keeps it (docs/ENCODING.md, "Responsibility"): what the
report states, with its quote, apart from what the editors attribute by mandate, with their reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from bolekg.pages import place_topics
from bolekg.pages.browse import browse_href, links_href
from bolekg.pages.common import Context, Link
from bolekg.pages.figures import Figure, figures
from bolekg.pages.numbers import value_text
from bolekg.report.reports import report_id_of
from bolekg.report.vocab import BK, GEO, NIF, ORG, PROV, QB, SDMX_ATT, SDMX_DIM
from bolekg.services.lookup import iri_term, text, truth
from bolekg.services.places import touching
from bolekg.services.reports import GRAPHS_OF_QUERY, reader_path

#: Figures shown in a place's or an agency's table, statements of an agency's responsibility, and
#: places or initiatives in a place's lists; each list links to all of it in browse (``more_link``).
#: Kept short for a phone (issue 18): at 390 px a figure is a card of about 250 px, and with 40
#: figures and 150 places and initiatives Bole City's page was 22 screens long; with these it is
#: 5.8 screens in Chinese and 7.5 in English, under the 8 tests/test_phone_pages.py allows.
FIGURES_SHOWN = 8
RESPONSIBLE_SHOWN = 50
PLACE_LIST_SHOWN = 15
#: What covers a place from a place it lies in (:func:`covering`) has no list of its own to link to,
#: so it keeps its earlier, longer cut (44 rows on a town's page).
WIDER_SHOWN = 150
#: Rows a list that grows with the data is read for at most (see :func:`window`); on the report
#: alone no list comes near it (the longest, the city's figures, has 158).
WINDOW = 250
#: Below an initiative: its projects and activities, and an item's below its programme.
DOWN = "(bk:partOfInitiative|bk:programme)"


# --- shared pieces --------------------------------------------------------------------------------


@dataclass
class Responsible:
    agent: Link
    stated: bool
    statement: Link
    holder: Link
    reason: str = ""


@dataclass
class Milestone:
    link: Link
    of: Link
    date: str
    kind: Link | None
    planned: bool | None
    as_written: str
    qualifiers: tuple[Link, ...]


@dataclass
class Status:
    """A status statement (docs/ENCODING.md "Project status"): what state the report says an initiative,
    or a part of its work (``aspect``), is in, and when."""

    link: Link
    of: Link
    status: Link
    when: Link
    aspect: str


@dataclass
class Node:
    link: Link
    depth: int


def _chain(start: str, parents: dict[str, list[str]]) -> list[str]:
    """Ancestors of ``start``, nearest last, following the first parent of each; cycles stop it."""
    chain: list[str] = []
    current = start
    while parents.get(current):
        current = sorted(parents[current])[0]
        if current in chain or current == start:
            break
        chain.insert(0, current)
    return chain


def _pick_lang(rows: list[dict[str, Any]], key: str, lang: str) -> str:
    found = {getattr(r[key], "language", "") or "": r[key].value for r in rows if key in r}
    return next((found[c] for c in (lang, "zh", "en", "") if c in found), "")


@dataclass
class Ancestry:
    """An initiative and what it belongs to: every initiative above it through
    ``bk:partOfInitiative`` (itself included) and its trail for the breadcrumb."""

    above: list[str]
    trail: list[Link]


def ancestry(context: Context, iri: str) -> Ancestry:
    """What an initiative belongs to: the initiatives above it, and its trail programme › item ›
    parent project … (nearest last, itself excluded)."""
    # the path in a subquery of its own: joined straight with an OPTIONAL on the same property,
    # Virtuoso 7.2 drops the rows that OPTIONAL does not match (tests/test_virtuoso_pages.py)
    rows = context.rows(f"""SELECT ?a ?up ?prog WHERE {{
  {{ SELECT DISTINCT ?a WHERE {{ {iri_term(iri)} bk:partOfInitiative* ?a }} }}
  OPTIONAL {{ ?a bk:partOfInitiative ?up }}
  OPTIONAL {{ ?a bk:programme ?prog }}
}}""", "the programme, item and parent projects this initiative belongs to")
    parents: dict[str, list[str]] = {}
    programme = {}
    above = {iri}
    for row in rows:
        a = text(row["a"])
        above.add(a)
        if "up" in row:
            parents.setdefault(a, []).append(text(row["up"]))
        if "prog" in row:
            programme[a] = text(row["prog"])
    chain = _chain(iri, parents)
    top = chain[0] if chain else iri
    trail = ([programme[top]] if top in programme else []) + chain
    return Ancestry(sorted(above), [context.link(i) for i in trail])


def initiative_trail(context: Context, iri: str) -> list[Link]:
    """Programme › item › parent project … of an initiative (nearest last, itself excluded)."""
    return ancestry(context, iri).trail


def values(variable: str, iris: Iterable[str]) -> str:
    """``VALUES ?x { <a> <b> }``: the bound terms a query starts from."""
    return f"VALUES ?{variable} {{ {' '.join(iri_term(i) for i in sorted(set(iris)))} }}"


def responsibilities(context: Context, pattern: str, purpose: str) -> list[Responsible]:
    rows = context.rows(f"""SELECT ?holder ?resp ?kind ?agent ?reason WHERE {{
  {pattern}
  ?holder bk:responsibility ?resp .
  ?resp a ?kind ; bk:agent ?agent .
  FILTER(?kind IN (bk:StatedResponsibility, bk:AttributedResponsibility))
  OPTIONAL {{ ?resp bk:reason ?reason }}
}} ORDER BY ?holder ?resp""", purpose)
    grouped: dict[tuple[str, str, str, str], list[dict[str, Any]]] = {}
    for row in rows:
        key = (text(row["holder"]), text(row["resp"]), text(row["kind"]), text(row["agent"]))
        grouped.setdefault(key, []).append(row)
    found = []
    for (holder, resp, kind, agent), group in grouped.items():
        stated = kind == str(BK.StatedResponsibility)
        found.append(Responsible(context.link(agent), stated, context.link(resp), context.link(holder),
                                 _pick_lang(group, "reason", context.lang)))
    context.want_quotes(r.statement.iri for r in found if r.stated)
    return sorted(found, key=lambda r: (not r.stated, r.holder.iri, r.agent.iri))


# --- initiatives: programmes, items, projects, activities -----------------------------------------


@dataclass
class InitiativeSection:
    trail: list[Link]
    themes: list[Link]
    responsible: list[Responsible]
    places: list[Link]
    children: list[Node]
    milestones: list[Milestone]
    statuses: list[Status]
    figures: list[Figure]


def initiative(context: Context, doc: Any) -> InitiativeSection:
    """Every query starts from bound terms: the initiatives below this one are found first (a walk
    down from it), then passed as ``VALUES``. A path such as ``?x (bk:partOfInitiative|bk:programme)*
    <item>`` joined with another pattern lets the engine start from that pattern instead — every
    location, milestone or observation of the store — which made an item page linear in the data."""
    up = ancestry(context, doc.iri)
    below = initiatives_below(context, doc.iri)
    children_of: dict[str, list[str]] = {}
    for row in below:
        children_of.setdefault(text(row["parent"]), []).append(text(row["sub"]))
    here_and_below = {doc.iri, *(text(row["sub"]) for row in below)}
    responsible = responsibilities(
        context, values("holder", here_and_below | set(up.above)),
        "who is responsible: stated in the report or attributed by the editors, here, above and below")
    places = context.rows(f"""SELECT DISTINCT ?place WHERE {{
  {values("holder", here_and_below)}
  ?holder bk:location ?place .
}} ORDER BY ?place""", "the places of this initiative and of its projects")
    tree: list[Node] = []

    def walk(node: str, depth: int, seen: set[str]) -> None:
        for child in sorted(set(children_of.get(node, []))):
            if child not in seen:
                tree.append(Node(context.link(child), depth))
                walk(child, depth + 1, seen | {child})

    walk(doc.iri, 0, {doc.iri})
    ms_rows = context.rows(f"""SELECT ?ms ?of ?date ?ym ?mkind ?planned ?written
       (GROUP_CONCAT(DISTINCT STR(?q); separator=" ") AS ?qualifiers) WHERE {{
  {values("of", here_and_below)}
  ?ms bk:milestoneOf ?of .
  OPTIONAL {{ ?ms time:inXSDDate ?date }}
  OPTIONAL {{ ?ms time:inXSDgYearMonth ?ym }}
  OPTIONAL {{ ?ms bk:milestoneKind ?mkind }}
  OPTIONAL {{ ?ms bk:planned ?planned }}
  OPTIONAL {{ ?ms bk:asWritten ?written }}
  OPTIONAL {{ ?ms bk:valueQualifier ?q }}
}} GROUP BY ?ms ?of ?date ?ym ?mkind ?planned ?written ORDER BY COALESCE(STR(?date), STR(?ym)) ?ms""",
                           "dates: milestones of this initiative and its projects")
    milestones = [Milestone(
        context.link(r["ms"]), context.link(r["of"]), text(r.get("date") or r.get("ym")),
        context.maybe(r.get("mkind")),
        None if "planned" not in r else truth(r["planned"]), text(r.get("written")),
        tuple(context.link(q) for q in text(r.get("qualifiers")).split())) for r in ms_rows]
    context.want_quotes(m.link.iri for m in milestones)
    st_rows = context.rows(f"""SELECT ?st ?of ?status ?when ?aspect ?begin WHERE {{
  {values("of", here_and_below)}
  ?st bk:statusOf ?of ; bk:status ?status ; bk:statusTime ?when .
  OPTIONAL {{ ?st bk:aspect ?aspect }}
  OPTIONAL {{ ?st bk:evidence/nif:beginIndex ?begin }}
}}""", "states: what the report says is done, under way or planned here and below")
    by_statement: dict[str, list[dict[str, Any]]] = {}
    for row in st_rows:
        by_statement.setdefault(text(row["st"]), []).append(row)
    statuses = [Status(context.link(st), context.link(group[0]["of"]), context.link(group[0]["status"]),
                       context.link(group[0]["when"]), _pick_lang(group, "aspect", context.lang))
                for st, group in sorted(by_statement.items(), key=lambda kv: (
                    min(int(text(r["begin"])) if "begin" in r else 0 for r in kv[1]), kv[0]))]
    context.want_quotes(s.link.iri for s in statuses)
    return InitiativeSection(
        trail=up.trail,
        themes=[context.link(t) for t in doc.iris(str(BK.theme))],
        responsible=responsible,
        places=[context.link(r["place"]) for r in places],
        children=tree,
        milestones=milestones,
        statuses=statuses,
        figures=figures(context, values("init", here_and_below), "the figures of this initiative and its projects"),
    )


def initiatives_below(context: Context, iri: str) -> list[dict[str, Any]]:
    """The projects and activities below an initiative (``?sub``), each with its parent: a walk down
    from the initiative written into the query, never from ``VALUES`` (Virtuoso)."""
    return context.rows(f"""SELECT ?sub ?parent WHERE {{
  ?sub {DOWN}+ {iri_term(iri)} .
  ?sub {DOWN} ?parent .
}}""", "the projects and activities below it")


def initiative_and_below(context: Context, iri: str) -> set[str]:
    """An initiative and the projects and activities below it: whose figures its page lists (shared
    with the page's download)."""
    return {iri, *(text(row["sub"]) for row in initiatives_below(context, iri))}


# --- lists that grow with the data ---------------------------------------------------------------------


@dataclass
class Count:
    """How many there are: exactly ``n``, or (``partial``) at least ``n``, when a list that grows
    with the data was read only so far."""

    n: int
    partial: bool = False


def window(context: Context, query: str, purpose: str, key: Callable[[dict[str, Any]], tuple[str, ...]],
           shown: int, partial: bool = False) -> tuple[list[dict[str, Any]], Count]:
    """The first ``shown`` rows of ``query`` by ``key``, among at most :data:`WINDOW` it is read for.

    A hub's lists grow with every report (Bole City holds 71 places on the report alone, 7 991 at
    a million triples), and sorting or counting them all would make its page grow too. The engine
    stops after the window; when the window is not full — on the report alone it never is — the
    page is exactly what sorting everything would give and the count is exact. When it is full
    (or ``partial``: what the query starts from was cut already) the page says "at least" and
    links to the list of them all.
    """
    rows = context.rows(f"{query}\nLIMIT {WINDOW + 1}", purpose)
    full = len(rows) > WINDOW
    rows = sorted(rows[:WINDOW], key=key)
    return rows[:shown], Count(len(rows), full or partial)


def first_iris(context: Context, pattern: str, variable: str, purpose: str, shown: int) -> tuple[list[str], Count]:
    """:func:`window` for the IRIs ``?variable`` that ``pattern`` selects."""
    rows, found = window(context, f"SELECT DISTINCT ?{variable} WHERE {{ {pattern} }}", purpose,
                         lambda r: (text(r[variable]),), shown)
    return [text(r[variable]) for r in rows], found


# --- places -------------------------------------------------------------------------------------------


@dataclass
class PlaceSection:
    trail: list[Link]
    inside: list[tuple[Link, Link | None]]
    inside_count: Count
    inside_href: str
    initiatives: list[tuple[Link, Link]]
    initiative_count: Count
    initiatives_href: str
    figures: list[Figure]
    figure_count: Count
    browse_href: str
    codes: list[str]
    agencies: list[Link]
    ends: list[Link]
    # covered from a place it lies in (the "wider" scope of queries/touching-place.rq): city-wide
    # initiatives with the place they are located at, and per such place its figures and their list
    wider: list[tuple[Link, Link]] = field(default_factory=list)
    wider_count: Count = field(default_factory=lambda: Count(0))
    wider_figures: list[tuple[Link, Count, str]] = field(default_factory=list)
    #: where the map (/map) shows it, when it has a point: its entry in the map's list of places
    map_href: str = ""
    # what happens here by programme and theme, with what covers it (pages/place_topics.py)
    topics: place_topics.PlaceTopics | None = None


def areas(context: Context, iri: str) -> tuple[list[str], bool]:
    """This place and the places inside it, nearest first, at most :data:`WINDOW`; and whether
    some were left out.

    One query per level down, each starting from the level above as ``VALUES``. A single
    ``?area (bk:segmentOf|geo:sfWithin)* <place>`` joined with the figures lets the engine start
    from every figure of the store, and on its own it
    walks every place inside a city before the first answer, however few are wanted.
    """
    found, level = [iri], [iri]
    while level and len(found) <= WINDOW:
        rows = context.rows(f"""SELECT DISTINCT ?x WHERE {{
  {values("p", level)}
  ?x bk:segmentOf|geo:sfWithin ?p .
}} LIMIT {WINDOW + 1}""", "the places inside it, a level at a time")
        seen = set(found)
        level = sorted({text(r["x"]) for r in rows} - seen)
        found += level
    return found[:WINDOW], len(found) > WINDOW


def place(context: Context, doc: Any) -> PlaceSection:
    iri = iri_term(doc.iri)
    up = context.rows(f"""SELECT ?a ?within ?segment WHERE {{
  {{ SELECT DISTINCT ?a WHERE {{ {iri} (bk:segmentOf|geo:sfWithin)* ?a }} }}  # as in ancestry()
  OPTIONAL {{ ?a geo:sfWithin ?within }}
  OPTIONAL {{ ?a bk:segmentOf ?segment }}
}}""", "where it sits: the places it lies within, up to the region")
    segment_of: dict[str, list[str]] = {}
    within: dict[str, list[str]] = {}
    for row in up:
        a = text(row["a"])
        if "segment" in row:
            segment_of.setdefault(a, []).append(text(row["segment"]))
        if "within" in row:
            within.setdefault(a, []).append(text(row["within"]))
    # A segment's road is more specific than the city both lie in.
    parents = {a: segment_of.get(a) or within.get(a, []) for a in set(segment_of) | set(within)}
    inside, inside_count = places_inside(context, doc.iri, PLACE_LIST_SHOWN)
    here_and_inside, cut = areas(context, doc.iri)
    # the whole window: the table shows its first rows, the topics group all of it
    here_read, initiative_count = place_initiatives(context, here_and_inside, cut)
    here = here_read[:PLACE_LIST_SHOWN]
    chosen, figure_count = place_figures(context, here_and_inside, cut, FIGURES_SHOWN)
    shown = figures(context, values("obs", (text(r["obs"]) for r in chosen)),
                    "the figures shown of those") if chosen else []
    wider_read = read_covering(context, doc.iri)
    wider, wider_count, wider_figures = covering(context, doc.iri, rows_read=wider_read)
    topics = place_topics.build(
        context, doc.iri, here_read, initiative_count.partial,
        [(text(r["thing"]), text(r["where"])) for r in wider_read[0] if text(r["via"]) == str(BK.location)],
        wider_read[1].partial)
    return PlaceSection(
        trail=[context.link(i) for i in _chain(doc.iri, parents)],
        inside=[(context.link(r["x"]), context.maybe(r.get("type"))) for r in inside],
        inside_count=inside_count,
        inside_href=browse_href(str(BK.Place), place=doc.iri),
        initiatives=[(context.link(r["init"]), context.link(r["where"])) for r in here],
        initiative_count=initiative_count,
        initiatives_href=browse_href(str(BK.Initiative), within=doc.iri),
        figures=shown,
        figure_count=figure_count,
        browse_href=browse_href(str(BK.Observation), within=doc.iri),
        codes=[text(v) for v in doc.outgoing.get(str(BK.divisionCode), [])],
        agencies=[context.link(i) for i in doc.pointing(str(BK.jurisdiction))],
        ends=[context.link(i) for i in doc.iris(str(BK.fromPlace)) + doc.iris(str(BK.toPlace))],
        wider=wider, wider_count=wider_count, wider_figures=wider_figures, topics=topics,
        map_href=map_href(doc),
    )


def map_href(doc: Any) -> str:
    """``/map#place-<name>`` for a place the map draws (one with a centroid or a geometry), else ""."""
    if any(doc.outgoing.get(str(GEO[p])) for p in ("hasCentroid", "hasGeometry", "hasDefaultGeometry")):
        return "/map#place-" + doc.iri.rstrip("/").rsplit("/", 1)[-1]
    return ""


def place_figures(context: Context, here_and_inside: list[str], cut: bool,
                  shown: int = WINDOW) -> tuple[list[dict[str, Any]], Count]:
    """The figures about a place or the places inside it (:func:`areas`), the first ``shown`` in IRI
    order within the :func:`window` (shared with the page's download, which takes the whole window)."""
    return window(context, f"""SELECT DISTINCT ?obs WHERE {{
  {values("area", here_and_inside)}
  ?obs sdmx-dimension:refArea ?area .
}}""", "figures about this place or places inside it", lambda r: (text(r["obs"]),), shown, cut)


def place_initiatives(context: Context, here_and_inside: list[str], cut: bool,
                      shown: int = WINDOW) -> tuple[list[dict[str, Any]], Count]:
    """The initiatives located at a place or a place inside it (``?init``, ``?where``), as
    :func:`place_figures` does for figures."""
    return window(context, f"""SELECT DISTINCT ?init ?where WHERE {{
  {values("where", here_and_inside)}
  ?init bk:location ?where .
}}""", "initiatives located here or in a place inside it", lambda r: (text(r["init"]), text(r["where"])),
        shown, cut)


def places_inside(context: Context, iri: str, shown: int = WINDOW) -> tuple[list[dict[str, Any]], Count]:
    """What lies directly inside a place (``?x``) with its kind (``?type``), within the :func:`window`."""
    return window(context, f"""SELECT ?x (SAMPLE(?t) AS ?type) WHERE {{
  {{ SELECT DISTINCT ?x WHERE {{ ?x bk:segmentOf|geo:sfWithin {iri_term(iri)} }} LIMIT {WINDOW + 1} }}
  OPTIONAL {{ ?x a ?t . FILTER(STRSTARTS(STR(?t), STR(bk:))) }}
}} GROUP BY ?x""", "what lies inside it", lambda r: (text(r["x"]),), shown)


def read_covering(context: Context, iri: str) -> tuple[list[dict[str, Any]], Count]:
    """The window of the named query's "wider" branch that :func:`covering` reads."""
    return window(context, touching(iri, ["wider"]),
                  "covering it from a place it lies in (queries/touching-place.rq, scope wider)",
                  lambda r: (text(r["via"]), text(r["thing"]), text(r["where"])), WINDOW)


def covering(context: Context, iri: str, shown: int = WIDER_SHOWN,
             rows_read: tuple[list[dict[str, Any]], Count] | None = None,
             ) -> tuple[list[tuple[Link, Link]], Count, list[tuple[Link, Count, str]]]:
    """What covers a place from a place it lies in: 131 of the report's figures and most of its
    initiatives are about the whole city, so a town's own lists alone would hide most of what
    happens in the town. Kept apart from the place's own lists, since the report does not name the
    town for them. One window of the named query's "wider" branch (the text a researcher copies
    from ENCODING.md), read like the other lists of a hub."""
    rows, read = read_covering(context, iri) if rows_read is None else rows_read
    initiatives = [(context.link(r["thing"]), context.link(r["where"])) for r in rows
                   if text(r["via"]) == str(BK.location)]
    per_place: dict[str, int] = {}
    for row in rows:
        if text(row["via"]) == str(SDMX_DIM.refArea):
            where = text(row["where"])
            per_place[where] = per_place.get(where, 0) + 1
    figures_at = [(context.link(where), Count(n, read.partial), browse_href(str(BK.Observation), place=where))
                  for where, n in sorted(per_place.items())]
    return initiatives[:shown], Count(len(initiatives), read.partial), figures_at


# --- organisations ----------------------------------------------------------------------------------


@dataclass
class OrganisationSection:
    trail: list[Link]
    units: list[Link]
    jurisdiction: list[Link]
    responsible: list[Responsible]
    responsible_count: Count
    responsible_href: str
    figures: list[Figure]
    figure_count: Count
    figures_href: str


def organisation(context: Context, doc: Any) -> OrganisationSection:
    """An agency is named by every report that names it, so what it is responsible for and the
    figures given by it are read up to a window, like a place's lists."""
    iri = iri_term(doc.iri)
    up = context.rows(f"""SELECT ?a ?up WHERE {{
  {iri} org:subOrganizationOf* ?a .
  OPTIONAL {{ ?a org:subOrganizationOf ?up }}
}}""", "the organisations it belongs to")
    parents: dict[str, list[str]] = {}
    for row in up:
        if "up" in row:
            parents.setdefault(text(row["a"]), []).append(text(row["up"]))
    statements, responsible_count = first_iris(context, f"?resp bk:agent {iri} .", "resp",
                                               "the statements of its responsibility", RESPONSIBLE_SHOWN)
    given, figure_count = first_iris(context, f"?obs prov:wasAttributedTo {iri} .", "obs",
                                     "figures the report attributes to it", FIGURES_SHOWN)
    responsible = responsibilities(context, values("resp", statements),
                                   "what it is responsible for, stated or attributed") if statements else []
    # the table has a row per statement and holder: count rows, and call it partial if statements were left out
    cut = responsible_count.partial or responsible_count.n > len(statements)
    return OrganisationSection(
        trail=[context.link(i) for i in _chain(doc.iri, parents)],
        units=[context.link(i) for i in doc.pointing(str(ORG.subOrganizationOf))],
        jurisdiction=[context.link(i) for i in doc.iris(str(BK.jurisdiction))],
        responsible=responsible,
        responsible_count=Count(len(responsible), cut),
        responsible_href=links_href(doc.iri, str(BK.agent)),
        figures=figures(context, values("obs", given), "the figures shown of those") if given else [],
        figure_count=figure_count,
        figures_href=links_href(doc.iri, str(PROV.wasAttributedTo)),
    )


# --- observations -------------------------------------------------------------------------------------


@dataclass
class ObservationSection:
    value: str
    measure: Link | None
    unit: Link | None
    normalised: str
    normalised_unit: Link | None
    as_written: str
    qualifiers: list[Link]
    indicator: Link | None
    period: Link | None
    area: Link | None
    initiative: Link | None
    trail: list[Link]
    part_of: list[Link]
    parts: list[Link]
    compared: list[tuple[str, Link]]
    given_by: list[Link]
    related: list[Figure] = field(default_factory=list)
    reading: str = ""  # the value as a reader says it, unit and qualifier included (bolekg.pages.numbers)
    normalised_reading: str = ""


def observation(context: Context, doc: Any) -> ObservationSection:
    def one(predicate: str) -> Link | None:
        found = doc.iris(predicate)
        return context.link(found[0]) if found else None

    measure = one(str(QB.measureType))
    value = doc.first(measure.iri) if measure else None
    initiative_link = one(str(BK.initiative))
    iri = iri_term(doc.iri)
    # The indicator and the initiatives are already in the document: bound, the query starts from
    # the initiative's few figures rather than from every figure of an indicator shared by every report.
    indicators, initiatives = doc.iris(str(BK.indicator)), doc.iris(str(BK.initiative))
    related = figures(context, f"""{values("init0", initiatives)} {values("ind0", indicators)}
  ?obs bk:initiative ?init0 ; bk:indicator ?ind0 . FILTER(?obs != {iri})""",
                      "the other figures of the same indicator for the same initiative") \
        if indicators and initiatives else []
    compared = [(role, context.link(i)) for role, predicate in (("actual", BK.actualObservation),
                                                                ("target", BK.targetObservation))
                for i in doc.iris(str(predicate))]
    shown = text(value) if isinstance(value, ox.Literal) else ""
    unit = one(str(SDMX_ATT.unitMeasure))
    qualifiers = [context.link(q) for q in doc.iris(str(BK.valueQualifier))]
    normalised, normalised_unit = text(doc.first(str(BK.normalisedValue))), one(str(BK.normalisedUnit))
    reading = value_text(shown, unit.iri if unit else "", (q.iri for q in qualifiers), context.lang,
                         unit.name if unit else "") if shown else ""
    normalised_reading = value_text(normalised, normalised_unit.iri, (), context.lang, normalised_unit.name) \
        if normalised and normalised_unit else ""
    if normalised_reading == value_text(shown, unit.iri if unit else "", (), context.lang):
        normalised_reading = ""  # English multiplies 万 out already: "= 60,000" would only repeat it
    return ObservationSection(
        reading=reading, normalised_reading=normalised_reading,
        value=shown,
        measure=measure,
        unit=unit,
        normalised=normalised,
        normalised_unit=normalised_unit,
        as_written=text(doc.first(str(BK.asWritten))),
        qualifiers=qualifiers,
        indicator=one(str(BK.indicator)),
        period=one(str(SDMX_DIM.refPeriod)),
        area=one(str(SDMX_DIM.refArea)),
        initiative=initiative_link,
        trail=[*initiative_trail(context, initiative_link.iri), initiative_link] if initiative_link else [],
        part_of=[context.link(i) for i in doc.iris(str(BK.partOf))],
        parts=[context.link(i) for i in doc.pointing(str(BK.partOf))],
        compared=compared,
        given_by=[context.link(i) for i in doc.iris(str(PROV.wasAttributedTo))],
        related=related,
    )


# --- quotes and report text ---------------------------------------------------------------------------


@dataclass
class TextSection:
    text: str
    begin: int | None
    end: int | None
    before: str = ""
    after: str = ""
    sentence: Link | None = None
    facts: list[Link] = field(default_factory=list)
    reader_href: str = "/reader"


#: A quote longer than this is shortened in its page's title (the whole is in the sentence below it).
TITLE_CHARS = 40

#: The kinds of fact a quote supports, by their class, in the order its page lists them.
FACT_KINDS = ((str(BK.Observation), "figures"), (str(BK.Milestone), "dates"),
              (str(BK.StatusStatement), "statuses"), (str(BK.StatedResponsibility), "responsibilities"))


@dataclass
class Supported:
    """A fact resting on a quote, with what its kind says of it, so the quote's page need not send a
    reader on to each fact to learn it: a milestone's date and what it dates (``detail``, ``of``), a
    status and whose (``what``, ``of``), a responsibility's agency and what it is for (``what``,
    ``holders``); for anything else (an initiative or a place the quote names) its class (``what``)."""

    link: Link
    detail: str = ""
    what: Link | None = None
    of: Link | None = None
    #: what a responsibility is for: the initiatives holding it
    holders: list[Link] = field(default_factory=list)


@dataclass
class QuoteSection:
    """A quote's page (``bk:Quote``): titled by its text, shown in its sentence, and everything resting
    on it by kind, figures with their values, so the page answers "what does this clause support"."""

    text: str
    begin: int
    end: int
    before: str = ""
    after: str = ""
    sentence: Link | None = None
    sentence_href: str = "/reader"
    figures: list[Figure] = field(default_factory=list)
    dates: list[Supported] = field(default_factory=list)
    statuses: list[Supported] = field(default_factory=list)
    responsibilities: list[Supported] = field(default_factory=list)
    others: list[Supported] = field(default_factory=list)

    @property
    def shortened(self) -> bool:
        return len(self.text) > TITLE_CHARS

    @property
    def short(self) -> str:
        """The title: the quote, or for a very long one its start, cut after a clause when one ends
        late enough (never inside a number such as 27面)."""
        if not self.shortened:
            return self.text
        head = self.text[: TITLE_CHARS - 4]
        cut = max(head.rfind(mark) for mark in "、,,;;:")
        if cut >= TITLE_CHARS // 3:
            return head[:cut] + "…"
        return head.rstrip("0123456789.%") + "…"

    @property
    def count(self) -> int:
        """How many facts rest on the quote (a responsibility with two agents is one fact)."""
        return len({f.link for f in self.figures} | {s.link for found in (self.dates, self.statuses,
                                                                           self.responsibilities, self.others)
                                                       for s in found})

    @property
    def marks(self) -> str:
        """The reader's highlights (``pages.reader.MARKS``) that show this quote: its first kind of fact."""
        for name in ("figures", "dates", "statuses", "responsibilities"):
            if getattr(self, name):
                return name
        return "all"


def quote(context: Context, doc: Any) -> QuoteSection:
    """Every fact whose ``bk:evidence`` is this quote, with its classes (one query), then one small
    query per kind that has any, each starting from the facts found (``VALUES``)."""
    node = iri_term(doc.iri)
    rows = context.rows(f"""SELECT ?sentence ?whole ?begin WHERE {{
  {node} nif:sentence ?sentence .
  ?sentence nif:anchorOf ?whole ; nif:beginIndex ?begin .
}}""", "the sentence this quote is part of")
    begin, end = int(text(doc.first(str(NIF.beginIndex)))), int(text(doc.first(str(NIF.endIndex))))
    section = QuoteSection(text(doc.first(str(NIF.anchorOf))), begin, end)
    types: dict[str, set[str]] = {}
    for row in context.rows(f"SELECT ?fact ?type WHERE {{ ?fact bk:evidence {node} ; a ?type }}",
                            "what rests on this quote, and the class of each"):
        types.setdefault(text(row["fact"]), set()).add(text(row["type"]))
    by_kind: dict[str, list[str]] = {}
    for fact, found in sorted(types.items()):
        kind = next((k for cls, k in FACT_KINDS if cls in found), "others")
        by_kind.setdefault(kind, []).append(fact)
    if by_kind.get("figures"):
        section.figures = figures(context, values("obs", by_kind["figures"]),
                                  "the figures it supports, with their values")
    if by_kind.get("dates"):
        section.dates = [Supported(context.link(r["ms"]), text(r.get("date") or r.get("ym")), of=context.link(r["of"]))
                         for r in context.rows(f"""SELECT ?ms ?of ?date ?ym WHERE {{
  {values("ms", by_kind["dates"])}
  ?ms bk:milestoneOf ?of .
  OPTIONAL {{ ?ms time:inXSDDate ?date }}
  OPTIONAL {{ ?ms time:inXSDgYearMonth ?ym }}
}} ORDER BY ?ms""", "the dates it supports")]
    if by_kind.get("statuses"):
        section.statuses = [Supported(context.link(r["st"]), what=context.link(r["status"]), of=context.link(r["of"]))
                            for r in context.rows(f"""SELECT ?st ?of ?status WHERE {{
  {values("st", by_kind["statuses"])}
  ?st bk:statusOf ?of ; bk:status ?status .
}} ORDER BY ?st""", "the statuses it supports")]
    if by_kind.get("responsibilities"):
        stated: dict[tuple[str, str], Supported] = {}
        for r in context.rows(f"""SELECT ?resp ?agent ?holder WHERE {{
  {values("resp", by_kind["responsibilities"])}
  ?resp bk:agent ?agent .
  OPTIONAL {{ ?holder bk:responsibility ?resp }}
}} ORDER BY ?resp ?agent ?holder""", "the responsibilities it states"):
            entry = stated.setdefault((text(r["resp"]), text(r["agent"])),
                                      Supported(context.link(r["resp"]), what=context.link(r["agent"])))
            if "holder" in r:
                entry.holders.append(context.link(r["holder"]))
        section.responsibilities = list(stated.values())
    for fact in by_kind.get("others", []):
        own = sorted(t for t in types[fact] if t.startswith(str(BK)))
        section.others.append(Supported(context.link(fact), what=context.link(own[0]) if own else None))
    report = _report_of(context, doc.iri)
    if rows:
        whole, start = text(rows[0]["whole"]), int(text(rows[0]["begin"]))
        section.sentence = context.link(rows[0]["sentence"])
        section.before, section.after = whole[: begin - start], whole[end - start:]
        section.sentence_href = reader_path(report, f"s-{start}", section.marks)
    else:
        section.sentence_href = reader_path(report, f"q-{begin}-{end}", section.marks)
    return section


def _report_of(context: Context, iri: str) -> str | None:
    """The ID of the report whose graph states ``iri`` (a quote, a sentence): whose text its offsets are into."""
    for row in context.rows(GRAPHS_OF_QUERY % iri_term(iri), "the report whose text this is part of"):
        found = report_id_of(text(row["g"]))
        if found is not None:
            return found
    return None


def report_text(context: Context, doc: Any) -> TextSection:
    begin = doc.first(str(NIF.beginIndex))
    start = int(text(begin)) if begin is not None else None
    anchor = f"s-{start}" if start is not None else ""
    report = _report_of(context, doc.iri)
    return TextSection(text(doc.first(str(NIF.anchorOf))), start,
                       int(text(doc.first(str(NIF.endIndex)))) if begin is not None else None,
                       reader_href=reader_path(report, anchor))


BUILDERS: dict[str, Callable[[Context, Any], Any]] = {
    "initiative": initiative,
    "place": place,
    "organisation": organisation,
    "observation": observation,
    "quote": quote,
    "text": report_text,
}
