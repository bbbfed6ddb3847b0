"""The search index alone: how long it takes to build, how much memory it keeps, how many texts and
postings it holds, and how long the queries of issue 18 take, at the real scale and at generated ones.

Not part of ``make bench`` (which compares whole servers): run it to see what a change to
``bolekg.services.search`` costs, before and after::

    PYTHONPATH=bench .venv/bin/python bench/search_index.py --scale real --scale 200k

Each figure is the median of ``--repeats`` builds or of 21 runs of a query; memory is what
``tracemalloc`` still sees allocated once the build is over (the index, not the query rows it read).
Writes nothing; prints one line per figure. Hits are the total each query finds: names only before
issue 18 (``SearchIndex.search``), then names with a place's topic and sentences (``SearchIndex.find``).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
import tracemalloc

import pyoxigraph as ox

import generate
from bolekg.services import search as search_module
from bolekg.store.embedded import EmbeddedStore

QUERIES = ("达勒特镇 道路", "达勒特镇 老旧小区", "Dalete Town road", "road", "roads", "da le te zhen",
           "daletezhen", "da lei te zhen", "a re le tuo hai mu chang", "医院", "boleshi", "hospital ward")


def store_of(scale: str) -> EmbeddedStore:
    """An in-memory store holding the generated data of ``scale`` (no validation: this times search)."""
    manifest = generate.dataset_for(scale)
    store = EmbeddedStore(workers=0, memory_mb=0)
    store.store.bulk_load(path=manifest.path, format=ox.RdfFormat.N_QUADS)
    return store


def sizes(index: search_module.SearchIndex) -> dict[str, int]:
    """Counts of what the index keeps (attributes that exist in this version of it)."""
    found = {"texts": len(index.texts), "entries": len(index.entries)}
    for name in ("folded_grams", "pinyin_grams", "sentence_grams"):
        grams = getattr(index, name, None)
        if grams is not None:
            found[f"{name}.keys"] = len(grams.postings)
            found[f"{name}.postings"] = sum(len(p) for p in grams.postings.values())
    for name in ("sentences", "stems", "located_in"):
        value = getattr(index, name, None)
        if value is not None:
            found[name] = len(value)
    return found


def measure(scale: str, repeats: int) -> None:
    store = store_of(scale)
    print(f"{scale}: {store.triple_count()} triples")
    seconds = []
    for _ in range(repeats):
        gc.collect()
        started = time.perf_counter()
        search_module.SearchIndex.build(store)
        seconds.append(time.perf_counter() - started)
    print(f"{scale}: build median {statistics.median(seconds):.3f} s over {repeats}")
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    index = search_module.SearchIndex.build(store)
    gc.collect()
    kept = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    print(f"{scale}: index keeps {kept / 1e6:.1f} MB")
    for key, value in sizes(index).items():
        print(f"{scale}: {key} {value}")
    for query in QUERIES:
        times = []
        total = 0
        sentences = ""
        for _ in range(21):
            started = time.perf_counter()
            if hasattr(index, "find"):  # names, place and topic, sentences (issue 18)
                found = index.find(query)
                total, sentences = found.total, f" sentences {found.sentence_total}"
            else:  # names only, before issue 18
                total = index.search(query)[1]
            times.append(time.perf_counter() - started)
        print(f"{scale}: query {query!r} hits {total}{sentences} median {statistics.median(times) * 1000:.2f} ms")
    store.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", action="append", choices=sorted(generate.SCALES))
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    for scale in args.scale or ["real"]:
        measure(scale, args.repeats)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
