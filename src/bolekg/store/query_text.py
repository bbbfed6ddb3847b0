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
