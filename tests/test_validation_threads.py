"""Validations running at once in one process (the start-up /quality build beside a write's gate, two
writers' gates): rdflib's SPARQL parser (pyparsing) is not thread-safe, and two parses at once broke
it for the rest of the process ("Param.postParse2() missing 1 required positional argument"), so
that every later write answered 500. Seen under load in CI, on the disk store."""

from __future__ import annotations

import sys
import threading

from rdflib import Graph

from bolekg.report import validate as validation


def test_sparql_texts_are_parsed_one_at_a_time_whatever_the_threads() -> None:
    texts = [f"SELECT ?s WHERE {{ ?s ?p ?o . FILTER(?o != {n}) OPTIONAL {{ ?s <urn:x:{n}> ?v }} }}"
             for n in range(60)]
    failures: list[BaseException] = []
    start = threading.Barrier(4)
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)            # switch threads as often as a loaded machine would
    try:
        def parse(offset: int) -> None:
            start.wait()
            try:
                for n, text in enumerate(texts):
                    validation._prepared(text, (("t", f"urn:thread:{offset}:{n}"),))   # no cache hits
            except BaseException as error:
                failures.append(error)

        threads = [threading.Thread(target=parse, args=(k,)) for k in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert not failures, failures[:3]
    # and the parser still works afterwards, as rdflib's own parsing does
    assert len(Graph().query("SELECT ?s WHERE { ?s ?p ?o }")) == 0
