"""What the public pages show, as data: the rows of the record of inputs, the choices of its
filter form, and one proposal's facts, text, milestones, the table's notes, its versions with
what changed (words as segments), report, response and history, every value already in the
reader's language. The web adapter draws these with its templates; nothing
here is HTML, and nothing here names a person who is not on the roster."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.core.history import history_text, report_label
from bot.core.model import Milestone, Proposal, Status
from bot.core.seminar import Seminar
from bot.i18n.catalogue import LANGUAGES, t
from bot.i18n.formatting import format_date, format_when
from bot.record.changes import history_of_versions
from bot.record.public import (
    Filters,
    Snapshot,
    public_actor,
    public_note_writer,
    public_organization,
    public_person,
    response_text,
)


@dataclass(frozen=True)
class Choice:
    """One option of a filter: its value in the query string, its label, whether chosen."""

    value: str
    label: str
    chosen: bool


@dataclass(frozen=True)
class FilterForm:
    """The filter form's three lists, with the current filters chosen."""

    status: tuple[Choice, ...]
    area: tuple[Choice, ...]
    ministry: tuple[Choice, ...]
    active: bool


@dataclass(frozen=True)
class Row:
    """One proposal in the record of inputs."""

    ref: str
    title: str
    organization: str
    actors: str  # the other actors who joined, in words, or ""
    ministry: str
    area: str
    values: str
    status: str
    status_label: str
    response: str
    response_pending: bool  # nothing decided yet: the response is a placeholder


@dataclass(frozen=True)
class Listing:
    """The record of inputs: the proposals that pass the filters (each shown as its `row`),
    out of `total`."""

    shown: tuple[Proposal, ...]
    total: int
    form: FilterForm
    generated: str  # when the snapshot was read, in words


@dataclass(frozen=True)
class MilestoneRow:
    number: int
    start: str  # YYYY-MM-DD, or "" when not given
    end: str  # YYYY-MM-DD
    text: str
    done: str  # when it was recorded done, in words, or "" while it is not
    done_at: str  # YYYY-MM-DD, or ""
    done_text: str


@dataclass(frozen=True)
class NoteRow:
    """One of the table's notes, and who wrote it as the public sees them."""

    when: str
    at: str  # ISO 8601
    who: str
    text: str


@dataclass(frozen=True)
class ChangeRow:
    """One field's change in a version: its label and its words as (op, text) segments, op
    being "same", "removed" or "added"."""

    label: str
    segments: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class VersionRow:
    """One version of the text: who saved it, when, and what it changed (version 1: nothing)."""

    number: int
    when: str
    at: str  # ISO 8601
    who: str
    changes: tuple[ChangeRow, ...]


@dataclass(frozen=True)
class Event:
    """One line of a proposal's history."""

    when: str
    at: str  # ISO 8601, for <time datetime>
    who: str
    what: str
    status_label: str


@dataclass(frozen=True)
class Detail:
    """One proposal's page."""

    ref: str
    title: str
    facts: tuple[tuple[str, str], ...]  # (label, value)
    problem: str
    description: str
    goal: str
    results: str
    milestones: tuple[MilestoneRow, ...]
    notes: tuple[NoteRow, ...]
    versions: tuple[VersionRow, ...]
    report: tuple[str, str] | None  # (result in words, text)
    response: str
    response_pending: bool
    history: tuple[Event, ...]


def other_languages(lang: str) -> tuple[str, ...]:
    """The languages the pages' switch offers: the two others of bokmål, nynorsk and English
    (a state body's pages exist in both Norwegian written standards at once)."""
    return tuple(other for other in LANGUAGES if other != lang)


def values_text(p: Proposal, lang: str) -> str:
    return ", ".join(t(lang, f"value.{v}") for v in p.values)


