"""What a SPARQL text says once its strings, IRIs and comments are blanked out: its bare keywords.

Lexical on purpose: pyoxigraph does not expose its parser, and the keywords the store and the query
policy must see (``FROM``, ``SERVICE``, ``LOAD``) cannot appear as anything else once strings, IRIs
and comments are gone.
"""

from __future__ import annotations

import functools
import re

_BLANKED = re.compile(
    r"""'''(?:[^'\\]|\\.|'(?!''))*'''"""        # long single-quoted string
    r'''|"""(?:[^"\\]|\\.|"(?!""))*"""'''        # long double-quoted string
    r"""|'(?:[^'\\\n\r]|\\.)*'"""                # short strings
    r'''|"(?:[^"\\\n\r]|\\.)*"'''
    r"""|<[^<>"{}|^`\\\x00-\x20]*>"""            # IRI references (a bare < is "less than")
    r"""|\#[^\n\r]*""",                          # comments
    re.DOTALL,
)


def keywords(text: str) -> frozenset[str]:
    """The bare words of a SPARQL text, upper-cased, with strings, IRIs and comments removed.

    Prefixed names (``ex:service``), variables (``?from``) and blank-node labels never count:
    a word touching ``:``, ``?``, ``$``, ``_`` or ``-`` is not a keyword. Memoised for texts of
    query size: every query is read twice (policy, dataset clause), and clients repeat their queries.
    """
    return _remembered_keywords(text) if len(text) <= 4096 else _read_keywords(text)


def _read_keywords(text: str) -> frozenset[str]:
    blanked = _BLANKED.sub(" ", text)
    return frozenset(word.upper() for word in re.findall(r"(?<![\w:?$\-.])[A-Za-z]+(?![\w:\-])", blanked))


_remembered_keywords = functools.lru_cache(maxsize=1024)(_read_keywords)


def has_dataset_clause(query: str) -> bool:
    """Whether the query names its own dataset with FROM / FROM NAMED (SPARQL 1.1 Query §13.2)."""
    return "FROM" in keywords(query)


_FORM = re.compile(r"(?<![\w:?$\-.])(SELECT|ASK|CONSTRUCT|DESCRIBE)(?![\w:\-])", re.IGNORECASE)


def query_form(query: str) -> str:
    """``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE``: the first of them in the text is its form
    (a sub-``SELECT`` comes after it); ``SELECT`` when none is found, for the server to judge."""
    match = _FORM.search(_BLANKED.sub(" ", query))
    return match.group(1).upper() if match else "SELECT"


class DatasetConflict(ValueError):
    """``using-graph-uri``/``using-named-graph-uri`` beside ``USING``/``WITH`` in the text (SPARQL 1.1
    Protocol §2.2.3: the request is refused)."""


_TOKEN = re.compile(r"[A-Za-z]+|[{}]")
#: An absolute IRI that can stand between ``<`` and ``>`` in SPARQL (IRIREF, SPARQL 1.1 Query §19.8).
_ABSOLUTE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^<>\"{}|^`\\\x00-\x20]*")


def with_using(update: str, graphs: list[str], named: list[str]) -> str:
    """``update`` with the protocol's ``using-graph-uri`` and ``using-named-graph-uri`` written into it as
    ``USING`` / ``USING NAMED`` clauses (SPARQL 1.1 Update §3.1.3: the dataset of each operation's WHERE).

    The clauses go before the ``WHERE`` of every operation that has one at the top level; a ``DELETE
    WHERE { P }`` becomes ``DELETE { P } USING … WHERE { P }``, its long form (§3.1.3.3), since the
    short form takes no ``USING``. Operations without a WHERE (``INSERT DATA``, ``CLEAR``…) do not read
    a dataset and are left as they are. Lexical, like :func:`keywords`: strings, IRIs and comments are
    blanked before braces and keywords are read, so none of theirs count.
    """
    if not graphs and not named:
        return update
    if keywords(update) & {"USING", "WITH"}:
        raise DatasetConflict("using-graph-uri / using-named-graph-uri cannot be combined with USING or WITH "
                              "in the update (SPARQL 1.1 Protocol §2.2.3)")
    for iri in (*graphs, *named):
        if not is_absolute_iri(iri):
            raise DatasetConflict(f"{iri!r} is not an absolute IRI (RFC 3987)")
    clause = " ".join([*(f"USING <{iri}>" for iri in graphs), *(f"USING NAMED <{iri}>" for iri in named)])
    # blanked with spaces of the same length, so that positions in it are positions in the update
    blanked = _BLANKED.sub(lambda match: " " * len(match.group()), update)
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement), in order
    depth = 0
    top: list[tuple[str, int]] = []  # the top-level tokens so far (braces included), with their positions
    for token in _TOKEN.finditer(blanked):
        word = token.group().upper()
        if depth == 0:
            if word == "{" and len(top) >= 2 and top[-1][0] == "WHERE" and top[-2][0] == "DELETE":
                end = _closing(blanked, token.start())
                pattern = update[token.start():end]
                edits.append((top[-2][1], end, f"DELETE {pattern} {clause} WHERE {pattern}"))
            elif word == "WHERE" and not (top and top[-1][0] == "DELETE"):
                edits.append((token.start(), token.start(), clause + " "))
            top.append((word, token.start()))
        if word == "{":
            depth += 1
        elif word == "}":
            depth -= 1
            if depth == 0:
                top.append(("}", token.start()))
    for start, end, replacement in reversed(edits):
        update = update[:start] + replacement + update[end:]
    return update


def _closing(blanked: str, opening: int) -> int:
    """The index just past the brace that closes the one at ``opening``."""
    depth = 0
    for index in range(opening, len(blanked)):
        if blanked[index] == "{":
            depth += 1
        elif blanked[index] == "}":
            depth -= 1
            if depth == 0:
                return index + 1
    return len(blanked)


#: A ``BASE`` declaration before anything else in the text, past white space and comments.
_OPENING_BASE = re.compile(r"(?:\s|#[^\n\r]*)*BASE\s*<([^<>\"{}|^`\\\x00-\x20]*)>", re.IGNORECASE)


def with_base(text: str, base_iri: str) -> str:
    """``text`` with ``BASE <base_iri>`` before it when it holds a relative IRI, for a server that takes
    no base IRI beside the text (the SPARQL Protocol has no parameter for one). A ``BASE`` in the text
    still wins, being later. Written on the first line, so that a parser's line numbers stay right; a
    text of absolute IRIs only is sent as it is."""
    if not base_iri or not has_relative_iri(text):
        return text
    opening = _OPENING_BASE.match(text)
    if opening and is_absolute_iri(opening.group(1)):
        # the text's own absolute BASE comes first, so nothing in it resolves against ours; and a
        # second BASE, though the grammar allows it (§19.8 Prologue), is a syntax error to Virtuoso
        return text
    if not is_absolute_iri(base_iri):
        raise ValueError(f"{base_iri!r} is not an absolute IRI (RFC 3987)")
    return f"BASE <{base_iri}> {text}"


def has_relative_iri(text: str) -> bool:
    """Whether an IRI reference in ``text`` (outside strings and comments) is relative, so that what
    the text means depends on its base (a ``PREFIX`` or ``BASE`` declared relative counts too)."""
    return any(not is_absolute_iri(match.group()[1:-1])
               for match in _BLANKED.finditer(text) if match.group().startswith("<"))


def is_absolute_iri(text: str) -> bool:
    """Whether ``text`` is an absolute IRI that can stand between ``<`` and ``>`` in SPARQL."""
    return _ABSOLUTE_IRI.fullmatch(text) is not None
