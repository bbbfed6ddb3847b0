"""The two languages of the human pages: the UI strings (gettext catalogues) and the choice of language.

The report is Chinese and its readers are Chinese- and English-speaking researchers, so every page
exists in both. The language of a request is, in order: ``?lang=zh|en``, the ``lang`` cookie set by
the language switch, the best match of ``Accept-Language`` (RFC 9110 §12.5.4), else Chinese, the
report's own language. Labels fall back zh → en → the IRI's local name (:func:`pick`), so a
resource with only one language still has a name in the other.

The UI strings are gettext catalogues (README "Translations"): ``locale/messages.pot`` lists the
message ids, ``locale/<lang>/LC_MESSAGES/messages.po`` gives their text in each language, and the
pages read the ``messages.mo`` compiled from it. An id is a stable key (``search.count``), not an
English sentence: several English words stand for different Chinese ones (“Part of” is 上级 or
是……的一部分), and the English lives in ``en``'s catalogue like any other language's. Placeholders
are named (``{n} result(s) for “{q}”``) and filled by :func:`translate`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from io import BytesIO
from pathlib import Path
from types import MappingProxyType
from typing import Protocol

from babel.messages.mofile import read_mo
from babel.support import Translations

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
COOKIE = "lang"

#: Where the catalogues are: ``locale/messages.pot`` and ``locale/<lang>/LC_MESSAGES/messages.po``,
#: each compiled to ``messages.mo`` by ``make install`` (and by the wheel's build, ``setup.py``).
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"


def N_(key: str) -> str:
    """Mark ``key`` as a message id for ``make messages`` without translating it (gettext's ``N_``)."""
    return key


#: Ids the templates compose at run time, which extraction cannot see where they are used: the counts
#: of ``home.html`` (keys from ``pages/home.py``), ``'facet.' ~ name`` in ``browse.html`` (the names of
#: ``pages.browse.FACETS``), ``'match.' ~ kind`` in ``search.html`` (the kinds of ``bolekg.services.search``) and
#: ``'col.' ~ role`` in ``entity.html`` (the roles of ``pages.kinds``), ``'error.' ~ status`` in ``error.html``
#: (``web.pages.FRIENDLY_STATUSES``), ``'quality.built.' ~ built_by`` (``pages.quality``) and
#: ``'quality.severity.' ~ severity`` (SHACL's sh:Violation, sh:Warning, sh:Info) in ``quality.html``.
COMPOSED = (
    N_("count.items"), N_("count.organisations"), N_("count.places"), N_("count.projects"),
    N_("count.figures"), N_("count.quotes"),
    N_("facet.programme"), N_("facet.item"), N_("facet.theme"), N_("facet.place"), N_("facet.within"),
    N_("facet.agency"), N_("facet.unit"), N_("facet.measure"),
    N_("facet.report"),
    N_("match.exact"), N_("match.prefix"), N_("match.word"), N_("match.substring"), N_("match.pinyin"),
    N_("match.text"), N_("match.words"), N_("match.place"), N_("match.topic"),
    N_("col.actual"), N_("col.target"),
    N_("error.404.title"), N_("error.404.lead"), N_("error.405.title"), N_("error.405.lead"),
    N_("error.500.title"), N_("error.500.lead"),
    N_("quality.built.start-up"), N_("quality.built.request"), N_("quality.built.load"),
    N_("quality.severity.Violation"), N_("quality.severity.Warning"), N_("quality.severity.Info"),
)


def compile_catalogue(po: Path) -> bytes:
    """The ``.mo`` bytes of the ``.po`` file ``po``, as ``pybabel compile`` writes them."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as source:
        catalogue = read_po(source, abort_invalid=True)
    compiled = BytesIO()
    write_mo(compiled, catalogue)
    return compiled.getvalue()


def _compiled(lang: str) -> bytes:
    """The compiled catalogue of ``lang``: its ``.mo``, or, in a checkout that ``make install`` has not
    compiled yet, its ``.po`` compiled in memory. Having neither is an error at import, never a page in
    another language. (A ``.mo`` older than its ``.po``: ``make install`` recompiles it, and
    ``tests/test_catalogues.py`` fails until it has.)"""
    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    mo, po = folder / f"{DOMAIN}.mo", folder / f"{DOMAIN}.po"
    if mo.is_file():
        return mo.read_bytes()
    if po.is_file():
        return compile_catalogue(po)
    raise RuntimeError(f"bolekg: no translation catalogue for {lang!r}: neither {mo} nor {po} exists "
                       "(run `make install`, or `pybabel compile -d src/bolekg/locale -D messages`)")


def _load() -> tuple[dict[str, Translations], dict[str, tuple[str, ...]]]:
    translations: dict[str, Translations] = {}
    ids: set[str] = set()
    for lang in LANGS:
        data = _compiled(lang)
        translations[lang] = Translations(BytesIO(data), domain=DOMAIN)
        ids.update(message.id for message in read_mo(BytesIO(data)) if message.id and isinstance(message.id, str))
    table = {key: tuple(translations[lang].gettext(key) for lang in LANGS) for key in sorted(ids)}
    return translations, table


_TRANSLATIONS, _TABLE = _load()
#: id → its text in each of :data:`LANGS` (zh, en), as compiled: for callers that list the messages.
CATALOGUE: Mapping[str, tuple[str, ...]] = MappingProxyType(_TABLE)


def translate(key: str, lang: str, **values: object) -> str:
    """The UI string ``key`` in ``lang`` (English for a language without a catalogue), its named
    placeholders (``{n}``) filled from ``values``; an unknown key shows itself, so a gap is visible, not fatal."""
    if not key:
        return key
    text = (_TRANSLATIONS.get(lang) or _TRANSLATIONS["en"]).gettext(key)
    return text.format(**values) if values else text


class LanguageChoice(Protocol):
    """What :func:`choose_lang` asks of an ``Accept-Language`` header (Werkzeug's ``LanguageAccept``)."""

    def best_match(self, matches: Iterable[str]) -> str | None: ...


def choose_lang(param: str | None, cookie: str | None, accept_language: LanguageChoice | None) -> str:
    """``?lang=`` > cookie > ``Accept-Language`` (a Werkzeug ``LanguageAccept``) > Chinese."""
    for candidate in (param, cookie):
        if candidate and candidate.lower() in LANGS:
            return candidate.lower()
    if accept_language is not None:
        best = accept_language.best_match(["zh", "zh-CN", "zh-Hans", "en", "en-US", "en-GB"])
        if best:
            return "zh" if best.lower().startswith("zh") else "en"
    return DEFAULT_LANG


def local_name(iri: str) -> str:
    """The last segment of an IRI: what a resource is called when it has no label at all."""
    stripped = iri.rstrip("/#")
    for sep in ("#", "/"):
        if sep in stripped:
            stripped = stripped.rsplit(sep, 1)[1]
    return stripped or iri


def pick(names: Mapping[str, str] | None, lang: str, iri: str = "") -> str:
    """The name to show in ``lang``: that language, then zh, then en, then any, then the local name."""
    if names:
        for candidate in (lang, "zh", "en", ""):
            if names.get(candidate):
                return names[candidate]
        return next(iter(names.values()))
    return local_name(iri) if iri else ""


def other(names: Mapping[str, str] | None, lang: str) -> str:
    """The name in the other language, when it exists and differs (shown as a subtitle)."""
    if not names:
        return ""
    second = "en" if lang == "zh" else "zh"
    text = names.get(second, "")
    return text if text and text != names.get(lang) else ""


def annotate_template(pot: Path, reference: Path) -> None:
    """Give each message of the template ``pot`` its text in ``reference`` (the English ``.po``) as a
    comment for translators, since an id says what a message is for, not what it says. ``make messages``
    runs it between extracting the template and updating the catalogues from it."""
    from babel.messages.pofile import read_po, write_po

    with reference.open("rb") as source:
        english = {message.id: message.string for message in read_po(source) if message.id}
    with pot.open("rb") as source:
        template = read_po(source)
    for message in template:
        text = english.get(message.id)
        if message.id and isinstance(text, str) and text:
            message.auto_comments = [*message.auto_comments, f"en: {text}"]
    with pot.open("wb") as target:
        write_po(target, template)


if __name__ == "__main__":
    import sys

    if sys.argv[1:2] != ["annotate"] or len(sys.argv) != 4:
        sys.exit("usage: python -m bolekg.i18n annotate TEMPLATE.pot REFERENCE.po")
    annotate_template(Path(sys.argv[2]), Path(sys.argv[3]))
