"""The public record of inputs: which proposals to show (filters from a query string), and each
proposal as the public sees it, as JSON. The HTML pages are in `bot.record.html_pages`, the
action-plan export in `bot.record.export`.

What is public: a proposal's text, organisation, ministry, area, values, status, milestones,
the ministry's report, the reasoned response and who did what when (by name). Person keys
(which hold e-mail addresses and platform ids) stay out of everything public; only the
operator's lossless JSON export carries them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.core.model import HistoryEntry, Proposal, Status, proposal_number
from bot.core.records import Records
from bot.core.seminar import Seminar
from bot.i18n.catalogue import LANGUAGES, t

FILTERS = ("status", "area", "ministry")


class RecordError(Exception):
    """A request the record cannot answer; `status` is the HTTP status, `text` the sentence."""

    def __init__(self, status: int, code: str, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.code = code
        self.text = text


def language(query: Mapping[str, str], seminar: Seminar) -> str:
    """`?lang=nb|en`; anything else (or nothing) is the seminar's language."""
    wanted = query.get("lang", "")
    return wanted if wanted in LANGUAGES else seminar.language


@dataclass(frozen=True)
class Filters:
    """What to show; None means everything. Built from a query string by `parse`."""

    status: Status | None = None
    area: str | None = None
    ministry: str | None = None

    @classmethod
    def parse(cls, query: Mapping[str, str], seminar: Seminar, lang: str) -> Filters:
        """An empty value means no filter; an unknown one raises a 400 `RecordError`."""
        status_text = query.get("status", "").strip()
        area = query.get("area", "").strip() or None
        ministry = query.get("ministry", "").strip() or None
        status = None
        if status_text:
            if status_text not in {s.value for s in Status}:
                raise _bad_filter(lang, "card.status", status_text)
            status = Status(status_text)
        if area is not None and seminar.area(area) is None:
            raise _bad_filter(lang, "card.area", area)
        if ministry is not None and ministry not in {o.key for o in seminar.ministries}:
            raise _bad_filter(lang, "card.ministry", ministry)
        return cls(status, area, ministry)

    def matches(self, p: Proposal) -> bool:
        return ((self.status is None or p.status is self.status)
                and (self.area is None or p.area == self.area)
                and (self.ministry is None or p.ministry == self.ministry))

    @property
    def active(self) -> bool:
        return any(v is not None for v in (self.status, self.area, self.ministry))

    def to_dict(self) -> dict[str, str | None]:
        return {"status": self.status.value if self.status else None, "area": self.area,
                "ministry": self.ministry}


def _bad_filter(lang: str, label_key: str, value: str) -> RecordError:
    return RecordError(400, "bad_filter", t(lang, "record.bad_filter", value=value[:60],
                                            name=t(lang, label_key).lower()))


def parse_ref(text: str, lang: str) -> int:
    """The number in `P-N`; a 400 `RecordError` when the text is not a proposal number."""
    number = proposal_number(text) if len(text) <= 40 else None
    if number is None:
        raise RecordError(400, "bad_number", t(lang, "error.bad_number", text=text[:40]))
    return number


@dataclass(frozen=True)
class Snapshot:
    """Everything one page or export needs, read from the store in one go."""

    seminar: Seminar
    proposals: tuple[Proposal, ...]
    now: datetime

    def find(self, number: int, lang: str) -> Proposal:
        found = next((p for p in self.proposals if p.number == number), None)
        if found is None:
            raise RecordError(404, "not_found", t(lang, "record.not_found", ref=f"P-{number}"))
        return found


def snapshot(seminar: Seminar, records: Records, now: datetime) -> Snapshot:
    """Read every proposal (a blocking read: call it from a worker thread in async code)."""
    with records.transaction(readonly=True):
        return Snapshot(seminar, tuple(records.proposals()), now)


def reasoned_response(p: Proposal) -> str:
    """The coordinator's published reason, or "" (not decided, or included without a reason)."""
    return (p.decision or {}).get("reason", "") if p.status.decided else ""


def public_actor(p: Proposal, h: HistoryEntry, lang: str) -> str:
    """Who did it, as the public sees it: a name, never an e-mail address (someone the bot
    met without a display name has their address as their name)."""
    if "@" not in h.actor_name:
        return h.actor_name
    return p.organization if h.actor == p.proposer else t(lang, "record.someone")


def updated_at(p: Proposal) -> datetime:
    return p.history[-1].at if p.history else p.created_at


def public_dict(snap: Snapshot, p: Proposal, lang: str, history: bool) -> dict[str, Any]:
    """One proposal as the public JSON shows it (labels in `lang`, no person keys)."""
    doc: dict[str, Any] = {
        "number": p.number, "ref": p.ref, "url": f"/proposals/{p.ref}", "title": p.title,
        "problem": p.problem, "description": p.description,
        "values": list(p.values),
        "value_labels": [t(lang, f"value.{v}") for v in p.values],
        "area": p.area, "area_name": snap.seminar.area_name(p.area),
        "ministry": p.ministry, "ministry_name": snap.seminar.org_name(p.ministry),
        "organization": p.organization,
        "status": p.status.value, "status_label": t(lang, f"status.{p.status.value}"),
        "decided": p.status.decided,
        "created_at": p.created_at.isoformat(), "updated_at": updated_at(p).isoformat(),
        "milestones": [m.to_dict() for m in p.milestones],
        "outcome": p.outcome, "report": p.report, "decision": p.decision,
        "reasoned_response": reasoned_response(p) or None,
    }
    if history:
        doc["history"] = [{"at": h.at.isoformat(), "actor_name": public_actor(p, h, lang),
                           "action": h.action, "status": h.status.value, "detail": h.detail}
                          for h in p.history]
    return doc


def list_json(snap: Snapshot, filters: Filters, lang: str) -> dict[str, Any]:
    shown = [p for p in snap.proposals if filters.matches(p)]
    return {"seminar": snap.seminar.title, "language": lang, "filters": filters.to_dict(),
            "total": len(snap.proposals), "count": len(shown),
            "proposals": [public_dict(snap, p, lang, history=False) for p in shown]}


def one_json(snap: Snapshot, p: Proposal, lang: str) -> dict[str, Any]:
    return {"language": lang, "proposal": public_dict(snap, p, lang, history=True)}


def error_json(error: RecordError) -> dict[str, Any]:
    return {"error": error.text, "code": error.code, "status": error.status}
