"""Telling the coordinators that a notice did not arrive: once per place and reason, each in
their own language, as a notice of kind `alert` (which never raises an alert of its own)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from bot.core.notice import Notice, Target, TargetKind
from bot.core.reply import Reply
from bot.i18n.catalogue import t

if TYPE_CHECKING:
    from bot.notices.host import Host

ANNOUNCE = "announce"  # the label of the announcement channel, whichever it is


def target_label(bot: Host, target: Target) -> str:
    """How an alert names where a notice was going when it had nowhere to go."""
    if target.kind is TargetKind.ANNOUNCE:
        return ANNOUNCE
    if target.kind is TargetKind.PERSON:
        person = bot.records.person(target.person or "")
        return person.name if person else str(target.person)
    return str(target.conversation)


def alert_coordinators(bot: Host, notice: Notice, place: str, label: str, reason: str,
                       now: datetime) -> None:
    """Schedule, for each coordinator, the alert that `notice` did not reach `label`. The key
    holds `place` (no platform user id: it is logged), so each place and reason alerts once."""
    if notice.kind == "alert":
        return
    for person in bot.records.coordinators():
        lang = person.speaks(bot.seminar.language)
        to = t(lang, "notice.announce_channel") if label == ANNOUNCE else label
        bot.outbox.schedule(Notice(
            f"alert:{place}:{reason}:{person.key}", Target.to_person(person.key),
            Reply(language=lang, title=t(lang, "notice.alert_title"), lines=(
                t(lang, "notice.alert_message", title=notice.message.title or notice.key),
                t(lang, "notice.alert_to", to=to),
                t(lang, "notice.alert_reason", reason=reason),
                t(lang, "notice.alert_hint"))),
            now, "alert"))
