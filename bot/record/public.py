"""The public record of inputs: which proposals to show (filters from a query string), each
proposal as the public sees it (as JSON, and the words the pages and the export say about it),
and the snapshot every page is drawn from. The pages' rows and facts are in `bot.record.views`,
the action-plan export in `bot.record.export`; the HTML is the web adapter's.

What is public: a proposal's text (goal and expected results too) and every version of it with
what changed, organisation and the actors who joined, ministry, area, values, status,
milestones, the table's notes, the ministry's report, the reasoned response and who did what
when. Who follows a proposal is not public. People on the roster are
named; anyone else is shown by the organisation they named, or as a private individual, never
by name. Person keys, e-mail addresses and platform ids stay out of everything public; only the
operator's lossless JSON export carries them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.core.commitment import IMPORTER, imported_note, stated_reason
from bot.core.history import history_text
from bot.core.model import (
    HistoryEntry,
    Milestone,
    Note,
    Proposal,
    Status,
    holds_email,
    proposal_number,
)
from bot.core.people import is_erased, is_roster_key
from bot.core.records import Records
from bot.core.seminar import Seminar
from bot.i18n.catalogue import LANGUAGES, language_of, t
from bot.record.changes import history_of_versions

FILTERS = ("status", "area", "ministry")


class RecordError(Exception):
    """A request the record cannot answer; `status` is the HTTP status, `text` the sentence."""

    def __init__(self, status: int, code: str, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.code = code
        self.text = text


def language(query: Mapping[str, str], seminar: Seminar, accept: str = "") -> str:
    """The language of a page: `?lang=nb|nn|en`; else the first of the browser's languages
    (`Accept-Language`, by preference) that the pages are written in; else the seminar's."""
    wanted = query.get("lang", "")
    if wanted in LANGUAGES:
        return wanted
    return accepted_language(accept) or seminar.language


