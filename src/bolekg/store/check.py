"""Reading a whole generation without letting damage take the process with it, and ``bolekg store check``.

Damaged ``.sst`` blocks are found by RocksDB's block checksums only when a read reaches them, and
how pyoxigraph then fails depends on the read. Measured on the real data (10 915 triples, 13–14 ``.sst``
files) with 3 000 random bytes written into one file: iterating the quads (``Store.quads_for_pattern``)
stops at the first bad block within 0.3 s with RocksDB's message, which names the file and offset; a
SPARQL ``COUNT`` over the same quads first allocated 2 GB in 7–10 s (the start-up's ``triple_count``
grew 700 MB/s) and only then raised — or died when it could not allocate more. Truncated files and
damaged footers are refused when the database is opened ("Sst file size mismatch … 000019.sst").

So reading for a check happens here, in a child process (``python -m bolekg.store.check``) that opens
the generation read-only, iterates — never queries — and is bounded: ``RLIMIT_AS`` at its size after
opening plus ``BOLEKG_STORE_CHECK_MEMORY_MB`` (400), and a wall-clock limit after which it is killed by
PID (``BOLEKG_STORE_CHECK_TIMEOUT``; by default 10 s plus 0.25 s per MB of ``.sst`` files: reading a
million triples, 327 MB, took 25 s here). RocksDB's message is passed on; if the child is stopped
instead, the files it was asked to verify are named.

Two depths:

* ``quick`` (start-up, when some ``.sst`` files are not covered by their recorded digests — see
  :mod:`bolekg.store.ondisk`): every quad once, through the indexes the start-up and every dump read
  (default-graph and named-graph SPO, and the string table). 0.4 s for the real data, the
  process's start included; 25–40 s for a million triples.
* ``thorough`` (``bolekg store check``): also every other index — by subject, predicate and object,
  and per graph by predicate and object — and the list of named graphs, each expected to hold
  exactly the quads the first pass saw, so a missing or extra index entry is damage too. Five to
  six times the quick pass: 2–4 s for the real data, 212 s and 315 MB for a million triples.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bolekg.children import limit_memory
from bolekg.settings import STORE_CHECK_MEMORY_MB, Settings
from bolekg.store.ondisk import (
    POINTER,
    StoreRefused,
    check_digests,
    damaged_files,
    describe,
    generations,
    live_generation,
    lock_holder,
    sst_files,
)


@dataclass
class Scan:
    """What reading a generation found."""

    healthy: bool
    problem: str = ""
    #: the damaged files, where known (file names inside the generation)
    files: tuple[str, ...] = ()
    quads: int = 0
    #: quads per graph: graph IRI, or "" for the default graph
    graphs: dict[str, int] = field(default_factory=dict)
    #: named graphs the store lists (empty ones included)
    named_graphs: list[str] = field(default_factory=list)
    #: the ``.sst`` files RocksDB had open (the live ones), ``None`` if unknown
    open_files: list[str] | None = None
    seconds: float = 0.0
    thorough: bool = False


def limits(generation: Path, thorough: bool = False) -> tuple[float, int]:
    """(seconds, MB) the reading child gets for ``generation``: the settings, or the defaults for its
    size (:meth:`bolekg.settings.Settings.store_check_limits`)."""
    megabytes = sum(p.stat().st_size for p in sst_files(generation)) / 1e6
    return Settings.from_env().store_check_limits(megabytes, thorough)


def scan_generation(generation: Path, unverified: list[str] | None = None, thorough: bool = False,
                    timeout: float | None = None, memory_mb: int | None = None) -> Scan:
    """Read every quad of ``generation`` in a bounded child process (see the module's docstring).

    ``unverified`` names the files the caller could not verify otherwise: they are the suspects
    named when the child is stopped without a word from RocksDB (``None``: every ``.sst`` file).
    """
    default_timeout, default_memory = limits(generation, thorough)
    timeout = timeout or default_timeout
    memory_mb = memory_mb or default_memory
    command = [sys.executable, "-m", "bolekg.store.check", "--scan", str(generation),
               "--memory-mb", str(memory_mb), "--parent", str(os.getpid())]
    if thorough:
        command.append("--thorough")
    started = time.monotonic()
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, close_fds=True)
    try:
        out, err = process.communicate(timeout=timeout)
        stopped = None
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)  # by PID: the child we started
        out, err = process.communicate()
        stopped = f"did not finish within {timeout:g} s (BOLEKG_STORE_CHECK_TIMEOUT) and was stopped"
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
    seconds = time.monotonic() - started
    result: dict[str, Any] | None = None
    for line in reversed(out.decode("utf-8", errors="replace").splitlines()):
        with contextlib.suppress(ValueError):
            candidate = json.loads(line)
            if isinstance(candidate, dict) and "ok" in candidate:
                result = candidate
                break
    if result is not None and stopped is None:
        if result["ok"]:
            return Scan(True, quads=result["quads"], graphs=result["graphs"], named_graphs=result["named_graphs"],
                        open_files=result.get("open_files"), seconds=seconds, thorough=thorough)
        error = str(result["error"])
        files = damaged_files(error)
        return Scan(False, f"reading {generation} failed: {error}", tuple(files), seconds=seconds, thorough=thorough)
    if stopped is None:
        text = err.decode("utf-8", errors="replace")
        code = process.returncode
        why = signal.Signals(-code).name if code < 0 else f"exit status {code}"
        if "memory allocation" in text or "MemoryError" in text:
            stopped = f"ran out of its {memory_mb} MB memory allowance (BOLEKG_STORE_CHECK_MEMORY_MB) and died ({why})"
        else:
            last = next((line for line in reversed(text.strip().splitlines()) if line.strip()), "")
            stopped = f"died ({why}{': ' + last[:300] if last else ''})"
    suspects = unverified if unverified is not None else [p.name for p in sst_files(generation)]
    named = f"; the damage is in one of the files not verified by their digests: {', '.join(suspects)}" \
        if suspects else ""
    return Scan(False, f"reading {generation} {stopped}{named}", tuple(suspects), seconds=seconds, thorough=thorough)


# --- the child -------------------------------------------------------------------------------------


def _die_with_parent(parent: int) -> None:
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(0)


def read_everything(store: Any, thorough: bool) -> dict[str, Any]:
    """Every quad once (``quick``), or through every index (``thorough``); raises on damage.
    Iteration only: a SPARQL query over damaged blocks first grows without bound (module docstring)."""
    import pyoxigraph as ox

    graphs: Counter[str] = Counter()
    subjects: Counter[Any] = Counter()
    predicates: Counter[Any] = Counter()
    objects: Counter[Any] = Counter()
    by_graph_predicate: Counter[tuple[Any, Any]] = Counter()
    by_graph_object: Counter[tuple[Any, Any]] = Counter()
    total = 0
    for quad in store.quads_for_pattern(None, None, None, None):
        total += 1
        default = isinstance(quad.graph_name, ox.DefaultGraph)
        graphs["" if default else quad.graph_name.value] += 1
        if thorough:
            subjects[quad.subject] += 1
            predicates[quad.predicate] += 1
            objects[quad.object] += 1
            if not default:
                by_graph_predicate[(quad.graph_name, quad.predicate)] += 1
                by_graph_object[(quad.graph_name, quad.object)] += 1
    named = sorted(g.value for g in store.named_graphs())
    if thorough:
        missing = sorted(set(graphs) - {""} - set(named))
        if missing:
            raise RuntimeError(f"the list of named graphs lacks {len(missing)} graph(s) holding quads, "
                               f"e.g. {missing[0]}")

        def agree(index: str, expected: Counter[Any], pattern: Callable[[Any], tuple[Any, Any, Any, Any]]) -> None:
            for key, count in expected.items():
                wanted = pattern(key)
                found = 0
                for q in store.quads_for_pattern(*wanted):
                    if all(w is None or w == t for w, t in zip(wanted, q, strict=True)):
                        found += 1
                    elif not isinstance(q.graph_name, ox.DefaultGraph):
                        # On disk, pyoxigraph 0.5 answers a numeric literal object with every quad
                        # from that number on ("767" also gives 857, 934, …): the matches come first
                        # in index order, so the rest of the (named-graph, last) index is skipped.
                        break
                if found != count:
                    raise RuntimeError(f"the {index} index disagrees with the quads: {found} entries for {key} "
                                       f"where {count} quads hold it")

        agree("subject", subjects, lambda s: (s, None, None, None))
        agree("predicate", predicates, lambda p: (None, p, None, None))
        agree("object", objects, lambda o: (None, None, o, None))
        agree("graph-predicate", by_graph_predicate, lambda gp: (None, gp[1], None, gp[0]))
        agree("graph-object", by_graph_object, lambda go: (None, None, go[1], go[0]))
    return {"ok": True, "quads": total, "graphs": dict(graphs), "named_graphs": named}


def open_read_only(generation: Path, attempts: int = 5) -> Any:
    """``Store.read_only`` of a generation another process may be writing (a running server).

    RocksDB reads the MANIFEST and then the write-ahead logs; a flush in between (new MANIFEST
    entries, an old log deleted) could leave this reader without the flushed data. So the MANIFEST's
    size and the set of logs are compared before and after opening, and the opening retried if they
    moved. Once open, the reader holds its files open: later compactions do not disturb it.
    """
    import pyoxigraph as ox

    def state() -> tuple[object, ...]:
        with contextlib.suppress(OSError):
            current = (generation / "CURRENT").read_text(encoding="ascii").strip()
            logs = sorted(p.name for p in generation.glob("*.log"))
            return current, (generation / current).stat().st_size, tuple(logs)
        return ()

    for attempt in range(attempts):
        before = state()
        try:
            store = ox.Store.read_only(str(generation))
        except (OSError, RuntimeError):
            if attempt + 1 < attempts and state() != before:
                time.sleep(0.05)
                continue
            raise
        if state() == before:
            return store
        del store
        time.sleep(0.05)
    return ox.Store.read_only(str(generation))


def child_main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bolekg.store.check")
    parser.add_argument("--scan", required=True, type=Path)
    parser.add_argument("--memory-mb", type=int, default=STORE_CHECK_MEMORY_MB)
    parser.add_argument("--parent", type=int, default=0)
    parser.add_argument("--thorough", action="store_true")
    args = parser.parse_args(argv)
    if args.parent:
        _die_with_parent(args.parent)

    def emit(payload: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(payload) + "\n")
        sys.stdout.flush()

    try:
        store = open_read_only(args.scan)
    except (OSError, RuntimeError) as error:
        emit({"ok": False, "stage": "open", "error": str(error)})
        return 1
    limit_memory(args.memory_mb)  # on top of the open database (its indexes are read at opening)
    try:
        found = read_everything(store, args.thorough)
    except (OSError, RuntimeError) as error:
        emit({"ok": False, "stage": "read", "error": str(error)})
        return 1
    found["open_files"] = _open_tables(args.scan)
    emit(found)
    return 0


def _open_tables(generation: Path) -> list[str] | None:
    """The ``.sst`` files of ``generation`` this process has open — the ones RocksDB uses (it opens
    every live table at opening). A file a crash left behind, which RocksDB will delete and whose
    number it may give to another file, is not among them. ``None`` where ``/proc`` cannot tell."""
    folder = Path("/proc/self/fd")
    if not folder.is_dir():
        return None
    where = str(generation.resolve())
    names = set()
    for fd in folder.iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.endswith(".sst") and os.path.dirname(target) == where:
                names.add(os.path.basename(target))
    return sorted(names)


# --- bolekg store check -------------------------------------------------------------------------------


@dataclass
class GenerationInfo:
    name: str
    description: str
    live: bool
    #: what comparing its files with their recorded digests found
    digests: str = ""


@dataclass
class StoreReport:
    """What ``bolekg store check`` found."""

    root: Path
    pointer: str | None
    live: str | None
    generations: list[GenerationInfo]
    holder: int | None
    #: problems that make the store unusable as it is (refusal, damage)
    damage: list[str] = field(default_factory=list)
    damaged_files: list[str] = field(default_factory=list)
    digests: str = ""
    scan: Scan | None = None
    conforms: bool | None = None
    validation: str = ""

    @property
    def healthy(self) -> bool:
        return not self.damage and self.conforms is not False


def check_store(root: Path | str, thorough: bool = True, validator: Callable[[Any], Any] | None = None,
                timeout: float | None = None, memory_mb: int | None = None) -> StoreReport:
    """Look at a store directory without changing it or taking its lock (a server may be running).

    Raises ``FileNotFoundError`` if there is no such directory, :class:`bolekg.store.ondisk.NotAStore` if
    it is not a store. ``validator`` (default: the project's shapes) judges the union of all graphs.
    """
    from bolekg.store.ondisk import NotAStore

    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such directory")
    pointer_file = root / POINTER
    pointer = None
    with contextlib.suppress(OSError):
        pointer = pointer_file.read_text(encoding="utf-8", errors="replace").strip()
    report = StoreReport(root, pointer, None, [], lock_holder(root / "lock"))
    try:
        live = live_generation(root)
    except NotAStore:
        raise
    except StoreRefused as error:
        live = None
        report.damage.append(error.reason)
    else:
        if live is None:
            raise NotAStore(f"{root} holds no store yet (no generation)")
    report.live = None if live is None else (live.name if live != root else LEGACY_NAME)
    found = generations(root)
    report.generations = [GenerationInfo(g.name, describe(g), g == live) for g in found]
    if live == root:
        report.generations.insert(0, GenerationInfo(LEGACY_NAME, describe(root), True))
    for info in report.generations:
        if not info.live:  # the others: enough to tell which one could be made live instead
            info.digests = _digest_summary(check_digests(root / info.name))
    if live is None:
        return report
    digests = check_digests(live)
    report.digests = _digest_summary(digests)
    if digests.changed:
        for name, why in sorted(digests.changed.items()):
            report.damage.append(f"{live / name}: {why}")
            report.damaged_files.append(name)
    report.scan = scan_generation(live, unverified=digests.unrecorded if digests.recorded else None,
                                  thorough=thorough, timeout=timeout, memory_mb=memory_mb)
    if not report.scan.healthy:
        report.damage.append(report.scan.problem)
        report.damaged_files.extend(f for f in report.scan.files if f not in report.damaged_files)
        return report
    if report.damage:
        return report
    outcome = _validate(live, validator)
    report.conforms = outcome.conforms
    if not outcome.conforms:
        from bolekg.report.validate import format_outcome

        report.validation = format_outcome(outcome)
    return report


LEGACY_NAME = ". (RocksDB files in the store directory: the older layout)"


def _digest_summary(check: Any) -> str:
    if not check.recorded:
        return "no digests recorded (every file is read instead)"
    parts = [f"{len(check.matching)} .sst files match their recorded digests"]
    if check.unrecorded:
        parts.append(f"{len(check.unrecorded)} not recorded yet")
    if check.changed:
        parts.append(f"CHANGED: {', '.join(sorted(check.changed))}")
    return ", ".join(parts)


def _validate(live: Path, validator: Callable[[Any], Any] | None) -> Any:
    """The SHACL verdict on the union of every graph, read by iteration (never a query: see above)."""
    from bolekg.report.quads import to_rdflib

    if validator is None:
        from bolekg.report.validate import validate

        validator = validate
    store = open_read_only(live)
    try:
        union = to_rdflib(q.triple for q in store.quads_for_pattern(None, None, None, None))
    finally:
        del store
    return validator(union)


def format_report(report: StoreReport) -> str:
    lines = [f"Store {report.root}"]
    if report.pointer is None:
        lines.append(f"  pointer      {POINTER}: missing")
    else:
        lines.append(f"  pointer      {POINTER} → {report.pointer!r}" + ("" if report.live else " (refused)"))
    lines.append("  in use       " + (f"yes, by PID {report.holder}" if report.holder else "no"))
    lines.append("  generations")
    for info in report.generations or []:
        lines.append(f"    {'live ' if info.live else '     '}{info.description}"
                     + (f": {info.digests}" if info.digests else ""))
    if not report.generations:
        lines.append("    none")
    if report.digests:
        lines.append(f"  digests      {report.digests}")
    scan = report.scan
    if scan is not None and scan.healthy:
        how = "through every index" if scan.thorough else "once"
        lines.append(f"  data         {scan.quads} quads, read {how} in {scan.seconds:.1f} s, "
                     f"in {len(scan.graphs)} graph(s):")
        for graph, count in sorted(scan.graphs.items()):
            lines.append(f"    {count:>9}  {graph or '(default graph)'}")
        empty = sorted(set(scan.named_graphs) - set(scan.graphs))
        for graph in empty:
            lines.append(f"    {0:>9}  {graph}")
    if report.conforms is not None:
        lines.append("  shapes       " + ("the data conforms" if report.conforms else "the data does NOT conform:"))
        if report.validation:
            lines.extend("    " + line for line in report.validation.rstrip().splitlines())
    if report.damage:
        lines.append("DAMAGED:")
        lines.extend(f"  {problem}" for problem in report.damage)
        if report.damaged_files:
            lines.append(f"  damaged file(s): {', '.join(report.damaged_files)}")
        lines.append(f"  To recover: `bolekg restore --store {report.root} BACKUP.trig` loads a backup as a new "
                     "generation; if another generation above is sound, write its name into "
                     f"{report.root / POINTER} instead. Nothing was changed.")
    elif report.conforms is False:
        lines.append("INVALID: the store is readable, but its data does not conform to the shapes.")
    else:
        lines.append("Healthy.")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    # Run the imported module (not this ``__main__`` copy), as bolekg.query.isolation does.
    from bolekg.store.check import child_main as _main

    sys.exit(_main())
