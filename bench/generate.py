"""Seeded synthetic data at scale: N reports' worth of BoleKG, shaped exactly like the real graph.

Report 0 is the real data (ontology graph + report graph, unchanged). Every further report is a
copy of the real report made into a report of its own, so that the graph grows the way it would
with hundreds of mid-year reports, with the same ontology, kinds of entities and provenance:

* it lives in its own named graph (``…/graph/report/s0007``) and every entity that belongs to one
  report — the report, its text (context, paragraphs, sentences), quotes, programmes, items,
  projects, activities, observations, milestones, responsibility statements, the Data Cube data set
  and the local places (roads, segments, compounds, facilities) — gets its own IRI
  (``obs:s0007-1-01-training-actual``); entities shared between reports — the gazetteer's places,
  organisations, periods, indicators, themes, units and the ontology — are referenced, not copied;
* its figures differ: a seeded integer factor (2–9) scales every count and amount (targets and
  actual figures not in percent) together, which keeps shares of plan and sums of parts exact
  (the SHACL-SPARQL consistency rules in ``shapes/consistency.ttl``); normalised values are
  recomputed from the unit multipliers in the ontology; percentages, rates, ranks and changes stay;
* its text is synthetic too: the numbers those figures came from are rewritten in the report text,
  and every NIF offset (paragraphs, sentences, quotes: Python code points), ``nif:anchorOf`` and
  quote IRI (``quote:s0007-<begin>-<end>``) is recomputed, so quotes are still verbatim substrings
  of their report's text (``bks:Quote-verbatim``); labels, ``bk:asWritten`` and editorial notes of
  scaled observations carry the new numbers; the report's labels carry its sample number.

The output is N-Quads, the format every engine of the benchmark loads fastest. The same seed and
number of reports always give the same bytes. Run ``python bench/generate.py --scale 200k``.
"""

from __future__ import annotations

import argparse
import bisect
import hashlib
import json
import random
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox

from bolekg.paths import ONTOLOGY_FILE, ROOT, TURTLE_DIR
from bolekg.report.dataset import data_files
from bolekg.report.vocab import BASE, ID_BASE, NIF, ONTOLOGY_GRAPH, REPORT_GRAPH

#: Target sizes in triples (ontology included). ``real`` is the real data alone.
SCALES: dict[str, int] = {"real": 0, "200k": 200_000, "1m": 1_000_000, "10m": 10_000_000}
DEFAULT_SEED = 2021
DATA_DIR = ROOT / "var" / "bench" / "data"

#: Kinds of ``…/id/<kind>/…`` IRIs that belong to one report and are copied with it.
PER_REPORT_KINDS = frozenset({
    "report", "text", "quote", "programme", "item", "project", "activity", "obs", "milestone",
    "responsibility", "dataset",
})
#: Places are shared when the gazetteer file declares them, per report otherwise (roads, sites …).
GAZETTEER_FILE = "places.ttl"

BK = BASE + "def/"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS_PREF = "http://www.w3.org/2004/02/skos/core#prefLabel"
DCT_TITLE = "http://purl.org/dc/terms/title"
XSD = "http://www.w3.org/2001/XMLSchema#"
PERCENT = "http://qudt.org/vocab/unit/PERCENT"
SCALED_MEASURES = {BK + "target", BK + "actual"}
NIF_NS = str(NIF)
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
OFFSET_PREDICATES = {NIF_NS + "beginIndex", NIF_NS + "endIndex"}
ANCHOR = NIF_NS + "anchorOf"
IS_STRING = NIF_NS + "isString"
#: Numbers as the numeric audit reads them (``bolekg.report.mentions``): codes such as S304 or K2+196 are
#: names, not figures, and are never rewritten.
NUMBER = re.compile(r"K\d+\+\d+|[A-Z]{1,2}\d+|(?P<number>\d+(?:\.\d+)?)")


def _number_re(lexical: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\d.]){re.escape(lexical)}(?![\d])(?!\.\d)")


@dataclass
class Observation:
    iri: str
    measure: str
    value: str  # lexical form, as in the data
    datatype: str
    unit: str
    quotes: list[tuple[int, int]] = field(default_factory=list)
    multiplier: float | None = None  # value × multiplier = normalised value (None: no normalised value)
    matched: bool = False  # its value is written in one of its quotes


