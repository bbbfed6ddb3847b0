"""The pages people read: home, entity pages, reader, browse, search, dashboard, ontology, quality,
and the workbench at ``/sparql``. Thin: pick the language, call a builder in ``bolekg.pages``, render.

Language (``bolekg.i18n``): ``?lang=`` wins and is remembered in a cookie; otherwise the cookie,
then ``Accept-Language``. HTML responses say ``Vary: Accept-Language, Cookie`` so caches keep the
two languages apart.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, g, render_template, request

from bolekg.formats import SERIALISATION_PREFIXES
from bolekg.i18n import COOKIE, LANGS, choose_lang, translate
from bolekg.pages import browse as browse_pages
from bolekg.pages import dashboard as dashboard_pages
from bolekg.pages import entity as entity_pages
from bolekg.pages import home as home_pages
from bolekg.pages import ontology as ontology_pages
from bolekg.pages import quality as quality_pages
from bolekg.pages import reader as reader_pages
from bolekg.pages.common import Context
from bolekg.pages.examples import examples
from bolekg.report.vocab import PREFIXES, REPORT_IRI
from bolekg.services.search import SearchIndex, types_of
from bolekg.store import GraphStore
from bolekg.web.http import text_error
from bolekg.web.state import state

bp = Blueprint("pages", __name__)

REPORT = str(REPORT_IRI)
SEARCH_LIMIT = 50
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


@bp.route("/")
def home() -> Response:
    current_lang = lang()
    def build() -> tuple[Any, Any]:
        context = _context()
        found = home_pages.build(context, REPORT)
        board = dashboard_pages.build(context)
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


@bp.route("/search")
def search() -> Response:
    query = (request.args.get("q") or "").strip()[:200]
    current_lang = lang()
    index = _index()
    hits, total = index.search(query, SEARCH_LIMIT) if query else ([], 0)
    base = state().base
    results = []
    classes = types_of(state().store, (hit.iri for hit in hits))
    for hit in hits:
        names = index.names.get(hit.iri, {})
        types = classes.get(hit.iri, [])
        results.append({
            "iri": hit.iri,
            "href": "/" + hit.iri[len(base):] if hit.iri.startswith(base) else hit.iri,
            "name": index.name(hit.iri, current_lang),
            "names": {k: v for k, v in names.items() if k in LANGS},
            "types": types,
            "type_names": [index.name(t, current_lang) for t in types],
            "score": hit.score,
            "match": hit.match,
            "matched": hit.matched,
        })
    if _wants_json():
        body = {"query": query, "lang": current_lang, "total": total, "results": results}
        if not query:
            body["message"] = translate("search.empty", current_lang)
        elif not results:
            body["message"] = translate("search.none", current_lang, q=query)
        response = Response(json.dumps(body, ensure_ascii=False), content_type="application/json; charset=utf-8")
        response.vary.add("Accept")
        return response
    response = _html(render_template("search.html", query=query, results=results, total=total))
    response.vary.add("Accept")
    return response


# --- reader, browse, dashboard, ontology, quality ---------------------------------------------------


@bp.route("/reader")
def reader() -> Response:
    """``?marks=`` picks what is highlighted (``reader_pages.MARKS``): a handful of values, each kept."""
    current_lang = lang()
    marks = reader_pages.marks_of(request.args.get("marks"))
    found = state().kept(f"reader:{current_lang}:{marks}", lambda: reader_pages.build(_context(), marks))
    return _html(render_template("reader.html", reader=found))


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
    current_lang = lang()
    board = state().kept(f"dashboard:{current_lang}", lambda: dashboard_pages.build(_context()))
    return _html(render_template("dashboard.html", board=board))


@bp.route("/ontology")
def ontology() -> Response:
    current_lang = lang()
    found = state().kept(f"ontology:{current_lang}", lambda: ontology_pages.build(_context()))
    return _html(render_template("ontology.html", onto=found))


@bp.route("/quality")
def quality() -> Response:
    store = state().store
    found = state().kept("quality", lambda: quality_pages.build(store))
    return _html(render_template("quality.html", quality=found))


# --- the workbench (the HTML answer of /sparql without a query) --------------------------------------


def workbench_prefixes() -> dict[str, str]:
    merged = {**SERIALISATION_PREFIXES, **PREFIXES}
    return {p: merged[p] for p in WORKBENCH_PREFIXES if p in merged}


def render_workbench(query: str) -> str:
    current_lang = lang()
    prefixes = workbench_prefixes()
    start = "\n".join(f"PREFIX {p}: <{ns}>" for p, ns in prefixes.items()) + "\n\n" + query
    return render_template("workbench.html", query=start, examples=examples(), prefixes=prefixes,
                           config=json.dumps({"prefixes": {**SERIALISATION_PREFIXES, **PREFIXES},
                                              "lang": current_lang}, ensure_ascii=False))
