"""Writing a notice when it is sent: a message's composer turns what a notice says (a `Say`:
its message id and values) into words in the language its reader reads at that moment.

A composer takes a `Writing` (the reader's language, the seminar, the records as they stand,
and the moment of sending) and the values, and returns the `Reply` to send, or a sentence
saying why there is nothing to send any more (the proposal is gone, say). Composers live
beside the process that schedules their notices (`MESSAGES` in each `bot.process` module);
`bot.app.messages` gathers them into the one table the dispatcher writes from.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.core.model import Proposal
from bot.core.records import Records
from bot.core.reply import Reply
from bot.core.seminar import Seminar
from bot.i18n.catalogue import t, tn
from bot.i18n.formatting import format_days, format_when


@dataclass(frozen=True)
class Writing:
    """What a composer writes with: the reader's language, the seminar, the records, and the
    moment the notice goes out (a year is said where it is not this one)."""

    lang: str
    seminar: Seminar
    records: Records
    now: datetime
    public_url: str = ""  # the server's address people reach (OGPBOT_PUBLIC_URL), if known

    def t(self, key: str, /, **values: object) -> str:
        return t(self.lang, key, **values)

    def tn(self, key: str, count: int, /, **values: object) -> str:
        return tn(self.lang, key, count, **values)

    def when(self, moment: datetime | str, seconds: bool = True) -> str:
        """A moment (or its ISO 8601 form) in words, in the seminar's timezone."""
        at = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
        return format_when(at, self.lang, self.seminar.timezone, seconds, now=self.now)

    def days(self, start: date | str | None, end: date | str) -> str:
        """A day (`end`) or a span of days (or their ISO forms) in words."""
        def day(d: date | str) -> date:
            return date.fromisoformat(d) if isinstance(d, str) else d
        return format_days(day(start) if start else None, day(end), self.lang, now=self.now,
                           tz=self.seminar.timezone)

    def org(self, key: str) -> str:
        """An organisation of the seminar file by its name; any other by what it is."""
        return self.seminar.org_name(key)

    def page(self, ref: str) -> str:
        """The address of a proposal's public page in the reader's language, or "" when the
        server's address is not known."""
        if not self.public_url:
            return ""
        return f"{self.public_url.rstrip('/')}/proposals/{ref}?lang={self.lang}"

    def proposal(self, values: Mapping[str, Any]) -> Proposal | None:
        """The proposal a message is about (`values["proposal"]`, its number), as it stands."""
        number = values.get("proposal")
        return self.records.proposal(int(number)) if isinstance(number, int) else None


# A message's composer: the words to send, or why there is nothing to send any more.
Composer = Callable[[Writing, Mapping[str, Any]], Reply | str]
