"""The pages people read: home, entity pages, reader, browse, search, dashboard, ontology, quality,
and the workbench at ``/sparql``. Thin: pick the language, call a builder in ``bolekg.pages``, render.

Language (``bolekg.i18n``): ``?lang=`` wins and is remembered in a cookie; otherwise the cookie,
then ``Accept-Language``. HTML responses say ``Vary: Accept-Language, Cookie`` so caches keep the
two languages apart.
"""

from __future__ import annotations

import json
import logging
import threading
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, g, render_template, request

from bolekg.errors import SparqlSyntaxError
from bolekg.formats import SERIALISATION_PREFIXES
from bolekg.i18n import COOKIE, LANGS, choose_lang, translate
from bolekg.pages import about as about_pages
from bolekg.pages import browse as browse_pages
from bolekg.pages import compare as compare_pages
from bolekg.pages import dashboard as dashboard_pages
from bolekg.pages import entity as entity_pages
from bolekg.pages import home as home_pages
from bolekg.pages import ontology as ontology_pages
from bolekg.pages import placemap as map_pages
from bolekg.pages import quality as quality_pages
from bolekg.pages import reader as reader_pages
from bolekg.pages import timeline as timeline_pages
from bolekg.pages.common import Context
from bolekg.pages.examples import examples
from bolekg.report.vocab import PREFIXES, REPORT_GRAPH, REPORT_IRI
from bolekg.services.reports import DEFAULT_REPORT, ReportEntry, list_reports, reader_path, reports_of
from bolekg.services.search import Found, SearchIndex, types_of
from bolekg.store import GraphStore
from bolekg.web.http import text_error
from bolekg.web.state import State, state

bp = Blueprint("pages", __name__)
log = logging.getLogger("bolekg.web")

REPORT = str(REPORT_IRI)
SEARCH_LIMIT = 50
#: Sentences a search shows (``SearchIndex.find``'s own default).
SENTENCE_LIMIT = 20
#: Hits and sentences asked of the index when a search is kept to one report, before those of other
#: reports are left out.
REPORT_SEARCH_LIMIT = 1000
#: What the workbench's editor starts with: the prefixes a query of this data needs.
WORKBENCH_PREFIXES = ("bk", "rdfs", "skos", "qb", "org", "geo", "prov", "nif", "sdmx-dimension",
                      "sdmx-attribute", "unit", "item", "place", "agency", "obs", "ind")


def lang() -> str:
    return g.get("lang") or choose_lang(request.args.get("lang"), request.cookies.get(COOKIE),
                                        request.accept_languages)


@bp.before_app_request
def _pick_language() -> None:
    g.lang = choose_lang(request.args.get("lang"), request.cookies.get(COOKIE), request.accept_languages)


