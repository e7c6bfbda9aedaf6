"""A dress rehearsal of the seminar day (`ogpbot rehearse`): the seminar moved to another day,
when its clock starts by default, and every reply and notice marked as a rehearsal in its
reader's language.

A rehearsal runs through one day, so the seminar's reminder leads (a day and an hour before a
bilateral meeting, in the shipped file) are shortened in proportion until the longest is
`LONGEST_LEAD`, none shorter than `SHORTEST_LEAD`: a meeting set a few minutes ahead in the
rehearsal is reminded at each lead, and the last reminder still comes a moment before the
meeting on a sped-up clock (a lead of twelve seconds is a fifth of a second at 60 times the
speed, so short that a busy machine could reach the meeting's start first and drop it).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

from bot.core.reply import Reply
from bot.core.seminar import AgendaItem, Seminar
from bot.i18n.catalogue import t

#: The longest reminder lead in a rehearsal; the others are shortened in the same proportion.
LONGEST_LEAD = timedelta(minutes=5)
#: The shortest lead a shortened one becomes (a lead already shorter in the file stays as it is).
SHORTEST_LEAD = timedelta(minutes=1)
#: How long before the first agenda notice a rehearsal's clock starts by default.
AHEAD = timedelta(minutes=1)


def rehearsed(seminar: Seminar, day: date) -> Seminar:
    """`seminar` moved to `day` (each item at the same time of day, in the seminar's
    timezone), its reminder leads fitted to a day, and marked as a rehearsal."""
    zone = seminar.timezone

    def moved(at: datetime) -> datetime:
        local = at.astimezone(zone)
        return datetime.combine(day + (local.date() - seminar.date), local.time(), zone)

    agenda = tuple(AgendaItem(i.index, moved(i.start), moved(i.end), i.title, i.kind)
                   for i in seminar.agenda)
    return replace(seminar, date=day, agenda=agenda, rehearsal=True,
                   reminder_leads=fitted_leads(seminar.reminder_leads))


def fitted_leads(leads: tuple[timedelta, ...]) -> tuple[timedelta, ...]:
    """`leads` shortened in proportion so that the longest is at most `LONGEST_LEAD`, each a
    whole number of seconds and none shortened below `SHORTEST_LEAD`."""
    longest = max(leads, default=timedelta(0))
    if longest <= LONGEST_LEAD:
        return leads
    fitted = (min(lead, max(SHORTEST_LEAD, timedelta(
        seconds=round(lead / longest * LONGEST_LEAD.total_seconds())))) for lead in leads)
    return tuple(dict.fromkeys(fitted))  # two leads that became one are one reminder


def first_notice(seminar: Seminar) -> datetime | None:
    """When the day's first agenda notice is due: the first item's heads-up, or its start
    when there are none; None without an agenda."""
    if not seminar.agenda:
        return None
    return seminar.agenda[0].start - timedelta(minutes=seminar.heads_up_minutes)


def default_start(seminar: Seminar) -> datetime:
    """Where a rehearsal's clock starts unless told: `AHEAD` of the first agenda notice (the
    start of the seminar's day without an agenda)."""
    first = first_notice(seminar)
    if first is None:
        return datetime.combine(seminar.date, datetime.min.time(), seminar.timezone)
    return first - AHEAD


def marked(reply: Reply) -> Reply:
    """`reply` with a title that says it is a rehearsal, in the reply's language."""
    lang = reply.language
    if reply.title:
        return replace(reply, title=t(lang, "rehearsal.title", title=reply.title))
    return replace(reply, title=t(lang, "rehearsal.label"))
