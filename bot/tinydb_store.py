"""The embedded store: TinyDB tables in one JSON file, written atomically, one writer at a time.

Each outermost transaction ends in one durable write: a temporary file in the same folder,
flushed and fsynced, then `os.replace`d over the old one, then the folder fsynced. A crash
leaves either the old file or the new one, never half of one. A file that does not parse is
never overwritten: opening it raises `StoreError` naming the file and the reason.
"""

from __future__ import annotations

import contextlib
import copy
import fcntl
import json
import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Document

from bot.store import SCHEMA_VERSION, Doc, StoreError

_META = "_meta"
_KEY = "_key"


class _LiveStorage(Storage):
    """Hands TinyDB the store's in-memory tables; the store decides when they reach the disk."""

    def __init__(self, owner: TinyDBStore) -> None:
        self._owner = owner

    def read(self) -> dict[str, dict[str, Any]] | None:
        return self._owner._tables

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        self._owner._tables = data
        self._owner._dirty = True

    def close(self) -> None:
        pass


class TinyDBStore:
    """The TinyDB backend of the `Store` contract."""

    def __init__(self, path: str | Path, readonly: bool = False) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self._lock = threading.RLock()
        self._depth = 0
        self._dirty = False
        self._lock_file: Any = None
        self._tables: dict[str, dict[str, Any]] = {}
        if not readonly:
            self._take_file_lock()
        try:
            self._tables = self._load()
        except StoreError:
            self.close()
            raise
        self._db = TinyDB(storage=_LiveStorage, owner=self)
        self._index: dict[str, dict[str, int]] = {}
        self._reindex()
        if not self.path.exists() and not readonly:
            with self.transaction():
                self._db.table(_META).insert({_KEY: "schema", "version": SCHEMA_VERSION})

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

    def _load(self) -> dict[str, dict[str, Any]]:
        if not self.path.exists():
            if self.readonly:
                raise StoreError(f"{self.path}: no such store file")
            return {}
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
        self._index = {
            name: {doc[_KEY]: int(doc_id) for doc_id, doc in table.items() if _KEY in doc}
            for name, table in self._tables.items()
        }

    # -- transactions --------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._lock:
            self._depth += 1
            try:
                yield
                if self._depth == 1 and self._dirty:
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
        payload = json.dumps(self._tables, ensure_ascii=False, separators=(",", ":"))
        folder = self.path.parent
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(payload)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise StoreError(f"{self.path}: could not be saved: {exc.strerror or exc}") from exc
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        self._dirty = False

    def _rollback(self) -> None:
        """Forget uncommitted changes: the file on disk is the truth."""
        if not self._dirty:
            return
        self._tables = self._load() if self.path.exists() else {}
        self._db.clear_cache()
        self._reindex()
        self._dirty = False

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
            table = self._db.table(collection)
            index = self._index.setdefault(collection, {})
            body = {**copy.deepcopy(doc), _KEY: key}
            doc_id = index.get(key)
            if doc_id is None:
                index[key] = table.insert(body)
            else:
                table.remove(doc_ids=[doc_id])
                table.insert(Document(body, doc_id=doc_id))

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
                self._db.table(collection).remove(doc_ids=[doc_id])

    def all(self, collection: str) -> list[Doc]:
        with self._lock:
            return [_strip(d) for d in self._db.table(collection).all()]

    def close(self) -> None:
        if self._lock_file is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None


def _strip(doc: dict[str, Any]) -> Doc:
    out = copy.deepcopy(dict(doc))
    out.pop(_KEY, None)
    return out
