"""``bolekg export``: the dataset in any RDF format, optionally rebased onto another deployment's IRIs.

Rebasing rewrites every IRI that starts with the canonical base (subjects, predicates, objects,
datatypes, graph names) and nothing else: literals — the report text above all — stay verbatim.
Formats that cannot hold named graphs (Turtle, N-Triples, RDF/XML) get the union of the graphs,
the same default graph the endpoint queries.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pyoxigraph as ox
from rdflib import Dataset

from bolekg.formats import SERIALISATION_PREFIXES, Format
from bolekg.report.quads import dataset_quads
from bolekg.report.vocab import BASE


def _rebase_term(term, old: str, new: str):
    if isinstance(term, ox.NamedNode):
        return ox.NamedNode(new + term.value[len(old):]) if term.value.startswith(old) else term
    if isinstance(term, ox.Literal) and term.language is None:
        datatype = _rebase_term(term.datatype, old, new)
        return term if datatype is term.datatype else ox.Literal(term.value, datatype=datatype)
    return term


def rebase(quads: Iterable[ox.Quad], old: str, new: str) -> Iterator[ox.Quad]:
    """The quads with every IRI under ``old`` moved under ``new``."""
    for quad in quads:
        graph = quad.graph_name
        yield ox.Quad(
            _rebase_term(quad.subject, old, new),
            _rebase_term(quad.predicate, old, new),
            _rebase_term(quad.object, old, new),
            graph if isinstance(graph, ox.DefaultGraph) else _rebase_term(graph, old, new),
        )


def rebased_prefixes(old: str, new: str) -> dict[str, str]:
    return {prefix: (new + ns[len(old):] if ns.startswith(old) else ns)
            for prefix, ns in SERIALISATION_PREFIXES.items()}


def export(dataset: Dataset, fmt: Format, base: str | None = None) -> bytes:
    """Serialise ``dataset`` in ``fmt``; with ``base``, rebased from :data:`BASE` onto it."""
    if fmt.rdf is None:
        raise ValueError(f"{fmt.key} is not an RDF format")
    quads: Iterable[ox.Quad] = dataset_quads(dataset)
    prefixes = SERIALISATION_PREFIXES
    if base and base != BASE:
        if not base.endswith(("/", "#")):
            raise ValueError(f"a base IRI must end with / or #: {base}")
        ox.NamedNode(base)  # refuse what is not an IRI before writing anything
        quads = rebase(quads, BASE, base)
        prefixes = rebased_prefixes(BASE, base)
    if fmt.rdf.supports_datasets:
        data: Iterable[ox.Quad] | Iterable[ox.Triple] = list(quads)
    else:
        data = list(dict.fromkeys(q.triple for q in quads))  # the union: each triple once
    with_prefixes = fmt.rdf in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.N3)
    return ox.serialize(data, format=fmt.rdf, prefixes=prefixes if with_prefixes else None) or b""
