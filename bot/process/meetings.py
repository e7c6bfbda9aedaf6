"""Bilateral meetings: `meet` schedules one between a proposal's ministry and its proposer and
tells everyone in it (the person who scheduled it too), each with the calendar file; `meetings`
lists a person's meetings; a meeting still ahead is called off, with a calendar cancellation,
when its proposal is decided or withdrawn."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.core.lifecycle import Step
from bot.core.model import MEETING_LENGTH, Meeting, Person, Proposal, Role, Status
from bot.core.notice import Notice, NoticeState, Target
from bot.core.permissions import ALL, RESPONSIBLE, require_responsible
from bot.core.reply import Action, Reply
from bot.core.seminar import parse_clock_time
from bot.core.word import Word
from bot.i18n.catalogue import t
from bot.i18n.formatting import format_when

if TYPE_CHECKING:
    from bot.core.context import Context

MAX_PLACE = 200
TOKEN_BYTES = 18  # the calendar file's address: 144 random bits, 24 characters
# A meeting has no end in the `meet` command: it is taken to last an hour (the calendar file
# says so too), and the ministry is nudged a day after that if no report has come.
NUDGE_AFTER = timedelta(days=1)
CANCEL_PREFIX = "meeting-cancel:"  # not under `meeting:`, which a decision cancels


def parse_start(ctx: Context, day: str, clock: str) -> datetime:
    """A date and time in the seminar's timezone, as an aware datetime."""
    at = parse_clock_time(clock)
    try:
        when = datetime.fromisoformat(day) if len(day) == 10 else None
    except ValueError:
        when = None
    if at is None or when is None:
        ctx.fail("error.bad_datetime", text=f"{day} {clock}"[:40])
    return datetime.combine(when.date(), at, ctx.seminar.timezone)


def meet(ctx: Context, rest: str) -> Reply:
    parts = rest.split(maxsplit=3)
    proposal = ctx.proposal(parts[0] if parts else None, "meet")
    require_responsible(ctx, proposal, "meet")
    if len(parts) < 3:
        ctx.fail("error.usage", usage=MEET.usage)
    start = parse_start(ctx, parts[1], parts[2])
    place = parts[3].strip() if len(parts) > 3 else ""
    if len(place) > MAX_PLACE:
        ctx.fail_n("error.too_long", len(place), length=len(place), limit=MAX_PLACE)
    ctx.require_step(proposal, Step.MEET, "meet")
    if start <= ctx.now:
        ctx.fail("error.past", when=ctx.when(start))
    previous = ctx.records.meeting(proposal.number)
    moved = ctx.move(proposal, Status.BILATERAL, "meeting", start.astimezone(ctx.now.tzinfo)
                     .isoformat())
    people = _people(ctx, moved, previous)
    meeting = Meeting(proposal.number, start.astimezone(ctx.now.tzinfo), place, ctx.person.key,
                      version=previous.version + 1 if previous else 1,
                      attendees=tuple(p.key for p in people),
                      token=secrets.token_urlsafe(TOKEN_BYTES))
    ctx.records.save_meeting(meeting)
    if previous is not None:
        ctx.bot.outbox.cancel_prefix(f"{meeting_prefix(proposal.ref, previous.version)}:",
                                     f"the meeting moved to version {meeting.version}")
    told = ctx.notify_people(
        people, f"{meeting_prefix(moved.ref, meeting.version)}:invite", "meeting",
        lambda lang: invitation(ctx, moved, meeting, lang, moved=previous is not None),
        stale_after=meeting.start, speaker_too=True,
        attachment={"kind": "ics", "meeting": meeting.proposal, "version": meeting.version})
    for notice in follow_ups(ctx, moved, meeting, people):
        ctx.bot.outbox.schedule(notice)
    key = "meet.moved" if previous else "meet.done"
    lines = [ctx.t(key, ref=moved.ref, when=ctx.when(meeting.start),
                   place=ctx.t("meet.place", place=place) if place else "")]
    others = [p for p in told if p.key != ctx.person.key]
    if others:
        lines.append(ctx.t("meet.told", names=", ".join(p.name for p in others)))
    lines.append(ctx.t("meet.you_too"))
    return ctx.reply(lines=tuple(lines))


def _people(ctx: Context, proposal: Proposal, previous: Meeting | None) -> list[Person]:
    """Who is in the meeting: the proposer, the ministry's people, whoever scheduled it (now
    or an earlier time of it), each once, in that order."""
    people = {p.key: p for p in ctx.records.concerned(proposal)}
    for key in (*(previous.attendees if previous else ()), ctx.person.key):
        if key == ctx.person.key:
            people.setdefault(key, ctx.person)
        elif key not in people and (person := ctx.records.person(key)) is not None:
            people[key] = person
    return list(people.values())


def meeting_prefix(ref: str, version: int) -> str:
    """Every notice about one version of a meeting starts with this key."""
    return f"meeting:{ref}:v{version}"


