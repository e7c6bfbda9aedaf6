"""The PostgreSQL store (`OGPBOT_DB=postgresql://…`): the `Store` contract over a table of
JSON documents (and one each for the inbox and the outbox), which several `ogpbot serve`
replicas may share.

How it stays correct with several processes:
- Every transaction is SERIALIZABLE: PostgreSQL lets it commit only if the outcome is the same
  as if the transactions had run one at a time, and otherwise fails it with a serialisation
  failure, which comes out as `Conflict`; `atomically` (and the front door, which runs whole
  commands) run it again from the start. No in-process lock is relied on: each thread has its
  own connection from a pool while its transaction lasts. Proposal numbers are a counter
  document read and written in the command's transaction: two commands that take the same
  number cannot both commit, and a refused command takes none, so numbers have no gaps.
- Work is claimed with `FOR UPDATE SKIP LOCKED` and a lease in the row (`lease_owner`,
  `lease_until`): two replicas never claim the same row, and a replica that died leaves its
  claims to the others once their lease runs out.
- `notify` is `pg_notify` (delivered at commit); `listen` runs one connection in a thread that
  LISTENs and calls the callbacks, in this process, for the notifications of every replica.
- A transaction's BEGIN goes to the server with its first statement, in one round trip (a
  pipeline of the two); one that asked nothing sends neither BEGIN nor COMMIT.
- Reads outside a transaction are single statements (autocommit); a write outside one is a
  transaction of its own, run again on a conflict, but for an `add` to a table of its own
  (an acknowledgement's record in the inbox: see `_ALONE`), which is the INSERT alone.
- The inbox and the outbox have tables of their own (`pg_schema.WORK_TABLES`, with the
  documents table's columns, so each statement serves either table): their rows are no
  longer in the indexes every command reads, so under SERIALIZABLE an acknowledgement's
  insert does not collide with a command reading other documents.
- Every search a command makes is answered by an index (the key, the collection's order, the
  fields searched by: `pg_schema`), so its SERIALIZABLE predicate locks cover what it read,
  not the whole table; transactions that collided are counted (`observe_conflicts`).
- A transaction that collided runs again holding an advisory lock (`SERIAL_LOCK`) taken
  before it begins: those that collided run one at a time, in every replica, instead of
  colliding again and again (sixteen proposals at once, each taking the next number, would
  otherwise fail all but one, round after round). The next `TURNS_AFTER_COLLIDING`
  transactions of the same kind (`transaction(kind=…)`: the command's word) in this process
  take turns from their start (a lock of the kind's, in the process: waiting for it holds no
  connection), so that a run of proposals or a seminar's burst of `tables` goes one at a
  time instead of colliding once each; then one alone runs freely, and once it commits
  without colliding they all do again. The others run freely beside them; the locks only
  make them wait, so SERIALIZABLE still decides what may commit.
- Who uses the database: every connection of a store opened for writing (`serve`, `shell`,
  `import-plan`) holds a shared advisory lock (`USE_LOCK`) while it lives; `restore` and
  `people forget` open it `exclusive`, which takes that lock alone and is refused
  (`StoreBusy`) while anyone else holds it, as a TinyDB file's lock refuses them. A process
  that dies drops its locks with its connections. Read-only opens (`backup`, `export`,
  `people show`) take none.

The database's address is named in messages and logs only by its label (`label_of`: no
password), and a password is cut out of any error text that quotes the address (`redact`).

Text cannot hold U+0000 in PostgreSQL: it is stored as U+FFFD.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import threading
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import psycopg
from psycopg import errors, sql
from psycopg.conninfo import conninfo_to_dict
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool, PoolTimeout

from bot.store import pg_schema
from bot.store.contract import (
    Conflict,
    Doc,
    StoreBusy,
    StoreError,
    T,
    WouldWrite,
    ready_at,
    retry_conflicts,
)

log = logging.getLogger("ogpbot.store")

#: connections per process: the turns that run commands at once (16) and a few more, so that an
#: acknowledgement's inbox record, the dispatcher and the record's refresh do not wait for one
POOL_SIZE = 20
#: pg_advisory_lock key a transaction holds when it runs again after colliding ("ogpbot serial")
SERIAL_LOCK = int.from_bytes(b"ogpserl", "big")
#: pg_advisory_lock key held (shared) by every writing connection, alone by an exclusive open
USE_LOCK = pg_schema.USE_LOCK
#: after a transaction of a kind collided, that many of its kind run one at a time
TURNS_AFTER_COLLIDING = 32
LISTEN_POLL = 0.5  # seconds the listener waits for a notification before looking at its flags

_BEGIN = "BEGIN ISOLATION LEVEL SERIALIZABLE"
_BEGIN_READONLY = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
_NUL = re.compile(r"(?<!\\)((?:\\\\)*)\\u0000")
_SNAPSHOT = re.compile(r"[0-9]+:[0-9]+:[0-9,]*")  # pg_snapshot as text: xmin:xmax:xip,...


def label_of(url: str) -> str:
    """The database as people may read it in a message or a log: no password."""
    try:
        info = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "postgresql://(an address that does not parse)"
    user = f"{info['user']}@" if info.get("user") else ""
    host = str(info.get("host") or "")
    host = "(socket)" if host.startswith("/") else host
    port = f":{info['port']}" if info.get("port") else ""
    return f"postgresql://{user}{host}{port}/{info.get('dbname') or ''}"


def passwords_in(url: str) -> list[str]:
    """The password(s) `url` carries, as written and as meant (percent-decoded), longest first:
    what must never reach a message, even where an error quotes the address."""
    found: list[str] = []
    authority = re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://([^/?#]*)@", url)
    if authority and ":" in authority.group(1):
        found.append(authority.group(1).split(":", 1)[1])
    found += re.findall(r"[?&]password=([^&#]*)", url)
    found += [v.strip("'") for v in re.findall(r"(?:^|\s)password\s*=\s*('[^']*'|\S+)", url)]
    with contextlib.suppress(psycopg.ProgrammingError):
        found.append(str(conninfo_to_dict(url).get("password") or ""))
    both = {p for raw in found for p in (raw, unquote(raw))}
    return sorted((p for p in both if p), key=len, reverse=True)


def redact(text: str, url: str) -> str:
    """`text` with the address `url` replaced by its label and its password by `***`."""
    if url and url in text:
        text = text.replace(url, label_of(url))
    for secret in passwords_in(url):
        text = text.replace(secret, "***")
    return text


def _dumps(doc: Any) -> str:
    return _NUL.sub(r"\1\\ufffd", json.dumps(doc, ensure_ascii=False, separators=(",", ":")))


_DOCUMENTS = "ogpbot_documents"  # every collection without a table of its own
_TABLES = (_DOCUMENTS, *pg_schema.WORK_TABLES.values())


def _table(collection: str) -> str:
    """The table that holds `collection`: its own (`pg_schema.WORK_TABLES`), or the documents
    table. Each has the same columns, so one statement serves either."""
    return pg_schema.WORK_TABLES.get(collection, _DOCUMENTS)


_GET = "SELECT doc FROM {t} WHERE collection = %s AND key = %s"
_GET_LINKED = """SELECT l.doc, t.doc FROM {link} l
                 LEFT JOIN {target} t ON t.collection = %s AND t.key = l.doc ->> %s
                 WHERE l.collection = %s AND l.key = %s"""
_NOTIFY = "SELECT pg_notify(%s, %s)"
_GET_EACH = """SELECT collection, key, doc FROM {t}
               WHERE (collection, key) IN (SELECT * FROM unnest(%s::text[], %s::text[]))"""
_PUT = """INSERT INTO {t} (collection, key, doc, ready_at) VALUES (%s, %s, %s, %s)
          ON CONFLICT (collection, key) DO UPDATE SET
            doc = EXCLUDED.doc, ready_at = EXCLUDED.ready_at,
            lease_owner = CASE WHEN EXCLUDED.ready_at IS NULL THEN NULL
                               ELSE {t}.lease_owner END,
            lease_until = CASE WHEN EXCLUDED.ready_at IS NULL THEN NULL
                               ELSE {t}.lease_until END"""
_ADD = """INSERT INTO {t} (collection, key, doc, ready_at, lease_owner, lease_until)
          VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (collection, key) DO NOTHING RETURNING 1"""
# _ALONE: an `add` to a table of its own made outside any transaction runs as that one
# statement, in the session's own isolation (READ COMMITTED unless the database says
# otherwise), not inside BEGIN ISOLATION LEVEL SERIALIZABLE … COMMIT: two round trips fewer
# for each acknowledgement's record. It loses nothing: the statement reads nothing but whether
# its key is there, which the unique key decides at any isolation, and a SERIALIZABLE
# transaction that reads or writes that key still cannot miss it: its own insert or update of
# a row its snapshot does not see fails as a collision (PostgreSQL's rule for ON CONFLICT
# under REPEATABLE READ and SERIALIZABLE), and the row is new, so nobody read an older
# version of it.


def _rows_of(cur: psycopg.Cursor[Any]) -> list[tuple[Any, ...]]:
    """The rows of a statement that gives rows; of another, how many rows it changed."""
    return cur.fetchall() if cur.description else [(cur.rowcount,)]


@dataclass
class _Tx:
    conn: psycopg.Connection[Any]
    readonly: bool
    depth: int = 1
    failed: StoreError | None = None
    begin: str | None = None  # the BEGIN not sent yet: it goes with the first statement
    reading: bool = False  # no BEGIN at all: each read on its own, and no write (`WouldWrite`)
    would_write: bool = False  # a write was refused in a reading transaction
    notes: set[tuple[str, str]] = field(default_factory=set)  # to notify before the commit


class PostgresStore:
    """The PostgreSQL backend of the `Store` contract."""

    shared = True

    def __init__(self, url: str, *, readonly: bool = False, migrate: bool = True,
                 pool_size: int = POOL_SIZE, exclusive: bool = False) -> None:
        """`exclusive`: this process alone (raises `StoreBusy` while a server or another
        writer has the database open); `readonly`: no writes, beside anyone."""
        self.url = url
        self.label = label_of(url)
        self.readonly = readonly
        self.exclusive = exclusive and not readonly
        self._holder: psycopg.Connection[Any] | None = None
        self._local = threading.local()
        self._listeners: dict[str, list[Callable[[str | None], None]]] = {}
        self._listen_lock = threading.Lock()
        self._listener: threading.Thread | None = None
        self._closing = threading.Event()
        self._conflict_observers: list[Callable[[], None]] = []
        self._watched: set[str] = set()  # collections whose deletions are kept (`changes`)
        self._hot: dict[str, int] = {}  # kind -> transactions of it still to take turns
        self._turns: dict[str, threading.Lock] = {}  # kind -> the turn its transactions take
        self._probing: set[str] = set()  # kinds whose one free transaction is running
        self._hot_lock = threading.Lock()
        self._prepare(migrate and not readonly)
        if self.exclusive:
            self._hold_alone()
        # A writer keeps two connections at least: its shared USE_LOCK never lapses while the
        # pool replaces one that grew old.
        writer = not readonly and not self.exclusive
        self._pool: ConnectionPool[psycopg.Connection[Any]] = ConnectionPool(
            url, min_size=2 if writer else 1, max_size=max(pool_size, 2 if writer else 1),
            kwargs={"autocommit": True}, configure=self._configure, open=False,
            name="ogpbot", timeout=30)
        try:
            self._pool.open(wait=True, timeout=30)
        except PoolTimeout:
            self._pool.close()
            self._let_go()
            raise StoreError(f"{self.label}: no connection within 30 s") from None

    # -- opening -------------------------------------------------------------------------------

    def _prepare(self, migrate: bool) -> None:
        """Migrate the schema (or, read-only, check it) before anything else touches it."""
        try:
            with psycopg.connect(self.url, autocommit=True, connect_timeout=30) as conn:
                if migrate:
                    ran = pg_schema.migrate(conn, self.label)
                    if ran:
                        log.info("store %s: schema migrated to version %d", self.label, ran[-1])
                    return
                version = pg_schema.applied(conn)
        except psycopg.Error as exc:
            raise StoreError(f"{self.label}: cannot be opened: "
                             f"{redact(_first_line(exc), self.url)}") from None
        pg_schema.refuse_newer(version, self.label)
        if version < pg_schema.latest():
            raise StoreError(f"{self.label}: holds schema version {version}, older than this "
                             f"ogpbot's ({pg_schema.latest()}); `ogpbot serve` upgrades it")

    def _hold_alone(self) -> None:
        """Take USE_LOCK alone on a connection kept until `close`, or raise `StoreBusy`."""
        try:
            self._holder = psycopg.connect(self.url, autocommit=True, connect_timeout=30)
            [(alone,)] = self._holder.execute("SELECT pg_try_advisory_lock(%s)",
                                              (USE_LOCK,)).fetchall()
        except psycopg.Error as exc:
            self._let_go()
            raise StoreError(f"{self.label}: cannot be opened: "
                             f"{redact(_first_line(exc), self.url)}") from None
        if not alone:
            self._let_go()
            raise StoreBusy(f"{self.label}: is in use by a running `ogpbot serve` (or another "
                            "ogpbot process writing to it); stop every one first (nothing was "
                            "changed)")

    def _let_go(self) -> None:
        if self._holder is not None:
            with contextlib.suppress(psycopg.Error):
                self._holder.close()
            self._holder = None

    def _configure(self, conn: psycopg.Connection[Any]) -> None:
        if self.readonly:
            conn.execute("SET default_transaction_read_only = on")
        elif not self.exclusive:  # waits while an exclusive open (a restore) runs
            conn.execute("SELECT pg_advisory_lock_shared(%s)", (USE_LOCK,))

    def observe_conflicts(self, observe: Callable[[], None]) -> None:
        """Call `observe()` (from the thread concerned) for each transaction that collided with
        another and was rolled back, to be run again."""
        self._conflict_observers.append(observe)

    def _collided(self) -> None:
        for observe in self._conflict_observers:
            observe()

    def analyze(self) -> None:
        """Refresh the planner's statistics (after a bulk copy: the plans are then right at
        once, not after autovacuum's next look)."""
        for table in _TABLES:
            self._rows(f"ANALYZE {table}")

    def compact(self) -> None:
        """Reclaim the space of deleted and replaced documents (after `people forget`: the
        versions of documents that named the person are no longer among the table's rows)."""
        for table in _TABLES:
            self._rows(f"VACUUM (ANALYZE) {table}")

    def _failure(self, exc: BaseException) -> StoreError:
        if isinstance(exc, errors.SerializationFailure | errors.DeadlockDetected):
            return Conflict(f"{self.label}: the transaction collided with another one")
        if isinstance(exc, PoolTimeout):
            return StoreError(f"{self.label}: every connection stayed busy for 30 s")
        if isinstance(exc, psycopg.OperationalError):
            return StoreError(f"{self.label}: the database cannot be reached: "
                              f"{redact(_first_line(exc), self.url)}")
        return StoreError(f"{self.label}: {redact(_first_line(exc), self.url)}")

    # -- transactions --------------------------------------------------------------------------

    def _tx(self) -> _Tx | None:
        return getattr(self._local, "tx", None)

    @contextmanager
    def transaction(self, readonly: bool = False, kind: str = "",
                    reading: bool = False) -> Iterator[None]:
        tx = self._tx()
        if tx is not None:
            tx.depth += 1
            try:
                yield
            finally:
                tx.depth -= 1
            return
        if reading and not readonly:
            yield from self._reading()
            return
        turn, probe = (None, False) if readonly else self._turn(kind)
        committed = False
        try:
            if turn is None:
                yield from self._outermost(readonly, kind)
            else:
                with turn:  # its kind collided lately: one at a time in this process
                    yield from self._outermost(readonly, kind)
            committed = True
        finally:
            if probe:
                self._probed(kind, committed)

    def _reading(self) -> Iterator[None]:
        """A transaction that expects only to read: no BEGIN and no COMMIT, each read a
        statement on its own (what it reads may have moved on between two reads, as outside
        a transaction). Its first write raises `WouldWrite` instead of going out, and so does
        its end if a write was refused and the refusal swallowed."""
        try:
            conn = self._pool.getconn()
        except PoolTimeout as exc:
            raise self._failure(exc) from None
        tx = _Tx(conn, readonly=False, reading=True)
        self._local.tx = tx
        try:
            yield
            if tx.failed is not None:
                raise tx.failed
            if tx.would_write:
                raise WouldWrite("a reading transaction wrote")
        finally:
            self._local.tx = None
            self._pool.putconn(conn)

    def _outermost(self, readonly: bool, kind: str) -> Iterator[None]:
        try:
            conn = self._pool.getconn()
        except PoolTimeout as exc:
            raise self._failure(exc) from None
        tx = _Tx(conn, readonly)
        self._local.tx = tx
        serial = not readonly and getattr(self._local, "collided", False)
        try:
            try:
                if serial:  # it collided last time: now one at a time (across replicas)
                    conn.execute("SELECT pg_advisory_lock(%s)", (SERIAL_LOCK,))
                    conn.execute(_BEGIN)
                else:  # sent with the transaction's first statement: one round trip fewer
                    tx.begin = _BEGIN_READONLY if readonly else _BEGIN
            except psycopg.Error as exc:
                raise self._failure(exc) from exc
            try:
                yield
            except BaseException:
                if tx.begin is None:
                    self._rollback(conn)
                if tx.failed is not None:  # the real cause, even where the body hid it
                    raise tx.failed from None
                raise
            if tx.failed is not None:
                if tx.begin is None:
                    self._rollback(conn)
                raise tx.failed
            try:
                notes = [(_channel(channel), payload) for channel, payload in sorted(tx.notes)]
                if tx.begin is not None:  # it asked nothing: nothing to commit, each on its own
                    for note in notes:
                        conn.execute(_NOTIFY, note)
                elif notes:  # the notifications and the COMMIT in one round trip
                    with conn.pipeline():
                        for note in notes:
                            conn.execute(_NOTIFY, note)
                        conn.execute("COMMIT")
                else:
                    conn.execute("COMMIT")
            except psycopg.Error as exc:
                self._rollback(conn)
                raise self._failure(exc) from exc
            self._local.collided = False
        except Conflict:
            self._local.collided = True
            if kind:
                with self._hot_lock:
                    self._hot[kind] = TURNS_AFTER_COLLIDING
            self._collided()
            raise
        finally:
            self._local.tx = None
            if serial:
                self._unlock_serial(conn)
            self._pool.putconn(conn)

    def _turn(self, kind: str) -> tuple[threading.Lock | None, bool]:
        """The lock this transaction of `kind` holds from before it begins (None: it runs
        freely), and whether it is the probe. After one of a kind collided (those that take the
        next proposal number, or read everyone while saving themselves, collide again
        otherwise), the next `TURNS_AFTER_COLLIDING` of it take turns; then one runs freely
        while the others still take turns, and only once it has committed do they all run
        freely again (were they all let go at once, they would collide at once). Waiting for
        the lock holds no connection."""
        if not kind:
            return None, False
        with self._hot_lock:
            if kind not in self._hot:
                return None, False
            left = self._hot[kind]
            if left > 0:
                self._hot[kind] = left - 1
            elif kind not in self._probing:
                self._probing.add(kind)
                return None, True
            return self._turns.setdefault(kind, threading.Lock()), False

    def _probed(self, kind: str, committed: bool) -> None:
        """The probe of `kind` ended: committed, its kind runs freely again; collided, it took
        its turns again (`transaction`); otherwise (refused, failed) the next is a probe."""
        with self._hot_lock:
            self._probing.discard(kind)
            if committed and self._hot.get(kind) == 0:
                del self._hot[kind]

    @staticmethod
    def _unlock_serial(conn: psycopg.Connection[Any]) -> None:
        try:
            conn.execute("SELECT pg_advisory_unlock(%s)", (SERIAL_LOCK,))
        except psycopg.Error:  # the connection is gone, and the lock with it
            log.debug("advisory unlock failed", exc_info=True)

    @staticmethod
    def _rollback(conn: psycopg.Connection[Any]) -> None:
        try:
            conn.execute("ROLLBACK")
        except psycopg.Error:
            log.debug("rollback failed (the connection is gone)", exc_info=True)

    def atomically(self, work: Callable[[], T]) -> T:
        if self._tx() is not None:
            return work()

        def once() -> T:
            with self.transaction():
                return work()

        return retry_conflicts(once)

    def _rows(self, query: Any, params: Any = None) -> list[tuple[Any, ...]]:
        """Run one statement in this thread's transaction, or on its own; its rows."""
        return self._sent(lambda conn: conn.execute(query, params), _rows_of)

    def _read(self, query: Any, params: Any = None) -> list[tuple[Any, ...]]:
        """`_rows` for a statement that only reads: one a reading transaction may send."""
        return self._sent(lambda conn: conn.execute(query, params), _rows_of, reads=True)

    def _sent(self, send: Callable[[psycopg.Connection[Any]], psycopg.Cursor[Any]],
              read: Callable[[psycopg.Cursor[Any]], T], reads: bool = False) -> T:
        """`send` statements on the connection of this thread's transaction, or on one of
        their own, and `read` what they gave. In a reading transaction, only statements that
        `reads` go out; any other raises `WouldWrite`."""
        tx = self._tx()
        if tx is not None:
            if tx.failed is not None:
                raise tx.failed
            if tx.reading and not reads:
                tx.would_write = True
                raise WouldWrite("a reading transaction was about to write")
            try:
                if tx.begin is None:
                    cur = send(tx.conn)
                else:
                    with tx.conn.pipeline():  # the BEGIN and the first statements, together
                        tx.conn.execute(tx.begin)
                        tx.begin = None
                        cur = send(tx.conn)
                    # the pipeline ended: the statements' results are in
                return read(cur)
            except psycopg.Error as exc:
                tx.failed = self._failure(exc)
                raise tx.failed from exc
        try:
            with self._pool.connection() as conn:
                return read(send(conn))
        except (psycopg.Error, PoolTimeout) as exc:
            raise self._failure(exc) from exc

    def _write(self, work: Callable[[], T]) -> T:
        if self.readonly:
            raise StoreError(f"{self.label}: opened read-only")
        return self.atomically(work)

    # -- documents -----------------------------------------------------------------------------

    def get(self, collection: str, key: str) -> Doc | None:
        rows = self._read(_GET.format(t=_table(collection)), (collection, key))
        return rows[0][0] if rows else None

    def get_many(self, collection: str, keys: Collection[str]) -> dict[str, Doc]:
        if not keys:
            return {}
        return {key: doc for key, doc in self._read(
            f"SELECT key, doc FROM {_table(collection)} WHERE collection = %s AND key = ANY(%s)",
            (collection, list(keys)))}

    def get_linked(self, collection: str, key: str, field: str,
                   target: str) -> tuple[Doc | None, Doc | None]:
        rows = self._read(_GET_LINKED.format(link=_table(collection), target=_table(target)),
                          (target, field, collection, key))
        return (rows[0][0], rows[0][1]) if rows else (None, None)

    def get_each(self, wanted: Sequence[tuple[str, str]]) -> list[Doc | None]:
        if not wanted:
            return []
        by_table: dict[str, list[tuple[str, str]]] = {}
        for pair in wanted:
            by_table.setdefault(_table(pair[0]), []).append(pair)
        params: list[list[str]] = []
        for pairs in by_table.values():
            params += [[c for c, _ in pairs], [k for _, k in pairs]]
        found = {(c, k): doc for c, k, doc in self._read(
            " UNION ALL ".join(_GET_EACH.format(t=t) for t in by_table), params)}
        return [found.get((c, k)) for c, k in wanted]

    def put(self, collection: str, key: str, doc: Doc) -> None:
        query = _PUT.format(t=_table(collection))
        self._write(lambda: self._rows(
            query, (collection, key, Jsonb(doc, dumps=_dumps), ready_at(doc))))

    def add(self, collection: str, key: str, doc: Doc) -> bool:
        return self._add(collection, key, doc, None, None)

    def add_claimed(self, collection: str, key: str, doc: Doc, owner: str, until: float) -> bool:
        return self._add(collection, key, doc, owner, until)

    def _add(self, collection: str, key: str, doc: Doc, owner: str | None,
             until: float | None) -> bool:
        at = ready_at(doc)
        query = _ADD.format(t=_table(collection))
        params = (collection, key, Jsonb(doc, dumps=_dumps), at,
                  owner if at is not None else None, until if at is not None else None)
        if self._tx() is None and collection in pg_schema.WORK_TABLES and not self.readonly:
            # A table of its own, outside a transaction (an acknowledgement's record): the
            # INSERT alone, no BEGIN and COMMIT around it (`_ALONE`).
            return retry_conflicts(lambda: bool(self._rows(query, params)))
        return self._write(lambda: bool(self._rows(query, params)))

    def add_many(self, collection: str, docs: Mapping[str, Doc]) -> set[str]:
        if len(docs) < 2:
            return {key for key, doc in docs.items() if self.add(collection, key, doc)}
        keys = list(docs)

        def added(cur: psycopg.Cursor[Any]) -> set[str]:
            out = set()
            for n, key in enumerate(keys):
                if n:
                    cur.nextset()
                if cur.fetchone() is not None:
                    out.add(key)
            return out

        return self._each_doc(_ADD.format(t=_table(collection)), [
            (collection, key, Jsonb(doc, dumps=_dumps), ready_at(doc), None, None)
            for key, doc in docs.items()], added, returning=True)

    def put_many(self, collection: str, docs: Mapping[str, Doc]) -> None:
        if len(docs) < 2:
            for key, doc in docs.items():
                self.put(collection, key, doc)
            return
        self._each_doc(_PUT.format(t=_table(collection)), [
            (collection, key, Jsonb(doc, dumps=_dumps), ready_at(doc))
            for key, doc in docs.items()], lambda _cur: None)

    def _each_doc(self, query: str, rows: list[tuple[Any, ...]],
                  read: Callable[[psycopg.Cursor[Any]], T], returning: bool = False) -> T:
        """A write of `query` once for each of `rows`, pipelined by psycopg's `executemany`
        (one round trip), in this thread's transaction or one of its own; what `read` makes of
        the cursor (with `returning`, the rows each returned, one result set after another)."""

        def send(conn: psycopg.Connection[Any]) -> psycopg.Cursor[Any]:
            cur = conn.cursor()
            cur.executemany(query, rows, returning=returning)
            return cur

        return self._write(lambda: self._sent(send, read))

    def delete(self, collection: str, key: str) -> None:
        query = f"DELETE FROM {_table(collection)} WHERE collection = %s AND key = %s"
        self._write(lambda: self._rows(query, (collection, key)))

    def delete_many(self, collection: str, keys: Collection[str]) -> None:
        if not keys:
            return
        query = f"DELETE FROM {_table(collection)} WHERE collection = %s AND key = ANY(%s)"
        self._write(lambda: self._rows(query, (collection, list(keys))))

    def all(self, collection: str) -> list[Doc]:
        return [r[0] for r in self._read(
            f"SELECT doc FROM {_table(collection)} WHERE collection = %s ORDER BY seq",
            (collection,))]

    def items(self, collection: str) -> list[tuple[str, Doc]]:
        return [(r[0], r[1]) for r in self._read(
            f"SELECT key, doc FROM {_table(collection)} WHERE collection = %s ORDER BY seq",
            (collection,))]

    def find(self, collection: str, **equals: Any) -> list[Doc]:
        where, params = _matching(equals)
        return [r[0] for r in self._read(
            sql.SQL("SELECT doc FROM {} WHERE collection = %s{} ORDER BY seq")
            .format(sql.Identifier(_table(collection)), where), (collection, *params))]

    def collections(self) -> list[str]:
        # a table of its own holds one collection: named when it holds a document
        own = "".join(f" UNION SELECT '{name}' WHERE EXISTS (SELECT FROM {table})"
                      for name, table in pg_schema.WORK_TABLES.items())
        return [r[0] for r in self._rows(
            f"SELECT DISTINCT collection FROM ogpbot_documents{own} ORDER BY 1")]

    def changes(self, collection: str, since: str | None) -> tuple[str, set[str] | None]:
        # The token is the database's snapshot (`pg_current_snapshot()`: which transactions
        # had committed). What changed since one is what a transaction that had not committed
        # then wrote (`changed`, kept by a trigger, or `ogpbot_removed` for a deletion): the
        # index on (collection, changed) finds it from the oldest transaction still running
        # then, so the cost follows the writes since, not the collection's size.
        # A table of its own (the inbox, the outbox: nobody keeps a copy of them) keeps no
        # `changed`: its reader is told to read it all.
        watching = collection not in pg_schema.WORK_TABLES and self._watch(collection)
        if since is None or not watching or not _SNAPSHOT.fullmatch(since):
            [(now,)] = self._rows("SELECT pg_current_snapshot()::text")
            return now, None
        # A row this statement sees was written before its own snapshot's xmax; one marked
        # later came from elsewhere (a dump of another cluster, restored with its ids) and
        # was not written since any token of this database.
        [(now, keys)] = self._rows(
            """SELECT pg_current_snapshot()::text, array(
                 SELECT key FROM ogpbot_documents
                 WHERE collection = %(c)s AND changed >= pg_snapshot_xmin(%(s)s::pg_snapshot)
                   AND changed < pg_snapshot_xmax(pg_current_snapshot())
                   AND NOT pg_visible_in_snapshot(changed, %(s)s::pg_snapshot)
                 UNION
                 SELECT key FROM ogpbot_removed
                 WHERE collection = %(c)s AND changed >= pg_snapshot_xmin(%(s)s::pg_snapshot)
                   AND changed < pg_snapshot_xmax(pg_current_snapshot())
                   AND NOT pg_visible_in_snapshot(changed, %(s)s::pg_snapshot))""",
            {"c": collection, "s": since})
        return now, set(keys)

    def _watch(self, collection: str) -> bool:
        """Have the deletions from `collection` kept (`ogpbot_removed`) from now on; False when
        this store may not (opened read-only) and nobody else did yet."""
        if collection in self._watched:
            return True
        if self.readonly:
            known = bool(self._rows("SELECT 1 FROM ogpbot_watched WHERE collection = %s",
                                    (collection,)))
        else:
            self._rows("""INSERT INTO ogpbot_watched (collection) VALUES (%s)
                          ON CONFLICT (collection) DO NOTHING""", (collection,))
            known = True
        if known:
            self._watched.add(collection)
        return known

    # -- shared work ---------------------------------------------------------------------------

    def claim(self, collection: str, owner: str, now: float, lease: float, limit: int,
              excluding: Collection[str] = (), **equals: Any) -> list[tuple[str, Doc]]:
        if self.readonly:
            raise StoreError(f"{self.label}: opened read-only")
        where, params = _matching(equals)
        if excluding:  # what the owner holds already: not read, nor leased, again
            where = sql.Composed([sql.SQL(" AND NOT (key = ANY(%s))"), where])
            params = [sorted(excluding), *params]
        if isinstance(equals.get("key"), str):
            # One document asked for by its key (the inbox's hold): found through the primary
            # key, not by walking the work index over every item (and every dead version of
            # one) that is ready.
            where = sql.Composed([sql.SQL(" AND key = %s"), where])
            params = [equals["key"], *params]
        rows = self._rows(sql.SQL(
            """WITH picked AS (
                 SELECT collection, key FROM {t}
                 WHERE collection = %s AND ready_at <= %s
                   AND (lease_owner IS NULL OR lease_owner = %s OR lease_until <= %s){w}
                 ORDER BY ready_at, key LIMIT %s
                 FOR UPDATE SKIP LOCKED)
               UPDATE {t} d SET lease_owner = %s, lease_until = %s
               FROM picked WHERE d.collection = picked.collection AND d.key = picked.key
               RETURNING d.key, d.doc, d.ready_at""").format(
                t=sql.Identifier(_table(collection)), w=where),
            (collection, now, owner, now, *params, max(0, limit), owner, now + lease))
        return [(key, doc) for key, doc, _ in sorted(rows, key=lambda r: (r[2], r[0]))]

    def renew(self, collection: str, owner: str, until: float) -> int:
        [(count,)] = self._rows(
            f"""UPDATE {_table(collection)} SET lease_until = %s
                WHERE collection = %s AND lease_owner = %s AND ready_at IS NOT NULL""",
            (until, collection, owner))
        return int(count)

    def release(self, collection: str, owner: str, keys: list[str]) -> None:
        if keys:
            self._rows(f"""UPDATE {_table(collection)} SET lease_owner = NULL,
                             lease_until = NULL
                           WHERE collection = %s AND lease_owner = %s AND key = ANY(%s)""",
                       (collection, owner, list(keys)))

    def holder(self, collection: str, key: str) -> str | None:
        rows = self._rows(
            f"SELECT lease_owner FROM {_table(collection)} WHERE collection = %s AND key = %s",
            (collection, key))
        return rows[0][0] if rows else None

    def next_ready(self, collection: str, owner: str, excluding: Collection[str] = (),
                   **equals: Any) -> float | None:
        where, params = _matching(equals)
        [(earliest,)] = self._rows(sql.SQL(
            """SELECT min(CASE WHEN lease_owner IS NOT NULL AND lease_owner <> %s
                               THEN greatest(ready_at, lease_until) ELSE ready_at END)
               FROM {t}
               WHERE collection = %s AND ready_at IS NOT NULL
                 AND NOT (key = ANY(%s)){w}""").format(
                t=sql.Identifier(_table(collection)), w=where),
            (owner, collection, sorted(excluding), *params))
        return float(earliest) if earliest is not None else None

    def book(self, collection: str, key: str, now: float, interval: float) -> float:
        if self.readonly:
            raise StoreError(f"{self.label}: opened read-only")
        # One statement, outside any transaction: the row is locked only while it runs.
        [(free,)] = self._rows(
            """INSERT INTO ogpbot_documents (collection, key, doc)
               VALUES (%(c)s, %(k)s, jsonb_build_object('next', %(now)s + %(i)s))
               ON CONFLICT (collection, key) DO UPDATE SET doc = jsonb_build_object('next',
                 greatest(coalesce((ogpbot_documents.doc->>'next')::float8, 0), %(now)s)
                 + %(i)s)
               RETURNING (doc->>'next')::float8""",
            {"c": collection, "k": key, "now": now, "i": interval})
        return float(free) - interval

    # -- wake-ups ------------------------------------------------------------------------------

    def notify(self, channel: str, payload: str = "") -> None:
        tx = self._tx()
        if tx is not None and tx.reading:  # told after a write: there should have been none
            tx.would_write = True
            raise WouldWrite("a reading transaction was about to notify")
        if tx is not None:
            tx.notes.add((channel, payload))  # once per transaction, however often asked
            return
        self._rows(_NOTIFY, (_channel(channel), payload))

    def listen(self, channel: str, callback: Callable[[str | None], None]) -> None:
        with self._listen_lock:
            self._listeners.setdefault(channel, []).append(callback)
            if self._listener is None:
                self._listener = threading.Thread(target=self._listen_loop, daemon=True,
                                                  name="ogpbot-store-listener")
                self._listener.start()

    def _listen_loop(self) -> None:
        while not self._closing.is_set():
            try:
                with psycopg.connect(self.url, autocommit=True, connect_timeout=10) as conn:
                    listening: set[str] = set()
                    while not self._closing.is_set():
                        new = set(self._listeners) - listening
                        for channel in new:
                            conn.execute(sql.SQL("LISTEN {}").format(
                                sql.Identifier(_channel(channel))))
                            listening.add(channel)
                        if new:  # whatever was notified while nobody listened
                            self._wake(None, None, only={_channel(c) for c in new})
                        for note in conn.notifies(timeout=LISTEN_POLL):
                            self._wake(note.channel, note.payload)
            except psycopg.Error as exc:
                if self._closing.is_set():
                    return
                log.warning("store %s: listening for wake-ups failed (%s); again in 1 s",
                            self.label, redact(_first_line(exc), self.url))
                self._closing.wait(1.0)

    def _wake(self, channel: str | None, payload: str | None,
              only: set[str] | None = None) -> None:
        """Call the listeners of `channel` (None: of the channels in `only`)."""
        with self._listen_lock:
            callbacks = [cb for name, cbs in self._listeners.items()
                         if _channel(name) == channel or (channel is None and only is not None
                                                          and _channel(name) in only)
                         for cb in cbs]
        for callback in callbacks:
            try:
                callback(payload)
            except Exception:
                log.exception("a listener on %s failed", channel)

    def close(self) -> None:
        self._closing.set()
        if self._listener is not None:
            self._listener.join(timeout=LISTEN_POLL * 4)
            self._listener = None
        self._pool.close()
        self._let_go()


def _channel(name: str) -> str:
    return "ogpbot_" + re.sub(r"[^a-z0-9_]", "_", name.lower())


def _matching(equals: dict[str, Any]) -> tuple[sql.Composable, list[Any]]:
    """The SQL that keeps documents whose top-level fields equal `equals`: JSON equality (exact,
    types included) on each field that is there, which the fields' b-tree indexes answer
    (`pg_schema.INDEXED_FIELDS`); None also matches a missing field."""
    parts: list[sql.Composable] = []
    params: list[Any] = []
    for name, value in equals.items():
        field = sql.Literal(name)
        if value is None:
            parts.append(sql.SQL(" AND coalesce(doc->{}, 'null'::jsonb) = 'null'::jsonb")
                         .format(field))
        else:
            parts.append(sql.SQL(" AND doc ? {} AND doc->{} = %s").format(field, field))
            params.append(Jsonb(value, dumps=_dumps))
    return sql.Composed(parts), params


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
