"""A notice's words, written when it goes out: what it says (its `Say`) written by that
message's composer in the language its reader reads at this moment (a person's: the one they
chose, else their platform's, else the roster's, else the seminar's; a conversation's: the
seminar's). A notice stored before notices said what rather than how has its words already,
and they go out as they are."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from bot.core.notice import Notice, Target, TargetKind
from bot.core.reply import Reply
from bot.core.writing import Writing

if TYPE_CHECKING:
    from bot.notices.host import Host


def reader_language(bot: Host, target: Target) -> str:
    """The language the notice's reader reads now."""
    if target.kind is TargetKind.PERSON:
        person = bot.records.person(target.person or "")
        if person is not None:
            return person.speaks(bot.seminar.language)
    return bot.seminar.language


def written(bot: Host, notice: Notice, now: datetime, public_url: str = "") -> Reply | str:
    """The notice's words as they go out at `now`, or why there is nothing to send any more
    (its proposal is gone, say, or its message is one this version does not know); links to
    public pages are on `public_url`, when it is known."""
    if notice.say is None:
        return notice.message if notice.message is not None else "it says nothing"
    composer = bot.messages.get(notice.say.message)
    if composer is None:
        return f"no message {notice.say.message!r} to write it from"
    writing = Writing(reader_language(bot, notice.target), bot.seminar, bot.records, now,
                      public_url)
    return composer(writing, notice.say.values)
