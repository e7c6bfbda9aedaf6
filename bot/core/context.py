"""What a handler is given for one command: `Context` (who asked, in which language, when, and
the services of the core) and the `UserError` a handler raises to refuse (the `Handler` type is
in `bot.core.word`, beside the declaration of a word; the slow work a handler may return is
`bot.core.prepared`).

Handlers import this module; it imports no handler, so the grammar (which imports every
handler) can sit above them without a loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NoReturn, Protocol

from bot.core.clock import Clock
from bot.core.command import Command
from bot.core.lifecycle import Step, allowed_from, can
from bot.core.model import HistoryEntry, Meeting, Person, Proposal, Status, proposal_number
from bot.core.notice import Notice, Say, Scheduler, Target
from bot.core.records import Records
from bot.core.reply import Reply
from bot.core.seminar import Seminar
from bot.i18n.catalogue import t, tn
from bot.i18n.formatting import format_days, format_when


class Services(Protocol):
    """What handlers reach through `ctx.bot`: the front door (`bot.app.frontdoor.OgpBot`)
    provides it."""

    # Read-only members: the front door may hold more specific kinds (its outbox is an
    # `Outbox`, more than a `Scheduler`), which a settable member would not allow.
    @property
    def seminar(self) -> Seminar: ...

    @property
    def records(self) -> Records: ...

    @property
    def outbox(self) -> Scheduler: ...

    @property
    def clock(self) -> Clock: ...


class UserError(Exception):
    """A command that cannot be done as asked; `text` is the one sentence the person reads."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


@dataclass
class Context:
    """Everything a handler needs for one command."""

    bot: Services
    command: Command
    person: Person
    lang: str
    now: datetime

    @property
    def seminar(self) -> Seminar:
        return self.bot.seminar

    @property
    def records(self) -> Records:
        return self.bot.records

    def t(self, key: str, /, **values: object) -> str:
        return t(self.lang, key, **values)

    def tn(self, key: str, count: int, /, **values: object) -> str:
        return tn(self.lang, key, count, **values)

    def fail(self, key: str, /, **values: object) -> NoReturn:
        raise UserError(self.t(key, **values))

    def fail_n(self, key: str, count: int, /, **values: object) -> NoReturn:
        """`fail` with a sentence that has plural forms, chosen by `count`."""
        raise UserError(self.tn(key, count, **values))

    def reply(self, **parts: object) -> Reply:
        return Reply(language=self.lang, **parts)  # type: ignore[arg-type]

    def when(self, moment: datetime, seconds: bool = True) -> str:
        """A moment in the speaker's language; with its year when that is not this year."""
        return format_when(moment, self.lang, self.seminar.timezone, seconds, now=self.now)

    def days(self, start: date | None, end: date) -> str:
        """A day (`end`), or a span of days, in the speaker's language; the year said where it
        is not this year."""
        return format_days(start, end, self.lang, now=self.now, tz=self.seminar.timezone)

    def proposal(self, token: str | None, word: str) -> Proposal:
        """The proposal a `P-N` argument names, or a clear refusal."""
        number = self._number(token, word)
        proposal = self.records.proposal(number)
        if proposal is None:
            self.fail("error.unknown_proposal", ref=f"P-{number}")
        return proposal

    def proposal_and_meeting(self, token: str | None, word: str) -> tuple[Proposal,
                                                                          Meeting | None]:
        """As `proposal`, with its meeting (None when it has none), read together."""
        number = self._number(token, word)
        proposal, meeting = self.records.proposal_and_meeting(number)
        if proposal is None:
            self.fail("error.unknown_proposal", ref=f"P-{number}")
        return proposal, meeting

    def _number(self, token: str | None, word: str) -> int:
        """The number of the proposal a `P-N` argument names, or a clear refusal."""
        if not token:
            self.fail("error.no_number", word=word)
        number = proposal_number(token)
        if number is None:
            self.fail("error.bad_number", text=token[:40])
        return number

    def require_step(self, proposal: Proposal, step: Step, word: str) -> None:
        if can(step, proposal):
            return
        if step is Step.INCLUDE and proposal.status is Status.REPORTED:
            self.fail("error.include_needs_agreed_report", ref=proposal.ref)
        self.fail("error.step_forbidden", ref=proposal.ref, word=word,
                  status=self.t(f"status.{proposal.status.value}"),
                  allowed=", ".join(self.t(f"status.{s.value}") for s in allowed_from(step)))

    @property
    def written_in(self) -> str:
        """The language the speaker's own text is in, as far as it is known: the one known
        for them (chosen, their platform's, the roster's), else "" (not known)."""
        return self.person.known_language or ""

    def move(self, proposal: Proposal, status: Status, action: str, detail: str = "",
             **changes: object) -> Proposal:
        """Save `proposal` with a new status and a history line saying who did it."""
        entry = HistoryEntry(self.now, self.person.key, self.person.name, action, status, detail,
                             self.written_in)
        moved = proposal.moved(status, entry, **changes)
        self.records.save_proposal(moved)
        if status.decided:  # its meeting's invitation, reminders and nudge must not go out
            self.bot.outbox.cancel_prefix(f"meeting:{moved.ref}:", f"{moved.ref} is {status}")
        return moved

    def change(self, proposal: Proposal, action: str, detail: str = "",
               **changes: object) -> Proposal:
        """Save `proposal` with `changes`, its status kept, and a history line saying who."""
        entry = HistoryEntry(self.now, self.person.key, self.person.name, action,
                             proposal.status, detail, self.written_in)
        changed = proposal.changed(entry, **changes)
        self.records.save_proposal(changed)
        return changed

    def notify_people(self, people: list[Person], key: str, kind: str, say: Say,
                      due: datetime | None = None, speaker_too: bool = False,
                      **notice: Any) -> list[Person]:
        """Schedule a notice that says `say` to each person (but the speaker, unless
        `speaker_too`), written in the language that person reads when it is sent; `notice`
        holds further `Notice` fields (e.g. `stale_after`, `attachment`)."""
        told = [person for person in people if person.key != self.person.key or speaker_too]
        self.bot.outbox.schedule_all(  # in one question to the store
            Notice.saying(f"{key}:{person.key}", Target.to_person(person.key), say,
                          due or self.now, kind, **notice) for person in told)
        return told

