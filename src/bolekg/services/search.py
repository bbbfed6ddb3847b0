"""Search over names: Chinese (part of a name, or a whole word of it), English words and prefixes,
and pinyin with or without spaces and tones.

The index is built in memory from the store (one query for names and other text, one for types)
once per version of the data, never written into the RDF: pinyin is a reading aid, not a fact of
the report. Readings come from ``pypinyin`` (its phrase dictionary picks 乐 = "le" in 博乐).

Ranking, best first: an exact match of the whole name > a name starting with the query > a whole
word of a name > a part of a name > the same in pinyin > the same in other text (definitions,
notations); ties go to the shorter name, then to the IRI, so results are stable.

A query never looks at every name. Every way of matching implies that the query (folded) is a
substring of the folded text, or that its pinyin is a substring of the text's reading, so the
index keeps, for the distinct texts and the distinct readings, which of them hold each character
and each pair of adjacent characters (:class:`Grams`). A query intersects the postings of its
own pairs, the texts left are scored the one way :func:`_match` defines, and the sets of
resources holding them are merged and ranked (:meth:`SearchIndex.search`): no name that cannot
match is read, and what grows with the matches is set arithmetic, not Python per name. Texts are
kept once however many resources carry them (a million triples of reports like this one have
112 000 names but under 5 000 distinct texts), so reading and folding are done once per text too.
:meth:`SearchIndex.scan` is the definition the index must agree with: it scores every entry.
"""

from __future__ import annotations

import heapq
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from pypinyin import Style, lazy_pinyin

from bolekg.i18n import pick
from bolekg.report.vocab import RDFS, SKOS, sparql_prefixes
from bolekg.services.lookup import Term
from bolekg.store import GraphStore

LABEL_PREDICATES = ("rdfs:label", "skos:prefLabel", "skos:altLabel", "skos:notation")
TEXT_PREDICATES = ("skos:definition", "rdfs:comment")

INDEX_QUERY = sparql_prefixes("rdfs", "skos", "nif", "bk", "geo") + """SELECT DISTINCT ?s ?p ?o WHERE {
  VALUES ?p { PREDICATES }
  ?s ?p ?o .
  FILTER(isIRI(?s) && isLiteral(?o))
  FILTER NOT EXISTS { ?s a ?skipped . VALUES ?skipped { nif:Sentence bk:Quote geo:Geometry } }
}""".replace("PREDICATES", " ".join(LABEL_PREDICATES + TEXT_PREDICATES))

#: The types of a page of hits, asked when they are shown: kept for every resource in the index,
#: they grew with the data, for the fifty a search shows.
TYPES_QUERY = """SELECT DISTINCT ?s ?t WHERE { VALUES ?s { %s } ?s a ?t . FILTER(isIRI(?t)) }"""

LABEL_PROPERTIES = frozenset({str(RDFS.label), str(SKOS.prefLabel), str(SKOS.altLabel), str(SKOS.notation)})
#: The names a hit is shown under; an alternative name (``skos:altLabel``) finds it, but shows it
#: only when it has no other name in that language.
SHOWN_NAMES = frozenset({str(RDFS.label), str(SKOS.prefLabel)})
ALT_LABEL = str(SKOS.altLabel)

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
class Text:
    """One distinct literal as search sees it: folded, split into words, read in pinyin (labels with
    Chinese in them only; a definition's reading would only add noise)."""

    value: str
    folded: str
    words: frozenset[str]
    pinyin: str


@dataclass(frozen=True, slots=True)
class Entry:
    """One resource carrying one text, as a name (label) or as other text."""

    iri: str
    is_label: bool
    lang: str
    text: int  # position in SearchIndex.texts


@dataclass
class Hit:
    iri: str
    score: int
    match: str
    matched: str
    lang: str


def _words(folded: str) -> frozenset[str]:
    return frozenset(w for w in _WORD_SPLIT.split(folded) if w)


def _match(text: Text, is_label: bool, term: str, term_pinyin: str) -> str | None:
    """How ``term`` matches ``text`` (a name when ``is_label``), best way first; ``None`` when it does not."""
    if text.folded == term:
        return "exact"
    if text.folded.startswith(term):
        return "prefix"
    if term in text.words:
        return "word"
    if term in text.folded:
        return "substring"
    if is_label and text.pinyin and len(term_pinyin) >= 2 and not _CJK.search(term):
        if text.pinyin == term_pinyin:
            return "pinyin-exact"
        if text.pinyin.startswith(term_pinyin):
            return "pinyin-prefix"
        if len(term_pinyin) >= 4 and term_pinyin in text.pinyin:
            return "pinyin-substring"
    if not is_label:
        return None
    # English word prefixes: "hosp" finds "Hospital"
    if not _CJK.search(term) and len(term) >= 3 and any(w.startswith(term) for w in text.words):
        return "prefix"
    return None


