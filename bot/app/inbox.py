"""The inbox: every request a platform was told "got it" for (a Slack command, interaction or
event, a Teams activity), kept in the store until it is done and answered.

- An adapter records an `Item` (the command as it arrived, and where its answer goes, in the
  adapter's own words: `route`) durably, and only then acknowledges the request. A request the
  platform sends again finds its item already there and adds nothing.
- `Inbox.run` puts the item's command through the core; the core marks the item done, with
  its reply, in the transaction that holds the command's effect (`bot.app.frontdoor`'s
  `Settlement`), so the two land together or not at all. An item already done is not run
  again: its reply is given back, marked repeated. A command that changed nothing (a
  refusal, a `status`) is not marked done: it costs no write, and run again it does no harm.
- Once the answer has reached the person, the item is marked answered. Of a request the
  platform may send again (`repeatable`: an event, a submitted form) its key and answer
  remain, so a late retry finds it and gets the same answer; any other item is removed (its
  key was of our own making), and so is a refused one (sent again, it is tried again).

After a crash, `unfinished` gives what was acknowledged and not done, or done and not yet
answered: `bot.app.turns` runs and answers it at the next start.

Only the `Store` protocol is used (get, put, add, find, transaction), so a backend that hands
out claims with leases can take items over without the adapters noticing.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.app.frontdoor import OgpBot
from bot.core.command import Command, Place, Speaker
from bot.core.notice import Notice, Target
from bot.core.reply import Reply

log = logging.getLogger("ogpbot.inbox")
INBOX = "inbox"


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


def new_key(platform: str, kind: str, unique: str | None = None) -> str:
    """An item key: the platform's own delivery id when it has one (`unique`), so a delivery
    sent again finds its item; else a new random one."""
    return f"{platform}:{kind}:{unique or uuid.uuid4().hex}"


def command_to_dict(command: Command) -> dict[str, Any]:
    return {"speaker": asdict(command.speaker),
            "place": {**asdict(command.place), "reference": dict(command.place.reference)},
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

    def earlier(self) -> Reply | None:
        doc = self.inbox.store.get(INBOX, self.key)
        if doc is None or doc.get("state") == ItemState.RECEIVED.value:
            return None
        reply = doc.get("reply")  # none kept when it was answered: it was given already
        return Reply.from_dict(reply) if reply else Reply(language=self.inbox.bot.seminar.language)

    def done(self, reply: Reply) -> None:
        self.inbox.mark_done(self.key, reply)


class Inbox:
    """The inbox of one bot, in its store."""

    def __init__(self, bot: OgpBot) -> None:
        self.bot = bot
        self.store = bot.store

    def record(self, item: Item) -> bool:
        """Keep `item` durably (call before acknowledging it); False when its key is already
        there (the platform sent the request again). `StoreError` when it cannot be kept."""
        item = replace(item, command=replace(item.command, request_key=item.key))
        return self.store.add(INBOX, item.key, item.to_dict())

    def get(self, key: str) -> Item | None:
        """The item `key` while it is still to be done or answered; None once answered."""
        doc = self.store.get(INBOX, key)
        if doc is None or doc.get("state") == ItemState.ANSWERED.value:
            return None
        return Item.from_dict(doc)

    def run(self, key: str, command: Command | None = None) -> Reply | None:
        """Run the item `key` through the core (as `command`, when the adapter has learnt more
        about the speaker since it was recorded) and keep its reply; None for no such item.
        An item done before gives its reply back, marked repeated."""
        doc = self.store.get(INBOX, key)
        if doc is None:
            return None
        if doc.get("state") != ItemState.RECEIVED.value:
            given = doc.get("reply")
            return replace(Reply.from_dict(given), repeated=True) if given else None
        item = Item.from_dict(doc)
        command = replace(command or item.command, request_key=key)
        # A command that changed nothing (a refusal, a `status`, a failed write) is not marked
        # done: if the process dies before it is answered, it is simply run again.
        return self.bot.handle(command, _Settlement(self, key))

    def mark_done(self, key: str, reply: Reply) -> None:
        """Keep `reply` as the item's answer, unless it has one already."""
        doc = self.store.get(INBOX, key)
        if doc is not None and doc.get("state") == ItemState.RECEIVED.value:
            self.store.put(INBOX, key, {**doc, "state": ItemState.DONE.value,
                                        "reply": reply.to_dict()})

    def answered(self, key: str) -> None:
        """The answer reached the person: keep the key (and when), for late retries, and the
        answer of a request that may come again (given again, marked repeated)."""
        doc = self.store.get(INBOX, key)
        if doc is not None and doc.get("state") != ItemState.ANSWERED.value:
            kept = doc.get("reply") if doc.get("repeatable") else None
            if kept is None or not kept.get("ok", True):
                # Nothing can come again under a key of our own making; and a refusal changed
                # nothing: the same request sent again (a form put right and submitted
                # again) is a new try, not a repeat.
                self.store.delete(INBOX, key)
                return
            self.store.put(INBOX, key, {"key": key, "state": ItemState.ANSWERED.value,
                                        "received_at": doc.get("received_at"),
                                        "answered_at": self.bot.clock.now().isoformat(),
                                        "reply": kept})

    def answered_all(self, keys: list[str]) -> None:
        """`answered` for each of `keys`, in one transaction."""
        with self.store.transaction():
            for key in keys:
                self.answered(key)

    def answer_later(self, item: Item, reply: Reply, reason: str) -> None:
        """An answer the platform would not take now becomes a notice to the person: the
        outbox sends it once it can (retried as any notice is), and the item is answered."""
        speaker = item.command.speaker

        def hand_over() -> None:
            person = self.bot.records.person_by_platform(speaker.platform, speaker.user_id)
            if person is None:
                log.warning("inbox: nobody to send the answer to %s to (%s)", item.key, reason)
                return
            self.bot.outbox.schedule(Notice(f"answer:{item.key}", Target.to_person(person.key),
                                            reply, self.bot.clock.now(), "answer"))
            self.answered(item.key)

        self.store.atomically(hand_over)

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
