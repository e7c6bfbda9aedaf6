"""Shared work in a store that one process owns (memory, TinyDB): claims, leases and wake-ups
kept in memory. With one process there is nobody to share with, so a restart starts with no
claims at all, and a notification is a call of the listeners in this process. Also the
contract's several-in-one questions (`get_linked`, `get_each`, `add_many`, `put_many`,
`delete_many`), which such a store answers one document at a time, under its lock or in one
transaction."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from bot.store.contract import Doc, T, ready_at

log = logging.getLogger("ogpbot.store")


class LocalWork:
    """The shared-work half of the `Store` contract for a store of one process. The store
    provides `_lock`, `_copy_out`, and `_work` (its documents that are work) or, when it keeps
    its work sorted by when it is ready, `_work_in_order` (TinyDB's)."""

    shared = False
    _lock: threading.RLock

    if TYPE_CHECKING:  # the store's own, which the methods here call
        def transaction(self, readonly: bool = False, kind: str = "",
                        reading: bool = False) -> AbstractContextManager[None]: ...

        def get(self, collection: str, key: str) -> Doc | None: ...

        def add(self, collection: str, key: str, doc: Doc) -> bool: ...

        def put(self, collection: str, key: str, doc: Doc) -> None: ...

        def delete(self, collection: str, key: str) -> None: ...

    def _init_work(self) -> None:
        self._leases: dict[tuple[str, str], tuple[str, float]] = {}
        self._bookings: dict[tuple[str, str], float] = {}  # the next free moment of each
        self._listeners: dict[str, list[Callable[[str | None], None]]] = {}
        self._revisions: dict[str, int] = {}  # writes seen per collection (rolled back too)

    def _revised(self, collection: str | None = None) -> None:
        """A write to `collection` (None: to any, as a rollback of everything is)."""
        names = [collection] if collection is not None else [*self._revisions, ""]
        for name in names:
            self._revisions[name] = self._revisions.get(name, 0) + 1

    def changes(self, collection: str, since: str | None) -> tuple[str, set[str] | None]:
        # Writes counted per collection: nothing moved, or read them all (a store of one
        # process tells its readers of every write through the records' hooks, so this is
        # asked rarely, if ever).
        with self._lock:
            now = f"{self._revisions.get(collection, 0)}.{self._revisions.get('', 0)}"
        return now, (set() if since == now else None)

    def _work(self, collection: str) -> Iterable[tuple[str, Doc]]:
        """(key, document) of every document in `collection` that may be work (not copies)."""
        raise NotImplementedError

    def _work_in_order(self, collection: str) -> Iterable[tuple[float, str, Doc]]:
        """(ready_at, key, document) of the work in `collection` (not copies), earliest first,
        then by key: what `claim` and `next_ready` walk, and stop walking once they know. A
        store that keeps its work in this order says so by overriding it; by default it is
        sorted from `_work` at each call."""
        found = [(at, key, doc) for key, doc in self._work(collection)
                 if (at := ready_at(doc)) is not None]
        found.sort(key=lambda item: (item[0], item[1]))
        return found

    def _copy_out(self, doc: Doc) -> Doc:
        raise NotImplementedError

    def atomically(self, work: Callable[[], T]) -> T:
        with self.transaction():
            return work()

    def get_linked(self, collection: str, key: str, field: str,
                   target: str) -> tuple[Doc | None, Doc | None]:
        with self._lock:
            link = self.get(collection, key)
            name = link.get(field) if link is not None else None
            return link, (self.get(target, name) if isinstance(name, str) else None)

    def get_each(self, wanted: Sequence[tuple[str, str]]) -> list[Doc | None]:
        with self._lock:
            return [self.get(collection, key) for collection, key in wanted]

    def add_many(self, collection: str, docs: Mapping[str, Doc]) -> set[str]:
        with self.transaction():
            return {key for key, doc in docs.items() if self.add(collection, key, doc)}

    def put_many(self, collection: str, docs: Mapping[str, Doc]) -> None:
        with self.transaction():
            for key, doc in docs.items():
                self.put(collection, key, doc)

    def delete_many(self, collection: str, keys: Collection[str]) -> None:
        with self.transaction():
            for key in keys:
                self.delete(collection, key)

    def claim(self, collection: str, owner: str, now: float, lease: float, limit: int,
              excluding: Collection[str] = (), **equals: Any) -> list[tuple[str, Doc]]:
        with self._lock:
            out: list[tuple[str, Doc]] = []
            for at, key, doc in self._work_in_order(collection):
                if len(out) >= limit or at > now:
                    break
                if key in excluding or not self._free(collection, key, owner, now) or not all(
                        doc.get(f) == v for f, v in equals.items()):
                    continue
                self._leases[(collection, key)] = (owner, now + lease)
                out.append((key, self._copy_out(doc)))
            return out

    def add_claimed(self, collection: str, key: str, doc: Doc, owner: str, until: float) -> bool:
        with self._lock:
            added = self.add(collection, key, doc)
            if added and ready_at(doc) is not None:
                self._leases[(collection, key)] = (owner, until)
            return added

    def _free(self, collection: str, key: str, owner: str, now: float) -> bool:
        held = self._leases.get((collection, key))
        return held is None or held[0] == owner or held[1] <= now

    def renew(self, collection: str, owner: str, until: float) -> int:
        with self._lock:
            mine = [k for k, (who, _) in self._leases.items()
                    if k[0] == collection and who == owner]
            for k in mine:
                self._leases[k] = (owner, until)
            return len(mine)

    def release(self, collection: str, owner: str, keys: list[str]) -> None:
        with self._lock:
            for key in keys:
                held = self._leases.get((collection, key))
                if held is not None and held[0] == owner:
                    del self._leases[(collection, key)]

    def holder(self, collection: str, key: str) -> str | None:
        with self._lock:
            held = self._leases.get((collection, key))
            return held[0] if held else None

    def next_ready(self, collection: str, owner: str, excluding: Collection[str] = (),
                   **equals: Any) -> float | None:
        with self._lock:
            earliest: float | None = None
            for at, key, doc in self._work_in_order(collection):
                if earliest is not None and at >= earliest:
                    break  # the rest are ready no sooner, leases or not
                if key in excluding or not all(doc.get(f) == v for f, v in equals.items()):
                    continue
                held = self._leases.get((collection, key))
                if held is not None and held[0] != owner:
                    at = max(at, held[1])
                earliest = at if earliest is None else min(earliest, at)
            return earliest

    def book(self, collection: str, key: str, now: float, interval: float) -> float:
        with self._lock:
            at = max(now, self._bookings.get((collection, key), now))
            self._bookings[(collection, key)] = at + interval
            return at

    def notify(self, channel: str, payload: str = "") -> None:
        for callback in list(self._listeners.get(channel, ())):
            try:
                callback(payload)
            except Exception:  # one listener's failure must not stop the write that woke it
                log.exception("a listener on %s failed", channel)

    def listen(self, channel: str, callback: Callable[[str | None], None]) -> None:
        self._listeners.setdefault(channel, []).append(callback)

