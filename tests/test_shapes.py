"""Every shape can fail: a minimal valid graph is broken one rule at a time.

``fixtures/shapes-base.ttl`` satisfies all shapes (tested first, so a broken fixture cannot pass
silently); each case below applies one SPARQL Update to it and expects the named shape to report
the failure with its message. A last test proves that every named shape and SHACL-SPARQL
constraint in ``shapes/`` is exercised by at least one case.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from bolekg.report.dataset import ontology_graph
from bolekg.report.validate import Outcome, shapes_graph, validate
from bolekg.report.vocab import SH

FIXTURES = Path(__file__).parent / "fixtures"
SHAPES = "https://w3id.org/bolekg/shapes#"
PREFIXES = """
PREFIX bk: <https://w3id.org/bolekg/def/>
PREFIX ex: <https://w3id.org/bolekg/id/test/>
PREFIX geo: <http://www.opengis.net/ont/geosparql#>
PREFIX nif: <http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#>
PREFIX qb: <http://purl.org/linked-data/cube#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX sdmx-attribute: <http://purl.org/linked-data/sdmx/2009/attribute#>
PREFIX sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX time: <http://www.w3.org/2006/time#>
PREFIX unit: <http://qudt.org/vocab/unit/>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""


def drop(subject: str, predicate: str) -> str:
    return f"DELETE WHERE {{ {subject} {predicate} ?o }}"


def put(subject: str, predicate: str, value: str) -> str:
    return f"DELETE WHERE {{ {subject} {predicate} ?o }} ; INSERT DATA {{ {subject} {predicate} {value} }}"


def add(triples: str) -> str:
    return f"INSERT DATA {{ {triples} }}"


