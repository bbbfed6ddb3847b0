"""Backups and restores of an on-disk store: ``bolekg backup`` and ``bolekg restore``.

A **backup** is a TriG or N-Quads file (by its extension) of every graph of one generation — the live
one unless another is named. It works while ``bolekg serve`` holds the store: it takes no lock and
opens the generation read-only (:func:`bolekg.store.check.open_read_only`, which retries if RocksDB
flushed while it opened), so it sees every committed write, the ones still only in RocksDB's
write-ahead log included; a RocksDB reader keeps its files open, so a compaction or a load switching
generations meanwhile does not disturb it. The quads are read by iteration — never by a query, which
on damaged blocks first grows without bound (:mod:`bolekg.store.check`) — and written to a temporary
file beside the target, ``fsync``-ed and renamed over it: an interrupted backup leaves no half file.

A **restore** reads such a file, validates the union of its graphs with the shapes (refused whole,
with the report, if they do not conform), and builds a new generation from nothing — it does not
read the live one, which may be what is damaged — loads the file into it, compacts it, records its
digests, reads it back in a bounded child, and only then switches the pointer to it
(:meth:`bolekg.store.ondisk.StoreDirectory.publish_staged`). It takes the store's lock, so it refuses while
a server has the store open. The generations it replaced stay on disk until the store is next opened
(they are then removed, once the restored one has been checked).
"""

from __future__ import annotations

import contextlib
import gc
import os
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bolekg.store.ondisk import (
    GENERATION,
    LEGACY,
    NotAStore,
    StoreDamaged,
    StoreDirectory,
    StoreRefused,
    damaged_files,
    database_problem,
    live_generation,
    record_digests,
)


def dataset_format(path: Path) -> Any:
    """TriG or N-Quads, by the file's extension (a backup keeps the named graphs)."""
    import pyoxigraph as ox

    suffix = path.suffix.lower().lstrip(".")
    fmt = {"trig": ox.RdfFormat.TRIG, "nq": ox.RdfFormat.N_QUADS, "nquads": ox.RdfFormat.N_QUADS}.get(suffix)
    if fmt is None:
        raise ValueError(f"{path}: a backup is TriG or N-Quads: name the file *.trig or *.nq")
    return fmt


@dataclass(frozen=True)
class Copied:
    """What a backup or a restore moved: quads per graph ("" is the default graph)."""

    path: Path
    generation: str
    graphs: dict[str, int]

    @property
    def quads(self) -> int:
        return sum(self.graphs.values())

    def summary(self) -> str:
        names = ", ".join(g or "(default graph)" for g in sorted(self.graphs))
        return f"{self.quads} quads in {len(self.graphs)} graph(s): {names}"


def _generation(root: Path, name: str | None) -> Path:
    if name is None:
        live = live_generation(root)
        if live is None:
            raise NotAStore(f"{root} holds no store yet: nothing to back up")
        return live
    if name != LEGACY and not GENERATION.fullmatch(name):
        raise ValueError(f"--generation must be a generation's name (gen-<12 hex digits>), not {name!r}")
    target = root if name == LEGACY else root / name
    if target != root and (target.is_symlink() or not target.is_dir()):
        raise StoreRefused(f"{target} does not exist")
    problem = database_problem(target)
    if problem:
        raise StoreRefused(problem)
    return target


def backup(root: Path | str, output: Path | str, generation: str | None = None) -> Copied:
    """Write every graph of the store's live generation (or ``generation``) to ``output``."""
    import pyoxigraph as ox

    from bolekg.formats import SERIALISATION_PREFIXES
    from bolekg.store.check import open_read_only

    root, output = Path(root), Path(output)
    fmt = dataset_format(output)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such directory")
    source = _generation(root, generation)
    try:
        store = open_read_only(source)
    except (OSError, RuntimeError) as error:
        raise StoreDamaged(f"{source} cannot be opened: {error}", damaged_files(str(error))) from None
    graphs: Counter[str] = Counter()

    def counted(reader: Any) -> Any:
        for quad in reader.quads_for_pattern(None, None, None, None):
            graphs["" if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name.value] += 1
            yield quad

    temporary = output.with_name(f".{output.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "wb") as handle:
            prefixes = SERIALISATION_PREFIXES if fmt is ox.RdfFormat.TRIG else None
            ox.serialize(counted(store), handle, format=fmt, prefixes=prefixes)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, output)
    except RuntimeError as error:  # RocksDB: a damaged block
        raise StoreDamaged(f"reading {source} failed: {error}", damaged_files(str(error))) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        del store
    return Copied(output, source.name if source != root else LEGACY, dict(graphs))


def restore(root: Path | str, source: Path | str, validator: Callable[[Any], Any] | None = None) -> Copied:
    """Load ``source`` (TriG or N-Quads) into the store as a new generation and make it live.

    Raises :class:`bolekg.store.WriteRejected` (nothing changed) if the data does not conform to the
    shapes, :class:`bolekg.store.ondisk.StoreInUse` if another process has the store open, ``ValueError``
    if the file cannot be parsed or holds nothing.
    """
    import pyoxigraph as ox

    from bolekg.report.quads import to_rdflib
    from bolekg.store import WriteRejected
    from bolekg.store.check import scan_generation

    root, source = Path(root), Path(source)
    fmt = dataset_format(source)
    if not source.is_file():
        raise FileNotFoundError(f"{source}: no such file")
    # takes the lock (StoreInUse while a server runs); a directory of other files is refused (NotAStore),
    # a damaged pointer is not: repairing it is what a restore is for
    directory = StoreDirectory(root)
    staging: Path | None = None
    try:
        try:
            quads = list(ox.parse(path=str(source), format=fmt))
        except (SyntaxError, ValueError) as error:
            raise ValueError(f"{source} cannot be read as {fmt.name}: {error}") from None
        if not quads:
            raise ValueError(f"{source} holds no quads: nothing restored")
        if validator is None:
            from bolekg.report.validate import validate

            validator = validate
        outcome = validator(to_rdflib(dict.fromkeys(q.triple for q in quads)))
        if not outcome.conforms:
            raise WriteRejected(outcome)
        expected = len(set(quads))
        del quads
        staging = directory.staging()
        store = ox.Store(str(staging))
        store.bulk_load(path=str(source), format=fmt)
        store.flush()
        store.optimize()
        store.flush()
        del store
        gc.collect()  # closed: its files are final
        record_digests(staging)
        scan = scan_generation(staging)
        if not scan.healthy:
            raise StoreDamaged(f"the restored generation reads back damaged: {scan.problem}", scan.files)
        if scan.quads != expected:
            raise StoreDamaged(f"the restored generation holds {scan.quads} quads, not the {expected} of {source}")
        published = directory.publish_staged(staging)
        staging = None
        return Copied(source, published.name, scan.graphs)
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)  # ours, never published
        directory.release()

