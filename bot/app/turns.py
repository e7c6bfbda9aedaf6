"""The turns after an acknowledgement: each inbox item (`bot.app.inbox`) run through the core
and answered by the platform's `Responder`, a few at a time and one person's in the order
they came; at start-up, whatever the last process acknowledged and left undone or
unanswered; at shutdown, the turns in flight finish and the rest stay in the inbox, as they
are, for the next start.

An adapter records an item, acknowledges the request, and hands the item to `submit`. The
responder is the adapter's part: `prepare` completes the command (the speaker's profile, which
the platform gives only on request), `answer` takes the reply where the item's route says.
An answer given after a restart says so, and what it answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import replace
from typing import Protocol

from bot.app.inbox import Inbox, Item, ItemState
from bot.core.command import Command
from bot.core.reply import Reply
from bot.i18n.catalogue import t
from bot.i18n.formatting import format_when
from bot.notices.port import DeliveryError

log = logging.getLogger("ogpbot.turns")
AT_ONCE = 16  # turns running together: their store writes share fsyncs (group commit)
STOP_WITHIN = 25.0  # seconds a stopping server gives the turns in flight
ANSWERED_EVERY = 0.2  # seconds between two writes of the marks of answers given
LATE_WORDS = 80  # characters of the command quoted in an answer given after a restart


class Responder(Protocol):
    """A platform's side of a turn."""

    platform: str

    async def prepare(self, item: Item) -> Command:
        """The item's command, completed with what the platform can tell now."""
        ...

    async def answer(self, item: Item, reply: Reply) -> None:
        """Take `reply` to the person the way the item's route says (or the best way left);
        `DeliveryError` when no way is open now (the outbox then takes it over)."""
        ...


class Turns:
    """Runs inbox items through the core and their responders, `at_once` at a time."""

    def __init__(self, inbox: Inbox, at_once: int = AT_ONCE) -> None:
        self.inbox = inbox
        self.at_once = at_once
        self.responders: dict[str, Responder] = {}
        self._gate: asyncio.Semaphore | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._lanes: dict[tuple[str, str], asyncio.Lock] = {}
        self._answered: list[str] = []
        self._marking: set[str] = set()
        self._flusher: asyncio.Task[None] | None = None
        self._stopping = False

    def register(self, responder: Responder) -> None:
        self.responders[responder.platform] = responder

    def submit(self, item: Item, *, reply: Reply | None = None,
               resumed: bool = False) -> None:
        """Run `item` (unless a `reply` is given: then only answer it) after the ack."""
        if self._stopping:
            return  # it stays in the inbox for the next start
        task = asyncio.get_running_loop().create_task(self._turn(item, reply, resumed))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def resume(self) -> int:
        """Submit what the last process acknowledged and did not finish; how many."""
        items = await asyncio.to_thread(self.inbox.unfinished)
        for item in items:
            self.submit(item, reply=item.reply if item.state is ItemState.DONE else None,
                        resumed=True)
        if items:
            log.info("inbox: %d request(s) acknowledged before the restart are being done "
                     "and answered", len(items))
        return len(items)

    async def _turn(self, item: Item, reply: Reply | None, resumed: bool) -> None:
        if self._gate is None:
            self._gate = asyncio.Semaphore(self.at_once)
        speaker = item.command.speaker
        lane = (speaker.platform, speaker.user_id)
        lock = self._lanes.setdefault(lane, asyncio.Lock())
        try:
            async with lock, self._gate:  # one person's requests in the order they came
                answered = await self._begin(item, reply, resumed)
        finally:
            if not lock.locked() and self._lanes.get(lane) is lock:
                del self._lanes[lane]
        if answered:
            self._mark_answered(item.key)

    def _mark_answered(self, key: str) -> None:
        """Marks of answers given are written together, every `ANSWERED_EVERY` seconds: no
        turn waits for one, and many cost one write. A crash may lose the last ones; those
        answers are then given again at the next start (the work is not done again)."""
        self._answered.append(key)
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.get_running_loop().create_task(self._flush_answered())

    async def _flush_answered(self, wait: float = ANSWERED_EVERY) -> None:
        await asyncio.sleep(wait)
        keys, self._answered = self._answered, []
        if keys:
            self._marking.update(keys)
            try:
                await asyncio.to_thread(self.inbox.answered_all, keys)
            except Exception:
                log.exception("inbox: %d answer(s) could not be marked; they are given again "
                              "at the next start", len(keys))
            finally:
                self._marking.difference_update(keys)

    async def _begin(self, item: Item, reply: Reply | None, resumed: bool) -> bool:
        """Run and answer the item; whether its answer went out (to be marked answered)."""
        if self._stopping:
            return False  # not begun: it stays in the inbox, as it is
        responder = self.responders.get(item.platform)
        if responder is None:
            log.warning("inbox: no %s adapter is on; %s waits for one", item.platform,
                        item.key)
            return False
        try:
            return await self._run(responder, item, reply, resumed)
        except Exception:
            log.exception("inbox: the turn of %s failed; it is tried again at the next "
                          "start", item.key)
            return False

    async def _run(self, responder: Responder, item: Item, reply: Reply | None,
                   resumed: bool) -> bool:
        if reply is None:
            command = await responder.prepare(item)
            reply = await asyncio.to_thread(self.inbox.run, item.key, command)
            if reply is None or reply.repeated:
                return False  # answered, or being answered, by whoever did it first
        if resumed:
            reply = self._late(item, reply)
        try:
            await responder.answer(item, reply)
        except DeliveryError as exc:
            await asyncio.to_thread(self.inbox.answer_later, item, reply, exc.reason)
            return False
        return True

    def _late(self, item: Item, reply: Reply) -> Reply:
        """The reply with a first line saying what it answers, and why it comes late."""
        lang = reply.language
        words = item.command.words or t(lang, "propose.form_title")
        if len(words) > LATE_WORDS:
            words = words[:LATE_WORDS - 1] + "…"
        when = format_when(item.received_at, lang, self.inbox.bot.seminar.timezone)
        note = t(lang, "inbox.late_answer", when=when, words=words)
        return replace(reply, lines=(note, *reply.lines))

    def depth(self) -> int:
        """How many acknowledged requests are not answered yet (from any thread)."""
        given = {*self._answered, *self._marking}  # answered, their marks not written yet
        return sum(item.key not in given for item in self.inbox.unfinished())

    async def wait(self) -> None:
        """Until every turn submitted so far has ended, and its answer is marked."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))
        await self._flush_answered(0)

    async def stop(self, within: float = STOP_WITHIN) -> None:
        """Begin no more turns; let those in flight finish, for at most `within` seconds."""
        self._stopping = True
        pending = set(self._tasks)
        late: set[asyncio.Task[None]] = set()
        if pending:
            _, late = await asyncio.wait(pending, timeout=within)
        for task in late:
            task.cancel()
        for task in late:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if late:
            log.warning("inbox: %d turn(s) did not finish within %.0f s; they are done at "
                        "the next start", len(late), within)
        await self._flush_answered(0)
