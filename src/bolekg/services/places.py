"""What touches a place: the named query ``queries/touching-place.rq`` (ENCODING.md "Places roll up").

Named, not materialised: a relation computed at load (``bk:touchesPlace``) would have to be rebuilt
by every store (embedded, on disk, a remote server written through the Graph Store Protocol) after
every write, and would go stale behind a server that others write to; the query reads
``geo:sfWithin+`` as the data stands, on every backend. The query is kept as a file so that the
text documented, the text the pages send and the text a researcher copies are one.

A page asks for one scope at a time: a city's "here" and "inside" lists are long, and a ``LIMIT``
over the three branches together could fill up before the "wider" branch is reached.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from bolekg.services.lookup import iri_term

TOUCHING_FILE = Path(__file__).resolve().parents[1] / "queries" / "touching-place.rq"
#: The scopes, in the order the query's branches give them.
SCOPES = ("here", "inside", "wider")
_BRANCH = re.compile(r"^\s*# (\w+)\s*$", re.MULTILINE)
_PLACE = re.compile(r"\?place\b")


@cache
def touching_text() -> str:
    """The named query as written, comments included (what ENCODING.md shows)."""
    return TOUCHING_FILE.read_text(encoding="utf-8")


def _parts() -> tuple[str, dict[str, str]]:
    """The query before its WHERE body, and each branch of the body by its scope."""
    lines = [line for line in touching_text().splitlines() if not line.startswith("#")]
    query = "\n".join(lines)
    head, body = query.split(" WHERE {\n", 1)
    body = body.rstrip().removesuffix("}").rstrip()
    branches: dict[str, str] = {}
    for branch in body.split("\n  UNION\n"):
        found = _BRANCH.search(branch)
        if found is None:
            raise ValueError(f"{TOUCHING_FILE}: a branch without its '# scope' line: {branch!r}")
        branches[found.group(1)] = branch
    if tuple(branches) != SCOPES:
        raise ValueError(f"{TOUCHING_FILE}: branches {tuple(branches)}, expected {SCOPES}")
    return head, branches


def touching(place: str, scopes: Iterable[str] = SCOPES) -> str:
    """The named query for ``place`` (an IRI), keeping only the branches of ``scopes``.

    ``?place`` is replaced by the IRI written out, as the query's header asks."""
    head, branches = _parts()
    wanted = [s for s in SCOPES if s in set(scopes)]
    if not wanted:
        raise ValueError(f"no scope among {SCOPES} chosen")
    query = f"{head} WHERE {{\n" + "\n  UNION\n".join(branches[s] for s in wanted) + "\n}"
    return _PLACE.sub(iri_term(place), query)