@dataclass
class Template:
    """The real report, analysed once: which triples are copied, which terms vary per report."""

    text: str
    shared_quads: list[str]  # N-Quads lines of report 0 (ontology + real report), verbatim
    triples: list[tuple[object, str, object]]  # (subject spec, predicate N-Triples, object spec)
    mentions: list[tuple[int, int, Decimal]]  # number mentions in the text
    observations: dict[str, Observation]
    groups: dict[str, int]  # observation → group id (share of plan, parts of a whole)

    @property
    def per_report(self) -> int:
        return len(self.triples)


def _kind(iri: str) -> str | None:
    if not iri.startswith(ID_BASE):
        return None
    return iri[len(ID_BASE):].split("/", 1)[0]


def _split(iri: str) -> tuple[str, str]:
    """``…/id/obs/1-01-x`` → (``…/id/obs/``, ``1-01-x``)."""
    kind = _kind(iri) or ""
    prefix = ID_BASE + kind + "/"
    return prefix, iri[len(prefix):]


def _load_real() -> tuple[list[ox.Quad], list[ox.Triple], set[str]]:
    ontology = [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(str(ONTOLOGY_GRAPH)))
                for t in ox.parse(path=str(ONTOLOGY_FILE), format=ox.RdfFormat.TURTLE)]
    triples: dict[ox.Triple, None] = {}
    gazetteer: set[str] = set()
    for path in data_files(TURTLE_DIR):
        for triple in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
            triples[triple] = None
            subject = triple.subject
            if path.name == GAZETTEER_FILE and isinstance(subject, ox.NamedNode) and _kind(subject.value) == "place":
                gazetteer.add(subject.value)
    return ontology, list(triples), gazetteer


def _observations(store: ox.Store) -> dict[str, Observation]:
    query = f"""
    PREFIX bk: <{BK}>
    PREFIX qb: <http://purl.org/linked-data/cube#>
    PREFIX qudt: <http://qudt.org/schema/qudt/>
    PREFIX sa: <http://purl.org/linked-data/sdmx/2009/attribute#>
    PREFIX nif: <{NIF_NS}>
    SELECT ?o ?m ?v ?u ?b ?e ?mult ?base WHERE {{
      ?o a bk:Observation ; qb:measureType ?m ; ?m ?v ; sa:unitMeasure ?u .
      OPTIONAL {{ ?o bk:evidence ?q . ?q nif:beginIndex ?b ; nif:endIndex ?e }}
      OPTIONAL {{ ?o bk:normalisedValue ?n . ?u qudt:conversionMultiplier ?mult .
                 OPTIONAL {{ ?u qudt:scalingOf ?bu . ?bu qudt:conversionMultiplier ?base }} }}
    }}"""
    found: dict[str, Observation] = {}
    for row in store.query(query, use_default_graph_as_union=True):  # type: ignore[union-attr]
        iri = row["o"].value
        obs = found.get(iri)
        if obs is None:
            value = row["v"]
            obs = found[iri] = Observation(iri, row["m"].value, value.value, value.datatype.value, row["u"].value)
            if row["mult"] is not None:
                base = float(row["base"].value) if row["base"] is not None else 1.0
                obs.multiplier = float(row["mult"].value) / base
        if row["b"] is not None:
            span = (int(row["b"].value), int(row["e"].value))
            if span not in obs.quotes:
                obs.quotes.append(span)
    return found


def _groups(store: ox.Store, observations: dict[str, Observation]) -> dict[str, int]:
    """Observations tied by a consistency rule (parts of a whole, share of plan) form one group."""
    parent = {iri: iri for iri in observations}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    query = f"""PREFIX bk: <{BK}>
    SELECT ?a ?b WHERE {{ ?a bk:partOf|bk:actualObservation|bk:targetObservation ?b }}"""
    for row in store.query(query, use_default_graph_as_union=True):  # type: ignore[union-attr]
        a, b = row["a"].value, row["b"].value
        if a in parent and b in parent:
            parent[find(a)] = find(b)
    roots: dict[str, int] = {}
    return {iri: roots.setdefault(find(iri), len(roots)) for iri in observations}


