"""The registry of shared entities a draft links to: the organisations and places every report of the
dataset refers to by IRI (contract of issue 19: places and agencies are shared by reference).

Why files, and which: the registry is read from Turtle files (``bolekg extract --link-to FILE…``; by
default the project's own ``data/turtle/places.ttl`` and ``organisations.ttl``). Drafting is an offline
step whose output is a file for curation, not a write to a store, so it should not need a running server;
the registry files are versioned beside the data, so a draft records exactly which registry it was linked
against; and a store's registry can be dumped to such a file (``/dumps/bolekg.ttl``). Only an
entity's *description* is read — its classes, Chinese and English labels (``rdfs:label``,
``skos:prefLabel``, ``skos:altLabel``), division codes, containment (``geo:sfWithin``), jurisdiction and
parent organisation, editorial notes — never the facts of a report (quotes, evidence, observations,
responsibilities): a registry file that holds such triples has them ignored, so the extractor still never
reads a curated report. An entity the files give no class (declared in a report's own file) is not
linkable: its description lives elsewhere.

Matching (:meth:`Registry.place`, :meth:`Registry.organisation`), in this order:

1. a gazetteer place by its division code (verified or candidate);
2. the exact name, as a Chinese label or ``skos:altLabel``;
3. the name stem without its administrative suffix (温泉 ~ 温泉县; 青得里 ~ 青得里镇 or 青得里街道), and for an
   organisation the organ name without its place prefix (博乐市住建局 ~ 住建局) —

each kept only where it is *containment-consistent*: a place must lie in, contain or neighbour (share a
parent with) the place the mention is read in; an organisation's jurisdiction must be the place its name
begins with. One candidate left: linked. Several: ambiguous — the draft mints a new entity flagged
``bk:unresolved`` with the candidates, never a silent guess. None: new.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from rdflib import Graph, Literal, URIRef

from bolekg.report.vocab import BK, GEO, ORG, RDF, RDFS, SCHEMA, SKOS

#: The predicates of an entity's description: all the registry keeps (see the module docstring).
DESCRIPTION = (RDF.type, RDFS.label, SKOS.prefLabel, SKOS.altLabel, BK.divisionCode, BK.candidateDivisionCode,
               GEO.sfWithin, GEO.sfCrosses, SCHEMA.containedInPlace, BK.jurisdiction, ORG.subOrganizationOf,
               BK.editorialNote)

#: Administrative suffixes, longest first: a name without one is the stem (博尔塔拉蒙古自治州 → 博尔塔拉).
ADMIN_SUFFIXES = ("维吾尔自治区", "蒙古自治州", "自治区", "自治州", "自治县", "街道", "社区", "牧场", "省", "市", "州",
                  "县", "区", "旗", "镇", "乡", "村")

def default_registry_files() -> list[Path]:
    from bolekg.paths import TURTLE_DIR

    return [TURTLE_DIR / "places.ttl", TURTLE_DIR / "organisations.ttl"]


def stem(name: str) -> tuple[str, str]:
    """(stem, suffix) of a place name; a stem shorter than two characters keeps its suffix (东区 stays)."""
    for suffix in ADMIN_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)], suffix
    return name, ""


@dataclass(frozen=True)
class Entity:
    iri: URIRef
    kind: str  # "place" | "organisation"
    names: tuple[str, ...]  # Chinese labels, preferred first
    codes: frozenset[str]  # 12-digit division codes, verified or candidate
    within: tuple[URIRef, ...]  # direct parents (geo:sfWithin)
    jurisdiction: URIRef | None

    @property
    def name(self) -> str:
        return self.names[0] if self.names else str(self.iri)


@dataclass(frozen=True)
class Link:
    """How a name was resolved: ``linked`` (to ``iri``), ``ambiguous`` (``candidates``) or ``new``."""

    outcome: str
    how: str = ""
    iri: URIRef | None = None
    candidates: tuple[Entity, ...] = ()
    elsewhere: tuple[Entity, ...] = ()  # same name, but not containment-consistent

    def note(self, kind: str, name: str, context: str) -> str:
        """The ``bk:unresolved`` text for a new or ambiguous entity."""
        if self.outcome == "ambiguous":
            listed = "; ".join(f"<{c.iri}> {c.name}" for c in self.candidates)
            return (f"{kind}: ambiguous: {len(self.candidates)} known {kind}s match {name} ({self.how}): {listed}; "
                    "a new entity until curation picks one or keeps it")
        text = f"{kind}: no known {kind} matches {name} in {context}: a new entity"
        if self.elsewhere:
            text += " (the same name is known elsewhere: " + "; ".join(
                f"<{c.iri}> {c.name}" for c in self.elsewhere) + ")"
        return text


@dataclass
class Registry:
    """The shared entities of the registry files, by kind, with what matching needs."""

    sources: list[str]
    graph: Graph  # the entities' descriptions only: validated beside a draft that refers to them
    entities: dict[URIRef, Entity] = field(default_factory=dict)

    # ------------------------------------------------------------------ containment

    def chain(self, iri: URIRef) -> list[URIRef]:
        """``iri`` and the places it lies in, nearest first (the first parent at each step)."""
        found = [iri]
        while (entity := self.entities.get(found[-1])) is not None and entity.within:
            parent = entity.within[0]
            if parent in found:
                break
            found.append(parent)
        return found

    def consistent(self, candidate: URIRef, context: URIRef | None) -> bool:
        """``candidate`` lies in ``context``, contains it, or shares its parent (a neighbour)."""
        return self._nesting(candidate, context) or self._sibling(candidate, context)

    def _nesting(self, candidate: URIRef, context: URIRef | None) -> bool:
        if context is None:
            return True
        return context in self.chain(candidate) or candidate in self.chain(context)

    def _sibling(self, candidate: URIRef, context: URIRef | None) -> bool:
        mine, theirs = self.chain(candidate), self.chain(context) if context is not None else []
        return len(mine) > 1 and len(theirs) > 1 and mine[1] == theirs[1]

    # ------------------------------------------------------------------ matching

    def _of_kind(self, kind: str) -> Iterable[Entity]:
        return (e for e in self.entities.values() if e.kind == kind)

    def by_code(self, full_code: str | None) -> Link:
        if not full_code:
            return Link("new")
        hits = tuple(e for e in self._of_kind("place") if full_code in e.codes)
        return _decide(hits, "division code")

    def place(self, name: str, context: URIRef | None, full_code: str | None = None) -> Link:
        """A place named ``name`` (with ``full_code`` if the gazetteer gives one), read in ``context``."""
        if full_code:
            link = self.by_code(full_code)
            if link.outcome != "new":
                return link
        exact = tuple(e for e in self._of_kind("place") if name in e.names)
        link = self._consistent(exact, context, "name")
        if link.outcome != "new" or link.elsewhere:
            return link
        mine, suffix = stem(name)
        by_stem = tuple(e for e in self._of_kind("place") if any(_same_stem(mine, suffix, n) for n in e.names))
        return self._consistent(by_stem, context, "name without its administrative suffix")

    def organisation(self, name: str, prefix: str, place: URIRef | None) -> Link:
        """An organisation named ``name``, whose name begins with the place name ``prefix`` (the registry
        place ``place``, if linked)."""
        exact = tuple(e for e in self._of_kind("organisation") if name in e.names)
        if exact:
            consistent = tuple(e for e in exact if e.jurisdiction is None or place is None
                               or self.consistent(e.jurisdiction, place))
            return _decide(consistent, "name", tuple(e for e in exact if e not in consistent))
        organ = name.removeprefix(prefix)
        if not prefix or organ == name or place is None:
            return Link("new")
        hits = tuple(e for e in self._of_kind("organisation")
                     if e.jurisdiction == place and any(
                         n == organ or (n.endswith(organ) and self._names_place(n[: -len(organ)], place))
                         for n in e.names))
        elsewhere = tuple(e for e in self._of_kind("organisation") if organ in e.names and e not in hits)
        return _decide(hits, "organ name within its jurisdiction", elsewhere)

    def _names_place(self, text: str, place: URIRef) -> bool:
        entity = self.entities.get(place)
        return entity is not None and text in entity.names

    def _consistent(self, hits: tuple[Entity, ...], context: URIRef | None, how: str) -> Link:
        """Among ``hits``, those in or around ``context``; failing those, its neighbours."""
        kept = tuple(e for e in hits if self._nesting(e.iri, context))
        kept = kept or tuple(e for e in hits if self._sibling(e.iri, context))
        return _decide(kept, how, tuple(e for e in hits if e not in kept))


def _same_stem(mine: str, suffix: str, name: str) -> bool:
    theirs, their_suffix = stem(name)
    return mine == theirs and (not suffix or not their_suffix or suffix == their_suffix)


def _decide(hits: tuple[Entity, ...], how: str, elsewhere: tuple[Entity, ...] = ()) -> Link:
    if len(hits) == 1:
        return Link("linked", how, hits[0].iri)
    if hits:
        return Link("ambiguous", how, None, tuple(sorted(hits, key=lambda e: str(e.iri))))
    return Link("new", how, elsewhere=elsewhere)


def _kind_classes() -> tuple[set[URIRef], set[URIRef]]:
    """The ontology's place classes (under bk:Place) and organisation classes (under org:Organization)."""
    from bolekg.report.dataset import ontology_graph

    ontology = ontology_graph()
    places = {node for node in ontology.transitive_subjects(RDFS.subClassOf, BK.Place) if isinstance(node, URIRef)}
    orgs = {node for node in ontology.transitive_subjects(RDFS.subClassOf, ORG.Organization)
            if isinstance(node, URIRef)}
    orgs |= {ORG.Organization, ORG.FormalOrganization, ORG.OrganizationalUnit}
    return places, orgs


