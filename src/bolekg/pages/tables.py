"""Which rows a page's table download holds: the rows of the page's table, read by the same
selections the page uses (``bolekg.pages.kinds``, ``bolekg.pages.browse``), all of them rather than
the page's share, within the same bounds.

The bounds are the ones already there: a place's lists are read up to :data:`kinds.WINDOW` rows (the
page then says "at least"), a browse result in every page of it up to the public endpoint's row cap
(``Limits.max_rows``); a download cut there says so (:attr:`Table.truncated`).

The rows themselves are built by ``bolekg.services.tables``: the figures by the site-wide table's
own query with a selection, so a download has the site-wide CSV's columns and cells.
"""

from __future__ import annotations

from collections.abc import Mapping

from bolekg.i18n import local_name
from bolekg.pages import kinds
from bolekg.pages.browse import selection
from bolekg.pages.common import Context
from bolekg.pages.entity import page_kind, superclasses_query
from bolekg.services import tables
from bolekg.services.describe import local_path
from bolekg.services.lookup import iri_term, text

#: The tables a resource's page offers for download, by the kind of page.
ENTITY_TABLES: dict[str, tuple[str, ...]] = {
    "initiative": ("figures",),
    "place": ("figures", "initiatives", "inside", "wider"),
    "organisation": ("figures",),
}


def kind_of(context: Context, iri: str) -> str:
    """The page layout ``iri`` gets (``bolekg.pages.entity.page_kind``): its classes, then theirs."""
    types = [text(r["t"]) for r in context.rows(f"SELECT DISTINCT ?t WHERE {{ {iri_term(iri)} a ?t }}",
                                                 "the classes of this resource")]
    if not types:
        return "generic"
    supers = set(types) | {text(r["super"]) for r in context.rows(superclasses_query(types),
                                                                  "their superclasses (which tables it has)")}
    return page_kind(supers)


def _stem(context: Context, iri: str) -> str:
    """``item-1-02`` for ``…/id/item/1-02``: the IRI's path under the base, less ``id/``."""
    path = local_path(context.base, iri)
    return (path.removeprefix("/").removeprefix("id/") if path else local_name(iri)) or "resource"


def _cut(rows: list[dict[str, str]], limit: int, partial: bool) -> tuple[list[dict[str, str]], bool]:
    return rows[:limit], partial or len(rows) > limit


def _values(variable: str, iris: list[str] | set[str]) -> str:
    """``VALUES ?variable { … }`` for the table's selection, its term written twice when there is
    only one: Virtuoso 7.2 folds a one-row ``VALUES`` into the query as a constant and then answers
    the table's OPTIONALs about it with nothing (tests/test_table_exports.py, on Virtuoso); the
    repeated row is merged again by the table's ``GROUP BY``. No rows: a pattern that matches none."""
    found = sorted(set(iris))
    if not found:
        return "FILTER(false)"
    terms = [iri_term(iri) for iri in found] * (2 if len(found) == 1 else 1)
    return f"VALUES ?{variable} {{ {' '.join(terms)} }}"


#: Figures asked for in one query of a download: the rest in further queries of as many.
CHUNK = 500


def _observations(ids: list[str]) -> list[str]:
    """Selections of the figures ``ids``, :data:`CHUNK` at a time in IRI order (the table's order)."""
    found = sorted(set(ids))
    return [_values("observation", found[at:at + CHUNK]) for at in range(0, len(found), CHUNK)] or \
        [_values("observation", [])]


