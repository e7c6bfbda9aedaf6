"""A notice's words as they go out: written at the moment it is sent, not when it was scheduled.

A notice that names a composer (`compose`: the presentations list, a reminder that checks its
milestone) is checked (and, for the presentations, acted on) by it now, or skipped with the
composer's reason; what the notice says (its `Say`) is then written in the language its reader
reads now (`bot.notices.written`); a notice sent more than `LATE_AFTER` past its due time says
when it was due; a meeting's notice carries its calendar file, made now in that language, and
the address of its reader's own link to the file on the bot's server when that is known.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.core.model import Meeting
from bot.core.notice import Notice
from bot.core.reply import Reply
from bot.i18n.catalogue import t
from bot.i18n.formatting import format_when
from bot.notices.announcements import COMPOSERS
from bot.notices.meeting_calendar import FILE_MIME, calendar_path, meeting_file
from bot.notices.port import FileAttachment
from bot.notices.written import written

if TYPE_CHECKING:
    from bot.notices.host import Host

LATE_AFTER = timedelta(minutes=2)


@dataclass(frozen=True)
class Composed:
    """The notice with its message as it goes out now (and `late` set when it is), and the
    file that goes beside it, if any."""

    notice: Notice
    attachment: FileAttachment | None


def compose(bot: Host, notice: Notice, now: datetime, public_url: str = "") -> Composed | str:
    """`notice` written for sending at `now`, or the reason it is no longer to be sent. Runs
    inside the store transaction that marks it `sending`: what a composer changes lands with
    it."""
    if notice.compose:
        composed = COMPOSERS[notice.compose](bot, notice, now)
        if isinstance(composed, str):
            return composed
        notice = composed.with_changes(compose=None)
    words = written(bot, notice, now, public_url)
    if isinstance(words, str):
        return words
    message = words
    late = notice.late or now - notice.due > LATE_AFTER
    if late:  # said each time the words are written (they are written anew on a retry)
        message = with_line(message, t(message.language, "notice.late",
                                       when=format_when(notice.due, message.language,
                                                        bot.seminar.timezone, now=now)))
    attachment = _attachment(bot, notice, message.language, now, public_url)
    if attachment is not None and attachment.url:
        message = with_line(message, t(message.language, "notice.calendar",
                                       url=attachment.url))
    return Composed(notice.with_changes(late=late, message=message), attachment)


def _attachment(bot: Host, notice: Notice, lang: str, now: datetime,
                public_url: str) -> FileAttachment | None:
    """The calendar file a meeting's notice carries, made now (its DTSTAMP) in `lang`, and
    the address of its reader's own link to the file."""
    info = notice.attachment or {}
    if info.get("kind") != "ics":
        return None
    made = meeting_file(bot, int(info["meeting"]), lang, now)
    if made is None:
        return None
    name, body = made
    meeting = bot.records.meeting(int(info["meeting"]))
    url = calendar_url(public_url, meeting, notice.target.person) if meeting is not None else ""
    return FileAttachment(name, body, FILE_MIME, url)


def calendar_url(public_url: str, meeting: Meeting, person_key: str | None = None) -> str:
    """The address of `person_key`'s calendar file of the meeting on the bot's server (their
    own token in it), or "" when the server's public address is not set or there is no
    token."""
    path = calendar_path(meeting, person_key)
    return f"{public_url.rstrip('/')}{path}" if public_url and path else ""


def with_line(message: Reply, line: str) -> Reply:
    """`message` with one more line at its end (once)."""
    if line in message.lines:
        return message
    return Reply(language=message.language, title=message.title, fields=message.fields,
                 lines=(*message.lines, line), actions=message.actions)
