"""The storage contract: named collections of JSON documents by key, with transactions.

Every backend (the in-memory one here, TinyDB in `bot.store.tinydb_file`) passes the same contract
tests in `tests/test_store_contract.py`. Handlers never see a backend, only this interface.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

SCHEMA_VERSION = 1

Doc = dict[str, Any]


def copy_doc(value: Any) -> Any:
    """A deep copy of a JSON document (dicts, lists and scalars), several times faster than
    `copy.deepcopy` on the documents the store holds."""
    if isinstance(value, dict):
        return {k: copy_doc(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copy_doc(v) for v in value]
    return value


class StoreError(Exception):
    """The store cannot be opened or written; the message says which file and why."""


class StoreBusy(StoreError):
    """Another process (a running `ogpbot serve`) holds the store that one process owns."""


class Store(Protocol):
    """Documents by (collection, key). Writes inside `transaction()` land together or not at all;
    a write outside one is its own transaction. Once a write returns, it survives a crash."""

    def transaction(self) -> Any: ...

    def get(self, collection: str, key: str) -> Doc | None: ...

    def put(self, collection: str, key: str, doc: Doc) -> None: ...

    def add(self, collection: str, key: str, doc: Doc) -> bool:
        """Store `doc` only when `key` is new; return whether it was stored."""
        ...

    def delete(self, collection: str, key: str) -> None: ...

    def all(self, collection: str) -> list[Doc]: ...

    def find(self, collection: str, **equals: Any) -> list[Doc]:
        """The documents whose top-level fields equal the given values."""
        ...

    def collections(self) -> list[str]:
        """The names of the collections that hold documents (not a backend's own bookkeeping,
        such as the TinyDB file's schema version)."""
        ...

    def items(self, collection: str) -> list[tuple[str, Doc]]:
        """Every document of a collection with its key (what retention and erasure walk)."""
        ...

    def close(self) -> None: ...


class MemoryStore:
    """A store that keeps everything in memory: for tests and for trying things out."""

    def __init__(self) -> None:
        self._data: dict[str, dict[str, Doc]] = {}
        self._lock = threading.RLock()
        self._depth = 0
        self._snapshot: dict[str, dict[str, Doc]] | None = None

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._lock:
            self._depth += 1
            if self._depth == 1:
                self._snapshot = copy.deepcopy(self._data)
            try:
                yield
            except BaseException:
                if self._depth == 1 and self._snapshot is not None:
                    self._data = self._snapshot
                raise
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self._snapshot = None

    def get(self, collection: str, key: str) -> Doc | None:
        with self._lock:
            doc = self._data.get(collection, {}).get(key)
            return copy_doc(doc) if doc is not None else None

    def put(self, collection: str, key: str, doc: Doc) -> None:
        with self._lock:
            self._data.setdefault(collection, {})[key] = copy_doc(doc)

    def add(self, collection: str, key: str, doc: Doc) -> bool:
        with self._lock:
            if key in self._data.get(collection, {}):
                return False
            self.put(collection, key, doc)
            return True

    def delete(self, collection: str, key: str) -> None:
        with self._lock:
            self._data.get(collection, {}).pop(key, None)

    def all(self, collection: str) -> list[Doc]:
        with self._lock:
            return [copy_doc(d) for d in self._data.get(collection, {}).values()]

    def find(self, collection: str, **equals: Any) -> list[Doc]:
        with self._lock:
            return [copy_doc(d) for d in self._data.get(collection, {}).values()
                    if all(d.get(f) == v for f, v in equals.items())]

    def collections(self) -> list[str]:
        with self._lock:
            return sorted(name for name, docs in self._data.items() if docs)

    def items(self, collection: str) -> list[tuple[str, Doc]]:
        with self._lock:
            return [(k, copy_doc(d)) for k, d in self._data.get(collection, {}).items()]

    def close(self) -> None:
        pass