# (case id, update, shape or constraint that must report it, words its message must contain)
CASES: list[tuple[str, str, str, str]] = [
    ("label-zh-missing", f"DELETE DATA {{ ex:item rdfs:label {chr(34)}测试条目{chr(34)}@zh }}",
     "Labelled-zh", "Chinese"),
    ("label-en-missing", 'DELETE DATA { ex:city rdfs:label "Test city"@en }', "Labelled-en", "English"),
    ("label-duplicate-lang", add('ex:bureau rdfs:label "Second name"@en'), "Labelled-unique", "more than one"),
    ("no-evidence", drop("ex:obs-rate", "bk:evidence"), "Evidenced-evidence", "no bk:evidence"),
    ("evidence-not-quote", put("ex:project", "bk:evidence", "ex:city"), "Evidenced-evidence", "not a bk:Quote"),
    ("organisation-unsourced", drop("ex:other-bureau", "bk:editorialNote"), "OrganisationSource",
     "editorial note"),
    ("note-zh-missing", 'DELETE DATA { ex:other-bureau bk:editorialNote "由编者命名。"@zh }', "EditorialNote-zh",
     "none in Chinese"),
    ("note-en-missing", 'DELETE DATA { ex:village bk:editorialNote "Unverified code."@en }', "EditorialNote-en",
     "none in English"),
    ("quote-no-anchor", drop("ex:q-rank", "nif:anchorOf"), "Quote-anchor", "nif:anchorOf"),
    ("quote-begin-untyped", put("ex:q-rank", "nif:beginIndex", '"52"'), "Quote-begin", "nif:beginIndex"),
    ("quote-no-end", drop("ex:q-rank", "nif:endIndex"), "Quote-end", "nif:endIndex"),
    ("quote-end-negative", put("ex:q-rank", "nif:endIndex", "-56"), "Quote-end", "nif:endIndex"),
    ("quote-no-sentence", drop("ex:q-rank", "nif:sentence"), "Quote-sentence", "nif:sentence"),
    ("quote-no-context", drop("ex:q-rank", "nif:referenceContext"), "Quote-context", "referenceContext"),
    ("quote-not-verbatim", put("ex:q-rank", "nif:anchorOf", '"位居第二"'), "Quote-verbatim",
     "is not the source text"),
    ("quote-wrong-offsets", put("ex:q-rank", "nif:beginIndex", '"51"^^xsd:nonNegativeInteger'),
     "Quote-verbatim", "is not the source text"),
    ("quote-outside-sentence", put("ex:q-name", "nif:sentence", "ex:sentence-2"), "Quote-inSentence",
     "not inside its sentence"),
    ("observation-no-dataset", drop("ex:obs-rate", "qb:dataSet"), "Observation-dataSet", "qb:DataSet"),
    ("observation-no-indicator", drop("ex:obs-rate", "bk:indicator"), "Observation-indicator",
     "bk:indicator"),
    ("observation-bad-measure", put("ex:obs-rate", "qb:measureType", "bk:planned"),
     "Observation-measureType", "exactly one qb:measureType"),
    ("observation-two-units", add("ex:obs-rate sdmx-attribute:unitMeasure unit:NUM"), "Observation-unit",
     "exactly one unit"),
    ("observation-no-unit", drop("ex:obs-rate", "sdmx-attribute:unitMeasure"), "Observation-unit",
     "exactly one unit"),
    ("observation-no-period", drop("ex:obs-rate", "sdmx-dimension:refPeriod"), "Observation-period",
     "refPeriod"),
    ("observation-no-area", drop("ex:obs-rate", "sdmx-dimension:refArea"), "Observation-area", "refArea"),
    ("observation-no-initiative", drop("ex:obs-rate", "bk:initiative"), "Observation-initiative",
     "bk:initiative"),
    ("normalised-not-decimal", put("ex:obs-money", "bk:normalisedValue", '"1000000"'),
     "Observation-normalisedValue", "xsd:decimal"),
    ("normalised-unit-not-unit", put("ex:obs-money", "bk:normalisedUnit", "ex:city"),
     "Observation-normalisedUnit", "qudt:Unit"),
    ("qualifier-not-qualifier", put("ex:obs-money", "bk:valueQualifier", "bk:Start"),
     "Observation-qualifier", "bk:ValueQualifier"),
    ("part-of-non-observation", put("ex:obs-part-1", "bk:partOf", "ex:city"), "Observation-partOf",
     "another bk:Observation"),
    ("parts-complete-string", put("ex:obs-actual", "bk:partsComplete", '"yes"'),
     "Observation-partsComplete", "xsd:boolean"),
    ("value-as-string", put("ex:obs-rate", "bk:rate", '"99.5"'), "Observation-oneValue",
     "exactly one typed number"),
    ("value-missing", drop("ex:obs-rate", "bk:rate"), "Observation-oneValue", "exactly one typed number"),
    ("value-twice", add("ex:obs-rate bk:rate 98.1"), "Observation-oneValue", "exactly one typed number"),
    ("value-negative", put("ex:obs-target", "bk:target", "-5"), "Observation-nonNegative",
     "cannot be negative"),
    ("rate-over-100", put("ex:obs-rate", "bk:rate", "100.5"), "Observation-percentRange",
     "between 0 and 100"),
    ("rank-zero", put("ex:obs-rank", "bk:rank", "0"), "Observation-rank", "whole number"),
    ("stated-without-the-name", 'DELETE DATA { ex:bureau skos:altLabel "测试"@zh }', "Stated-named",
     "names"),
    ("money-without-kind", drop("ex:money-indicator", "skos:broader"), "MoneyKind-kind", "no kind of money"),
    # an actual count for the whole year in a half-year report (obs:1-06-public-rental-housing-units, once)
    ("actual-after-the-report", add('ex:year a bk:ReportingPeriod ; rdfs:label "全年"@zh , "Year"@en ; '
                                    'time:hasBeginning ex:start ; time:hasEnd ex:year-end . ex:year-end a '
                                    'time:Instant ; time:inXSDDate "2021-12-31"^^xsd:date')
     + " ; " + put("ex:obs-actual", "sdmx-dimension:refPeriod", "ex:year"),
     "Observation-actualByReportDate", "a plan is a bk:target"),
    ("indicator-outside-scheme", drop("ex:indicator", "skos:inScheme"), "Indicator-scheme", "code list"),
    ("division-code-pattern", put("ex:city", "bk:divisionCode", '"652701"'), "Division-code",
     "12 digits"),
    ("candidate-code-pattern", put("ex:village", "bk:candidateDivisionCode", '"6527011"'),
     "Division-candidate", "12 digits"),
    ("candidate-code-unexplained", drop("ex:village", "bk:editorialNote"), "CandidateCodeNote-note",
     "editorial note"),
    ("link-unsourced", drop("ex:city-link", "<http://purl.org/dc/terms/source>"), "LinkSourced-source",
     "names no source"),
    ("link-to-another-entity", put("ex:city-link", "<http://www.w3.org/1999/02/22-rdf-syntax-ns#object>",
                                   "<http://www.wikidata.org/entity/Q1>"), "LinkSourced-source", "Q0"),
    ("division-not-within", drop("ex:city", "geo:sfWithin"), "DivisionWithin-parent", "geo:sfWithin"),
    # the road loses its city: it, its segment and its chainage no longer reach the region
    ("place-no-chain", drop("ex:road", "geo:sfWithin"), "PlaceInRegion", "provincial-level division"),
    ("place-chain-stops-short", drop("ex:prefecture", "geo:sfWithin"), "PlaceInRegion",
     "provincial-level division"),
    ("place-crosses-a-non-region", put("ex:highway", "geo:sfCrosses", "ex:city"), "PlaceInRegion",
     "provincial-level division"),
    ("segment-not-within-its-road", drop("ex:chainage", "geo:sfWithin"), "SegmentWithin-road",
     "not stated geo:sfWithin"),
    ("segment-no-road", drop("ex:segment", "bk:segmentOf"), "RoadSegment-road", "bk:segmentOf"),
    ("segment-no-start", drop("ex:segment", "bk:fromPlace"), "RoadSegment-from", "bk:fromPlace"),
    ("segment-no-end", drop("ex:segment", "bk:toPlace"), "RoadSegment-to", "bk:toPlace"),
    ("chainage-no-metres", drop("ex:chainage", "bk:chainageMetres"), "Chainage-metres", "chainageMetres"),
    ("chainage-bad-form", put("ex:chainage", "bk:asWritten", '"2+196"'), "Chainage-written", "K<km>+<m>"),
    ("chainage-inconsistent", put("ex:chainage", "bk:chainageMetres", "2169"), "Chainage-consistent",
     "is 2196 m"),
    ("stated-no-agent", drop("ex:stated", "bk:agent"), "Responsibility-agent", "exactly one organisation"),
    ("stated-with-reason", add('ex:stated bk:reason "because"@en'), "Stated-noReason", "quoted, not reasoned"),
    ("attributed-no-zh-reason", 'DELETE DATA { ex:attributed bk:reason "职能所在。"@zh }',
     "Attributed-reasonZh", "in Chinese"),
    ("attributed-no-en-reason", 'DELETE DATA { ex:attributed bk:reason "Its mandate."@en }',
     "Attributed-reasonEn", "in English"),
    ("attributed-with-evidence", add("ex:attributed bk:evidence ex:q-name"), "Attributed-noEvidence",
     "must not cite a quote"),
    ("stated-shortcut-dangling", add("ex:project bk:responsibleAgency ex:bureau"),
     "ResponsibilityAgrees-stated", "no matching bk:StatedResponsibility"),
    ("attributed-shortcut-missing", drop("ex:item", "bk:attributedAgency"),
     "ResponsibilityAgrees-attributed", "no matching bk:AttributedResponsibility"),
    ("item-no-programme", drop("ex:item", "bk:programme"), "Item-programme", "exactly one programme"),
    ("item-bad-notation", put("ex:item", "skos:notation", '"1.0"'), "Item-notation", "notation"),
    ("item-notation-not-a-number", put("ex:item", "skos:notation", '"A.1"'), "Item-notation", "notation"),
    ("item-notation-other-programme", put("ex:item", "skos:notation", '"2.1"'), "Item-notationProgramme",
     "does not start with its programme"),
    ("decision-no-kind", drop("ex:decision-accept", "bk:decisionKind"), "Decision-kind", "bk:decisionKind"),
    ("decision-kind-not-a-kind", put("ex:decision-accept", "bk:decisionKind", "bk:Start"), "Decision-kind",
     "bk:decisionKind"),
    ("decision-about-nothing", drop("ex:decision-accept", "bk:decisionAbout"), "Decision-about",
     "exactly one drafted fact"),
    ("decision-no-curator", drop("ex:decision-accept", "<http://www.w3.org/ns/prov#wasAttributedTo>"),
     "Decision-curator", "exactly one curator"),
    ("decision-curator-an-agency", put("ex:decision-accept", "<http://www.w3.org/ns/prov#wasAttributedTo>",
                                       "ex:bureau"), "Decision-curator", "exactly one curator"),
    ("decision-time-untyped", put("ex:decision-accept", "<http://www.w3.org/ns/prov#generatedAtTime>",
                                  '"2026-12-04"'), "Decision-time", "xsd:dateTime"),
    ("rejection-without-reason", drop("ex:decision-reject", "bk:decisionReason"), "Decision-rejectedReason",
     "gives its reason"),
    ("rejection-without-quote", drop("ex:decision-reject", "bk:decisionEvidence"), "Decision-rejectedEvidence",
     "keeps the rejected fact's quote"),
    ("decision-evidence-not-a-quote", put("ex:decision-reject", "bk:decisionEvidence", "ex:sentence-1"),
     "Decision-evidence", "at most one quote"),
    ("decision-two-quotes", put("ex:decision-reject", "bk:decisionEvidence", "ex:q-rank , ex:q-rate"),
     "Decision-evidence", "at most one quote"),
    ("item-no-paragraph", drop("ex:item", "bk:describedIn"), "Item-text", "one paragraph"),
    ("project-orphan", drop("ex:project", "bk:partOfInitiative"), "PartOfInitiative-parent",
     "bk:partOfInitiative"),
    ("milestone-two-dates", add('ex:milestone time:inXSDgYearMonth "2021-04"^^xsd:gYearMonth'),
     "Milestone", "exactly one date"),
    ("milestone-no-date", drop("ex:milestone", "time:inXSDDate"), "Milestone", "exactly one date"),
    ("milestone-no-initiative", drop("ex:milestone", "bk:milestoneOf"), "Milestone-of", "bk:milestoneOf"),
    ("milestone-no-kind", drop("ex:milestone", "bk:milestoneKind"), "Milestone-kind", "bk:milestoneKind"),
    ("milestone-no-planned", drop("ex:milestone", "bk:planned"), "Milestone-planned", "bk:planned"),
    ("milestone-date-as-string", put("ex:milestone", "time:inXSDDate", '"2021-04-05"'), "Milestone-date",
     "xsd:date"),
    ("milestone-month-as-date", put("ex:milestone-month", "time:inXSDgYearMonth",
                                    '"2021-12-01"^^xsd:date'), "Milestone-month", "xsd:gYearMonth"),
    ("milestone-bad-qualifier", put("ex:milestone-month", "bk:valueQualifier", "bk:MoreThan"),
     "Milestone-qualifier", "bk:Before"),
    ("status-no-initiative", drop("ex:status", "bk:statusOf"), "StatusStatement-of", "exactly one initiative"),
    ("status-two-statuses", add("ex:status bk:status bk:StatusCompleted"), "StatusStatement-status",
     "exactly one bk:status"),
    ("status-not-a-status", put("ex:status", "bk:status", "bk:Completion"), "StatusStatement-status",
     "bk:ProjectStatus"),
    ("status-outside-scheme", "DELETE DATA { bk:StatusPartlyCompleted skos:inScheme bk:projectStatuses }",
     "StatusStatement-scheme", "bk:projectStatuses"),
    ("status-no-time", drop("ex:status", "bk:statusTime"), "StatusStatement-time", "exactly one time"),
    ("status-time-not-temporal", put("ex:status", "bk:statusTime", "ex:city"), "StatusStatement-time",
     "exactly one time"),
    ("status-two-quotes", add("ex:status bk:evidence ex:q-share"), "StatusStatement-evidence",
     "exactly one clause"),
    ("status-aspect-untagged", add('ex:status bk:aspect "work"'), "StatusStatement-aspect", "bk:aspect"),
    ("status-milestone-not-milestone", put("ex:status", "bk:statusMilestone", "ex:obs-actual"),
     "StatusStatement-milestone", "bk:Milestone"),
    ("status-observation-not-observation", put("ex:status", "bk:statusObservation", "ex:milestone"),
     "StatusStatement-observation", "bk:Observation"),
    ("status-concept-without-cue", "DELETE WHERE { bk:StatusStarted bk:cue ?cue }", "ProjectStatus-cue",
     "cue word"),
    # 完成100人次 says something is done, not that work has started (cue 开工)
    ("status-quote-without-cue", put("ex:status", "bk:status", "bk:StatusStarted"), "StatusStatement-cue",
     "contains no cue word"),
    ("status-share-without-figure", drop("ex:status", "bk:statusObservation"), "StatusStatement-share",
     "partly completed"),
    ("escape-status-untyped", drop("ex:status", "a"), "StatusStatementByProperty",
     "not a bk:StatusStatement"),
    ("period-no-end", drop("ex:period", "time:hasEnd"), "Period-end", "ends at exactly one instant"),
    ("period-begin-untyped", put("ex:start", "time:inXSDDate", '"2021-01-01"'), "Period-begin",
     "begins at most once"),
    ("share-disagrees", put("ex:obs-share", "bk:shareOfPlan", "55"), "ShareOfPlan-ratio",
     "is not actual ÷ target"),
    ("share-rounding-exceeded", put("ex:obs-share", "bk:shareOfPlan", "50.6"), "ShareOfPlan-ratio",
     "is not actual ÷ target"),
    ("share-units-differ", put("ex:obs-target", "sdmx-attribute:unitMeasure", "unit:NUM"),
     "ShareOfPlan-units", "same unit"),
    ("parts-do-not-sum", put("ex:obs-part-2", "bk:actual", "41"), "PartsSum-total", "sum to 101"),
    ("parts-missing", "DELETE WHERE { ?p bk:partOf ex:obs-actual }", "PartsSum-total", "sum to"),
    ("parts-unit-differs", put("ex:obs-part-2", "sdmx-attribute:unitMeasure", "unit:NUM"),
     "PartsSum-units", "but its whole is in"),
    ("normalised-missing", drop("ex:obs-money", "bk:normalisedValue"), "Normalised-present",
     "give bk:normalisedValue"),
    # rounded (1000000.004 for 1000000) without saying to what step: the value must be exact
    ("normalised-rounded-unsaid", put("ex:obs-money", "bk:normalisedValue", "1000000.004"), "Normalised-value",
     "exactly"),
    ("normalised-wrong", put("ex:obs-money", "bk:normalisedValue", "100000.0"), "Normalised-value",
     "is not 100"),
    # Escape routes (shapes/typing.ttl): a node that loses its class, or half of its triples, is still
    # checked, because the properties it keeps imply its class. (Removing an observation's evidence is
    # "no-evidence" above; changing a quote's begin offset alone is "quote-wrong-offsets".)
    ("escape-observation-untyped", drop("ex:obs-rate", "a"), "ObservationByProperty", "not a bk:Observation"),
    ("escape-observation-untyped-no-unit", drop("ex:obs-rate", "a") + " ; "
     + drop("ex:obs-rate", "sdmx-attribute:unitMeasure"), "ObservationByProperty", "not a bk:Observation"),
    ("escape-half-observation", "DELETE WHERE { ex:obs-rate a ?class ; bk:evidence ?quote }",
     "ObservationByProperty", "not a bk:Observation"),
    ("escape-all-evidenced-observations", "DELETE WHERE { ?o a bk:Observation ; bk:evidence ?q }",
     "ObservationByProperty", "not a bk:Observation"),
    ("escape-quote-shifted", put("ex:q-rank", "nif:beginIndex", '"53"^^xsd:nonNegativeInteger') + " ; "
     + put("ex:q-rank", "nif:endIndex", '"57"^^xsd:nonNegativeInteger'), "Quote-verbatim",
     "is not the source text"),
    ("escape-quote-untyped", drop("ex:q-rank", "a"), "QuoteByProperty", "not a bk:Quote"),
    ("escape-quote-untyped-shifted", drop("ex:q-rank", "a") + " ; "
     + put("ex:q-rank", "nif:beginIndex", '"53"^^xsd:nonNegativeInteger') + " ; "
     + put("ex:q-rank", "nif:endIndex", '"57"^^xsd:nonNegativeInteger'), "QuoteByProperty", "not a bk:Quote"),
    ("escape-sentence-untyped", drop("ex:sentence-2", "a"), "SentenceByProperty", "not a nif:Sentence"),
    ("escape-text-untyped", drop("ex:context", "a"), "ReportTextByProperty", "not a bk:ReportText"),
    ("escape-report-untyped", drop("ex:report", "a"), "ReportByProperty", "not a bk:Report"),
    ("escape-dataset-untyped", drop("ex:dataset", "a"), "DataSet", "not a qb:DataSet"),
    ("escape-dataset-no-structure", drop("ex:dataset", "qb:structure"), "DataSet-structure",
     "exactly one qb:structure"),
    ("escape-dsd-untyped", "DELETE DATA { bk:dsd a qb:DataStructureDefinition }", "DataSet-structure",
     "qb:DataStructureDefinition"),
    ("escape-theme-untyped", drop("ex:theme", "a"), "Typed", "has no rdf:type"),
    ("evidence-on-indicator", add("ex:indicator bk:evidence ex:q-name"), "EvidenceBearer", "has bk:evidence"),
    ("escape-project-untyped", drop("ex:project", "a"), "InitiativeByProperty", "not a bk:Initiative"),
    ("escape-item-untyped", drop("ex:item", "a"), "ItemByProperty", "not a bk:Item"),
    ("escape-milestone-untyped", drop("ex:milestone", "a"), "MilestoneByProperty", "not a bk:Milestone"),
    ("escape-stated-untyped", drop("ex:stated", "a"), "ResponsibilityByProperty", "not a bk:Responsibility"),
    ("escape-attributed-untyped", drop("ex:attributed", "a"), "AttributedByProperty",
     "not a bk:AttributedResponsibility"),
    ("escape-bureau-untyped", drop("ex:bureau", "a"), "OrganisationByProperty", "not an org:Organization"),
    ("escape-city-untyped", drop("ex:city", "a"), "PlaceByProperty", "not a bk:Place"),
    ("escape-road-untyped", drop("ex:road", "a"), "LinearFeatureByProperty", "not a bk:LinearFeature"),
    ("escape-crossing-road-untyped", drop("ex:highway", "a"), "PlaceByProperty", "not a bk:Place"),
    ("escape-prefecture-untyped", drop("ex:prefecture", "a"), "DivisionByProperty",
     "not a bk:AdministrativeDivision"),
    ("escape-chainage-untyped", drop("ex:chainage", "a"), "ChainageByProperty", "not a bk:Chainage"),
    ("escape-period-untyped", drop("ex:period", "a"), "PeriodByProperty", "not a bk:ReportingPeriod"),
    ("escape-instant-untyped", drop("ex:start", "a"), "InstantByProperty", "not a time:Instant"),
]


