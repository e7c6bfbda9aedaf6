"""A store that counts the writes each thread makes, around any backend: the front door asks
it whether a command changed anything (an inbox item is marked done only in the transaction
of an effect; a command that changed nothing costs no write, and no fsync)."""

from __future__ import annotations

import threading
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from bot.store.contract import Doc, Store


class WriteWatch:
    """`store`, with `writes()`: how many puts, adds and deletes this thread has made."""

    def __init__(self, store: Store) -> None:
        self.inner = store
        self._counts = threading.local()

    def writes(self) -> int:
        return int(getattr(self._counts, "n", 0))

    def _wrote(self) -> None:
        self._counts.n = self.writes() + 1

    def transaction(self, readonly: bool = False, kind: str = "", reading: bool = False) -> Any:
        return self.inner.transaction(readonly, kind, reading)

    def get(self, collection: str, key: str) -> Doc | None:
        return self.inner.get(collection, key)

    def get_many(self, collection: str, keys: Collection[str]) -> dict[str, Doc]:
        return self.inner.get_many(collection, keys)

    def get_linked(self, collection: str, key: str, field: str,
                   target: str) -> tuple[Doc | None, Doc | None]:
        return self.inner.get_linked(collection, key, field, target)

    def get_each(self, wanted: Sequence[tuple[str, str]]) -> list[Doc | None]:
        return self.inner.get_each(wanted)

    def put(self, collection: str, key: str, doc: Doc) -> None:
        self._wrote()
        self.inner.put(collection, key, doc)

    def add(self, collection: str, key: str, doc: Doc) -> bool:
        self._wrote()
        return self.inner.add(collection, key, doc)

    def add_claimed(self, collection: str, key: str, doc: Doc, owner: str, until: float) -> bool:
        self._wrote()
        return self.inner.add_claimed(collection, key, doc, owner, until)

    def delete(self, collection: str, key: str) -> None:
        self._wrote()
        self.inner.delete(collection, key)

    def add_many(self, collection: str, docs: Mapping[str, Doc]) -> set[str]:
        self._wrote()
        return self.inner.add_many(collection, docs)

    def put_many(self, collection: str, docs: Mapping[str, Doc]) -> None:
        self._wrote()
        self.inner.put_many(collection, docs)

    def delete_many(self, collection: str, keys: Collection[str]) -> None:
        self._wrote()
        self.inner.delete_many(collection, keys)

    def all(self, collection: str) -> list[Doc]:
        return self.inner.all(collection)

    def find(self, collection: str, **equals: Any) -> list[Doc]:
        return self.inner.find(collection, **equals)

    def collections(self) -> list[str]:
        return self.inner.collections()

    def items(self, collection: str) -> list[tuple[str, Doc]]:
        return self.inner.items(collection)

    def close(self) -> None:
        self.inner.close()

    def __getattr__(self, name: str) -> Any:  # what a backend offers beyond the contract
        return getattr(self.inner, name)
