"""The example queries of the workbench: one ``.rq`` file each in ``src/bolekg/queries/examples/``.

Each file starts with a header of comment lines the workbench reads::

    # title@en: Which initiatives touch a given town?
    # title@zh: 哪些工作涉及某个镇?
    # description@en: …
    # description@zh: …

followed by the query. ``tests/test_examples.py`` runs every file against the real data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

EXAMPLES_DIR = Path(__file__).resolve().parents[1] / "queries" / "examples"
_HEADER = re.compile(r"^#\s*(title|description)@(zh|en):\s*(.*)$")


@dataclass(frozen=True)
class Example:
    name: str
    query: str
    titles: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)

    def title(self, lang: str) -> str:
        return self.titles.get(lang) or self.titles.get("en") or self.name

    def description(self, lang: str) -> str:
        return self.descriptions.get(lang) or self.descriptions.get("en") or ""


def parse(name: str, source: str) -> Example:
    titles: dict[str, str] = {}
    descriptions: dict[str, str] = {}
    body: list[str] = []
    in_header = True
    for line in source.splitlines():
        match = _HEADER.match(line.strip()) if in_header else None
        if match:
            target = titles if match.group(1) == "title" else descriptions
            target[match.group(2)] = (target.get(match.group(2), "") + " " + match.group(3)).strip()
            continue
        if in_header and (not line.strip() or line.lstrip().startswith("#")) and not body:
            continue
        in_header = False
        body.append(line)
    return Example(name, "\n".join(body).strip() + "\n", titles, descriptions)


@cache
def examples(directory: Path = EXAMPLES_DIR) -> tuple[Example, ...]:
    """Every example, in file-name order (the files are numbered)."""
    return tuple(parse(path.stem, path.read_text(encoding="utf-8")) for path in sorted(directory.glob("*.rq")))
