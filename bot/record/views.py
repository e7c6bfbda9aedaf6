"""What the public pages show, as data: the rows of the record of inputs, the choices of its
filter form, and one proposal's facts, text, milestones, the table's notes, its versions with
what changed (words as segments), report, response and history, every value already in the
reader's language, and each passage written in another (a name from the seminar file, a
proposal's text) carrying its own (`Said`). Dates are in words, each with its year where it
is not the year the record was read in. The web adapter draws these with its templates;
nothing here is HTML, and nothing here names a person who is not on the roster."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.core.commitment import is_imported, period_of, state_of, stated_reason
from bot.core.history import history_text, report_label, typed_detail
from bot.core.model import HistoryEntry, Milestone, Proposal, Status
from bot.core.seminar import Seminar
from bot.i18n.catalogue import LANGUAGES, t
from bot.i18n.formatting import format_day, format_days, format_when
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
from bot.record.said import Said, named, texts_said


@dataclass(frozen=True)
class Choice:
    """One option of a filter: its value in the query string, its label, whether chosen."""

    value: str
    label: Said
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
    title: Said
    organization: Said
    actors: str  # the other actors who joined, in words, or ""
    ministry: Said
    area: Said
    values: str
    status: str
    status_label: str
    response: Said
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
class Day:
    """A date as the page says it, and as `<time datetime>` gives it (YYYY-MM-DD)."""

    words: str
    iso: str


@dataclass(frozen=True)
class MilestoneRow:
    number: int
    start: Day | None  # None when not given
    end: Day
    text: Said
    state: str  # done | open | overdue
    state_label: str
    done: Day | None  # when it was recorded done, or None while it is not
    done_text: Said


@dataclass(frozen=True)
class NoteRow:
    """One of the table's notes, and who wrote it as the public sees them."""

    when: str
    at: str  # ISO 8601
    who: str
    text: Said


@dataclass(frozen=True)
class ChangeRow:
    """One field's change in a version: its label and its words as (op, text) segments, op
    being "same", "removed" or "added"."""

    label: str
    segments: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class VersionRow:
    """One version of the text: who saved it, when, and what it changed (version 1: nothing);
    `lang` is the language its writer wrote in ("" where not known)."""

    number: int
    when: str
    at: str  # ISO 8601
    who: str
    changes: tuple[ChangeRow, ...]
    lang: str


@dataclass(frozen=True)
class Event:
    """One line of a proposal's history."""

    when: str
    at: str  # ISO 8601, for <time datetime>
    who: str
    what: tuple[Said, ...]  # the line in the reader's language, what someone typed in its own
    status_label: str


@dataclass(frozen=True)
class Detail:
    """One proposal's page. Sections with nothing to say are left out: a commitment imported
    from an adopted plan has no problem statement, table, notes or report of the bot's."""

    ref: str
    title: Said
    status: str
    status_label: str
    response: Said
    response_pending: bool
    facts: tuple[tuple[str, Said], ...]  # (label, value)
    texts: tuple[tuple[str, Said], ...]  # (heading, text) of the text fields that have one
    milestones: tuple[MilestoneRow, ...]
    notes: tuple[NoteRow, ...]
    show_notes: bool
    versions: tuple[VersionRow, ...]
    report: tuple[str, Said] | None  # (result in words, text)
    show_report: bool
    imported: bool
    history: tuple[Event, ...]


def other_languages(lang: str) -> tuple[str, ...]:
    """The languages the pages' switch offers: the two others of bokmål, nynorsk and English
    (a state body's pages exist in both Norwegian written standards at once)."""
    return tuple(other for other in LANGUAGES if other != lang)


def values_text(p: Proposal, lang: str) -> str:
    return ", ".join(t(lang, f"value.{v}") for v in p.values)


