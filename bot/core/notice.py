"""A notice: a message that must reach a person or a conversation at a time, exactly once.

The third of the core's message types, beside `Command` (what the core is asked) and `Reply`
(what it answers now). A notice has a unique key (scheduling the same key twice keeps the
first), a target, what to say, a due time and a delivery state. The core schedules notices
through a `Scheduler` (the outbox in `bot.notices.outbox`); the dispatcher delivers them.

What to say is a `Say`: a message id and the values it is written from, never the words. The
words are written when the notice is sent, in the language its person reads then (a person
who writes `language en` gets the reminders already waiting in English), by the message's
composer (`bot.core.writing`). `message` holds the words as they went out, once sent; a
notice stored before notices said what rather than how has only its words, written when it
was scheduled, and goes out as it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from bot.core.reply import Reply
from bot.store.contract import READY


class NoticeState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


_TO_SEND = (NoticeState.PENDING, NoticeState.SENDING)


class TargetKind(StrEnum):
    """Whom a notice is for: a person, a conversation, or the announcement channel."""

    PERSON = "person"
    CONVERSATION = "conversation"
    ANNOUNCE = "announce"


@dataclass(frozen=True)
class Target:
    """A person (by person key) or a conversation; `announce` means the seminar channel as it
    is set when the notice goes out."""

    kind: TargetKind
    person: str | None = None
    platform: str | None = None
    conversation: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", TargetKind(self.kind))  # also when given as text

    @classmethod
    def to_person(cls, key: str) -> Target:
        return cls(TargetKind.PERSON, person=key)

    @classmethod
    def announce(cls) -> Target:
        return cls(TargetKind.ANNOUNCE)

    @classmethod
    def to_conversation(cls, platform: str, conversation: str) -> Target:
        return cls(TargetKind.CONVERSATION, platform=platform, conversation=conversation)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "person": self.person, "platform": self.platform,
                "conversation": self.conversation}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Target:
        return cls(TargetKind(d["kind"]), d.get("person"), d.get("platform"),
                   d.get("conversation"))


@dataclass(frozen=True)
class Say:
    """What a notice says: a message id (`proposal.new`, `meeting.reminder`, ...: a key of the
    composers, `bot.app.messages.MESSAGES`) and the values it is written from. The values are
    JSON and say what, in no language: numbers (a proposal's number, a version), keys (a
    status, a level, an organisation), moments and days in ISO 8601, and text as people typed
    it."""

    message: str
    values: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"message": self.message, "values": self.values}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Say:
        return cls(d["message"], dict(d.get("values") or {}))


@dataclass(frozen=True)
class Notice:
    key: str
    target: Target
    # the words as they went out (or, for a notice stored before `say`, as they were written
    # when it was scheduled); None until a notice that says what is sent
    message: Reply | None
    due: datetime
    # proposal | version | meeting | reminder | agenda | tables | report | decision | alert
    kind: str
    stale_after: datetime | None = None  # past this, an unsent notice is skipped, not sent late
    state: NoticeState = NoticeState.PENDING
    attempts: int = 0
    last_error: str = ""
    sent_at: datetime | None = None
    late: bool = False
    attachment: dict[str, Any] | None = None  # e.g. {"kind": "ics", "meeting": 3, "version": 2}
    not_before: datetime | None = None  # a passing failure: not retried before this
    compose: str | None = None  # a composer (bot.notices.announcements) writes it at send time
    waiting: bool = False  # its person cannot be reached yet: tried again when they are seen
    request_id: str | None = None  # the command that scheduled it (bot.core.tracing), if any
    say: Say | None = None  # what to say, written in its reader's language when it is sent
    # an attempt's answer never came (a time-out, a lost connection, a crash while sending):
    # it may have arrived, so where the platform can tell it is looked for before it goes again
    in_doubt: bool = False

    @classmethod
    def saying(cls, key: str, target: Target, say: Say, due: datetime, kind: str,
               **fields: Any) -> Notice:
        """A notice that says `say`, written when it goes out."""
        return cls(key, target, None, due, kind, say=say, **fields)

    @property
    def ready_at(self) -> datetime:
        """When the dispatcher may next try it: its due time, or later after a failure."""
        return max(self.due, self.not_before) if self.not_before else self.due

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key, "target": self.target.to_dict(),
            "message": self.message.to_dict() if self.message is not None else None,
            "say": self.say.to_dict() if self.say is not None else None,
            "due": self.due.isoformat(), "kind": self.kind,
            "stale_after": self.stale_after.isoformat() if self.stale_after else None,
            "state": self.state.value, "attempts": self.attempts, "last_error": self.last_error,
            "sent_at": self.sent_at.isoformat() if self.sent_at else None, "late": self.late,
            "attachment": self.attachment,
            "not_before": self.not_before.isoformat() if self.not_before else None,
            "compose": self.compose, "waiting": self.waiting, "request_id": self.request_id,
            "in_doubt": self.in_doubt,
            "for_person": self.target.person,  # top-level, so the store can find by it
            # while it is still to be sent: the moment it may go, as the store's work
            READY: self.ready_at.timestamp() if self.state in _TO_SEND else None,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Notice:
        return cls(
            key=d["key"], target=Target.from_dict(d["target"]),
            message=Reply.from_dict(d["message"]) if d.get("message") else None,
            say=Say.from_dict(d["say"]) if d.get("say") else None,
            due=datetime.fromisoformat(d["due"]), kind=d["kind"],
            stale_after=datetime.fromisoformat(d["stale_after"]) if d.get("stale_after") else None,
            state=NoticeState(d["state"]), attempts=d.get("attempts", 0),
            last_error=d.get("last_error", ""),
            sent_at=datetime.fromisoformat(d["sent_at"]) if d.get("sent_at") else None,
            late=d.get("late", False), attachment=d.get("attachment"),
            not_before=datetime.fromisoformat(d["not_before"]) if d.get("not_before") else None,
            compose=d.get("compose"), waiting=d.get("waiting", False),
            request_id=d.get("request_id"), in_doubt=d.get("in_doubt", False),
        )

    def with_changes(self, **changes: Any) -> Notice:
        return replace(self, **changes)


class Scheduler(Protocol):
    """Where the core puts notices: the outbox."""

    def schedule(self, notice: Notice) -> bool: ...

    def schedule_all(self, notices: Iterable[Notice]) -> set[str]: ...

    def get(self, key: str) -> Notice | None: ...

    def cancel_prefix(self, prefix: str, reason: str) -> list[Notice]: ...

    def release_waiting(self, person_key: str) -> int: ...

    def untried(self, person_key: str, prefix: str) -> list[Notice]: ...

    def save(self, notice: Notice) -> None: ...
