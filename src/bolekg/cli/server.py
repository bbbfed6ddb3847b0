"""``bolekg load``, ``bolekg serve`` and ``bolekg export``: thin wrappers over the store, the web app and export.

``load`` and ``serve`` put the data through the SHACL gate before anything is written; invalid data
prints the readable report and exits 1, leaving the store as it was.
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from bolekg.exit_codes import EXIT_ERROR, EXIT_INVALID, EXIT_OK

if TYPE_CHECKING:
    from flask import Flask

    from bolekg.store import GraphStore


def store_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", type=Path, metavar="DIR",
                        help="on-disk pyoxigraph store (kept across restarts); default: in memory")
    parser.add_argument("--endpoint", metavar="URL",
                        help="a SPARQL 1.1 query endpoint to use instead of the embedded store")
    parser.add_argument("--graph-store", metavar="URL",
                        help="its Graph Store Protocol URL (default: …/store next to a …/query endpoint)")
    parser.add_argument("--update-endpoint", metavar="URL",
                        help="its SPARQL Update URL (default: …/update next to a …/query endpoint)")
    # no argparse choices: they would import the profiles (and rdflib) before any command runs;
    # bolekg.store.servers.server_profile refuses an unknown name with the list
    parser.add_argument("--server", default="oxigraph", metavar="NAME",
                        help="the server behind --endpoint: oxigraph (default), fuseki or virtuoso; "
                             "sets the update and Graph Store URLs beside the endpoint and works around its habits")


def _open(args: argparse.Namespace) -> GraphStore:
    from bolekg.store import open_store

    if args.store and args.endpoint:
        raise ValueError("give --store or --endpoint, not both")
    return open_store(path=args.store, endpoint=args.endpoint, graph_store=args.graph_store,
                      update_endpoint=args.update_endpoint, server=args.server)


def _where(args: argparse.Namespace) -> str:
    if args.endpoint:
        return f"remote store {args.endpoint}"
    return f"embedded store in {args.store}" if args.store else "embedded store in memory"


def _load(store: GraphStore, args: argparse.Namespace) -> int:
    """The project's own data (the ontology and the Bole report) replaces its graphs; every other
    report the store holds is kept, and the new data is validated together with them, so a reload
    can neither drop them silently nor strand them (a shared place they point at, removed)."""
    from bolekg.report.dataset import read_graphs
    from bolekg.report.reports import report_id_of
    from bolekg.store import WriteRejected

    graphs = read_graphs()
    kept = {name: store.graph_triples(name) or [] for name in store.graph_names()
            if report_id_of(name) is not None and name not in graphs}
    if kept:
        ids = ", ".join(sorted(str(report_id_of(name)) for name in kept))
        print(f"bolekg load: keeping the other reports in {_where(args)} ({ids}); checking the data together "
              "with them", file=sys.stderr)
    try:
        store.load_graphs(graphs, beside=kept)
    except WriteRejected as error:
        sys.stdout.write(error.report_text())
        beside = " together with the other reports it holds (drop them with `bolekg load --drop-report ID`)" \
            if kept else ""
        print(f"bolekg: not loaded: the data does not conform{beside}; {_where(args)} is unchanged.",
              file=sys.stderr)
        return EXIT_INVALID
    print(f"Loaded {store.triple_count()} triples into {_where(args)}: {', '.join(store.graph_names())}")
    return EXIT_OK


class _ReportExists(Exception):
    """The report is in the store and ``--replace`` was not given: raised inside the write, so nothing changes."""


def _load_report(store: GraphStore, args: argparse.Namespace) -> int:
    """``bolekg load --report ID FILE...``: the files become report ID's graph, through the gate
    (:meth:`GraphStore.write_report`): validated with everything else the store holds."""
    import pyoxigraph as ox

    from bolekg.report.reports import report_graph_iri
    from bolekg.services.reports import ReportFileError, check_report_resource, read_report_file
    from bolekg.store import WriteRejected

    report_id, graph = args.report, report_graph_iri(args.report)
    triples: list[ox.Triple] = []
    path = None
    try:
        for path in args.files:
            found = read_report_file(path, report_id)
            print(f"bolekg load: read {len(found)} triples from {path}", file=sys.stderr)
            triples.extend(found)
        check_report_resource(triples, report_id)
    except OSError as error:  # pyoxigraph's FileNotFoundError names no file: say which
        reason = "no such file" if isinstance(error, FileNotFoundError) else (error.strerror or str(error))
        print(f"bolekg load: {path}: {reason}; {_where(args)} is unchanged.", file=sys.stderr)
        return EXIT_ERROR
    except ReportFileError as error:
        print(f"bolekg load: not loaded: {error}; {_where(args)} is unchanged.", file=sys.stderr)
        return EXIT_INVALID
    target = ox.NamedNode(graph)

    def change(scratch: ox.Store) -> None:
        if scratch.contains_named_graph(target):
            if not args.replace:
                raise _ReportExists
            scratch.remove_graph(target)
        scratch.extend(ox.Quad(t.subject, t.predicate, t.object, target) for t in triples)
        scratch.add_graph(target)

    print(f"bolekg load: checking report {report_id} against the shapes together with the rest of the store…",
          file=sys.stderr)
    try:
        store.write_report(report_id, change)
    except _ReportExists:
        print(f"bolekg load: report {report_id} is already in {_where(args)} (graph <{graph}>); give --replace "
              "to replace it. Nothing was changed.", file=sys.stderr)
        return EXIT_ERROR
    except WriteRejected as error:
        sys.stdout.write(error.report_text())
        print(f"bolekg load: report {report_id} not loaded: the data does not conform; {_where(args)} is unchanged.",
              file=sys.stderr)
        return EXIT_INVALID
    print(f"Loaded report {report_id}: {len(store.graph_triples(graph) or [])} triples into graph <{graph}> of "
          f"{_where(args)}")
    return EXIT_OK


def _drop_report(store: GraphStore, args: argparse.Namespace) -> int:
    """``bolekg load --drop-report ID``: the report's graph goes, through the gate, which refuses if
    another report still points at something only this one holds."""
    import pyoxigraph as ox

    from bolekg.report.reports import report_graph_iri
    from bolekg.store import WriteRejected

    report_id = args.drop_report
    target = ox.NamedNode(report_graph_iri(report_id))

    def change(scratch: ox.Store) -> bool:
        if not scratch.contains_named_graph(target):
            return False
        scratch.remove_graph(target)
        return True

    print(f"bolekg load: checking that nothing else needs report {report_id}…", file=sys.stderr)
    try:
        dropped = store.write_report(report_id, change)
    except WriteRejected as error:
        sys.stdout.write(error.report_text())
        print(f"bolekg load: report {report_id} not dropped: the rest would not conform without it (another "
              f"report still needs it); {_where(args)} is unchanged.", file=sys.stderr)
        return EXIT_INVALID
    if not dropped:
        print(f"bolekg load: there is no report {report_id} in {_where(args)}.", file=sys.stderr)
        return EXIT_ERROR
    print(f"Dropped report {report_id} from {_where(args)}")
    return EXIT_OK


def _load_command(args: argparse.Namespace) -> str | None:
    """What the options ask of ``bolekg load``, or why they do not go together."""
    report, files = getattr(args, "report", None), getattr(args, "files", None) or []
    drop = getattr(args, "drop_report", None)
    if drop and (report or files):
        return "--drop-report ID takes no files and no --report"
    if report and not files:
        return "--report ID needs the report's files"
    if files and not report:
        return "files are loaded as a report: give --report ID (plain `bolekg load` loads the project's own data)"
    if getattr(args, "replace", False) and not report:
        return "--replace goes with --report ID"
    for value in (report, drop):
        if value:
            from bolekg.report.reports import check_report_id

            try:
                check_report_id(value)
            except ValueError as error:
                return str(error)
    return None


def on_store(args: argparse.Namespace, command: str, action: Callable[[GraphStore], int]) -> int:
    """``action(store)`` on the store the options name, closed afterwards; a store that cannot be
    opened (a refused on-disk store among them) or that fails is one line on stderr and exit 2."""
    from bolekg.store import StoreError

    try:
        store = _open(args)
    except (OSError, StoreError) as error:
        print(f"bolekg {command}: {error}", file=sys.stderr)
        return EXIT_ERROR
    try:
        return action(store)
    except StoreError as error:
        print(f"bolekg {command}: {error}", file=sys.stderr)
        return EXIT_ERROR
    finally:
        store.close()


def cmd_load(args: argparse.Namespace) -> int:
    wrong = _load_command(args)
    if wrong:
        print(f"bolekg load: {wrong}", file=sys.stderr)
        return EXIT_ERROR
    if args.drop_report:
        return on_store(args, "load", lambda store: _drop_report(store, args))
    if args.report:
        return on_store(args, "load", lambda store: _load_report(store, args))
    return on_store(args, "load", lambda store: _load(store, args))


def _worker_app(args: argparse.Namespace, app: Flask | None) -> Flask:
    """The app in the server's worker process: the one built here (in-memory or remote store), or
    a new one on the on-disk store, opened in the worker."""
    if app is not None:
        return app
    from bolekg.web import create_app

    return create_app({"STORE": _open(args)})


def _prepare(store: GraphStore, args: argparse.Namespace) -> int:
    """Load the data if the store needs it (or ``--reload``), else say what it already holds."""
    from bolekg.store import EmbeddedStore

    if args.reload or (isinstance(store, EmbeddedStore) and store.is_empty()):
        return _load(store, args)
    print(f"Serving {store.triple_count()} triples already in {_where(args)}")
    return EXIT_OK


def _prepare_apart(args: argparse.Namespace) -> int:
    """:func:`_prepare` for an on-disk store, in a throwaway child process.

    RocksDB starts its background threads (flushes, compactions) once per process, on the first
    database opened. A process forked after that inherits the flag but not the threads, so in
    Granian's worker, forked from this one, the first write that needed a flush waited forever and
    took every query with it (issue 13). So this process never opens the database: the child does
    the loading and counting, its threads die with it, and the server's worker opens the store as
    the first database of its own life.
    """
    import threading

    from bolekg.store.forked import run_forked

    def prepare() -> int:
        try:
            return on_store(args, "serve", lambda store: _prepare(store, args))
        finally:
            sys.stdout.flush()  # the child leaves through os._exit, which flushes nothing
            sys.stderr.flush()

    return run_forked(prepare, threading.Lock())


def cmd_serve(args: argparse.Namespace) -> int:
    from bolekg.store import StoreError
    from bolekg.web import create_app
    from bolekg.web.serving import check_bindable, serve_wsgi

    check_bindable(args.host, args.port)  # a busy port is one line (OSError, exit 2), before any loading
    from bolekg.settings import Settings

    # so is a bad setting (ValueError), of the front among them: the worker reads them again where it
    # builds the front
    settings = Settings.from_env()
    app = None
    if args.store:
        status = _prepare_apart(args)
        if status != EXIT_OK:
            return status
        writable = bool(settings.write_token)
    else:
        store = _open(args)
        try:
            status = _prepare(store, args)
            if status != EXIT_OK:
                store.close()
                return status
            app = create_app({"STORE": store})
        except StoreError as error:
            print(f"bolekg serve: {error}", file=sys.stderr)
            store.close()
            return EXIT_ERROR
        writable = app.extensions["bolekg"].writable
    shown = "127.0.0.1" if args.host in ("0.0.0.0", "") else args.host
    root = f"http://{shown}:{args.port}"
    print(f"BoleKG is running. Open {root}/\n"
          f"  SPARQL endpoint  {root}/sparql\n"
          f"  the report       {root}/id/report/bole-2021-h1\n"
          f"  dataset (VoID)   {root}/.well-known/void\n"
          f"  dumps            {root}/dumps/bolekg.ttl  {root}/dumps/observations.csv\n"
          f"  writes           {'enabled (bearer token)' if writable else 'disabled'}\n"
          "Press Ctrl+C to stop.", flush=True)
    try:
        # on disk, the server's worker opens the store (see _prepare_apart)
        serve_wsgi(functools.partial(_worker_app, args, app), host=args.host, port=args.port,
                   threads=args.threads)
    finally:
        if app is not None:
            app.extensions["bolekg"].store.close()
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from bolekg.formats import GRAPH_FORMATS
    from bolekg.report.dataset import load_dataset
    from bolekg.services.export import export

    fmt = next((f for f in GRAPH_FORMATS if args.format in f.names), None)
    if fmt is None:
        print(f"bolekg export: unknown format {args.format!r}", file=sys.stderr)
        return EXIT_ERROR
    data = export(load_dataset(), fmt, base=args.base)
    if args.output:
        args.output.write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return EXIT_OK


def register_linked_data(commands: argparse._SubParsersAction) -> None:
    load = commands.add_parser("load", help="validate the data and load it into a store; or add, replace "
                                            "or drop one report")
    store_options(load)
    load.add_argument("files", nargs="*", type=Path, metavar="FILE",
                      help="with --report: the report's Turtle (.ttl), TriG (.trig), N-Quads (.nq) or "
                           "N-Triples (.nt) files; TriG and N-Quads may hold only its graph or the default graph")
    load.add_argument("--report", metavar="ID",
                      help="load FILE... as report ID (graph/report/ID), validated with everything the store holds")
    load.add_argument("--replace", action="store_true", help="with --report: replace the report if it is there")
    load.add_argument("--drop-report", metavar="ID",
                      help="remove report ID (refused if another report still needs what it holds)")
    load.set_defaults(func=cmd_load)

    serve = commands.add_parser("serve", help="serve the SPARQL endpoint, IRIs and dumps over HTTP")
    store_options(serve)
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=5000, help="port (default 5000)")
    serve.add_argument("--threads", type=int, default=8,
                       help="threads answering pages, search and dumps at once (default 8); queries and writes "
                            "have a pool of their own, sized from BOLEKG_QUERY_WORKERS and BOLEKG_QUERY_QUEUE")
    serve.add_argument("--reload", action="store_true",
                       help="load the data files even into a store that already holds data")
    serve.set_defaults(func=cmd_serve)

    export_parser = commands.add_parser("export", help="write the dataset in any RDF format")
    export_parser.add_argument("--format", default="turtle",
                               help="turtle, ntriples, nquads, trig, jsonld or rdfxml (or an extension)")
    export_parser.add_argument("--base", metavar="NEW_BASE",
                               help="rebase every IRI under https://w3id.org/bolekg/ onto NEW_BASE")
    export_parser.add_argument("--output", "-o", type=Path, help="write to a file instead of stdout")
    export_parser.set_defaults(func=cmd_export)