def follow_ups(ctx: Context, proposal: Proposal, meeting: Meeting,
               people: list[Person]) -> list[Notice]:
    """A reminder to everyone in the meeting at each of the seminar's leads (those still in
    the future), and a nudge to the ministry a day after the meeting if no report has come."""
    prefix = meeting_prefix(proposal.ref, meeting.version)
    notices: list[Notice] = []
    for lead in ctx.seminar.reminder_leads:
        due = meeting.start - lead
        if due <= ctx.now:
            continue
        for person in people:
            lang = person.speaks(ctx.seminar.language)
            notices.append(Notice(
                f"{prefix}:remind:{int(lead.total_seconds())}s:{person.key}",
                Target.to_person(person.key), reminder(ctx, proposal, meeting, lang), due,
                "reminder", stale_after=meeting.start))
    nudge_at = meeting.start + MEETING_LENGTH + NUDGE_AFTER
    for person in people:
        if person.org != proposal.ministry:  # the report is the ministry's to send
            continue
        lang = person.speaks(ctx.seminar.language)
        notices.append(Notice(
            f"{prefix}:nudge:{person.key}", Target.to_person(person.key),
            Reply(language=lang, title=t(lang, "notice.nudge_title", ref=proposal.ref),
                  lines=(proposal.title, t(lang, "notice.nudge_hint", ref=proposal.ref)),
                  actions=(Action(t(lang, "card.status"), f"status {proposal.ref}"),)),
            nudge_at, "reminder", compose="nudge",
            attachment={"kind": "nudge", "meeting": meeting.proposal,
                        "version": meeting.version}))
    return notices


def _when(ctx: Context, meeting: Meeting, lang: str) -> str:
    return format_when(meeting.start, lang, ctx.seminar.timezone, now=ctx.now)


def reminder(ctx: Context, proposal: Proposal, meeting: Meeting, lang: str) -> Reply:
    base = invitation(ctx, proposal, meeting, lang)
    return Reply(language=lang, title=t(lang, "notice.reminder_title", ref=proposal.ref,
                                        when=_when(ctx, meeting, lang)),
                 lines=base.lines, actions=base.actions)


def invitation(ctx: Context, proposal: Proposal, meeting: Meeting, lang: str,
               moved: bool = False) -> Reply:
    """The message both sides get: what, when, where and with whom."""
    when = _when(ctx, meeting, lang)
    place_text = meeting.place or t(lang, "meet.no_place")
    title = (t(lang, "meet.moved", ref=proposal.ref, when=when, place="") if moved
             else t(lang, "meet.notice_title", ref=proposal.ref, title=proposal.title))
    return Reply(language=lang, title=title, lines=(
        proposal.title,
        t(lang, "meet.notice_when", when=when),
        t(lang, "meet.notice_where", place=place_text),
        t(lang, "meet.notice_with", who=f"{proposal.proposer_name} ({proposal.organization}), "
                                        f"{ctx.seminar.org_name(proposal.ministry)}"),
    ), actions=(Action(t(lang, "card.status"), f"status {proposal.ref}"),))


def call_off(ctx: Context, proposal: Proposal) -> int:
    """`proposal` was just decided or withdrawn: if its meeting is still ahead, everyone who
    got an invitation to it gets a cancellation with a calendar file that takes it out of
    their calendar. (Notices not yet sent are already cancelled by `Context.move`.) Returns
    how many were scheduled."""
    meeting = ctx.records.meeting(proposal.number)
    if meeting is None or meeting.start <= ctx.now:
        return 0
    invited: list[Person] = []
    for key in meeting.attendees:
        person = ctx.person if key == ctx.person.key else ctx.records.person(key)
        if person is not None and _was_invited(ctx, proposal, meeting, key):
            invited.append(person)

    def build(lang: str) -> Reply:
        return Reply(language=lang,
                     title=t(lang, "meet.cancel_title", ref=proposal.ref,
                             when=_when(ctx, meeting, lang)),
                     lines=(proposal.title,
                            t(lang, "meet.cancel_why", ref=proposal.ref,
                              status=t(lang, f"status.{proposal.status.value}"))))

    return len(ctx.notify_people(
        invited, f"{CANCEL_PREFIX}{proposal.ref}:v{meeting.version}", "meeting", build,
        speaker_too=True, stale_after=meeting.start,
        attachment={"kind": "ics", "meeting": meeting.proposal, "version": meeting.version}))


def _was_invited(ctx: Context, proposal: Proposal, meeting: Meeting, key: str) -> bool:
    """Whether an invitation to any time of this meeting went out to `key` (or may have)."""
    for version in range(1, meeting.version + 1):
        notice = ctx.bot.outbox.get(f"{meeting_prefix(proposal.ref, version)}:invite:{key}")
        if notice is not None and notice.state in (NoticeState.SENT, NoticeState.SENDING):
            return True
    return False


def list_mine(ctx: Context, rest: str) -> Reply:
    person = ctx.person
    rows: list[tuple[Meeting, Proposal]] = []
    for meeting in ctx.records.meetings():
        proposal = ctx.records.proposal(meeting.proposal)
        if proposal is None or proposal.status.decided:
            continue
        if person.role is Role.COORDINATOR or person.key == proposal.proposer or (
                person.org is not None and person.org == proposal.ministry) or (
                person.key in meeting.attendees):
            rows.append((meeting, proposal))
    if not rows:
        return ctx.reply(lines=(ctx.t("meetings.none"),))
    lines = []
    for meeting, proposal in rows:
        other = (ctx.seminar.org_name(proposal.ministry) if person.key == proposal.proposer
                 else f"{proposal.proposer_name} ({proposal.organization})")
        lines.append(ctx.t("meetings.line", when=ctx.when(meeting.start), ref=proposal.ref,
                           title=proposal.title, who=other,
                           place=ctx.t("meet.place", place=meeting.place) if meeting.place
                           else ""))
    return ctx.reply(title=ctx.t("meetings.title"), lines=tuple(lines))


MEET = Word("meet", meet, RESPONSIBLE, aliases=("møte",), help=("help.meet",),
            usage="meet P-N YYYY-MM-DD HH:MM[:SS] [PLACE]")
MEETINGS = Word("meetings", list_mine, ALL, aliases=("møter", "møta"), help=("help.meetings",))
