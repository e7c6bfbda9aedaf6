"""The embedded store: TinyDB tables in one JSON file, with a journal that makes each write
durable in time proportional to the write, not to the whole database.

How a write reaches the disk:
- Each outermost transaction appends one line to `<file>.journal` (the documents it changed,
  `bot.store.journal`) and returns once the line is fsynced: that is the moment a write is
  acknowledged.
- Group commit: a transaction queues its line and leaves the lock before it waits, so others
  run meanwhile; the first waiter while no write runs writes every queued line, in the order
  they were made, with one fsync. If that write fails, the group and every line queued after
  it (they may have read what it changed) are undone in memory and each of their
  transactions raises `StoreError`.
- Once the journal has grown as large as the TinyDB file (and at least `COMPACT_MIN_BYTES`),
  and when the store opens with a non-empty journal, the whole database is written to the
  TinyDB file atomically (`bot.store.durable.write_atomically`), then the journal is emptied.
  Lines queued while it folds are written to the journal first: the file never holds a change
  the journal does not, so a crash at any step of a compaction leaves a file and a journal
  that replay to the same documents (replaying a line over a file that holds it changes
  nothing), and a read-only opening in that window reads the same.
- Opening the store cuts a torn journal tail back to its last whole line (logged); a TinyDB
  file or journal that does not parse otherwise is never overwritten: opening raises
  `StoreError` naming the file and the reason. The writer also removes the temporary files a
  crash during a compaction left behind.
- A read-only opening (`ogpbot export`, `ogpbot backup`, while `serve` writes) reads the file
  and then the journal, and reads both again if a compaction replaced the file in between: it
  never pairs the old file with the journal emptied after the new one was written.

TinyDB's own `Table.insert` and `remove` rebuild the whole table on each call; writes here go
straight into the table layout TinyDB reads (`{table: {doc_id: document}}`), and reads go
through TinyDB's tables. `find(collection, field=value)` builds an index of that field the first
time it is asked (`bot.store.field_index`) and keeps it current on every change, so finding the
pending notices among tens of thousands sent, or the coordinators among every person met, costs
what it finds.

The files (TinyDB file, journal, lock) hold people's names and addresses: they are created for
the bot's user alone (0600), in a folder that user owns (made 0700 when the store makes it).
Opening the store for writing narrows any of them that others could read, and refuses a folder
that another user owns.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage

from bot.store import field_index
from bot.store.contract import SCHEMA_VERSION, Doc, StoreError, copy_doc, ready_at
from bot.store.durable import (
    lock_store,
    narrow,
    reached,
    remove_leftovers,
    restore,
    unlock,
    write_atomically,
)
from bot.store.journal import Change, JournalFile, encode
from bot.store.local import LocalWork

__all__ = ["COMPACT_MIN_BYTES", "TinyDBStore", "lock_store", "restore", "write_atomically"]

log = logging.getLogger("ogpbot.store")

_META = "_meta"
_KEY = "_key"
# The journal is folded into the file once it is as large as the file: each byte written is
# rewritten a bounded number of times, and a large store pauses for a rewrite only rarely.
COMPACT_MIN_BYTES = 4 * 1024 * 1024
READ_ATTEMPTS = 20  # a read-only opening reads again this often while compactions replace


@dataclass
class _Queued:
    """A finished transaction's journal line, waiting for its group write."""

    ticket: int
    line: bytes
    undo: list[tuple[str, str, int, Doc | None]]


class _LiveStorage(Storage):
    """Hands TinyDB the store's in-memory tables; the store decides when they reach the disk."""

    def __init__(self, owner: TinyDBStore) -> None:
        self._owner = owner

    def read(self) -> dict[str, dict[str, Any]] | None:
        return self._owner._tables

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        raise StoreError("ogpbot writes through TinyDBStore, not TinyDB tables")

    def close(self) -> None:
        pass


