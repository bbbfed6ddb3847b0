"""Downloads of the tables on the pages: ``/exports/<table>?…&format=csv|json`` (thin: read the
parameters, ask ``bolekg.pages.tables`` for the rows, write them with ``bolekg.services.tables``).

* ``/exports/figures?of=IRI`` — an item's, project's or programme's figures, or a place's;
  ``/exports/initiatives|inside|wider?of=PLACE`` — a place's other lists;
* ``/exports/compare?of=INDICATOR`` — an indicator's comparison across reports (``/compare/<name>``);
* ``/exports/browse?class=IRI&<facet>=IRI…`` — a browse result with the page's filters, every page
  of it; ``/exports/browse?to=IRI&via=PROPERTY`` — what points at a resource.

``format=csv`` (the default) is ``text/csv; charset=utf-8`` (RFC 4180 §2 and §3), and with
``excel=1`` the same after a UTF-8 byte order mark; ``format=json`` is ``application/json``. Each is
an attachment (RFC 6266) named for what it holds (``bolekg-item-1-02-figures.csv``). The columns'
order follows the language (``?lang=``, as the pages choose it). A table cut at its bound says so in
``X-BoleKG-Truncated`` (as ``/sparql`` does) and in the JSON's ``truncated``.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from flask import Blueprint, Response, request

from bolekg.i18n import N_
from bolekg.pages import compare as compare_pages
from bolekg.pages import tables as table_pages
from bolekg.pages.browse import FACETS
from bolekg.pages.common import Context
from bolekg.services import tables
from bolekg.web.http import text_error
from bolekg.web.pages import lang
from bolekg.web.state import state

bp = Blueprint("tables", __name__)

#: The export formats, as ``format=`` names them.
FORMATS = ("csv", "json")


def export_links(table: str, lang_code: str, **params: str) -> list[tuple[str, str]]:
    """(label key, href) of a table's downloads: CSV, CSV for Excel, JSON — what a template lists
    under the table."""
    base = {**{k: v for k, v in params.items() if v}, "lang": lang_code}
    return [(N_("export.csv"), f"/exports/{table}?" + urlencode({**base, "format": "csv"})),
            (N_("export.excel"), f"/exports/{table}?" + urlencode({**base, "format": "csv", "excel": "1"})),
            (N_("export.json"), f"/exports/{table}?" + urlencode({**base, "format": "json"}))]


@bp.app_context_processor
def _export_context() -> dict[str, object]:
    """``export_links`` for the templates' ``downloads`` macro (``ui.html``)."""
    return {"export_links": export_links}


def _attachment(name: str) -> str:
    """RFC 6266 §4.1: an ASCII ``filename`` (the names are ASCII slugs), with the RFC 8187
    ``filename*`` form beside it for clients that prefer it."""
    return f'attachment; filename="{name}"; filename*=UTF-8\'\'{quote(name)}'


def _download(table: tables.Table) -> Response:
    fmt = (request.args.get("format") or "csv").lower()
    if fmt not in FORMATS:
        return text_error(400, f"format must be one of {', '.join(FORMATS)}")
    if fmt == "json":
        response = Response(tables.to_json(table), content_type="application/json; charset=utf-8")
        name = f"{table.name}.json"
    else:
        excel = request.args.get("excel", "") not in ("", "0")
        response = Response(tables.to_csv(table, excel), content_type="text/csv; charset=utf-8")
        name = f"{table.name}.excel.csv" if excel else f"{table.name}.csv"
    response.headers["Content-Disposition"] = _attachment(name)
    if table.truncated:
        response.headers["X-BoleKG-Truncated"] = str(table.limit)
    response.vary.add("Accept-Language")
    response.vary.add("Cookie")
    return response


@bp.route("/exports/<table>")
def export(table: str) -> Response:
    current = state()
    context = Context(current.store, current.base, lang())
    limit = current.limits.max_rows
    try:
        if table == "browse":
            cls = request.args.get("class", "").strip()
            target, via = request.args.get("to", "").strip(), request.args.get("via", "").strip()
            if target and via and not cls:
                return _download(table_pages.links_table(context, target, via, limit))
            if not cls:
                return text_error(400, "class (or to and via) is required")
            chosen = {name: request.args.get(name, "") for name in FACETS}
            return _download(table_pages.browse_table(context, cls, chosen, limit))
        of = request.args.get("of", "").strip()
        if not of:
            return text_error(400, "of (the IRI whose table to download) is required")
        found = compare_pages.table(context, of) if table == "compare" else \
            table_pages.entity_table(context, of, table, limit)
    except ValueError:
        return text_error(400, "class, facet, of, to and via values must be IRIs")
    if found is None:
        return text_error(404, f"No table {table!r} for {of}")
    return _download(found)
