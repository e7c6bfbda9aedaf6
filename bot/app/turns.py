"""The turns after an acknowledgement: each inbox item (`bot.app.inbox`) run through the core
and answered by the platform's `Responder`, one person's in the order they came; the core's
part a few at a time, the platform's parts apart (who is speaking: a few dozen at a time; the
answer on its way: as many as are ready), so a platform slow to answer holds back no other
person's turn; at start-up, whatever the last process acknowledged and left undone or
unanswered; at shutdown, the turns in flight finish and the rest stay in the inbox, as they
are, for the next start.

An adapter records an item, acknowledges the request, and hands the item to `submit`. The
responder is the adapter's part: `prepare` completes the command (the speaker's profile, which
the platform gives only on request), `answer` takes the reply where the item's route says.
An answer given after a restart says so, and what it answers.

One person's turns run one after another, in the order `submit` was called: each turn waits
for the one submitted before it for the same person (a chain fixed when it is submitted, so
no later turn can slip in between). With a store that several replicas share, a turn first
takes its item (`Inbox.hold`) and the server keeps what it holds (`keep`: the leases renewed,
and every few seconds the items a dead replica left taken over and answered).

On a store of this process that can leave the wait for the disk to others (TinyDB's
`deferring`), the event loop does the small work itself when the store's lock is free: it keeps
each item before its ack, and it runs the core's part of a command whose word has lately cost
little CPU (under `QUICK`; a word not seen yet, or one that costs more, such as seating the
tables, runs in a worker thread). Then one thread waits for the disk for all of them, and a
turn answers once its writes are on disk, as it would from a thread. This spares each turn a
hop to a thread and back, and the worker threads' wait for the interpreter's lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Protocol, TypeVar

from bot.app.frontdoor import word_of
from bot.app.inbox import RENEW_EVERY, Inbox, Item, ItemState
from bot.core.command import Command
from bot.core.reply import Reply
from bot.i18n.catalogue import t
from bot.i18n.formatting import format_when
from bot.notices.port import DeliveryError
from bot.store.contract import StoreError

log = logging.getLogger("ogpbot.turns")
AT_ONCE = 16  # turns in the core together: their store writes share fsyncs (group commit)
# Turns asking the platform who speaks (users.info) together: enough that a slow answer holds
# back nobody, few enough that a seminar's burst does not run into the platform's rate limit.
ASKING_AT_ONCE = 32
STOP_WITHIN = 25.0  # seconds a stopping server gives the turns in flight
ANSWERED_EVERY = 0.2  # seconds between two writes of the marks of answers given
MARKS_AGAIN = 2.0  # seconds before marks the store refused are written again
LATE_WORDS = 80  # characters of the command quoted in an answer given after a restart
QUICK = 0.002  # CPU seconds under which a command word's core part runs in the event loop
FORGET = 0.9  # each run, a word's remembered cost falls to this share of what it was
Lane = tuple[str, str]
Mark = tuple[str, bool]  # an answered item's key, and whether its answer was a refusal
T = TypeVar("T")


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
    """Runs inbox items through the core (`at_once` at a time) and their responders."""

    def __init__(self, inbox: Inbox, at_once: int = AT_ONCE) -> None:
        self.inbox = inbox
        self.at_once = at_once
        self.responders: dict[str, Responder] = {}
        self._gate: asyncio.Semaphore | None = None
        self._asking: asyncio.Semaphore | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._queued: set[str] = set()  # keys submitted here and not ended
        self._last: dict[Lane, asyncio.Future[None]] = {}  # each person's latest turn's end
        self._marks: list[Mark] = []  # answers given, their marks not written yet
        self._marking: list[Mark] = []  # being written
        self._flusher: asyncio.Task[None] | None = None
        self._keeper: asyncio.Task[None] | None = None
        # writes made in the loop, each waiting for the disk
        self._unsettled: list[tuple[list[int], asyncio.Future[None]]] = []
        self._settler: asyncio.Task[None] | None = None
        self._cost: dict[str, float] = {}  # each word's core part: its CPU seconds, lately
        self._stopping = False

    def register(self, responder: Responder) -> None:
        self.responders[responder.platform] = responder

    async def record(self, item: Item) -> bool:
        """Keep `item` in the inbox durably, before its acknowledgement (`Inbox.record`): False
        when the platform sent it before; `StoreError` when it cannot be kept. In the event
        loop when the store allows (see the module's docstring): an acknowledgement then waits
        for its fsync, not for a worker thread to get the interpreter's lock."""
        done, fresh = await self._in_loop(lambda: self.inbox.record(item))
        if done:
            return bool(fresh)
        return await asyncio.to_thread(self.inbox.record, item)

    async def _in_loop(self, work: Callable[[], T]) -> tuple[bool, T | None]:
        """`(True, what work gave)` once `work`, run here in the event loop, and its writes
        are on disk; `(False, None)` without running it when the store cannot defer the wait
        for the disk or its lock is taken (the caller then runs it in a thread). The store's
        refusal to keep the writes is raised, as `work`'s own exception is."""
        store = self.inbox.store
        deferring = getattr(store, "deferring", None)
        uncontended = getattr(store, "uncontended", None)
        if deferring is None or uncontended is None:
            return False, None
        tickets: list[int] = []
        result: T | None = None
        failure: Exception | None = None
        with uncontended() as free:
            if free:
                with deferring() as tickets:
                    try:
                        result = work()
                    except Exception as exc:  # what it wrote before still waits for the disk
                        failure = exc
        if not free:
            return False, None
        if tickets:
            await self._settled(tickets)
        if failure is not None:
            raise failure
        return True, result

    async def _settled(self, tickets: list[int]) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._unsettled.append((tickets, future))
        if self._settler is None or self._settler.done():
            self._settler = asyncio.get_running_loop().create_task(self._settle())
        await future

    async def _settle(self) -> None:
        """Wait for the disk on behalf of every item kept in the loop so far, in one thread."""
        while self._unsettled:
            waiting, self._unsettled = self._unsettled, []
            failures: list[StoreError | None]
            try:
                failures = await asyncio.to_thread(self._settle_all, [t for t, _ in waiting])
            except Exception as exc:  # not the store's refusal: still no ack, never a hang
                log.exception("inbox: could not wait for the disk")
                failures = [StoreError(f"could not wait for the disk: {type(exc).__name__}")
                            for _ in waiting]
            for (_, future), failure in zip(waiting, failures, strict=True):
                if future.done():
                    continue
                if failure is None:
                    future.set_result(None)
                else:
                    future.set_exception(failure)

    def _settle_all(self, waiting: list[list[int]]) -> list[StoreError | None]:
        failures: list[StoreError | None] = []
        for tickets in waiting:
            try:
                self.inbox.store.settle(tickets)  # type: ignore[attr-defined]
                failures.append(None)
            except StoreError as exc:
                failures.append(exc)
        return failures

    def submit(self, item: Item, *, reply: Reply | None = None,
               resumed: bool = False) -> None:
        """Run `item` (unless a `reply` is given: then only answer it) after the ack, after
        every turn of the same person submitted before it."""
        if self._stopping or item.key in self._queued:
            return  # it stays in the inbox for the next start; or it is on its way here
        loop = asyncio.get_running_loop()
        speaker = item.command.speaker
        lane = (speaker.platform, speaker.user_id)
        before = self._last.get(lane)
        ended: asyncio.Future[None] = loop.create_future()
        self._last[lane] = ended
        self._queued.add(item.key)
        task = loop.create_task(self._turn(item, reply, resumed, lane, before, ended))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def resume(self) -> int:
        """Submit what the last process acknowledged and did not finish (with a shared store:
        what no live replica holds); how many."""
        if self.inbox.store.shared:
            items = await asyncio.to_thread(self.inbox.take_ready, self.at_once)
            self.inbox.let_go(item.key for item in items)  # each turn takes its own
        else:
            items = await asyncio.to_thread(self.inbox.unfinished)
        for item in items:
            self.submit(item, reply=item.reply if item.state is ItemState.DONE else None,
                        resumed=True)
        if items:
            log.info("inbox: %d request(s) acknowledged before the restart are being done "
                     "and answered", len(items))
        return len(items)

    async def _turn(self, item: Item, reply: Reply | None, resumed: bool, lane: Lane,
                    before: asyncio.Future[None] | None, ended: asyncio.Future[None]) -> None:
        if self._gate is None:
            self._gate = asyncio.Semaphore(self.at_once)
            self._asking = asyncio.Semaphore(ASKING_AT_ONCE)
        given: Reply | None = None
        held = False
        try:
            held = await self._hold(item)
            if before is not None:
                await before  # one person's requests in the order they came
            if held:
                given = await self._begin(item, reply, resumed)
        finally:
            ended.set_result(None)
            if self._last.get(lane) is ended:
                del self._last[lane]
            self._queued.discard(item.key)
        if given is not None:
            self._mark_answered(item.key, not given.ok)

    async def _hold(self, item: Item) -> bool:
        if not self.inbox.store.shared or self.inbox.fresh(item.key):
            return self.inbox.hold(item)  # in memory: no need to leave the loop
        return await asyncio.to_thread(self.inbox.hold, item)

    def _mark_answered(self, key: str, refused: bool) -> None:
        """Marks of answers given are written together, every `ANSWERED_EVERY` seconds: no
        turn waits for one, and many cost one write. A crash may lose the last ones; those
        answers are then given again at the next start (the work is not done again)."""
        self._marks.append((key, refused))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.get_running_loop().create_task(self._flush_answered())

    async def _flush_answered(self, wait: float = ANSWERED_EVERY) -> None:
        """Write the marks, again and again until none is left: a mark added while the
        store writes the others is written next, never left waiting for another answer."""
        await asyncio.sleep(wait)
        while self._marks:
            self._marking, self._marks = self._marks, []
            try:
                await asyncio.to_thread(self.inbox.answered_all, self._marking)
            except Exception:
                log.exception("inbox: %d answer(s) could not be marked; tried again in %.0f s "
                              "(or given again at the next start)", len(self._marking),
                              MARKS_AGAIN)
                self._marks[:0] = self._marking
                self._marking = []
                if self._stopping:
                    return
                await asyncio.sleep(MARKS_AGAIN)
            else:
                self._marking = []

    async def _written(self) -> None:
        """Until every mark added so far is written (or the store refused it)."""
        while self._flusher is not None and not self._flusher.done():
            await asyncio.shield(self._flusher)
        if self._marks:
            self._flusher = asyncio.get_running_loop().create_task(self._flush_answered(0))
            await asyncio.shield(self._flusher)

    async def _begin(self, item: Item, reply: Reply | None, resumed: bool) -> Reply | None:
        """Run and answer the held item; the reply its person was given (to be marked
        answered), or None."""
        if self._stopping:
            self.inbox.let_go([item.key], others_may=True)
            return None  # not begun: it stays in the inbox, as it is
        responder = self.responders.get(item.platform)
        if responder is None:
            log.warning("inbox: no %s adapter is on; %s waits for one", item.platform,
                        item.key)
            self.inbox.let_go([item.key], others_may=True)
            return None
        try:
            return await self._run(responder, item, reply, resumed)
        except Exception:
            # Still held here (its lease renewed while this process lives): it is tried again
            # at the next start, or by another replica once this one is gone.
            log.exception("inbox: the turn of %s failed; it is tried again at the next "
                          "start", item.key)
            return None

    async def _run(self, responder: Responder, item: Item, reply: Reply | None,
                   resumed: bool) -> Reply | None:
        if reply is None:
            assert self._gate is not None and self._asking is not None
            async with self._asking:  # the platform's part: not held by the core's turns
                command = await responder.prepare(item)
            queued = self._gate.locked()  # behind other turns' core parts, not in flight
            async with self._gate:  # the core's part, `at_once` at a time
                if queued and self._stopping:
                    self.inbox.let_go([item.key], others_may=True)
                    return None  # not begun: it stays in the inbox, as it is
                reply = await self._core(item.key, command)
            if reply is None or reply.repeated:
                # answered, or being answered, by whoever did it first
                self.inbox.let_go([item.key])
                return None
        if resumed:
            reply = self._late(item, reply)
        try:
            await responder.answer(item, reply)
        except DeliveryError as exc:
            await asyncio.to_thread(self.inbox.answer_later, item, reply, exc.reason)
            return None
        return reply

    async def _core(self, key: str, command: Command) -> Reply | None:
        """The core's part of a turn (`Inbox.run`): in the event loop when its word has lately
        cost under `QUICK` of CPU and the store allows (see the module's docstring), else in
        a worker thread. Either way its CPU time is what its word is remembered to cost."""
        word = word_of(command)
        if self._cost.get(word, QUICK) < QUICK:
            try:
                done, reply = await self._in_loop(lambda: self._timed(word, key, command))
            except StoreError as exc:
                # The disk refused its writes, and they were undone: it runs again in a
                # thread, which meets the refusal itself and answers it (or finds the disk back).
                log.warning("inbox: %s could not be kept (%s); run again", key, exc)
                done, reply = False, None
            if done:
                return reply
        return await asyncio.to_thread(self._timed, word, key, command)

    def _timed(self, word: str, key: str, command: Command) -> Reply | None:
        began = time.thread_time()  # this thread's CPU: not blurred by others or the disk
        try:
            return self.inbox.run(key, command)
        finally:
            took = time.thread_time() - began
            self._cost[word] = max(took, self._cost.get(word, took) * FORGET)

    def _late(self, item: Item, reply: Reply) -> Reply:
        """The reply with a first line saying what it answers, and why it comes late."""
        lang = reply.language
        words = item.command.words or t(lang, "propose.form_title")
        if len(words) > LATE_WORDS:
            words = words[:LATE_WORDS - 1] + "…"
        when = format_when(item.received_at, lang, self.inbox.bot.seminar.timezone)
        note = t(lang, "inbox.late_answer", when=when, words=words)
        return replace(reply, lines=(note, *reply.lines))

    # -- what a server keeps running -----------------------------------------------------------

    def keep(self) -> None:
        """With a shared store: renew this process's leases and take over what a dead replica
        left, every `RENEW_EVERY` seconds, until `stop` (nothing to do otherwise)."""
        if self.inbox.store.shared and self._keeper is None:
            self._keeper = asyncio.get_running_loop().create_task(self._keep(),
                                                                  name="ogpbot-inbox-leases")

    async def _keep(self) -> None:
        while not self._stopping:
            await self.inbox.bot.clock.sleep(RENEW_EVERY)  # leases run on the process's clock
            try:
                await asyncio.to_thread(self.inbox.renew)
                taken = await asyncio.to_thread(self.inbox.take_ready, self.at_once)
            except Exception as exc:
                log.warning("inbox: could not keep the leases or look for left work: %s", exc)
                continue
            if taken:
                log.info("inbox: %d request(s) another replica left are being done and "
                         "answered", len(taken))
            self.inbox.let_go(item.key for item in taken)  # each turn takes its own
            for item in taken:
                self.submit(item, reply=item.reply if item.state is ItemState.DONE else None,
                            resumed=True)

    def depth(self) -> int:
        """How many acknowledged requests are not answered yet (from any thread)."""
        given = {key for key, _ in (*self._marks, *self._marking)}  # marks not written yet
        return sum(item.key not in given for item in self.inbox.unfinished())

    async def wait(self) -> None:
        """Until every turn submitted so far has ended, and its answer is marked."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))
        await self._written()

    async def stop(self, within: float = STOP_WITHIN) -> None:
        """Begin no more turns; let those in flight finish, for at most `within` seconds."""
        self._stopping = True
        if self._keeper is not None:
            self._keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._keeper
            self._keeper = None
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
        await self._written()
