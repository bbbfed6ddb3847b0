"""The report's text structure as RDF: context, sections, paragraphs, sentences and quotes (NIF 2.0).

``data/turtle/report-text.ttl`` is written by :func:`text_graph` (``bolekg text``) and a test proves the
committed file is isomorphic to what the corpus produces, so sentence IRIs can never drift from the
text. Quotes are written by hand in the data files; :func:`quote_turtle` prints the block for one
(``bolekg locate``), and the quote tests check every one against the source.

NIF core: http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core/nif-core.html
"""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef

from bolekg.report.corpus import Corpus, Paragraph, Sentence
from bolekg.report.vocab import (
    BK,
    DCT,
    ITEM,
    NIF,
    PROGRAMME,
    QUOTE,
    RDF,
    RDFS,
    REPORT_IRI,
    SKOS,
    TEXT,
    XSD,
    bind_prefixes,
)

CONTEXT_IRI = TEXT["report"]
SECTION_NAMES_EN = {1: "Section 1", 2: "Section 2", 3: "Section 3"}
SECTION_NAMES_ZH = {1: "第一部分", 2: "第二部分", 3: "第三部分"}
PROGRAMME_SLUGS = {1: "benefit-projects", 2: "practical-matters", 3: "urgent-concerns"}


def _index(value: int) -> Literal:
    return Literal(value, datatype=XSD.nonNegativeInteger)


def sentence_iri(sentence_id: str) -> URIRef:
    return TEXT[sentence_id]


def quote_iri(begin: int, end: int) -> URIRef:
    return QUOTE[f"{begin}-{end}"]


def item_iri(section: int, item: int) -> URIRef:
    return ITEM[f"{section}-{item:02d}"]


def programme_iri(section: int) -> URIRef:
    return PROGRAMME[PROGRAMME_SLUGS[section]]


def _span(graph: Graph, iri: URIRef, begin: int, end: int, text: str) -> None:
    graph.add((iri, NIF.beginIndex, _index(begin)))
    graph.add((iri, NIF.endIndex, _index(end)))
    graph.add((iri, NIF.anchorOf, Literal(text)))
    graph.add((iri, NIF.referenceContext, CONTEXT_IRI))


def _sentences(graph: Graph, paragraph: Paragraph, paragraph_iri: URIRef) -> None:
    previous: Sentence | None = None
    for sentence in paragraph.sentences:
        iri = sentence_iri(sentence.id)
        graph.add((iri, RDF.type, NIF.Sentence))
        graph.add((iri, RDFS.label, Literal(f"第{sentence.ordinal}句({paragraph.id})", lang="zh")))
        graph.add((iri, RDFS.label, Literal(f"Sentence {sentence.ordinal} of {paragraph.id}", lang="en")))
        graph.add((iri, NIF.superString, paragraph_iri))
        _span(graph, iri, sentence.begin, sentence.end, sentence.text)
        if previous is not None:
            graph.add((sentence_iri(previous.id), NIF.nextSentence, iri))
            graph.add((iri, NIF.previousSentence, sentence_iri(previous.id)))
        previous = sentence


def text_graph(corpus: Corpus) -> Graph:
    """Context, sections, paragraphs and sentences of the report, with their offsets."""
    graph = Graph()
    bind_prefixes(graph)
    graph.add((REPORT_IRI, BK.hasText, CONTEXT_IRI))
    graph.add((CONTEXT_IRI, RDF.type, BK.ReportText))
    graph.add((CONTEXT_IRI, RDFS.label, Literal("报告全文", lang="zh")))
    graph.add((CONTEXT_IRI, RDFS.label, Literal("Full text of the report", lang="en")))
    graph.add((CONTEXT_IRI, NIF.isString, Literal(corpus.text)))
    graph.add((CONTEXT_IRI, NIF.beginIndex, _index(0)))
    graph.add((CONTEXT_IRI, NIF.endIndex, _index(len(corpus.text))))
    graph.add((CONTEXT_IRI, DCT.language, Literal("zh")))

    intro = corpus.introduction
    intro_iri = TEXT[intro.id]
    graph.add((intro_iri, RDF.type, BK.Paragraph))
    graph.add((intro_iri, RDFS.label, Literal("引言", lang="zh")))
    graph.add((intro_iri, RDFS.label, Literal("Introduction", lang="en")))
    graph.add((intro_iri, NIF.superString, CONTEXT_IRI))
    _span(graph, intro_iri, intro.begin, intro.end, intro.text)
    _sentences(graph, intro, intro_iri)

    for section in corpus.sections:
        section_iri = TEXT[section.id]
        graph.add((section_iri, RDF.type, BK.Section))
        graph.add((section_iri, SKOS.notation, Literal(str(section.number))))
        graph.add((section_iri, RDFS.label, Literal(SECTION_NAMES_ZH[section.number], lang="zh")))
        graph.add((section_iri, RDFS.label, Literal(SECTION_NAMES_EN[section.number], lang="en")))
        graph.add((section_iri, NIF.superString, CONTEXT_IRI))
        _span(graph, section_iri, section.begin, section.end, section.text)
        for paragraph in (section.heading, *section.items):
            paragraph_iri = TEXT[paragraph.id]
            graph.add((paragraph_iri, RDF.type, BK.Paragraph))
            graph.add((paragraph_iri, BK.section, section_iri))
            graph.add((paragraph_iri, NIF.superString, section_iri))
            if paragraph.item:
                graph.add((paragraph_iri, RDFS.label, Literal(
                    f"{SECTION_NAMES_ZH[section.number]}第{paragraph.item}项", lang="zh")))
                graph.add((paragraph_iri, RDFS.label, Literal(
                    f"{SECTION_NAMES_EN[section.number]}, item {paragraph.item}", lang="en")))
            else:
                graph.add((paragraph_iri, RDFS.label, Literal(
                    f"{SECTION_NAMES_ZH[section.number]}标题", lang="zh")))
                graph.add((paragraph_iri, RDFS.label, Literal(
                    f"{SECTION_NAMES_EN[section.number]}, heading", lang="en")))
            _span(graph, paragraph_iri, paragraph.begin, paragraph.end, paragraph.text)
            _sentences(graph, paragraph, paragraph_iri)
    return graph


def _turtle_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def quote_turtle(corpus: Corpus, begin: int, end: int) -> str:
    """The Turtle block declaring the quote ``[begin, end)``, for pasting into a data file."""
    sentence = corpus.sentence_at(begin)
    if end > sentence.end:
        raise ValueError(f"quote {begin}-{end} runs past the end of sentence {sentence.id}")
    text = corpus.text[begin:end]
    return (
        f"quote:{begin}-{end} a bk:Quote ;\n"
        f"    nif:anchorOf {_turtle_string(text)} ;\n"
        f'    nif:beginIndex "{begin}"^^xsd:nonNegativeInteger ;\n'
        f'    nif:endIndex "{end}"^^xsd:nonNegativeInteger ;\n'
        f"    nif:sentence text:{sentence.id} ;\n"
        f"    nif:referenceContext text:report .\n"
    )
