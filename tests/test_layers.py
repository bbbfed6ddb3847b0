"""The packages of ``src/bolekg`` import only downwards: text → graph → store → queries → web.

docs/ARCHITECTURE.md promises it; this reads every module's imports (module level and inside
functions alike) and fails on any that goes up, or sideways between packages of one layer.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bolekg.paths import ROOT

PACKAGE = ROOT / "src" / "bolekg"

#: Layers from the bottom. A module may import its own unit and any unit of a lower layer.
LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"paths", "settings", "errors", "exit_codes", "children", "memory", "i18n", "processes"}),
    frozenset({"report"}),
    frozenset({"extract"}),
    frozenset({"formats"}),
    frozenset({"store"}),
    frozenset({"query"}),
    frozenset({"services"}),
    frozenset({"pages"}),
    frozenset({"web"}),
    frozenset({"cli"}),
)
#: House modules stand alone (so any of them can be read, and imported by a query worker, without the
#: rest): none imports another but ``settings``, which imports nothing of the package.
HOUSE_BOTTOM = "settings"
RANK = {unit: rank for rank, layer in enumerate(LAYERS) for unit in layer}


def unit_of(module: str) -> str:
    """``bolekg.store.base`` → ``store``; ``bolekg.settings`` → ``settings``; ``bolekg`` → ``bolekg``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name == "bolekg" or name.startswith("bolekg.")}


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_unit_has_a_layer() -> None:
    units = {unit_of(module_name(path)) for path in MODULES} - {"bolekg"}
    assert units <= set(RANK), f"packages or modules with no layer: {sorted(units - set(RANK))}"


@pytest.mark.parametrize("path", MODULES, ids=lambda path: str(path.relative_to(PACKAGE)))
def test_imports_go_down(path: Path) -> None:
    source = unit_of(module_name(path))
    upward = []
    for target in sorted(imports_of(path)):
        if target == "bolekg":  # the package root holds only __version__
            continue
        into = unit_of(target)
        if into == source or source == "bolekg":
            continue
        same_layer = RANK[into] == RANK[source]
        if RANK[into] > RANK[source] or (same_layer and into != HOUSE_BOTTOM):
            upward.append(f"{target} (layer {RANK[into]}) from layer {RANK[source]}")
    assert not upward, f"{path.relative_to(PACKAGE)} imports up or sideways: {upward}"
