"""The core's front door: `OgpBot.handle(command)` finds the person, checks the words, runs the
handler in one store transaction and returns a `Reply`. A refused command changes nothing.

A handler with slow work (the table planner) returns `Prepared` instead: its work then runs
after the transaction, so other people's commands need not wait, and its result is stored in
a second, short transaction if what it was computed from is still the same.

A command from the inbox (`bot.app.inbox`) comes with a `Settlement`: the answer it already
got is asked of it (instead of the requests seen), and it is told the answer inside the
transaction that holds the command's effect, so the effect and "done" land together.

A word that only reads as a rule (`Word.reads`: `status`) runs in a transaction that expects
no writes: on PostgreSQL its reads go out one by one, without BEGIN and COMMIT. Should it
write after all (a speaker's first command learns who they are), nothing of it is written and
it runs again from the start in a transaction that may write (`WouldWrite`)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Protocol

from bot.app import grammar
from bot.app.messages import MESSAGES
from bot.core import rehearsal
from bot.core.clock import Clock
from bot.core.command import Command
from bot.core.context import Context, UserError
from bot.core.observe import NO_OBSERVER, Observer
from bot.core.people import Directory, Identified
from bot.core.permissions import require_word
from bot.core.prepared import ATTEMPTS, Prepared
from bot.core.records import Records
from bot.core.reply import Reply
from bot.core.seminar import Seminar
from bot.core.writing import Composer
from bot.i18n.catalogue import language_of, t
from bot.notices.outbox import Outbox
from bot.process import tables
from bot.store.contract import Signals, Store, StoreError, WouldWrite, retry_conflicts
from bot.store.watch import WriteWatch

log = logging.getLogger("ogpbot.core")


class Settlement(Protocol):
    """Where a command's answer is kept (an inbox item); both are called inside the store
    transaction of the command."""

    def earlier(self) -> Reply | None:
        """The answer this request already got, if it was done before."""
        ...

    def done(self, reply: Reply) -> None:
        """Keep the answer: called in the transaction that holds the command's effect (not
        for a command that changed nothing: its answer is not worth a write)."""
        ...


class OgpBot:
    """The platform-neutral bot. Thread-safe: each command is one transaction of the store's
    (or two, around a prepared step's work), which the store keeps apart from the others."""

    def __init__(self, seminar: Seminar, store: Store, clock: Clock,
                 home_tenant: str = "") -> None:
        self.seminar = seminar
        self.store = WriteWatch(store)  # tells a command that changed something
        store = self.store
        self.clock = clock
        self.signals: Signals = store  # wake-ups: new notices, proposals other replicas wrote
        self.records = Records(store, self.signals)
        self.outbox = Outbox(store, self.signals)
        self.directory = Directory(seminar, self.records, home_tenant)
        # what the bot keeps by person key above the core follows a merged person
        self.directory.on_merge.append(self.outbox.follow_person)
        self.directory.on_merge.append(
            lambda old, new: tables.follow_person(self.records, old, new))
        self.directory.sync_roster()
        self.records.deployment_id()  # made now, so that readers never have to write it
        self.observer: Observer = NO_OBSERVER  # told of every command answered (metrics)
        # what each message a notice says is written from, when it is sent
        self.messages: Mapping[str, Composer] = MESSAGES

    def handle(self, command: Command, settlement: Settlement | None = None) -> Reply:
        """Answer one command. Never raises: every failure becomes a sentence. With a
        `settlement`, the answer is kept there, in the transaction of the effect. A command
        whose transaction collided with another (another replica's, on a shared store) is
        run again from the start, as if it had just arrived."""
        word = word_of(command)
        reply, outcome = self._handle(command, settlement, word)
        try:
            self.observer.command(command.speaker.platform, word, outcome)
        except Exception:  # watching must never cost an answer
            log.exception("the observer failed")
        return rehearsal.marked(reply) if self.seminar.rehearsal else reply

    def _handle(self, command: Command, settlement: Settlement | None,
                word: str) -> tuple[Reply, str]:
        if settlement is not None:
            settlement = _IfChanged(settlement, self.store)
        try:
            reply = retry_conflicts(lambda: self._answer(command, settlement, word))
            return reply, "repeated" if reply.repeated else "ok"
        except _Refusal as refusal:
            return refusal.reply, "refused"
        except _DoneBefore as done:
            return replace(done.reply, repeated=True), "repeated"
        except StoreError as exc:
            log.error("store write failed: %s", exc)
            lang = self._safe_language(command)
            return Reply(language=lang, ok=False, lines=(t(lang, "error.storage"),)), "error"
        except Exception:
            log.exception("command failed: %r", _verb(command))
            lang = self._safe_language(command)
            return Reply(language=lang, ok=False, lines=(t(lang, "error.internal"),)), "error"

    def _answer(self, command: Command, settlement: Settlement | None, word: str) -> Reply:
        known = grammar.BY_VERB.get(word)
        if known is not None and known.reads:
            try:
                return self._attempts(command, settlement, word, reading=True)
            except WouldWrite:  # it writes after all (a speaker new to the bot, say): nothing
                pass  # was written; once more, in a transaction that may write
        return self._attempts(command, settlement, word, reading=False)

    def _attempts(self, command: Command, settlement: Settlement | None, word: str,
                  reading: bool) -> Reply:
        for attempt in range(1, ATTEMPTS + 1):
            reply = self._attempt(command, settlement, word, reading, last=attempt == ATTEMPTS)
            if reply is not None:
                return reply
        raise RuntimeError("the last attempt always answers")

    def _attempt(self, command: Command, settlement: Settlement | None, word: str,
                 reading: bool, last: bool) -> Reply | None:
        """Run the command once; None when a prepared step's inputs changed while its work
        ran (the caller tries again). On the `last` attempt the work runs in the transaction.
        The transactions are of the command's word: a shared store lets those of a word that
        collided lately take turns. `reading`: they expect no writes (`Word.reads`)."""
        with self.records.transaction(kind=word, reading=reading):
            seen = self._seen(command, settlement)
            if seen is not None:
                return seen
            step = self._run(command)
            if isinstance(step, Reply):
                return self._remember(command, settlement, step)
            ctx, prepared = step
            if last:
                return self._remember(command, settlement, self._finish(
                    ctx, prepared, prepared.work(prepared.inputs)))
        result = prepared.work(prepared.inputs)  # no transaction held: others go on
        with self.records.transaction(kind=word, reading=reading):
            seen = self._seen(command, settlement)
            if seen is not None:
                return seen
            ctx = self._context(command)
            if prepared.read(ctx) != prepared.inputs:
                return None
            return self._remember(command, settlement, self._finish(ctx, prepared, result))

    def _seen(self, command: Command, settlement: Settlement | None) -> Reply | None:
        if settlement is not None:
            earlier = settlement.earlier()
            return replace(earlier, repeated=True) if earlier is not None else None
        if not command.request_key:
            return None
        seen = self.records.seen_reply(command.request_key)
        return replace(Reply.from_dict(seen), repeated=True) if seen is not None else None

    def _remember(self, command: Command, settlement: Settlement | None,
                  reply: Reply) -> Reply:
        if settlement is not None:
            settlement.done(reply)
        elif command.request_key and reply.ok:
            self.records.remember_request(command.request_key, reply.to_dict(),
                                          self.clock.now().isoformat())
        return reply

    def _safe_language(self, command: Command) -> str:
        """The speaker's language when something failed: as for any reply, but without
        trusting the store to answer."""
        try:
            person = self.records.person_by_platform(command.speaker.platform,
                                                     command.speaker.user_id)
        except Exception:
            person = None
        if person is None:
            return language_of(command.speaker.locale) or self.seminar.language
        return self.directory.language(person, command.speaker)

    def _context(self, command: Command) -> Context:
        speaker = command.speaker
        seen = self.directory.identify(speaker)
        if seen.learnt:
            self._learn(seen)
        person = seen.person
        return Context(self, command, person, self.directory.language(person, speaker),
                       self.clock.now())

    def _learn(self, seen: Identified) -> None:
        """Keep what was learnt about who speaks, in the command's transaction (a refused
        command keeps none of it); a platform id new to the bot releases the notices that
        waited for this person."""
        self.directory.remember(seen)
        if seen.new_id:
            self.outbox.release_waiting(seen.person.key)

    def _run(self, command: Command) -> Reply | tuple[Context, Prepared]:
        ctx = self._context(command)
        try:
            reply = self._form(ctx) if command.form_id is not None else self._words(ctx)
        except UserError as exc:
            raise _Refusal(ctx.reply(ok=False, lines=(exc.text,))) from None
        if isinstance(reply, Prepared):
            return ctx, reply
        return self._checked(reply)

    def _finish(self, ctx: Context, prepared: Prepared, result: Any) -> Reply:
        try:
            reply = prepared.finish(ctx, prepared.inputs, result)
        except UserError as exc:
            raise _Refusal(ctx.reply(ok=False, lines=(exc.text,))) from None
        return self._checked(reply)

    @staticmethod
    def _checked(reply: Reply) -> Reply:
        if not reply.ok:
            # A refused form or line: nothing it touched may stay.
            raise _Refusal(reply)
        return reply

    @staticmethod
    def _words(ctx: Context) -> Reply | Prepared:
        verb, rest = grammar.parse(ctx.command.words)
        if verb is None:
            if not rest:
                ctx.fail("error.empty")
            ctx.fail("error.unknown_word", word=rest.split()[0][:40])
        word = grammar.BY_VERB[verb]
        require_word(ctx, word)
        return word.handler(ctx, rest)

    @staticmethod
    def _form(ctx: Context) -> Reply:
        known = grammar.FORMS.get(ctx.command.form_id or "")
        if known is None:
            ctx.fail("error.form_unknown")
        word, submit = known
        require_word(ctx, word)
        return submit(ctx, ctx.command.form or {})


def word_of(command: Command) -> str:
    """The command word as the grammar names it (`tables assign`), `form` for a submitted form,
    `unknown` for words it does not know: a short, fixed set, fit to count by."""
    if command.form_id is not None:
        return "form"
    verb, _ = grammar.parse(command.words)
    return verb or "unknown"


class _IfChanged:
    """A settlement asked and told only when the command wrote something (counted from when
    it was made: one command runs in one thread). Whether the request was done before is
    asked then, at the end of the transaction that holds the effect, not at its start: a
    command that changes nothing (a `status`) reads nothing of its request. The item is held
    by whoever runs it, so it was done before only when its holder lost it (a lease that ran
    out); a command that wrote finds it out in the same transaction, which is then undone
    (`_DoneBefore`), and one that wrote nothing answers afresh, as a read does."""

    def __init__(self, settlement: Settlement, store: WriteWatch) -> None:
        self.settlement = settlement
        self.store = store
        self.before = store.writes()

    def earlier(self) -> Reply | None:
        return None  # asked in `done`, once there is an effect to keep

    def done(self, reply: Reply) -> None:
        if self.store.writes() > self.before:
            earlier = self.settlement.earlier()
            if earlier is not None:
                raise _DoneBefore(earlier)
            self.settlement.done(reply)


class _DoneBefore(Exception):
    """Unwinds the transaction of a command whose request was done before: its effect is
    undone, and the answer it got then is given again."""

    def __init__(self, reply: Reply) -> None:
        super().__init__("done before")
        self.reply = reply


class _Refusal(Exception):
    """Unwinds the transaction so that a refused command changes nothing."""

    def __init__(self, reply: Reply) -> None:
        super().__init__("refused")
        self.reply = reply


def _verb(command: Command) -> str:
    """What a log line says of a command: its first word or its form, never the words after
    them (they may name people)."""
    words = command.words.split(maxsplit=1)
    return words[0][:40] if words else (command.form_id or "")
