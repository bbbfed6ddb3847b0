"""``/curate/<report>``: curation in the browser, behind the write token. Thin: the session and the forms
here, the view in :mod:`bolekg.pages.curate`, the decisions in :mod:`bolekg.services.curation`.

A browser cannot send the bearer header the write API wants, so a person logs in once: a form posts
the write token and the curator's name; the answer sets a session cookie signed with a key derived
from the token (itsdangerous; a new token ends every session), ``HttpOnly``, ``SameSite=Strict``, limited
to ``/curate`` and to :data:`SESSION_SECONDS`. Every POST must come from this origin (Fetch Metadata's
``Sec-Fetch-Site``, ``Origin``, else ``Referer``: :func:`_same_origin`) and carry the session's own
CSRF value. Without a session a page answers 401 with the login form; a POST that fails the origin or
CSRF check answers 403; writes off (no token): 404.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, redirect, render_template, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from rdflib import URIRef
from werkzeug.wrappers import Response as BaseResponse

from bolekg.pages import curate as curate_pages
from bolekg.report.reports import REPORT_ID
from bolekg.services.curation import (
    ACCEPT,
    CORRECT,
    KINDS,
    REJECT,
    Correction,
    CurationError,
    Decision,
    decide,
    facts,
)
from bolekg.services.drafts import DraftError, Drafts, drafts_directory
from bolekg.store.base import WriteRejected
from bolekg.web.state import state

bp = Blueprint("curate", __name__)

COOKIE = "bolekg_curator"
SESSION_SECONDS = 8 * 3600
CSRF_FIELD = "csrf"


def _drafts() -> Drafts:
    from flask import current_app

    directory = current_app.config.get("DRAFTS_DIR")
    return Drafts(directory if directory is not None else drafts_directory())


def _serializer(token: str) -> URLSafeTimedSerializer:
    key = hashlib.sha256(b"bolekg curation session\0" + token.encode()).digest()
    return URLSafeTimedSerializer(key, salt="curate")


def _session() -> dict[str, str] | None:
    token = state().write_token
    raw = request.cookies.get(COOKIE)
    if not token or not raw:
        return None
    try:
        data = _serializer(token).loads(raw, max_age=SESSION_SECONDS)
    except BadSignature:
        return None
    return data if isinstance(data, dict) and data.get("name") and data.get("csrf") else None


def _same_origin() -> bool:
    """The POST came from a page of this site. The site sends ``Referrer-Policy: no-referrer``, under
    which a browser's form POST says ``Origin: null`` even to its own site (Fetch §3.2.5) and sends no
    ``Referer``; what it does send is Fetch Metadata, ``Sec-Fetch-Site``, which no page can set. So: a
    ``Sec-Fetch-Site`` other than ``same-origin`` is refused; a real ``Origin`` must be this one; else
    ``Sec-Fetch-Site: same-origin``, or failing that a ``Referer`` of this origin, is needed."""
    here = urlsplit(request.host_url)
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None and fetch_site != "same-origin":
        return False
    origin = request.headers.get("Origin")
    if origin and origin != "null":
        there = urlsplit(origin)
        return (there.scheme, there.netloc) == (here.scheme, here.netloc)
    if fetch_site == "same-origin":
        return True
    referer = request.headers.get("Referer")
    if not referer:
        return False
    there = urlsplit(referer)
    return (there.scheme, there.netloc) == (here.scheme, here.netloc)


def _page(template: str, status: int = 200, **values: Any) -> Response:
    response = Response(render_template(template, **values), status=status, content_type="text/html; charset=utf-8")
    response.headers["Cache-Control"] = "no-store"
    return response


def _writes_on() -> None:
    if not state().write_token:
        abort(404)


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/curate/") and REPORT_ID.match(target[len("/curate/"):].split("?")[0]):
        return target
    return "/curate/"


# --------------------------------------------------------------------------- login


@bp.route("/curate/login", methods=["GET", "POST"])
def login() -> BaseResponse:
    _writes_on()
    target = _safe_next(request.values.get("next"))
    if request.method == "GET":
        return _page("curate_login.html", status=200, next=target, error=None)
    if not _same_origin():
        return _page("curate_login.html", status=403, next=target, error="curate.error.origin")
    token = request.form.get("token", "")
    name = request.form.get("name", "").strip()
    if not hmac.compare_digest(token.encode(), (state().write_token or "").encode()):
        return _page("curate_login.html", status=403, next=target, error="curate.error.token")
    if not name:
        return _page("curate_login.html", status=400, next=target, error="curate.error.name")
    value = _serializer(state().write_token or "").dumps({"name": name, "csrf": secrets.token_urlsafe(24)})
    response = redirect(target, code=303)
    response.set_cookie(COOKIE, value, max_age=SESSION_SECONDS, path="/curate", httponly=True, samesite="Strict",
                        secure=request.is_secure)
    return response


@bp.route("/curate/logout", methods=["POST"])
def logout() -> BaseResponse:
    _writes_on()
    if not _same_origin():
        abort(403)
    response = redirect("/curate/login", code=303)
    response.delete_cookie(COOKIE, path="/curate")
    return response


# --------------------------------------------------------------------------- the drafts and one report


@bp.route("/curate/")
def index() -> Response:
    _writes_on()
    session = _session()
    if session is None:
        return _page("curate_login.html", status=401, next="/curate/", error=None)
    drafts = _drafts()
    listed = [(report_id, len(facts(drafts.read(report_id)))) for report_id in drafts.ids()]
    return _page("curate_index.html", drafts=listed, curator=session["name"], csrf=session["csrf"])


def _render(report_id: str, session: dict[str, str], status: int = 200, error: str | None = None,
            error_at: str | None = None, done: str | None = None) -> Response:
    from bolekg.web.pages import lang

    drafts = _drafts()
    try:
        draft = drafts.read(report_id)
    except DraftError:
        abort(404)
    view = curate_pages.build(state().store, draft, report_id, lang())
    return _page("curate.html", status=status, view=view, curator=session["name"], csrf=session["csrf"],
                 error=error, error_at=error_at, done=done)


@bp.route("/curate/<report_id>", methods=["GET", "POST"])
def report(report_id: str) -> BaseResponse:
    _writes_on()
    if not REPORT_ID.match(report_id):
        abort(404)
    session = _session()
    if session is None:
        return _page("curate_login.html", status=401, next=f"/curate/{report_id}", error=None)
    if request.method == "GET":
        return _render(report_id, session, done=request.args.get("done"))
    if not _same_origin() or not hmac.compare_digest(request.form.get(CSRF_FIELD, "").encode(),
                                                     session["csrf"].encode()):
        return _page("curate_login.html", status=403, next=f"/curate/{report_id}", error="curate.error.origin")
    drafts = _drafts()
    if not drafts.exists(report_id):
        abort(404)
    kind = request.form.get("decision", "")
    target = request.form.get("fact") or request.form.get("sentence") or ""
    try:
        decisions = _decisions(drafts, report_id, kind)
        outcome = decide(state().store, drafts, report_id, decisions, session["name"])
    except WriteRejected as refused:
        return _render(report_id, session, status=422, error=refused.report_text(), error_at=target)
    except CurationError as wrong:
        return _render(report_id, session, status=400, error=str(wrong), error_at=target)
    return redirect(f"/curate/{report_id}?done={kind}-{len(outcome.decisions)}", code=303)


def _iri(value: str | None) -> URIRef | None:
    value = (value or "").strip()
    return URIRef(value) if value.startswith(("https://", "http://")) else None


def _decisions(drafts: Drafts, report_id: str, kind: str) -> list[Decision]:
    """The form's decisions: one fact's (``fact``) or every fact of a sentence (``sentence``)."""
    if kind not in KINDS:
        raise CurationError(f"unknown decision {kind!r}")
    form = request.form
    labels = {URIRef(key[len("label:"):]): value for key, value in form.items()
              if key.startswith("label:") and value.strip()}
    kinds = {URIRef(key[len("kind:"):]): URIRef(value) for key, value in form.items()
             if key.startswith("kind:") and _iri(value)}
    reason = form.get("reason", "")
    listed = facts(drafts.read(report_id))
    if form.get("sentence"):
        chosen = [f.iri for f in listed if str(f.sentence) == form["sentence"]]
        if kind == CORRECT:
            raise CurationError("a sentence is accepted or rejected whole; correct its facts one by one")
    else:
        chosen = [f.iri for f in listed if str(f.iri) == form.get("fact")]
    if not chosen:
        raise CurationError("no such drafted fact in this draft (decided already?)")
    correction = _correction(next(f for f in listed if f.iri == chosen[0])) if kind == CORRECT else None
    return [Decision(iri, kind if kind in (ACCEPT, REJECT, CORRECT) else ACCEPT, correction, reason, labels, kinds)
            for iri in chosen] if kind != REJECT else [Decision(iri, REJECT, reason=reason) for iri in chosen]


def _correction(current: Any) -> Correction:
    """The fields of the form that differ from the fact as drafted."""
    form = request.form
    correction = Correction()
    value = form.get("value", "").strip()
    if value and value != (current.value or ""):
        correction.value = value
    for name in ("unit", "indicator", "place"):
        chosen = _iri(form.get(name))
        if chosen is not None and chosen != getattr(current, name):
            setattr(correction, name, chosen)
    measure = form.get("measure", "").strip()
    if measure and measure != current.measure:
        correction.measure = measure
    agency = form.get("agency")
    if agency == "-":
        correction.agency = "" if current.agency is not None else None
    elif _iri(agency) is not None and _iri(agency) != current.agency:
        correction.agency = _iri(agency)
    return correction
