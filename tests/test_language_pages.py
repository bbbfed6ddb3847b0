"""Both languages everywhere (issue 18): what a Chinese page shows of the graph is Chinese too.

The gaps this guards were all English or raw text on zh pages: the neighbourhood graph's edges
named by the other vocabularies' local names (broader, refArea, subOrganizationOf), node names cut
to five identical "博乐市住房和城乡建设局(…", an editor's note only in English, the quality page's
shape messages in English with their raw ``{?placeholders}``, and browse opening on "Entity, String,
Concept" with repeated rows. Pages are read over real HTTP from the embedded store with the real data,
the way tests/test_pages_http.py reads them; text is compared after tags are stripped.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDFS

from bolekg.report.dataset import ontology_graph, report_graph
from bolekg.report.validate import shapes_graph
from bolekg.report.vocab import BK, SH
from ld_support import Site, fetch, serving

ZH = {"Accept": "text/html", "Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept": "text/html", "Accept-Language": "en-GB,en;q=0.9"}
ENTITY_PAGES = ["/id/item/1-01", "/id/org/bole-housing-bureau", "/id/place/dalete-town"]
CJK = re.compile(r"[\u3400-\u9fff]")
#: the local names the zh graphs used to show for the edges
ENGLISH_EDGES = {"broader", "measureType", "refArea", "refPeriod", "subOrganizationOf", "sfWithin",
                 "wasAttributedTo", "source", "containedInPlace", "unitMeasure"}


@pytest.fixture(scope="module")
def site(real_dataset: Dataset) -> Iterator[Site]:
    with serving("embedded", None, real_dataset) as running_site:
        yield running_site


def page(site: Site, path: str, headers: dict[str, str] = ZH) -> str:
    reply = fetch(site.root + path, headers=headers)
    assert reply.status == 200, (path, reply.text[:300])
    return reply.text


def visible(fragment: str) -> str:
    """The text a reader sees in ``fragment``: tags dropped, entities decoded, spaces squeezed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment)))


def graph_svg(text: str) -> str:
    found = re.search(r'<svg[^>]*class="neighbourhood".*?</svg>', text, re.S)
    assert found, "no neighbourhood graph"
    return found.group(0)


def edge_labels(svg: str) -> list[str]:
    return [html.unescape(t) for t in re.findall(r'<g class="edge"><title>([^<]*)</title>', svg)]


def node_names(svg: str) -> list[tuple[str, str]]:
    """(full name in the node's title, the name drawn) of each neighbour."""
    return [(html.unescape(full), html.unescape(shown)) for full, shown in
            re.findall(r'<a href="[^"]*"><title>([^<]*)</title><circle[^>]*/><text[^>]*>([^<]*)</text></a>', svg)]


def notes_section(text: str) -> str:
    found = re.search(r'<aside class="notes".*?</aside>', text, re.S)
    return found.group(0) if found else ""


@pytest.mark.parametrize("path", ENTITY_PAGES)
def test_graph_edges_are_named_in_the_page_language(site: Site, path: str) -> None:
    zh = edge_labels(graph_svg(page(site, path)))
    assert zh, path
    assert all(CJK.search(label) for label in zh), (path, zh)
    assert not set(zh) & ENGLISH_EDGES, path
    en = edge_labels(graph_svg(page(site, path, EN)))
    assert en and not any(CJK.search(label) for label in en), (path, en)


def test_organisation_graph_names_are_whole_on_hover_and_distinct_when_cut(site: Site) -> None:
    for headers in (ZH, EN):
        names = node_names(graph_svg(page(site, "/id/org/bole-housing-bureau", headers)))
        assert len(names) >= 10
        shown = [s for _, s in names]
        assert len(set(shown)) == len({full for full, _ in names}) == len(names), shown
        for full, drawn in names:  # what is drawn is the full name, or its start and end around …
            if drawn != full:
                start, end = drawn.split("…")
                assert full.startswith(start) and full.endswith(end), (full, drawn)
    zh = dict(node_names(graph_svg(page(site, "/id/org/bole-housing-bureau"))))
    assert "博乐市住房和城乡建设局(编者推定):安居保障" in zh  # the full name is the node's <title>


def test_no_node_name_was_cut_alike_on_the_item_and_place_graphs(site: Site) -> None:
    for path in ("/id/item/1-01", "/id/place/dalete-town"):
        names = node_names(graph_svg(page(site, path)))
        assert len({s for _, s in names}) == len({f for f, _ in names}), path


def test_every_editorial_note_and_comment_is_in_both_languages() -> None:
    data = report_graph() + ontology_graph()
    one_language = []
    for predicate in (BK.editorialNote, RDFS.comment):
        for subject in set(data.subjects(predicate, None)):
            langs = {lit.language for lit in data.objects(subject, predicate) if isinstance(lit, Literal)}
            if not {"zh", "en"} <= langs:
                one_language.append((str(subject), str(predicate)))
    assert one_language == []


