"""The on-disk store's directory: whole generations switched by one atomic rename, so a crash never mixes.

A load replaces several graphs, and pyoxigraph's fast ``bulk_load`` is not atomic (a process killed
half-way leaves half the data). So a load never touches the live database: it starts a new
*generation* — a RocksDB checkpoint of the live one (``Store.backup``: hard links, instant) — loads
into that, flushes it, ``fsync``s every file, and only then points ``CURRENT-GENERATION`` at it by
writing a temporary file and ``os.replace``-ing it over the old pointer (rename is atomic in POSIX,
and the directory is ``fsync``-ed after). Killed at any instant, the directory holds either the old
pointer and the untouched old generation, or the new pointer and a complete new generation. Stale
generations and reader checkpoints are removed the next time the store is opened.

Smaller writes (SPARQL Update, Graph Store Protocol) run as one RocksDB transaction in the live
generation, which is atomic on its own.

Layout under the store directory ``DIR``::

    DIR/CURRENT-GENERATION   the name of the live generation (one line)
    DIR/gen-<id>/            RocksDB databases, one per generation
    DIR/readers/<id>/        read-only checkpoints the query workers open
    DIR/lock                 held (``flock``) by the one process that has the store open

A directory written by an older BoleKG (RocksDB files directly in ``DIR``) is opened in place; its
next load starts the layout above (the old files stay, unused, until removed by hand).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import uuid
from pathlib import Path

POINTER = "CURRENT-GENERATION"
LEGACY = "."


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


class StoreDirectory:
    """One store directory, held exclusively by this process until :meth:`release`."""

    def __init__(self, root: Path | str):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._lock_fd = os.open(self.root / "lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            os.close(self._lock_fd)
            raise OSError(f"the store {self.root} is in use by another process") from error

    # --- generations

    def live(self) -> Path:
        """The live generation's directory, creating the first one for an empty store."""
        pointer = self.root / POINTER
        if pointer.exists():
            name = pointer.read_text(encoding="utf-8").strip()
            return self.root if name == LEGACY else self.root / name
        if (self.root / "CURRENT").exists():  # RocksDB files right here: an older layout
            return self.root
        first = self.stage()
        first.mkdir()
        self.publish(first)
        return first

    def stage(self) -> Path:
        """A fresh path for the next generation (not created: ``Store.backup`` wants to create it)."""
        return self.root / f"gen-{uuid.uuid4().hex[:12]}"

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

    def collect(self) -> None:
        """At opening: remove every generation but the live one, and every reader checkpoint."""
        self.collect_generations()
        shutil.rmtree(self.readers, ignore_errors=True)
        with contextlib.suppress(FileNotFoundError):
            (self.root / f"{POINTER}.tmp").unlink()

    def collect_generations(self) -> None:
        """Remove every generation but the live one (reader checkpoints are separate hard-linked copies)."""
        live = self.live()
        for entry in self.root.glob("gen-*"):
            if entry.is_dir() and entry != live:
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
