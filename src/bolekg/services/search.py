"""Search over names and the report's sentences: Chinese (part of a name, or a whole word of it),
English words, prefixes and word forms (``roads`` finds *road*), and pinyin with or without spaces
and tones, in every reading of a polyphonic character (勒 is *le* or *lei*).

The index is built in memory from the store (a few queries: names and other text, sentences,
where things are, vocabulary terms) once per version of the data, never written into the RDF:
pinyin and stems are reading aids, not facts of the report.

Ranking, best first: an exact match of the whole name > a name starting with the query > a whole
word (or word form) of a name > a part of a name > the same in pinyin > the same in other text
(definitions, notations); ties go to the shorter name, then to the IRI, so results are stable.
A query of several words also finds a resource when every word matches one of its texts, not
necessarily the same one (``hospital ward``, ``博乐 医院``): that scores the worst of its words less
5. English stop words (``in``, ``the``…) are not words a resource must match.

**Readings.** ``pypinyin`` gives the usual reading of a name (its phrase dictionary picks 乐 = *le*
in 博乐) and, with ``heteronym=True``, every reading of each character; a name keeps, per
syllable, the usual reading first and then the others. Readings are never multiplied out into
whole strings (a name of 20 characters with two readings each would have a million):
:func:`pinyin_match` walks the syllables against the query, so what a name keeps grows with its
length (at most a handful of readings a character), not with the product of its readings.

**Word forms.** English words are reduced to their Snowball stem (``snowballstemmer``) on both
sides: ``facilities`` and ``facility`` are both *facil*; a stem match counts as a whole word.

**Bounded.** A query never looks at every name. Every way of matching implies that the query
(folded) is a substring of the folded text, that its pinyin is made of bigrams some reading of the
text holds, or that its stem is a stem of the text, so the index keeps, for the distinct texts,
which of them hold each character and each pair of adjacent characters (:class:`Grams`; for
readings, every pair inside a reading and across two neighbouring syllables' readings) and which
hold each stem. A query intersects the postings of its own pairs, the texts left are scored the one
way :func:`_match` defines, and the sets of resources holding them are merged and ranked
(:meth:`SearchIndex.search`). Texts are kept once however many resources carry them.
:meth:`SearchIndex.scan` is the definition the index must agree with: it scores every entry.

**Vocabulary.** Terms of the vocabulary — the ontology's own namespace, classes, properties,
shapes, units — are left out unless asked for (``vocab=True``): people look for what the report
says, and the ontology page lists the vocabulary.

**Place and topic.** :meth:`SearchIndex.find` adds, to a query of several words whose first (or
last) words name a place (``达勒特镇 道路``, ``Dalete Town road``), what matches the other words and
is located in that place or anywhere inside it: its ``bk:location`` or ``sdmx-dimension:refArea``
is the place or a place ``geo:sfWithin`` it, through any number of hops, or it is itself such a
place. When nothing about the topic is located there, it says so and shows the topic everywhere.
It also searches the report's sentences (``nif:Sentence``) for the query's words, with the matches
marked, so a reader can go to the sentence in the reader.
"""

from __future__ import annotations

import heapq
import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import snowballstemmer  # type: ignore[import-untyped]  # pure Python, ships no types
from pypinyin import Style, lazy_pinyin, pinyin

from bolekg.i18n import pick
from bolekg.report.vocab import BK, RDFS, SKOS, sparql_prefixes
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

#: The report's sentences, searched apart from names: a hit is shown as the sentence in context.
SENTENCES_QUERY = sparql_prefixes("nif") + """SELECT ?s ?text ?b WHERE {
  ?s a nif:Sentence ; nif:anchorOf ?text ; nif:beginIndex ?b . FILTER(isIRI(?s))
}"""

#: Where things are, one hop each: what a thing is located at or about, and which place is inside
#: which. The closure over ``geo:sfWithin`` (any number of hops) is taken here, in Python, over the
#: places only, so a query need not be sent with a property path every server evaluates alike.
PLACES_QUERY = sparql_prefixes("bk", "geo", "sdmx-dimension") + """SELECT DISTINCT ?s ?p ?place WHERE {
  VALUES ?p { bk:location sdmx-dimension:refArea geo:sfWithin }
  ?s ?p ?place . FILTER(isIRI(?s) && isIRI(?place))
}"""
SF_WITHIN = "http://www.opengis.net/ont/geosparql#sfWithin"

