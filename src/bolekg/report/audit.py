"""The numeric audit: every number in the report is either encoded in the graph or skipped for a reason.

Why: a knowledge graph of a report is only trustworthy if nothing the report counts was silently
dropped and nothing encoded contradicts the words it cites. The audit therefore works from the text
outwards (every mention :mod:`bolekg.report.mentions` finds must be accounted for) and from the graph inwards
(every observation, milestone and chainage must find its own value in the quote it points to).

A mention is *encoded* when a fact's evidence quote contains it and the fact's value equals it:
an observation's absolute value (``bk:change -0.004`` encodes ``下降0.004%``), a milestone's year,
month or day, a chainage's metres (``K2+196`` → 2196). Otherwise it must be listed in the ledger,
``data/audit/<part>.tsv`` (columns ``begin end text disposition reason``), as ``skip`` (headings such
as “10项”, list numbers, road names like S304) or ``period:<slug>`` (part of a period phrase such as
2021年1-6月). The ledger lists only what the graph does not encode, so a row for an encoded mention,
a row whose offsets name no mention and a period that does not exist are reported too.

Every function takes the corpus, graph and ledger rows as parameters so tests can audit a small
synthetic report; :func:`audit` loads the real ones.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from rdflib import Graph, Literal, URIRef

from bolekg.paths import DATA_DIR
from bolekg.report.corpus import load as load_corpus
from bolekg.report.dataset import load_dataset, union_graph
from bolekg.report.mentions import Mention, Segmented, chinese_value, find_mentions
from bolekg.report.vocab import BK, NIF, PERIOD, PREFIXES, QB, RDF, TIME, XSD

AUDIT_DIR = DATA_DIR / "audit"
LEDGER_HEADER = ("begin", "end", "text", "disposition", "reason")
HEADER_LINE = "\t".join(LEDGER_HEADER)
#: Parts of the report, in reading order, with the label the Markdown table shows.
PARTS = {"intro": "intro", "s1": "一", "s2": "二", "s3": "三"}
DATE_PROPERTIES = (TIME.inXSDDate, TIME.inXSDgYearMonth, TIME.inXSDgYear)
DATE_PATTERN = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")
NUMERIC_TYPES = {f"{XSD}{name}" for name in (
    "integer", "decimal", "double", "float", "int", "long", "short", "byte", "nonNegativeInteger",
    "positiveInteger", "nonPositiveInteger", "negativeInteger", "unsignedLong", "unsignedInt",
    "unsignedShort", "unsignedByte")}
CHAINAGE_PATTERN = re.compile(r"^K(\d+)\+(\d+)$")
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class LedgerError(ValueError):
    """A ledger file cannot be read or has a malformed row; the message names the file and line."""


@dataclass(frozen=True)
class LedgerRow:
    """One row of the ledger: from a file (``path`` and ``line``), or derived from the graph (``origin``
    names what it comes from: a curation decision, a fact whose period it is)."""

    path: Path | None
    line: int
    begin: int
    end: int
    text: str
    disposition: str  # "skip" or "period:<slug>"
    reason: str
    origin: str = ""

    @property
    def where(self) -> str:
        return self.origin or f"{self.path}:{self.line}"

    @property
    def period(self) -> str | None:
        return self.disposition.removeprefix("period:") if self.disposition.startswith("period:") else None


@dataclass(frozen=True)
class Fact:
    """An observation, milestone or chainage as the audit sees it: its quotes and the values it states."""

    iri: URIRef
    kind: str  # "observation", "milestone" or "chainage"
    spans: tuple[tuple[int, int], ...]
    values: tuple[Decimal, ...]  # |value|; (year, month[, day]); metres
    as_written: bool = False
    has_note: bool = False
    problems: tuple[str, ...] = ()

    def contains(self, mention: Mention) -> bool:
        return any(begin <= mention.begin and mention.end <= end for begin, end in self.spans)


@dataclass
class MentionStatus:
    mention: Mention
    status: str = "unaccounted"  # "encoded", "period", "skipped" or "unaccounted"
    by: list[str] = field(default_factory=list)  # fact IRIs, or the ledger's disposition and reason
    pending: list[str] = field(default_factory=list)  # unaccounted: the drafted facts still to decide that quote it

    @property
    def part(self) -> str:
        return part_of(self.mention.sentence_id)


@dataclass
class AuditResult:
    corpus: Segmented = field(repr=False)
    mentions: list[MentionStatus]
    disagreements: list[str]
    errors: list[str]
    #: the report audited from a store (``bolekg audit --report``); None for the shipped Bole report
    report: str | None = None

    @property
    def unaccounted(self) -> list[MentionStatus]:
        return [m for m in self.mentions if m.status == "unaccounted"]

    @property
    def ok(self) -> bool:
        return not self.unaccounted and not self.disagreements and not self.errors


def part_of(sentence_id: str) -> str:
    """``intro-01`` → ``intro``; ``s1-i01-03`` and ``s1-heading-01`` → ``s1``."""
    return sentence_id.split("-", 1)[0]


# --------------------------------------------------------------------------- the ledger (TSV files)


def ledger_files(directory: Path = AUDIT_DIR) -> list[Path]:
    """The ledger's TSV files; a missing directory is an empty ledger (nothing skipped yet)."""
    return sorted(directory.glob("*.tsv")) if directory.is_dir() else []


