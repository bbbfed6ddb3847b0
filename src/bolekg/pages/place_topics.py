"""What happens in a place, by programme and theme (issue 18, "Place pages that answer").

A person opening their town's page asks "is anything done about roads here? about old compounds?".
The report names a town for a few projects and leaves most of its work city-wide, so the page puts
both side by side in the report's own structure: per programme (``bk:programme``), per theme
(``bk:theme``, ``scheme:themes``), the initiatives located here or in a place inside it, then those
located at a place that contains it (marked city-wide, or with that place's name), each with its
figures or their number. Then it says plainly which themes of the scheme have nothing located here.

An initiative's programme and themes are those of the initiatives above it (``bk:partOfInitiative``
up to its item), as browse's ``programme`` and ``theme`` facets read them. A group shows its first
entries with their figures and the rest by name, folded: browse cannot list a place's initiatives
by programme and theme on every backend (Virtuoso 7.2 fails on the combination). An initiative of
an item with two themes is listed under both: a reader looking for one theme must find it there.

Bounded like the page's other lists (``kinds.window``): the initiatives come from the windows the
page reads already; what is above them is read one level at a time from bound terms (``VALUES``,
simple triple patterns: Virtuoso 7.2 answers property paths that start from ``VALUES`` wrongly);
figures only for the entries shown, read up to one window.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bolekg.pages.browse import browse_href
from bolekg.pages.common import Context, Link
from bolekg.pages.figures import Figure, figures
from bolekg.report.vocab import BK, ID_BASE
from bolekg.services.lookup import iri_term, text

#: Entries shown per group and scope (here and inside; covering it), before a link to the rest.
ENTRIES_SHOWN = 3
#: An entry with at most this many figures shows them; with more, their number and a link.
FIGURES_INLINE = 2
#: Rows read at most for what lies above the initiatives and for the figures of the entries shown.
WINDOW = 250
#: Levels of ``bk:partOfInitiative`` read at most above an initiative (the report has two), and
#: initiatives per query: each has a few such statements, so a query's answer stays small.
LEVELS = 6
BATCH = 100
THEMES = ID_BASE + "scheme/themes"
#: A covering place of this class is the city (or county) as a whole: its work is marked "city-wide".
CITYWIDE_CLASS = str(BK.CountyLevelDivision)
SCOPES = ("here", "inside", "wider")


@dataclass
class Entry:
    """One initiative in a group: where it is located (``scope`` here, inside or wider) and its
    figures: the first :data:`FIGURES_INLINE` when it has no more, else only their number."""

    link: Link
    scope: str
    where: Link
    citywide: bool = False
    figures: list[Figure] = field(default_factory=list)
    figure_count: int = 0
    figures_partial: bool = False

    @property
    def figures_href(self) -> str:
        return self.link.href + "#h-figures"


@dataclass
class More:
    """A list in browse: the initiatives at one place (about a theme, for what is not mentioned here)."""

    where: Link | None
    n: int
    partial: bool
    href: str
    citywide: bool = False


@dataclass
class Group:
    """The initiatives of one programme and one theme touching the place: the first of each scope
    with their figures, the rest by name (the page folds them), and where all of them are listed when
    a window was cut (``more``)."""

    programme: Link | None
    theme: Link | None
    anchor: str
    local: list[Entry] = field(default_factory=list)
    wider: list[Entry] = field(default_factory=list)
    rest: list[Entry] = field(default_factory=list)
    local_count: int = 0
    wider_count: int = 0
    more: list[More] = field(default_factory=list)


@dataclass
class ProgrammeGroups:
    programme: Link | None
    groups: list[Group]
    local_count: int
    wider_count: int


@dataclass
class Unmentioned:
    """A theme of the scheme with nothing located at the place or inside it, and what covers it from
    each place containing it (the number and the list of them)."""

    theme: Link
    wider: list[More] = field(default_factory=list)


@dataclass
class PlaceTopics:
    programmes: list[ProgrammeGroups]
    unmentioned: list[Unmentioned]
    #: False when the place's own list was read only in part: then no theme is said to be missing
    unmentioned_known: bool
    partial: bool

    @property
    def local_count(self) -> int:
        return sum(p.local_count for p in self.programmes)


@dataclass
class _Located:
    init: str
    scope: str
    where: str


def _slug(iri: str | None) -> str:
    return (iri or "none").rstrip("/").rsplit("/", 1)[-1]


def above(context: Context, initiatives: Iterable[str]) -> dict[str, dict[str, set[str]]]:
    """For each initiative, the programmes, themes and notations of it and of the initiatives above
    it (``{"programme": …, "theme": …}``), read a level at a time from bound terms."""
    start = sorted(set(initiatives))
    facts: dict[str, dict[str, set[str]]] = {}
    parents: dict[str, set[str]] = {}
    level, seen = start, set(start)
    for _ in range(LEVELS):
        if not level:
            break
        rows = []
        for first in range(0, len(level), BATCH):
            rows += context.rows(f"""SELECT ?x ?p ?o WHERE {{
  VALUES ?x {{ {' '.join(iri_term(i) for i in level[first:first + BATCH])} }}
  ?x ?p ?o .
  FILTER(?p IN (bk:partOfInitiative, bk:programme, bk:theme, skos:notation))
}}""", "the programme, item and themes above these initiatives, a level at a time")
        found: set[str] = set()
        for row in rows:
            x, p, o = text(row["x"]), text(row["p"]), text(row["o"])
            if p == str(BK.partOfInitiative):
                parents.setdefault(x, set()).add(o)
                found.add(o)
            else:
                key = "programme" if p == str(BK.programme) else "theme" if p == str(BK.theme) else "notation"
                facts.setdefault(x, {}).setdefault(key, set()).add(o)
        level = sorted(found - seen)
        seen |= found
    result: dict[str, dict[str, set[str]]] = {}
    for init in start:
        chain: dict[str, set[str]] = {}
        todo, visited = [init], {init}
        while todo:
            node = todo.pop()
            for key, values in facts.get(node, {}).items():
                chain.setdefault(key, set()).update(values)
            for up in parents.get(node, ()):
                if up not in visited:
                    visited.add(up)
                    todo.append(up)
        result[init] = chain
    return result


def _notations(context: Context, iris: Iterable[str]) -> dict[str, str]:
    chosen = sorted(set(iris))
    if not chosen:
        return {}
    rows = context.rows(f"""SELECT ?x ?n WHERE {{
  VALUES ?x {{ {' '.join(iri_term(i) for i in chosen)} }}
  ?x skos:notation ?n .
}}""", "the programmes' numbers, to list them in the report's order")
    return {text(r["x"]): text(r["n"]) for r in rows}


def _order(notation: str) -> tuple[int, ...]:
    """``"1.10"`` after ``"1.9"``: a notation's numbers compared as numbers."""
    parts = [int(p) if p.isdigit() else 10**6 for p in notation.split(".")] if notation else []
    return (*parts, 10**6) if parts else (10**6,)


