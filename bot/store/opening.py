"""Which backend `OGPBOT_DB` names: a `postgresql://` address, or else a TinyDB file."""

from __future__ import annotations

from bot.store.contract import Store
from bot.store.tinydb_file import TinyDBStore


def is_database_url(db: str) -> bool:
    return db.startswith(("postgresql://", "postgres://"))


def store_name(db: str) -> str:
    """How a message names the store: a database's address without its password."""
    if is_database_url(db):
        from bot.store.postgres import label_of

        return label_of(db)
    return db


def open_store(db: str, *, readonly: bool = False, exclusive: bool = False) -> Store:
    """The store `db` names, opened for writing (a PostgreSQL schema is brought up to date
    first) or read-only. `exclusive`: for this process alone, as `restore` and `people forget`
    need it (a TinyDB file opened for writing always is); `StoreBusy` while a server uses it.
    Raises `StoreError` with a sentence for the person starting it, naming the store only by
    `store_name`."""
    if is_database_url(db):
        from bot.store.postgres import PostgresStore  # psycopg only where it is asked for

        return PostgresStore(db, readonly=readonly, exclusive=exclusive)
    return TinyDBStore(db, readonly=readonly)