def filter_form(seminar: Seminar, filters: Filters, lang: str) -> FilterForm:
    return FilterForm(
        status=tuple(Choice(s.value, t(lang, f"status.{s.value}"), s is filters.status)
                     for s in Status),
        area=tuple(Choice(a.key, a.name, a.key == filters.area) for a in seminar.areas),
        ministry=tuple(Choice(o.key, o.name, o.key == filters.ministry)
                       for o in seminar.ministries),
        active=filters.active)


def row(snap: Snapshot, p: Proposal, lang: str) -> Row:
    response, pending = response_text(p, lang)
    actors = ", ".join(a.name for a in p.actors)
    return Row(ref=p.ref, title=p.title, organization=public_organization(p, lang),
               actors=t(lang, "record.with_actors", names=actors) if actors else "",
               ministry=snap.seminar.org_name(p.ministry), area=snap.seminar.area_name(p.area),
               values=values_text(p, lang), status=p.status.value,
               status_label=t(lang, f"status.{p.status.value}"), response=response,
               response_pending=pending)


def listing(snap: Snapshot, filters: Filters, lang: str) -> Listing:
    """The proposals `filters` let through, in number order."""
    seminar = snap.seminar
    return Listing(
        shown=tuple(p for p in snap.proposals if filters.matches(p)),
        total=len(snap.proposals), form=filter_form(seminar, filters, lang),
        generated=format_when(snap.now, lang, seminar.timezone, seconds=False, year=True))


def _milestone(n: int, m: Milestone, lang: str, tz: ZoneInfo) -> MilestoneRow:
    done = m.done
    return MilestoneRow(n, m.start.isoformat() if m.start else "", m.end.isoformat(), m.text,
                        format_date(done.at.astimezone(tz), lang, year=True) if done else "",
                        done.at.astimezone(tz).date().isoformat() if done else "",
                        done.text if done else "")


def detail(snap: Snapshot, p: Proposal, lang: str) -> Detail:
    seminar = snap.seminar
    tz = seminar.timezone
    facts = (
        (t(lang, "card.status"), t(lang, f"status.{p.status.value}")),
        (t(lang, "record.col_organization"), public_organization(p, lang)),
        *(((t(lang, "card.actors"), ", ".join(a.name for a in p.actors)),) if p.actors else ()),
        (t(lang, "card.ministry"), seminar.org_name(p.ministry)),
        (t(lang, "card.area"), seminar.area_name(p.area)),
        (t(lang, "card.values"), values_text(p, lang)),
        (t(lang, "record.submitted_at"),
         format_when(p.created_at, lang, tz, seconds=False, year=True)),
        (t(lang, "card.version"), str(p.version)),
    )
    response, pending = response_text(p, lang)
    return Detail(
        ref=p.ref, title=p.title, facts=facts, problem=p.problem, description=p.description,
        goal=p.goal, results=p.results,
        milestones=tuple(_milestone(n, m, lang, tz) for n, m in enumerate(p.milestones, 1)),
        notes=tuple(NoteRow(format_when(n.at, lang, tz, seconds=False), n.at.isoformat(),
                            public_note_writer(p, n, lang), n.text) for n in p.notes),
        versions=tuple(
            VersionRow(c.version.number, format_when(c.version.at, lang, tz, seconds=False),
                       c.version.at.isoformat(),
                       public_person(p, c.version.by, c.version.by_name, lang),
                       tuple(ChangeRow(t(lang, f"propose.{f.field}"),
                                       tuple((s.op, s.text) for s in f.segments))
                             for f in c.changes))
            for c in history_of_versions(p)),
        report=((report_label(p.report, lang), p.report.get("text", "")) if p.report
                else None),
        response=response, response_pending=pending,
        history=tuple(Event(when=format_when(h.at, lang, tz, seconds=False, year=True),
                            at=h.at.isoformat(), who=public_actor(p, h, lang),
                            what=history_text(h, lang, tz, year=True),
                            status_label=t(lang, f"status.{h.status.value}"))
                      for h in p.history))