def _themes(context: Context) -> list[str]:
    rows = context.rows(f"""SELECT DISTINCT ?t WHERE {{ ?t skos:inScheme {iri_term(THEMES)} . }}
ORDER BY ?t LIMIT {WINDOW}""", "the themes of the scheme, to say which have nothing here")
    return [text(r["t"]) for r in rows]


def _citywide(context: Context, places: Iterable[str]) -> set[str]:
    chosen = sorted(set(places))
    if not chosen:
        return set()
    rows = context.rows(f"""SELECT ?w WHERE {{
  VALUES ?w {{ {' '.join(iri_term(p) for p in chosen)} }}
  ?w a {iri_term(CITYWIDE_CLASS)} .
}}""", "which covering places are a city (or county) as a whole")
    return {text(r["w"]) for r in rows}


def _figures_of(context: Context, entries: list[Entry]) -> None:
    """Each entry's figures: their number (read up to the window), and the figures themselves for an
    entry that has no more than :data:`FIGURES_INLINE`."""
    inits = sorted({e.link.iri for e in entries})
    if not inits:
        return
    rows = context.rows(f"""SELECT DISTINCT ?init ?obs WHERE {{
  VALUES ?init {{ {' '.join(iri_term(i) for i in inits)} }}
  ?obs bk:initiative ?init .
}} LIMIT {WINDOW + 1}""", "the figures of the initiatives shown by theme, up to a window")
    full = len(rows) > WINDOW
    per: dict[str, list[str]] = {}
    for row in rows[:WINDOW]:
        per.setdefault(text(row["init"]), []).append(text(row["obs"]))
    few = sorted({o for found in per.values() if len(found) <= FIGURES_INLINE for o in found})
    shown: dict[str, list[Figure]] = {}
    if few:
        selection = f"VALUES ?obs {{ {' '.join(iri_term(o) for o in few)} }}"
        for figure in figures(context, selection, "the figures of the initiatives that have few", quotes=False):
            shown.setdefault(figure.initiative.iri, []).append(figure)
    for entry in entries:
        found = per.get(entry.link.iri, [])
        entry.figure_count, entry.figures_partial = len(found), full
        if len(found) <= FIGURES_INLINE and not full:
            entry.figures = shown.get(entry.link.iri, [])


