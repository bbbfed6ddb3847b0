"""Where the project's files live.

The package is installed editable from the repository (``make run``/``make test``), so the
ontology, data and shapes are found next to ``src/``. ``BOLEKG_HOME`` points elsewhere, e.g.
at a checkout of another release, without reinstalling.
"""

from __future__ import annotations

from pathlib import Path

from bolekg.settings import Settings


def project_root() -> Path:
    # this one setting alone: it is read on import, where a bad value of another setting must not fail
    home = Settings.declared("home").read()
    if home:
        return Path(home).resolve()
    return Path(__file__).resolve().parents[2]


ROOT = project_root()
ONTOLOGY_DIR = ROOT / "ontology"
ONTOLOGY_FILE = ONTOLOGY_DIR / "bolekg.ttl"
SHAPES_DIR = ROOT / "shapes"
DATA_DIR = ROOT / "data"
SOURCE_FILE = DATA_DIR / "source" / "bole-2021-practical-matters-report.zh.txt"
TURTLE_DIR = DATA_DIR / "turtle"
WEB_DIR = ROOT / "web"
