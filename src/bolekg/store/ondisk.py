"""The on-disk store's directory: whole generations switched by one atomic rename, so a crash never mixes.

A load replaces several graphs, and pyoxigraph's fast ``bulk_load`` is not atomic (a process killed
half-way leaves half the data). So a load never touches the live database: it starts a new
*generation* — a RocksDB checkpoint of the live one (``Store.backup``: hard links, instant) — loads
into that, flushes it, ``fsync``s every file, and only then points ``CURRENT-GENERATION`` at it by
writing a temporary file and ``os.replace``-ing it over the old pointer (rename is atomic in POSIX,
and the directory is ``fsync``-ed after). Killed at any instant, the directory holds either the old
pointer and the untouched old generation, or the new pointer and a complete new generation. Stale
generations and reader checkpoints are removed the next time the store is opened — once the live
generation has been checked and opened, never before.

Smaller writes (SPARQL Update, Graph Store Protocol) run as one RocksDB transaction in the live
generation, which is atomic on its own.

Layout under the store directory ``DIR``::

    DIR/CURRENT-GENERATION   the name of the live generation (one line: gen-<12 hex digits>)
    DIR/gen-<id>/            RocksDB databases, one per generation
    DIR/gen-<id>/BOLEKG-SST-DIGESTS.json   SHA-256 of the generation's .sst files (see below)
    DIR/new-<id>/            a generation being built from nothing (first one, restore), not yet named
    DIR/readers/<id>/        read-only checkpoints the query workers open
    DIR/lock                 held (``flock``) by the one process that has the store open

A directory written by an older BoleKG (RocksDB files directly in ``DIR``) is opened in place; its
next load starts the layout above (the old files stay, unused, until removed by hand).

**A store that is not as it should be is refused, not repaired.** The pointer must name a generation
this code made (``gen-<12 hex>``, or ``.`` for the older layout: no path, so ``../../tmp`` cannot
send RocksDB elsewhere), and that directory must hold a RocksDB database (``CURRENT`` naming an
existing ``MANIFEST``). An empty, unreadable or dangling pointer, or a missing one while generations
exist, raises :class:`StoreRefused` with what exists and what to do — and nothing is created or
deleted: earlier versions created an empty database, loaded the source files into it and then
collected the generation that held the acknowledged writes. Only an empty directory gets a first
generation.

**Damaged files are found before the database is opened.** RocksDB's ``.sst`` files are immutable:
once written, a file keeps its bytes until compaction deletes it (new data goes to new files with
new numbers). So when a generation is published, when a store is closed cleanly and after every
successful check, the SHA-256 of each ``.sst`` file is recorded in ``BOLEKG-SST-DIGESTS.json``; at
opening every recorded file is hashed again (streamed, at the disk's reading speed) and a file whose size or digest
changed is named in :class:`StoreDamaged`. Files not yet recorded (the store was not closed
cleanly after RocksDB wrote them, or an older BoleKG wrote the store) are read by a bounded child
process instead (:mod:`bolekg.store.check`), because reading damaged blocks through a SPARQL query
made pyoxigraph allocate memory without bound (2 GB in 7 s for an 11k-triple store) before it
reported the error. The record is written only while no process has the database open
(:func:`database_closed`), and a recorded entry is never changed: a file that differs from its
record is left for the next opening to name.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import hashlib
import json
import os
import re
import shutil
import uuid
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict, cast

if TYPE_CHECKING:
    import pyoxigraph as ox

POINTER = "CURRENT-GENERATION"
LEGACY = "."
DIGESTS = "BOLEKG-SST-DIGESTS.json"
LOCK = "lock"
#: The names of generations this code makes; nothing else is ever opened or collected as one.
GENERATION = re.compile(r"gen-[0-9a-f]{12}")
#: A generation being built from nothing (the first one, a restore), renamed to ``gen-…`` when complete;
#: or a checkpoint RocksDB is still writing (``Store.backup`` fills ``gen-….tmp``, then renames it).
STAGING = re.compile(r"new-[0-9a-f]{12}|gen-[0-9a-f]{12}\.tmp")
#: What a store directory may hold before it has a first generation (all of it ours, or harmless).
_NEW_STORE_ENTRIES = {LOCK, "readers", f"{POINTER}.tmp", "lost+found"}


class StoreRefused(OSError):
    """The store directory cannot be opened as it is; nothing in it was changed or deleted.

    An ``OSError``, so that ``bolekg load`` (``cli.main``) and ``bolekg serve`` print it as one line
    and exit with status 2.
    """

    def __init__(self, message: str, reason: str | None = None) -> None:
        super().__init__(message)  # one argument: str() is the message alone, no "[Errno …]"
        #: what is wrong, without the advice that follows it in the message
        self.reason = reason or message


class NotAStore(StoreRefused):
    """The directory holds files, but not a BoleKG store: nothing is created in it."""


class StoreDamaged(StoreRefused):
    """Files of the live generation are damaged or unreadable; ``files`` names them where known."""

    def __init__(self, message: str, files: Iterable[str] = (), reason: str | None = None) -> None:
        super().__init__(message, reason)
        self.files = tuple(files)


class StoreInUse(StoreRefused):
    """Another process has the store open (it holds ``DIR/lock``)."""


def fsync_tree(root: Path) -> None:
    """Flush every file under ``root`` and every directory entry to stable storage."""
    for folder, _, files in os.walk(root):
        for name in files:
            with contextlib.suppress(FileNotFoundError):
                fd = os.open(os.path.join(folder, name), os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
        fsync_dir(Path(folder))


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- what the directory holds -------------------------------------------------------------------


def generations(root: Path) -> list[Path]:
    """The generation directories this code made (``gen-<12 hex>``, real directories), sorted."""
    try:
        entries = list(root.iterdir())
    except FileNotFoundError:
        return []
    return sorted(e for e in entries if GENERATION.fullmatch(e.name) and e.is_dir() and not e.is_symlink())


def database_problem(path: Path) -> str | None:
    """Why ``path`` does not look like a RocksDB database, or ``None`` if it does."""
    current = path / "CURRENT"
    try:
        manifest = current.read_text(encoding="ascii", errors="replace").strip()
    except FileNotFoundError:
        return f"{path} holds no RocksDB database (no CURRENT file)"
    except OSError as error:
        return f"{current} cannot be read ({error.strerror or error})"
    if not re.fullmatch(r"MANIFEST-\d+", manifest):
        return f"{current} does not name a MANIFEST file"
    if not (path / manifest).is_file():
        return f"{path / manifest}, which {current} names, is missing"
    return None


def describe(generation: Path) -> str:
    """``gen-… (3.3 MB, 14 .sst files, last changed 2026-12-03 17:49 UTC)`` for messages."""
    size, ssts, latest = 0, 0, 0.0
    with contextlib.suppress(OSError):
        for entry in generation.iterdir():
            with contextlib.suppress(OSError):
                info = entry.stat()
                size += info.st_size
                latest = max(latest, info.st_mtime)
                ssts += entry.name.endswith(".sst")
    when = datetime.fromtimestamp(latest, UTC).strftime("%Y-%m-%d %H:%M UTC") if latest else "never"
    return f"{generation.name} ({size / 1e6:.1f} MB, {ssts} .sst files, last changed {when})"


def _advice(root: Path) -> str:
    found = generations(root)
    listed = "; ".join(describe(g) for g in found) if found else "none"
    return (f"Nothing was changed or deleted. Generations in {root}: {listed}. "
            f"Run `bolekg store check {root}` for details; to serve a generation write its name into "
            f"{root / POINTER}, or load a backup with `bolekg restore --store {root} FILE`.")


def live_generation(root: Path | str) -> Path | None:
    """The live generation that ``DIR/CURRENT-GENERATION`` names, checked; ``None`` for a new, empty store.

    Raises :class:`StoreRefused` (or :class:`NotAStore`) when the pointer is empty, unreadable, not a
    generation's name, names a directory that does not exist or holds no database, or is missing
    while generations exist. Reads only: it creates and deletes nothing, and takes no lock.
    """
    root = Path(root)
    pointer = root / POINTER

    def refuse(reason: str) -> StoreRefused:
        return StoreRefused(f"{reason}. {_advice(root)}", reason)

    try:
        raw: bytes | None = pointer.read_bytes()
    except FileNotFoundError:
        raw = None
    except IsADirectoryError:
        raise refuse(f"{pointer} is a directory, not the pointer file") from None
    except OSError as error:
        raise refuse(f"{pointer} cannot be read ({error.strerror or error})") from None
    if raw is None:
        if generations(root):
            raise refuse(f"{pointer} is missing, so which generation is live is unknown")
        if (root / "CURRENT").exists():  # RocksDB files right here: the older layout
            problem = database_problem(root)
            if problem:
                raise refuse(problem)
            return root
        if root.is_dir():
            strangers = sorted(e.name for e in root.iterdir()
                               if e.name not in _NEW_STORE_ENTRIES and not STAGING.fullmatch(e.name))
            if strangers:
                shown = ", ".join(strangers[:5]) + (", …" if len(strangers) > 5 else "")
                raise NotAStore(f"{root} is not a BoleKG store and is not empty (it holds {shown}); "
                                "give an empty or new directory")
        return None
    name = raw.decode("utf-8", errors="replace").strip()
    if not name:
        raise refuse(f"{pointer} is empty")
    if name == LEGACY:
        target = root
    elif GENERATION.fullmatch(name):
        target = root / name
    else:
        shown = name if len(name) <= 80 else name[:77] + "…"
        raise refuse(f"{pointer} names {shown!r}, which is not a generation of this store "
                     "(expected gen-<12 hex digits>)")
    if target != root and (target.is_symlink() or not target.is_dir()):
        raise refuse(f"{pointer} names {name}, which does not exist")
    problem = database_problem(target)
    if problem:
        raise refuse(f"{pointer} names {name}, but {problem}")
    return target


def lock_holder(path: Path) -> int | None:
    """The PID holding a ``flock`` on ``path``, from ``/proc/locks`` (Linux); ``None`` if unknown."""
    return _holder(path, "FLOCK")


def _holder(path: Path, kind: str) -> int | None:
    try:
        info = path.stat()
        with open("/proc/locks", encoding="ascii") as locks:
            table = locks.read().splitlines()
    except OSError:
        return None
    device = f"{os.major(info.st_dev):02x}:{os.minor(info.st_dev):02x}:{info.st_ino}"
    for line in table:
        fields = line.replace("->", " ").split()
        # "1: FLOCK  ADVISORY  WRITE 3431 fe:00:2146834 0 EOF"
        if len(fields) >= 6 and fields[1] == kind and fields[5] == device:
            with contextlib.suppress(ValueError):
                return int(fields[4])
    return None


def database_closed(generation: Path) -> bool:
    """Whether no process has RocksDB's own lock on ``generation`` (so no file in it is being written).
    Uses ``/proc/locks``; where it cannot tell, says ``False``."""
    lock = generation / "LOCK"
    if not lock.exists():
        return True
    if not Path("/proc/locks").exists():
        return False
    return _holder(lock, "POSIX") is None


def _describe_process(pid: int) -> str:
    try:
        words = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return f"PID {pid}"
    command = " ".join(w.decode(errors="replace") for w in words if w)
    if len(command) > 100:
        command = command[:97] + "…"
    return f"PID {pid}: {command}" if command else f"PID {pid}"


def in_use_message(root: Path) -> str:
    pid = lock_holder(root / LOCK)
    who = f" ({_describe_process(pid)})" if pid else ""
    return (f"the store {root} is in use by another process{who}; stop it first "
            f"(`bolekg backup --store {root} -o FILE` works while it runs)")


# --- digests of the immutable .sst files ----------------------------------------------------------


class Digest(TypedDict):
    """One recorded ``.sst`` file: its size and SHA-256 when it was written."""

    size: int
    sha256: str


@dataclass
class DigestCheck:
    """What :func:`check_digests` found: files whose bytes changed, files not recorded yet."""

    recorded: bool
    #: file name → what changed (size or digest)
    changed: dict[str, str] = field(default_factory=dict)
    #: ``.sst`` files present but not in the record
    unrecorded: list[str] = field(default_factory=list)
    #: the record's entries that still match, by file name
    matching: dict[str, Digest] = field(default_factory=dict)
    #: ``.sst`` bytes hashed
    hashed: int = 0


def sst_files(generation: Path) -> list[Path]:
    return sorted(p for p in generation.iterdir() if p.name.endswith(".sst") and p.is_file())


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _hash_all(paths: list[Path]) -> dict[str, str | None]:
    """Digest of each file (``None``: it vanished meanwhile). One after the other: hashing in threads
    was slower here (0.73 s against 0.52 s for 327 MB on 2 cores; SHA-256 runs at disk-cache speed)."""
    digests: dict[str, str | None] = {}
    for path in paths:
        try:
            digests[path.name] = file_digest(path)
        except FileNotFoundError:
            digests[path.name] = None
    return digests


def read_digests(generation: Path) -> dict[str, Digest] | None:
    """The recorded digests (file name → ``{"size", "sha256"}``), or ``None`` if there is no usable record."""
    try:
        data = json.loads((generation / DIGESTS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    files = data.get("files") if isinstance(data, dict) else None
    if data.get("format") != 1 or not isinstance(files, dict):
        return None
    # each entry checked to be a Digest: an int size and a str sha256
    return {name: cast(Digest, entry) for name, entry in files.items()
            if isinstance(entry, dict) and isinstance(entry.get("size"), int) and isinstance(entry.get("sha256"), str)}


def check_digests(generation: Path) -> DigestCheck:
    """Hash every recorded ``.sst`` file of ``generation`` again and compare (reads only).

    A recorded file that no longer exists is not a finding here (compaction removes files; if RocksDB
    still needs it, opening says so).
    """
    record = read_digests(generation)
    present = {p.name: p for p in sst_files(generation)}
    check = DigestCheck(recorded=record is not None)
    record = record or {}
    check.unrecorded = sorted(set(present) - set(record))
    to_hash = []
    for name, entry in record.items():
        path = present.get(name)
        if path is None:
            continue
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            continue
        if size != entry["size"]:
            check.changed[name] = f"{size} bytes where {entry['size']} were written"
        else:
            to_hash.append(path)
    for name, digest in _hash_all(to_hash).items():
        if digest is None:
            continue
        check.hashed += int(record[name]["size"])
        if digest != record[name]["sha256"]:
            check.changed[name] = "its bytes changed since it was written (SHA-256 differs)"
        else:
            check.matching[name] = record[name]
    return check


def record_digests(generation: Path, known: Mapping[str, Mapping[str, object]] | None = None,
                   only: Collection[str] | None = None) -> int:
    """Write ``BOLEKG-SST-DIGESTS.json`` for the ``.sst`` files of ``generation``; returns how many.

    Entries of ``known`` (already verified: a file keeps its bytes for life) are kept for the files
    still present without hashing them again; the other files are hashed now — of them, only those in
    ``only`` if it is given. Call it only when no process writes the generation (closed, or not yet
    published).
    """
    known = known or {}
    present = [p for p in sst_files(generation) if only is None or p.name in only or p.name in known]
    entries: dict[str, dict[str, object]] = {}
    fresh = [p for p in present if p.name not in known]
    digests = _hash_all(fresh)
    for path in present:
        if path.name in known:
            entries[path.name] = dict(known[path.name])
        elif digests.get(path.name):
            with contextlib.suppress(FileNotFoundError):
                entries[path.name] = {"size": path.stat().st_size, "sha256": digests[path.name]}
    body = json.dumps({"format": 1, "algorithm": "sha256", "files": entries}, indent=1, sort_keys=True)
    temporary = generation / f"{DIGESTS}.tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(body + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, generation / DIGESTS)
    return len(entries)


def update_digests(generation: Path) -> bool:
    """At a clean close: add the ``.sst`` files RocksDB wrote since the record, drop the ones it removed.

    A recorded entry is never changed (a file whose bytes differ from its record is left for the next
    opening to name). Skipped — returns ``False`` — while a process still has the database open.
    """
    if not database_closed(generation):
        return False
    record = read_digests(generation)
    if record is None and (generation / DIGESTS).exists():
        return False  # unreadable record: leave it for the check at opening
    present = {p.name for p in sst_files(generation)}
    known = {name: entry for name, entry in (record or {}).items() if name in present}
    if record is not None and set(known) == present and len(known) == len(record):
        return True
    record_digests(generation, known)
    return True


def open_database(generation: Path) -> ox.Store:
    """``pyoxigraph.Store(generation)``, its failures as :class:`StoreRefused` naming what went wrong."""
    import pyoxigraph as ox

    try:
        return ox.Store(str(generation))
    except (OSError, RuntimeError) as error:
        message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        if "lock" in message.lower() and "corruption" not in message.lower():
            raise StoreInUse(f"{generation} is open in another process ({message})") from None
        if "corruption" in message.lower():
            files = damaged_files(message)
            root = generation.parent if GENERATION.fullmatch(generation.name) else generation
            raise StoreDamaged(f"RocksDB reports damage in {generation}: {message}. {_advice(root)}", files) from None
        raise StoreRefused(f"{generation} cannot be opened: {message}") from None


def damaged_files(message: str) -> list[str]:
    """The files a RocksDB error message names, the ``.sst``/``.log`` ones first (it often adds
    "The file …/MANIFEST-… may be corrupted" to any error)."""
    names = re.findall(r"(\d{6,}\.(?:sst|log|blob)|MANIFEST-\d+|OPTIONS-\d+|CURRENT)\b", message)
    ordered = sorted(dict.fromkeys(names), key=lambda n: not n.endswith((".sst", ".log", ".blob")))
    return ordered


# --- the directory --------------------------------------------------------------------------------


class StoreDirectory:
    """One store directory, held exclusively by this process until :meth:`release`."""

    def __init__(self, root: Path | str):
        self.root = Path(root)
        if self.root.is_dir():  # a directory of other files gets no lock file either
            try:
                live_generation(self.root)
            except NotAStore:
                raise
            except StoreRefused:
                pass  # said again, under the lock, by live()
        self.root.mkdir(parents=True, exist_ok=True)
        self._lock_fd = os.open(self.root / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            os.close(self._lock_fd)
            self._lock_fd = -1
            raise StoreInUse(in_use_message(self.root)) from error

    # --- generations

    def live(self) -> Path:
        """The live generation's directory, checked (:func:`live_generation`); for a new, empty store
        the first generation, created complete before the pointer names it."""
        found = live_generation(self.root)
        if found is not None:
            return found
        return self.create_first()

    def create_first(self) -> Path:
        import pyoxigraph as ox

        staging = self.staging()
        store = ox.Store(str(staging))
        store.flush()
        del store
        gc.collect()  # the database closes with its last reference
        record_digests(staging)
        return self.publish_staged(staging)

    def stage(self) -> Path:
        """A fresh path for the next generation (not created: ``Store.backup`` wants to create it)."""
        return self.root / f"gen-{uuid.uuid4().hex[:12]}"

    def staging(self) -> Path:
        """A fresh path for a generation built from nothing: ``new-<id>``, named ``gen-<id>`` when complete
        (:meth:`publish_staged`), so a crash half-way leaves nothing that looks like a generation."""
        return self.root / f"new-{uuid.uuid4().hex[:12]}"

    def publish_staged(self, staging: Path) -> Path:
        """Name a complete staged generation ``gen-<id>`` and make it live."""
        fsync_tree(staging)
        final = self.root / ("gen-" + staging.name.removeprefix("new-"))
        os.rename(staging, final)
        self.publish(final)
        return final

    def publish(self, generation: Path) -> None:
        """Make ``generation`` live, atomically and durably."""
        fsync_tree(generation)
        temporary = self.root / f"{POINTER}.tmp"
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(generation.name + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.root / POINTER)
        fsync_dir(self.root)

    def verify(self, generation: Path) -> None:
        """Refuse (:class:`StoreDamaged`) a generation whose files changed or cannot be read.

        Recorded ``.sst`` files are hashed again here (bounded: a streamed hash); files not recorded
        are read by a bounded child process (:func:`bolekg.store.check.scan_generation`) and recorded
        once it found them sound. Reads only, except for that record.
        """
        check = check_digests(generation)
        if check.changed:
            names = sorted(check.changed)
            what = "; ".join(f"{generation / n}: {check.changed[n]}" for n in names)
            raise StoreDamaged(f"damaged file{'s' if len(names) > 1 else ''} in the live generation: {what}. "
                               f"{_advice(self.root)}", names)
        if check.recorded and not check.unrecorded:
            return
        from bolekg.store.check import scan_generation

        scan = scan_generation(generation, unverified=check.unrecorded if check.recorded else None)
        if not scan.healthy:
            raise StoreDamaged(f"{scan.problem}. {_advice(self.root)}", scan.files, scan.problem)
        if scan.open_files is not None:
            # only the files RocksDB uses: one a crash left behind is deleted when the database opens,
            # and its number may be given to a new file, which must not meet this digest
            record_digests(generation, check.matching, only=scan.open_files)

    def collect(self, live: Path | None = None) -> None:
        """After opening ``live``: remove every other generation, every reader checkpoint, leftovers."""
        self.collect_generations(live)
        shutil.rmtree(self.readers, ignore_errors=True)
        with contextlib.suppress(FileNotFoundError):
            (self.root / f"{POINTER}.tmp").unlink()

    def collect_generations(self, live: Path | None = None) -> None:
        """Remove every generation but ``live`` (default: the one the pointer names, checked), and
        staging directories left by a crash. Only names this code makes are touched."""
        if live is None:
            live = self.live()
        for entry in self.root.iterdir():
            if entry == live or entry.is_symlink() or not entry.is_dir():
                continue
            if GENERATION.fullmatch(entry.name) or STAGING.fullmatch(entry.name):
                shutil.rmtree(entry, ignore_errors=True)

    # --- reader checkpoints

    @property
    def readers(self) -> Path:
        return self.root / "readers"

    def reader_path(self) -> Path:
        self.readers.mkdir(exist_ok=True)
        return self.readers / uuid.uuid4().hex[:12]

    def release(self) -> None:
        if self._lock_fd >= 0:
            with contextlib.suppress(OSError):
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
                os.close(self._lock_fd)
            self._lock_fd = -1