#: Vocabulary terms by their type (the ontology's own namespace is vocabulary whatever its type).
VOCABULARY_TYPES = (
    "http://www.w3.org/2002/07/owl#Class", "http://www.w3.org/2000/01/rdf-schema#Class",
    "http://www.w3.org/2002/07/owl#ObjectProperty", "http://www.w3.org/2002/07/owl#DatatypeProperty",
    "http://www.w3.org/2002/07/owl#AnnotationProperty", "http://www.w3.org/1999/02/22-rdf-syntax-ns#Property",
    "http://www.w3.org/2002/07/owl#Ontology", "http://www.w3.org/ns/shacl#NodeShape",
    "http://www.w3.org/ns/shacl#PropertyShape", "http://purl.org/linked-data/cube#DataStructureDefinition",
    "http://purl.org/linked-data/cube#MeasureProperty", "http://purl.org/linked-data/cube#DimensionProperty",
    "http://purl.org/linked-data/cube#AttributeProperty", "http://qudt.org/schema/qudt/Unit",
)
VOCABULARY_QUERY = "SELECT DISTINCT ?s WHERE { VALUES ?t { TYPES } ?s a ?t . FILTER(isIRI(?s)) }".replace(
    "TYPES", " ".join(f"<{t}>" for t in VOCABULARY_TYPES))
VOCABULARY_NAMESPACES = (str(BK._NS),)

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
#: A resource matching every word of the query, each in one of its texts: its worst word less this.
WORDS_PENALTY = 5
#: Something about the topic located in the place a query names: its topic score less this, so
#: that what names every word itself comes first.
PLACE_PENALTY = 10


def _lowered(score: int) -> int:
    """The score of something found through the place a query names (never below 1: it matched)."""
    return max(1, score - PLACE_PENALTY)

#: English words a resource need not match ("roads in Dalete Town"). Pinyin syllables that are also
#: English words (``a``, ``an``) are among them: a pinyin query is read whole as well, and found so.
STOP_WORDS = frozenset({"a", "an", "the", "in", "at", "of", "on", "for", "and", "to", "with", "about", "near",
                        "from", "by", "what", "which", "my", "is", "are", "there"})

_CJK_CLASS = r"\u3400-\u9fff\uf900-\ufaff"
_CJK = re.compile(f"[{_CJK_CLASS}]")
_SEGMENT = re.compile(f"[{_CJK_CLASS}]|[^{_CJK_CLASS}]+")
_WORD_SPLIT = re.compile(r"[\s\W_]+", re.UNICODE)
_TONE_DIGIT = re.compile(r"(?<=[a-z])[1-5]")
_LATIN_WORD = re.compile(r"[a-z]{3,}")
_STEMMER = snowballstemmer.stemmer("english")
#: a Snowball stemmer keeps the word it works on in itself: one thread at a time
_STEMMER_LOCK = threading.Lock()


def fold(value: str) -> str:
    """Case- and width-folded text (NFKC turns full-width Ｓ３０４ into S304)."""
    return unicodedata.normalize("NFKC", value).casefold().strip()


