"""The numeric audit of a report held in a store (``bolekg audit --report ID``): every number in its text
is encoded by a curated fact, part of a period phrase, skipped for a curator's reason, or still pending
curation — said as such, so an unfinished curation reports what is left.

The audit itself is :mod:`bolekg.report.audit`; only where its three inputs come from differs from the
Bole report's:

- the text is the one the store holds (the ``nif:isString`` of the report's ``bk:ReportText``), cut into
  sentences by the extractor's reader (:func:`bolekg.extract.structure.parse_document`, which gave the
  draft its sentence IDs); only when nothing of the report is in the store yet is it the draft's;
- the facts are the report's own graph (quotes are per report), the periods they name may be shared,
  so the periods come from the whole store;
- the ledger is derived, not kept by hand: a rejected fact's decision (``bk:Rejected``, its
  ``bk:decisionReason`` and its quote, ``bk:decisionEvidence``) skips the numbers in that quote for the
  curator's reason; a number inside a period phrase (the extractor's period lexicon,
  :func:`bolekg.extract.cues.period_phrases`) is a period when an encoded fact of its sentence has a
  period that covers the phrase's. Hand rows (``--audit-dir``, the format of ``data/audit/``) may
  account for the rest: numbers no drafted fact quotes (a heading's count, an idiom).

A number neither encoded nor skipped nor a period is unaccounted; where a fact still in the draft file
quotes it (or, for a number in a period phrase, a figure of its sentence is still in the draft) it is
*pending curation*, with that fact's IRI. A figure still in the draft that states a number keeps it
pending even inside the quote of a rejected neighbour: its own decision is still to come.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from rdflib import Graph, Literal, URIRef

from bolekg.extract.cues import Period, period_phrases
from bolekg.extract.structure import parse_document
from bolekg.report.audit import (
    AuditResult,
    Fact,
    LedgerRow,
    encoded_by,
    graph_facts,
    ledger_files,
    read_ledger,
    run_audit,
    short,
)
from bolekg.report.mentions import Mention, SentenceText, find_mentions
from bolekg.report.quads import to_rdflib
from bolekg.report.reports import check_report_id, report_graph_iri
from bolekg.report.vocab import BK, DCT, NIF, PERIOD, RDF, SDMX_DIM, TIME, sparql_prefixes
from bolekg.services import curation
from bolekg.services.drafts import Drafts
from bolekg.store import GraphStore

#: Every reporting period of the store with its begin and end dates (shared ones live in other graphs).
PERIODS_QUERY = sparql_prefixes("bk", "time") + """
CONSTRUCT { ?p a bk:ReportingPeriod ; time:hasBeginning ?b ; time:hasEnd ?e .
            ?b time:inXSDDate ?bd . ?e time:inXSDDate ?ed }
WHERE { ?p a bk:ReportingPeriod .
        OPTIONAL { ?p time:hasBeginning ?b . ?b time:inXSDDate ?bd }
        OPTIONAL { ?p time:hasEnd ?e . ?e time:inXSDDate ?ed } }"""


class ReportAuditError(ValueError):
    """The report cannot be audited: not in the store and no draft of it, or no text."""


@dataclass(frozen=True)
class Rejection:
    """A rejected fact as its decision keeps it: where its quote was, and why."""

    decision: URIRef
    fact: URIRef
    begin: int
    end: int
    reason: str


# --------------------------------------------------------------------------- what the store holds


def report_graph(store: GraphStore, report_id: str) -> Graph:
    """The report's own graph (empty when the store has none)."""
    return to_rdflib(store.graph_triples(report_graph_iri(check_report_id(report_id))) or [])


def store_periods(store: GraphStore) -> Graph:
    """Every ``bk:ReportingPeriod`` in the store with its begin and end dates."""
    return to_rdflib(store.query(PERIODS_QUERY).triples())


def text_of(graph: Graph) -> str | None:
    """The report's text as ``graph`` holds it: its ``bk:ReportText``'s ``nif:isString``."""
    for context in graph.subjects(RDF.type, BK.ReportText):
        value = graph.value(context, NIF.isString)
        if value is not None:
            return str(value)
    return None


def report_date(graph: Graph) -> date | None:
    """The report's date (``dct:date`` of its ``bk:Report``), which dates 截至目前 and a year not written."""
    for report in graph.subjects(RDF.type, BK.Report):
        value = graph.value(report, DCT.date)
        if isinstance(value, Literal):
            try:
                return date.fromisoformat(str(value)[:10])
            except ValueError:
                continue
    return None


def rejections(graph: Graph) -> list[Rejection]:
    """Every rejected fact's decision with its quote's offsets and its reason."""
    found = []
    for decision in graph.subjects(BK.decisionKind, BK.Rejected):
        quote = graph.value(decision, BK.decisionEvidence)
        fact = graph.value(decision, BK.decisionAbout)
        begin, end = graph.value(quote, NIF.beginIndex), graph.value(quote, NIF.endIndex)
        if not isinstance(decision, URIRef) or not isinstance(fact, URIRef) or begin is None or end is None:
            continue  # the shapes require the quote; a store that lacks it leaves the numbers unaccounted
        found.append(Rejection(decision, fact, int(str(begin)), int(str(end)),
                               str(graph.value(decision, BK.decisionReason) or "").strip()))
    return sorted(found, key=lambda r: (r.begin, r.end, str(r.fact)))


# --------------------------------------------------------------------------- the derived ledger


def _dates(periods: Graph, period: URIRef) -> tuple[date | None, date | None]:
    def day(edge: URIRef) -> date | None:
        instant = periods.value(period, edge)
        value = periods.value(instant, TIME.inXSDDate) if instant is not None else None
        return date.fromisoformat(str(value)[:10]) if value is not None else None

    return day(TIME.hasBeginning), day(TIME.hasEnd)


