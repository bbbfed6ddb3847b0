"""``bolekg extract``: draft a report's graph from its text, or (``--evaluate``) measure the drafting on
this project's report against its curated graph. Thin: argument parsing over :mod:`bolekg.extract`.

Exit codes: 0 the draft conforms to the draft profile (``--evaluate``: every target met); 1 it does not
(targets missed); 2 bad input (unreadable file, unknown division code, malformed date or report ID).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from bolekg.exit_codes import EXIT_ERROR, EXIT_INVALID, EXIT_OK

if TYPE_CHECKING:
    from rdflib import Graph

    from bolekg.extract.draft import Draft
    from bolekg.extract.registry import Registry

#: What ``--evaluate`` drafts by default: the project's own report, with the metadata a person would give
#: on the command line for it (the report date is the editors', docs/ENCODING.md "Period").
EVALUATE_DEFAULTS = {"report": "bole-2021-h1-draft", "title": "博乐市“我为群众办实事”实践活动工作进展(2021年上半年)",
                     "place": "652701", "date": "2021-06-30"}


def _progress(message: str) -> None:
    print(f"bolekg extract: {message}", file=sys.stderr, flush=True)


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {value!r}") from None


def _registry(args: argparse.Namespace) -> Registry | None:
    """The registry to link to: ``--link-to`` files, the project's own by default, none with ``--no-link``."""
    from bolekg.extract.registry import default_registry_files, read_registry

    if args.no_link:
        return None
    paths = args.link_to or default_registry_files()
    _progress("linking to the registry in " + ", ".join(str(p) for p in paths))
    return read_registry(paths)


def _draft(path: Path, report: str, title: str, place: str, when: date,
           registry: Registry | None = None) -> tuple[str, Draft, Graph]:
    from bolekg.extract.draft import extract
    from bolekg.extract.reading import read_report
    from bolekg.extract.writer import DraftWriter
    from bolekg.report.reports import check_report_id

    try:
        check_report_id(report)
    except ValueError as error:
        raise ValueError(f"--report: {error}") from error
    _progress(f"reading {path}")
    text = read_report(path)
    draft = extract(text, report, title, place, when)
    sentences = len(draft.document.sentences())
    _progress(f"{len(draft.document.blocks)} paragraphs, {sentences} sentences, {len(draft.figures)} figures, "
              f"{len(draft.organisations)} organisations, {len(draft.places)} places")
    unresolved = sum(1 for f in draft.figures if f.notes)
    _progress(f"{unresolved} figures with something unresolved (bk:unresolved)")
    _progress(f"{len(draft.statuses)} status statements, {len(draft.responsibilities)} stated responsibilities")
    writer = DraftWriter(draft, registry)
    graph = writer.write()
    if registry is not None:
        for kind in ("place", "organisation"):
            outcomes = [r.link.outcome for r in writer.links.values() if r.kind == kind]
            _progress(f"{kind}s named: {len(outcomes)}, linked {outcomes.count('linked')}, ambiguous (flagged) "
                      f"{outcomes.count('ambiguous')}, new {outcomes.count('new')}")
    return text, draft, graph


def cmd_extract(args: argparse.Namespace) -> int:
    from bolekg.extract.gazetteer import by_code
    from bolekg.extract.profile import validate_draft
    from bolekg.report.validate import format_outcome

    if args.evaluate:
        return cmd_evaluate(args)
    missing = [f"--{name}" for name in ("report", "title", "place", "date") if getattr(args, name) is None]
    if args.file is None or missing:
        print("bolekg extract: needs FILE and " + ", ".join(missing or ["--report …"])
              + " (or --evaluate)", file=sys.stderr)
        return EXIT_ERROR
    try:
        by_code(args.place)
    except KeyError as error:
        print(f"bolekg extract: --place: {error.args[0]}", file=sys.stderr)
        return EXIT_ERROR
    try:
        registry = _registry(args)
    except (OSError, SyntaxError, ValueError) as error:
        print(f"bolekg extract: --link-to: {error}", file=sys.stderr)
        return EXIT_ERROR
    _, _, graph = _draft(args.file, args.report, args.title, args.place, args.date, registry)
    _progress("checking the draft against the draft profile of the shapes")
    outcome = validate_draft(graph, registry)
    turtle = graph.serialize(format="turtle")
    if args.output:
        args.output.write_text(turtle, encoding="utf-8")
        _progress(f"wrote {len(graph)} triples to {args.output}")
    else:
        sys.stdout.write(turtle)
    if not outcome.conforms:
        sys.stderr.write(format_outcome(outcome))
        return EXIT_INVALID
    _progress("the draft conforms to the draft profile")
    return EXIT_OK


