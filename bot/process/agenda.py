"""The seminar day: what runs now and what is next, from the clock (in a rehearsal, also the
time on its clock, which is not the real one), and `channel here`, which chooses the
conversation that receives the agenda notices."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from bot.core.permissions import ALL, COORDINATOR
from bot.core.records import ANNOUNCE_SETTING
from bot.core.seminar import AgendaItem, Seminar
from bot.core.word import Word
from bot.i18n.formatting import format_date, format_time

if TYPE_CHECKING:
    from bot.core.context import Context
    from bot.core.reply import Reply



def now_and_next(seminar: Seminar, now: datetime) -> tuple[AgendaItem | None, AgendaItem | None]:
    """The item running at `now` (None between or outside items) and the next one to start."""
    current = next((i for i in seminar.agenda if i.start <= now < i.end), None)
    upcoming = next((i for i in seminar.agenda if i.start > now), None)
    return current, upcoming


def show(ctx: Context, rest: str) -> Reply:
    seminar = ctx.seminar
    current, upcoming = now_and_next(seminar, ctx.now)
    lines: list[str] = []
    if seminar.rehearsal:  # its clock is not the real one: say where it is
        now = ctx.now.astimezone(seminar.timezone)
        lines.append(ctx.t("rehearsal.time", time=format_time(now, seconds=False)))
    first, last = seminar.agenda[0], seminar.agenda[-1]
    if ctx.now < first.start:
        lines.append(ctx.t("agenda.before", when=ctx.when(first.start)))
    elif ctx.now >= last.end:
        lines.append(ctx.t("agenda.over"))
    else:
        if current:
            lines.append(ctx.t("agenda.now", time=format_time(current.start), title=current.title))
        if upcoming:
            lines.append(ctx.t("agenda.next", time=format_time(upcoming.start),
                               title=upcoming.title))
    lines.append("")
    for item in seminar.agenda:
        marker = ctx.t("agenda.marker_now") if item is current else ""
        lines.append(marker + ctx.t("agenda.item", time=format_time(item.start), title=item.title))
    day = format_date(first.start, ctx.lang, now=ctx.now)
    return ctx.reply(title=ctx.t("agenda.title", date=day), lines=tuple(lines))


def channel_here(ctx: Context, rest: str) -> Reply:
    if rest.lower() not in ("here", "her"):
        ctx.fail("error.usage", usage=CHANNEL.usage)
    place = ctx.command.place
    wanted = {"platform": place.platform, "conversation": place.conversation_id,
              "name": place.name, "reference": dict(place.reference)}
    current = ctx.records.setting(ANNOUNCE_SETTING)
    if current and current.get("platform") == place.platform and current.get(
            "conversation") == place.conversation_id:
        return ctx.reply(lines=(ctx.t("channel.already"),))
    ctx.records.set_setting(ANNOUNCE_SETTING, wanted)
    return ctx.reply(lines=(ctx.t("channel.set"),))


AGENDA = Word("agenda", show, ALL, aliases=("dagsorden", "program"), help=("help.agenda",))
CHANNEL = Word("channel", channel_here, COORDINATOR, aliases=("kanal",), help=("help.channel",),
               usage="channel here")
