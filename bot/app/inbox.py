"""The inbox: every request a platform was told "got it" for (a Slack command, interaction or
event, a Teams activity), kept in the store until it is done and answered.

- An adapter records an `Item` (the command as it arrived, and where its answer goes, in the
  adapter's own words: `route`) durably, and only then acknowledges the request. A request the
  platform sends again (the same `delivery`) finds its item already there and adds nothing.
- `Inbox.run` puts the item's command through the core; the core marks the item done, with
  its reply, in the transaction that holds the command's effect (`bot.app.frontdoor`'s
  `Settlement`), so the two land together or not at all. An item already done is not run
  again: its reply is given back, marked repeated. A command that changed nothing (a
  refusal, a `status`) is not marked done: it costs no write, and run again it does no harm.
- Once the answer has reached the person, the item is marked answered. An item the platform
  may send again (it named its delivery) keeps its key, the delivery and, when the command
  changed something, its answer, so a late retry finds it and is not answered again (until
  `bot.app.retention` lets it go); any other is removed (its key was of our own making). A
  refused form keeps its key too, marked so that the same form put right and submitted again
  (a new delivery under the same key) is a new try.

Who runs an item: the process that acknowledged it, first. An item is work in the store
(`ready_at`) until it is answered; with a store that several replicas share, an item is taken
(`hold`) under a lease that the holder renews while it lives (`bot.store.contract`'s
claims), and a new item is left to its receiver: it is recorded under the receiver's lease
already (until `HOLD + LEASE` seconds after it came, what its turn's claim would make it), so
that turn takes it without asking the store again; its `ready_at` (`HOLD` seconds after it
came) is when it would be work for anyone without that lease. So a replica that dies leaves
its items to the others once its leases run out, and a replica that starts never takes an
item another live replica holds.

After a crash, `unfinished` gives what was acknowledged and not done, or done and not yet
answered: `bot.app.turns` runs and answers it (at the next start; on a shared store, whichever
replica takes it first).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.app.frontdoor import OgpBot
from bot.core.command import Command, Place, Speaker
from bot.core.notice import Notice, Target
from bot.core.reply import Reply
from bot.store.contract import READY, StoreError, WorkQueue

log = logging.getLogger("ogpbot.inbox")
INBOX = "inbox"
LEASE = 10.0  # seconds an item held by a replica stays its own unless renewed
RENEW_EVERY = LEASE / 3
HOLD = LEASE  # seconds a new item is left to the replica that received it


class ItemState(StrEnum):
    RECEIVED = "received"  # acknowledged to the platform; not done yet
    DONE = "done"  # the core has answered; the answer may not have reached the person
    ANSWERED = "answered"  # the answer went out


@dataclass(frozen=True)
class Item:
    """One acknowledged request. Its `key` is also its command's request key."""

    key: str
    command: Command
    route: Mapping[str, Any]  # where and how the adapter answers it
    received_at: datetime
    state: ItemState = ItemState.RECEIVED
    reply: Reply | None = None
    delivery: str | None = None  # the platform's id of this delivery: it may come again

    @property
    def platform(self) -> str:
        return self.command.speaker.platform

    @property
    def repeatable(self) -> bool:
        """Whether the platform may send this request again (it named its delivery)."""
        return self.delivery is not None

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "state": self.state.value,
                "received_at": self.received_at.isoformat(),
                "command": command_to_dict(self.command), "route": dict(self.route),
                "reply": self.reply.to_dict() if self.reply is not None else None,
                "delivery": self.delivery, "repeatable": self.repeatable}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Item:
        reply = d.get("reply")
        delivery = d.get("delivery") or (d["key"] if d.get("repeatable") else None)
        return cls(d["key"], command_from_dict(d["command"]), dict(d.get("route") or {}),
                   datetime.fromisoformat(d["received_at"]), ItemState(d["state"]),
                   Reply.from_dict(reply) if reply else None, delivery)


def _ready_at(item: Item) -> float:
    """When another replica may take `item` if its receiver has not (seconds since the epoch)."""
    return item.received_at.timestamp() + HOLD


def new_key(platform: str, kind: str, unique: str | None = None) -> str:
    """An item key: the platform's own delivery id when it has one (`unique`), so a delivery
    sent again finds its item; else a new random one."""
    return f"{platform}:{kind}:{unique or uuid.uuid4().hex}"


