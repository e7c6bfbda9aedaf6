"""What the outbox holds beyond one command's notices: the agenda's heads-up and start notices
(scheduled at start-up, idempotently by key), and the composers the dispatcher runs when a
notice goes out whose words depend on that moment (the presentations list, the report nudge).

A composer runs inside the store transaction that marks the notice `sending`, so what it
changes (e.g. `submitted` -> `presented`) lands together with the message it writes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bot.core.model import HistoryEntry, Status
from bot.core.notice import Notice, NoticeState, Target
from bot.core.reply import Action, Reply
from bot.core.seminar import AgendaItem
from bot.i18n.catalogue import t, tn
from bot.i18n.formatting import format_time
from bot.notices.commitments import (
    MILESTONE_LEAD,
    MILESTONE_NUDGE,
    PROGRESS_ASK,
    milestone_still_open,
    progress_still_due,
)

if TYPE_CHECKING:
    from bot.notices.host import Host

AGENDA_PREFIX = "agenda:"
BOT_ACTOR = "bot"
BOT_NAME = "ogpbot"

# A composer returns the notice to send (its message written now), or a reason to skip it.
Composer = Callable[["Host", Notice, datetime], "Notice | str"]


def agenda_key(item: AgendaItem, which: str) -> str:
    """`agenda:2026-12-01T09:45:00+01:00:4:start`: the start time is in the key, so a
    moved item gets new notices and the old ones are cancelled at the next start-up."""
    return f"{AGENDA_PREFIX}{item.start.isoformat()}:{item.index}:{which}"


def agenda_notices(bot: Host) -> list[Notice]:
    """The heads-up and start notice of every agenda item, to the announce channel.

    Instants are computed in UTC: the heads-up for 03:00 on the night clocks go forward is
    five real minutes before it, not "02:55" (a time that does not exist that night).
    """
    seminar = bot.seminar
    lang = seminar.language
    notices: list[Notice] = []
    for item in seminar.agenda:
        start = item.start.astimezone(UTC)
        end = item.end.astimezone(UTC)
        when = format_time(item.start)
        if seminar.heads_up_minutes > 0:
            notices.append(Notice(
                agenda_key(item, "heads-up"), Target.announce(),
                Reply(language=lang, title=tn(lang, "notice.heads_up",
                                              seminar.heads_up_minutes,
                                              minutes=seminar.heads_up_minutes, time=when,
                                              title=item.title)),
                start - timedelta(minutes=seminar.heads_up_minutes), "agenda",
                stale_after=start))
        notices.append(Notice(
            agenda_key(item, "start"), Target.announce(),
            Reply(language=lang, title=t(lang, "notice.starts", time=when, title=item.title),
                  actions=(Action(t(lang, "card.status"), "status"),)
                  if item.kind == "presentations" else ()),
            start, "agenda", stale_after=end,
            compose="presentations" if item.kind == "presentations" else None))
    return notices


def schedule_agenda(bot: Host) -> int:
    """Schedule the agenda's notices (keys already there are kept) and cancel pending agenda
    notices the seminar file no longer has; return how many were added."""
    wanted = agenda_notices(bot)
    keys = {n.key for n in wanted}

    def once() -> int:
        for notice in bot.outbox.pending():
            if notice.key.startswith(AGENDA_PREFIX) and notice.key not in keys:
                bot.outbox.save(notice.with_changes(
                    state=NoticeState.SKIPPED, last_error="the agenda item moved or was removed"))
        return sum(bot.outbox.schedule(notice) for notice in wanted)

    return bot.records.atomically(once)


def present_submitted(bot: Host, notice: Notice, now: datetime) -> Notice | str:
    """The presentations item starts: every `submitted` proposal becomes `presented`, and the
    announcement lists them in the order they were proposed."""
    message = notice.message
    if message is None:
        return "the announcement has no words"
    lang = message.language
    presented = []
    for proposal in bot.records.proposals():
        if proposal.status is not Status.SUBMITTED:
            continue
        entry = HistoryEntry(now, BOT_ACTOR, BOT_NAME, "presented", Status.PRESENTED)
        moved = proposal.moved(Status.PRESENTED, entry)
        bot.records.save_proposal(moved)
        presented.append(moved)
    if presented:
        lines = (t(lang, "notice.presentations"), *(
            t(lang, "notice.presentation_line", n=n, ref=p.ref, title=p.title,
              org=p.organization) for n, p in enumerate(presented, 1)))
    else:
        lines = (t(lang, "notice.presentations_none"),)
    return notice.with_changes(message=Reply(
        language=lang, title=message.title, fields=message.fields,
        lines=(*message.lines, *lines), actions=message.actions))


def nudge_if_unreported(bot: Host, notice: Notice, now: datetime) -> Notice | str:
    """A day after a meeting: still worth sending only while the proposal awaits its report
    and the meeting has not been moved since."""
    info = notice.attachment or {}
    proposal = bot.records.proposal(int(info.get("meeting", 0)))
    meeting = bot.records.meeting(int(info.get("meeting", 0)))
    if proposal is None or meeting is None:
        return "the proposal or its meeting is gone"
    if meeting.version != info.get("version"):
        return "the meeting was moved"
    if proposal.status is not Status.BILATERAL:
        return f"no longer waiting for a report ({proposal.status.value})"
    return notice.with_changes(attachment=None)


COMPOSERS: dict[str, Composer] = {
    "presentations": present_submitted,
    "nudge": nudge_if_unreported,
    MILESTONE_LEAD: milestone_still_open,
    MILESTONE_NUDGE: milestone_still_open,
    PROGRESS_ASK: progress_still_due,
}