def _zh(values: Iterable[object]) -> list[str]:
    return [str(v) for v in values if isinstance(v, Literal) and v.language == "zh"]


def read_registry(paths: Iterable[Path]) -> Registry:
    """The registry in ``paths`` (Turtle, or any format rdflib reads by suffix)."""
    source = Graph()
    names: list[str] = []
    for path in paths:
        source.parse(path)
        names.append(str(path))
    place_classes, org_classes = _kind_classes()
    registry = Registry(names, Graph())
    for subject in set(source.subjects(RDF.type, None)):
        if not isinstance(subject, URIRef):
            continue
        classes = set(source.objects(subject, RDF.type))
        kind = "place" if classes & place_classes else "organisation" if classes & org_classes else None
        if kind is None:
            continue
        for predicate in DESCRIPTION:
            for value in source.objects(subject, predicate):
                registry.graph.add((subject, predicate, value))
        labels = (_zh(source.objects(subject, SKOS.prefLabel)) + _zh(source.objects(subject, RDFS.label))
                  + _zh(source.objects(subject, SKOS.altLabel)))
        codes = frozenset(str(c) for p in (BK.divisionCode, BK.candidateDivisionCode)
                          for c in source.objects(subject, p))
        within = tuple(sorted(o for o in source.objects(subject, GEO.sfWithin) if isinstance(o, URIRef)))
        jurisdiction = source.value(subject, BK.jurisdiction)
        registry.entities[subject] = Entity(subject, kind, tuple(dict.fromkeys(labels)), codes, within,
                                            jurisdiction if isinstance(jurisdiction, URIRef) else None)
    return registry


@cache
def default_registry() -> Registry:
    return read_registry(tuple(default_registry_files()))


def place_prefix(name: str, candidates: Iterable[str]) -> str:
    """The longest of ``candidates`` (place names) that ``name`` begins with, or ""."""
    return max((c for c in candidates if name.startswith(c)), key=len, default="")

