"""The translation catalogues (``src/bolekg/locale``, README "Translations"): every message id the
code uses is in the template, every id has a text in every language with the same placeholders, and
the ``.mo`` the pages read (compiled by ``make install``) says what its ``.po`` says."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from string import Formatter

import pytest
from babel.messages import frontend
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from bolekg import i18n
from bolekg.i18n import CATALOGUE, LANGS, LOCALE_DIR, translate
from bolekg.pages.browse import FACETS
from bolekg.services.search import SCORES

ROOT = Path(__file__).resolve().parents[1]
#: the keywords `make messages` extracts with (the Makefile's -k options)
KEYWORDS = {"t": None, "translate": None, "N_": None}


def read(path: Path) -> Catalog:
    with path.open("rb") as source:
        return read_mo(source) if path.suffix == ".mo" else read_po(source)


def texts(catalogue: Catalog) -> dict[str, str]:
    return {message.id: message.string for message in catalogue if message.id and message.string}


def po(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in Formatter().parse(text) if field is not None}


TEMPLATE_IDS = {message.id for message in read(LOCALE_DIR / "messages.pot") if message.id}


def test_the_template_lists_what_the_code_uses() -> None:
    parse = getattr(frontend, "parse_mapping_cfg", None) or frontend.parse_mapping
    with (ROOT / "babel.cfg").open(encoding="utf-8") as config:
        method_map, options_map = parse(config)
    used = {messages if isinstance(messages, str) else messages[0]
            for _, _, messages, _, _ in extract_from_dir(str(ROOT), method_map, options_map, keywords=KEYWORDS)}
    assert used == TEMPLATE_IDS, "run `make messages`: messages.pot is not what the code uses"


def test_composed_ids_are_declared() -> None:
    """The ids the templates build from data (``'facet.' ~ name``, ``'match.' ~ kind``) exist."""
    kinds = {"pinyin" if kind.startswith("pinyin") else kind for kind in SCORES} | {"text"}
    composed = {f"facet.{name}" for name in FACETS} | {f"match.{kind}" for kind in kinds}
    assert composed <= set(i18n.COMPOSED) <= TEMPLATE_IDS


@pytest.mark.parametrize("lang", LANGS)
def test_every_id_has_a_text_in_every_language(lang: str) -> None:
    catalogue = read(po(lang))
    assert catalogue.locale is not None and str(catalogue.locale) == lang
    ids = {message.id for message in catalogue if message.id}
    assert ids == TEMPLATE_IDS, "run `make messages`"
    for message in catalogue:
        if message.id:
            assert isinstance(message.string, str) and message.string.strip(), (lang, message.id)
            assert not message.fuzzy, (lang, message.id)   # a fuzzy text is left out of the .mo


def test_placeholders_agree_across_languages() -> None:
    by_lang = {lang: texts(read(po(lang))) for lang in LANGS}
    for key in TEMPLATE_IDS:
        names = {lang: placeholders(by_lang[lang][key]) for lang in LANGS}
        assert len({frozenset(found) for found in names.values()}) == 1, (key, names)


@pytest.mark.parametrize("lang", LANGS)
def test_compiled_catalogue_matches_its_source(lang: str) -> None:
    mo = po(lang).with_suffix(".mo")
    assert mo.is_file(), f"{mo} is missing: run `make install`"
    source = texts(read(po(lang)))
    assert texts(read(mo)) == source, f"{mo} is older than its .po: run `make install`"
    index = LANGS.index(lang)
    assert {key: both[index] for key, both in CATALOGUE.items()} == source   # what the pages read
    for key in ("nav.home", "search.none", "entity.graph.alt", "browse.showing"):
        values = {name: f"<{name}>" for name in placeholders(source[key])}
        assert translate(key, lang, **values) == source[key].format(**values)


def test_a_missing_catalogue_is_compiled_or_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "zh" / "LC_MESSAGES"
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    with pytest.raises(RuntimeError, match=r"no translation catalogue for 'zh'.*make install"):
        i18n._compiled("zh")
    folder.mkdir(parents=True)
    (folder / "messages.po").write_bytes(po("zh").read_bytes())   # a checkout not compiled yet
    assert texts(read_mo(BytesIO(i18n._compiled("zh")))) == texts(read(po("zh")))