def read_ledger(paths: Iterable[Path]) -> list[LedgerRow]:
    """Parse ledger files strictly: a malformed row is an error, never silently ignored."""
    rows: list[LedgerRow] = []
    for path in paths:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            raise LedgerError(f"{path}: cannot read: {error}") from error
        if not lines or tuple(lines[0].split("\t")) != LEDGER_HEADER:
            raise LedgerError(f"{path}:1: the header must be {HEADER_LINE!r} (tab-separated)")
        for number, line in enumerate(lines[1:], start=2):
            if line.strip() and not line.startswith("#"):
                rows.append(_ledger_row(path, number, line))
    return rows


def _ledger_row(path: Path, number: int, line: str) -> LedgerRow:
    where = f"{path}:{number}"
    fields = line.split("\t")
    if len(fields) != len(LEDGER_HEADER):
        raise LedgerError(f"{where}: expected {len(LEDGER_HEADER)} tab-separated columns, got {len(fields)}")
    begin_text, end_text, text, disposition, reason = fields
    try:
        begin, end = int(begin_text), int(end_text)
    except ValueError:
        raise LedgerError(f"{where}: begin and end must be integers: {begin_text!r}, {end_text!r}") from None
    if not 0 <= begin < end:
        raise LedgerError(f"{where}: need 0 <= begin < end, got {begin}-{end}")
    if not text:
        raise LedgerError(f"{where}: the text column is empty")
    slug = disposition.removeprefix("period:")
    if disposition != "skip" and not (disposition.startswith("period:") and SLUG_PATTERN.match(slug)):
        raise LedgerError(f"{where}: disposition must be 'skip' or 'period:<slug>', got {disposition!r}")
    if disposition == "skip" and not reason.strip():
        raise LedgerError(f"{where}: a skipped mention needs a reason")
    return LedgerRow(path, number, begin, end, text, disposition, reason.strip())


# --------------------------------------------------------------------------- the graph's facts


def mention_value(mention: Mention) -> Decimal:
    """The number a mention states: ``128.2``; ``八`` → 8; ``第三`` → 3; ``DN600`` → 600; ``K2+196`` → 2196.

    A chainage is compared as metres because that is how ``bk:chainageMetres`` states it.
    """
    if mention.kind == "number":
        return Decimal(mention.text)
    if mention.kind == "code":
        chainage = CHAINAGE_PATTERN.match(mention.text)
        if chainage:
            return Decimal(int(chainage[1]) * 1000 + int(chainage[2]))
        return Decimal(re.sub(r"^\D+", "", mention.text))
    return Decimal(chinese_value(mention.text))


def _is_chainage(mention: Mention) -> bool:
    return mention.kind == "code" and CHAINAGE_PATTERN.match(mention.text) is not None


def _number(node: object) -> Decimal | None:
    """A typed numeric literal's value; a string such as "5834" is not a number (the encoding forbids it)."""
    if not isinstance(node, Literal) or node.datatype is None or str(node.datatype) not in NUMERIC_TYPES:
        return None
    try:
        return Decimal(str(node))
    except InvalidOperation:
        return None


