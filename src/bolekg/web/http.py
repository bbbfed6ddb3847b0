"""HTTP plumbing the blueprints share: errors, the write gate, conditional responses, negotiation."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

from flask import Response, request

from bolekg.sparql import TURTLE, Format, UnknownFormat, negotiate
from bolekg.store import WriteRejected
from bolekg.web.state import State


def text_error(status: int, message: str) -> Response:
    """A plain-text error body: what a person or a script most easily reads."""
    return Response(message.rstrip() + "\n", status=status, content_type="text/plain; charset=utf-8")


def write_refusal(state: State) -> Response | None:
    """The write gate: writes exist only with a configured token, and only for its bearer.

    403 when writing is off or the token is wrong; 401 with ``WWW-Authenticate: Bearer``
    (RFC 6750 §3) when no token was sent.
    """
    if not state.write_token:
        return text_error(403, "Writes are disabled on this server (start it with BOLEKG_WRITE_TOKEN set).")
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        response = text_error(401, "Writes need 'Authorization: Bearer <token>'.")
        response.headers["WWW-Authenticate"] = 'Bearer realm="bolekg"'
        return response
    if not hmac.compare_digest(token.strip().encode(), state.write_token.encode()):
        return text_error(403, "The bearer token is not the write token.")
    return None


def rejected(error: WriteRejected) -> Response:
    """422: the write would break the shapes; the SHACL report, readable (or as Turtle if asked)."""
    fmt = negotiate((Format("text", "text/plain", "txt"), TURTLE), request.headers.get("Accept"))
    if fmt is TURTLE:
        body = error.outcome.report.serialize(format="turtle", encoding="utf-8")
        return Response(body, status=422, content_type=TURTLE.content_type)
    return text_error(422, "Refused: the result would not conform to the shapes; nothing was changed.\n\n"
                      + error.report_text())


def choose(offers: Sequence[Format]) -> Format | Response:
    """The format for this request (``format=`` or Accept), or the 400/406 response to send."""
    try:
        fmt = negotiate(offers, request.headers.get("Accept"), request.values.get("format"))
    except UnknownFormat as error:
        return text_error(400, str(error))
    if fmt is None:
        offered = ", ".join(offer.media_type for offer in offers)
        return text_error(406, f"None of the accepted media types is offered here; offered: {offered}")
    return fmt


def conditional(response: Response, last_modified=None, negotiated: bool = True) -> Response:  # type: ignore[no-untyped-def]
    """Strong ETag from the body, Last-Modified from the store (RFC 9110 §8.8), 304 when fresh."""
    if negotiated:
        response.vary.add("Accept")
    if response.status_code == 200:
        digest = hashlib.sha256(response.get_data()).hexdigest()[:32]
        response.set_etag(digest)
        if last_modified is not None:
            response.last_modified = last_modified
        response.make_conditional(request)
    return response


def rdflib_body(graph, fmt: Format) -> bytes:  # type: ignore[no-untyped-def]
    """Serialise a small description built with rdflib (VoID, service description): rdflib nests its
    blank nodes, which reads far better than a flat list for these hand-built graphs."""
    names = {"turtle": "turtle", "jsonld": "json-ld", "ntriples": "nt", "rdfxml": "xml", "trig": "trig"}
    if fmt.key not in names:
        raise UnknownFormat(f"{fmt.key} is not offered for this description")
    return graph.serialize(format=names[fmt.key], encoding="utf-8")  # type: ignore[no-any-return]


def triples_body(triples, fmt: Format, prefixes: dict[str, str] | None = None,  # type: ignore[no-untyped-def]
                 focus: str | None = None) -> bytes:
    """A document's triples with pyoxigraph's writers: grouped by subject (the Turtle writer merges
    consecutive triples of one subject), ``focus`` first, with only the prefixes the document uses."""
    import pyoxigraph as ox

    if fmt.rdf is None:
        raise UnknownFormat(f"{fmt.key} is not an RDF format")
    ordered = sorted(triples, key=lambda t: (t.subject.value != focus, isinstance(t.subject, ox.BlankNode),
                                             str(t.subject), str(t.predicate)))
    readable = fmt.rdf in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.N3)
    used = None
    if readable and prefixes:
        iris = {term.value for t in ordered for term in (t.subject, t.predicate, t.object)
                if isinstance(term, ox.NamedNode)}
        iris |= {t.object.datatype.value for t in ordered if isinstance(t.object, ox.Literal)}
        used = {p: ns for p, ns in prefixes.items() if any(iri.startswith(ns) for iri in iris)}
    return ox.serialize(ordered, format=fmt.rdf, prefixes=used) or b""
