"""The storage contract: named collections of JSON documents by key, with transactions, and
work that several processes may share (claims with a lease, wake-ups).

Every backend (memory in `bot.store.memory`, TinyDB in `bot.store.tinydb_file`, PostgreSQL in
`bot.store.postgres`) passes the same contract tests in `tests/store/test_store_contract.py`.
Handlers never see a backend, only this interface.

The contract comes in three parts, and each user of the store is typed against the part it
needs: `Documents` (the records, the people's rights, retention), `WorkQueue` (documents that
are work: the inbox, the outbox, the dispatcher) and `Signals` (wake-ups: the outbox tells the
dispatcher, the records tell the public pages of other replicas). `Store` is all three, which
each backend implements.

Work: a document with a number in its top-level field `ready_at` (seconds since the epoch) is
work to be done from that moment on; `None` (or no such field) means nothing is left to do.
Whoever does work first claims it: `claim` hands each document to one owner at a time, for a
lease that the owner renews while it lives (`renew`) and gives up when it is done or puts the
work off (`release`). A claim whose lease ran out may be taken by another owner: that is how
the work of a process that died is done by another. A store that one process owns (memory,
TinyDB: `shared` is false) keeps its leases in memory, so after a restart nothing is claimed.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, Protocol, TypeVar

SCHEMA_VERSION = 1
READY = "ready_at"  # the top-level field that makes a document claimable work
CONFLICT_PATIENCE = 15.0  # seconds a transaction that keeps colliding is run again for

Doc = dict[str, Any]
T = TypeVar("T")


_LEAVES = frozenset({str, int, float, bool, type(None)})  # shared by the copies: immutable


def copy_doc(value: Any) -> Any:
    """A deep copy of a JSON document (dicts, lists and scalars), several times faster than
    `copy.deepcopy` on the documents the store holds: a scalar is taken as it is, without a
    call of its own (most of a document's values are; every read of the store copies)."""
    if isinstance(value, dict):
        return {k: v if type(v) in _LEAVES else copy_doc(v) for k, v in value.items()}
    if isinstance(value, list):
        return [v if type(v) in _LEAVES else copy_doc(v) for v in value]
    return value


def ready_at(doc: Doc) -> float | None:
    """When the document's work may start, or None when it is not work."""
    value = doc.get(READY)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


class StoreError(Exception):
    """The store cannot be opened or written; the message says which store and why."""


class Conflict(StoreError):
    """The transaction collided with another one (another thread or process) and was rolled
    back; run it again from the start. Only a shared store raises it."""


class WouldWrite(Exception):
    """A transaction opened as `reading` was about to write: nothing of it was written; run
    it again in a transaction that may write. Not a `StoreError`, so no caller takes it for
    a store that failed."""


class StoreBusy(StoreError):
    """Another process (a running `ogpbot serve`) holds the store that one process owns."""


class Documents(Protocol):
    """Documents by (collection, key): what the records see of the store. Writes inside
    `transaction()` land together or not at all; a write outside one is its own transaction.
    Once a write returns, it survives a crash."""

    #: True when other processes may use the store at the same time (PostgreSQL).
    shared: bool

    def transaction(self, readonly: bool = False, kind: str = "",
                    reading: bool = False) -> Any:
        """A context manager; nested ones are part of the outermost. A shared store may raise
        `Conflict` from any call inside it or at its end: see `atomically`. `readonly` promises
        no writes: a shared store then reads one consistent snapshot and never conflicts.
        `kind` names what the transaction does (a command's word): a shared store may run the
        transactions of a kind that collided lately one at a time, from their start, rather
        than let them collide again (each taking the next proposal number, say). `reading`
        expects no writes (a `status`) without promising it: a shared store may then send
        each read on its own, without the round trips of a transaction, and raise
        `WouldWrite` at the first write (or, should the caller swallow that, at the end), with
        nothing written; the caller runs the work again in a transaction that may write."""
        ...

    def atomically(self, work: Callable[[], T]) -> T:
        """`work()` in one transaction, run again from the start while it conflicts with
        another; inside an enclosing transaction, simply part of it."""
        ...

    def get(self, collection: str, key: str) -> Doc | None: ...

    def get_many(self, collection: str, keys: Collection[str]) -> dict[str, Doc]:
        """The documents of `keys` that are there, by key: one question to the store (what a
        reply naming many people reads, instead of reading everyone)."""
        ...

    def get_linked(self, collection: str, key: str, field: str,
                   target: str) -> tuple[Doc | None, Doc | None]:
        """The document `key` of `collection`, and the document of `target` whose key its
        `field` holds (None for either that is not there): a look-up through a link, such as
        a platform id to its person, in one question to the store."""
        ...

    def get_each(self, wanted: Sequence[tuple[str, str]]) -> list[Doc | None]:
        """The document of each `(collection, key)` in `wanted`, in that order (None for one
        that is not there): documents of several collections in one question to the store,
        such as a proposal and its meeting for its card (ask for each once)."""
        ...

    def put(self, collection: str, key: str, doc: Doc) -> None: ...

    def add(self, collection: str, key: str, doc: Doc) -> bool:
        """Store `doc` only when `key` is new; return whether it was stored."""
        ...

    def add_many(self, collection: str, docs: Mapping[str, Doc]) -> set[str]:
        """`add` of each (key, document) of `docs`, in one question to the store; the keys
        of those stored (those that were new)."""
        ...

    def put_many(self, collection: str, docs: Mapping[str, Doc]) -> None:
        """`put` of each (key, document) of `docs`, in one question to the store."""
        ...

    def delete(self, collection: str, key: str) -> None: ...

    def delete_many(self, collection: str, keys: Collection[str]) -> None:
        """`delete` of each of `keys`, in one question to the store."""
        ...

    def all(self, collection: str) -> list[Doc]: ...

    def items(self, collection: str) -> list[tuple[str, Doc]]:
        """Every (key, document) of `collection`."""
        ...

    def find(self, collection: str, **equals: Any) -> list[Doc]:
        """The documents whose top-level fields equal the given values."""
        ...

    def collections(self) -> list[str]:
        """The names of the collections that hold documents (not a backend's own bookkeeping,
        such as the TinyDB file's schema version)."""
        ...

    def changes(self, collection: str, since: str | None) -> tuple[str, set[str] | None]:
        """A token for `collection` as it stands now, and the keys of its documents written
        or deleted (by any process) since `since`, a token an earlier call returned: whoever
        keeps a copy of many documents re-reads only those. None instead of the keys when the
        store cannot tell which (`since` is None, or a store of one process whose writes moved
        on): read them all. Cheap: no document is read, and on PostgreSQL the cost follows the
        writes since `since`, not the number of documents."""
        ...


class WorkQueue(Documents, Protocol):
    """Documents that are work (`ready_at`), claimed by one owner at a time under a lease: what
    the inbox and the outbox see of the store (and the dispatcher, which also books a pace)."""

    def claim(self, collection: str, owner: str, now: float, lease: float, limit: int,
              excluding: Collection[str] = (), **equals: Any) -> list[tuple[str, Doc]]:
        """Up to `limit` (key, document) pairs of work ready at `now` (their `ready_at` is at
        most `now`), earliest first, that no other owner holds a live lease on, and whose fields
        equal `equals` (a `key` among them is also the document's key in the collection, as
        in the inbox, whose documents carry their own), leaving out the documents keyed
        `excluding` (the work `owner` holds already: neither read again nor counted against
        `limit`); each is now `owner`'s until `now + lease`. Outside a transaction it is one
        of its own; two owners never get the same document while a lease lasts."""
        ...

    def add_claimed(self, collection: str, key: str, doc: Doc, owner: str, until: float) -> bool:
        """`add`, the new document claimed by `owner` until `until` in the same write, as
        though `claim` had handed it over (when it is work: it has a `ready_at`): whoever
        keeps work it is about to do itself needs no claim afterwards. False, and nothing
        changed, when `key` is there."""
        ...

    def renew(self, collection: str, owner: str, until: float) -> int:
        """Extend every lease `owner` holds in `collection` to `until`; return how many."""
        ...

    def release(self, collection: str, owner: str, keys: list[str]) -> None:
        """Give up `owner`'s leases on `keys` (the others' leases are left alone)."""
        ...

    def holder(self, collection: str, key: str) -> str | None:
        """Who holds a lease on the document (live or run out), or None."""
        ...

    def next_ready(self, collection: str, owner: str, excluding: Collection[str] = (),
                   **equals: Any) -> float | None:
        """The earliest moment some work in `collection` whose fields equal `equals` may be
        claimed by `owner` (another owner's lease counts until it runs out), leaving out the
        documents keyed `excluding` (the work `owner` is doing now), or None."""
        ...

    def book(self, collection: str, key: str, now: float, interval: float) -> float:
        """Book the next moment for the thing `key` names that is at least `interval` seconds
        after the one booked before it, and not before `now`; return it. Atomic across
        processes, outside any transaction: how replicas share a pace (one message a second
        to a conversation) without waiting for each other's transactions."""
        ...



class Signals(Protocol):
    """Wake-ups between the store's users, in this process and (a shared store) in the others:
    what the outbox tells the dispatcher, and the records tell the public pages."""

    #: True when other processes may use the store at the same time (PostgreSQL).
    shared: bool

    def notify(self, channel: str, payload: str = "") -> None:
        """Wake whoever listens on `channel`, in this process and (for a shared store) in every
        other, telling them `payload` (a short text, such as what changed). Inside a
        transaction a shared store tells them once it has committed; a listener may hear the
        same payload more than once, and must read the store to know what is there."""
        ...

    def listen(self, channel: str, callback: Callable[[str | None], None]) -> None:
        """Call `callback` (from any thread) with the payload whenever `channel` is notified,
        and with None whenever notifications may have been missed."""
        ...



class Store(WorkQueue, Signals, Protocol):
    """The whole contract a backend implements: documents, a work queue and signals. Each user
    is typed against the part it needs (`Documents`, `WorkQueue`, `Signals`); the one who opens
    a store (the runtime, the command line) closes it."""

    def close(self) -> None: ...


def retry_conflicts(run: Callable[[], T], patience: float = CONFLICT_PATIENCE) -> T:
    """`run()` again while it raises `Conflict`, after a short random pause that grows with each
    attempt (so that the transactions that collided do not collide again), for up to `patience`
    seconds; then the last `Conflict` is raised. Each conflict means another transaction
    committed, so the whole makes progress even when one keeps losing for a while."""
    give_up = time.monotonic() + patience
    attempt = 0
    while True:
        try:
            return run()
        except Conflict:
            attempt += 1
            if time.monotonic() >= give_up:
                raise
            time.sleep(random.uniform(0, min(0.1, 0.001 * 2 ** attempt)))
