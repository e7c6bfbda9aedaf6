"""What the public pages show, as data: the rows of the record of inputs, the choices of its
filter form, and one proposal's facts, milestones, report, response and history, every value
already in the reader's language. The web adapter draws these with its templates; nothing
here is HTML, and nothing here names a person who is not on the roster."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.history import history_text, report_label
from bot.core.model import Proposal, Status
from bot.core.seminar import Seminar
from bot.i18n.catalogue import t
from bot.i18n.formatting import format_when
from bot.record.public import (
    Filters,
    Snapshot,
    public_actor,
    public_organization,
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
    due: str  # YYYY-MM-DD
    text: str


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
    milestones: tuple[MilestoneRow, ...]
    report: tuple[str, str] | None  # (result in words, text)
    response: str
    response_pending: bool
    history: tuple[Event, ...]


def other_language(lang: str, seminar_language: str) -> str:
    """The language the pages' switch offers: English from Norwegian (bokmål or nynorsk), and
    from English the seminar's Norwegian."""
    if lang != "en":
        return "en"
    return seminar_language if seminar_language != "en" else "nb"


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
    return Row(ref=p.ref, title=p.title, organization=public_organization(p, lang),
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
        generated=format_when(snap.now, lang, seminar.timezone, seconds=False))


def detail(snap: Snapshot, p: Proposal, lang: str) -> Detail:
    seminar = snap.seminar
    tz = seminar.timezone
    facts = (
        (t(lang, "card.status"), t(lang, f"status.{p.status.value}")),
        (t(lang, "record.col_organization"), public_organization(p, lang)),
        (t(lang, "card.ministry"), seminar.org_name(p.ministry)),
        (t(lang, "card.area"), seminar.area_name(p.area)),
        (t(lang, "card.values"), values_text(p, lang)),
        (t(lang, "record.submitted_at"), format_when(p.created_at, lang, tz, seconds=False)),
    )
    response, pending = response_text(p, lang)
    return Detail(
        ref=p.ref, title=p.title, facts=facts, problem=p.problem, description=p.description,
        milestones=tuple(MilestoneRow(m.end.isoformat(), m.text) for m in p.milestones),
        report=((report_label(p.report, lang), p.report.get("text", "")) if p.report
                else None),
        response=response, response_pending=pending,
        history=tuple(Event(when=format_when(h.at, lang, tz, seconds=False),
                            at=h.at.isoformat(), who=public_actor(p, h, lang),
                            what=history_text(h, lang, tz),
                            status_label=t(lang, f"status.{h.status.value}"))
                      for h in p.history))
