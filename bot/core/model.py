"""The domain's records: people, proposals (their text in versions, milestones, notes, the
actors who joined, followers and history), and bilateral meetings.

Records are frozen dataclasses; each converts to and from the plain dicts the store keeps. A
document stored before a field existed still loads: the field takes its default.
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


class Outcome(StrEnum):
    """What a proposal's table came to: agreement, or a bilateral meeting to find it."""

    AGREED = "agreed"
    BILATERAL = "bilateral"


class ReportResult(StrEnum):
    """The responsible ministry's result, reported to the coordinator."""

    AGREED = "agreed"
    DECLINED = "declined"


class Choice(StrEnum):
    """The coordinator's decision on a proposal: in the plan or not."""

    INCLUDE = "include"
    EXCLUDE = "exclude"


OGP_VALUES = ("transparency", "participation", "accountability")
_NUMBER_RE = re.compile(r"^[Pp]-?(\d{1,7})$")
_EMAIL_RE = re.compile(r"[^\s@]+@[^\s@]+")


def holds_email(text: str) -> bool:
    """Whether `text` holds something shaped like an e-mail address."""
    return bool(_EMAIL_RE.search(text))


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

    @property
    def known_language(self) -> str | None:
        """The language this person is known to use (chosen, their platform's or the
        roster's), which what they write is taken to be in; None when nothing says it."""
        return self.chosen_language or self.seen_language or self.language

    def speaks(self, default: str) -> str:
        """The language of everything this person reads: the one they chose, else their
        platform's locale as last seen, else the roster's, else `default` (the seminar's)."""
        return self.chosen_language or self.seen_language or self.language or default


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _with_language(d: dict[str, Any], language: str) -> dict[str, Any]:
    """`d` with the language its text was written in, where that is known (a record stored
    before texts kept their language has none)."""
    return {**d, "language": language} if language else d


@dataclass(frozen=True)
class Completion:
    """Who recorded a milestone as done, when, and what they said about it."""

    at: datetime
    by: str  # person key
    by_name: str
    text: str = ""
    language: str = ""  # the language `text` is written in, where known (nb | nn | en)

    def to_dict(self) -> dict[str, Any]:
        return _with_language({"at": self.at.isoformat(), "by": self.by,
                               "by_name": self.by_name, "text": self.text}, self.language)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Completion:
        return cls(datetime.fromisoformat(d["at"]), d["by"], d.get("by_name", ""),
                   d.get("text", ""), d.get("language", ""))


@dataclass(frozen=True)
class Milestone:
    """A step of a commitment from `start` (None: not given) to `end`; `done` once completed.

    A proposal's milestones are numbered 1, 2, ... in the order the proposal holds them; a
    milestone's `id` stays the same however they are renumbered (its reminders are keyed by
    it). The proposal that holds it gives it one (`Proposal.milestones_added`).
    """

    start: date | None
    end: date
    text: str
    done: Completion | None = None
    language: str = ""  # the language `text` is written in, where known (nb | nn | en)
    id: str = field(default="", compare=False)

    def to_dict(self) -> dict[str, Any]:
        return _with_language({"start": self.start.isoformat() if self.start else None,
                               "end": self.end.isoformat(), "text": self.text,
                               "done": self.done.to_dict() if self.done else None,
                               "id": self.id},
                              self.language)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Milestone:
        end = date.fromisoformat(d.get("end") or d["due"])  # "due": stored before start dates
        done = Completion.from_dict(d["done"]) if d.get("done") else None
        return cls(_day(d.get("start")), end, d["text"], done, d.get("language", ""),
                   str(d.get("id") or ""))


def _without_id(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k != "id"}


TEXT_FIELDS = ("title", "problem", "description", "goal", "results")  # a proposal's own text


