"""The embedded store: TinyDB tables in one JSON file, with a journal that makes each write
durable in time proportional to the write, not to the whole database.

How a write reaches the disk:
- Each outermost transaction appends one line to `<file>.journal` (the documents it changed)
  and fsyncs it before returning: that is the moment a write is acknowledged.
- Once the journal has grown as large as the TinyDB file (and at least `COMPACT_MIN_BYTES`),
  and when the store opens with a non-empty journal, the
  whole database is written to the TinyDB file atomically (a temporary file in the same
  folder, flushed and fsynced, `os.replace`d over the old one, the folder fsynced), then the
  journal is emptied. Replaying a journal line twice is harmless: each holds whole documents.
- A crash can leave only a torn last journal line, from a transaction that never returned;
  opening the store drops it. A TinyDB file or journal that does not parse otherwise is never
  overwritten: opening raises `StoreError` naming the file and the reason.

TinyDB's own `Table.insert` and `remove` rebuild the whole table on each call; writes here go
straight into the table layout TinyDB reads (`{table: {doc_id: document}}`), and reads go
through TinyDB's tables. `find(collection, field=value)` builds an index of that field the first
time it is asked and keeps it current on every change, so finding the pending notices among
tens of thousands sent, or the coordinators among every person met, costs what it finds.
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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage

from bot.store.contract import READY, SCHEMA_VERSION, Doc, StoreError, copy_doc
from bot.store.local import LocalWork

log = logging.getLogger("ogpbot.store")

_META = "_meta"
_KEY = "_key"
# The journal is folded into the file once it is as large as the file: each byte written is
# rewritten a bounded number of times, and a large store pauses for a rewrite only rarely.
COMPACT_MIN_BYTES = 4 * 1024 * 1024

# One change: (collection, key, doc_id, document or None for a deletion).
Change = tuple[str, str, int, Doc | None]


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
        self._torn_at: int | None = None
        self._lock_file: Any = None
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
        if not self.path.exists():
            with self.transaction():
                self.put(_META, "schema", {"version": SCHEMA_VERSION})
        if replayed or not self.path.exists():
            self._compact()

    # -- opening -------------------------------------------------------------------------------

    def _take_file_lock(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._lock_file = open(self.path.with_name(self.path.name + ".lock"), "a")  # noqa: SIM115
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot be opened for writing: "
                             f"{exc.strerror or exc}") from None
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._lock_file.close()
            self._lock_file = None
            raise StoreError(f"{self.path}: another ogpbot process is using this store; "
                             "stop it first or set OGPBOT_DB to another file") from None

    def _load(self) -> tuple[dict[str, dict[str, Any]], bool]:
        """The tables from the file, with the journal replayed; and whether it had lines."""
        if not self.path.exists():
            if self.readonly:
                raise StoreError(f"{self.path}: no such store file")
            tables: dict[str, dict[str, Any]] = {}
        else:
            tables = self._read_file()
        lines = self._journal_lines()
        for changes in lines:
            for collection, key, doc_id, doc in changes:
                table = tables.setdefault(collection, {})
                if doc is None:
                    table.pop(str(doc_id), None)
                else:
                    table[str(doc_id)] = {**doc, _KEY: key}
        return tables, bool(lines)

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
            return []
        except OSError as exc:
            raise StoreError(f"{self.journal}: cannot be read: {exc.strerror or exc}") from None
        lines = raw.split(b"\n")
        complete, torn = lines[:-1], lines[-1]  # a crash mid-append leaves a torn last line
        del torn
        out: list[list[Change]] = []
        for number, line in enumerate(complete, 1):
            try:
                entry = json.loads(line)
                out.append([(c, k, int(i), d) for c, k, i, d in entry["changes"]])
            except (ValueError, KeyError, TypeError):
                raise StoreError(f"{self.journal}: line {number} is damaged; the store was left "
                                 "untouched: move the journal aside or restore a backup") from None
        return out

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
        with self._lock:
            self._depth += 1
            try:
                yield
                if self._depth == 1 and self._changes:
                    self._commit()
            except BaseException:
                if self._depth == 1:
                    self._rollback()
                raise
            finally:
                self._depth -= 1

    def _commit(self) -> None:
        if self.readonly:
            raise StoreError(f"{self.path}: opened read-only")
        line = json.dumps({"changes": self._changes}, ensure_ascii=False,
                          separators=(",", ":")) + "\n"
        try:
            self._append(line.encode("utf-8"))
        except OSError as exc:
            raise StoreError(f"{self.path}: could not be saved: {exc.strerror or exc}") from exc
        self._changes.clear()
        self._undo.clear()
        self._journal_bytes += len(line)
        if self._journal_bytes >= max(COMPACT_MIN_BYTES, self._file_bytes):
            with contextlib.suppress(StoreError):  # the journal holds it; retry next time
                self._compact()

    def _append(self, data: bytes) -> None:
        """Append one journal line and fsync it; a refused write (a full disk, a read-only
        one) is cut off again, so a later line never follows a torn one. Unbuffered on
        purpose: a buffered file retries its flush when asked to truncate, and fails again."""
        fd = os.open(self.journal, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            if self._torn_at is not None:  # a cut that failed last time: finish it first
                os.ftruncate(fd, self._torn_at)
                self._torn_at = None
            start = os.lseek(fd, 0, os.SEEK_END)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
                os.fsync(fd)
            except OSError:
                try:
                    os.ftruncate(fd, start)
                except OSError:
                    self._torn_at = start
                raise
        finally:
            os.close(fd)

    def _compact(self) -> None:
        """Write every table to the TinyDB file atomically, then empty the journal."""
        began = time.perf_counter()
        payload = json.dumps(self._tables, ensure_ascii=False, separators=(",", ":"))
        folder = self.path.parent
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=folder)
        except OSError as exc:
            raise StoreError(f"{self.path}: could not be saved: {exc.strerror or exc}") from exc
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                self._file_bytes = f.write(payload)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
            _fsync_folder(folder)
            with open(self.journal, "wb") as j:
                os.fsync(j.fileno())
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise StoreError(f"{self.path}: could not be saved: {exc.strerror or exc}") from exc
        self._journal_bytes = 0
        log.info("store %s compacted: %.1f MB in %.2f s", self.path, self._file_bytes / 1e6,
                 time.perf_counter() - began)

    def _rollback(self) -> None:
        """Undo this transaction's changes in memory, newest first."""
        for collection, key, doc_id, old in reversed(self._undo):
            table = self._tables.setdefault(collection, {})
            index = self._index.setdefault(collection, {})
            self._reindex_doc(collection, doc_id, table.get(str(doc_id)), old)
            if old is None:
                table.pop(str(doc_id), None)
                index.pop(key, None)
            else:
                table[str(doc_id)] = old
                index[key] = doc_id
        self._changes.clear()
        self._undo.clear()
        self._db.clear_cache()

    def _change(self, collection: str, key: str, doc_id: int, body: Doc | None) -> None:
        table = self._tables.setdefault(collection, {})
        old = table.get(str(doc_id))
        self._undo.append((collection, key, doc_id, old))
        self._changes.append((collection, key, doc_id, body))
        if body is None:
            table.pop(str(doc_id), None)
        else:
            table[str(doc_id)] = {**body, _KEY: key}
        self._reindex_doc(collection, doc_id, old, table.get(str(doc_id)))

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
    out = copy_doc(doc)
    out.pop(_KEY, None)
    return out
