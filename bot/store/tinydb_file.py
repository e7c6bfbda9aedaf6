"""The embedded store: TinyDB tables in one JSON file, with a journal that makes each write
durable in time proportional to the write, not to the whole database.

How a write reaches the disk:
- Each outermost transaction appends one line to `<file>.journal` (the documents it changed)
  and returns once the line is fsynced: that is the moment a write is acknowledged.
- Group commit: a transaction queues its line and leaves the lock before it waits, so others
  run meanwhile; the first waiter while no write runs writes every queued line, in the order
  they were made, with one fsync. If that write fails, the group and every line queued after
  it (they may have read what it changed) are undone in memory and each of their
  transactions raises `StoreError`.
- Once the journal has grown as large as the TinyDB file (and at least `COMPACT_MIN_BYTES`),
  and when the store opens with a non-empty journal, the
  whole database is written to the TinyDB file atomically (a temporary file in the same
  folder, flushed and fsynced, `os.replace`d over the old one, the folder fsynced), then the
  journal is emptied. Replaying a journal line twice is harmless: each holds whole documents.
- A crash can leave only a torn tail: the end of the journal from a transaction that never
  returned (a line cut short, or bytes the file system never filled in). Opening the store cuts
  the journal back to its last whole line (logged), so the next write never lands behind a
  damaged line; each write also checks that the journal ends where the last one left it. A line
  glued onto a torn one (a journal written before that check) is read from where it starts.
  A TinyDB file or journal that does not parse otherwise (a damaged line with a whole line
  after it) is never overwritten: opening raises `StoreError` naming the file and the reason.
- A read-only opening (`ogpbot export`, `ogpbot backup`, while `serve` writes) reads the file
  and then the journal, and reads both again if a compaction replaced the file in between: it
  never pairs the old file with the emptied journal.

TinyDB's own `Table.insert` and `remove` rebuild the whole table on each call; writes here go
straight into the table layout TinyDB reads (`{table: {doc_id: document}}`), and reads go
through TinyDB's tables. `find(collection, field=value)` builds an index of that field the first
time it is asked and keeps it current on every change, so finding the pending notices among
tens of thousands sent, or the coordinators among every person met, costs what it finds.

The files (TinyDB file, journal, lock) hold people's names and addresses: they are created for
the bot's user alone (0600), in a folder that user owns (made 0700 when the store makes it).
Opening the store for writing narrows any of them that others could read, and refuses a folder
that another user owns.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage

from bot.store.contract import READY, SCHEMA_VERSION, Doc, StoreBusy, StoreError, copy_doc
from bot.store.local import LocalWork

log = logging.getLogger("ogpbot.store")

_META = "_meta"
_KEY = "_key"
# The journal is folded into the file once it is as large as the file: each byte written is
# rewritten a bounded number of times, and a large store pauses for a rewrite only rarely.
COMPACT_MIN_BYTES = 4 * 1024 * 1024
PRIVATE = 0o600  # the store's files hold people's names and e-mail addresses
PRIVATE_FOLDER = 0o700

READ_ATTEMPTS = 20  # a read-only opening reads again this often while compactions replace

# One change: (collection, key, doc_id, document or None for a deletion).
Change = tuple[str, str, int, Doc | None]
_LINE_START = b'{"changes":'


@dataclass
class JournalRead:
    """What a journal holds: its whole entries, where the last of them ends (the rest is a
    torn tail), the lines read from a later start because a torn write was glued before them,
    and the first damaged line when a whole line follows it (the journal is then unusable)."""

    entries: list[list[Change]]
    good_end: int
    glued: list[int]
    damaged_line: int | None = None


def _entry(line: bytes) -> list[Change] | None:
    try:
        entry = json.loads(line)
        return [(c, k, int(i), d) for c, k, i, d in entry["changes"]]
    except (ValueError, KeyError, TypeError):
        return None


def read_journal(raw: bytes) -> JournalRead:
    """Parse a journal. A line that does not parse may be a torn write with a whole one glued
    on (journals written before writes checked their start): it is read from the first later
    point where an entry begins that parses to the end of the line. Damaged lines with no
    whole line after them are the torn tail; a whole line after a damaged one makes the
    journal damaged."""
    read = JournalRead([], 0, [])
    first_bad: int | None = None
    start = 0
    for number, line in enumerate(raw.split(b"\n")[:-1], 1):
        end = start + len(line) + 1
        entry = _entry(line)
        if entry is None:
            at = line.find(_LINE_START, 1)
            while entry is None and at > 0:
                entry = _entry(line[at:])
                at = line.find(_LINE_START, at + 1)
            if entry is not None:
                read.glued.append(number)
        if entry is None:
            first_bad = first_bad or number
        elif first_bad is not None:
            read.damaged_line = first_bad
            return read
        else:
            read.entries.append(entry)
            read.good_end = end
        start = end
    return read


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
        self.readonly = readonly
        self._lock = threading.RLock()
        self._depth = 0
        self._changes: list[Change] = []
        self._undo: list[tuple[str, str, int, Doc | None]] = []
        self._journal_bytes = 0  # written since the last compaction
        self._file_bytes = self.path.stat().st_size if self.path.exists() else 0
        self._journal_end = 0  # where the journal's last whole line ends
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
        self._cut_torn_tail()
        if not self.path.exists():
            with self.transaction():
                self.put(_META, "schema", {"version": SCHEMA_VERSION})
        if replayed or not self.path.exists():
            self._compact()

    # -- opening -------------------------------------------------------------------------------

    def _take_file_lock(self) -> None:
        self._lock_file = lock_store(self.path)
        for name in (self.path, self.journal):
            _narrow(name)

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
        return tables, self._journal_lines()

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

    def _journal_lines(self) -> list[list[Change]]:
        try:
            raw = self.journal.read_bytes()
        except FileNotFoundError:
            self._tail = (0, 0)
            return []
        except OSError as exc:
            raise StoreError(f"{self.journal}: cannot be read: {exc.strerror or exc}") from None
        read = read_journal(raw)
        if read.damaged_line is not None:
            raise StoreError(f"{self.journal}: line {read.damaged_line} is damaged; the store "
                             "was left untouched: move the journal aside or restore a backup")
        for number in read.glued:
            log.warning("store %s: journal line %d began with the torn end of an earlier "
                        "write; the whole write after it was kept", self.journal, number)
        self._tail = (read.good_end, len(raw))
        return read.entries

    def _cut_torn_tail(self) -> None:
        """Cut the journal back to its last whole line, so no write lands behind a torn one."""
        good_end, size = self._tail
        self._journal_end = good_end
        if size == good_end:
            return
        try:
            fd = os.open(self.journal, os.O_WRONLY)
            try:
                os.ftruncate(fd, good_end)
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            raise StoreError(f"{self.journal}: its torn end could not be cut off: "
                             f"{exc.strerror or exc}") from None
        log.warning("store %s: cut %d byte(s) of a write torn by a crash off the end of the "
                    "journal; every whole write is kept", self.journal, size - good_end)

    def _reindex(self) -> None:
        self._index: dict[str, dict[str, int]] = {
            name: {doc[_KEY]: int(doc_id) for doc_id, doc in table.items() if _KEY in doc}
            for name, table in self._tables.items()
        }
        self._next_id = {name: max(map(int, table), default=0) + 1
                         for name, table in self._tables.items()}
        self._fields: dict[tuple[str, str], dict[Any, set[int]]] = {}

    def _field_index(self, collection: str, name: str) -> dict[Any, set[int]]:
        """Doc ids by the value of one top-level field (values that cannot be hashed are
        left out: no query value equals them)."""
        index = self._fields.get((collection, name))
        if index is None:
            index = {}
            for doc_id, doc in self._tables.get(collection, {}).items():
                _index_add(index, doc.get(name), int(doc_id))
            self._fields[(collection, name)] = index
        return index

    def _reindex_doc(self, collection: str, doc_id: int, old: Doc | None,
                     new: Doc | None) -> None:
        for (indexed, name), index in self._fields.items():
            if indexed != collection:
                continue
            if old is not None:
                _index_discard(index, old.get(name), doc_id)
            if new is not None:
                _index_add(index, new.get(name), doc_id)

    # -- transactions --------------------------------------------------------------------------

    @contextmanager
    def transaction(self, readonly: bool = False) -> Iterator[None]:
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
            began = time.perf_counter()
            self._wait_durable(ticket)  # outside the lock: others go on meanwhile
            took = time.perf_counter() - began
            for observe in self._write_observers:
                observe(took)

    def _enqueue(self) -> int:
        """Queue this transaction's journal line for the next group write (under the lock,
        so lines queue in the order their changes were made)."""
        if self.readonly:
            raise StoreError(f"{self.path}: opened read-only")
        line = (json.dumps({"changes": self._changes}, ensure_ascii=False,
                           separators=(",", ":")) + "\n").encode("utf-8")
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
            self._append(b"".join(q.line for q in group))
        except OSError as exc:
            self._undo_from(group, f"{self.path}: could not be saved: {exc.strerror or exc}")
            return
        self._journal_bytes += sum(len(q.line) for q in group)
        durable = group[-1].ticket
        if self._journal_bytes >= max(COMPACT_MIN_BYTES, self._file_bytes):
            durable = max(durable, self._compact_queued())
        with self._flush:
            self._durable = max(self._durable, durable)
            self._flushing = False
            self._flush.notify_all()

    def _compact_queued(self) -> int:
        """Fold the journal into the file, lines queued since included (every table in
        memory goes into the file); the last ticket it made durable, or 0 if it failed."""
        with self._lock:  # no transaction changes the tables while they are written
            with self._flush:
                queued, self._pending = self._pending, []
            try:
                self._compact()
            except StoreError:  # the journal still holds everything; try again next time
                with self._flush:
                    self._pending = queued + self._pending
                return 0
            return queued[-1].ticket if queued else 0

    def _undo_from(self, group: list[_Queued], reason: str) -> None:
        """A group could not be written: undo it in memory, and every line queued after it
        (those transactions may have read what it changed), newest first."""
        with self._lock:
            with self._flush:
                undone, self._pending = group + self._pending, []
            for queued in reversed(undone):
                self._undo_changes(queued.undo)
            with self._flush:
                for queued in undone:
                    self._failed[queued.ticket] = reason
                self._flushing = False
                self._flush.notify_all()

    def _append(self, data: bytes) -> None:
        """Append one journal line and fsync it; a refused write (a full disk, a read-only
        one) is cut off again, and a journal that does not end where the last whole line
        did (a write cut off that could not be undone) is cut back first, so a line never
        follows a torn one. Unbuffered on purpose: a buffered file retries its flush when
        asked to truncate, and fails again."""
        fd = os.open(self.journal, os.O_WRONLY | os.O_APPEND | os.O_CREAT, PRIVATE)
        try:
            if os.fstat(fd).st_size != self._journal_end:
                os.ftruncate(fd, self._journal_end)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
                os.fsync(fd)
            except OSError:
                with contextlib.suppress(OSError):  # else the next append cuts it
                    os.ftruncate(fd, self._journal_end)
                raise
            self._journal_end += len(data)
        finally:
            os.close(fd)

    def _compact(self) -> None:
        """Write every table to the TinyDB file atomically, then empty the journal."""
        began = time.perf_counter()
        try:
            self._file_bytes = write_atomically(self.path, self._payload())
            with os.fdopen(os.open(self.journal, os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
                                   PRIVATE), "wb") as j:
                os.fsync(j.fileno())
        except OSError as exc:
            raise StoreError(f"{self.path}: could not be saved: {exc.strerror or exc}") from exc
        self._journal_end = 0
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
            doc = self._db.table(collection).get(doc_id=doc_id)
            return _strip(doc) if isinstance(doc, dict) else None

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
        with self._lock:
            return [_strip(d) for d in self._db.table(collection).all()]

    def items(self, collection: str) -> list[tuple[str, Doc]]:
        with self._lock:
            return [(d[_KEY], _strip(d)) for d in self._tables.get(collection, {}).values()]

    def find(self, collection: str, **equals: Any) -> list[Doc]:
        with self._lock:
            table = self._tables.get(collection, {})
            by = next((f for f, v in equals.items() if _hashable(v)), None)
            if by is None:
                docs: Any = table.values()
            else:
                ids = sorted(self._field_index(collection, by).get(_token(equals[by]), ()))
                docs = (table[str(i)] for i in ids)
            return [_strip(d) for d in docs if all(d.get(f) == v for f, v in equals.items())]

    def collections(self) -> list[str]:
        with self._lock:
            return sorted(name for name, table in self._tables.items()
                          if table and name != _META)

    def compact(self) -> None:
        """Rewrite the file from memory now and empty the journal: afterwards no older version
        of any document is left in either (what an erasure needs)."""
        with self._lock:
            if self.readonly:
                raise StoreError(f"{self.path}: opened read-only")
            self._compact()

    # -- shared work (bot.store.local) ------------------------------------------------------

    def _work(self, collection: str) -> list[tuple[str, Doc]]:
        table = self._tables.get(collection, {})
        ids = [doc_id for (kind, _), doc_ids in self._field_index(collection, READY).items()
               if kind == "number" for doc_id in doc_ids]
        return [(table[str(i)][_KEY], table[str(i)]) for i in sorted(ids)]

    def _copy_out(self, doc: Doc) -> Doc:
        return _strip(doc)

    def close(self) -> None:
        if self._lock_file is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None


def _own_folder(folder: Path) -> None:
    """Make `folder` (0700) when it is missing; refuse one that another user owns, since that
    user could read or replace the store's files."""
    if not folder.exists():
        folder.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
        return
    if folder.stat().st_uid != os.geteuid():
        raise StoreError(f"{folder}: belongs to another user; keep the store (OGPBOT_DB) in "
                         "a folder that the user running ogpbot owns")


