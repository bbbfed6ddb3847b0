"""Every ``BOLEKG_*`` setting is declared once (:class:`bolekg.settings.Settings`), read only through
that declaration, and documented in the README's settings table with the same default.

* Every ``BOLEKG_*`` name in the source is declared, and no module but :mod:`bolekg.settings` reads
  one from the environment.
* The README's table has one row per declared setting, no other, and its default is the declared one.
* A bad value of each numeric setting is refused with the parsers' message, which names the variable;
  a good one lands in its field. The cases are built from the declarations, so a new setting is
  tested without a line here.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path

import pytest

from bolekg.settings import (
    DEFAULTS,
    NON_NEGATIVE,
    POSITIVE,
    TEXT,
    Limits,
    Setting,
    Settings,
)

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
#: Where the project's code and the files it serves live (the package's templates are under web/).
SOURCES = (ROOT / "src" / "bolekg", ROOT / "web")
SOURCE_SUFFIXES = {".py", ".html", ".js", ".css", ".txt", ".json", ".po", ".pot", ".rq", ".toml"}
#: A variable's name, or a family of them (``BOLEKG_BODY_*``).
NAME = re.compile(r"(?<![A-Za-z0-9_])BOLEKG_[A-Z0-9_]*\*?")
#: A row of the README's settings table: the variable and its default.
ROW = re.compile(r"^\| `(BOLEKG_[A-Z0-9_]+)` \| ([^|]*?) \|", re.MULTILINE)
#: A numeric default as the README writes it: 10 000, 1024, 10 s, 32 MiB.
NUMBER = re.compile(r"(\d{1,3}(?: \d{3})+|\d+(?:\.\d+)?)(?: ([A-Za-z/]+))?")
#: Units the README may scale a default into: (the declared unit, the factor).
SCALED = {"KiB": ("bytes", 1 << 10), "MiB": ("bytes", 1 << 20)}

DECLARED = Settings.declarations()
NUMERIC = [setting for setting in DECLARED if setting.numeric]


def by_name(setting: Setting) -> str:
    return setting.name


def source_files() -> list[Path]:
    return sorted(path for top in SOURCES for path in top.rglob("*")
                  if path.is_file() and path.suffix in SOURCE_SUFFIXES and "__pycache__" not in path.parts)


def names_in(text: str) -> set[str]:
    return set(NAME.findall(text))


def readme_rows() -> dict[str, str]:
    rows = ROW.findall(README.read_text(encoding="utf-8"))
    twice = [name for name, count in Counter(name for name, _ in rows).items() if count > 1]
    assert not twice, f"README: more than one row for {twice}"
    return dict(rows)


# --- the declarations -------------------------------------------------------------------------------


def test_each_setting_is_declared_once_with_its_unit_and_meaning() -> None:
    names = [setting.name for setting in DECLARED]
    assert len(names) == len(set(names)), "a variable declared twice"
    for setting in DECLARED:
        assert setting.name.startswith("BOLEKG_") and NAME.fullmatch(setting.name), setting.name
        assert setting.meaning.strip() and "\n" not in setting.meaning, setting.name
        assert setting.rule in (POSITIVE, NON_NEGATIVE, TEXT), setting.name
        if setting.numeric:
            assert setting.unit, f"{setting.name} has no unit"
            assert setting.kind in (int, float), setting.name
        # a default of None must say what it means; a real default says it itself
        assert bool(setting.unset) == (setting.default is None), setting.name
        assert Settings.declared(setting.field) == setting


def test_the_defaults_are_what_an_empty_environment_gives() -> None:
    from bolekg.web.front import FrontSettings

    assert Settings.from_env({}) == DEFAULTS == Settings()
    assert Limits.from_env({}) == Limits() == Limits.from_settings(DEFAULTS)
    assert FrontSettings.from_settings(DEFAULTS) == FrontSettings()
    with pytest.raises(KeyError):
        Settings.declared("no_such_setting")


def test_the_write_token_is_not_in_the_settings_repr() -> None:
    settings = Settings.from_env({"BOLEKG_WRITE_TOKEN": "s3cret-token"})
    assert settings.write_token == "s3cret-token" and "s3cret-token" not in repr(settings)


# --- the source ---------------------------------------------------------------------------------------


def test_every_setting_named_in_the_source_is_declared() -> None:
    declared = {setting.name for setting in DECLARED}
    undeclared: dict[str, list[str]] = {}
    for path in source_files():
        for name in names_in(path.read_text(encoding="utf-8")):
            known = any(d.startswith(name[:-1]) for d in declared) if name.endswith("*") else name in declared
            if not known:
                undeclared.setdefault(name, []).append(str(path.relative_to(ROOT)))
    assert not undeclared, f"named but not declared in bolekg.settings.Settings: {undeclared}"
    assert len(source_files()) > 50  # the scan saw the tree


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return node.id if isinstance(node, ast.Name) else ""


def _variable(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("BOLEKG_")


def test_only_the_settings_module_reads_a_setting_from_the_environment() -> None:
    """``os.environ.get("BOLEKG_…")``, ``env["BOLEKG_…"]``, ``getenv``, or the parsers called with a
    variable's name anywhere else would be a second reader, with a default of its own."""
    readers = {"get", "getenv", "pop", "setdefault", "positive_setting", "non_negative_setting"}
    found = []
    for path in source_files():
        if path.suffix != ".py" or (path.name == "settings.py" and path.parent.name == "bolekg"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and _dotted(node.func).rsplit(".", 1)[-1] in readers:
                if any(_variable(arg) for arg in node.args):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
            elif isinstance(node, ast.Subscript) and _variable(node.slice):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not found, f"read from the environment outside bolekg.settings: {found}"


# --- the README -----------------------------------------------------------------------------------------


def test_the_readme_table_has_a_row_for_every_setting_and_no_other() -> None:
    rows = set(readme_rows())
    declared = {setting.name for setting in DECLARED}
    assert not declared - rows, f"declared but not in the README's settings table: {sorted(declared - rows)}"
    assert not rows - declared, f"in the README's settings table but not declared: {sorted(rows - declared)}"


def test_every_setting_the_readme_names_is_declared() -> None:
    declared = {setting.name for setting in DECLARED}
    named = {name for name in names_in(README.read_text(encoding="utf-8")) if not name.endswith("*")}
    assert named <= declared, f"the README names settings that do not exist: {sorted(named - declared)}"


@pytest.mark.parametrize("setting", DECLARED, ids=by_name)
def test_the_readme_gives_the_declared_default(setting: Setting) -> None:
    shown = readme_rows().get(setting.name)
    assert shown is not None, f"{setting.name} has no row in the README's settings table"
    if setting.default is None:
        assert shown == setting.unset, f"README: {setting.name} defaults to {shown!r}, the code: {setting.unset!r}"
        return
    match = NUMBER.fullmatch(shown)
    assert match, f"README: the default of {setting.name}, {shown!r}, is not a number with an optional unit"
    number, unit = match.groups()
    factor = 1
    if unit in SCALED:
        unit, factor = SCALED[unit]
    assert unit in (None, setting.unit), f"README: {setting.name} is in {unit}, the code says {setting.unit}"
    assert float(number.replace(" ", "")) * factor == setting.default, \
        f"README: {setting.name} defaults to {shown!r}, the code: {setting.default!r} {setting.unit}"


def test_the_store_check_defaults_described_are_the_ones_computed() -> None:
    """Their defaults depend on the store, so the README shows a rule; the rule's figures are the ones
    :meth:`Settings.store_check_limits` uses."""
    def figures(field: str) -> list[float]:
        return [float(n.replace(" ", "")) for n in re.findall(r"\d{1,3}(?: \d{3})+|\d+(?:\.\d+)?",
                                                                 Settings.declared(field).unset)]

    quick, thorough = figures("store_check_memory_mb")
    assert DEFAULTS.store_check_limits(123.0)[1] == quick
    assert DEFAULTS.store_check_limits(123.0, thorough=True)[1] == thorough
    base, per_mb, thorough_per_mb = figures("store_check_timeout")
    assert DEFAULTS.store_check_limits(0.0)[0] == base
    assert DEFAULTS.store_check_limits(100.0)[0] == pytest.approx(base + 100 * per_mb)
    assert DEFAULTS.store_check_limits(100.0, thorough=True)[0] == pytest.approx(base + 100 * thorough_per_mb)
    # set, they are what they are set to, whatever the store
    settings = Settings.from_env({"BOLEKG_STORE_CHECK_TIMEOUT": "3.5", "BOLEKG_STORE_CHECK_MEMORY_MB": "77"})
    assert settings.store_check_limits(1e6, thorough=True) == (3.5, 77)


# --- reading the environment ---------------------------------------------------------------------------------


def expected_refusal(setting: Setting, value: str) -> str:
    """The parsers' message for a bad ``value`` of ``setting``."""
    try:
        number = setting.kind(value)
    except ValueError:
        if setting.rule == NON_NEGATIVE and setting.kind is int:
            return f"{setting.name} must be a whole number, not {value!r}"
        return f"{setting.name} must be a number, not {value!r}"
    assert number <= 0
    if setting.rule == POSITIVE:
        return f"{setting.name} must be positive, not {value!r}"
    return f"{setting.name} must be 0 or more, not {value!r}"


@pytest.mark.parametrize("setting", NUMERIC, ids=by_name)
def test_a_bad_value_is_refused_naming_the_variable(setting: Setting) -> None:
    bad = ["many", "-1", "1e", "nan?"]
    if setting.rule == POSITIVE:
        bad.append("0")
    if setting.kind is int:
        bad.append("1.5")
    for value in bad:
        with pytest.raises(ValueError) as refused:
            Settings.from_env({setting.name: value})
        assert str(refused.value) == expected_refusal(setting, value)


@pytest.mark.parametrize("setting", NUMERIC, ids=by_name)
def test_a_good_value_lands_in_its_field(setting: Setting) -> None:
    read = getattr(Settings.from_env({setting.name: " 7 "}), setting.field)
    assert read == 7 and type(read) is setting.kind
    others = Settings.from_env({setting.name: "7"})
    assert all(getattr(others, s.field) == s.default for s in DECLARED if s is not setting)
    assert getattr(Settings.from_env({setting.name: "  "}), setting.field) == setting.default  # blank: default
    if setting.rule == NON_NEGATIVE:
        assert getattr(Settings.from_env({setting.name: "0"}), setting.field) == 0


@pytest.mark.parametrize("setting", [s for s in DECLARED if not s.numeric], ids=by_name)
def test_a_text_setting_is_taken_as_it_is_and_empty_is_unset(setting: Setting) -> None:
    assert getattr(Settings.from_env({setting.name: " a b "}), setting.field) == " a b "
    assert getattr(Settings.from_env({setting.name: ""}), setting.field) is None
    assert setting.read({setting.name: "x"}) == "x" and setting.read({}) is None


def test_the_views_take_their_values_from_the_settings() -> None:
    from bolekg.web.front import FrontSettings

    env = {"BOLEKG_QUERY_TIMEOUT": "2.5", "BOLEKG_MAX_ROWS": "9", "BOLEKG_MAX_QUERY_BYTES": "8",
           "BOLEKG_MAX_BODY_BYTES": "7", "BOLEKG_HTML_MAX_ROWS": "6", "BOLEKG_CLIENT_QUERIES": "5",
           "BOLEKG_QUERY_QUEUE": "0", "BOLEKG_CLIENT_QUERY_SECONDS": "4.5", "BOLEKG_FORWARDED_FOR": "3",
           "BOLEKG_BODY_SECONDS": "1.5", "BOLEKG_BODY_MIN_BYTES_PER_SECOND": "0"}
    assert Limits.from_env(env) == Limits(timeout=2.5, max_rows=9, max_query_bytes=8, max_body_bytes=7,
                                          html_max_rows=6, client_queries=5, query_queue=0,
                                          client_query_seconds=4.5, forwarded_for=3)
    settings = Settings.from_env(env)
    assert FrontSettings.from_settings(settings) == FrontSettings(max_body_bytes=7, body_seconds=1.5, min_rate=0.0)
    assert FrontSettings.from_settings(settings, 1234).max_body_bytes == 1234  # the app's own limit wins