def strip_marks(value: str) -> str:
    """``bó lè`` → ``bo le``; ``lǜ`` → ``lu``."""
    decomposed = unicodedata.normalize("NFD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _plain(syllable: str) -> str:
    return re.sub(r"[^0-9a-z]", "", strip_marks(syllable.lower()))


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Snowball stem of an English word (``roads`` → ``road``); other words are their own stem."""
    if not _LATIN_WORD.fullmatch(word):
        return word
    with _STEMMER_LOCK:
        return str(_STEMMER.stemWord(word))


def pinyin_key(value: str) -> str:
    """The usual pinyin of a text without tones, spaces or punctuation: 博乐市 → ``boleshi``."""
    return "".join(_plain(s) for s in lazy_pinyin(value, style=Style.NORMAL, v_to_u=True))


@lru_cache(maxsize=16384)
def _char_readings(char: str) -> tuple[str, ...]:
    return tuple(_plain(r) for r in pinyin(char, style=Style.NORMAL, heteronym=True, v_to_u=True)[0])


def readings_of(value: str) -> tuple[tuple[str, ...], ...]:
    """Per syllable of ``value``, its readings: the usual one first (phrase dictionary), then those the
    phrase allows, then every reading of the character alone (长 in 长征 is read *chang*, but a person
    may type *zhang*). Text that is not Chinese is one syllable of its own; punctuation is dropped."""
    usual = lazy_pinyin(value, style=Style.NORMAL, v_to_u=True)
    every = pinyin(value, style=Style.NORMAL, heteronym=True, v_to_u=True)
    segments = _SEGMENT.findall(value)
    aligned = len(every) == len(usual)
    by_char = aligned and len(segments) == len(usual)
    found: list[tuple[str, ...]] = []
    for position, first in enumerate(usual):
        options = [_plain(first)]
        if aligned:
            options += [_plain(r) for r in every[position]]
        if by_char and len(segments[position]) == 1 and _CJK.match(segments[position]):
            options += _char_readings(segments[position])
        kept = tuple(dict.fromkeys(o for o in options if o))
        if kept:
            found.append(kept)
    return tuple(found)


def reading_grams(readings: Sequence[Sequence[str]]) -> set[str]:
    """Every character and pair of adjacent characters of any way of reading the syllables in turn."""
    grams: set[str] = set()
    for position, options in enumerate(readings):
        for option in options:
            grams.update(option)
            grams.update(option[i:i + 2] for i in range(len(option) - 1))
        if position + 1 < len(readings):
            grams.update(a[-1] + b[0] for a in options for b in readings[position + 1])
    return grams


def _follow(readings: Sequence[Sequence[str]], start: int, consumed: set[int], term: str) -> tuple[bool, bool]:
    """Reading syllables from ``start`` on, with ``consumed`` characters of ``term`` already read:
    (can ``term`` end inside or at the end of some syllable, does it end exactly with the last one)."""
    positions = consumed
    ends = False
    for options in readings[start:]:
        ahead: set[int] = set()
        for position in positions:
            rest = term[position:]
            if not rest:
                ends = True
                continue
            for option in options:
                if option.startswith(rest):
                    ends = True
                    if option == rest:
                        ahead.add(len(term))
                elif rest.startswith(option):
                    ahead.add(position + len(option))
        positions = ahead
        if not positions:
            return ends, False
    return ends, len(term) in positions


def pinyin_match(readings: Sequence[Sequence[str]], usual: str, term: str, inside: bool = True) -> str | None:
    """How the pinyin ``term`` matches a name read ``usual``ly or in any of its ``readings``; from its
    beginning only unless ``inside`` (the search inside every reading is the costly part)."""
    several = any(len(options) > 1 for options in readings)
    ends, whole = _follow(readings, 0, {0}, term) if several else (False, False)
    if usual == term or whole:
        return "pinyin-exact"
    if usual.startswith(term) or ends or whole:
        return "pinyin-prefix"
    if len(term) < 4 or not inside:
        return None
    if term in usual:
        return "pinyin-substring"
    if not several:
        return None
    for start, options in enumerate(readings):
        for option in options:
            for cut in range(1, len(option)):
                tail = option[cut:]
                if term in tail:
                    return "pinyin-substring"
                if term.startswith(tail) and any(_follow(readings, start + 1, {len(tail)}, term)):
                    return "pinyin-substring"
        if start and any(_follow(readings, start, {0}, term)):
            return "pinyin-substring"
    return None


def query_pinyin(value: str) -> str:
    """A query read as pinyin: tone marks, tone numbers (``bo2``) and spaces removed, ``v`` for ``ü``."""
    plain = re.sub(r"[^0-9a-z]", "", _TONE_DIGIT.sub("", strip_marks(fold(value))))
    return plain.replace("v", "u")


@dataclass(frozen=True)
class Text:
    """One distinct literal as search sees it: folded, split into words and their stems, read in pinyin
    (labels with Chinese in them only; a definition's reading would only add noise)."""

    value: str
    folded: str
    words: frozenset[str]
    pinyin: str
    stems: frozenset[str] = frozenset()
    readings: tuple[tuple[str, ...], ...] = ()

    @classmethod
    def of(cls, value: str, read: bool) -> Text:
        folded = fold(value)
        words = _words(folded)
        readings = readings_of(value) if read and _CJK.search(value) else ()
        usual = "".join(options[0] for options in readings)
        return cls(value, folded, words, usual, frozenset(stem(w) for w in words), readings)


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


def _match(text: Text, is_label: bool, term: str, term_pinyin: str, term_stem: str = "",
           strict: bool = False) -> str | None:
    """How ``term`` matches ``text`` (a name when ``is_label``), best way first; ``None`` when it does not.
    ``strict`` (one word of several): a Latin word matches English text as a word, a stem or a
    word's beginning, not inside a word (``le`` is no match for *level*), and a reading from its
    beginning, not inside it (``zheng`` is no match for 路基整平)."""
    if text.folded == term:
        return "exact"
    if text.folded.startswith(term):
        return "prefix"
    if term in text.words or (term_stem and term_stem in text.stems):
        return "word"
    latin = not _CJK.search(term)
    if term in text.folded and not (strict and latin and not any(c.isdigit() for c in term)):
        return "substring"
    if is_label and text.pinyin and len(term_pinyin) >= 2 and latin:
        how = pinyin_match(text.readings, text.pinyin, term_pinyin, inside=not strict)
        if how is not None:
            return how
    if not is_label:
        return None
    # English word prefixes: "hosp" finds "Hospital"
    if latin and len(term) >= 3 and any(w.startswith(term) for w in text.words):
        return "prefix"
    return None


def _score(how: str | None, is_label: bool) -> int:
    return SCORES[how][0 if is_label else 1] if how is not None else 0


@dataclass(frozen=True)
class Query:
    """A query folded and read once: the whole of it, and the words every hit must match when it has
    several (stop words left out, unless there is nothing else)."""

    whole: str
    whole_pinyin: str
    whole_stem: str
    tokens: tuple[str, ...]
    terms: tuple[str, ...]
    terms_pinyin: tuple[str, ...]
    terms_stem: tuple[str, ...]

    @classmethod
    def parse(cls, query: str) -> Query:
        whole = fold(query)
        tokens = tuple(t for t in whole.split() if t)
        terms = tuple(t for t in tokens if t not in STOP_WORDS) or tokens
        return cls(whole, query_pinyin(whole), stem(whole), tokens, terms,
                   tuple(query_pinyin(t) for t in terms), tuple(stem(t) for t in terms))

    def score(self, text: Text, is_label: bool) -> tuple[int, str] | None:
        """The score and the kind of match of the whole query in one text (a name when ``is_label``)."""
        how = _match(text, is_label, self.whole, self.whole_pinyin, self.whole_stem)
        score = _score(how, is_label)
        if how is None or not score:
            return None
        return score, how if is_label else "text"

    def term_score(self, text: Text, is_label: bool, which: int) -> int:
        """The score of word ``which`` of the query in one text (0: no match)."""
        how = _match(text, is_label, self.terms[which], self.terms_pinyin[which], self.terms_stem[which], strict=True)
        return _score(how, is_label)


class Grams:
    """Which of a set of strings contain a given substring, without reading them all: the postings
    of every character and of every pair of adjacent characters. A string containing ``term``
    holds each of its pairs (or its one character), so intersecting their postings gives every
    string that may contain it; the caller checks."""

    def __init__(self) -> None:
        self.postings: dict[str, set[int]] = {}

    def add(self, key: int, value: str) -> None:
        self.add_grams(key, {*value, *(value[i:i + 2] for i in range(len(value) - 1))})

    def add_grams(self, key: int, grams: Iterable[str]) -> None:
        for gram in grams:
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
class SentenceHit:
    """A sentence of the report holding the query: where it starts (the reader's anchor ``s-<begin>``)
    and the part of it to show, cut into (text, is a match) pieces."""

    iri: str
    begin: int
    parts: list[tuple[str, bool]]

    @property
    def anchor(self) -> str:
        return f"s-{self.begin}"


@dataclass
class PlaceTopic:
    """A query read as a place and a topic: the places its words name, the other words, and whether
    anything about the topic is located there (when not, the hits are the topic anywhere)."""

    places: list[str]
    words: str
    topic: str
    found: bool


@dataclass
class Found:
    """What :meth:`SearchIndex.find` answers: hits, their total, the sentences and the place reading."""

    hits: list[Hit]
    total: int
    sentences: list[SentenceHit] = field(default_factory=list)
    sentence_total: int = 0
    sentences_of_topic: bool = False
    place: PlaceTopic | None = None


#: One way a query's resources are found, before ranking: score → sets of resources; the score of
#: each (text, as a name) that matched whole; the resources found by every word, with their hit.
Levels = dict[int, list[set[str]]]


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
    #: English stem → texts holding a word of that stem
    stems: dict[str, set[int]] = field(default_factory=dict)
    #: vocabulary terms, left out of a search unless asked for
    vocabulary: set[str] = field(default_factory=set)
    #: place → what is located at it or about it (``bk:location``, ``sdmx-dimension:refArea``)
    located_at: dict[str, set[str]] = field(default_factory=dict)
    #: place → the places directly inside it (``geo:sfWithin`` read backwards)
    inside: dict[str, set[str]] = field(default_factory=dict)
    places: set[str] = field(default_factory=set)
    #: the report's sentences: each distinct text once, who holds it (sentence IRI, begin offset)
    sentence_texts: list[Text] = field(default_factory=list)
    sentence_holders: dict[int, list[tuple[str, int]]] = field(default_factory=dict)
    sentence_grams: Grams = field(default_factory=Grams)

    @classmethod
    def build(cls, store: GraphStore) -> SearchIndex:
        """The index of the store as it is now (a few queries; the caller keeps it per version)."""
        rows = [(row["s"].value, row["p"].value, row["o"]) for row in store.query(INDEX_QUERY).solutions()]
        index = cls.from_rows(rows)
        index.add_sentences((row["s"].value, row["text"].value, int(row["b"].value))
                            for row in store.query(SENTENCES_QUERY).solutions())
        index.add_places((row["s"].value, row["p"].value, row["place"].value)
                         for row in store.query(PLACES_QUERY).solutions())
        index.vocabulary |= {row["s"].value for row in store.query(VOCABULARY_QUERY).solutions()}
        return index

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
                text = Text.of(value, value in label_texts)
                index.texts.append(text)
                index.folded_grams.add(position, text.folded)
                if text.readings:
                    index.pinyin_grams.add_grams(position, reading_grams(text.readings))
                for word_stem in text.stems:
                    index.stems.setdefault(word_stem, set()).add(position)
            index.holders.setdefault((position, is_label), set()).add(iri)
            index.entries_of.setdefault(iri, []).append(len(index.entries))
            index.entries.append(Entry(iri, is_label, lang, position))
        order = sorted(index.entries_of, key=lambda iri: (len(index.name(iri, "zh")), iri))
        index.rank = {iri: place for place, iri in enumerate(order)}
        index.vocabulary = {iri for iri in index.entries_of if iri.startswith(VOCABULARY_NAMESPACES)}
        return index

    def add_sentences(self, rows: Iterable[tuple[str, str, int]]) -> None:
        """Index the report's sentences: (sentence IRI, its text, its begin offset)."""
        positions: dict[str, int] = {}
        for iri, value, begin in rows:
            position = positions.get(value)
            if position is None:
                position = positions[value] = len(self.sentence_texts)
                folded = fold(value)
                self.sentence_texts.append(Text(value, folded, frozenset(), ""))
                self.sentence_grams.add(position, folded)
            self.sentence_holders.setdefault(position, []).append((iri, begin))
        for holders in self.sentence_holders.values():
            holders.sort(key=lambda holder: (holder[1], holder[0]))

    def add_places(self, rows: Iterable[tuple[str, str, str]]) -> None:
        """Index where things are: (thing, ``bk:location`` | ``sdmx-dimension:refArea`` | ``geo:sfWithin``, place)."""
        for thing, predicate, place in rows:
            self.places.add(place)
            if predicate == SF_WITHIN:
                self.places.add(thing)
                self.inside.setdefault(place, set()).add(thing)
            else:
                self.located_at.setdefault(place, set()).add(thing)

    def candidates(self, term: str, reading: str, term_stem: str = "") -> set[int]:
        """Texts that may match ``term`` (folded), its pinyin ``reading`` or its stem in any way
        :func:`_match` knows."""
        found = self.folded_grams.containing(term)
        if len(reading) >= 2 and not _CJK.search(term):
            found |= self.pinyin_grams.containing(reading)
        if term_stem and term_stem in self.stems:
            found |= self.stems[term_stem]
        return found

    # --- names --------------------------------------------------------------------------------------

    def _levels(self, parsed: Query) -> tuple[Levels, dict[tuple[int, bool], tuple[int, str] | None],
                                              dict[str, tuple[int, int]]]:
        """The resources a query finds, by score: whole (one text holds the query) and by every word
        (each word in one of the resource's texts; resource → (score, entry shown))."""
        texts = self.candidates(parsed.whole, parsed.whole_pinyin, parsed.whole_stem)
        scored: dict[tuple[int, bool], tuple[int, str] | None] = {}
        levels: Levels = {}
        for position in texts:
            for is_label in (True, False):
                holders = self.holders.get((position, is_label))
                if holders:
                    found = scored[(position, is_label)] = parsed.score(self.texts[position], is_label)
                    if found is not None:
                        levels.setdefault(found[0], []).append(holders)
        words = self._every_word(parsed) if len(parsed.terms) > 1 else {}
        for iri, (score, _) in words.items():
            levels.setdefault(score, []).append({iri})
        return levels, scored, words

    def _every_word(self, parsed: Query) -> dict[str, tuple[int, int]]:
        """Resources each word of the query matches in one of their texts → (score, entry shown): the
        worst word's best score less the penalty; shown is the first entry matching any word."""
        # the word with the fewest candidate texts first; after it, a text is scored only when a
        # resource still in the running holds it, and a word no such resource matches ends the search
        candidates = [self.candidates(term, parsed.terms_pinyin[which], parsed.terms_stem[which])
                      for which, term in enumerate(parsed.terms)]
        per_word: list[dict[tuple[int, bool], int]] = [{} for _ in parsed.terms]
        every: set[str] | None = None
        for which in sorted(range(len(parsed.terms)), key=lambda w: len(candidates[w])):
            scores = per_word[which]
            holding: set[str] = set()
            for position in candidates[which]:
                for is_label in (True, False):
                    holders = self.holders.get((position, is_label))
                    if not holders or (every is not None and every.isdisjoint(holders)):
                        continue
                    score = parsed.term_score(self.texts[position], is_label, which)
                    if score:
                        scores[(position, is_label)] = score
                        holding |= holders
            every = holding if every is None else every & holding
            if not every:
                return {}
        every = every or set()
        answer: dict[str, tuple[int, int]] = {}
        for iri in every:
            best = [0] * len(per_word)
            shown = -1
            for position in self.entries_of[iri]:
                entry = self.entries[position]
                key = (entry.text, entry.is_label)
                for which, scores in enumerate(per_word):
                    score = scores.get(key, 0)
                    if score:
                        best[which] = max(best[which], score)
                        if shown < 0:
                            shown = position
            score = min(best) - WORDS_PENALTY
            if score > 0:
                answer[iri] = (score, shown)
        return answer

    def _ranked(self, levels: Levels, limit: int, excluded: set[str]) -> tuple[list[tuple[str, int]], int]:
        """The best ``limit`` resources of ``levels`` (each at its best score) and how many there are."""
        if not levels:
            return [], 0
        every = set().union(*(holders for sets in levels.values() for holders in sets))
        total = len(every - excluded) if excluded else len(every)
        ranked: list[tuple[str, int]] = []
        better: set[str] = set(excluded)
        for score in sorted(levels, reverse=True):
            if len(ranked) >= limit:
                break
            level = set().union(*levels[score]) - better
            better |= level
            ranked += [(iri, score) for iri in heapq.nsmallest(limit - len(ranked), level, key=self.rank.__getitem__)]
        return ranked, total

    def search(self, query: str, limit: int = 50, vocab: bool = False) -> tuple[list[Hit], int]:
        """The best hits for ``query`` (at most ``limit``) and how many resources matched in all;
        vocabulary terms only when ``vocab``.

        Scores are worked out once per matching text, not per resource; the resources holding the
        texts of one score are sets merged at C speed, taken score by score from the best, and
        within a score by their precomputed place in the tie order (shorter name, then IRI).
        """
        parsed = Query.parse(query)
        if not parsed.whole:
            return [], 0
        levels, scored, words = self._levels(parsed)
        ranked, total = self._ranked(levels, limit, set() if vocab else self.vocabulary)
        return [self._hit(iri, score, scored, words) for iri, score in ranked], total

    def _hit(self, iri: str, score: int, scored: dict[tuple[int, bool], tuple[int, str] | None],
             words: dict[str, tuple[int, int]]) -> Hit:
        """The hit for ``iri``: its first entry (in index order) with its best score, as a scan finds
        it; or, found by every word, the first entry matching one of them."""
        for position in self.entries_of[iri]:
            entry = self.entries[position]
            found = scored.get((entry.text, entry.is_label))  # a text that is no candidate cannot match
            if found is not None and found[0] == score:
                return Hit(iri, score, found[1], self.texts[entry.text].value, entry.lang)
        if iri in words and words[iri][0] == score:
            entry = self.entries[words[iri][1]]
            return Hit(iri, score, "words", self.texts[entry.text].value, entry.lang)
        raise AssertionError(f"no entry of {iri} scores {score}")

    def scan(self, query: str, limit: int = 50, vocab: bool = False) -> tuple[list[Hit], int]:
        """The same answer as :meth:`search`, by scoring every entry: the definition the index is
        checked against (tests), linear in the number of names."""
        parsed = Query.parse(query)
        if not parsed.whole:
            return [], 0
        best: dict[str, Hit] = {}
        words: dict[str, list[int]] = {}
        shown: dict[str, Entry] = {}
        several = len(parsed.terms) > 1
        for entry in self.entries:
            if not vocab and entry.iri in self.vocabulary:
                continue
            text = self.texts[entry.text]
            scored = parsed.score(text, entry.is_label)
            if scored is not None:
                current = best.get(entry.iri)
                if current is None or scored[0] > current.score:
                    best[entry.iri] = Hit(entry.iri, scored[0], scored[1], text.value, entry.lang)
            if several:
                per_word = words.setdefault(entry.iri, [0] * len(parsed.terms))
                for which in range(len(parsed.terms)):
                    score = parsed.term_score(text, entry.is_label, which)
                    if score:
                        per_word[which] = max(per_word[which], score)
                        shown.setdefault(entry.iri, entry)
        for iri, per_word in words.items():
            score = min(per_word) - WORDS_PENALTY
            current = best.get(iri)
            if score > 0 and (current is None or score > current.score):
                entry = shown[iri]
                best[iri] = Hit(iri, score, "words", self.texts[entry.text].value, entry.lang)
        ordered = sorted(best.values(), key=lambda h: (-h.score, len(self.name(h.iri, "zh")), h.iri))
        return ordered[:limit], len(ordered)

    # --- places, topics and sentences ---------------------------------------------------------------

    def places_named(self, words: str) -> set[str]:
        """Places whose name is ``words`` or starts with them, in Chinese, English or pinyin."""
        parsed = Query.parse(words)
        term, reading = parsed.whole, parsed.whole_pinyin
        latin = not _CJK.search(term)
        if len(term) < 2 or (latin and len(reading) < 4):
            return set()
        found: set[str] = set()
        for position in self.candidates(term, reading if latin else ""):
            holders = self.holders.get((position, True))
            if not holders or not holders & self.places:
                continue
            text = self.texts[position]
            how = pinyin_match(text.readings, text.pinyin, reading) if latin and text.pinyin else None
            # a short pinyin beginning ("zhen") is the beginning of too many readings to name a place
            if text.folded.startswith(term) or how == "pinyin-exact" or (how == "pinyin-prefix" and len(reading) >= 5):
                found |= holders & self.places
        return found

    def within(self, places: Iterable[str]) -> set[str]:
        """The places and every place inside them, through any number of ``geo:sfWithin`` hops."""
        seen = set(places)
        todo = list(seen)
        while todo:
            for inner in self.inside.get(todo.pop(), ()):
                if inner not in seen:
                    seen.add(inner)
                    todo.append(inner)
        return seen

    def place_and_topic(self, parsed: Query) -> tuple[set[str], str, str] | None:
        """The longest run of the query's first (else last) words naming a place, and the other words
        (the topic): ``(places, place words, topic)``, or ``None`` when no such reading exists."""
        tokens = parsed.tokens
        for size in range(len(tokens) - 1, 0, -1):
            for run, rest in ((tokens[:size], tokens[size:]), (tokens[-size:], tokens[:-size])):
                topic = [t for t in rest if t not in STOP_WORDS]
                if not topic:
                    continue
                places = self.places_named(" ".join(run))
                if places:
                    return places, " ".join(run), " ".join(topic)
        return None

    def find(self, query: str, limit: int = 50, vocab: bool = False, sentence_limit: int = 20) -> Found:
        """The hits of :meth:`search`, what is about the topic in the place the query names, and the
        report's sentences holding the query."""
        parsed = Query.parse(query)
        if not parsed.whole:
            return Found([], 0)
        levels, scored, words = self._levels(parsed)
        excluded = set() if vocab else self.vocabulary
        # a query some name holds whole ("da le te zhen", "bo le shi") is a name, not a place and a topic
        whole_names = any(self.holders.get((position, True)) and found is not None
                          for (position, is_label), found in scored.items() if is_label)
        reading = self.place_and_topic(parsed) if len(parsed.tokens) > 1 and not whole_names else None
        place: PlaceTopic | None = None
        extra: dict[str, Hit] = {}
        if reading is not None:
            places, run, topic_words = reading
            topic = Query.parse(topic_words)
            topic_levels, topic_scored, topic_every = self._levels(topic)
            around = self.within(places)
            located = set(around).union(*(self.located_at.get(p, set()) for p in around))
            here: Levels = {}
            for score, sets in topic_levels.items():
                inside = set().union(*sets) & located
                if inside - excluded:
                    here.setdefault(score, []).append(inside)
            found_here = bool(here)
            chosen = here if found_here else topic_levels
            named = sorted(places, key=lambda p: (self.rank.get(p, len(self.rank)), p))
            place = PlaceTopic(named, run, topic_words, found_here)
            ranked_topic, _ = self._ranked(chosen, limit, excluded)
            for score, sets in chosen.items():
                levels.setdefault(_lowered(score), []).extend(sets)
            for iri, score in ranked_topic:
                hit = self._hit(iri, score, topic_scored, topic_every)
                extra[iri] = Hit(iri, _lowered(score), "place" if found_here else "topic", hit.matched, hit.lang)
        ranked, total = self._ranked(levels, limit, excluded)
        hits = []
        for iri, score in ranked:
            if iri in extra and extra[iri].score == score:
                hits.append(extra[iri])
            else:
                hits.append(self._hit(iri, score, scored, words))
        answer = Found(hits, total, place=place)
        groups = self._sentence_groups(parsed, reading)
        answer.sentences, answer.sentence_total = self.search_sentences(groups, sentence_limit)
        if not answer.sentences and reading is not None:
            topic_groups = self._sentence_groups(Query.parse(reading[2]), None)
            answer.sentences, answer.sentence_total = self.search_sentences(topic_groups, sentence_limit)
            answer.sentences_of_topic = bool(answer.sentences)
        return answer

    def _sentence_groups(self, parsed: Query, reading: tuple[set[str], str, str] | None) -> list[set[str]]:
        """What a sentence must hold: for each word, one of its forms; a place the query names in
        pinyin or English is looked for under its Chinese names too (the report is Chinese)."""
        if reading is not None:
            places, run, topic = reading
            forms = {fold(run)} | {fold(self.names[p]["zh"]) for p in places if self.names.get(p, {}).get("zh")}
            return [forms] + [{t} for t in Query.parse(topic).terms]
        named = self.places_named(parsed.whole) if not _CJK.search(parsed.whole) else set()
        if named:
            # "daletezhen", "Dalete Town": the place, under the name the report writes
            return [{parsed.whole} | {fold(self.names[p]["zh"]) for p in named if self.names.get(p, {}).get("zh")}]
        if len(parsed.tokens) == 1:
            return [{parsed.whole}]
        return [{t} for t in parsed.terms]

    def search_sentences(self, groups: list[set[str]], limit: int = 20) -> tuple[list[SentenceHit], int]:
        """The sentences holding, for every group, one of its forms (in report order), at most
        ``limit`` of them, with the forms marked; and how many sentences hold them in all."""
        groups = [{form for form in forms if form} for forms in groups]
        if not groups or not all(groups):
            return [], 0
        possible: set[int] | None = None
        for forms in groups:
            holding = set().union(*(self.sentence_grams.containing(form) for form in forms))
            possible = holding if possible is None else possible & holding
        matching = sorted(position for position in possible or ()
                          if all(any(form in self.sentence_texts[position].folded for form in forms)
                                 for forms in groups))
        found = sorted((holder, position) for position in matching for holder in self.sentence_holders[position])
        forms = set().union(*groups)
        hits = [SentenceHit(iri, begin, marked(self.sentence_texts[position].value, forms))
                for (iri, begin), position in found[:limit]]
        return hits, len(found)

    def name(self, iri: str, lang: str) -> str:
        return pick(self.names.get(iri), lang, iri)


def marked(value: str, forms: Iterable[str], context: int = 60) -> list[tuple[str, bool]]:
    """``value`` cut into (text, is a match) pieces, every folded occurrence of a form a match; a long
    sentence is cut to ``context`` characters either side of its first match, with ellipses."""
    ends: list[int] = []  # for each character of value, where its folded form ends in the folded text
    folded = ""
    for char in value:
        folded += unicodedata.normalize("NFKC", char).casefold()
        ends.append(len(folded))
    covered = [False] * len(value)
    for form in forms:
        start = folded.find(form)
        while form and start >= 0:
            stop = start + len(form)
            for index, end in enumerate(ends):
                begin = ends[index - 1] if index else 0
                if begin < stop and end > start:
                    covered[index] = True
            start = folded.find(form, start + 1)
    first = covered.index(True) if True in covered else 0
    low = max(0, first - context) if len(value) > 3 * context else 0
    high = min(len(value), first + 2 * context) if len(value) > 3 * context else len(value)
    parts: list[tuple[str, bool]] = [("…", False)] if low else []
    for index in range(low, high):
        if parts and parts[-1][1] == covered[index] and parts[-1][0] != "…":
            parts[-1] = (parts[-1][0] + value[index], covered[index])
        else:
            parts.append((value[index], covered[index]))
    if high < len(value):
        parts.append(("…", False))
    return parts


def types_of(store: GraphStore, iris: Iterable[str]) -> dict[str, list[str]]:
    """Each resource's classes (IRIs), in a stable order; one query for all of them."""
    wanted = " ".join(f"<{iri}>" for iri in dict.fromkeys(iris) if "<" not in iri and ">" not in iri)
    found: dict[str, list[str]] = {}
    if not wanted:
        return found
    for row in store.query(TYPES_QUERY % wanted).solutions():
        found.setdefault(row["s"].value, []).append(row["t"].value)
    return {iri: sorted(classes) for iri, classes in found.items()}
