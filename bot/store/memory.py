"""The in-memory store: everything in a dict, for tests and for trying things out."""

from __future__ import annotations

import copy
import threading
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from bot.store.contract import Doc, copy_doc
from bot.store.local import LocalWork


class MemoryStore(LocalWork):
    """A store that keeps everything in memory; one transaction at a time."""

    def __init__(self) -> None:
        self._data: dict[str, dict[str, Doc]] = {}
        self._lock = threading.RLock()
        self._depth = 0
        self._snapshot: dict[str, dict[str, Doc]] | None = None
        self._init_work()

    @contextmanager
    def transaction(self, readonly: bool = False, kind: str = "",
                    reading: bool = False) -> Iterator[None]:
        with self._lock:
            self._depth += 1
            if self._depth == 1:
                self._snapshot = copy.deepcopy(self._data)
            try:
                yield
            except BaseException:
                if self._depth == 1 and self._snapshot is not None:
                    self._data = self._snapshot
                    self._revised()
                raise
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self._snapshot = None

    def get(self, collection: str, key: str) -> Doc | None:
        with self._lock:
            doc = self._data.get(collection, {}).get(key)
            return copy_doc(doc) if doc is not None else None

    def get_many(self, collection: str, keys: Collection[str]) -> dict[str, Doc]:
        with self._lock:
            docs = self._data.get(collection, {})
            return {key: copy_doc(docs[key]) for key in keys if key in docs}

    def put(self, collection: str, key: str, doc: Doc) -> None:
        with self._lock:
            self._data.setdefault(collection, {})[key] = copy_doc(doc)
            self._revised(collection)

    def add(self, collection: str, key: str, doc: Doc) -> bool:
        with self._lock:
            if key in self._data.get(collection, {}):
                return False
            self.put(collection, key, doc)
            return True

    def delete(self, collection: str, key: str) -> None:
        with self._lock:
            self._data.get(collection, {}).pop(key, None)
            self._revised(collection)

    def all(self, collection: str) -> list[Doc]:
        with self._lock:
            return [copy_doc(d) for d in self._data.get(collection, {}).values()]

    def items(self, collection: str) -> list[tuple[str, Doc]]:
        with self._lock:
            return [(k, copy_doc(d)) for k, d in self._data.get(collection, {}).items()]

    def find(self, collection: str, **equals: Any) -> list[Doc]:
        with self._lock:
            return [copy_doc(d) for d in self._data.get(collection, {}).values()
                    if all(d.get(f) == v for f, v in equals.items())]

    def collections(self) -> list[str]:
        with self._lock:
            return sorted(name for name, docs in self._data.items() if docs)

    def close(self) -> None:
        pass

    # -- shared work (bot.store.local) ------------------------------------------------------

    def _work(self, collection: str) -> Iterable[tuple[str, Doc]]:
        return list(self._data.get(collection, {}).items())

    def _copy_out(self, doc: Doc) -> Doc:
        copied: Doc = copy_doc(doc)
        return copied
