"""The outbox: messages that must reach a person or a conversation at a time, each exactly once.

A notice has a unique key (scheduling the same key twice keeps the first), a target, the
message already written in the reader's language, a due time and a delivery state. The core
only schedules; the dispatcher delivers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.reply import Reply
from bot.store import Store

OUTBOX = "outbox"


class NoticeState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Target:
    """A person (by person key) or a conversation; `announce` means the seminar channel as it
    is set when the notice goes out."""

    kind: str  # "person" | "conversation" | "announce"
    person: str | None = None
    platform: str | None = None
    conversation: str | None = None

    @classmethod
    def to_person(cls, key: str) -> Target:
        return cls("person", person=key)

    @classmethod
    def announce(cls) -> Target:
        return cls("announce")

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "person": self.person, "platform": self.platform,
                "conversation": self.conversation}


@dataclass(frozen=True)
class Notice:
    key: str
    target: Target
    message: Reply
    due: datetime
    kind: str  # proposal | meeting | reminder | agenda | tables | report | decision | alert
    stale_after: datetime | None = None  # past this, an unsent notice is skipped, not sent late
    state: NoticeState = NoticeState.PENDING
    attempts: int = 0
    last_error: str = ""
    sent_at: datetime | None = None
    late: bool = False
    attachment: dict[str, Any] | None = None  # e.g. {"kind": "ics", "meeting": 3, "version": 2}
    not_before: datetime | None = None  # a passing failure: not retried before this
    compose: str | None = None  # a composer in bot.announcements that writes it at send time
    waiting: bool = False  # its person cannot be reached yet: tried again when they are seen

    @property
    def ready_at(self) -> datetime:
        """When the dispatcher may next try it: its due time, or later after a failure."""
        return max(self.due, self.not_before) if self.not_before else self.due

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key, "target": self.target.to_dict(), "message": self.message.to_dict(),
            "due": self.due.isoformat(), "kind": self.kind,
            "stale_after": self.stale_after.isoformat() if self.stale_after else None,
            "state": self.state.value, "attempts": self.attempts, "last_error": self.last_error,
            "sent_at": self.sent_at.isoformat() if self.sent_at else None, "late": self.late,
            "attachment": self.attachment,
            "not_before": self.not_before.isoformat() if self.not_before else None,
            "compose": self.compose, "waiting": self.waiting,
            "for_person": self.target.person,  # top-level, so the store can find by it
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Notice:
        return cls(
            key=d["key"], target=Target(**d["target"]), message=Reply.from_dict(d["message"]),
            due=datetime.fromisoformat(d["due"]), kind=d["kind"],
            stale_after=datetime.fromisoformat(d["stale_after"]) if d.get("stale_after") else None,
            state=NoticeState(d["state"]), attempts=d.get("attempts", 0),
            last_error=d.get("last_error", ""),
            sent_at=datetime.fromisoformat(d["sent_at"]) if d.get("sent_at") else None,
            late=d.get("late", False), attachment=d.get("attachment"),
            not_before=datetime.fromisoformat(d["not_before"]) if d.get("not_before") else None,
            compose=d.get("compose"), waiting=d.get("waiting", False),
        )

    def with_changes(self, **changes: Any) -> Notice:
        return replace(self, **changes)


class Outbox:
    """The notices in the store. `on_scheduled` callbacks run after each new notice (from
    whatever thread scheduled it): the dispatcher uses one to wake up for an earlier notice."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.on_scheduled: list[Callable[[Notice], None]] = []

    def schedule(self, notice: Notice) -> bool:
        """Add `notice` unless its key is already there; return whether it was added."""
        added = self.store.add(OUTBOX, notice.key, notice.to_dict())
        if added:
            for callback in self.on_scheduled:
                callback(notice)
        return added

    def get(self, key: str) -> Notice | None:
        doc = self.store.get(OUTBOX, key)
        return Notice.from_dict(doc) if doc else None

    def save(self, notice: Notice) -> None:
        self.store.put(OUTBOX, notice.key, notice.to_dict())

    def cancel_prefix(self, prefix: str, reason: str) -> list[Notice]:
        """Skip every notice not yet sent whose key starts with `prefix`; return them."""
        cancelled = []
        for notice in self.pending():
            if notice.key.startswith(prefix):
                self.save(notice.with_changes(state=NoticeState.SKIPPED, last_error=reason))
                cancelled.append(notice)
        return cancelled

    def all(self) -> list[Notice]:
        return sorted((Notice.from_dict(d) for d in self.store.all(OUTBOX)),
                      key=lambda n: (n.due, n.key))

    def in_state(self, state: NoticeState) -> list[Notice]:
        """The notices in one state, in due order (found by the store, not by reading all)."""
        return sorted((Notice.from_dict(d) for d in self.store.find(OUTBOX, state=state.value)),
                      key=lambda n: (n.due, n.key))

    def pending(self) -> list[Notice]:
        return self.in_state(NoticeState.PENDING)

    def release_waiting(self, person_key: str) -> int:
        """Someone the bot could not reach has just been seen: their waiting notices may go
        now. Returns how many were released."""
        released = 0
        for doc in self.store.find(OUTBOX, state=NoticeState.PENDING.value,
                                   for_person=person_key):
            notice = Notice.from_dict(doc)
            if notice.waiting:
                notice = notice.with_changes(not_before=None, waiting=False)
                self.save(notice)
                released += 1
                for callback in self.on_scheduled:
                    callback(notice)
        return released