@bp.after_app_request
def _remember_language(response: Response) -> Response:
    if response.mimetype == "text/html":
        response.vary.add("Accept-Language")
        response.vary.add("Cookie")
        asked = (request.args.get("lang") or "").lower()
        if asked in LANGS and request.cookies.get(COOKIE) != asked:
            response.set_cookie(COOKIE, asked, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


@bp.app_context_processor
def _language_context() -> dict[str, Any]:
    current = lang()
    other = "en" if current == "zh" else "zh"
    args = request.args.to_dict(flat=False)
    args["lang"] = [other]
    return {
        "lang": current,
        "t": lambda key, **values: translate(key, current, **values),
        "other_lang": other,
        "switch_href": request.path + "?" + urlencode(args, doseq=True),
        "writable": state().writable,
        # the ontology's namespace, for templates that name a class (bolekg.report.vocab, never spelt out)
        "bk": PREFIXES["bk"],
    }


def _context() -> Context:
    current = state()
    return Context(current.store, current.base, lang())


def _html(body: str, status: int = 200) -> Response:
    return Response(body, status=status, content_type="text/html; charset=utf-8")


# --- entity pages (called by the resources blueprint for the HTML representation) --------------------


def render_entity(iri: str) -> bytes | None:
    """The HTML page of ``iri``, or ``None`` when the store knows nothing about it. The page reads
    its own bounded share of the data, not the resource document the RDF formats serve."""
    current = state()
    page = entity_pages.build(current.store, current.base, lang(), iri)
    if page is None:
        return None
    return render_template("entity.html", page=page, section=page.section).encode("utf-8")


# --- home ------------------------------------------------------------------------------------------


def _reports() -> list[ReportEntry]:
    """The reports the store holds (:func:`bolekg.services.reports.list_reports`), once per version."""
    store = state().store
    return state().kept("reports", lambda: list_reports(store))


def _chosen_report() -> ReportEntry | None:
    """The report ``?report=ID`` names (404 if the store holds none by that ID), or ``None`` for all."""
    asked = request.args.get("report", "").strip()
    if not asked:
        return None
    found = next((entry for entry in _reports() if entry.id == asked), None)
    if found is None:
        abort(404)
    return found


@bp.route("/")
def home() -> Response:
    current_lang = lang()
    def build() -> tuple[Any, Any]:
        context = _context()
        found = home_pages.build(context, REPORT, _reports())
        board = dashboard_pages.build(context, str(REPORT_GRAPH))
        return found, board

    found, board = state().kept(f"home:{current_lang}", build)
    return _html(render_template("home.html", home=found, board=board, base=state().base))


# --- search ----------------------------------------------------------------------------------------


def _index() -> SearchIndex:
    store = state().store
    return state().kept("search-index", lambda: _built(store))


def _built(store: GraphStore) -> SearchIndex:
    """The index, built apart (``GraphStore.apart``): the server keeps the index (small beside the
    store), not the store pages and query rows its build went through."""
    return store.apart(lambda: SearchIndex.build(store))


def _wants_json() -> bool:
    if request.args.get("format", "").lower() == "json":
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes["application/json"] > \
        request.accept_mimetypes["text/html"]


def _href(iri: str, base: str) -> str:
    return "/" + iri[len(base):] if iri.startswith(base) else iri


def _wants_vocab() -> bool:
    """Vocabulary terms (classes, properties, units…) are searched only when asked for (``vocab=1``)."""
    return request.args.get("vocab", "").lower() in ("1", "true", "on", "yes")


@bp.route("/search")
def search() -> Response:
    query = (request.args.get("q") or "").strip()[:200]
    vocab = _wants_vocab()
    current_lang = lang()
    index = _index()
    chosen = _chosen_report()
    if chosen is None:
        found = index.find(query, SEARCH_LIMIT, vocab=vocab) if query else Found([], 0)
    else:
        found = _within(index.find(query, REPORT_SEARCH_LIMIT, vocab=vocab, sentence_limit=REPORT_SEARCH_LIMIT)
                        if query else Found([], 0), chosen.id)
    base = state().base
    results = []
    classes = types_of(state().store, (hit.iri for hit in found.hits))
    for hit in found.hits:
        names = index.names.get(hit.iri, {})
        types = classes.get(hit.iri, [])
        results.append({
            "iri": hit.iri,
            "href": _href(hit.iri, base),
            "name": index.name(hit.iri, current_lang),
            "names": {k: v for k, v in names.items() if k in LANGS},
            "types": types,
            "type_names": [index.name(t, current_lang) for t in types],
            "score": hit.score,
            "match": hit.match,
            "matched": hit.matched,
        })
    # a sentence's offsets are into its own report's text: the reader of that report
    of_report = reports_of(state().store, (s.iri for s in found.sentences)) if found.sentences else {}
    sentences: list[dict[str, Any]] = [{"iri": s.iri, "begin": s.begin, "report": of_report.get(s.iri),
                                        "href": reader_path(of_report.get(s.iri), s.anchor),
                                        "text": "".join(text for text, _ in s.parts), "parts": s.parts}
                                       for s in found.sentences]
    place = None
    if found.place is not None:
        place = {"places": [{"iri": p, "name": index.name(p, current_lang), "href": _href(p, base)}
                            for p in found.place.places],
                 "words": found.place.words, "topic": found.place.topic, "found": found.place.found}
    if _wants_json():
        body: dict[str, Any] = {"query": query, "lang": current_lang, "vocab": vocab,
                                "report": chosen.id if chosen else None, "total": found.total,
                                "results": results, "sentence_total": found.sentence_total,
                                "sentences": [{**s, "parts": [[text, mark] for text, mark in s["parts"]]}
                                              for s in sentences],
                                "sentences_of_topic": found.sentences_of_topic, "place": place}
        if not query:
            body["message"] = translate("search.empty", current_lang)
        elif not results and not sentences:
            body["message"] = translate("search.none", current_lang, q=query)
        response = Response(json.dumps(body, ensure_ascii=False), content_type="application/json; charset=utf-8")
        response.vary.add("Accept")
        return response
    words = query.split()
    response = _html(render_template("search.html", query=query, results=results, total=found.total,
                                     sentences=sentences, sentence_total=found.sentence_total,
                                     sentences_of_topic=found.sentences_of_topic, place=place, vocab=vocab,
                                     words=words if len(words) > 1 else [], report=chosen))
    response.vary.add("Accept")
    return response


def _within(found: Found, report_id: str) -> Found:
    """``found`` kept to what report ``report_id``'s graph states (``?report=ID``): the hits, at most
    :data:`SEARCH_LIMIT`, and the sentences of its text; totals are of what is kept of the first
    :data:`REPORT_SEARCH_LIMIT` asked for."""
    owners = reports_of(state().store, [*(hit.iri for hit in found.hits), *(s.iri for s in found.sentences)])
    hits = [hit for hit in found.hits if owners.get(hit.iri) == report_id]
    sentences = [s for s in found.sentences if owners.get(s.iri) == report_id]
    return Found(hits[:SEARCH_LIMIT], len(hits), sentences[:SENTENCE_LIMIT], len(sentences),
                 found.sentences_of_topic, found.place)


SUGGEST_LIMIT = 8


@bp.route("/search/suggest")
def suggest() -> Response:
    """Names as one types (``web/static/search.js``): a few of the best hits, JSON, in the page's
    language; the search page works the same without it."""
    query = (request.args.get("q") or "").strip()[:200]
    current_lang = lang()
    index = _index()
    hits, total = index.search(query, SUGGEST_LIMIT, vocab=_wants_vocab()) if query else ([], 0)
    base = state().base
    other = "en" if current_lang == "zh" else "zh"
    suggestions = []
    for hit in hits:
        names = index.names.get(hit.iri, {})
        second = names.get(other, "")
        name = index.name(hit.iri, current_lang)
        suggestions.append({"iri": hit.iri, "href": _href(hit.iri, base), "name": name,
                            "other": second if second != name else "", "match": hit.match})
    body = {"query": query, "lang": current_lang, "total": total, "suggestions": suggestions}
    response = Response(json.dumps(body, ensure_ascii=False), content_type="application/json; charset=utf-8")
    response.vary.add("Accept-Language")
    response.vary.add("Cookie")
    return response


# --- reader, browse, dashboard, ontology, quality ---------------------------------------------------


@bp.route("/reader")
def reader() -> Response:
    """``?marks=`` picks what is highlighted (``reader_pages.MARKS``): a handful of values, each kept;
    ``?part=section-N`` shows one programme (``reader_pages.Reader.part``), the whole report without it."""
    current_lang = lang()
    marks = reader_pages.marks_of(request.args.get("marks"))
    chosen = _chosen_report()
    graph = chosen.graph if chosen else str(REPORT_GRAPH)
    found = state().kept(f"reader:{current_lang}:{marks}:{graph}", lambda: reader_pages.build(_context(), marks, graph))
    asked = request.args.get("part")
    part = found.part(asked)
    if asked and part is None:
        abort(404)
    # the reader's own links keep the report (``?report=ID&…``); the project's own report needs none
    within = f"report={chosen.id}&" if chosen and chosen.id != DEFAULT_REPORT else ""
    return _html(render_template("reader.html", reader=found, part=part, report=chosen, within=within,
                                 part_of=found.part_of() if part else {}))


@bp.route("/browse")
def browse() -> Response:
    cls = request.args.get("class", "").strip()
    target, via = request.args.get("to", "").strip(), request.args.get("via", "").strip()
    context = _context()
    try:
        if target and via and not cls:
            links = browse_pages.links(context, target, via, _page_number())
            context.resolve()
            return _html(render_template("browse.html", classes=None, listing=None, links=links,
                                         queries=context.queries))
        if not cls:
            classes = state().kept(f"classes:{context.lang}", lambda: _classes(context))
            return _html(render_template("browse.html", classes=classes, listing=None))
        chosen = {name: request.args.get(name, "") for name in browse_pages.FACETS}
        listing = browse_pages.listing(context, cls, chosen, _page_number())
        context.resolve()
    except SparqlSyntaxError:
        raise        # the store refused a query of this page's own: a failure of the server (500), not of the request
    except ValueError:
        return text_error(400, "class, facet, to and via values must be IRIs")
    return _html(render_template("browse.html", classes=None, listing=listing, queries=context.queries))


def _page_number() -> int:
    try:
        return int(request.args.get("page", "1"))
    except ValueError:
        return 1


def _classes(context: Context) -> list[browse_pages.ClassCount]:
    found = browse_pages.classes(context)
    for entry in found:
        entry.href = "/browse?" + urlencode({"class": entry.link.iri})
    context.resolve()
    return found


@bp.route("/dashboard")
def dashboard() -> Response:
    """Every report's figures, or with ``?report=ID`` one report's."""
    current_lang = lang()
    chosen = _chosen_report()
    graph = chosen.graph if chosen else None
    board = state().kept(f"dashboard:{current_lang}:{graph}", lambda: dashboard_pages.build(_context(), graph))
    return _html(render_template("dashboard.html", board=board, report=chosen, reports=_reports()))


@bp.route("/compare")
def compare_index() -> Response:
    """The indicators with figures in some report (``?indicator=IRI``: that one's comparison)."""
    asked = request.args.get("indicator", "").strip()
    if asked:
        return _comparison(asked)
    current_lang = lang()
    found = state().kept(f"compare:{current_lang}", lambda: compare_pages.listing(_context()))
    return _html(render_template("compare.html", listing=found, page=None))


@bp.route("/compare/<name>")
def compare(name: str) -> Response:
    """One indicator across every report, by period, in one unit (:mod:`bolekg.pages.compare`)."""
    return _comparison(compare_pages.indicator_of(name), invalid=404)


def _comparison(iri: str, invalid: int = 400) -> Response:
    """The comparison of ``iri``; what cannot be an IRI is ``invalid`` (a bad parameter, 400; a path
    that names nothing, 404)."""
    # built for each request, like an entity page (a handful of queries bound to the indicator), not kept:
    # one kept page per indicator and language would push the costly ones (quality, search) out of
    # State.derived, which holds DERIVED_ENTRIES
    try:
        found = compare_pages.build(_context(), iri)
    except ValueError:
        return text_error(invalid, "indicator must be an IRI" if invalid == 400 else "No such indicator")
    if found is None:
        return text_error(404, f"No indicator {iri}")
    return _html(render_template("compare.html", listing=None, page=found))


@bp.route("/ontology")
def ontology() -> Response:
    """The whole ontology, or one of its sections (``?section=classes|properties|units``) on a page of its own."""
    current_lang = lang()
    found = state().kept(f"ontology:{current_lang}", lambda: ontology_pages.build(_context()))
    asked = request.args.get("section")
    section = found.section(asked)
    if asked and section is None:
        abort(404)
    return _html(render_template("ontology.html", onto=found, section=section))


@bp.route("/quality")
def quality() -> Response:
    store = state().store
    found = state().kept("quality", lambda: quality_pages.build(store))
    return _html(render_template("quality.html", quality=found))


@bp.route("/timeline")
def timeline() -> Response:
    """Every milestone and dated status statement in date order (:mod:`bolekg.pages.timeline`);
    ``format=json`` or ``Accept: application/json`` for the same entries as JSON."""
    current_lang = lang()
    found = state().kept(f"timeline:{current_lang}", lambda: timeline_pages.build(_context()))
    if _wants_json():
        response = Response(json.dumps({"lang": current_lang, **found.as_json()}, ensure_ascii=False),
                            content_type="application/json; charset=utf-8")
    else:
        response = _html(render_template("timeline.html", timeline=found))
    response.vary.add("Accept")
    return response


@bp.route("/map")
def place_map() -> Response:
    """Every place with coordinates over vendored administrative outlines (:mod:`bolekg.pages.placemap`);
    ``format=json`` or ``Accept: application/json`` for the places and their points as JSON."""
    current_lang = lang()
    found = state().kept(f"map:{current_lang}", lambda: map_pages.build(_context()))
    if _wants_json():
        response = Response(json.dumps({"lang": current_lang, **map_pages.as_json(found)}, ensure_ascii=False),
                            content_type="application/json; charset=utf-8")
    else:
        response = _html(render_template("map.html", placemap=found))
    response.vary.add("Accept")
    return response


@bp.route("/about")
def about() -> Response:
    current_lang = lang()
    store = state().store
    # the audit reads the whole graph: run once per version of the data, for both languages
    audited = state().kept("about:audit", lambda: about_pages.run_audit(store))
    found = state().kept(f"about:{current_lang}", lambda: about_pages.build(_context(), store, REPORT, audited))
    return _html(render_template("about.html", about=found))


@bp.route("/CITATION.cff")
def citation_file() -> Response:
    """The repository's CITATION.cff as it is. text/plain, not a YAML type: no media type is registered
    for CFF, and a browser shows text/plain where it would download application/yaml; UTF-8 for the
    report's Chinese title."""
    try:
        body = about_pages.CITATION_FILE.read_bytes()
    except OSError:
        return text_error(404, "CITATION.cff is not part of this installation")
    return Response(body, content_type="text/plain; charset=utf-8")


def warm_up(app: Any) -> threading.Thread:
    """Validate for ``/quality`` now, in a thread of its own, so that its first view finds the result
    (:mod:`bolekg.pages.quality`); a view that comes while it runs waits for this one build rather than
    starting another (:meth:`bolekg.query.cache.VersionedCache.get_or_build`).

    Called where the server's worker builds its front (:func:`bolekg.web.serving.serve_wsgi`), never
    before Granian forks it: a fork while the thread held the cache's build lock would leave the worker
    with a lock nobody can release, and every view of the page waiting on it. Returns once the build
    holds that lock (milliseconds), so a view that comes next waits for it and never starts its own."""
    current: State = app.extensions["bolekg"]
    holding = threading.Event()  # set once the build holds the cache's gate for "quality" (or it was kept)

    def build() -> quality_pages.Quality:
        holding.set()
        return quality_pages.build(current.store, "start-up")

    def run() -> None:
        try:
            current.kept("quality", build)
        except Exception:  # the page will try again on its first view, and say what failed there
            log.warning("quality: the validation at start-up failed", exc_info=True)
        finally:
            holding.set()

    thread = threading.Thread(target=run, name="bolekg-warm-up", daemon=True)
    thread.start()
    # returned only when no view can come first: the server takes requests after this returns
    holding.wait()
    return thread


# --- the workbench (the HTML answer of /sparql without a query) --------------------------------------


def workbench_prefixes() -> dict[str, str]:
    merged = {**SERIALISATION_PREFIXES, **PREFIXES}
    return {p: merged[p] for p in WORKBENCH_PREFIXES if p in merged}


#: The result views (YASR plugins) a share link may name with ``view=``: the ones the vendored YASR has.
WORKBENCH_VIEWS = ("table", "response")


def workbench_start(query: str) -> str:
    """The editor's first text: the project's prefixes, then ``query``. The prefixes stay in the text (a
    query that uses one without declaring it would fail), and the editor folds them into one line so
    the query itself is in view when the page opens (``workbench.js``)."""
    prefixes = workbench_prefixes()
    return "\n".join(f"PREFIX {p}: <{ns}>" for p, ns in prefixes.items()) + "\n\n" + query


def render_workbench(query: str, *, shared: bool = False, example: str | None = None,
                     view: str | None = None) -> str:
    """The workbench holding ``query``: as written when it came from a share link (``shared``), else
    after the project's prefixes. ``example`` names the example the query was loaded from (marked in
    the list), ``view`` the result view the link chose."""
    current_lang = lang()
    prefixes = workbench_prefixes()
    start = query if shared else workbench_start(query)
    known = {ex.name for ex in examples()}
    chosen = example if example in known else None
    return render_template("workbench.html", query=start, examples=examples(), prefixes=prefixes,
                           chosen_example=chosen, rows=min(max(start.count("\n") + 2, 8), 40),
                           config=json.dumps({"prefixes": {**SERIALISATION_PREFIXES, **PREFIXES},
                                              "lang": current_lang, "base": state().base,
                                              "example": chosen,
                                              # names for YASR's unlabelled controls
                                              "labels": {"pageSize": translate("wb.page_size", current_lang),
                                                         "answer": translate("wb.answer", current_lang)},
                                              "view": view if view in WORKBENCH_VIEWS else None},
                                             ensure_ascii=False))


# --- friendly error pages ------------------------------------------------------------------------------

#: Errors a person may meet in a browser, answered with a page in their language when they ask for HTML.
FRIENDLY_STATUSES = (404, 405, 500)
#: Paths whose errors stay exactly as the protocols define them, whatever the client asks: the SPARQL
#: endpoint and the Graph Store (their clients are programs; tests/test_endpoint_statuses.py).
MACHINE_PATHS = ("/sparql", "/store")


def _wants_html() -> bool:
    """Does the client ask for HTML before plain text, naming it (a browser's Accept)? A client that
    sends no Accept, ``*/*``, JSON or Turtle keeps the plain-text error it has always had."""
    accept = request.accept_mimetypes
    named = any(value in ("text/html", "application/xhtml+xml") and quality > 0 for value, quality in accept)
    return named and accept.best_match(["text/plain", "text/html"]) == "text/html"


def _friendly_error(response: Response) -> Response:
    """A 404, 405 or 500 for a person: the page in their language (``?lang=``, cookie, Accept-Language,
    as every page), with the site's navigation, a search box, a few places to go on, and the server's
    own message. Same status and headers (``Allow`` of a 405 among them, RFC 9110 §15.5.6). Runs on the
    finished response, so it covers Werkzeug's errors (no such route, method not allowed) and the
    plain-text ones the views send (no such resource, no such dump) alike."""
    if response.status_code not in FRIENDLY_STATUSES or request.path.startswith(MACHINE_PATHS) \
            or response.mimetype not in ("text/plain", "text/html") or not _wants_html():
        return response
    detail = response.get_data(as_text=True).strip() if response.mimetype == "text/plain" else ""
    query = "" if response.status_code == 500 else request.path.strip("/").rpartition("/")[2].replace("-", " ")
    try:
        body = render_template("error.html", status=response.status_code, detail=detail, query=query[:80])
    except Exception:  # the page itself failed (a broken store behind the navigation): the plain error stands
        return response
    response.set_data(body.encode("utf-8"))
    response.mimetype = "text/html"
    response.content_type = "text/html; charset=utf-8"
    response.vary.add("Accept")
    return response


def install_error_pages(app: Any) -> None:
    """Register :func:`_friendly_error` after :func:`bolekg.web.http.install`, so that it runs before the
    security headers are set (Flask runs ``after_request`` hooks last registered first) and the page gets
    its Content-Security-Policy."""
    app.after_request(_friendly_error)
