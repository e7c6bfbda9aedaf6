"""The PostgreSQL store's schema and its versioned migrations.

Each migration has a number and runs once, in a transaction of its own, recorded in
`ogpbot_schema`. `migrate` applies the missing ones under an advisory lock, so that replicas
starting together take turns: the first upgrades, the others find nothing left to do. A
database whose schema is newer than this ogpbot knows is refused, never changed.
"""

from __future__ import annotations

from typing import NamedTuple

import psycopg

from bot.store.contract import StoreBusy, StoreError


class Migration(NamedTuple):
    version: int
    description: str
    sql: str
    #: runs only while no other ogpbot process uses the database (`USE_LOCK`): a step an older
    #: ogpbot still running could not follow (it moves documents to where it would not look)
    alone: bool = False


#: The top-level fields `find` filters on (the outbox's and the inbox's `state`, the notices
#: of one person, proposals by status, ministry or proposer, people by organisation, role or
#: e-mail address): each has a b-tree index on its JSON value, which `PostgresStore.find` asks
#: by equality. A field not listed is still found, by reading its collection.
FIELDS_OF_VERSION_2 = ("state", "for_person", "status", "ministry", "proposer", "org", "role")
INDEXED_FIELDS = (*FIELDS_OF_VERSION_2, "email")


def _field_indexes(names: tuple[str, ...], table: str = "ogpbot_documents") -> str:
    return "".join(f"""
        CREATE INDEX {table}_{name} ON {table} (collection, (doc->'{name}'))
            WHERE doc ? '{name}';""" for name in names)


#: The collections that have a table of their own (version 4), by name: the inbox and the
#: outbox, the work every command adds to and takes from. In the documents table their rows sat
#: in the indexes every command reads (the key, the order, the work, the fields), so under
#: SERIALIZABLE an acknowledgement's insert collided with commands reading other documents;
#: in a table of their own a write touches only its own few indexes, and an update that
#: changes no indexed column (any lease; an inbox item marked done) can stay in its page
#: (HOT: the fillfactor leaves it room) and touch no index at all. Each keeps the documents table's
#: columns (its `collection` is always its own name), so the store's statements are the
#: same on either, and the indexes its searches need: the work (`ready_at`), and the
#: outbox's fields searched by (`state`, `for_person`).
WORK_TABLES = {"inbox": "ogpbot_inbox", "outbox": "ogpbot_outbox"}
# What version 4 made, as it made it: a landed migration never changes, so a collection given
# a table of its own later is added to WORK_TABLES by a migration of its own, not to these.
_VERSION_4_TABLES = {"inbox": "ogpbot_inbox", "outbox": "ogpbot_outbox"}
_WORK_FIELDS = {"inbox": (), "outbox": ("state", "for_person")}


def _work_tables(tables: dict[str, str]) -> str:
    out = []
    for name, table in tables.items():
        out.append(f"""
    CREATE TABLE {table} (
        collection text NOT NULL DEFAULT '{name}' CHECK (collection = '{name}'),
        key text NOT NULL,
        doc jsonb NOT NULL,
        seq bigint GENERATED ALWAYS AS IDENTITY,
        ready_at double precision,
        lease_owner text,
        lease_until double precision,
        PRIMARY KEY (collection, key)
    ) WITH (fillfactor = 50);
    CREATE INDEX {table}_work ON {table} (ready_at) WHERE ready_at IS NOT NULL;
    {_field_indexes(_WORK_FIELDS[name], table)}
    INSERT INTO {table} (collection, key, doc, ready_at, lease_owner, lease_until)
        SELECT collection, key, doc, ready_at, lease_owner, lease_until
        FROM ogpbot_documents WHERE collection = '{name}' ORDER BY seq;
    DELETE FROM ogpbot_documents WHERE collection = '{name}';
    ANALYZE {table};""")
    return "".join(out)


# Version 3: what changed since a reader last looked, found by an index instead of by reading
# every row of a collection (`PostgresStore.changes`). Each row carries the transaction that
# last wrote its document (`changed`, set by a trigger, so that every writer sets it); a
# document deleted from a collection someone watches leaves its key in `ogpbot_removed`.
_CHANGES = """
    ALTER TABLE ogpbot_documents ADD COLUMN changed xid8 NOT NULL DEFAULT '0';
    ALTER TABLE ogpbot_documents ALTER COLUMN changed DROP DEFAULT;
    CREATE INDEX ogpbot_documents_changed ON ogpbot_documents (collection, changed);
    CREATE TABLE ogpbot_watched (collection text PRIMARY KEY);
    CREATE TABLE ogpbot_removed (
        collection text NOT NULL,
        key text NOT NULL,
        changed xid8 NOT NULL,
        PRIMARY KEY (collection, key)
    );
    CREATE INDEX ogpbot_removed_changed ON ogpbot_removed (collection, changed);
    CREATE FUNCTION ogpbot_written() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.changed := pg_current_xact_id();
        RETURN NEW;
    END $$;
    CREATE TRIGGER ogpbot_written BEFORE INSERT OR UPDATE OF doc ON ogpbot_documents
        FOR EACH ROW EXECUTE FUNCTION ogpbot_written();
    CREATE FUNCTION ogpbot_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF EXISTS (SELECT 1 FROM ogpbot_watched WHERE collection = OLD.collection) THEN
            INSERT INTO ogpbot_removed (collection, key, changed)
                VALUES (OLD.collection, OLD.key, pg_current_xact_id())
                ON CONFLICT (collection, key) DO UPDATE SET changed = EXCLUDED.changed;
        END IF;
        RETURN NULL;
    END $$;
    CREATE TRIGGER ogpbot_deleted AFTER DELETE ON ogpbot_documents
        FOR EACH ROW EXECUTE FUNCTION ogpbot_deleted();
    -- the public record watches the proposals: from the schema on, so that no deletion made
    -- while its first reader begins to watch goes unrecorded
    INSERT INTO ogpbot_watched (collection) VALUES ('proposals');
"""