def _narrow(path: Path) -> None:
    """Take away the group's and others' access to one of the store's files, if it exists."""
    with contextlib.suppress(FileNotFoundError):
        if path.stat().st_mode & 0o077:
            os.chmod(path, PRIVATE)


def lock_store(path: Path) -> Any:
    """Take the store's writer lock (`<file>.lock`), held until the returned file is closed;
    `StoreError` when another process holds it."""
    lock = path.with_name(path.name + ".lock")
    try:
        _own_folder(path.parent)
        lock_file = os.fdopen(os.open(lock, os.O_WRONLY | os.O_APPEND | os.O_CREAT, PRIVATE), "a")
        _narrow(lock)
    except OSError as exc:
        raise StoreError(f"{path}: cannot be opened for writing: "
                         f"{exc.strerror or exc}") from None
    try:
        fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        lock_file.close()
        raise StoreBusy(f"{path}: another ogpbot process is using this store; "
                        "stop it first or set OGPBOT_DB to another file") from None
    return lock_file


def write_atomically(path: Path, payload: bytes) -> int:
    """Write `payload` as `path`: a temporary file in the same folder, fsynced, renamed over
    `path`, the folder fsynced; a reader sees the old file or the new one, never a part."""
    tmp = _durable_temp(path, payload)
    try:
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_folder(path.parent)
    return len(payload)


