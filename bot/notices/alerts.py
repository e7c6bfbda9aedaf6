"""Telling the coordinators that a notice did not arrive: once per place and reason, each in
the language they read when it is sent, as a notice of kind `alert` (which never raises an
alert of its own)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.core.notice import Notice, Say, Target, TargetKind
from bot.core.reply import Reply
from bot.core.writing import Composer, Writing

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
    # the message that did not arrive, by its title as it was written for its reader
    title = (notice.message.title if notice.message is not None else None) or notice.key
    say = Say(ALERT, {"title": title, "to": label, "reason": reason})
    for person in bot.records.coordinators():
        bot.outbox.schedule(Notice.saying(f"alert:{place}:{reason}:{person.key}",
                                          Target.to_person(person.key), say, now, "alert"))


def write_alert(w: Writing, values: Mapping[str, Any]) -> Reply:
    """`notice.alert`: a notice did not arrive: which, where it was going, and why."""
    label = str(values.get("to", ""))
    to = w.t("notice.announce_channel") if label == ANNOUNCE else label
    return Reply(language=w.lang, title=w.t("notice.alert_title"), lines=(
        w.t("notice.alert_message", title=str(values.get("title", ""))),
        w.t("notice.alert_to", to=to),
        w.t("notice.alert_reason", reason=str(values.get("reason", ""))),
        w.t("notice.alert_hint")))


ALERT = "notice.alert"
MESSAGES: dict[str, Composer] = {ALERT: write_alert}
