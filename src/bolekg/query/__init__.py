"""Running public queries safely: the one path from a SPARQL Protocol request to its reply
(:mod:`~bolekg.query.protocol`), the query service that admits a query, runs it in a killable worker
under the limits and keeps its answer (:mod:`~bolekg.query.service`, :mod:`~bolekg.query.workers`),
and the one versioned cache every whole-data result is kept in (:mod:`~bolekg.query.cache`).

Nothing here imports a web framework: the WSGI front and the Flask view are adapters over it.
"""