def _organisation_names(store: ox.Store, text: str) -> list[tuple[int, int]]:
    """Where the text writes an organisation's name (a label or altLabel in Chinese). A number inside
    one (30家职能部门、单位) is part of the name, shared by every report, not a figure to scale: the
    stated responsibility quoting it must still name its agency (``bks:Stated-named``)."""
    query = f"""PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
    PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
    SELECT DISTINCT ?name WHERE {{
      ?o rdfs:label|skos:prefLabel|skos:altLabel ?name .
      FILTER(STRSTARTS(STR(?o), "{ID_BASE}org/") && LANG(?name) = "zh")
    }}"""
    spans = []
    for row in store.query(query, use_default_graph_as_union=True):  # type: ignore[union-attr]
        name = row["name"].value
        start = text.find(name)
        while start != -1:
            spans.append((start, start + len(name)))
            start = text.find(name, start + 1)
    return spans


def build_template() -> Template:
    ontology, triples, gazetteer = _load_real()
    store = ox.Store()
    store.extend(ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(str(REPORT_GRAPH))) for t in triples)
    store.extend(ontology)
    context = next(t for t in triples if t.predicate.value == IS_STRING)
    text = context.object.value

    names = _organisation_names(store, text)
    mentions = [(m.start(), m.end(), Decimal(m.group("number"))) for m in NUMBER.finditer(text)
                if m.group("number") and not any(b < m.end() and m.start() < e for b, e in names)]
    observations = _observations(store)
    for obs in observations.values():
        if obs.measure in SCALED_MEASURES and obs.unit != PERCENT:
            value = Decimal(obs.value)
            obs.matched = any(b <= mb and me <= e and number == value
                              for b, e in obs.quotes for mb, me, number in mentions)
    groups = _groups(store, observations)

    def per_report(term: object) -> bool:
        if not isinstance(term, ox.NamedNode):
            return False
        kind = _kind(term.value)
        return kind in PER_REPORT_KINDS or (kind == "place" and term.value not in gazetteer)

    offsets: dict[str, tuple[int, int]] = {}
    for t in triples:
        if t.predicate.value in OFFSET_PREDICATES and per_report(t.subject):
            begin, end = offsets.get(t.subject.value, (0, 0))
            value = int(t.object.value)
            offsets[t.subject.value] = (value, end) if t.predicate.value.endswith("beginIndex") else (begin, value)

    tagged_subjects = {t.subject.value for t in triples if isinstance(t.object, ox.NamedNode)
                       and t.predicate.value == RDF_TYPE
                       and t.object.value in (BK + "Report", BK + "ReportText", "http://purl.org/linked-data/cube#DataSet")}

    def spec(term: object) -> object:
        if per_report(term):
            prefix, slug = _split(term.value)  # type: ignore[attr-defined]
            if _kind(term.value) == "quote" and re.fullmatch(r"\d+-\d+", slug):  # type: ignore[attr-defined]
                begin, end = (int(x) for x in slug.split("-"))
                return ("quote", prefix, begin, end)
            return ("iri", prefix, slug)
        return str(term)

    copied: list[tuple[object, str, object]] = []
    for t in triples:
        if not per_report(t.subject):
            continue  # shared entities stay in the real report's graph
        subject, predicate = t.subject.value, t.predicate.value
        obj: object = spec(t.object)
        if isinstance(t.object, ox.Literal):
            literal = t.object
            if predicate in OFFSET_PREDICATES:
                obj = ("offset", int(literal.value))
            elif predicate == ANCHOR and subject in offsets:
                obj = ("anchor", *offsets[subject])
            elif predicate == IS_STRING:
                obj = ("text",)
            elif subject in observations and predicate == observations[subject].measure:
                obj = ("value", subject)
            elif subject in observations and predicate == BK + "normalisedValue":
                obj = ("normalised", subject)
            elif subject in observations and literal.datatype.value in (XSD + "string", "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"):
                obj = ("prose", subject, literal.value, literal.language)
            elif subject in tagged_subjects and predicate in (RDFS_LABEL, SKOS_PREF, DCT_TITLE):
                obj = ("tagged", literal.value, literal.language)
        copied.append((spec(t.subject), str(t.predicate), obj))

    shared = [f"{q} .\n" for q in ontology]
    graph = ox.NamedNode(str(REPORT_GRAPH))
    shared += [f"{ox.Quad(t.subject, t.predicate, t.object, graph)} .\n" for t in triples]
    return Template(text, shared, copied, mentions, observations, groups)