class TinyDBStore(LocalWork):
    """The TinyDB backend of the `Store` contract; the file lock makes it one process's."""

    def __init__(self, path: str | Path, readonly: bool = False) -> None:
        self._init_work()
        self.path = Path(path)
        self.journal = self.path.with_name(self.path.name + ".journal")
        self._journal = JournalFile(self.journal)
        self.readonly = readonly
        self._lock = threading.RLock()
        self._deferred = threading.local()  # `deferring`: this thread's tickets, not waited for
        self._depth = 0
        self._changes: list[Change] = []
        self._undo: list[tuple[str, str, int, Doc | None]] = []
        self._journal_bytes = 0  # written since the last compaction
        self._file_bytes = self.path.stat().st_size if self.path.exists() else 0
        # group commit: lines queued by finished transactions, written by one thread at a time
        self._flush = threading.Condition(threading.Lock())
        self._pending: list[_Queued] = []
        self._queued = 0  # the last ticket handed out
        self._durable = 0  # every ticket up to this one is on disk
        self._flushing = False
        self._failed: dict[int, str] = {}  # ticket -> why its group could not be written
        self._lock_file: Any = None
        self._write_observers: list[Callable[[float], None]] = []
        if not readonly:
            self._take_file_lock()
        try:
            self._tables, replayed = self._load()
        except StoreError:
            self.close()
            raise
        self._db = TinyDB(storage=_LiveStorage, owner=self)
        self._reindex()
        if readonly:
            return
        self._journal.cut_torn_tail()
        if remove_leftovers(self.path):
            log.warning("store %s: removed what a compaction cut short by a crash left "
                        "behind; the store itself is whole", self.path)
        if not self.path.exists():
            with self.transaction():
                self.put(_META, "schema", {"version": SCHEMA_VERSION})
        if replayed or not self.path.exists():
            self._compact()

    # -- opening -------------------------------------------------------------------------------

    def _take_file_lock(self) -> None:
        self._lock_file = lock_store(self.path)
        for name in (self.path, self.journal):
            narrow(name)

    def _load(self) -> tuple[dict[str, dict[str, Any]], bool]:
        """The tables from the file, with the journal replayed; and whether it had lines.

        Read-only, the file and the journal are read again when the file was replaced while
        they were read (a compaction by the process that writes): the old file and the
        journal emptied after the new one was written must never be paired."""
        for _ in range(READ_ATTEMPTS):
            before = self._identity()
            tables, lines = self._read_file_and_journal()
            if not self.readonly or self._identity() == before:
                break
        else:
            raise StoreError(f"{self.path}: kept changing while it was read; try again")
        for changes in lines:
            for collection, key, doc_id, doc in changes:
                table = tables.setdefault(collection, {})
                if doc is None:
                    table.pop(str(doc_id), None)
                else:
                    table[str(doc_id)] = {**doc, _KEY: key}
        return tables, bool(lines)

    def _identity(self) -> tuple[int, int] | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return (st.st_dev, st.st_ino)

    def _read_file_and_journal(self) -> tuple[dict[str, dict[str, Any]], list[list[Change]]]:
        if not self.path.exists():
            if self.readonly:
                raise StoreError(f"{self.path}: no such store file")
            tables: dict[str, dict[str, Any]] = {}
        else:
            tables = self._read_file()
        return tables, self._journal.read()

    def _read_file(self) -> dict[str, dict[str, Any]]:
        try:
            data = json.loads(self.path.read_bytes())
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot be read: {exc.strerror or exc}") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise StoreError(f"{self.path}: is not a readable ogpbot store ({exc}); "
                             "it was left untouched: move it aside or restore a backup") from None
        if not isinstance(data, dict) or not all(isinstance(t, dict) for t in data.values()):
            raise StoreError(f"{self.path}: is not an ogpbot store (expected tables of "
                             "documents); it was left untouched")
        version = next((d.get("version") for d in data.get(_META, {}).values()
                        if isinstance(d, dict) and d.get(_KEY) == "schema"), None)
        if version is None:
            raise StoreError(f"{self.path}: has no schema version; it was left untouched")
        if not isinstance(version, int) or version > SCHEMA_VERSION:
            raise StoreError(f"{self.path}: schema version {version} is newer than this ogpbot "
                             f"understands ({SCHEMA_VERSION}); upgrade ogpbot")
        return data

    def _reindex(self) -> None:
        self._index: dict[str, dict[str, int]] = {
            name: {doc[_KEY]: int(doc_id) for doc_id, doc in table.items() if _KEY in doc}
            for name, table in self._tables.items()
        }
        self._next_id = {name: max(map(int, table), default=0) + 1
                         for name, table in self._tables.items()}
        self._fields: dict[tuple[str, str], field_index.Index] = {}
        self._ordered: dict[str, field_index.Order] = {}  # each collection's work, once asked

    def _field_index(self, collection: str, name: str) -> field_index.Index:
        """Doc ids by the value of one top-level field (values that cannot be compared exactly
        are left out: no query value equals them)."""
        index = self._fields.get((collection, name))
        if index is None:
            index = {}
            for doc_id, doc in self._tables.get(collection, {}).items():
                field_index.add(index, doc.get(name), int(doc_id))
            self._fields[(collection, name)] = index
        return index

    def _reindex_doc(self, collection: str, doc_id: int, old: Doc | None,
                     new: Doc | None) -> None:
        for (indexed, name), index in self._fields.items():
            if indexed != collection:
                continue
            if old is not None:
                field_index.discard(index, old.get(name), doc_id)
            if new is not None:
                field_index.add(index, new.get(name), doc_id)
        order = self._ordered.get(collection)
        if order is not None:
            field_index.unplace(order, _placed(old))
            field_index.place(order, _placed(new))

    # -- transactions --------------------------------------------------------------------------

    @contextmanager
    def transaction(self, readonly: bool = False, kind: str = "",
                    reading: bool = False) -> Iterator[None]:
        ticket = 0
        with self._lock:
            self._depth += 1
            try:
                yield
                if self._depth == 1 and self._changes:
                    ticket = self._enqueue()
            except BaseException:
                if self._depth == 1:
                    self._rollback()
                raise
            finally:
                self._depth -= 1
        if ticket:
            deferred: list[int] | None = getattr(self._deferred, "tickets", None)
            if deferred is not None:
                deferred.append(ticket)  # the caller waits for it later (`settle`)
            else:
                self.settle([ticket])  # outside the lock: others go on meanwhile

    @contextmanager
    def deferring(self) -> Iterator[list[int]]:
        """Inside, this thread's outermost transactions return once their changes are made and
        their journal line queued, without waiting for the disk: the list it gives fills with
        their tickets, for `settle`. For the event loop, which must not wait on an fsync: it
        makes a small write itself and leaves only the wait to a thread (a write that fails to
        reach the disk is undone in memory, as any in its group, and `settle` raises)."""
        tickets: list[int] = []
        self._deferred.tickets = tickets
        try:
            yield tickets
        finally:
            self._deferred.tickets = None

    @contextmanager
    def uncontended(self) -> Iterator[bool]:
        """Whether this thread holds the store's lock without having waited for it (True: it
        does, until the block ends). The event loop writes itself only when it need not wait."""
        free = self._lock.acquire(blocking=False)
        try:
            yield free
        finally:
            if free:
                self._lock.release()

    def settle(self, tickets: list[int]) -> None:
        """Return once the journal lines `tickets` are on disk (a group commit, as any write's);
        `StoreError` when one could not be written (it was undone in memory)."""
        for ticket in sorted(tickets):
            began = time.perf_counter()
            self._wait_durable(ticket)
            took = time.perf_counter() - began
            for observe in self._write_observers:
                observe(took)

    def _enqueue(self) -> int:
        """Queue this transaction's journal line for the next group write (under the lock,
        so lines queue in the order their changes were made)."""
        if self.readonly:
            raise StoreError(f"{self.path}: opened read-only")
        line = encode(self._changes)
        undo, self._undo = self._undo, []
        self._changes = []
        with self._flush:
            self._queued += 1
            self._pending.append(_Queued(self._queued, line, undo))
            return self._queued

    def _wait_durable(self, ticket: int) -> None:
        """Return once the line `ticket` is on disk; the first to wait while no write is
        running writes every queued line, with one fsync (a group commit). `StoreError`
        when its group could not be written (then it was undone in memory)."""
        while True:
            with self._flush:
                while True:
                    if ticket <= self._durable:
                        return
                    failed = self._failed.pop(ticket, None)
                    if failed is not None:
                        raise StoreError(failed)
                    if not self._flushing:
                        break
                    self._flush.wait()
                self._flushing = True
                group, self._pending = self._pending, []
            self._write_group(group)

    def _write_group(self, group: list[_Queued]) -> None:
        """Write and fsync a group of queued lines (this thread alone writes meanwhile)."""
        try:
            self._journal.append(b"".join(q.line for q in group))
        except OSError as exc:
            self._undo_from(group, f"{self.path}: could not be saved: {exc.strerror or exc}")
            return
        reached("appended")
        self._journal_bytes += sum(len(q.line) for q in group)
        durable = group[-1].ticket
        if self._journal_bytes >= max(COMPACT_MIN_BYTES, self._file_bytes):
            # a fold that fails leaves the journal whole: it is folded another time
            with contextlib.suppress(StoreError):
                durable = max(durable, self._fold())
        with self._flush:
            self._durable = max(self._durable, durable)
            self._flushing = False
            self._flush.notify_all()

    def _fold(self) -> int:
        """Fold the journal into the file (called by the thread that writes the journal).
        Under the lock, so no transaction changes the tables meanwhile, the lines queued
        since the last group are written to the journal first: the file never holds a change
        the journal does not. Returns the last ticket that is on disk now (0 if none was
        queued); raises `StoreError` when the compaction failed (the journal is whole)."""
        with self._lock:
            with self._flush:
                queued, self._pending = self._pending, []
            if queued:
                try:
                    self._journal.append(b"".join(q.line for q in queued))
                except OSError as exc:
                    self._undo_lines(queued, f"{self.path}: could not be saved: "
                                             f"{exc.strerror or exc}")
                    raise StoreError(f"{self.path}: could not be saved: "
                                     f"{exc.strerror or exc}") from None
                self._journal_bytes += sum(len(q.line) for q in queued)
                reached("queued-appended")
            try:
                self._compact()
            finally:
                if queued:  # on disk in the journal, whatever became of the compaction
                    with self._flush:
                        self._durable = max(self._durable, queued[-1].ticket)
            return queued[-1].ticket if queued else 0

    def _undo_from(self, group: list[_Queued], reason: str) -> None:
        """A group could not be written: undo it in memory, and every line queued after it
        (those transactions may have read what it changed), newest first."""
        with self._lock:
            with self._flush:
                undone, self._pending = group + self._pending, []
            self._undo_lines(undone, reason)
            with self._flush:
                self._flushing = False
                self._flush.notify_all()

    def _undo_lines(self, undone: list[_Queued], reason: str) -> None:
        """Undo these queued lines in memory, newest first, and tell their writers why."""
        with self._lock:
            for queued in reversed(undone):
                self._undo_changes(queued.undo)
            with self._flush:
                for queued in undone:
                    self._failed[queued.ticket] = reason
                self._flush.notify_all()

    def _compact(self) -> None:
        """Write every table to the TinyDB file atomically, then empty the journal."""
        began = time.perf_counter()
        try:
            self._file_bytes = write_atomically(self.path, self._payload())
            self._journal.empty()
        except OSError as exc:
            raise StoreError(f"{self.path}: could not be saved: {exc.strerror or exc}") from exc
        self._journal_bytes = 0
        log.info("store %s compacted: %.1f MB in %.2f s", self.path, self._file_bytes / 1e6,
                 time.perf_counter() - began)

    def _payload(self) -> bytes:
        return json.dumps(self._tables, ensure_ascii=False,
                          separators=(",", ":")).encode("utf-8")

    def snapshot(self) -> tuple[bytes, int]:
        """Every table as a TinyDB file holds them (what `OGPBOT_DB` can open), and how many
        documents that is: all of this store's writes that returned before it was opened
        (read-only) or before this call."""
        with self._lock:
            count = sum(len(t) for name, t in self._tables.items() if name != _META)
            return self._payload(), count

    def _rollback(self) -> None:
        """Undo this transaction's changes in memory, newest first."""
        self._undo_changes(self._undo)
        self._changes.clear()
        self._undo.clear()

    def _undo_changes(self, undo: list[tuple[str, str, int, Doc | None]]) -> None:
        for collection, key, doc_id, old in reversed(undo):
            self._revised(collection)
            table = self._tables.setdefault(collection, {})
            index = self._index.setdefault(collection, {})
            self._reindex_doc(collection, doc_id, table.get(str(doc_id)), old)
            if old is None:
                table.pop(str(doc_id), None)
                index.pop(key, None)
            else:
                table[str(doc_id)] = old
                index[key] = doc_id
        self._db.clear_cache()

    def _change(self, collection: str, key: str, doc_id: int, body: Doc | None) -> None:
        self._revised(collection)
        table = self._tables.setdefault(collection, {})
        old = table.get(str(doc_id))
        self._undo.append((collection, key, doc_id, old))
        self._changes.append((collection, key, doc_id, body))
        if body is None:
            table.pop(str(doc_id), None)
        else:
            table[str(doc_id)] = {**body, _KEY: key}
        self._reindex_doc(collection, doc_id, old, table.get(str(doc_id)))

    def observe_writes(self, callback: Callable[[float], None]) -> None:
        """Call `callback(seconds)` after each transaction reached the disk, with the time it
        waited for that: its group's journal write and fsync, or the group before it (what a
        command waits for once its changes are made)."""
        self._write_observers.append(callback)

    # -- the contract --------------------------------------------------------------------------

    def get(self, collection: str, key: str) -> Doc | None:
        with self._lock:
            doc_id = self._index.get(collection, {}).get(key)
            if doc_id is None:
                return None
            doc = self._tables.get(collection, {}).get(str(doc_id))  # as TinyDB's get() reads it
            return _strip(doc) if isinstance(doc, dict) else None

    def get_many(self, collection: str, keys: Collection[str]) -> dict[str, Doc]:
        with self._lock:
            return {key: doc for key in keys
                    if (doc := self.get(collection, key)) is not None}

    def put(self, collection: str, key: str, doc: Doc) -> None:
        with self.transaction():
            index = self._index.setdefault(collection, {})
            doc_id = index.get(key)
            if doc_id is None:
                doc_id = self._next_id.get(collection, 1)
                self._next_id[collection] = doc_id + 1
                index[key] = doc_id
            self._change(collection, key, doc_id, copy_doc(doc))

    def add(self, collection: str, key: str, doc: Doc) -> bool:
        with self.transaction():
            if key in self._index.get(collection, {}):
                return False
            self.put(collection, key, doc)
            return True

    def delete(self, collection: str, key: str) -> None:
        with self.transaction():
            doc_id = self._index.get(collection, {}).pop(key, None)
            if doc_id is not None:
                self._change(collection, key, doc_id, None)

    def all(self, collection: str) -> list[Doc]:
        with self._lock:  # the tables themselves, in the order written (as TinyDB's all())
            return [_strip(d) for d in self._tables.get(collection, {}).values()]

    def items(self, collection: str) -> list[tuple[str, Doc]]:
        with self._lock:
            return [(d[_KEY], _strip(d)) for d in self._tables.get(collection, {}).values()]

    def find(self, collection: str, **equals: Any) -> list[Doc]:
        with self._lock:
            table = self._tables.get(collection, {})
            by = next((f for f, v in equals.items() if field_index.indexable(v)), None)
            if by is None:
                docs: Any = table.values()
            else:
                ids = sorted(self._field_index(collection, by).get(
                    field_index.token(equals[by]), ()))
                docs = (table[str(i)] for i in ids)
            return [_strip(d) for d in docs if all(d.get(f) == v for f, v in equals.items())]

    def collections(self) -> list[str]:
        with self._lock:
            return sorted(name for name, table in self._tables.items()
                          if table and name != _META)

    def compact(self) -> None:
        """Rewrite the file from memory now and empty the journal: afterwards no older version
        of any document is left in either (what an erasure needs). Waits for a group write in
        progress, and writes the lines queued behind it first."""
        if self.readonly:
            raise StoreError(f"{self.path}: opened read-only")
        with self._flush:
            while self._flushing:
                self._flush.wait()
            self._flushing = True
        try:
            self._fold()
        finally:
            with self._flush:
                self._flushing = False
                self._flush.notify_all()

    # -- shared work (bot.store.local) ------------------------------------------------------

    def _work_in_order(self, collection: str) -> Iterator[tuple[float, str, Doc]]:
        table = self._tables.get(collection, {})
        order = self._ordered.get(collection)
        if order is None:
            order = sorted(item for doc in table.values() if (item := _placed(doc)) is not None)
            self._ordered[collection] = order
        index = self._index.get(collection, {})
        for at, key in order:  # the caller holds the lock: no change meanwhile
            yield at, key, table[str(index[key])]

    def _copy_out(self, doc: Doc) -> Doc:
        return _strip(doc)

    def close(self) -> None:
        if self._lock_file is not None:
            unlock(self._lock_file)
            self._lock_file = None


def _placed(doc: Doc | None) -> tuple[float, str] | None:
    """A document's place in its collection's work order, or None when it is not work."""
    if doc is None or _KEY not in doc:
        return None
    at = ready_at(doc)
    return None if at is None or at != at else (at, doc[_KEY])  # NaN is never ready


def _strip(doc: dict[str, Any]) -> Doc:
    out: Doc = copy_doc(doc)
    out.pop(_KEY, None)
    return out


def file_payload(documents: Mapping[str, Mapping[str, Doc]]) -> tuple[bytes, int]:
    """A whole TinyDB file (what `OGPBOT_DB` can open) holding `documents`, by collection and
    key, in their order; and how many documents that is. How another backend's snapshot
    becomes a backup."""
    tables: dict[str, dict[str, Any]] = {
        name: {str(n): {**doc, _KEY: key} for n, (key, doc) in enumerate(docs.items(), 1)}
        for name, docs in documents.items() if name != _META}
    tables[_META] = {"1": {"version": SCHEMA_VERSION, _KEY: "schema"}}
    count = sum(len(docs) for name, docs in documents.items() if name != _META)
    return json.dumps(tables, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), count