def cmd_evaluate(args: argparse.Namespace) -> int:
    """The headline scores on a draft linked to nothing (as a new region's report would be drafted with
    no registry of its own); the linking measured apart, on the same draft linked to the registry."""
    from bolekg.extract.evaluate import curated_graph, evaluate, evaluate_links, format_evaluation, format_linking
    from bolekg.extract.writer import DraftWriter
    from bolekg.paths import SOURCE_FILE

    path = args.file or SOURCE_FILE
    report = args.report or EVALUATE_DEFAULTS["report"]
    title = args.title or EVALUATE_DEFAULTS["title"]
    place = args.place or EVALUATE_DEFAULTS["place"]
    when = args.date or date.fromisoformat(EVALUATE_DEFAULTS["date"])
    text, draft, graph = _draft(path, report, title, place, when)
    _progress(f"reading the curated graph in {args.curated}")
    curated = curated_graph(args.curated)
    result = evaluate(graph, curated, text)
    sys.stdout.write(format_evaluation(result, verbose=args.verbose))
    registry = _registry(args)
    if registry is not None:
        writer = DraftWriter(draft, registry)
        writer.write()
        linking = evaluate_links(list(writer.links.values()), curated, text, registry.sources)
        sys.stdout.write(format_linking(linking))
    return EXIT_OK if result.met else EXIT_INVALID


def register_extract(commands: argparse._SubParsersAction) -> None:
    from bolekg.paths import TURTLE_DIR

    extract = commands.add_parser(
        "extract", help="draft a report's graph from its text (.txt, .html, .pdf); --evaluate measures it",
        description="Draft a report's graph from its text: figures with unit, qualifier, measure type, period, "
                    "indicator words, place and agency, each with its quote and a confidence; what cannot be "
                    "resolved is flagged (bk:unresolved). The draft is checked against the draft profile.")
    extract.add_argument("file", nargs="?", type=Path, help="the report: plain text, an HTML page or a PDF")
    extract.add_argument("--report", help="the report's ID, lower-case ASCII words joined by '-' (jinghe-2021-h1)")
    extract.add_argument("--title", help="the report's title, as the report gives it")
    extract.add_argument("--place", help="the division code of the place the report is about (652701)")
    extract.add_argument("--date", type=_date, help="the report date, YYYY-MM-DD: the end of 截至目前")
    extract.add_argument("-o", "--output", type=Path, help="write the draft's Turtle here (default: stdout)")
    extract.add_argument("--link-to", nargs="+", type=Path, metavar="FILE",
                         help="the registry of shared places and organisations to link to (Turtle files; default "
                              "data/turtle/places.ttl and organisations.ttl); only their descriptions are read")
    extract.add_argument("--no-link", action="store_true",
                         help="link nothing: every place and organisation the report names is the draft's own")
    extract.add_argument("--evaluate", action="store_true",
                         help="draft this project's report (or FILE) and print recall, precision and accuracies "
                              "against the curated graph")
    extract.add_argument("--curated", type=Path, default=TURTLE_DIR,
                         help="with --evaluate: the curated graph's directory (default data/turtle)")
    extract.add_argument("-v", "--verbose", action="store_true",
                         help="with --evaluate: list the missed, spurious and mismatched figures")
    extract.set_defaults(func=cmd_extract)