_SPEAKER = tuple(f.name for f in fields(Speaker))  # each a string or None: copied as it is
_PLACE = tuple(f.name for f in fields(Place))


def command_to_dict(command: Command) -> dict[str, Any]:
    speaker, place = command.speaker, command.place
    return {"speaker": {name: getattr(speaker, name) for name in _SPEAKER},
            "place": {**{name: getattr(place, name) for name in _PLACE},
                      "reference": dict(place.reference)},
            "words": command.words, "form_id": command.form_id,
            "form": dict(command.form) if command.form is not None else None,
            "request_key": command.request_key}


def command_from_dict(d: Mapping[str, Any]) -> Command:
    return Command(Speaker(**d["speaker"]), Place(**d["place"]), words=d.get("words", ""),
                   form_id=d.get("form_id"), form=d.get("form"),
                   request_key=d.get("request_key"))


class _Settlement:
    """An item's side of `OgpBot.handle`: called inside the command's transaction."""

    def __init__(self, inbox: Inbox, key: str) -> None:
        self.inbox = inbox
        self.key = key
        self.gone = False  # no such item, or answered with no reply kept: nothing to give
        # the item as `earlier` read it, not done yet: what `done` marks, in the same
        # transaction (the front door asks the one right before the other)
        self._received: dict[str, Any] | None = None

    def earlier(self) -> Reply | None:
        doc = self.inbox.store.get(INBOX, self.key)
        self._received = None
        if doc is not None and doc.get("state") == ItemState.RECEIVED.value:
            self._received = doc
            return None
        reply = doc.get("reply") if doc is not None else None
        if not reply:  # none kept when it was answered: it was given already
            self.gone = True
            return Reply(language=self.inbox.bot.seminar.language)
        return Reply.from_dict(reply)

    def done(self, reply: Reply) -> None:
        received, self._received = self._received, None
        self.inbox.mark_done(self.key, reply, received)


