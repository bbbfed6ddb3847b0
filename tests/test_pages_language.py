"""Language choice and label fallback: the page's language when a resource is named in only one
language, or not at all, and the order in which ?lang, the cookie and Accept-Language decide."""

from __future__ import annotations

from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import RDF, RDFS
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from bolekg.i18n import CATALOGUE, choose_lang, local_name, other, pick, translate
from ld_support import fetch, serving

ID = "https://w3id.org/bolekg/id/test/"


def accept(header: str) -> LanguageAccept:
    return parse_accept_header(header, LanguageAccept)


def test_language_order() -> None:
    assert choose_lang("en", "zh", accept("zh")) == "en"          # ?lang= wins
    assert choose_lang(None, "en", accept("zh")) == "en"          # then the cookie
    assert choose_lang(None, None, accept("en-GB,en;q=0.9,zh;q=0.5")) == "en"
    assert choose_lang(None, None, accept("zh-TW,zh;q=0.9")) == "zh"
    assert choose_lang("fr", "xx", accept("fr-FR")) == "zh"       # nothing usable: the report's language
    assert choose_lang(None, None, None) == "zh"


def test_label_fallback() -> None:
    assert pick({"zh": "博乐市", "en": "Bole City"}, "en") == "Bole City"
    assert pick({"en": "Bole City"}, "zh") == "Bole City"
    assert pick({"zh": "博乐市"}, "en") == "博乐市"
    assert pick({"": "plain"}, "en") == "plain"
    assert pick({}, "zh", "https://w3id.org/bolekg/def/Observation") == "Observation"
    assert local_name("http://www.w3.org/ns/org#OrganizationalUnit") == "OrganizationalUnit"
    assert other({"zh": "博乐市", "en": "Bole City"}, "zh") == "Bole City"
    assert other({"zh": "博乐市"}, "zh") == ""


def test_catalogue_is_complete_in_both_languages() -> None:
    for key, (zh, en) in CATALOGUE.items():
        assert zh.strip() and en.strip(), key
    assert translate("search.count", "en", q="x", n=3) == "3 result(s) for “x”"
    assert translate("no.such.key", "zh") == "no.such.key"


def test_pages_fall_back_when_a_language_is_missing() -> None:
    dataset = Dataset()
    graph = dataset.graph(URIRef("https://example.org/test-graph"))
    english, nameless = URIRef(ID + "only-english"), URIRef(ID + "nameless")
    graph.add((english, RDF.type, URIRef("https://example.org/Thing")))
    graph.add((english, RDFS.label, Literal("Only English", lang="en")))
    graph.add((english, URIRef("https://example.org/next"), nameless))
    graph.add((nameless, RDF.type, URIRef("https://example.org/Thing")))
    with serving("embedded", None, dataset) as site:
        zh = fetch(site.root + "/id/test/only-english", headers={"Accept": "text/html", "Accept-Language": "zh"})
        assert zh.status == 200 and "<h1>Only English</h1>" in zh.text and '<html lang="zh">' in zh.text
        assert ">nameless</a>" in zh.text and ">Thing</a>" in zh.text   # no label: the IRI's last segment
        bare = fetch(site.root + "/id/test/nameless", headers={"Accept": "text/html", "Accept-Language": "en"})
        assert bare.status == 200 and "<h1>nameless</h1>" in bare.text