@dataclass(frozen=True)
class Query:
    """A query folded and read once: the whole of it, and its words when it has several."""

    whole: str
    whole_pinyin: str
    terms: tuple[str, ...]
    terms_pinyin: tuple[str, ...]

    @classmethod
    def parse(cls, query: str) -> Query:
        whole = fold(query)
        terms = tuple(t for t in whole.split() if t)
        return cls(whole, query_pinyin(whole), terms, tuple(query_pinyin(t) for t in terms))

    def score(self, text: Text, is_label: bool) -> tuple[int, str] | None:
        """The score and the kind of match of one text (a name when ``is_label``), or ``None``."""
        how = _match(text, is_label, self.whole, self.whole_pinyin)
        if how is not None:
            score = SCORES[how][0 if is_label else 1]
            return (score, how if is_label else "text") if score else None
        if len(self.terms) > 1:
            # every word of the query somewhere in this one text, e.g. "hospital ward" or "博乐 医院"
            pairs = zip(self.terms, self.terms_pinyin, strict=True)
            ways = [_match(text, is_label, term, reading) for term, reading in pairs]
            if all(ways):
                score = min(SCORES[w][0 if is_label else 1] for w in ways if w) - 5
                if score > 0:
                    return score, "word" if is_label else "text"
        return None


class Grams:
    """Which of a set of strings contain a given substring, without reading them all: the postings
    of every character and of every pair of adjacent characters. A string containing ``term``
    holds each of its pairs (or its one character), so intersecting their postings gives every
    string that may contain it; the caller checks."""

    def __init__(self) -> None:
        self.postings: dict[str, set[int]] = {}

    def add(self, key: int, value: str) -> None:
        for gram in {*value, *(value[i:i + 2] for i in range(len(value) - 1))}:
            self.postings.setdefault(gram, set()).add(key)

    def containing(self, term: str) -> set[int]:
        """Keys of the strings that may contain ``term`` (all that do, perhaps a few more)."""
        if not term:
            return set()
        grams = {term} if len(term) == 1 else {term[i:i + 2] for i in range(len(term) - 1)}
        lists = sorted((self.postings.get(gram, set()) for gram in grams), key=len)
        found = set(lists[0])
        for postings in lists[1:]:
            if not found:
                break
            found &= postings
        return found