class _Report:
    """One synthetic report: its factor, its text and the mapping of old offsets to new."""

    def __init__(self, template: Template, index: int, seed: int):
        self.template = template
        self.index = index
        self.tag = f"s{index:04d}"
        self.factor = random.Random(f"bolekg-bench:{seed}:{index}").randint(2, 9)
        obs = template.observations
        blocked = {template.groups[o.iri] for o in obs.values()
                   if o.measure in SCALED_MEASURES and o.unit != PERCENT and not o.matched}
        self.scaled = {o.iri for o in obs.values() if o.measure in SCALED_MEASURES and o.unit != PERCENT
                       and template.groups[o.iri] not in blocked}
        # every number a scaled figure was read from gets the scaled number
        replacements: dict[tuple[int, int], str] = {}
        self.group_values: dict[int, dict[str, str]] = {}
        for iri in sorted(self.scaled):
            o = obs[iri]
            value = Decimal(o.value)
            self.group_values.setdefault(template.groups[iri], {})[o.value] = self.scale(o.value)
            for begin, end in o.quotes:
                for mb, me, number in template.mentions:
                    if begin <= mb and me <= end and number == value:
                        text = template.text[mb:me]
                        replacements[(mb, me)] = self.scale(text)
        self.spans = sorted(replacements.items())
        pieces, last = [], 0
        self.ends: list[int] = []
        self.shift: list[int] = []
        delta = 0
        for (begin, end), new in self.spans:
            pieces.append(template.text[last:begin])
            pieces.append(new)
            last = end
            delta += len(new) - (end - begin)
            self.ends.append(end)
            self.shift.append(delta)
        pieces.append(template.text[last:])
        self.text = "".join(pieces)

    def scale(self, lexical: str) -> str:
        return str(Decimal(lexical) * self.factor)

    def offset(self, old: int) -> int:
        """Where an old offset lands in the new text (no offset falls inside a rewritten number)."""
        i = bisect.bisect_right(self.ends, old)
        return old + (self.shift[i - 1] if i else 0)

    def render(self, spec: object) -> str:
        if isinstance(spec, str):
            return spec
        kind = spec[0]  # type: ignore[index]
        if kind == "iri":
            return f"<{spec[1]}{self.tag}-{spec[2]}>"  # type: ignore[index]
        if kind == "quote":
            return f"<{spec[1]}{self.tag}-{self.offset(spec[2])}-{self.offset(spec[3])}>"  # type: ignore[index]
        if kind == "offset":
            return str(ox.Literal(str(self.offset(spec[1])), datatype=ox.NamedNode(XSD + "nonNegativeInteger")))  # type: ignore[index]
        if kind == "anchor":
            return str(ox.Literal(self.text[self.offset(spec[1]):self.offset(spec[2])]))  # type: ignore[index]
        if kind == "text":
            return str(ox.Literal(self.text))
        if kind == "value":
            o = self.template.observations[spec[1]]  # type: ignore[index]
            lexical = self.scale(o.value) if o.iri in self.scaled else o.value
            return str(ox.Literal(lexical, datatype=ox.NamedNode(o.datatype)))
        if kind == "normalised":
            o = self.template.observations[spec[1]]  # type: ignore[index]
            number = Decimal(self.scale(o.value) if o.iri in self.scaled else o.value)
            value = Decimal(repr(round(float(number) * (o.multiplier or 1.0), 2))).quantize(Decimal("0.01"))
            return str(ox.Literal(str(value), datatype=ox.NamedNode(XSD + "decimal")))
        if kind == "prose":
            _, iri, lexical, language = spec  # type: ignore[misc]
            if iri in self.scaled:
                for old, new in self.group_values.get(self.template.groups[iri], {}).items():
                    lexical = _number_re(old).sub(new, lexical)
            return str(ox.Literal(lexical, language=language) if language else ox.Literal(lexical))
        if kind == "tagged":
            _, lexical, language = spec  # type: ignore[misc]
            suffix = f"(合成样本 {self.tag})" if language == "zh" else f" (synthetic sample {self.tag})"
            return str(ox.Literal(lexical + suffix, language=language) if language else ox.Literal(lexical + suffix))
        raise ValueError(f"unknown term spec {spec!r}")

    def lines(self) -> Iterator[str]:
        graph = f"<{BASE}graph/report/{self.tag}>"
        cache: dict[object, str] = {}
        for s, p, o in self.template.triples:
            subject = cache.get(s)
            if subject is None:
                subject = cache[s] = self.render(s)
            obj = o if isinstance(o, str) else cache.get(o)
            if obj is None:
                obj = cache[o] = self.render(o)
            yield f"{subject} {p} {obj} {graph} .\n"


