"""Search over names: Chinese (part of a name, or a whole word of it), English words and prefixes,
and pinyin with or without spaces and tones.

The index is built in memory from the store (one query for names and other text, one for types)
once per version of the data, never written into the RDF: pinyin is a reading aid, not a fact of
the report. Readings come from ``pypinyin`` (its phrase dictionary picks 乐 = "le" in 博乐).

Ranking, best first: an exact match of the whole name > a name starting with the query > a whole
word of a name > a part of a name > the same in pinyin > the same in other text (definitions,
notations); ties go to the shorter name, then to the IRI, so results are stable.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from pypinyin import Style, lazy_pinyin

from bolekg.i18n import pick
from bolekg.store import GraphStore

LABEL_PREDICATES = ("rdfs:label", "skos:prefLabel", "skos:altLabel", "skos:notation")
TEXT_PREDICATES = ("skos:definition", "rdfs:comment")

INDEX_QUERY = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX nif: <http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#>
PREFIX bk: <https://w3id.org/bolekg/def/>
PREFIX geo: <http://www.opengis.net/ont/geosparql#>
SELECT DISTINCT ?s ?p ?o WHERE {
  VALUES ?p { PREDICATES }
  ?s ?p ?o .
  FILTER(isIRI(?s) && isLiteral(?o))
  FILTER NOT EXISTS { ?s a ?skipped . VALUES ?skipped { nif:Sentence bk:Quote geo:Geometry } }
}""".replace("PREDICATES", " ".join(LABEL_PREDICATES + TEXT_PREDICATES))

TYPES_QUERY = """SELECT DISTINCT ?s ?t WHERE { ?s a ?t . FILTER(isIRI(?s) && isIRI(?t)) }"""

#: Scores: (label, other text) for each way of matching.
SCORES = {"exact": (100, 30), "prefix": (80, 25), "word": (70, 20), "substring": (50, 10),
          "pinyin-exact": (45, 0), "pinyin-prefix": (40, 0), "pinyin-substring": (30, 0)}

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_WORD_SPLIT = re.compile(r"[\s\W_]+", re.UNICODE)
_TONE_DIGIT = re.compile(r"(?<=[a-z])[1-5]")


def fold(value: str) -> str:
    """Case- and width-folded text (NFKC turns full-width Ｓ３０４ into S304)."""
    return unicodedata.normalize("NFKC", value).casefold().strip()


def strip_marks(value: str) -> str:
    """``bó lè`` → ``bo le``; ``lǜ`` → ``lu``."""
    decomposed = unicodedata.normalize("NFD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def pinyin_key(value: str) -> str:
    """Pinyin of a text without tones, spaces or punctuation: 博乐市 → ``boleshi``."""
    syllables = lazy_pinyin(value, style=Style.NORMAL, v_to_u=True)
    return "".join(re.sub(r"[^0-9a-z]", "", strip_marks(s.lower())) for s in syllables)


def query_pinyin(value: str) -> str:
    """A query read as pinyin: tone marks, tone numbers (``bo2``) and spaces removed, ``v`` for ``ü``."""
    plain = re.sub(r"[^0-9a-z]", "", _TONE_DIGIT.sub("", strip_marks(fold(value))))
    return plain.replace("v", "u")


@dataclass(frozen=True)
class Entry:
    iri: str
    is_label: bool
    lang: str
    text: str
    folded: str
    words: frozenset[str]
    pinyin: str


@dataclass
class Hit:
    iri: str
    score: int
    match: str
    matched: str
    lang: str


def _words(folded: str) -> frozenset[str]:
    return frozenset(w for w in _WORD_SPLIT.split(folded) if w)


def _match(entry: Entry, term: str, term_pinyin: str) -> str | None:
    """How ``term`` matches ``entry``, best way first; ``None`` when it does not."""
    if entry.folded == term:
        return "exact"
    if entry.folded.startswith(term):
        return "prefix"
    if term in entry.words:
        return "word"
    if term in entry.folded:
        return "substring"
    if entry.is_label and entry.pinyin and len(term_pinyin) >= 2 and not _CJK.search(term):
        if entry.pinyin == term_pinyin:
            return "pinyin-exact"
        if entry.pinyin.startswith(term_pinyin):
            return "pinyin-prefix"
        if len(term_pinyin) >= 4 and term_pinyin in entry.pinyin:
            return "pinyin-substring"
    if not entry.is_label:
        return None
    # English word prefixes: "hosp" finds "Hospital"
    if not _CJK.search(term) and len(term) >= 3 and any(w.startswith(term) for w in entry.words):
        return "prefix"
    return None


@dataclass
class SearchIndex:
    entries: list[Entry] = field(default_factory=list)
    names: dict[str, dict[str, str]] = field(default_factory=dict)
    types: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def build(cls, store: GraphStore) -> SearchIndex:
        index = cls()
        label_props = {
            "http://www.w3.org/2000/01/rdf-schema#label", "http://www.w3.org/2004/02/skos/core#prefLabel",
            "http://www.w3.org/2004/02/skos/core#altLabel", "http://www.w3.org/2004/02/skos/core#notation",
        }
        seen: set[tuple[str, bool, str]] = set()
        for row in store.query(INDEX_QUERY).value:  # type: ignore[union-attr]
            iri, predicate, literal = row["s"].value, row["p"].value, row["o"]
            lang = getattr(literal, "language", None) or ""
            is_label = predicate in label_props
            if predicate != "http://www.w3.org/2004/02/skos/core#notation" and is_label:
                index.names.setdefault(iri, {}).setdefault(lang, literal.value)
            key = (iri, is_label, literal.value)
            if key in seen:
                continue
            seen.add(key)
            folded = fold(literal.value)
            reading = pinyin_key(literal.value) if is_label and _CJK.search(literal.value) else ""
            index.entries.append(Entry(iri, is_label, lang, literal.value, folded, _words(folded), reading))
        for row in store.query(TYPES_QUERY).value:  # type: ignore[union-attr]
            index.types.setdefault(row["s"].value, []).append(row["t"].value)
        return index

    def search(self, query: str, limit: int = 50) -> tuple[list[Hit], int]:
        """The best hits for ``query`` (at most ``limit``) and how many resources matched in all."""
        whole = fold(query)
        if not whole:
            return [], 0
        terms = [t for t in whole.split() if t]
        best: dict[str, Hit] = {}
        for entry in self.entries:
            hit = self._score(entry, whole, terms)
            if hit is None:
                continue
            current = best.get(entry.iri)
            if current is None or hit.score > current.score:
                best[entry.iri] = hit
        ordered = sorted(best.values(), key=lambda h: (-h.score, len(self.name(h.iri, "zh")), h.iri))
        return ordered[:limit], len(ordered)

    def _score(self, entry: Entry, whole: str, terms: list[str]) -> Hit | None:
        how = _match(entry, whole, query_pinyin(whole))
        if how is not None:
            score = SCORES[how][0 if entry.is_label else 1]
            return Hit(entry.iri, score, how if entry.is_label else "text", entry.text, entry.lang) if score else None
        if len(terms) > 1:
            # every word of the query somewhere in this one text, e.g. "hospital ward" or "博乐 医院"
            ways = [_match(entry, term, query_pinyin(term)) for term in terms]
            if all(ways):
                score = min(SCORES[w][0 if entry.is_label else 1] for w in ways if w) - 5
                if score > 0:
                    return Hit(entry.iri, score, "word" if entry.is_label else "text", entry.text, entry.lang)
        return None

    def name(self, iri: str, lang: str) -> str:
        return pick(self.names.get(iri), lang, iri)