class Inbox:
    """The inbox of one bot, in its store; `owner` names this process in the store's leases."""

    def __init__(self, bot: OgpBot, owner: str | None = None) -> None:
        self.bot = bot
        self.store: WorkQueue = bot.store
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._held: set[str] = set()  # keys this process runs (or is about to)
        #: items this process recorded already claimed (shared store), by key: until when
        self._fresh: dict[str, float] = {}
        self._lock = threading.Lock()

    # -- keeping -----------------------------------------------------------------------------

    def record(self, item: Item) -> bool:
        """Keep `item` durably (call before acknowledging it); False when the platform sent
        this delivery before (its item is there). `StoreError` when it cannot be kept."""
        doc = {**item.to_dict(), READY: _ready_at(item)}
        doc["command"]["request_key"] = item.key  # its command, run, is known by the item
        if not self.store.shared:
            if self.store.add(INBOX, item.key, doc):  # one write: the usual case
                return True
        else:
            # Kept already claimed by this process, in the same write: its turn here needs
            # no claim of its own (`hold`), and another replica waits for the lease.
            until = max(self.bot.clock.now().timestamp(), _ready_at(item)) + LEASE  # as `hold`
            if self.store.add_claimed(INBOX, item.key, doc, self.owner, until):
                with self._lock:
                    self._fresh[item.key] = until
                return True
        if item.delivery is None:
            return False
        again: bool = self.store.atomically(lambda: self._new_try(item.delivery, doc))
        return again

    def _new_try(self, delivery: str | None, doc: dict[str, Any]) -> bool:
        """A new delivery under a key that is there: a new try of a refused form, put right
        (True, kept anew), or the same request again (False)."""
        there = self.store.get(INBOX, doc["key"])
        if there is None:
            return self.store.add(INBOX, doc["key"], doc)
        if there.get("state") != ItemState.ANSWERED.value or not there.get("again") \
                or there.get("delivery") == delivery:
            return False
        self.store.put(INBOX, doc["key"], doc)
        return True

    def get(self, key: str) -> Item | None:
        """The item `key` while it is still to be done or answered; None once answered."""
        doc = self.store.get(INBOX, key)
        if doc is None or doc.get("state") == ItemState.ANSWERED.value:
            return None
        return Item.from_dict(doc)

    # -- who runs it ---------------------------------------------------------------------------

    def hold(self, item: Item) -> bool:
        """Take `item` for this process: False when it runs here already, or (a shared store)
        another live replica holds it. The lease lasts while `renew` is called."""
        now = self.bot.clock.now().timestamp()
        with self._lock:
            if item.key in self._held:
                return False
            self._held.add(item.key)
            until = self._fresh.pop(item.key, None)
        if not self.store.shared:
            return True  # one process: nobody to share with
        if until is not None and now + RENEW_EVERY < until:
            # Recorded here, claimed in the same write, and its lease has time left: from now
            # on `renew` keeps it, as it keeps every item held here.
            return True
        try:
            taken = self.store.claim(INBOX, self.owner, max(now, _ready_at(item)), LEASE, 1,
                                     key=item.key)
        except StoreError as exc:
            log.warning("inbox: %s could not be taken (%s); it is left for later", item.key,
                        exc)
            taken = []
        if not taken:
            self.let_go([item.key])
        return bool(taken)

    def fresh(self, key: str) -> bool:
        """Whether `hold` takes the item `key` without asking the store (recorded here, claimed
        in the same write): the caller need not leave its event loop for it."""
        with self._lock:
            return key in self._fresh

    def take_ready(self, limit: int) -> list[Item]:
        """Items nobody holds (a replica died with them, or a turn here gave them up) that are
        ready now, taken for this process; only with a shared store."""
        if not self.store.shared:
            return []
        now = self.bot.clock.now().timestamp()
        with self._lock:
            held = set(self._held)  # not read, nor leased again (it is this process's)
        taken = []
        for _, doc in self.store.claim(INBOX, self.owner, now, LEASE, limit, excluding=held):
            try:
                item = Item.from_dict(doc)
            except (KeyError, TypeError, ValueError):
                log.error("inbox: item %s cannot be read; left as it is", doc.get("key"))
                continue
            with self._lock:
                if item.key in self._held:
                    continue
                self._held.add(item.key)
                self._fresh.pop(item.key, None)
            taken.append(item)
        return taken

    def holding(self) -> bool:
        with self._lock:
            return bool(self._held)

    def renew(self) -> None:
        """Keep this process's items its own for another `LEASE` seconds."""
        if self.store.shared and self.holding():
            self.store.renew(INBOX, self.owner, self.bot.clock.now().timestamp() + LEASE)

    def let_go(self, keys: Iterable[str], *, others_may: bool = False) -> None:
        """This process no longer runs `keys`; with `others_may`, another replica may take
        them at once (they are not answered: a stopping server's, say)."""
        keys = list(keys)
        with self._lock:
            self._held.difference_update(keys)
            for key in keys:
                self._fresh.pop(key, None)
        if others_may and self.store.shared and keys:
            try:
                self.store.release(INBOX, self.owner, keys)
            except StoreError as exc:  # their leases run out by themselves
                log.warning("inbox: could not let go of %d item(s): %s", len(keys), exc)

    # -- running and answering -----------------------------------------------------------------

    def run(self, key: str, command: Command | None = None) -> Reply | None:
        """Run the item `key` through the core (as `command`, when the adapter has learnt more
        about the speaker since it was recorded) and keep its reply; None for no such item.
        An item done before gives its reply back, marked repeated."""
        if command is None:
            doc = self.store.get(INBOX, key)
            if doc is None:
                return None
            if doc.get("state") != ItemState.RECEIVED.value:
                given = doc.get("reply")
                return replace(Reply.from_dict(given), repeated=True) if given else None
            command = Item.from_dict(doc).command
        # Otherwise the item is read only by a command that wrote something, at the end of
        # its transaction (`_Settlement`, asked by `OgpBot.handle`): a `status` reads none of
        # it. A command that changed nothing (a refusal, a `status`, a failed write) is not
        # marked done: if the process dies before it is answered, it is simply run again.
        settlement = _Settlement(self, key)
        reply = self.bot.handle(replace(command, request_key=key), settlement)
        return None if settlement.gone else reply

    def mark_done(self, key: str, reply: Reply, doc: dict[str, Any] | None = None) -> None:
        """Keep `reply` as the item's answer, unless it has one already (in the transaction
        of the command's effect; `doc`: the item, read in it already)."""
        if doc is None:
            doc = self.store.get(INBOX, key)
        if doc is not None and doc.get("state") == ItemState.RECEIVED.value:
            self.store.put(INBOX, key, {**doc, "state": ItemState.DONE.value,
                                        "reply": reply.to_dict()})

    def answered(self, key: str, refused: bool = False) -> None:
        """The answer reached the person (`refused`: it was a refusal, which changed nothing).
        Of a request the platform may send again the key stays, with when, the delivery and
        the answer if one was kept; any other item is removed. One transaction."""
        self.store.atomically(lambda: self._answered(key, refused))
        self.let_go([key])

    def _answered(self, key: str, refused: bool, doc: dict[str, Any] | None = None,
                  gone: list[str] | None = None,
                  kept: dict[str, dict[str, Any]] | None = None) -> None:
        """`answered`'s write, in the caller's transaction (`doc`: the item, read in it; an
        item to remove goes to `gone`, and one to keep answered to `kept`, when given, for
        the caller to write with others)."""
        if doc is None:
            doc = self.store.get(INBOX, key)
        if doc is None or doc.get("state") == ItemState.ANSWERED.value:
            return
        delivery = doc.get("delivery") or (key if doc.get("repeatable") else None)
        if delivery is None:  # nothing comes again under a key of our making
            if gone is None:
                self.store.delete(INBOX, key)
            else:
                gone.append(key)
            return
        reply = doc.get("reply")
        answered = {
            "key": key, "state": ItemState.ANSWERED.value, "delivery": delivery,
            "received_at": doc.get("received_at"),
            "answered_at": self.bot.clock.now().isoformat(),
            "reply": reply if reply and reply.get("ok", True) else None,
            # a refusal changed nothing: the same form put right is a new try, not a repeat
            "again": refused or bool(reply and not reply.get("ok", True))}
        if kept is None:
            self.store.put(INBOX, key, answered)
        else:
            kept[key] = answered

    def answered_all(self, marks: Iterable[tuple[str, bool]]) -> None:
        """`answered` for each (key, refused) of `marks`, in one transaction (run again from
        the start if it collides with another replica's)."""
        marks = list(marks)

        def mark() -> None:
            docs = self.store.get_many(INBOX, {key for key, _ in marks})  # one read for all
            gone: list[str] = []
            kept: dict[str, dict[str, Any]] = {}
            for key, refused in marks:
                doc = docs.pop(key, None)  # a key marked twice: the first mark counts
                if doc is not None:
                    self._answered(key, refused, doc, gone, kept)
            self.store.put_many(INBOX, kept)  # one write of those kept
            self.store.delete_many(INBOX, gone)  # and one removal

        self.store.atomically(mark)
        self.let_go(key for key, _ in marks)

    def answer_later(self, item: Item, reply: Reply, reason: str) -> None:
        """An answer the platform would not take now becomes a notice to the person: the
        outbox sends it once it can (retried as any notice is), and the item is answered."""
        speaker = item.command.speaker

        def hand_over() -> None:
            person = self.bot.records.person_by_platform(speaker.platform, speaker.user_id)
            if person is None:
                log.warning("inbox: nobody to send the answer to %s to (%s)", item.key, reason)
            else:
                self.bot.outbox.schedule(Notice(f"answer:{item.key}",
                                                Target.to_person(person.key), reply,
                                                self.bot.clock.now(), "answer"))
            self._answered(item.key, not reply.ok)

        self.store.atomically(hand_over)
        self.let_go([item.key])

    def unfinished(self) -> list[Item]:
        """What was acknowledged and not done, or done and not answered, oldest first."""
        docs = [*self.store.find(INBOX, state=ItemState.RECEIVED.value),
                *self.store.find(INBOX, state=ItemState.DONE.value)]
        items = []
        for doc in docs:
            try:
                items.append(Item.from_dict(doc))
            except (KeyError, TypeError, ValueError):  # not ours to guess at: leave it be
                log.error("inbox: item %s cannot be read; left as it is", doc.get("key"))
        return sorted(items, key=lambda i: (i.received_at, i.key))