@pytest.mark.parametrize("path", [*ENTITY_PAGES, "/id/period/to-report", "/id/org/bole-party-committee"])
def test_notes_are_shown_in_the_page_language(site: Site, path: str) -> None:
    iri = URIRef("https://w3id.org/bolekg" + path)
    data = report_graph()
    notes = {lit.language: str(lit) for lit in data.objects(iri, BK.editorialNote) if isinstance(lit, Literal)}
    zh, en = notes_section(page(site, path)), notes_section(page(site, path, EN))
    if not notes:
        assert not zh and not en
        return
    assert notes["zh"] in visible(zh) and notes["en"] not in visible(zh), path
    assert notes["en"] in visible(en) and notes["zh"] not in visible(en), path


def shape_messages() -> dict[str, set[str]]:
    shapes: Graph = shapes_graph()
    found: dict[str, set[str]] = {}
    for message in shapes.objects(None, SH.message):
        found.setdefault(message.language or "en", set()).add(str(message))  # type: ignore[union-attr]
    return found


def test_every_shape_message_and_label_has_a_chinese_version() -> None:
    shapes = shapes_graph()
    for holder in set(shapes.subjects(SH.message, None)) | set(shapes.subjects(RDFS.label, None)):
        for predicate in (SH.message, RDFS.label):
            langs = {lit.language or "en" for lit in shapes.objects(holder, predicate)}
            assert not langs or langs == {"zh", "en"}, (holder, predicate, langs)


def test_quality_page_in_chinese_has_chinese_messages_and_no_raw_placeholders(site: Site) -> None:
    zh = page(site, "/quality")
    assert "{?" not in zh and "{$" not in zh
    text = visible(zh)
    messages = shape_messages()
    placeholder = re.compile(r"\{[?$]\w+\}")
    english = [m for m in messages["en"] if not placeholder.search(m)]
    assert [m for m in english if m in text] == []
    chinese = [m for m in messages["zh"] if not placeholder.search(m)]
    assert len([m for m in chinese if m in text]) >= 40
    # a message with blanks: the blanks are named (<var>), never left as {?name}
    assert "桩号 <var>written</var> 应为 <var>expected</var> 米,而非 <var>metres</var>" in zh
    en = page(site, "/quality", EN)
    assert "{?" not in en and "chainage <var>written</var> is <var>expected</var> m" in en
    assert not CJK.search(visible(re.search(r'<table class="shapes">.*?</table>', en, re.S).group(0)))  # type: ignore[union-attr]


def class_rows(text: str) -> list[tuple[str, str]]:
    """(name, IRI) of every row of browse's class tables, in order."""
    return [(visible(name).strip(), iri) for name, iri in re.findall(
        r'<tr><th scope="row"><a href="[^"]*">(.*?)</a>.*?<code class="small">([^<]*)</code>', text, re.S)]


def test_browse_lists_the_projects_classes_first_labelled_translated_and_once(site: Site) -> None:
    ontology = ontology_graph()
    labels = {(str(s), lit.language): str(lit) for s, lit in ontology.subject_objects(RDFS.label)
              if isinstance(lit, Literal)}
    for headers, lang in ((ZH, "zh"), (EN, "en")):
        rows = class_rows(page(site, "/browse", headers))
        names, iris = [n for n, _ in rows], [i for _, i in rows]
        assert len(set(iris)) == len(iris) and len(set(names)) == len(names), lang
        for name, iri in rows:  # the class's own label in the page language, never its IRI's last segment
            assert name == labels.get((iri, lang)), (lang, name, iri)
            assert bool(CJK.search(name)) == (lang == "zh"), (lang, name, iri)
        first = iris[:6]
        assert first == [str(BK.Initiative), str(BK.Programme), str(BK.Item), str(BK.Project), str(BK.Activity),
                         str(BK.Place)], first
        other = iris.index("http://www.w3.org/ns/prov#Entity")
        assert all(i.startswith(str(BK)) or i == "http://www.w3.org/ns/org#Organization" for i in iris[:other])
        for repeated in ("http://purl.org/linked-data/cube#Observation", "https://schema.org/Place",
                         "http://www.opengis.net/ont/geosparql#Feature"):
            assert repeated not in iris
    assert "其他词表的类" in page(site, "/browse")


def test_a_result_reads_in_either_language_with_its_blanks_filled() -> None:
    """pySHACL fills every language's message but drops its language tag: each is told apart by the
    template it fills (validate.messages_by_language), so the English stays English on the command
    line and the Chinese reaches the zh page with the same values in its blanks."""
    from bolekg.report.validate import validate
    from test_shapes import FIXTURES, drop, mutated, put

    base = ontology_graph()
    base.parse(FIXTURES / "shapes-base.ttl", format="turtle")
    broken = mutated(base, put("ex:chainage", "bk:chainageMetres", "2169") + " ; " + drop("ex:obs-rate", "qb:dataSet"))
    found = {f.message: f for f in validate(broken).findings}
    chainage = found["chainage K2+196 is 2196 m, not 2169"]
    assert chainage.message_in("zh") == "桩号 K2+196 应为 2196 米,而非 2169"
    assert chainage.message_in("en") == chainage.message
    dataset = found["an observation belongs to exactly one qb:DataSet (Data Cube IC-1)"]
    assert dataset.message_in("zh") == "观测值恰属于一个 qb:DataSet(Data Cube IC-1)"
