"""Browse: every class with its number of instances, and per class a paged list with facets.

A facet is a graph pattern from an instance ``?s`` to a value ``?v``; choosing a value replaces
``?v`` by it. The paths follow the model: an observation belongs to an initiative, an initiative to
its parent and so up to an item and its programme; agencies hang on initiatives (stated or
attributed) or on the figure itself; places are where an initiative is, or what a figure is about.
Class membership includes subclasses (found first, then ``VALUES ?type``), so "Place" lists roads and towns.

``/browse?to=IRI&via=PROPERTY`` lists, a page at a time, every resource pointing at one resource
through one property: the rest of what an entity page shows only the first of (a hub such as the
city is pointed at by every figure of every report).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from bolekg.errors import SparqlSyntaxError, StoreError, TooManyRequests, Unavailable
from bolekg.pages.common import Context, Link
from bolekg.pages.figures import Figure, figures
from bolekg.report.vocab import BK, ORG
from bolekg.services.lookup import iri_term, text

log = logging.getLogger(__name__)

PAGE_SIZE = 50
FACET_VALUES_SHOWN = 40
AGENCY = "(bk:responsibleAgency|bk:attributedAgency)"

#: Levels of ``bk:partOfInitiative`` the programme, item and theme facets climb: the model has two
#: (activity, project, item), and tests/test_place_answers.py fails if the data outgrows it.
THEME_DEPTH = 2
#: From a figure or a date to the initiative it is about.
TO_INITIATIVE = "(bk:initiative|bk:milestoneOf)"


def _climbs(last: str, *, from_figures: bool) -> str:
    """The ways up from ``?s`` through ``bk:partOfInitiative`` (and, ``from_figures``, first from a
    figure or date to its initiative) and on through ``last`` (none when empty), as fixed-length
    alternatives of at most :data:`THEME_DEPTH` steps up, with no ``*``, ``+`` or ``?``: Virtuoso 7.2
    refuses a transitive step whose ends are not bound ("transitive derived table but neither end of
    it is bound") and answered the programme and item facets with a 500
    (tests/test_pages_http.py::test_browse_facets_answer_as_the_data_says). Oxigraph answers this
    form fastest as well."""
    starts = ["", f"{TO_INITIATIVE}/"] if from_figures else [""]
    ways = [(start + "bk:partOfInitiative/" * n + last).removesuffix("/")
            for start in starts for n in range(THEME_DEPTH + 1)]
    return "|".join(way for way in ways if way)             # the zero-length way is the item facet's own


def _theme_path() -> str:
    """The themes of an initiative's item (``?s bk:partOfInitiative*/bk:theme ?v``), for initiatives
    only: with the figures' and dates' branches too, Virtuoso 7.2's SQL outgrows its limit beside a
    place and the agency facet. A place's page links here for the work covering it by theme (``place``
    and ``theme``; with ``within`` as well, Virtuoso 7.2 fails on its own)."""
    return f"?s {_climbs('bk:theme', from_figures=False)} ?v ."


#: name → (pattern from ?s to ?v, classes for which the facet is the instance itself)
FACETS: dict[str, tuple[str, tuple[str, ...]]] = {
    "programme": (f"?s {_climbs('bk:programme', from_figures=True)} ?v .", ("Programme",)),
    # the item above (an item is not its own: choosing one lists what belongs to it)
    "item": (f"?s {_climbs('', from_figures=True)} ?v . ?v a bk:Item .", ("Item",)),
    # the themes of the item an initiative belongs to
    "theme": (_theme_path(), ("Theme",)),
    "place": ("?s bk:location|sdmx-dimension:refArea|geo:sfWithin|bk:segmentOf ?v .", ()),
    # the place or any place it lies in: what a place's page counts as "here" (a figure about a
    # road in the city is about the city, the prefecture and the region too). geo:sfWithin is the
    # one containment property (ENCODING.md "Places roll up"; a segment states its road with it);
    # the place itself is its own branch, not a zero-length step: inside a UNION, Virtuoso 7.2
    # answers `*` with almost nothing (tests/test_virtuoso_pages.py). Written as fixed steps, as the
    # programme facet is, its SQL outgrows Virtuoso's limit beside another facet; as it is, beside the
    # programme or theme facet Virtuoso fails with an internal error (README "Virtuoso")
    "within": ("{ ?s bk:location|sdmx-dimension:refArea ?v }"
               " UNION { ?s (bk:location|sdmx-dimension:refArea)/geo:sfWithin+ ?v }"
               " UNION { ?s geo:sfWithin+ ?v }", ()),
    # the climb to the agency spelt out without zero-length steps: inside a UNION, Virtuoso 7.2 answers the
    # short form with almost nothing (tests/test_virtuoso_pages.py)
    "agency": (" UNION ".join(f"{{ ?s {path} ?v }}" for path in (
        "prov:wasAttributedTo", "bk:agent", AGENCY, f"bk:partOfInitiative+/{AGENCY}",
        f"{TO_INITIATIVE}/{AGENCY}", f"{TO_INITIATIVE}/bk:partOfInitiative+/{AGENCY}")),
               ()),
    "unit": ("?s sdmx-attribute:unitMeasure ?v .", ()),
    "measure": ("?s qb:measureType ?v .", ()),
    # the report whose graph states what ?s is (services/reports.py): shared places, agencies and
    # indicators are the report's that holds them, the first one encoded
    "report": ("GRAPH ?reportGraph { ?s a ?reportTyped . ?v a bk:Report }", ("Report",)),
}

CLASSES_QUERY = """SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE {
  ?s a/rdfs:subClassOf* ?class .
  FILTER(isIRI(?class) && isIRI(?s))
} GROUP BY ?class ORDER BY DESC(?n) ?class"""


#: One step of the class hierarchy; the closure is taken here, not with ``rdfs:subClassOf+`` from an
#: unbound start, which Virtuoso 7.2 refuses ("transitive start not given").
SUPERCLASSES_QUERY = """SELECT ?class ?super WHERE {
  ?class rdfs:subClassOf ?super . FILTER(isIRI(?class) && isIRI(?super))
}"""

#: The kinds a reader comes for, in this order, before the rest of the project's own classes.
#: Organisations are the W3C ORG class itself (ENCODING.md: the project's organisations are
#: org:Organization and its subclasses), so it counts as one of the project's own.
PRINCIPAL = (str(BK.Initiative), str(BK.Programme), str(BK.Item), str(BK.Project), str(BK.Activity),
             str(BK.Place), str(ORG.Organization), str(BK.Observation), str(BK.Indicator),
             str(BK.StatusStatement), str(BK.Milestone), str(BK.Responsibility), str(BK.Quote))


@dataclass
class ClassCount:
    link: Link
    count: int
    href: str
    #: ``"own"``: the project's classes; ``"other"``: other vocabularies' (PROV, NIF, SKOS, OWL …),
    #: listed after them under their own heading.
    group: str = "own"


@dataclass
class FacetValue:
    link: Link
    count: int
    selected: bool
    href: str


@dataclass
class Facet:
    name: str
    values: list[FacetValue]
    hidden: int = 0
    #: the store refused to count this facet's values beside the chosen ones (README "Virtuoso")
    uncounted: bool = False


@dataclass(kw_only=True)
class Paged:
    """One page (of :data:`PAGE_SIZE`) of a list of resources: rows ``first``–``last`` of ``total``."""

    total: int
    page: int
    pages: int
    first: int
    last: int
    rows: list[Link]
    prev_href: str = ""
    next_href: str = ""


@dataclass(kw_only=True)
class Listing(Paged):
    cls: Link
    figures: list[Figure]
    facets: list[Facet]
    selected: dict[str, Link] = field(default_factory=dict)
    clear_href: str = ""

    @property
    def export_params(self) -> dict[str, str]:
        """The list's class and chosen facet values: what its download (``/exports/browse``) selects by."""
        return {"class": self.cls.iri, **{name: link.iri for name, link in sorted(self.selected.items())}}