@dataclass
class SearchIndex:
    """Every name and other text of the data, each distinct text once, with the substring postings
    that let a query find the texts it can match without reading the others."""

    texts: list[Text] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    names: dict[str, dict[str, str]] = field(default_factory=dict)
    #: (text position, as a name or not) → the resources carrying it
    holders: dict[tuple[int, bool], set[str]] = field(default_factory=dict)
    #: resource → positions of its entries, in index order
    entries_of: dict[str, list[int]] = field(default_factory=dict)
    #: resource → its place in the order that breaks ties (shorter Chinese name, then IRI)
    rank: dict[str, int] = field(default_factory=dict)
    folded_grams: Grams = field(default_factory=Grams)
    pinyin_grams: Grams = field(default_factory=Grams)

    @classmethod
    def build(cls, store: GraphStore) -> SearchIndex:
        """The index of the store as it is now (one query; the caller keeps it per version)."""
        rows = [(row["s"].value, row["p"].value, row["o"]) for row in store.query(INDEX_QUERY).solutions()]
        return cls.from_rows(rows)

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, str, Term]]) -> SearchIndex:
        """The index of (subject, predicate, literal) rows, in the order given (it breaks ties)."""
        index = cls()
        seen: set[tuple[str, bool, str]] = set()
        positions: dict[str, int] = {}
        named: list[tuple[str, bool, str, str]] = []
        label_texts: set[str] = set()
        alternatives: dict[str, dict[str, str]] = {}
        # one string object per IRI, language tag and text, however many rows carry it
        interned: dict[str, str] = {}
        for subject, predicate, literal in rows:
            iri = interned.setdefault(subject, subject)
            value = literal.value
            value = interned.setdefault(value, value)
            lang = getattr(literal, "language", None) or ""
            lang = interned.setdefault(lang, lang)
            is_label = predicate in LABEL_PROPERTIES
            if predicate in SHOWN_NAMES:
                index.names.setdefault(iri, {}).setdefault(lang, value)
            elif predicate == ALT_LABEL:
                alternatives.setdefault(iri, {}).setdefault(lang, value)
            key = (iri, is_label, value)
            if key in seen:
                continue
            seen.add(key)
            named.append((iri, is_label, lang, value))
            if is_label:
                label_texts.add(value)
        # a resource is shown under its preferred name, whatever order the rows come in; an
        # alternative name only where it has none in that language
        for iri, alternative in alternatives.items():
            shown = index.names.setdefault(iri, {})
            for lang, value in alternative.items():
                shown.setdefault(lang, value)
        for iri, is_label, lang, value in named:
            position = positions.get(value)
            if position is None:
                position = positions[value] = len(index.texts)
                folded = fold(value)
                reading = pinyin_key(value) if value in label_texts and _CJK.search(value) else ""
                index.texts.append(Text(value, folded, _words(folded), reading))
                index.folded_grams.add(position, folded)
                if reading:
                    index.pinyin_grams.add(position, reading)
            index.holders.setdefault((position, is_label), set()).add(iri)
            index.entries_of.setdefault(iri, []).append(len(index.entries))
            index.entries.append(Entry(iri, is_label, lang, position))
        order = sorted(index.entries_of, key=lambda iri: (len(index.name(iri, "zh")), iri))
        index.rank = {iri: place for place, iri in enumerate(order)}
        return index

    def candidates(self, term: str, reading: str) -> set[int]:
        """Texts that may match ``term`` (folded) or its pinyin ``reading`` in any way :func:`_match` knows."""
        found = self.folded_grams.containing(term)
        if len(reading) >= 2 and not _CJK.search(term):
            found |= self.pinyin_grams.containing(reading)
        return found

    def search(self, query: str, limit: int = 50) -> tuple[list[Hit], int]:
        """The best hits for ``query`` (at most ``limit``) and how many resources matched in all.

        Scores are worked out once per matching text, not per resource; the resources holding the
        texts of one score are sets merged at C speed, taken score by score from the best, and
        within a score by their precomputed place in the tie order (shorter name, then IRI).
        """
        parsed = Query.parse(query)
        if not parsed.whole:
            return [], 0
        texts = self.candidates(parsed.whole, parsed.whole_pinyin)
        if len(parsed.terms) > 1:
            each = [self.candidates(t, r) for t, r in zip(parsed.terms, parsed.terms_pinyin, strict=True)]
            texts |= set.intersection(*each)
        scored: dict[tuple[int, bool], tuple[int, str] | None] = {}
        levels: dict[int, list[set[str]]] = {}
        for position in texts:
            for is_label in (True, False):
                holders = self.holders.get((position, is_label))
                if holders:
                    found = scored[(position, is_label)] = parsed.score(self.texts[position], is_label)
                    if found is not None:
                        levels.setdefault(found[0], []).append(holders)
        if not levels:
            return [], 0
        total = len(set().union(*(holders for sets in levels.values() for holders in sets)))
        ranked: list[tuple[str, int]] = []
        better: set[str] = set()
        for score in sorted(levels, reverse=True):
            if len(ranked) >= limit:
                break
            level = set().union(*levels[score]) - better
            better |= level
            ranked += [(iri, score) for iri in heapq.nsmallest(limit - len(ranked), level, key=self.rank.__getitem__)]
        return [self._hit(iri, score, scored) for iri, score in ranked], total

    def _hit(self, iri: str, score: int, scored: dict[tuple[int, bool], tuple[int, str] | None]) -> Hit:
        """The hit for ``iri``: its first entry (in index order) with its best score, as a scan finds it."""
        for position in self.entries_of[iri]:
            entry = self.entries[position]
            found = scored.get((entry.text, entry.is_label))  # a text that is no candidate cannot match
            if found is not None and found[0] == score:
                return Hit(iri, score, found[1], self.texts[entry.text].value, entry.lang)
        raise AssertionError(f"no entry of {iri} scores {score}")

    def scan(self, query: str, limit: int = 50) -> tuple[list[Hit], int]:
        """The same answer as :meth:`search`, by scoring every entry: the definition the index is
        checked against (tests), linear in the number of names."""
        parsed = Query.parse(query)
        if not parsed.whole:
            return [], 0
        best: dict[str, Hit] = {}
        for entry in self.entries:
            scored = parsed.score(self.texts[entry.text], entry.is_label)
            if scored is None:
                continue
            current = best.get(entry.iri)
            if current is None or scored[0] > current.score:
                best[entry.iri] = Hit(entry.iri, scored[0], scored[1], self.texts[entry.text].value, entry.lang)
        ordered = sorted(best.values(), key=lambda h: (-h.score, len(self.name(h.iri, "zh")), h.iri))
        return ordered[:limit], len(ordered)

    def name(self, iri: str, lang: str) -> str:
        return pick(self.names.get(iri), lang, iri)


def types_of(store: GraphStore, iris: Iterable[str]) -> dict[str, list[str]]:
    """Each resource's classes (IRIs), in a stable order; one query for all of them."""
    wanted = " ".join(f"<{iri}>" for iri in dict.fromkeys(iris) if "<" not in iri and ">" not in iri)
    found: dict[str, list[str]] = {}
    if not wanted:
        return found
    for row in store.query(TYPES_QUERY % wanted).solutions():
        found.setdefault(row["s"].value, []).append(row["t"].value)
    return {iri: sorted(classes) for iri, classes in found.items()}
