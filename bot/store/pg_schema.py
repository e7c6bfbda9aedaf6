"""The PostgreSQL store's schema and its versioned migrations.

Each migration has a number and runs once, in a transaction of its own, recorded in
`ogpbot_schema`. `migrate` applies the missing ones under an advisory lock, so that replicas
starting together take turns: the first upgrades, the others find nothing left to do. A
database whose schema is newer than this ogpbot knows is refused, never changed.
"""

from __future__ import annotations

from typing import NamedTuple

import psycopg

from bot.store.contract import StoreError


class Migration(NamedTuple):
    version: int
    description: str
    sql: str


#: The top-level fields `find` filters on (the outbox's and the inbox's `state`, the notices
#: of one person, proposals by status, ministry or proposer, people by organisation, role or
#: e-mail address): each has a b-tree index on its JSON value, which `PostgresStore.find` asks
#: by equality. A field not listed is still found, by reading its collection.
FIELDS_OF_VERSION_2 = ("state", "for_person", "status", "ministry", "proposer", "org", "role")
INDEXED_FIELDS = (*FIELDS_OF_VERSION_2, "email")


def _field_indexes(names: tuple[str, ...]) -> str:
    return "".join(f"""
        CREATE INDEX ogpbot_documents_{name} ON ogpbot_documents (collection, (doc->'{name}'))
            WHERE doc ? '{name}';""" for name in names)


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
]

#: pg_advisory_lock key held while migrating ("ogpbot" as a number).
MIGRATION_LOCK = int.from_bytes(b"ogpbot", "big")

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
        for migration in sorted(MIGRATIONS):
            if migration.version in done:
                continue
            with conn.transaction():
                conn.execute(migration.sql)
                conn.execute("INSERT INTO ogpbot_schema (version, description) VALUES (%s, %s)",
                             (migration.version, migration.description))
            ran.append(migration.version)
        return ran
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))
