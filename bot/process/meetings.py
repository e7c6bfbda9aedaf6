"""Bilateral meetings: `meet` schedules one between a proposal's ministry and its proposer and
tells everyone in it (the person who scheduled it too), each with the calendar file (at an
address of their own, in the language they read); `meetings` lists a person's meetings; a
meeting still ahead is called off, with a calendar cancellation, when its proposal is decided
or withdrawn."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.core.lifecycle import Step
from bot.core.model import MEETING_LENGTH, Meeting, Person, Proposal, Role, Status
from bot.core.notice import Notice, NoticeState, Say, Target
from bot.core.permissions import ALL, RESPONSIBLE, require_responsible
from bot.core.reply import Action, Reply
from bot.core.seminar import parse_clock_time
from bot.core.word import Word
from bot.core.writing import Composer, Writing

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
    # each person's own link to the calendar file (in the language they read), new with each
    # version of the meeting
    meeting = Meeting(proposal.number, start.astimezone(ctx.now.tzinfo), place, ctx.person.key,
                      version=previous.version + 1 if previous else 1,
                      attendees=tuple(p.key for p in people),
                      tokens={p.key: secrets.token_urlsafe(TOKEN_BYTES) for p in people})
    ctx.records.save_meeting(meeting)
    if previous is not None:
        ctx.bot.outbox.cancel_prefix(f"{meeting_prefix(proposal.ref, previous.version)}:",
                                     f"the meeting moved to version {meeting.version}")
    told = ctx.notify_people(
        people, f"{meeting_prefix(moved.ref, meeting.version)}:invite", "meeting",
        Say(INVITED, {"proposal": moved.number, "version": meeting.version,
                      "moved": previous is not None}),
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
    about = {"proposal": proposal.number, "version": meeting.version}
    for lead in ctx.seminar.reminder_leads:
        due = meeting.start - lead
        if due <= ctx.now:
            continue
        for person in people:
            notices.append(Notice.saying(
                f"{prefix}:remind:{int(lead.total_seconds())}s:{person.key}",
                Target.to_person(person.key), Say(REMINDER, about), due,
                "reminder", stale_after=meeting.start))
    nudge_at = meeting.start + MEETING_LENGTH + NUDGE_AFTER
    for person in people:
        if person.org != proposal.ministry:  # the report is the ministry's to send
            continue
        notices.append(Notice.saying(
            f"{prefix}:nudge:{person.key}", Target.to_person(person.key),
            Say(NUDGE, about), nudge_at, "reminder", compose="nudge",
            attachment={"kind": "nudge", "meeting": meeting.proposal,
                        "version": meeting.version}))
    return notices


def _meeting(w: Writing, values: Mapping[str, Any]) -> tuple[Proposal, Meeting] | str:
    """The proposal and the meeting a message is about, as they stand."""
    p = w.proposal(values)
    meeting = w.records.meeting(p.number) if p is not None else None
    if p is None or meeting is None:
        return "the proposal or its meeting is gone"
    return p, meeting


def _invitation(w: Writing, p: Proposal, meeting: Meeting, title: str) -> Reply:
    """What, when, where and with whom."""
    return Reply(language=w.lang, title=title, lines=(
        p.title,
        w.t("meet.notice_when", when=w.when(meeting.start)),
        w.t("meet.notice_where", place=meeting.place or w.t("meet.no_place")),
        w.t("meet.notice_with", who=f"{p.proposer_name} ({p.organization}), "
                                    f"{w.org(p.ministry)}"),
    ), actions=(Action(w.t("card.status"), f"status {p.ref}"),))


def write_invitation(w: Writing, values: Mapping[str, Any]) -> Reply | str:
    """`meeting.invited`: the invitation everyone in the meeting gets (`moved`: to its new
    time)."""
    found = _meeting(w, values)
    if isinstance(found, str):
        return found
    p, meeting = found
    title = (w.t("meet.moved", ref=p.ref, when=w.when(meeting.start), place="")
             if values.get("moved") else w.t("meet.notice_title", ref=p.ref, title=p.title))
    return _invitation(w, p, meeting, title)


def write_reminder(w: Writing, values: Mapping[str, Any]) -> Reply | str:
    """`meeting.reminder`: the meeting is coming up."""
    found = _meeting(w, values)
    if isinstance(found, str):
        return found
    p, meeting = found
    return _invitation(w, p, meeting, w.t("notice.reminder_title", ref=p.ref,
                                          when=w.when(meeting.start)))


def write_nudge(w: Writing, values: Mapping[str, Any]) -> Reply | str:
    """`meeting.nudge`: the meeting was held, the ministry's report is missing."""
    p = w.proposal(values)
    if p is None:
        return "the proposal is gone"
    return Reply(language=w.lang, title=w.t("notice.nudge_title", ref=p.ref),
                 lines=(p.title, w.t("notice.nudge_hint", ref=p.ref)),
                 actions=(Action(w.t("card.status"), f"status {p.ref}"),))


def write_cancelled(w: Writing, values: Mapping[str, Any]) -> Reply | str:
    """`meeting.cancelled`: the proposal was decided or withdrawn before its meeting."""
    found = _meeting(w, values)
    if isinstance(found, str):
        return found
    p, meeting = found
    return Reply(language=w.lang,
                 title=w.t("meet.cancel_title", ref=p.ref, when=w.when(meeting.start)),
                 lines=(p.title, w.t("meet.cancel_why", ref=p.ref,
                                     status=w.t(f"status.{values.get('status')}"))))


INVITED, REMINDER = "meeting.invited", "meeting.reminder"
NUDGE, CANCELLED = "meeting.nudge", "meeting.cancelled"
MESSAGES: dict[str, Composer] = {INVITED: write_invitation, REMINDER: write_reminder,
                                 NUDGE: write_nudge, CANCELLED: write_cancelled}


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

    return len(ctx.notify_people(
        invited, f"{CANCEL_PREFIX}{proposal.ref}:v{meeting.version}", "meeting",
        Say(CANCELLED, {"proposal": proposal.number, "version": meeting.version,
                        "status": proposal.status.value}),
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
MEETINGS = Word("meetings", list_mine, ALL, aliases=("møter", "møta"), help=("help.meetings",),
                reads=True)