def _spans(graph: Graph, subject: URIRef) -> tuple[tuple[tuple[int, int], ...], list[str]]:
    spans: list[tuple[int, int]] = []
    problems: list[str] = []
    for quote in graph.objects(subject, BK.evidence):
        begin, end = graph.value(quote, NIF.beginIndex), graph.value(quote, NIF.endIndex)
        try:
            spans.append((int(str(begin)), int(str(end))))
        except ValueError:
            problems.append(f"its quote {short(quote)} has no integer nif:beginIndex/nif:endIndex")
    if not spans and not problems:
        problems.append("it has no bk:evidence quote")
    return tuple(spans), problems


def _observation(graph: Graph, iri: URIRef) -> Fact:
    spans, problems = _spans(graph, iri)
    measures = list(graph.objects(iri, QB.measureType))
    values: list[Decimal] = []
    if len(measures) != 1:
        problems.append(f"it has {len(measures)} qb:measureType values, not one")
    else:
        stated = list(graph.objects(iri, measures[0]))
        numbers = [_number(v) for v in stated]
        if len(stated) != 1 or numbers[0] is None:
            problems.append(f"it needs exactly one number under {short(measures[0])}, has {len(stated)}")
        else:
            values = [abs(number) for number in numbers if number is not None]
    return Fact(iri, "observation", spans, tuple(values), problems=tuple(problems))


def _milestone(graph: Graph, iri: URIRef) -> Fact:
    spans, problems = _spans(graph, iri)
    dates = [str(d) for p in DATE_PROPERTIES for d in graph.objects(iri, p)]
    values: tuple[Decimal, ...] = ()
    parsed = DATE_PATTERN.match(dates[0]) if len(dates) == 1 else None
    if parsed is None:
        problems.append(f"it needs exactly one time:inXSDDate or time:inXSDgYearMonth, has {dates}")
    else:
        values = tuple(Decimal(part) for part in parsed.groups() if part is not None)
    return Fact(iri, "milestone", spans, values,
                as_written=(iri, BK.asWritten, None) in graph,
                has_note=(iri, BK.editorialNote, None) in graph,
                problems=tuple(problems))


def _chainage(graph: Graph, iri: URIRef) -> Fact:
    spans, problems = _spans(graph, iri)
    metres = _number(graph.value(iri, BK.chainageMetres))
    if metres is None:
        problems.append("it has no numeric bk:chainageMetres")
    return Fact(iri, "chainage", spans, (metres,) if metres is not None else (), problems=tuple(problems))


def graph_facts(graph: Graph) -> list[Fact]:
    """Every observation, milestone and chainage in the graph (asserted types only, no inference)."""
    readers = ((BK.Observation, _observation), (BK.Milestone, _milestone), (BK.Chainage, _chainage))
    facts: list[Fact] = []
    for cls, reader in readers:
        subjects = sorted(s for s in set(graph.subjects(RDF.type, cls)) if isinstance(s, URIRef))
        facts += [reader(graph, s) for s in subjects]
    return facts


def encodes(fact: Fact, mention: Mention) -> bool:
    """Whether ``fact`` encodes ``mention``: its quote contains the mention and a value matches."""
    if fact.problems or not fact.contains(mention):
        return False
    if fact.kind == "chainage":
        return _is_chainage(mention) and mention_value(mention) in fact.values
    if _is_chainage(mention):
        return False
    if fact.kind == "milestone":  # dates are written in Arabic numerals
        return mention.kind == "number" and mention_value(mention) in fact.values
    return mention_value(mention) in fact.values


# --------------------------------------------------------------------------- agreement of facts with text


def _disagreement(fact: Fact, mentions: Sequence[Mention], text: str) -> str | None:
    """Why ``fact`` does not agree with its quote(s), or None when it does."""
    if fact.problems:
        return f"{short(fact.iri)}: " + "; ".join(fact.problems)
    quoted = " / ".join(text[b:e] for b, e in fact.spans)
    inside = [m for m in mentions if fact.contains(m)]
    if fact.kind == "milestone":
        return _milestone_disagreement(fact, inside, text, quoted)
    if not any(encodes(fact, m) for m in inside):
        value = _plain(fact.values[0])
        return f"{short(fact.iri)}: value {value} is not a number in its quote “{quoted}”"
    return None


