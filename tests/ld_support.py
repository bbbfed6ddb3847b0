"""Real parts for the linked-data tests: an ``oxigraph serve`` process, the app under waitress, small shapes.

The session fixtures built from these parts are in ``conftest.py``: the ``oxigraph serve`` process
lives for the session and every remote store built on it starts by emptying it.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from rdflib import BNode, Dataset, Graph, URIRef
from rdflib.namespace import RDFS

from bolekg.processes import free_port, stop, wait_until_answering
from bolekg.report.validate import Outcome, validate
from bolekg.report.vocab import SKOS
from bolekg.store import EmbeddedStore, GraphStore, RemoteStore
from bolekg.store.servers import VIRTUOSO_DEFAULT_GRAPH

VENV_BIN = Path(sys.executable).parent
EX = "https://example.org/test/"

#: Shapes the real data satisfies trivially (it has no ex:Widget), so a write can be made valid or
#: invalid on purpose: a widget needs a label and at most one integer count.
SMALL_SHAPES_TTL = f"""
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <{EX}> .
ex:WidgetShape a sh:NodeShape ;
    sh:targetClass ex:Widget ;
    sh:property [ sh:path rdfs:label ; sh:minCount 1 ; sh:message "A widget needs a label" ] ;
    sh:property [ sh:path ex:count ; sh:datatype xsd:integer ; sh:maxCount 1 ] .
"""
SMALL_SHAPES = Graph().parse(data=SMALL_SHAPES_TTL, format="turtle")


def small_validator(graph: Graph) -> Outcome:
    """The real pySHACL validation, against the small shapes instead of the project's."""
    return validate(graph, shapes=SMALL_SHAPES)



@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


def fetch(url: str, method: str = "GET", headers: dict[str, str] | None = None,
          data: bytes | None = None) -> Reply:
    """One HTTP exchange over a real socket; HTTP errors are answers, not exceptions."""
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return Reply(response.status, {k.lower(): v for k, v in response.headers.items()}, response.read())
    except urllib.error.HTTPError as error:
        return Reply(error.code, {k.lower(): v for k, v in error.headers.items()}, error.read())


def wait_until_up(url: str, process: subprocess.Popen | None = None, attempts: int = 300) -> None:
    """Wait for a server the tests started: ``attempts`` polls' worth of time, 0.1 s each."""
    wait_until_answering(url, process, timeout=attempts * 0.1)