def build(context: Context, place: str, local: list[dict[str, Any]], local_partial: bool,
          wider: list[tuple[str, str]], wider_partial: bool) -> PlaceTopics:
    """The groups of a place's page: ``local`` the rows (``?init``, ``?where``) of the initiatives
    located at the place or inside it, ``wider`` the (initiative, place) located at a place that
    contains it; each as the page read them, ``*_partial`` when its window was full."""
    located: dict[str, _Located] = {}
    for row in local:
        init, where = text(row["init"]), text(row["where"])
        scope = "here" if where == place else "inside"
        known = located.get(init)
        if known is None or (SCOPES.index(scope), where) < (SCOPES.index(known.scope), known.where):
            located[init] = _Located(init, scope, where)
    for init, where in wider:
        known = located.get(init)
        if known is None or (known.scope == "wider" and where < known.where):
            located[init] = _Located(init, "wider", where)
    classes = above(context, located)
    themes = _themes(context)
    citywide = _citywide(context, {e.where for e in located.values() if e.scope == "wider"})
    programmes = {p for found in classes.values() for p in found.get("programme", ())}
    notation = _notations(context, programmes)

    groups: dict[tuple[str | None, str | None], Group] = {}
    order: dict[tuple[str | None, str | None], tuple[Any, ...]] = {}
    members: dict[tuple[str | None, str | None], list[_Located]] = {}
    for entry in located.values():
        found = classes.get(entry.init, {})
        item_order = min((_order(n) for n in found.get("notation", ())), default=(10**6,))
        its_programmes: list[str | None] = [*sorted(found.get("programme", ()))] or [None]
        its_themes: list[str | None] = [*sorted(found.get("theme", ()))] or [None]
        for programme in its_programmes:
            for theme in its_themes:
                members.setdefault((programme, theme), []).append(entry)
                rank = (item_order, theme or "")
                order[(programme, theme)] = min(order.get((programme, theme), rank), rank)

    shown_entries: list[Entry] = []
    for key, found_here in members.items():
        group = groups[key] = Group(context.maybe(key[0]), context.maybe(key[1]),
                                    f"topic-{_slug(key[0])}-{_slug(key[1])}")
        local_entries = sorted((e for e in found_here if e.scope != "wider"),
                               key=lambda e: (SCOPES.index(e.scope), e.init))
        wider_entries = sorted((e for e in found_here if e.scope == "wider"), key=lambda e: (e.where, e.init))
        group.local_count, group.wider_count = len(local_entries), len(wider_entries)
        group.local = [Entry(context.link(e.init), e.scope, context.link(e.where))
                       for e in local_entries[:ENTRIES_SHOWN]]
        group.rest = [Entry(context.link(e.init), e.scope, context.link(e.where))
                      for e in local_entries[ENTRIES_SHOWN:]]
        if local_partial:
            group.more.append(More(None, len(local_entries), True, browse_href(str(BK.Initiative), within=place)))
        by_place: dict[str, list[_Located]] = {}
        for e in wider_entries:
            by_place.setdefault(e.where, []).append(e)
        for where, at in sorted(by_place.items()):
            group.wider += [Entry(context.link(e.init), "wider", context.link(where), where in citywide)
                            for e in at[:ENTRIES_SHOWN]]
            group.rest += [Entry(context.link(e.init), "wider", context.link(where), where in citywide)
                           for e in at[ENTRIES_SHOWN:]]
            if wider_partial:
                group.more.append(More(context.link(where), len(at), True,
                                       browse_href(str(BK.Initiative), place=where), where in citywide))
        shown_entries += group.local + group.wider
    _figures_of(context, shown_entries)

    by_programme: dict[str | None, list[Group]] = {}
    for key in sorted(groups, key=lambda k: order[k]):
        by_programme.setdefault(key[0], []).append(groups[key])
    ordered = sorted(by_programme, key=lambda p: (p is None, _order(notation.get(p or "", "")), p or ""))
    def in_programme(init: str, programme: str | None) -> bool:
        its: set[str | None] = {*classes.get(init, {}).get("programme", ())} or {None}
        return programme in its

    listed = [ProgrammeGroups(context.maybe(p), by_programme[p],
                              len({e.init for e in located.values() if e.scope != "wider" and in_programme(e.init, p)}),
                              len({e.init for e in located.values() if e.scope == "wider" and in_programme(e.init, p)}))
              for p in ordered]

    mentioned = {t for e in located.values() if e.scope != "wider" for t in classes.get(e.init, {}).get("theme", ())}
    unmentioned = []
    for theme in themes:
        if theme in mentioned:
            continue
        covering: dict[str, set[str]] = {}
        for e in located.values():
            if e.scope == "wider" and theme in classes.get(e.init, {}).get("theme", ()):
                covering.setdefault(e.where, set()).add(e.init)
        unmentioned.append(Unmentioned(context.link(theme), [
            More(context.link(where), len(inits), wider_partial,
                 browse_href(str(BK.Initiative), place=where, theme=theme), where in citywide)
            for where, inits in sorted(covering.items())]))
    return PlaceTopics(listed, unmentioned, not local_partial, local_partial or wider_partial)