def classes(context: Context) -> list[ClassCount]:
    """Every class with its number of resources: the project's own first (:data:`PRINCIPAL` in order,
    then the rest by number), then other vocabularies'. An outside class that holds exactly the
    resources of one of the project's classes below it (qb:Observation above bk:Observation,
    schema:Place and geo:Feature above bk:Place …) is left out: it would be a second row with the same
    resources, and, in Chinese, under nearly the same name."""
    counts: dict[str, int] = {}
    for row in context.rows(CLASSES_QUERY, "every class with how many resources are of it (subclasses included)"):
        counts[text(row["class"])] = int(text(row["n"]))
    parents: dict[str, set[str]] = {}
    for row in context.rows(SUPERCLASSES_QUERY, "the class hierarchy (which outside classes repeat a project class)"):
        parents.setdefault(text(row["class"]), set()).add(text(row["super"]))

    def above(cls: str) -> set[str]:
        found: set[str] = set()
        todo = [cls]
        while todo:
            for parent in parents.get(todo.pop(), ()):
                if parent not in found:
                    found.add(parent)
                    todo.append(parent)
        return found

    own = {c for c in counts if c.startswith(str(BK)) or c in PRINCIPAL}
    repeated = {outer for cls in own for outer in above(cls) - own if counts.get(outer) == counts[cls]}
    order = {cls: i for i, cls in enumerate(PRINCIPAL)}
    ranked = sorted(counts, key=lambda c: (c not in own, order.get(c, len(order)), -counts[c], c))
    return [ClassCount(context.link(cls), counts[cls], "", "own" if cls in own else "other")
            for cls in ranked if cls not in repeated]