def reports_for(triples: int, template: Template) -> int:
    """How many reports (the real one included) make at least ``triples`` triples."""
    extra = max(0, triples - len(template.shared_quads))
    return 1 + -(-extra // template.per_report)


def generate(template: Template, reports: int, seed: int = DEFAULT_SEED) -> Iterator[str]:
    """N-Quads lines: the real data (report 0), then ``reports - 1`` synthetic reports."""
    yield from template.shared_quads
    for index in range(1, reports):
        yield from _Report(template, index, seed).lines()


@dataclass
class Manifest:
    scale: str
    reports: int
    seed: int
    quads: int
    sha256: str
    seconds: float
    path: str


def write(path: Path, template: Template, reports: int, seed: int, scale: str = "") -> Manifest:
    """Write the data set to ``path`` (N-Quads) and its manifest next to it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    digest = hashlib.sha256()
    count = 0
    partial = path.with_suffix(".part")
    with partial.open("wb") as out:
        batch: list[str] = []
        for line in generate(template, reports, seed):
            batch.append(line)
            if len(batch) >= 50_000:
                data = "".join(batch).encode("utf-8")
                digest.update(data)
                out.write(data)
                count += len(batch)
                batch = []
        data = "".join(batch).encode("utf-8")
        digest.update(data)
        out.write(data)
        count += len(batch)
    partial.replace(path)
    manifest = Manifest(scale, reports, seed, count, digest.hexdigest(), time.perf_counter() - started, str(path))
    path.with_suffix(".json").write_text(json.dumps(manifest.__dict__, indent=2) + "\n", encoding="utf-8")
    return manifest


def dataset_for(scale: str, seed: int = DEFAULT_SEED, directory: Path = DATA_DIR,
                template: Template | None = None) -> Manifest:
    """The data file for a named scale, generated once and reused while its manifest matches."""
    template = template or build_template()
    reports = 1 if scale == "real" else reports_for(SCALES[scale], template)
    path = directory / f"{scale}-seed{seed}.nq"
    meta = path.with_suffix(".json")
    if path.exists() and meta.exists():
        known = json.loads(meta.read_text(encoding="utf-8"))
        if known.get("reports") == reports and known.get("seed") == seed:
            return Manifest(**known)
    return write(path, template, reports, seed, scale)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), help="a named size (triples, ontology included)")
    parser.add_argument("--reports", type=int, help="or a number of reports (the real one included)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--output", "-o", type=Path,
                        help="N-Quads file (default: var/bench/data/<scale>-seed<seed>.nq)")
    args = parser.parse_args(argv)
    template = build_template()
    if args.reports:
        reports, scale = args.reports, f"{args.reports}-reports"
    elif args.scale:
        reports, scale = (1 if args.scale == "real" else reports_for(SCALES[args.scale], template)), args.scale
    else:
        parser.error("give --scale or --reports")
    path = args.output or DATA_DIR / f"{scale}-seed{args.seed}.nq"
    manifest = write(path, template, reports, args.seed, scale)
    print(f"{manifest.quads} quads, {manifest.reports} reports, {manifest.seconds:.1f} s → {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