@pytest.fixture(scope="module")
def base() -> Graph:
    graph = ontology_graph()
    graph.parse(FIXTURES / "shapes-base.ttl", format="turtle")
    return graph


def mutated(base: Graph, update: str) -> Graph:
    graph = Graph()
    for triple in base:
        graph.add(triple)
    graph.update(PREFIXES + update)
    return graph


def sources(outcome: Outcome) -> set[str]:
    """Local names of every shape and SHACL-SPARQL constraint that reported a violation."""
    report = outcome.report
    found: set[str] = set()
    for result in report.subjects(RDF.type, SH.ValidationResult):
        for predicate in (SH.sourceShape, SH.sourceConstraint):
            node = report.value(result, predicate)
            if isinstance(node, URIRef) and str(node).startswith(SHAPES):
                found.add(str(node)[len(SHAPES):])
    return found


def test_base_fixture_conforms(base: Graph) -> None:
    outcome = validate(base)
    assert outcome.conforms, [f.message for f in outcome.findings]
    assert not outcome.findings


@pytest.mark.parametrize(("update", "shape", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_shape_fails_with_its_message(base: Graph, update: str, shape: str, words: str) -> None:
    outcome = validate(mutated(base, update))
    assert not outcome.conforms
    assert shape in sources(outcome), f"{shape} did not fire; fired: {sources(outcome)}"
    messages = " | ".join(f.message for f in outcome.violations())
    assert words in messages, messages


def test_offsets_read_back_from_oxigraph_still_conform(base: Graph) -> None:
    """Oxigraph returns xsd:nonNegativeInteger offsets as xsd:integer; the shapes must accept that."""
    retyped = mutated(base, put("ex:q-rank", "nif:beginIndex", "52") + " ; "
                      + put("ex:q-rank", "nif:endIndex", "56"))
    assert validate(retyped).conforms


def test_every_shape_has_a_failing_case() -> None:
    shapes = shapes_graph()
    named = {
        str(node)[len(SHAPES):]
        for kind in (SH.NodeShape, SH.PropertyShape, SH.SPARQLConstraint)
        for node in shapes.subjects(RDF.type, kind)
        if isinstance(node, URIRef)
    }
    covered = {case[2] for case in CASES}
    # A node shape whose only work is done by its named property shapes or constraints is covered
    # through them.
    for node in list(named):
        members = {
            str(m)[len(SHAPES):]
            for p in (SH.property, SH.sparql)
            for m in shapes.objects(URIRef(SHAPES + node), p)
            if isinstance(m, URIRef)
        }
        if members and members <= covered:
            covered.add(node)
    assert named - covered == set()


def test_any_reports_numbering_conforms(base: Graph) -> None:
    """The item notation is any report's <programme>.<item>, not the first report's three programmes of
    ten items: a fourth programme's twelfth item conforms."""
    renumbered = mutated(base, put("ex:programme", "skos:notation", '"4"') + " ; "
                         + put("ex:item", "skos:notation", '"4.12"'))
    outcome = validate(renumbered)
    assert outcome.conforms, [f.message for f in outcome.findings]