class Dates:
    """The dates of one page in the reader's language, in the seminar's zone; a year is said
    where it is not the year of `now` (when the record was read)."""

    def __init__(self, seminar: Seminar, lang: str, now: datetime) -> None:
        self.lang, self.now, self.tz = lang, now, seminar.timezone

    def day(self, day: date) -> Day:
        return Day(format_day(day, self.lang, now=self.now, tz=self.tz), day.isoformat())

    def days(self, start: date | None, end: date) -> tuple[Day | None, Day]:
        """A span's two days as `span` says them: a start in its end's year without it."""
        end_day = self.day(end)
        if start is None:
            return None, end_day
        if start.year == end.year:
            return Day(format_day(start, self.lang), start.isoformat()), end_day
        return Day(format_day(start, self.lang, year=True), start.isoformat()), \
            Day(format_day(end, self.lang, year=True), end.isoformat())

    def moment_day(self, moment: datetime) -> Day:
        return self.day(moment.astimezone(self.tz).date())

    def span(self, start: date | None, end: date) -> str:
        return format_days(start, end, self.lang, now=self.now, tz=self.tz)

    def when(self, moment: datetime) -> str:
        return format_when(moment, self.lang, self.tz, seconds=False, now=self.now)


def organization_said(snap: Snapshot, p: Proposal, lang: str) -> Said:
    """Who proposed it, as the public sees it; an organisation of the seminar file is named
    in the seminar's language."""
    shown = public_organization(p, lang)
    if p.organization_key is not None and not p.by_private_individual:
        return named(snap.seminar, shown)
    return Said(shown, lang if p.by_private_individual else "")


def response_said(p: Proposal, lang: str) -> tuple[Said, bool]:
    """The reasoned response with its language (the coordinator's, where known; a sentence of
    the bot's is in the reader's), and whether it is a placeholder."""
    text, pending = response_text(p, lang)
    written = p.status.decided and bool(stated_reason(p))
    return Said(text, p.decision.language if p.decision and written else lang), pending


def filter_form(seminar: Seminar, filters: Filters, lang: str) -> FilterForm:
    return FilterForm(
        status=tuple(Choice(s.value, Said(t(lang, f"status.{s.value}"), lang),
                            s is filters.status) for s in Status),
        area=tuple(Choice(a.key, named(seminar, a.name), a.key == filters.area)
                   for a in seminar.areas),
        ministry=tuple(Choice(o.key, named(seminar, o.name), o.key == filters.ministry)
                       for o in seminar.ministries),
        active=filters.active)


def row(snap: Snapshot, p: Proposal, lang: str) -> Row:
    response, pending = response_said(p, lang)
    actors = ", ".join(a.name for a in p.actors)
    seminar = snap.seminar
    return Row(ref=p.ref, title=texts_said(p)["title"],
               organization=organization_said(snap, p, lang),
               actors=t(lang, "record.with_actors", names=actors) if actors else "",
               ministry=named(seminar, seminar.org_name(p.ministry)),
               area=named(seminar, seminar.area_name(p.area)) if p.area else Said(""),
               values=values_text(p, lang), status=p.status.value,
               status_label=t(lang, f"status.{p.status.value}"), response=response,
               response_pending=pending)


def listing(snap: Snapshot, filters: Filters, lang: str) -> Listing:
    """The proposals `filters` let through, in number order."""
    seminar = snap.seminar
    return Listing(
        shown=tuple(p for p in snap.proposals if filters.matches(p)),
        total=len(snap.proposals), form=filter_form(seminar, filters, lang),
        generated=Dates(seminar, lang, snap.now).when(snap.now))


def milestone_row(n: int, m: Milestone, lang: str, dates: Dates) -> MilestoneRow:
    state = state_of(m, dates.now.astimezone(dates.tz).date())
    start, end = dates.days(m.start, m.end)
    return MilestoneRow(n, start, end, Said(m.text, m.language),
                        state, t(lang, f"milestone.{state}"),
                        dates.moment_day(m.done.at) if m.done else None,
                        Said(m.done.text, m.done.language) if m.done else Said(""))


_TYPED_HERE = "\ue000"  # stands for the typed text while the line around it is written


