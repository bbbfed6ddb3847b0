"""``/openapi.json``: an OpenAPI 3.1 description of the HTTP API (https://spec.openapis.org/oas/v3.1.0).

Written by hand next to the routes it describes; a test keeps the two in step by comparing its
paths with the app's URL map.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from bolekg import __version__
from bolekg.formats import DOCUMENT_FORMATS, GRAPH_FORMATS, RESULT_FORMATS
from bolekg.pages.browse import FACETS
from bolekg.query.protocol import FORM, QUERY_MEDIA, SPARQL_VERSIONS, UPDATE_MEDIA
from bolekg.services.catalog import CSV_DESCRIPTIONS, CSV_FILE, DUMP_FILES
from bolekg.services.csvw import METADATA_MEDIA_TYPE
from bolekg.web.dumps import EXCEL_CSV_FILE

#: ``?report=ID``: a page kept to one report (bolekg.services.reports); 404 for an ID the store lacks.
REPORT_PARAMETER = {"name": "report", "in": "query",
                    "schema": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$"}}

bp = Blueprint("openapi", __name__)


def _content(media_types: list[str], schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {media: {"schema": schema or {"type": "string"}} for media in media_types}


def _responses(ok: dict[str, Any], *errors: int) -> dict[str, Any]:
    text = {"content": _content(["text/plain"])}
    meanings = {
        304: "Not modified (ETag / Last-Modified)",
        400: "Malformed or refused request (including any write while writes are disabled); the body says why",
        401: "No bearer token sent",
        403: "Wrong bearer token",
        404: "No such resource or graph",
        406: "No acceptable format",
        413: "The query (BOLEKG_MAX_QUERY_BYTES) or the body (BOLEKG_MAX_BODY_BYTES) is too large",
        415: "Unsupported payload media type",
        422: "Refused: the result would break the SHACL shapes; nothing changed; the body is the report",
        502: "The remote SPARQL server failed",
        503: "The query was stopped at the time or memory limit, or the store is unavailable; retry later "
             "(Retry-After)",
    }
    responses: dict[str, Any] = {"200": ok} if "description" in ok else dict(ok)
    for status in errors:
        responses[str(status)] = {"description": meanings[status], **({} if status == 304 else text)}
    return responses


RDF_DOCUMENT = [f.media_type for f in DOCUMENT_FORMATS]
QUERY_PARAMETERS = [
    {"name": "query", "in": "query", "schema": {"type": "string"}, "description": "A SPARQL 1.1 query"},
    {"name": "default-graph-uri", "in": "query", "schema": {"type": "array", "items": {"type": "string"}},
     "explode": True, "description": "Graphs whose merge is the default graph (default: all graphs)"},
    {"name": "named-graph-uri", "in": "query", "schema": {"type": "array", "items": {"type": "string"}},
     "explode": True},
    {"name": "format", "in": "query", "schema": {"type": "string"},
     "description": "Overrides Accept: json, xml, csv, tsv, turtle, ntriples, jsonld, rdfxml, trig, html"},
    {"name": "version", "in": "query", "schema": {"type": "string", "enum": list(SPARQL_VERSIONS)},
     "description": "The SPARQL version (SPARQL 1.2 Protocol draft); at most one"},
]
GRAPH_PARAMETERS = [
    {"name": "graph", "in": "query", "schema": {"type": "string", "format": "iri"}},
    {"name": "default", "in": "query", "schema": {"type": "boolean"}, "allowEmptyValue": True},
]
BEARER: list[dict[str, list[str]]] = [{"bearer": []}]


#: Curation in the browser (bolekg.web.curate): HTML forms behind a session from the write token, not an API.
_CURATION_HTML = {"content": _content(["text/html"])}
CURATION_PATHS: dict[str, Any] = {
    "/curate/login": {
        "get": {"summary": "Curation login form (write token and curator's name)",
                "responses": {"200": {"description": "The form", **_CURATION_HTML},
                              "404": {"description": "Writes off"}}},
        "post": {"summary": "Log in: sets a signed HttpOnly SameSite=Strict session cookie on /curate",
                 "requestBody": {"content": _content(["application/x-www-form-urlencoded"])},
                 "responses": {"303": {"description": "Logged in; to the curation page"},
                               "400": {"description": "No name", **_CURATION_HTML},
                               "403": {"description": "Wrong token, or posted from another origin", **_CURATION_HTML},
                               "404": {"description": "Writes off"}}}},
    "/curate/logout": {"post": {"summary": "Log out (ends the session cookie)",
                                "responses": {"303": {"description": "Logged out"},
                                              "403": {"description": "Posted from another origin"}}}},
    "/curate/": {"get": {"summary": "The drafts awaiting curation",
                         "responses": {"200": {"description": "The list", **_CURATION_HTML},
                                       "401": {"description": "No session: the login form", **_CURATION_HTML},
                                       "404": {"description": "Writes off"}}}},
    "/curate/{path}": {
        "get": {"summary": "A report's draft facts in reading order, beside their sentences",
                "responses": {"200": {"description": "The page", **_CURATION_HTML},
                              "401": {"description": "No session: the login form", **_CURATION_HTML},
                              "404": {"description": "No such draft, or writes off"}}},
        "post": {"summary": "Accept, correct or reject a fact or a sentence (through the SHACL gate)",
                 "requestBody": {"content": _content(["application/x-www-form-urlencoded"])},
                 "responses": {"303": {"description": "Decided; back to the page"},
                               "400": {"description": "A decision that cannot be made", **_CURATION_HTML},
                               "401": {"description": "No session", **_CURATION_HTML},
                               "403": {"description": "Another origin or no CSRF value", **_CURATION_HTML},
                               "422": {"description": "Refused by the shapes: the page shows the report; "
                                                      "nothing changed", **_CURATION_HTML}}}},
}


LANG_PARAMETER = {"name": "lang", "in": "query", "schema": {"type": "string", "enum": ["zh", "en"]},
                  "description": "Page language; otherwise the lang cookie, then Accept-Language"}
#: The human pages (bolekg.web.pages): HTML in Chinese or English.
PAGE_PATHS: dict[str, Any] = {
    path: {"get": {"summary": summary, "parameters": [LANG_PARAMETER, *extra],
                   "responses": {"200": {"description": "HTML", "content": _content(media)}}}}
    for path, summary, extra, media in (
        ("/search", "Search names and the report's sentences in Chinese, English (any word form) or pinyin "
                    "(every reading); several words must all match; a place and a topic find the topic there; "
                    "vocabulary terms only with vocab=1; JSON with format=json or Accept",
         [{"name": "q", "in": "query", "schema": {"type": "string"}},
          {"name": "vocab", "in": "query", "schema": {"type": "string", "enum": ["0", "1"]}},
          {"name": "format", "in": "query", "schema": {"type": "string", "enum": ["html", "json"]}},
          REPORT_PARAMETER],
         ["text/html", "application/json"]),
        ("/search/suggest", "A few names matching what has been typed so far (JSON), for suggestions as one types",
         [{"name": "q", "in": "query", "schema": {"type": "string"}},
          {"name": "vocab", "in": "query", "schema": {"type": "string", "enum": ["0", "1"]}}],
         ["application/json"]),
        ("/browse", "Classes with counts; with class=IRI, its instances with facets and pages; with to=IRI "
                    "and via=PROPERTY, every resource whose PROPERTY is IRI, in pages",
         [{"name": name, "in": "query", "schema": {"type": "string"}}
          for name in ("class", "programme", "item", "place", "within", "agency", "unit", "measure", "report", "to",
                       "via", "page")], ["text/html"]),
        ("/reader", "A report's text (the project's own, or report=ID's) with every encoded quote highlighted "
                    "and linked", [REPORT_PARAMETER], ["text/html"]),
        ("/dashboard", "Indicators: target against actual, share of plan per item (SVG and tables), of every "
                       "report or of report=ID", [REPORT_PARAMETER], ["text/html"]),
        ("/compare", "The indicators with figures in the reports held here; with indicator=IRI, that "
                     "indicator's comparison (as /compare/{name})",
         [{"name": "indicator", "in": "query", "schema": {"type": "string", "format": "iri"}}], ["text/html"]),
        ("/compare/{name}", "One indicator (…/id/indicator/{name}) across every report: its figures by period, "
                            "one group per measure type in one unit (the value normalised beside the value as "
                            "reported), each with its source sentence; 404 for what is not an indicator",
         [{"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}], ["text/html"]),
        ("/ontology", "The ontology's classes, properties and units with zh/en labels and definitions", [],
         ["text/html"]),
        ("/quality", "The current SHACL validation result and the shapes", [], ["text/html"]),
        ("/timeline", "Every milestone and every status statement dated to a day, in date order and grouped by "
                      "month, with the report date marked; format=json (or Accept) for JSON",
         [{"name": "format", "in": "query", "schema": {"type": "string", "enum": ["json"]}}],
         ["text/html", "application/json"]),
        ("/map", "Every place with coordinates drawn over administrative outlines served from this server "
                 "(SVG, with the list of places); format=json (or Accept) for the places and their points",
         [{"name": "format", "in": "query", "schema": {"type": "string", "enum": ["json"]}}],
         ["text/html", "application/json"]),
        ("/about", "What BoleKG is: source, method (with the numeric audit), licences, how to cite", [],
         ["text/html"]),
        ("/CITATION.cff", "How to cite BoleKG: Citation File Format 1.2.0, as plain text", [], ["text/plain"]),
    )
}


def document(server: str) -> dict[str, Any]:
    results = [f.media_type for f in (*RESULT_FORMATS, *GRAPH_FORMATS)] + ["text/html"]
    deref = {
        "summary": "Dereference an IRI under the data's base",
        "description": "Accept (or a .ttl/.jsonld/.nt/.rdf suffix) picks HTML, Turtle, JSON-LD, N-Triples or "
                       "RDF/XML. The document holds the resource's triples, the triples pointing at it and "
                       "the labels of every node it mentions.",
        "parameters": [{"name": "path", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": _responses({"description": "The resource's document",
                                 "content": _content(["text/html", *RDF_DOCUMENT])}, 304, 404, 406),
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "BoleKG linked-data API",
            "version": __version__,
            "description": "SPARQL 1.1 endpoint, Graph Store Protocol, dereferenceable IRIs and dumps for "
                           "Bole City's 2021 mid-year report on practical matters for the people.",
            "license": {"name": "CC-BY-4.0 (data)", "identifier": "CC-BY-4.0"},
        },
        "servers": [{"url": server}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                                      "description": "The server's BOLEKG_WRITE_TOKEN"}}},
        "paths": {
            "/": {"get": {"summary": "Home page", "responses": {"200": {"description": "HTML"}}}},
            **PAGE_PATHS,
            "/sparql": {
                "get": {
                    "summary": "SPARQL query by GET; without a query, the Service Description or the query page",
                    "parameters": QUERY_PARAMETERS,
                    "responses": _responses({"description": "Results", "content": _content(results)},
                                            400, 406, 413, 503),
                },
                "post": {
                    "summary": "SPARQL query (form or application/sparql-query) or update "
                               "(form or application/sparql-update; bearer token)",
                    "requestBody": {"content": {
                        FORM: {"schema": {"type": "object", "properties": {
                            "query": {"type": "string"}, "update": {"type": "string"},
                            "default-graph-uri": {"type": "string"}, "named-graph-uri": {"type": "string"},
                            "using-graph-uri": {"type": "string"}, "using-named-graph-uri": {"type": "string"},
                            "version": {"type": "string", "enum": list(SPARQL_VERSIONS)}}}},
                        QUERY_MEDIA: {"schema": {"type": "string"}},
                        UPDATE_MEDIA: {"schema": {"type": "string"}},
                    }},
                    "security": [{}, *BEARER],
                    "responses": _responses({"200": {"description": "Query results",
                                                     "content": _content(results)},
                                             "204": {"description": "Update applied"}},
                                            400, 401, 403, 406, 413, 415, 422, 503),
                },
            },
            "/store": {
                "get": {"summary": "Graph Store Protocol: read a graph", "parameters": GRAPH_PARAMETERS,
                        "responses": _responses({"description": "The graph",
                                                 "content": _content(RDF_DOCUMENT)}, 304, 400, 404, 406)},
                "head": {"summary": "Graph Store Protocol: headers of a graph", "parameters": GRAPH_PARAMETERS,
                         "responses": _responses({"description": "Headers only"}, 404)},
                "put": {"summary": "Replace a graph (validated, atomic)", "parameters": GRAPH_PARAMETERS,
                        "security": BEARER,
                        "requestBody": {"content": _content(["text/turtle", "application/n-triples",
                                                             "application/rdf+xml", "application/ld+json"])},
                        "responses": _responses({"201": {"description": "Created"},
                                                 "204": {"description": "Replaced"}},
                                                400, 401, 403, 413, 415, 422)},
                "post": {"summary": "Add to a graph (validated, atomic)", "parameters": GRAPH_PARAMETERS,
                         "security": BEARER,
                         "requestBody": {"content": _content(["text/turtle", "application/n-triples",
                                                              "application/rdf+xml", "application/ld+json"])},
                         "responses": _responses({"201": {"description": "Created"},
                                                  "204": {"description": "Merged"}},
                                                 400, 401, 403, 413, 415, 422)},
                "delete": {"summary": "Delete a graph (validated, atomic)", "parameters": GRAPH_PARAMETERS,
                           "security": BEARER,
                           "responses": _responses({"204": {"description": "Deleted"}}, 401, 403, 404, 422)},
            },
            "/id/{path}": {"get": deref},
            "/def/": {"get": {**deref, "parameters": []}},
            "/def/{path}": {"get": deref},
            "/def.{path}": {"get": {**deref, "summary": "The ontology document in a format (ttl, jsonld, nt, rdf)"}},
            "/graph/{path}": {"get": {**deref, "summary": "A named graph: its triples, or a summary page"}},
            "/dumps/{name}": {"get": {
                "summary": "The whole dataset, or every figure as tidy CSV with its CSVW metadata and "
                           "Frictionless Data Package",
                "parameters": [{"name": "name", "in": "path", "required": True,
                                "schema": {"type": "string", "enum": [*DUMP_FILES, CSV_FILE, EXCEL_CSV_FILE,
                                                                *CSV_DESCRIPTIONS]}}],
                "responses": _responses({"description": "The file", "content": _content(
                    [f.media_type for f in DUMP_FILES.values()] + ["text/csv"]
                    + sorted({media for media, _, _ in CSV_DESCRIPTIONS.values()}))}, 304, 404),
            }},
            "/dumps/report/{name}": {"get": {
                "summary": "One report's graph (<id>.ttl, .nt, .jsonld, .trig, .nq: the dataset formats keep its "
                           "graph name), or its figures as CSV (<id>.csv) with their CSVW metadata "
                           "(<id>.csv-metadata.json); the IDs are listed on the home page and in VoID",
                "parameters": [{"name": "name", "in": "path", "required": True,
                                "schema": {"type": "string", "pattern": r"^[a-z0-9]+(-[a-z0-9]+)*\.[a-z.-]+$"}}],
                "responses": _responses({"description": "The file", "content": _content(
                    [f.media_type for f in DUMP_FILES.values()] + ["text/csv", METADATA_MEDIA_TYPE])}, 304, 404),
            }},
            "/exports/{table}": {"get": {
                "summary": "A table of a page as a download (an attachment): an initiative's or a place's "
                           "figures (figures?of=IRI), a place's lists (initiatives, inside, wider), or every "
                           "page of a browse result with its filters (browse?class=IRI&facet=IRI…, or "
                           "browse?to=IRI&via=IRI), or an indicator's comparison across reports "
                           "(compare?of=IRI); cut at the row cap, which X-BoleKG-Truncated then names",
                "parameters": [
                    {"name": "table", "in": "path", "required": True,
                     "schema": {"type": "string", "enum": ["figures", "initiatives", "inside", "wider", "browse",
                                                           "compare"]}},
                    {"name": "of", "in": "query", "schema": {"type": "string", "format": "iri"}},
                    {"name": "class", "in": "query", "schema": {"type": "string", "format": "iri"}},
                    *({"name": name, "in": "query", "schema": {"type": "string", "format": "iri"}} for name in FACETS),
                    {"name": "to", "in": "query", "schema": {"type": "string", "format": "iri"}},
                    {"name": "via", "in": "query", "schema": {"type": "string", "format": "iri"}},
                    {"name": "format", "in": "query", "schema": {"type": "string", "enum": ["csv", "json"]}},
                    {"name": "excel", "in": "query", "description": "1: the CSV after a UTF-8 byte order mark",
                     "schema": {"type": "string", "enum": ["0", "1"]}},
                    {"name": "lang", "in": "query", "description": "which language's name columns come first",
                     "schema": {"type": "string", "enum": ["zh", "en"]}}],
                "responses": _responses({"description": "The table", "content": _content(
                    ["text/csv", "application/json"])}, 400, 404),
            }},
            "/.well-known/void": {"get": {
                "summary": "VoID + DCAT description of the dataset (content-negotiated)",
                "responses": _responses({"description": "The description",
                                         "content": _content(["text/html", *RDF_DOCUMENT])}, 304, 406),
            }},
            "/favicon.ico": {"get": {
                "summary": "The site's icon (ICO; the pages link favicon.svg under /static)",
                "responses": _responses({"description": "The icon", "content": _content(
                    ["image/vnd.microsoft.icon"], {"type": "string", "format": "binary"})}, 304),
            }},
            **CURATION_PATHS,
            "/openapi.json": {"get": {"summary": "This document", "responses": {
                "200": {"description": "OpenAPI 3.1", "content": _content(["application/json"],
                                                                          {"type": "object"})}}}},
        },
    }


@bp.route("/openapi.json")
def openapi() -> Response:
    return jsonify(document(request.host_url.rstrip("/")))