@dataclass(frozen=True)
class Version:
    """One saved text of a proposal: number 1 is the submission, each edit adds the next."""

    number: int
    at: datetime
    by: str  # person key
    by_name: str
    title: str
    problem: str
    description: str
    goal: str = ""
    results: str = ""
    language: str = ""  # the language its writer wrote in, where known (nb | nn | en), else ""

    def texts(self) -> dict[str, str]:
        """The text fields by name (the keys of `TEXT_FIELDS`)."""
        return {name: getattr(self, name) for name in TEXT_FIELDS}

    def to_dict(self) -> dict[str, Any]:
        d = {"number": self.number, "at": self.at.isoformat(), "by": self.by,
             "by_name": self.by_name, **self.texts()}
        return {**d, "language": self.language} if self.language else d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Version:
        return cls(d["number"], datetime.fromisoformat(d["at"]), d["by"], d.get("by_name", ""),
                   d["title"], d["problem"], d["description"], d.get("goal", ""),
                   d.get("results", ""), d.get("language", ""))


COMPLETION = ("not_started", "limited", "substantial", "complete")  # OGP's scale, in order


@dataclass(frozen=True)
class ProgressReport:
    """A ministry's report on an included commitment: its completion on OGP's scale, and why."""

    at: datetime
    by: str  # person key
    by_name: str
    level: str  # one of COMPLETION
    text: str
    language: str = ""  # the language `text` is written in, where known (nb | nn | en)

    def to_dict(self) -> dict[str, Any]:
        return _with_language({"at": self.at.isoformat(), "by": self.by,
                               "by_name": self.by_name, "level": self.level,
                               "text": self.text}, self.language)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ProgressReport:
        return cls(datetime.fromisoformat(d["at"]), d["by"], d.get("by_name", ""), d["level"],
                   d.get("text", ""), d.get("language", ""))


@dataclass(frozen=True)
class Report:
    """The responsible ministry's report to the coordinator: its result and what it wrote
    (`language`: the language the text was written in, where known, else "")."""

    result: ReportResult
    text: str = ""
    language: str = ""

    def to_dict(self) -> dict[str, str]:
        d = {"result": self.result.value, "text": self.text}
        return {**d, "language": self.language} if self.language else d

    @classmethod
    def from_dict(cls, d: dict[str, str]) -> Report:
        return cls(ReportResult(d["result"]), d.get("text", ""), d.get("language", ""))


@dataclass(frozen=True)
class Decision:
    """The coordinator's decision and the reason published with it. `reason` is None for a
    commitment imported from an adopted plan (the plan stands for the reason), "" for a
    decision made without one; `language` as for `Report`."""

    result: Choice
    reason: str | None = None
    language: str = ""

    def to_dict(self) -> dict[str, str]:
        d = {"result": self.result.value}
        if self.reason is not None:
            d["reason"] = self.reason
        return {**d, "language": self.language} if self.language else d

    @classmethod
    def from_dict(cls, d: dict[str, str]) -> Decision:
        return cls(Choice(d["result"]), d.get("reason"), d.get("language", ""))


@dataclass(frozen=True)
class Actor:
    """An organisation that joined a proposal as another actor involved, and who joined it."""

    name: str  # the organisation's display name
    org_key: str | None  # a seminar organisation key, when it has one
    person: str  # the person key of whoever joined it
    at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "org_key": self.org_key, "person": self.person,
                "at": self.at.isoformat()}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Actor:
        return cls(d["name"], d.get("org_key"), d["person"], datetime.fromisoformat(d["at"]))


@dataclass(frozen=True)
class Note:
    """A note from a table's discussion; `by_org` is the writer's organisation ("" for none)."""

    at: datetime
    by: str  # person key
    by_name: str
    text: str
    by_org: str = ""
    on_roster: bool = False  # whether the writer was on the roster (their name is public)
    language: str = ""  # the language `text` is written in, where known (nb | nn | en)

    def to_dict(self) -> dict[str, Any]:
        return _with_language({"at": self.at.isoformat(), "by": self.by,
                               "by_name": self.by_name, "text": self.text,
                               "by_org": self.by_org, "on_roster": self.on_roster},
                              self.language)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Note:
        return cls(datetime.fromisoformat(d["at"]), d["by"], d.get("by_name", ""), d["text"],
                   d.get("by_org", ""), d.get("on_roster", False), d.get("language", ""))