def browse_href(cls: str, **chosen: str) -> str:
    """The list of the instances of ``cls`` with the facet values given (``place=IRI``)."""
    return _href(cls, chosen)


def _href(cls: str, chosen: Mapping[str, str], page: int = 1) -> str:
    params = {"class": cls, **dict(sorted(chosen.items()))}
    if page > 1:
        params["page"] = str(page)
    return "/browse?" + urlencode(params)


def _one_page(context: Context, where: str, page: int, counting: str) -> tuple[int, int, int, int, list[Any]]:
    """The distinct ``?s`` matching ``where``: their total, the number of pages of :data:`PAGE_SIZE`,
    ``page`` brought into range, its offset, and its rows in IRI order."""
    total_rows = context.rows(f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {where} }}", counting)
    total = int(text(total_rows[0]["n"])) if total_rows else 0
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(page, 1), pages)
    offset = (page - 1) * PAGE_SIZE
    rows = context.rows(f"SELECT DISTINCT ?s WHERE {{ {where} }} ORDER BY ?s LIMIT {PAGE_SIZE} OFFSET {offset}",
                        "this page of the list")
    return total, pages, page, offset, rows


def subclasses(context: Context, cls: str) -> str:
    """``cls`` and its subclasses, as terms for ``VALUES``: found first and written in, because Virtuoso
    7.2 answers ``?s a/rdfs:subClassOf* <cls>`` joined with the facet patterns with no rows at all."""
    rows = context.rows(f"SELECT DISTINCT ?c WHERE {{ ?c rdfs:subClassOf* {iri_term(cls)} }}",
                        "the class and its subclasses")
    return " ".join(sorted({iri_term(cls), *(iri_term(text(r["c"])) for r in rows)}))


def selection(context: Context, cls: str, chosen: Mapping[str, str]) -> tuple[dict[str, str], str]:
    """The facet values chosen (known facets, given a value) and the pattern of the instances ``?s`` of
    ``cls`` that have every one: what a browse page lists and its downloads hold."""
    chosen = {k: v for k, v in chosen.items() if k in FACETS and v}
    filters = "\n  ".join("{ " + FACETS[name][0].replace("?v", iri_term(value)) + " }"
                          for name, value in sorted(chosen.items()))
    return chosen, f"VALUES ?type {{ {subclasses(context, cls)} }} ?s a ?type . FILTER(isIRI(?s))\n  {filters}"


