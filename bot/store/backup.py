"""`ogpbot backup FILE` and `ogpbot restore FILE`: the whole store as one TinyDB file.

A backup reads the store the way `ogpbot export` does, without the writer's lock, so it works
while `serve` runs: the file and its journal are read as one consistent state (read again if a
compaction replaced the file meanwhile), which holds every write acknowledged before the
backup began. It is written atomically, as a TinyDB file that `OGPBOT_DB` can open.

A restore takes the store's writer lock first, so it refuses while a server uses the store;
the snapshot is read and checked as a store before anything is replaced, and the store it
replaces is kept beside it (`<file>.before-restore`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.store import durable
from bot.store.contract import StoreError
from bot.store.tinydb_file import TinyDBStore


@dataclass(frozen=True)
class Restored:
    documents: int
    aside: Path | None  # the store that was replaced, kept under this name


def _tinydb(db: str) -> Path:
    if "://" in db:
        raise StoreError(f"{db.split('://', 1)[0]}: backup and restore work on a TinyDB file "
                         "store only, so far")
    return Path(db)


def backup(db: str, out: str) -> int:
    """Write a snapshot of the store `db` to `out`; return how many documents it holds."""
    target = Path(out)
    if target.resolve() == _tinydb(db).resolve():
        raise StoreError(f"{out}: is the store itself; name another file for the backup")
    store = TinyDBStore(_tinydb(db), readonly=True)
    try:
        payload, count = store.snapshot()
    finally:
        store.close()
    try:
        durable.write_atomically(target, payload)
    except OSError as exc:
        raise StoreError(f"{out}: cannot be written: {exc.strerror or exc}") from None
    return count


def restore(db: str, source: str) -> Restored:
    """Put the snapshot `source` back as the store `db` (refused while a server uses it)."""
    path = _tinydb(db)
    if Path(source).resolve() == path.resolve():
        raise StoreError(f"{source}: is the store itself; name a backup file to restore")
    snapshot = TinyDBStore(Path(source), readonly=True)  # refuses what is not a store
    try:
        payload, count = snapshot.snapshot()
    finally:
        snapshot.close()
    return Restored(count, durable.restore(path, payload))