@contextlib.contextmanager
def oxigraph_process(location: Path) -> Iterator[str]:
    """A real ``oxigraph serve`` on a free loopback port, stopped by PID; yields its root URL."""
    port = free_port()
    process = subprocess.Popen(
        [str(VENV_BIN / "oxigraph"), "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    root = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{root}/query?query=ASK%7B%7D", process)
        yield root
    finally:
        stop(process)


#: Why the Virtuoso tests cannot run here, or "" when they can (``make servers`` installs it).
VIRTUOSO_MISSING = "" if shutil.which("virtuoso-t") and shutil.which("isql-vt") else (
    "OpenLink Virtuoso is not installed (virtuoso-t and isql-vt not on PATH): `make servers` installs "
    "the Debian package virtuoso-opensource-7-bin, and could not here")

_VIRTUOSO_INI = """[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql}
DisableUnixSocket = 1
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
DirsAllowed = {d}
[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {d}
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 120
"""


@contextlib.contextmanager
def virtuoso_process(location: Path) -> Iterator[str]:
    """A real OpenLink Virtuoso on two free loopback ports (SQL and HTTP) with a throwaway database in
    ``location``, stopped by PID; yields its HTTP root URL. Its anonymous SPARQL user may write, as a
    BoleKG behind it needs (README "On another SPARQL server")."""
    sql, http = free_port(), free_port()
    ini = location / "virtuoso.ini"
    ini.write_text(_VIRTUOSO_INI.format(d=location, sql=sql, http=http), encoding="utf-8")
    process = subprocess.Popen(["virtuoso-t", "+foreground", "+configfile", str(ini)], cwd=location,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    root = f"http://127.0.0.1:{http}"
    try:
        wait_until_up(f"{root}/sparql?query=ASK%7B%7D", process)
        grant = 'GRANT SPARQL_UPDATE TO "SPARQL"; DB.DBA.RDF_DEFAULT_USER_PERMS_SET (\'nobody\', 7);'
        done = subprocess.run(["isql-vt", f"127.0.0.1:{sql}", "dba", "dba", f"exec={grant}"],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0 and "Error" not in done.stdout, done.stdout + done.stderr
        yield root
    finally:
        stop(process)


def empty_remote(root: str, kind: str = "remote") -> None:
    """Drop every graph of the test server at ``root``: an ``oxigraph serve`` ("remote"), or a Virtuoso
    ("virtuoso", whose system graphs stay)."""
    if kind == "virtuoso":
        store = RemoteStore(f"{root}/sparql", server="virtuoso")
        drops = " ; ".join(f"DROP SILENT GRAPH <{g}>" for g in [*store.graph_names(), VIRTUOSO_DEFAULT_GRAPH])
        reply = fetch(f"{root}/sparql", "POST", {"Content-Type": "application/x-www-form-urlencoded"},
                      urllib.parse.urlencode({"update": drops}).encode())
    else:
        reply = fetch(f"{root}/update", "POST", {"Content-Type": "application/sparql-update"}, b"DROP ALL")
    assert reply.status in (200, 204), reply.text


def new_store(kind: str, remote_root: str | None, validator=small_validator,  # type: ignore[no-untyped-def]
              directory: Path | None = None, timeout: float | None = None) -> GraphStore:
    """An empty store of the given kind, validating with ``validator``: "embedded" (in memory), "disk"
    (on disk under ``directory``), "remote" (on the ``oxigraph serve`` at ``remote_root``) or
    "virtuoso" (on the Virtuoso at ``remote_root``); a remote store's queries stop after ``timeout``."""
    if kind == "embedded":
        return EmbeddedStore(validator=validator)
    if kind == "disk":
        assert directory is not None
        return EmbeddedStore(directory, validator=validator)
    assert remote_root is not None
    empty_remote(remote_root, kind)
    if kind == "virtuoso":
        return RemoteStore(f"{remote_root}/sparql", validator=validator, timeout=timeout, server="virtuoso")
    return RemoteStore(f"{remote_root}/query", validator=validator, timeout=timeout)


def remote_root(request: pytest.FixtureRequest, kind: str, read_only: bool = False) -> str | None:
    """The server a store of ``kind`` lives on (``conftest.py``; started only when a test asks for that
    kind): the scratch server of tests that write, or with ``read_only`` the one that fixtures load
    once per module."""
    server = {"remote": "oxigraph", "virtuoso": "virtuoso"}.get(kind)
    if server is None:
        return None
    return request.getfixturevalue(f"{server}_{'server' if read_only else 'scratch'}")


#: The literals Virtuoso rewrites on the way in: a ``geo:wktLiteral`` becomes its own ``virtrdf:Geometry``
#: in single precision (Virtuoso issues #456 and #773; ``tests/test_virtuoso.py`` pins it).
WKT_LITERAL = URIRef("http://www.opengis.net/ont/geosparql#wktLiteral")
VIRTUOSO_GEOMETRY = URIRef("http://www.openlinksw.com/schemas/virtrdf#Geometry")


def as_kept_by(store: GraphStore | None, graph: Graph) -> Graph:
    """``graph`` less the triples ``store``'s server does not keep as given (on Virtuoso, its WKT
    literals), so that the rest can be compared exactly; ``graph`` itself for every other store."""
    if not (isinstance(store, RemoteStore) and store.server.name == "virtuoso"):
        return graph
    kept = Graph()
    for triple in graph:
        datatype = getattr(triple[2], "datatype", None)
        if datatype not in (WKT_LITERAL, VIRTUOSO_GEOMETRY):
            kept.add(triple)
    return kept


@contextlib.contextmanager
def running(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The WSGI app under waitress on a free loopback port, in a thread; yields its root URL."""
    from waitress.server import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    stop = threading.Event()

    def serve() -> None:
        # waitress's own run() loops until its sockets are closed under it, and closing them from
        # this thread raced its select() (EBADF in the loop thread): stop the loop first, then close
        while not stop.is_set():
            server.asyncore.loop(timeout=0.1, map=server._map, count=1)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        stop.set()
        thread.join(timeout=10)
        server.close()


def expected_document(union: Graph, iri: str) -> Graph:
    """What ``describe.DOCUMENT_QUERY`` should answer, computed independently with rdflib."""
    node = URIRef(iri)
    doc = Graph()
    mentioned: set = set()
    for s, p, o in union.triples((node, None, None)):
        doc.add((s, p, o))
        mentioned |= {p, o}
        if isinstance(o, BNode):
            for p2, o2 in union.predicate_objects(o):
                doc.add((o, p2, o2))
                mentioned |= {p2, o2}
                if isinstance(o2, BNode):
                    for t in union.triples((o2, None, None)):
                        doc.add(t)
    for s, p, o in union.triples((None, None, node)):
        doc.add((s, p, o))
        mentioned |= {s, p}
    for term in mentioned:
        if isinstance(term, URIRef):
            for prop in (RDFS.label, SKOS.prefLabel):
                for value in union.objects(term, prop):
                    doc.add((term, prop, value))
    return doc


def canonical(graph: Graph) -> Graph:
    """``graph`` as Oxigraph would store it: Oxigraph canonicalises literals (``1.0``^^xsd:decimal
    becomes ``1``), so expectations built with rdflib go through the same writer before comparing."""
    import pyoxigraph as ox

    store = ox.Store()
    store.load(graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    data = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()) or b""
    return Graph().parse(data=data, format="nt")


def query_url(root: str, query: str, **params: str) -> str:
    return f"{root}/sparql?" + urllib.parse.urlencode({"query": query, **params})


@dataclass
class Site:
    """The app, served over HTTP, on a store of one kind."""

    root: str
    store: GraphStore
    kind: str
    app: object


@contextlib.contextmanager
def serving(kind: str, oxigraph_root: str | None, dataset: Dataset, token: str | None = None,  # type: ignore[no-untyped-def]
            validator=small_validator, directory: Path | None = None) -> Iterator[Site]:
    """A fresh store of ``kind`` (:func:`new_store`) holding ``dataset``, behind the real app under waitress."""
    from bolekg.web import create_app

    store = new_store(kind, oxigraph_root, validator, directory)
    store.load(dataset)
    app = create_app({"STORE": store, "WRITE_TOKEN": token})
    try:
        with running(app) as root:
            yield Site(root, store, kind, app)
    finally:
        store.close()


@contextlib.contextmanager
def serving_kind(request: pytest.FixtureRequest, dataset: Dataset, tmp_path_factory: pytest.TempPathFactory,
                 label: str) -> Iterator[Site]:
    """The real data served read-only on the backend ``request.param`` names (embedded, disk, remote,
    virtuoso): the body of a module's parametrised ``site`` fixture."""
    kind = request.param
    directory = tmp_path_factory.mktemp(f"{label}-disk") / "store" if kind == "disk" else None
    with serving(kind, remote_root(request, kind, read_only=True), dataset, directory=directory) as site:
        yield site


def page_text(site: Site, path: str, headers: dict[str, str] | None = None) -> str:
    """The HTML of a page that must be there (200, text/html)."""
    reply = fetch(site.root + path, headers=headers)
    assert reply.status == 200 and reply.header("Content-Type").startswith("text/html"), \
        (path, reply.status, reply.text[:300])
    return reply.text


def make_home(root: Path, dataset: Dataset) -> Path:
    """A copy of the project (``BOLEKG_HOME``) whose data is ``dataset``'s report graph in one file and
    whose shapes are the small test shapes, so a test can make the data invalid without touching the
    real tree."""
    from bolekg.paths import ONTOLOGY_FILE, WEB_DIR
    from bolekg.report.vocab import REPORT_GRAPH

    (root / "ontology").mkdir(parents=True)
    (root / "ontology" / ONTOLOGY_FILE.name).write_bytes(ONTOLOGY_FILE.read_bytes())
    (root / "data" / "turtle").mkdir(parents=True)
    dataset.graph(REPORT_GRAPH).serialize(root / "data" / "turtle" / "all.ttl", format="turtle")
    (root / "shapes").mkdir()
    (root / "shapes" / "small.ttl").write_text(SMALL_SHAPES_TTL, encoding="utf-8")
    (root / "web").symlink_to(WEB_DIR)
    return root


@contextlib.contextmanager
def serve_home(home: Path, env: dict[str, str], *options: str) -> Iterator[str]:
    """A real ``bolekg serve`` of ``home`` (:func:`make_home`) on a free loopback port with ``env``
    and ``options``; yields its root URL, stops it by PID, and fails the test if its log has a traceback."""
    port = free_port()
    log_path = home / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([str(VENV_BIN / "bolekg"), "serve", "--port", str(port), *options],
                                   env={**env, "BOLEKG_HOME": str(home)}, stdout=log, stderr=subprocess.STDOUT)
    root = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{root}/openapi.json", process)
        yield root
    finally:
        stop(process)
    assert b"Traceback" not in log_path.read_bytes(), log_path.read_text(errors="replace")[-3000:]