def _milestone_disagreement(fact: Fact, inside: list[Mention], text: str, quoted: str) -> str | None:
    if fact.as_written:  # a garbled date kept as written (2022年月9): the note explains it
        return None
    numbers = {mention_value(m) for m in inside if m.kind == "number"}
    year, *rest = fact.values
    missing = [f"{name} {_plain(v)}" for name, v in zip(("month", "day"), rest, strict=False)
               if v not in numbers]
    written_years = {mention_value(m) for m in inside
                     if m.kind == "number" and text[m.end:m.end + 1] == "年"}
    if year not in numbers:
        if written_years:
            missing.append(f"year {year} (the quote writes {', '.join(map(_plain, sorted(written_years)))})")
        elif not fact.has_note:
            missing.append(f"year {year} (not written, and no bk:editorialNote saying it comes from context)")
    if missing:
        return f"{short(fact.iri)}: {' and '.join(missing)} not in its quote “{quoted}”"
    return None


# --------------------------------------------------------------------------- the audit


def encoded_by(facts: Sequence[Fact], mention: Mention) -> list[str]:
    """The IRIs of the facts that encode ``mention``."""
    return [str(f.iri) for f in facts if encodes(f, mention)]


def run_audit(corpus: Segmented, graph: Graph, rows: Sequence[LedgerRow], shared: Graph | None = None) -> AuditResult:
    """Account for every mention in ``corpus`` by the facts in ``graph`` and the ledger ``rows``; a
    period a row names must be in ``shared`` (by default ``graph``): a report other than Bole's points at
    periods that may live in another graph."""
    mentions = find_mentions(corpus)
    facts = graph_facts(graph)
    statuses = {m.key: MentionStatus(m) for m in mentions}
    for status in statuses.values():
        status.by = encoded_by(facts, status.mention)
        if status.by:
            status.status = "encoded"
    errors = _apply_ledger(statuses, rows, graph if shared is None else shared)
    disagreements = [d for f in facts if (d := _disagreement(f, mentions, corpus.text)) is not None]
    return AuditResult(corpus, list(statuses.values()), disagreements, errors)


def _apply_ledger(statuses: dict[str, MentionStatus], rows: Sequence[LedgerRow], graph: Graph) -> list[str]:
    errors: list[str] = []
    listed: dict[str, LedgerRow] = {}
    for row in rows:
        status = statuses.get(f"{row.begin}-{row.end}")
        if status is None or status.mention.text != row.text:
            errors.append(f"{row.where}: no mention {row.text!r} at {row.begin}-{row.end} (stale offsets?)")
            continue
        if row.path is not None and row.path.stem in PARTS and status.part != row.path.stem:
            errors.append(f"{row.where}: mention {row.begin}-{row.end} is in part {status.part}, "
                          f"not {row.path.stem}")
        if status.mention.key in listed:
            errors.append(f"{row.where}: mention {row.begin}-{row.end} is already listed at "
                          f"{listed[status.mention.key].where}")
            continue
        listed[status.mention.key] = row
        if status.status == "encoded":
            errors.append(f"{row.where}: mention {row.begin}-{row.end} {row.text!r} is encoded by "
                          f"{', '.join(map(short, status.by))}; remove it from the ledger")
            continue
        if row.period is not None and (PERIOD[row.period], RDF.type, None) not in graph:
            errors.append(f"{row.where}: period:{row.period} does not exist in the graph")
        status.status = "skipped" if row.period is None else "period"
        status.by = [f"{row.disposition}: {row.reason}" if row.reason else row.disposition]
    return errors


def audit(corpus: Segmented | None = None, graph: Graph | None = None,
          audit_dir: Path = AUDIT_DIR) -> AuditResult:
    """The audit of the shipped report, graph and ledger (any of them replaceable)."""
    if corpus is None:
        corpus = load_corpus()
    if graph is None:
        graph = union_graph(load_dataset())
    return run_audit(corpus, graph, read_ledger(ledger_files(audit_dir)))


# --------------------------------------------------------------------------- output


def short(iri: object) -> str:
    """An IRI as a CURIE with the project's prefixes, for people to read."""
    text = str(iri)
    for prefix, namespace in sorted(PREFIXES.items(), key=lambda item: -len(item[1])):
        if text.startswith(namespace):
            return f"{prefix}:{text[len(namespace):]}"
    return f"<{text}>"


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral_value() else str(value)


def parts(result: AuditResult) -> list[str]:
    """The Bole report's parts; another report's, in reading order (its programmes may be more)."""
    if result.report is None:
        return list(PARTS)
    return list(dict.fromkeys(m.part for m in result.mentions))


