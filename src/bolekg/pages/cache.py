"""Whole-data page work done once per version of the store: the search index, the reader's marked-up
text, the dashboard's pairs, the ontology's documentation, the SHACL result.

Keyed by the store's version (the same value its ETags come from), so a write that changes the data
makes every entry stale at once; old versions are dropped when a new one is first asked for.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from bolekg.store import GraphStore

T = TypeVar("T")


class VersionCache:
    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()
        self._building: dict[tuple[str, str], threading.Lock] = {}

    def get(self, store: GraphStore, name: str, build: Callable[[], T]) -> T:
        """``build()``'s value for the store's current version; built once even under concurrent requests."""
        version = store.version().etag
        key = (version, name)
        with self._lock:
            if key in self._entries:
                return self._entries[key]  # type: ignore[no-any-return]
            gate = self._building.setdefault(key, threading.Lock())
        with gate:
            with self._lock:
                if key in self._entries:
                    return self._entries[key]  # type: ignore[no-any-return]
            value = build()
            with self._lock:
                for stale in [k for k in self._entries if k[0] != version]:
                    del self._entries[stale]
                self._entries[key] = value
                self._building.pop(key, None)
            return value