def history_said(h: HistoryEntry, lang: str, tz: ZoneInfo, now: datetime) -> tuple[Said, ...]:
    """One history line: in the reader's language, and what its writer typed in it (a reason,
    a report, a milestone) in the language they typed it in, where that is known."""
    line = history_text(h, lang, tz, now=now)
    typed = typed_detail(h)
    if not typed or not h.language or h.language == lang:
        return (Said(line, lang),)
    stand_in = replace(h, detail=h.detail.replace(typed, _TYPED_HERE, 1))
    before, found, after = history_text(stand_in, lang, tz, now=now).partition(_TYPED_HERE)
    if not found:
        return (Said(line, lang),)
    return tuple(part for part in (Said(before, lang), Said(typed, h.language), Said(after, lang))
                 if part)


def _facts(snap: Snapshot, p: Proposal, lang: str, dates: Dates) -> tuple[tuple[str, Said], ...]:
    seminar = snap.seminar
    imported = is_imported(p)
    actors = ", ".join(a.name for a in p.actors)
    period = period_of(p, seminar.plan) if imported else None
    facts: list[tuple[str, Said]] = [
        (t(lang, "record.col_organization"),
         Said("") if imported else organization_said(snap, p, lang)),
        (t(lang, "card.actors"), Said(actors)),
        (t(lang, "card.ministry"), named(seminar, seminar.org_name(p.ministry))),
        (t(lang, "record.plan_id"), Said(p.plan_id)),
        (t(lang, "card.period"), Said(dates.span(*period) if period else "")),
        (t(lang, "card.area"), named(seminar, seminar.area_name(p.area)) if p.area else Said("")),
        (t(lang, "card.values"), Said(values_text(p, lang))),
        # when it was sent in; an imported commitment was adopted elsewhere, not sent in here
        (t(lang, "record.submitted_at"), Said("" if imported else dates.when(p.created_at))),
        (t(lang, "card.version"), Said(str(p.version))),
    ]
    return tuple((label, value) for label, value in facts if value)


def detail(snap: Snapshot, p: Proposal, lang: str) -> Detail:
    seminar = snap.seminar
    tz = seminar.timezone
    dates = Dates(seminar, lang, snap.now)
    imported = is_imported(p)
    texts = texts_said(p)
    response, pending = response_said(p, lang)
    report = None
    if p.report:
        report = (report_label(p.report, lang),
                  Said(p.report.text, p.report.language))
    return Detail(
        ref=p.ref, title=texts["title"], status=p.status.value,
        status_label=t(lang, f"status.{p.status.value}"),
        response=response, response_pending=pending, facts=_facts(snap, p, lang, dates),
        texts=tuple((t(lang, f"card.{name}"), texts[name])
                    for name in ("problem", "description", "goal", "results") if texts[name]),
        milestones=tuple(milestone_row(n, m, lang, dates)
                         for n, m in enumerate(p.milestones, 1)),
        notes=tuple(NoteRow(dates.when(n.at), n.at.isoformat(),
                            public_note_writer(p, n, lang), Said(n.text, n.language))
                      for n in p.notes),
        show_notes=bool(p.notes) or not imported,
        versions=tuple(
            VersionRow(c.version.number, dates.when(c.version.at), c.version.at.isoformat(),
                       public_person(p, c.version.by, c.version.by_name, lang),
                       tuple(ChangeRow(t(lang, f"propose.{f.field}"),
                                       tuple((s.op, s.text) for s in f.segments))
                             for f in c.changes), c.version.language)
            for c in history_of_versions(p)),
        report=report,
        # an included commitment without a report of the bot's (one imported) needs none
        show_report=report is not None or p.status is not Status.INCLUDED,
        imported=imported,
        history=tuple(Event(when=dates.when(h.at), at=h.at.isoformat(),
                            who=public_actor(p, h, lang),
                            what=history_said(h, lang, tz, snap.now),
                            status_label=t(lang, f"status.{h.status.value}"))
                      for h in p.history))