def counts(result: AuditResult) -> dict[str, dict[str, int]]:
    """Per part and in total: mentions, encoded, period, skipped, unaccounted (and for a report in a
    store, how many of those unaccounted are pending curation)."""
    table: dict[str, dict[str, int]] = {}
    for part in [*parts(result), "total"]:
        chosen = [m for m in result.mentions if part in ("total", m.part)]
        row = {"mentions": len(chosen)}
        for status in ("encoded", "period", "skipped", "unaccounted"):
            row[status] = sum(m.status == status for m in chosen)
        if result.report is not None:
            row["pending"] = sum(m.status == "unaccounted" and bool(m.pending) for m in chosen)
        table[part] = row
    return table


def coverage(row: dict[str, int]) -> float:
    return 100.0 if not row["mentions"] else 100.0 * (row["mentions"] - row["unaccounted"]) / row["mentions"]


def _snippet(result: AuditResult, mention: Mention, width: int = 16) -> str:
    sentence = result.corpus.sentence(mention.sentence_id)
    text = result.corpus.text
    begin, end = max(sentence.begin, mention.begin - width), min(sentence.end, mention.end + width)
    return (("…" if begin > sentence.begin else "") + text[begin:mention.begin] + "[" + mention.text + "]"
            + text[mention.end:end] + ("…" if end < sentence.end else ""))


def _problems(result: AuditResult) -> list[str]:
    return ([f"disagreement {d}" for d in result.disagreements]
            + [f"ledger error {e}" for e in result.errors])


def _why_unaccounted(result: AuditResult, status: MentionStatus) -> str:
    """For a report in a store: what is still to be done about an unaccounted mention."""
    if result.report is None:
        return ""
    if status.pending:
        return f" — pending curation: {', '.join(status.pending)}"
    return " — no drafted fact quotes it: a ledger row (--audit-dir) must account for it"


def format_audit(result: AuditResult) -> str:
    lines = [f"unaccounted {m.mention.key} {m.mention.text} {m.mention.sentence_id}: "
             f"{_snippet(result, m.mention)}{_why_unaccounted(result, m)}" for m in result.unaccounted]
    lines += _problems(result)
    total = counts(result)["total"]
    pending = f" ({total['pending']} pending curation)" if result.report is not None else ""
    lines.append(f"{total['mentions']} mentions: {total['encoded']} encoded, {total['period']} period, "
                 f"{total['skipped']} skipped, {total['unaccounted']} unaccounted{pending} "
                 f"({coverage(total):.1f} % accounted); {len(result.disagreements)} disagreements, "
                 f"{len(result.errors)} ledger errors")
    if result.report is not None:
        lines[-1] = f"report {result.report}: {lines[-1]}"
    return "\n".join(lines) + "\n"


def format_markdown(result: AuditResult) -> str:
    extra = result.report is not None
    lines = ["| section | mentions | encoded | period | skipped | unaccounted |"
             + (" pending curation |" if extra else "") + " coverage % |",
             "| --- | ---: | ---: | ---: | ---: | ---: |" + (" ---: |" if extra else "") + " ---: |"]
    for part, row in counts(result).items():
        label = PARTS.get(part, part) if part != "total" else "**total**"
        pending = f" {row['pending']} |" if extra else ""
        lines.append(f"| {label} | {row['mentions']} | {row['encoded']} | {row['period']} | {row['skipped']} "
                     f"| {row['unaccounted']} |{pending} {coverage(row):.1f} |")
    problems = _problems(result)
    if problems:
        lines += ["", *(f"- {p}" for p in problems)]
    return "\n".join(lines) + "\n"


def format_json(result: AuditResult) -> str:
    mentions = []
    for m in result.mentions:
        entry: dict[str, object] = {"begin": m.mention.begin, "end": m.mention.end, "text": m.mention.text,
                                    "kind": m.mention.kind, "sentence": m.mention.sentence_id, "part": m.part,
                                    "status": m.status, "by": m.by}
        if result.report is not None:
            entry["pending"] = m.pending
        mentions.append(entry)
    document: dict[str, object] = {"counts": counts(result), "mentions": mentions,
                                   "disagreements": result.disagreements, "errors": result.errors}
    if result.report is not None:
        document = {"report": result.report, **document}
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


FORMATTERS = {"text": format_audit, "md": format_markdown, "json": format_json}