def listing(context: Context, cls: str, chosen: Mapping[str, str], page: int = 1) -> Listing:
    """One page of the instances of ``cls`` that have every chosen facet value."""
    short = cls.rsplit("/", 1)[-1].rsplit("#", 1)[-1]
    chosen, where = selection(context, cls, chosen)
    total, pages, page, offset, rows = _one_page(context, where, page, "how many match")
    members = [text(r["s"]) for r in rows]
    shown_figures: list[Figure] = []
    if members and short == "Observation":
        observations = " ".join(iri_term(m) for m in members)
        shown_figures = figures(context, f"VALUES ?obs {{ {observations} }}", "the figures on this page")
    facets = []
    for name, (pattern, identity) in FACETS.items():
        if short in identity:
            continue
        try:
            counts = context.rows(f"""SELECT ?v (COUNT(DISTINCT ?s) AS ?n) WHERE {{
  {where}
  {pattern}
  FILTER(isIRI(?v))
}} GROUP BY ?v ORDER BY DESC(?n) ?v""", f"facet: {name}")
        except (Unavailable, TooManyRequests):
            raise                                      # busy or down: the page as a whole is 503/429
        except (SparqlSyntaxError, StoreError) as refused:
            # the list stands on its own; one facet's counts the store cannot make (Virtuoso 7.2 fails
            # on some pairs of facets with an internal error) are said to be missing, not the page
            log.warning("browse: the store refused the counts of facet %s beside %s: %s",
                        name, sorted(chosen), str(refused).splitlines()[0] if str(refused) else refused)
            facets.append(Facet(name, [], uncounted=True))
            continue
        if not counts:
            continue
        values = []
        for row in counts[:FACET_VALUES_SHOWN]:
            value = text(row["v"])
            selected = chosen.get(name) == value
            others = {k: v for k, v in chosen.items() if k != name}
            href = _href(cls, others if selected else {**others, name: value})
            values.append(FacetValue(context.link(value), int(text(row["n"])), selected, href))
        facets.append(Facet(name, values, max(0, len(counts) - FACET_VALUES_SHOWN)))
    return Listing(
        cls=context.link(cls), total=total, page=page, pages=pages,
        first=offset + 1 if total else 0, last=min(offset + PAGE_SIZE, total),
        rows=[context.link(m) for m in members], figures=shown_figures, facets=facets,
        selected={k: context.link(v) for k, v in chosen.items()},
        prev_href=_href(cls, chosen, page - 1) if page > 1 else "",
        next_href=_href(cls, chosen, page + 1) if page < pages else "",
        clear_href=_href(cls, {}) if chosen else "",
    )


# --- what points at one resource through one property ---------------------------------------------


@dataclass(kw_only=True)
class LinkListing(Paged):
    """One page of the resources whose ``via`` is ``target``."""

    target: Link
    via: Link


def links_href(target: str, via: str, page: int = 1) -> str:
    """Where the resources pointing at ``target`` through ``via`` are listed."""
    params = {"to": target, "via": via}
    if page > 1:
        params["page"] = str(page)
    return "/browse?" + urlencode(params)


def links(context: Context, target: str, via: str, page: int = 1) -> LinkListing:
    """Page ``page`` (of :data:`PAGE_SIZE`) of the resources with ``via`` pointing at ``target``, by IRI."""
    pattern = f"?s {iri_term(via)} {iri_term(target)} . FILTER(isIRI(?s))"
    total, pages, page, offset, rows = _one_page(context, pattern, page, "how many point here")
    return LinkListing(
        target=context.link(target), via=context.link(via), total=total, page=page, pages=pages,
        first=offset + 1 if total else 0, last=min(offset + PAGE_SIZE, total),
        rows=[context.link(r["s"]) for r in rows],
        prev_href=links_href(target, via, page - 1) if page > 1 else "",
        next_href=links_href(target, via, page + 1) if page < pages else "",
    )