def _durable_temp(path: Path, payload: bytes) -> str:
    """`payload` in a new temporary file beside `path`, fsynced: ready to be renamed over it."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return tmp


def restore(path: Path, payload: bytes) -> Path | None:
    """Make `payload` (a whole TinyDB file) the store at `path`, with an empty journal; the
    store's writer lock is held throughout, so this refuses while a server uses it. The store
    it replaces is kept beside it as `<file>.before-restore` (its journal beside that, as
    `<file>.before-restore.journal`); returns that path, or None when there was no store."""
    lock_file = lock_store(path)
    try:
        aside = path.with_name(path.name + ".before-restore")
        journal = path.with_name(path.name + ".journal")
        aside_journal = aside.with_name(aside.name + ".journal")
        folder = path.parent
        tmp = _durable_temp(path, payload)
        try:
            had = path.exists()
            if had:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(aside)
                os.link(path, aside)
            if journal.exists():
                os.replace(journal, aside_journal)
            else:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(aside_journal)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        _fsync_folder(folder)
        return aside if had else None
    except OSError as exc:
        raise StoreError(f"{path}: could not be restored: {exc.strerror or exc}") from None
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(lock_file, fcntl.LOCK_UN)
        lock_file.close()


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _hashable(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _token(value: Any) -> tuple[str, Any]:
    """The index key of a field value: its JSON kind with it, since JSON's `1` and `true` are
    different values while Python hashes them alike (a `str` subclass, like an enum, is text)."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int | float):
        return ("number", value)
    if isinstance(value, str):
        return ("text", str(value))
    return ("null", None)


def _index_add(index: dict[Any, set[int]], value: Any, doc_id: int) -> None:
    if _hashable(value):
        index.setdefault(_token(value), set()).add(doc_id)


def _index_discard(index: dict[Any, set[int]], value: Any, doc_id: int) -> None:
    if _hashable(value):
        ids = index.get(_token(value))
        if ids is not None:
            ids.discard(doc_id)
            if not ids:
                del index[_token(value)]


def _strip(doc: dict[str, Any]) -> Doc:
    out: Doc = copy_doc(doc)
    out.pop(_KEY, None)
    return out