@dataclass(frozen=True)
class HistoryEntry:
    """One thing someone did to a proposal: `action` is a catalogue key, `detail` free text."""

    at: datetime
    actor: str  # a person key, or "bot" for the agenda
    actor_name: str
    action: str
    status: Status
    detail: str = ""
    language: str = ""  # the language a typed `detail` is written in, where known

    def to_dict(self) -> dict[str, Any]:
        return _with_language({"at": self.at.isoformat(), "actor": self.actor,
                               "actor_name": self.actor_name, "action": self.action,
                               "status": self.status.value, "detail": self.detail},
                              self.language)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> HistoryEntry:
        return cls(datetime.fromisoformat(d["at"]), d["actor"], d["actor_name"], d["action"],
                   Status(d["status"]), d.get("detail", ""), d.get("language", ""))


@dataclass(frozen=True)
class Proposal:
    """A proposal; `title` ... `results` are its current text, the same as its last version."""

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
    outcome: Outcome | None = None  # from the table
    report: Report | None = None  # the ministry's, to the coordinator
    decision: Decision | None = None  # the coordinator's
    goal: str = ""  # what the commitment aims to achieve
    results: str = ""  # its expected results
    actors: tuple[Actor, ...] = ()  # other organisations that joined, in order
    followers: tuple[str, ...] = ()  # person keys who asked to follow
    unfollowed: tuple[str, ...] = ()  # person keys who follow without asking but said no
    notes: tuple[Note, ...] = ()
    versions: tuple[Version, ...] = ()  # every saved text; empty only before the first save
    progress: tuple[ProgressReport, ...] = ()  # an included commitment's reports, in order
    plan_id: str = ""  # the plan's own id of a commitment imported with `ogpbot import-plan`
    period: tuple[date, date] | None = None  # an imported commitment's own start and end
    milestones_added: int = 0  # milestone ids handed out so far: a new one gets the next

    def __post_init__(self) -> None:
        """Give each milestone without an id the next one. Milestones stored before they had
        ids get their numbers (1, 2, ... as they stand), the keys their reminders have."""
        given = max((int(m.id) for m in self.milestones if m.id.isdigit()),
                    default=0)
        added = max(self.milestones_added, given)
        if added == self.milestones_added and all(m.id for m in self.milestones):
            return
        numbered = []
        for m in self.milestones:
            if not m.id:
                added += 1
                m = replace(m, id=str(added))
            numbered.append(m)
        object.__setattr__(self, "milestones", tuple(numbered))
        object.__setattr__(self, "milestones_added", added)

    @property
    def ref(self) -> str:
        return f"P-{self.number}"

    def texts(self) -> dict[str, str]:
        """The current text fields by name (the keys of `TEXT_FIELDS`)."""
        return {name: getattr(self, name) for name in TEXT_FIELDS}

    @property
    def completion(self) -> str | None:
        """An included commitment's completion on OGP's scale (its last progress report;
        `not_started` before any); None for a proposal that is not in the plan."""
        if self.status is not Status.INCLUDED:
            return None
        return self.progress[-1].level if self.progress else "not_started"

    @property
    def version(self) -> int:
        """The number of the current version (1 for a proposal never edited)."""
        return self.versions[-1].number if self.versions else 1

    def first_version(self) -> Version:
        """Version 1 as it would be recorded for this proposal's current text."""
        return Version(1, self.created_at, self.proposer, self.proposer_name, **self.texts())

    @property
    def by_private_individual(self) -> bool:
        """Whether it stands in a private person's own name: the proposer is not on the roster
        and named no organisation, so `organization` holds their own name (which may be an
        e-mail address or a platform id) and must not be shown in public."""
        if self.organization_key is not None:
            return False
        org = self.organization.strip()
        return not org or org == self.proposer_name.strip() or holds_email(org)

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number, "title": self.title, "problem": self.problem,
            "description": self.description, "values": list(self.values), "area": self.area,
            "ministry": self.ministry, "proposer": self.proposer,
            "proposer_name": self.proposer_name, "organization": self.organization,
            "organization_key": self.organization_key, "status": self.status.value,
            "created_at": self.created_at.isoformat(),
            # a milestone's id is written where it is not its number (the ids began as numbers)
            "milestones": [_without_id(m.to_dict()) if m.id == str(k) else m.to_dict()
                           for k, m in enumerate(self.milestones, 1)],
            "history": [h.to_dict() for h in self.history],
            "outcome": self.outcome.value if self.outcome else None,
            "report": self.report.to_dict() if self.report else None,
            "decision": self.decision.to_dict() if self.decision else None,
            "goal": self.goal, "results": self.results,
            "actors": [a.to_dict() for a in self.actors],
            "followers": list(self.followers), "unfollowed": list(self.unfollowed),
            "notes": [n.to_dict() for n in self.notes],
            "versions": [v.to_dict() for v in self.versions],
            "progress": [r.to_dict() for r in self.progress], "plan_id": self.plan_id,
            "period": [d.isoformat() for d in self.period] if self.period else None,
            **({"milestones_added": self.milestones_added}
               if self.milestones_added != len(self.milestones) else {}),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Proposal:
        p = cls(
            number=d["number"], title=d["title"], problem=d["problem"],
            description=d["description"], values=tuple(d["values"]), area=d["area"],
            ministry=d["ministry"], proposer=d["proposer"], proposer_name=d["proposer_name"],
            organization=d["organization"], organization_key=d.get("organization_key"),
            status=Status(d["status"]), created_at=datetime.fromisoformat(d["created_at"]),
            milestones=tuple(replace(m, id=m.id or str(k)) for k, m in enumerate(
                (Milestone.from_dict(m) for m in d.get("milestones", [])), 1)),
            history=tuple(HistoryEntry.from_dict(h) for h in d.get("history", [])),
            outcome=Outcome(d["outcome"]) if d.get("outcome") else None,
            report=Report.from_dict(d["report"]) if d.get("report") else None,
            decision=Decision.from_dict(d["decision"]) if d.get("decision") else None,
            goal=d.get("goal", ""), results=d.get("results", ""),
            actors=tuple(Actor.from_dict(a) for a in d.get("actors", [])),
            followers=tuple(d.get("followers", [])), unfollowed=tuple(d.get("unfollowed", [])),
            notes=tuple(Note.from_dict(n) for n in d.get("notes", [])),
            versions=tuple(Version.from_dict(v) for v in d.get("versions", [])),
            progress=tuple(ProgressReport.from_dict(r) for r in d.get("progress", [])),
            plan_id=d.get("plan_id", ""),
            period=(date.fromisoformat(d["period"][0]), date.fromisoformat(d["period"][1]))
            if d.get("period") else None,
            milestones_added=int(d.get("milestones_added") or len(d.get("milestones", []))),
        )
        # Stored before versions were kept: its text as it stands is version 1.
        return p if p.versions else replace(p, versions=(p.first_version(),))

    def moved(self, status: Status, entry: HistoryEntry, **changes: Any) -> Proposal:
        """This proposal with a new status and one more history entry."""
        return replace(self, status=status, history=(*self.history, entry), **changes)

    def with_version(self, version: Version, entry: HistoryEntry) -> Proposal:
        """This proposal with `version` as its current text and one more history entry."""
        return replace(self, title=version.title, problem=version.problem,
                       description=version.description, goal=version.goal,
                       results=version.results, versions=(*self.versions, version),
                       history=(*self.history, entry))

    def changed(self, entry: HistoryEntry, **changes: Any) -> Proposal:
        """This proposal with `changes` and one more history entry, its status unchanged."""
        return replace(self, history=(*self.history, entry), **changes)


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
    # the secret part of the calendar file's address that the meeting's people shared before
    # each had one of their own (still answered); "" for a meeting with links of its own, or
    # stored before there were tokens
    token: str = field(default="", repr=False)
    # each person's own secret part of the address (person key -> token), new with each
    # version: the file behind it is in the language that person reads
    tokens: dict[str, str] = field(default_factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"proposal": self.proposal, "start": self.start.isoformat(), "place": self.place,
                "scheduled_by": self.scheduled_by, "version": self.version,
                "token": self.token, "tokens": dict(self.tokens),
                "attendees": list(self.attendees)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Meeting:
        return cls(d["proposal"], datetime.fromisoformat(d["start"]), d["place"],
                   d["scheduled_by"], d.get("version", 1), tuple(d.get("attendees", ())),
                   d.get("token", ""), dict(d.get("tokens") or {}))

    def token_for(self, person_key: str | None) -> str:
        """The secret part of `person_key`'s calendar link: their own, else the one the
        meeting's people shared (a meeting from before each had their own); "" for none."""
        return self.tokens.get(person_key or "", "") or self.token