MIGRATIONS: list[Migration] = [
    Migration(1, "documents by collection and key, with the work columns", """
        CREATE TABLE ogpbot_documents (
            collection text NOT NULL,
            key text NOT NULL,
            doc jsonb NOT NULL,
            seq bigint GENERATED ALWAYS AS IDENTITY,
            ready_at double precision,
            lease_owner text,
            lease_until double precision,
            PRIMARY KEY (collection, key)
        );
        CREATE INDEX ogpbot_documents_order ON ogpbot_documents (collection, seq);
        CREATE INDEX ogpbot_documents_fields ON ogpbot_documents USING gin (doc jsonb_path_ops);
        CREATE INDEX ogpbot_documents_work ON ogpbot_documents (collection, ready_at)
            WHERE ready_at IS NOT NULL;
    """),
    # The containment (GIN) index was rewritten with every path of every document written,
    # and every search read its pending list; b-tree indexes on the fields searched by cost
    # what they find, and let the store's sessions plan freely (no `enable_seqscan = off`).
    Migration(2, "b-tree indexes on the fields searched by, instead of the GIN index",
              "DROP INDEX IF EXISTS ogpbot_documents_fields;"
              + _field_indexes(FIELDS_OF_VERSION_2) + "\nANALYZE ogpbot_documents;"),
    Migration(3, "what changed since, by index; people by e-mail address",
              _CHANGES + _field_indexes(("email",)) + "\nANALYZE ogpbot_documents;"),
    Migration(4, "the inbox and the outbox in tables of their own",
              _work_tables(_VERSION_4_TABLES), alone=True),
]

#: pg_advisory_lock key held while migrating ("ogpbot" as a number).
MIGRATION_LOCK = int.from_bytes(b"ogpbot", "big")
#: pg_advisory_lock key held (shared) by every writing connection of a store, alone by an
#: exclusive open and by a migration that must run alone ("ogpused")
USE_LOCK = int.from_bytes(b"ogpused", "big")

_HISTORY = """
    CREATE TABLE IF NOT EXISTS ogpbot_schema (
        version integer PRIMARY KEY,
        description text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
    )"""


def latest() -> int:
    return max(m.version for m in MIGRATIONS)


def applied(conn: psycopg.Connection) -> int:
    """The schema version of the database (0: no ogpbot tables yet)."""
    exists = conn.execute("SELECT to_regclass('ogpbot_schema') IS NOT NULL").fetchone()
    if not exists or not exists[0]:
        return 0
    row = conn.execute("SELECT coalesce(max(version), 0) FROM ogpbot_schema").fetchone()
    return int(row[0]) if row else 0


def refuse_newer(version: int, label: str) -> None:
    if version > latest():
        raise StoreError(f"{label}: schema version {version} is newer than this ogpbot "
                         f"understands ({latest()}); upgrade ogpbot")


def migrate(conn: psycopg.Connection, label: str) -> list[int]:
    """Bring the schema up to date (`conn` in autocommit mode); return the versions applied."""
    conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
    try:
        conn.execute(_HISTORY)
        done = {int(r[0]) for r in conn.execute("SELECT version FROM ogpbot_schema")}
        refuse_newer(max(done, default=0), label)
        ran = []
        todo = [m for m in sorted(MIGRATIONS) if m.version not in done]
        alone = any(m.alone for m in todo) and _alone(conn, label, todo)
        try:
            for migration in todo:
                with conn.transaction():
                    conn.execute(migration.sql)
                    conn.execute("INSERT INTO ogpbot_schema (version, description) "
                                 "VALUES (%s, %s)", (migration.version, migration.description))
                ran.append(migration.version)
        finally:
            if alone:
                conn.execute("SELECT pg_advisory_unlock(%s)", (USE_LOCK,))
        return ran
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))


def _alone(conn: psycopg.Connection, label: str, todo: list[Migration]) -> bool:
    """Take `USE_LOCK` alone for the migrations `todo`, or raise `StoreBusy`: another ogpbot
    (an older one, in a rolling deploy) still uses the database."""
    [(free,)] = conn.execute("SELECT pg_try_advisory_lock(%s)", (USE_LOCK,)).fetchall()
    if not free:
        step = next(m for m in todo if m.alone)
        raise StoreBusy(f"{label}: schema version {step.version} ({step.description}) must be "
                        "applied while no other ogpbot uses the database, and one does (an "
                        "older replica still running?); stop every replica, then start this "
                        "one (nothing was changed)")
    return True