def accepted_language(header: str) -> str | None:
    """The most preferred of the pages' languages in an `Accept-Language` header (RFC 9110):
    `nn` is nynorsk, `nb` and `no` bokmål, `en` English, each with any region (`nn-NO`);
    a language with `q=0` is refused, and `*` takes none in particular."""
    ranked: list[tuple[float, int, str]] = []
    for order, part in enumerate(header.split(",")[:32]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ours = language_of(tag.strip()) if len(tag) <= 35 else None
        if ours is not None and 0 < quality <= 1:
            ranked.append((-quality, order, ours))
    return min(ranked)[2] if ranked else None


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
    """Everything one page or export needs, read from the store in one go: the proposals in
    number order, and when they were read. Never changed once made."""

    seminar: Seminar
    proposals: tuple[Proposal, ...]
    now: datetime
    _by_number: Mapping[int, Proposal] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_number", {p.number: p for p in self.proposals})

    def get(self, number: int) -> Proposal | None:
        return self._by_number.get(number)

    def find(self, number: int, lang: str) -> Proposal:
        found = self._by_number.get(number)
        if found is None:
            raise RecordError(404, "not_found", t(lang, "record.not_found", ref=f"P-{number}"))
        return found


def snapshot(seminar: Seminar, records: Records, now: datetime) -> Snapshot:
    """Read every proposal (a blocking read: call it from a worker thread in async code)."""
    with records.transaction(readonly=True):
        return Snapshot(seminar, tuple(records.proposals()), now)


def reasoned_response(p: Proposal, lang: str) -> str:
    """The coordinator's published reason; for a commitment imported from an adopted plan,
    that plan, in `lang`; or "" (not decided, or included without a reason)."""
    if not p.status.decided:
        return ""
    return stated_reason(p) or imported_note(p, lang)


def public_organization(p: Proposal, lang: str) -> str:
    """Who proposed it, as the public sees it: the organisation, or "a private individual"."""
    return t(lang, "record.private_individual") if p.by_private_individual else p.organization


def public_actor(p: Proposal, h: HistoryEntry, lang: str) -> str:
    """Who did it, as the public sees it: the bot, or a roster person by name (an imported
    commitment's first line: its ministry); someone erased
    on request as "an erased person"; the proposer not on the roster by their organisation (or
    as a private individual); anyone else not on the roster as "a participant". Never an e-mail
    address or a platform id."""
    return public_person(p, h.actor, h.actor_name, lang)


def public_person(p: Proposal, key: str, name: str, lang: str, org: str = "") -> str:
    """Someone who did something to `p`, named as `public_actor` names them; someone not on
    the roster who gave an organisation (`org`) is shown as that organisation."""
    if is_erased(key):
        return t(lang, "record.erased_person")
    if key in ("bot", IMPORTER):  # the agenda; an adopted plan, by its ministry's name
        return name
    if is_roster_key(key) and not holds_email(name):
        return name
    if key == p.proposer:
        return public_organization(p, lang)
    if org and not holds_email(org):
        return org
    return t(lang, "record.someone")


def response_text(p: Proposal, lang: str) -> tuple[str, bool]:
    """What the record says in the reasoned-response column, and whether it is a placeholder
    (nothing decided yet) rather than a response."""
    reason = reasoned_response(p, lang)
    if reason:
        return reason, False
    if p.status is Status.INCLUDED:
        return t(lang, "record.included_no_reason"), False
    if p.status is Status.WITHDRAWN:
        return t(lang, "record.withdrawn_note"), False
    return t(lang, "record.undecided"), True


def public_milestone(m: Milestone) -> dict[str, Any]:
    """A milestone as the public sees it: dates, text and whether (and when) it was done."""
    return {"start": m.start.isoformat() if m.start else None, "end": m.end.isoformat(),
            "text": m.text, "done": m.done is not None,
            "done_at": m.done.at.isoformat() if m.done else None,
            "done_text": m.done.text if m.done else None}


def public_note_writer(p: Proposal, n: Note, lang: str) -> str:
    """Who wrote a table note: a roster person by name and organisation, anyone else as
    `public_person` names them."""
    if n.on_roster and is_roster_key(n.by) and not holds_email(n.by_name):
        return f"{n.by_name} ({n.by_org})" if n.by_org else n.by_name
    return public_person(p, n.by, n.by_name, lang, n.by_org)


def updated_at(p: Proposal) -> datetime:
    return p.history[-1].at if p.history else p.created_at


def public_dict(snap: Snapshot, p: Proposal, lang: str, history: bool) -> dict[str, Any]:
    """One proposal as the public JSON shows it (labels in `lang`, no person keys)."""
    doc: dict[str, Any] = {
        "number": p.number, "ref": p.ref, "url": f"/proposals/{p.ref}", "title": p.title,
        "problem": p.problem, "description": p.description, "goal": p.goal,
        "results": p.results, "version": p.version,
        "actors": [a.name for a in p.actors],
        "values": list(p.values),
        "value_labels": [t(lang, f"value.{v}") for v in p.values],
        "area": p.area, "area_name": snap.seminar.area_name(p.area),
        "ministry": p.ministry, "ministry_name": snap.seminar.org_name(p.ministry),
        "organization": public_organization(p, lang),
        "status": p.status.value, "status_label": t(lang, f"status.{p.status.value}"),
        "decided": p.status.decided,
        "created_at": p.created_at.isoformat(), "updated_at": updated_at(p).isoformat(),
        "milestones": [public_milestone(m) for m in p.milestones],
        "outcome": p.outcome.value if p.outcome else None,
        "report": p.report.to_dict() if p.report else None,
        "decision": p.decision.to_dict() if p.decision else None,
        "reasoned_response": reasoned_response(p, lang) or None,
    }
    if history:
        doc["history"] = [{"at": h.at.isoformat(), "actor_name": public_actor(p, h, lang),
                           "action": h.action, "status": h.status.value, "detail": h.detail,
                           "what": history_text(h, lang, snap.seminar.timezone, year=True),
                           "status_label": t(lang, f"status.{h.status.value}")}
                          for h in p.history]
        doc["notes"] = [{"at": n.at.isoformat(), "by": public_note_writer(p, n, lang),
                         "text": n.text} for n in p.notes]
        doc["versions"] = [
            {"number": c.version.number, "at": c.version.at.isoformat(),
             "by": public_person(p, c.version.by, c.version.by_name, lang),
             "changes": [{"field": f.field, "label": t(lang, f"propose.{f.field}"),
                          "segments": [{"op": s.op, "text": s.text} for s in f.segments]}
                         for f in c.changes]}
            for c in history_of_versions(p)]
    return doc


def rehearsal_mark(snap: Snapshot) -> dict[str, Any]:
    """What a JSON document of the record begins with in a rehearsal (`ogpbot rehearse`):
    `"rehearsal": true`, as its pages say "Øving", so that no program reading it takes it for
    the real record; nothing otherwise."""
    return {"rehearsal": True} if snap.seminar.rehearsal else {}


def list_head(snap: Snapshot, filters: Filters, lang: str, shown: int) -> dict[str, Any]:
    """The list's document without its proposals (`shown` of them pass the filters)."""
    return {**rehearsal_mark(snap), "seminar": snap.seminar.title, "language": lang,
            "filters": filters.to_dict(), "total": len(snap.proposals), "count": shown}


def list_json(snap: Snapshot, filters: Filters, lang: str) -> dict[str, Any]:
    shown = [p for p in snap.proposals if filters.matches(p)]
    return {**list_head(snap, filters, lang, len(shown)),
            "proposals": [public_dict(snap, p, lang, history=False) for p in shown]}


def one_json(snap: Snapshot, p: Proposal, lang: str) -> dict[str, Any]:
    return {**rehearsal_mark(snap), "language": lang,
            "proposal": public_dict(snap, p, lang, history=True)}


def error_json(error: RecordError) -> dict[str, Any]:
    return {"error": error.text, "code": error.code, "status": error.status}