def entity_table(context: Context, iri: str, table: str, limit: int) -> tables.Table | None:
    """The download of ``table`` on the page of ``iri``; ``None`` when its page has no such table."""
    kind = kind_of(context, iri)
    if table not in ENTITY_TABLES.get(kind, ()):
        return None
    name = tables.slug("bolekg", _stem(context, iri), table)
    store, lang = context.store, context.lang
    if kind == "initiative":
        # the same figures as the page: of the initiative and every project or activity below it
        selection = _values("sel_init", kinds.initiative_and_below(context, iri))
        return tables.figures(store, name, lang, f"{selection}\n  ?observation bk:initiative ?sel_init .",
                              limit=limit)
    if kind == "organisation":
        # the figures the report attributes to it (the page shows the first kinds.FIGURES_SHOWN), every
        # one of them up to the limit, as the page's "all" link lists them
        members, cut = _members(context, f"?s prov:wasAttributedTo {iri_term(iri)} . FILTER(isIRI(?s))", limit)
        return tables.figures(store, name, lang, _observations(members), cut, limit)
    if table == "inside":
        rows, count = kinds.places_inside(context, iri)
        found, cut = _cut([{"place": text(r["x"]), "type": text(r.get("type"))} for r in rows], limit, count.partial)
        return tables.labelled(store, name, lang, ("place", "type"), found, cut, limit)
    if table == "wider":
        initiatives, count, _ = kinds.covering(context, iri, kinds.WINDOW)
        found, cut = _cut([{"initiative": i.iri, "place": where.iri} for i, where in initiatives], limit,
                          count.partial)
        return tables.labelled(store, name, lang, ("initiative", "place"), found, cut, limit)
    here_and_inside, partial = kinds.areas(context, iri)
    if table == "initiatives":
        rows, count = kinds.place_initiatives(context, here_and_inside, partial)
        found, cut = _cut([{"initiative": text(r["init"]), "place": text(r["where"])} for r in rows], limit,
                          count.partial)
        return tables.labelled(store, name, lang, ("initiative", "place"), found, cut, limit)
    rows, count = kinds.place_figures(context, here_and_inside, partial)
    chosen, cut = _cut([{"obs": text(r["obs"])} for r in rows], limit, count.partial)
    return tables.figures(store, name, lang, _observations([r["obs"] for r in chosen]), cut, limit)


def browse_table(context: Context, cls: str, chosen: Mapping[str, str], limit: int) -> tables.Table:
    """Every instance of ``cls`` with the chosen facet values (``/browse?class=…``, every page of it),
    up to ``limit``: figures as the site-wide table's rows, anything else as names and IRIs."""
    chosen, where = selection(context, cls, chosen)
    members, cut = _members(context, where, limit)
    parts = ["bolekg", "browse", local_name(cls)]
    for facet, value in sorted(chosen.items()):
        parts += [facet, local_name(value)]
    name = tables.slug(*parts).lower()
    if local_name(cls) == "Observation":
        return tables.figures(context.store, name, context.lang, _observations(members), cut, limit)
    return tables.labelled(context.store, name, context.lang, ("resource",),
                           [{"resource": m} for m in members], cut, limit)


def links_table(context: Context, target: str, via: str, limit: int) -> tables.Table:
    """Every resource whose ``via`` is ``target`` (``/browse?to=…&via=…``), up to ``limit``."""
    members, cut = _members(context, f"?s {iri_term(via)} {iri_term(target)} . FILTER(isIRI(?s))", limit)
    name = tables.slug("bolekg", _stem(context, target), local_name(via)).lower()
    return tables.labelled(context.store, name, context.lang, ("resource",),
                           [{"resource": m} for m in members], cut, limit)


def _members(context: Context, where: str, limit: int) -> tuple[list[str], bool]:
    """The first ``limit`` distinct ``?s`` of ``where`` by IRI, and whether there are more: counted
    first, as a browse page counts, not by asking for ``limit + 1`` rows, since Virtuoso refuses to
    sort more than its ``ResultSetMaxRows`` (10 000, the default row cap) under a ``LIMIT``."""
    counted = context.rows(f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {where} }}", "how many match")
    total = int(text(counted[0]["n"])) if counted else 0
    rows = context.rows(f"SELECT DISTINCT ?s WHERE {{ {where} }} ORDER BY ?s LIMIT {int(limit)}",
                        "every one that matches, up to the limit") if total else []
    return [text(r["s"]) for r in rows], total > limit
