"""`ogpbot backup FILE` and `ogpbot restore FILE`: the whole store as one TinyDB file, from
and into a TinyDB file or PostgreSQL.

A backup reads the store the way `ogpbot export` does, read-only, so it works while `serve`
runs: a TinyDB file and its journal are read as one consistent state (read again if a
compaction replaced the file meanwhile); PostgreSQL is read in one read-only transaction. Either
way it holds every write acknowledged before the backup began. It is written atomically, as a
TinyDB file that `OGPBOT_DB` can open.

A restore opens the store for itself alone (a TinyDB file's writer lock; PostgreSQL's
`USE_LOCK`), so it refuses while a server uses the store; the snapshot is read and checked as
a store before anything is replaced. The store it replaces is kept: a TinyDB file beside
itself (`<file>.before-restore`); a database as a TinyDB file beside the snapshot
(`<snapshot>.before-restore`, which `restore` can put back). Into a database, the old
documents go and the snapshot's come in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.store import durable, transfer
from bot.store.contract import Doc, Store, StoreError
from bot.store.opening import is_database_url, open_store
from bot.store.tinydb_file import TinyDBStore, file_payload


@dataclass(frozen=True)
class Restored:
    documents: int
    aside: Path | None  # the store that was replaced, kept under this name


def _write(out: str, payload: bytes) -> None:
    try:
        durable.write_atomically(Path(out), payload)
    except OSError as exc:
        raise StoreError(f"{out}: cannot be written: {exc.strerror or exc}") from None


def backup(db: str, out: str) -> int:
    """Write a snapshot of the store `db` to `out`; return how many documents it holds."""
    if is_database_url(db):
        store = open_store(db, readonly=True)
        try:
            payload, count = file_payload(transfer.snapshot(store))
        finally:
            store.close()
    else:
        if Path(out).resolve() == Path(db).resolve():
            raise StoreError(f"{out}: is the store itself; name another file for the backup")
        local = TinyDBStore(db, readonly=True)
        try:
            payload, count = local.snapshot()
        finally:
            local.close()
    _write(out, payload)
    return count


def restore(db: str, source: str) -> Restored:
    """Put the snapshot `source` back as the store `db` (refused while a server uses it)."""
    if not is_database_url(db) and Path(source).resolve() == Path(db).resolve():
        raise StoreError(f"{source}: is the store itself; name a backup file to restore")
    snapshot = TinyDBStore(Path(source), readonly=True)  # refuses what is not a store
    try:
        if not is_database_url(db):
            payload, count = snapshot.snapshot()
        else:
            documents = transfer.snapshot(snapshot)
    finally:
        snapshot.close()
    if not is_database_url(db):
        return Restored(count, durable.restore(Path(db), payload))
    store = open_store(db, exclusive=True)  # StoreBusy while a server uses it
    try:
        return _into(store, documents, source)
    finally:
        store.close()


def _into(store: Store, documents: dict[str, dict[str, Doc]], source: str) -> Restored:
    """Replace everything in `store` (which this process holds alone) by `documents`, keeping
    what was there as a TinyDB file beside `source`."""
    before = transfer.snapshot(store)
    aside = None
    if any(before.values()):
        aside = Path(source + ".before-restore")
        _write(str(aside), file_payload(before)[0])

    def replace() -> None:
        for name in store.collections():
            for key, _ in store.items(name):
                store.delete(name, key)
        for name, docs in documents.items():
            for key, doc in docs.items():
                store.put(name, key, doc)

    store.atomically(replace)
    analyze = getattr(store, "analyze", None)
    if callable(analyze):  # the planner's statistics fit what the database now holds
        analyze()
    return Restored(sum(len(docs) for docs in documents.values()), aside)
