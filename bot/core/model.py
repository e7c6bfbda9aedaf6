"""The domain's records: people, proposals with milestones and history, and bilateral meetings.

Records are frozen dataclasses; each converts to and from the plain dicts the store keeps.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    SUBMITTED = "submitted"
    PRESENTED = "presented"
    IN_DISCUSSION = "in_discussion"
    AGREED = "agreed"
    BILATERAL = "bilateral"
    REPORTED = "reported"
    INCLUDED = "included"
    NOT_INCLUDED = "not_included"
    WITHDRAWN = "withdrawn"

    @property
    def decided(self) -> bool:
        """A proposal is decided (final) once included, not included or withdrawn."""
        return self in (Status.INCLUDED, Status.NOT_INCLUDED, Status.WITHDRAWN)


class Role(StrEnum):
    COORDINATOR = "coordinator"
    MINISTRY = "ministry"
    CIVIL_SOCIETY = "civil_society"
    OBSERVER = "observer"


OGP_VALUES = ("transparency", "participation", "accountability")
_NUMBER_RE = re.compile(r"^[Pp]-?(\d{1,7})$")


def proposal_number(text: str) -> int | None:
    """`"P-12"` (or `p12`) -> 12; None when the text is not a proposal number."""
    m = _NUMBER_RE.match(text.strip())
    return int(m.group(1)) if m else None


@dataclass(frozen=True)
class Person:
    """Someone the bot has met, or a roster person; `key` is stable across platforms."""

    key: str
    name: str
    role: Role
    org: str | None = None  # an organisation key from the seminar file
    org_name: str | None = None  # for civil society not on the roster: the name they gave
    email: str | None = None
    language: str | None = None  # the roster's language for them
    platform_ids: dict[str, str] = field(default_factory=dict)
    on_roster: bool = False
    unreachable: dict[str, str] = field(default_factory=dict)  # platform -> reason
    chosen_language: str | None = None  # what they chose with `language`
    seen_language: str | None = None  # their platform's locale when they last wrote, as ours
    last_platform: str | None = None  # the platform they last wrote to the bot from

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["role"] = self.role.value
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Person:
        return cls(**{**d, "role": Role(d["role"])})

    def with_changes(self, **changes: Any) -> Person:
        return replace(self, **changes)

    def speaks(self, default: str) -> str:
        """The language of everything this person reads: the one they chose, else their
        platform's locale as last seen, else the roster's, else `default` (the seminar's)."""
        return self.chosen_language or self.seen_language or self.language or default


@dataclass(frozen=True)
class Milestone:
    due: date
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"due": self.due.isoformat(), "text": self.text}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Milestone:
        return cls(date.fromisoformat(d["due"]), d["text"])


@dataclass(frozen=True)
class HistoryEntry:
    """One thing someone did to a proposal: `action` is a catalogue key, `detail` free text."""

    at: datetime
    actor: str  # a person key, or "bot" for the agenda
    actor_name: str
    action: str
    status: Status
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"at": self.at.isoformat(), "actor": self.actor, "actor_name": self.actor_name,
                "action": self.action, "status": self.status.value, "detail": self.detail}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> HistoryEntry:
        return cls(datetime.fromisoformat(d["at"]), d["actor"], d["actor_name"], d["action"],
                   Status(d["status"]), d.get("detail", ""))


@dataclass(frozen=True)
class Proposal:
    number: int
    title: str
    problem: str
    description: str
    values: tuple[str, ...]
    area: str
    ministry: str
    proposer: str  # person key
    proposer_name: str
    organization: str  # the organisation's display name
    organization_key: str | None  # a seminar organisation key, when it has one
    status: Status
    created_at: datetime
    milestones: tuple[Milestone, ...] = ()
    history: tuple[HistoryEntry, ...] = ()
    outcome: str | None = None  # agreed | bilateral, from the table
    report: dict[str, str] | None = None  # {"result": agreed|declined, "text": ...}
    decision: dict[str, str] | None = None  # {"result": include|exclude, "reason": ...}

    @property
    def ref(self) -> str:
        return f"P-{self.number}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number, "title": self.title, "problem": self.problem,
            "description": self.description, "values": list(self.values), "area": self.area,
            "ministry": self.ministry, "proposer": self.proposer,
            "proposer_name": self.proposer_name, "organization": self.organization,
            "organization_key": self.organization_key, "status": self.status.value,
            "created_at": self.created_at.isoformat(),
            "milestones": [m.to_dict() for m in self.milestones],
            "history": [h.to_dict() for h in self.history],
            "outcome": self.outcome, "report": self.report, "decision": self.decision,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Proposal:
        return cls(
            number=d["number"], title=d["title"], problem=d["problem"],
            description=d["description"], values=tuple(d["values"]), area=d["area"],
            ministry=d["ministry"], proposer=d["proposer"], proposer_name=d["proposer_name"],
            organization=d["organization"], organization_key=d.get("organization_key"),
            status=Status(d["status"]), created_at=datetime.fromisoformat(d["created_at"]),
            milestones=tuple(Milestone.from_dict(m) for m in d.get("milestones", [])),
            history=tuple(HistoryEntry.from_dict(h) for h in d.get("history", [])),
            outcome=d.get("outcome"), report=d.get("report"), decision=d.get("decision"),
        )

    def moved(self, status: Status, entry: HistoryEntry, **changes: Any) -> Proposal:
        """This proposal with a new status and one more history entry."""
        return replace(self, status=status, history=(*self.history, entry), **changes)


MEETING_LENGTH = timedelta(hours=1)  # how long a bilateral meeting is booked for


@dataclass(frozen=True)
class Meeting:
    """A bilateral meeting between a proposal's ministry and its proposer."""

    proposal: int
    start: datetime  # aware UTC
    place: str
    scheduled_by: str
    version: int = 1  # grows each time the meeting is moved
    attendees: tuple[str, ...] = ()  # the person keys invited (every version's, in order)

    def to_dict(self) -> dict[str, Any]:
        return {"proposal": self.proposal, "start": self.start.isoformat(), "place": self.place,
                "scheduled_by": self.scheduled_by, "version": self.version,
                "attendees": list(self.attendees)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Meeting:
        return cls(d["proposal"], datetime.fromisoformat(d["start"]), d["place"],
                   d["scheduled_by"], d.get("version", 1), tuple(d.get("attendees", ())))