def covers(outer: tuple[date | None, date | None], phrase: Period) -> bool:
    """Whether a fact's period (begin, end; a begin not stated is open) covers a period phrase's."""
    begin, end = outer
    if end is None or phrase.end > end:
        return False
    return begin is None or (phrase.begin is not None and begin <= phrase.begin)


def period_rows(text: SentenceText, mentions: Sequence[Mention], facts: Sequence[Fact], graph: Graph,
                periods: Graph, when: date | None) -> list[LedgerRow]:
    """A number inside a period phrase of its sentence is a period where an encoded observation of that
    sentence has a period (``sdmx-dimension:refPeriod``) that covers the phrase's."""
    if when is None:
        return []
    rows: list[LedgerRow] = []
    phrases: dict[str, list[tuple[int, int, Period]]] = {}
    for mention in mentions:
        if encoded_by(facts, mention):
            continue
        sentence = text.sentence(mention.sentence_id)
        if sentence.id not in phrases:
            phrases[sentence.id] = period_phrases(text.text, sentence.begin, sentence.end, when)
        for begin, end, phrase in phrases[sentence.id]:
            if not begin <= mention.begin < mention.end <= end:
                continue
            row = _period_row(mention, text.text[begin:end], phrase, sentence.begin, sentence.end, facts, graph,
                              periods)
            if row is not None:
                rows.append(row)
                break
    return rows


def _period_row(mention: Mention, words: str, phrase: Period, sentence_begin: int, sentence_end: int,
                facts: Sequence[Fact], graph: Graph, periods: Graph) -> LedgerRow | None:
    for fact in facts:
        if fact.kind != "observation" or fact.problems or not any(
                sentence_begin <= b and e <= sentence_end for b, e in fact.spans):
            continue
        period = graph.value(fact.iri, SDMX_DIM.refPeriod)
        if not isinstance(period, URIRef) or not str(period).startswith(str(PERIOD)):
            continue
        if covers(_dates(periods, period), phrase):
            slug = str(period)[len(str(PERIOD)):]
            return LedgerRow(None, 0, mention.begin, mention.end, mention.text, f"period:{slug}",
                             f"in the period phrase {words}, the period of {short(fact.iri)}",
                             origin=short(fact.iri))
    return None


def rejection_rows(rejected: Sequence[Rejection], mentions: Sequence[Mention], facts: Sequence[Fact],
                   drafted: Sequence[Fact], taken: set[str]) -> list[LedgerRow]:
    """The numbers inside a rejected fact's quote, skipped for the curator's reason — but for those a
    curated fact encodes, a period row took (``taken``), or a fact still in the draft encodes."""
    rows: list[LedgerRow] = []
    for rejection in rejected:
        for mention in mentions:
            if not rejection.begin <= mention.begin < mention.end <= rejection.end or mention.key in taken:
                continue
            if encoded_by(facts, mention) or encoded_by(drafted, mention):
                continue
            taken.add(mention.key)
            rows.append(LedgerRow(None, 0, mention.begin, mention.end, mention.text, "skip",
                                  f"rejected {short(rejection.fact)}: {rejection.reason}",
                                  origin=short(rejection.decision)))
    return rows


# --------------------------------------------------------------------------- the audit


def audit_report(store: GraphStore, report_id: str, drafts: Drafts | None = None,
                 audit_dir: Path | None = None) -> AuditResult:
    """Audit report ``report_id`` as the store holds it, with what is left in its draft (if ``drafts``
    has one) named as pending curation, and hand rows from ``audit_dir`` if given."""
    graph = report_graph(store, report_id)
    draft = drafts.read(report_id) if drafts is not None and drafts.exists(report_id) else None
    words = text_of(graph)
    if words is None and draft is not None:
        words = curation.report_text(draft) or None  # nothing decided yet: the draft's text, the same one
    if words is None:
        raise ReportAuditError(f"report {report_id!r}: the store holds no text of it and there is no draft of it")
    document = parse_document(words)
    text = SentenceText(words, tuple(document.sentences()))
    mentions = find_mentions(text)
    facts = graph_facts(graph)
    drafted = graph_facts(draft) if draft is not None else []
    periods = store_periods(store)
    when = report_date(graph) or (report_date(draft) if draft is not None else None)
    rows = period_rows(text, mentions, facts, graph, periods, when)
    rows += rejection_rows(rejections(graph), mentions, facts, drafted, {f"{r.begin}-{r.end}" for r in rows})
    if audit_dir is not None:
        rows += read_ledger(ledger_files(audit_dir))
    result = run_audit(text, graph, rows, shared=periods)
    result.report = report_id
    if draft is not None:
        _mark_pending(result, text, draft, when)
    return result


def _mark_pending(result: AuditResult, text: SentenceText, draft: Graph, when: date | None) -> None:
    """Name the drafted facts still to decide that each unaccounted number waits for: those that quote
    it, or for a number in a period phrase, the figures of its sentence still in the draft (accepted,
    one of them makes it a period)."""
    waiting = curation.facts(draft)
    for status in result.unaccounted:
        mention = status.mention
        found = [f for f in waiting if f.begin <= mention.begin and mention.end <= f.end]
        sentence = text.sentence(mention.sentence_id)
        if not found and when is not None and any(
                b <= mention.begin and mention.end <= e for b, e, _ in
                period_phrases(text.text, sentence.begin, sentence.end, when)):
            found = [f for f in waiting if f.kind == "observation" and f.period is not None
                     and sentence.begin <= f.begin and f.end <= sentence.end]
        status.pending = [short(f.iri) for f in found]
        if status.pending:
            status.by = [f"pending curation: {', '.join(status.pending)}"]
