"""The dispatcher: delivers the outbox's notices through the platforms' notifiers, each once.

It sleeps until the next notice is due (a newly scheduled notice wakes it, in this process or,
through the store's `notify`, in any replica), claims the due notices, and hands each to the
lane of its conversation: lanes send in parallel with each other, one notice after another
within a lane, paced to the platform's limit (each `Notifier` declares its `pace`; the pace of
each conversation is booked in the store, so replicas together keep it, and counted from the
platform's answer to the last message there, as the platform counts it). Each notice is
claimed for a lease (renewed while this process lives), marked `sending` in the store before
it goes out and `sent` after, so a crash can repeat at most the notices that were in flight at
that instant, and no two replicas send the same notice.

Lanes are independent: each notice's claim is given up on its own once that notice is done
with (sent, put back, failed or skipped), in the write that records its outcome, so a failure
or a slow send in one lane never releases or delays another's notices; a write that fails
after the platform took a notice is tried again, never taken as a reason to send it again.
While lanes send, the dispatcher keeps taking the notices that fall due, and a person who
must first be looked up by e-mail (which may take a platform up to a minute) is looked up
beside the rounds, not in their way.

The restart rule (also in docs/process.md):
- a notice found in `sending` was in flight when its process died: it may or may not have
  reached the platform, so it is sent again (the contract lets exactly that notice repeat;
  losing it is worse than showing it twice). With a store that one process owns (TinyDB),
  that happens at start-up; with a shared one (PostgreSQL), when the dead replica's lease on it
  runs out, not at every start, so a replica starting never resends another's send in flight;
- a notice more than `LATE_AFTER` past its due time is still sent while it matters, with a
  line saying it is late, and `late` set in the store;
- a notice past its `stale_after` (an agenda heads-up once the item has started, an item's
  start notice once the item is over, a reminder or invitation once the meeting has begun)
  is skipped, with the reason recorded.

A send whose answer never came (a time-out, a connection lost, a server error, a crash while
sending) leaves its notice in doubt: before it goes again, the notifier is asked whether it
arrived (`Notifier.delivered`: Slack reads the message's metadata back from the
conversation's history), and it is marked sent instead when it did. Only where the platform
cannot tell (Teams) is it sent again blindly, and the log says it may repeat.

Failures: a passing failure (429, 5xx, a timeout) puts the notice back with `not_before` set
from the platform's `retry_after`, or an exponential back-off with jitter capped at
`MAX_BACKOFF`. A notice waits out an outage however long it lasts, until it no longer matters
(its `stale_after`) or `GIVE_UP_AFTER` has passed since it was due: the number of attempts
alone never fails one. A permanent failure (or passing ones for all of `GIVE_UP_AFTER`) marks
it `failed` with the reason, and the coordinators are told once per place and reason
(`bot.notices.alerts`).

Beside this module: `destinations` (where a target goes), `composing` (a notice's words at
send time), `write_batch` (the grouped store writes) and the state transitions themselves on
the outbox (`bot.notices.outbox`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
import uuid
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from bot.core.clock import nap, protocol_seconds
from bot.core.model import Person
from bot.core.notice import Notice, NoticeState, Target, TargetKind
from bot.core.observe import NO_OBSERVER, Observer
from bot.core.redact import pseudonym, scrub
from bot.core.rehearsal import marked
from bot.core.tracing import REQUEST_ID
from bot.notices import destinations
from bot.notices.alerts import alert_coordinators, target_label
from bot.notices.composing import LATE_AFTER, compose
from bot.notices.destinations import Destination, Unreached, Via
from bot.notices.outbox import OUTBOX
from bot.notices.port import DeliveryError, FileAttachment, Notifier
from bot.notices.write_batch import CallBatch, WriteBatch
from bot.store.contract import StoreError

if TYPE_CHECKING:
    from bot.notices.host import Host

__all__ = ["CLAIM_BATCH", "LATE_AFTER", "LEASE", "RESENT", "Destination", "Dispatcher",
           "Unreached", "backoff", "in_log"]

log = logging.getLogger("ogpbot.dispatcher")

MAX_BACKOFF = 300.0  # seconds: the longest wait between two tries of a passing failure
GIVE_UP_AFTER = timedelta(days=7)  # passing failures since the due time: then it is failed
SEND_TIMEOUT = 60.0
PARALLEL = 64
STOP_WITHIN = 25.0  # seconds a stopping dispatcher lets the sends in flight finish
WAIT_FOR_PERSON = timedelta(minutes=15)  # a person not reachable yet: look again this often
GIVE_UP_WAITING = timedelta(days=30)
SHARED_NAP = 30.0  # real seconds: with a shared store, look this often, in case a wake-up was lost
LEASE = 15.0  # seconds a claim on a notice lasts unless renewed (a dead replica's runs out)
RENEW_EVERY = LEASE / 3
CLAIM_BATCH = 2 * PARALLEL  # notices held at once: the rest are left to other replicas
STORE_PAUSE = 60.0  # the longest pause before a notice whose write failed is tried again
PACING = "pacing"  # the store's bookings of each conversation's next free moment
RESENT = "interrupted while sending; sent again (it may repeat once)"
FOUND = "its answer never came, but it had arrived: not sent again"

Lane = tuple[str, str, str]


class _Flight:
    """What one dispatcher has taken and not yet done with, on one event loop: the notices it
    holds, the lane of each conversation and when each is free again, the people being looked
    up, and the tasks doing it."""

    def __init__(self, parallel: int) -> None:
        self.loop = asyncio.get_running_loop()
        self.keys: set[str] = set()  # every notice held, from its claim to its outcome
        self.lanes: dict[Lane, deque[tuple[Notice, Destination]]] = {}
        self.waiting_for: dict[str, list[Notice]] = {}  # person key -> notices awaiting them
        self.lookups: set[asyncio.Task[None]] = set()
        self.tasks: set[asyncio.Task[None]] = set()
        self.gate = asyncio.Semaphore(parallel)
        self.stopped = asyncio.Event()  # set by `stop`: ends every pause at once
        self.idle = asyncio.Event()
        self.idle.set()
        self.saturated = False  # holding CLAIM_BATCH: take more once some are done with
        self.unreleased: set[str] = set()  # claims whose release failed: released again
        # per conversation, the real second its pace runs out, counted from the platform's
        # answer to the last message sent there (its slot was booked before that message
        # waited for a sending slot; the platform counts from when the message reached it)
        self.answered: dict[str, float] = {}
        self.forget_at = CLAIM_BATCH  # how many `answered` may hold before the past go
        self.failures: Counter[str] = Counter()  # per notice, writes that failed before sending

    def spawn(self, work: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        task = self.loop.create_task(work, name=name)
        self.tasks.add(task)
        self.idle.clear()
        task.add_done_callback(self._ended)
        return task

    def _ended(self, task: asyncio.Task[None]) -> None:
        self.tasks.discard(task)
        self.lookups.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("notices: a delivery task failed", exc_info=task.exception())
        if not self.tasks:
            self.idle.set()


class Dispatcher:
    """Sends due notices through `notifiers` (platform -> Notifier) and records each outcome."""

    def __init__(self, bot: Host, notifiers: Mapping[str, Notifier], *,
                 pace: Mapping[str, float] | None = None, public_url: str = "",
                 parallel: int = PARALLEL,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 scope: Mapping[str, Any] | None = None,
                 observer: Observer = NO_OBSERVER) -> None:
        self.bot = bot
        self.observer = observer
        # only the notices whose stored fields equal `scope` are this dispatcher's; the rest are
        # left untouched (the console delivers the notices of its one person: `for_person`)
        self.scope: dict[str, Any] = dict(scope or {})
        self.notifiers = dict(notifiers)
        # seconds between two messages to one conversation, per platform: each notifier's own
        # `pace` unless given here
        self.pace: dict[str, float] | None = None if pace is None else dict(pace)
        self.public_url = public_url.rstrip("/")
        self.parallel = parallel
        self.stats: Counter[str] = Counter()
        # who holds this dispatcher's claims in the store: unique to the process and to it
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._sleep = sleep
        self._batch = WriteBatch(bot.store, self.stats)
        self._bookings = CallBatch()  # the conversations' paces, booked in the store
        self._flight: _Flight | None = None
        self._event: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._renewer: asyncio.Task[None] | None = None
        self._listening = False
        self._stopping = False

    # -- life cycle --------------------------------------------------------------------------

    async def start(self) -> None:
        """Resolve what a crash left behind, then run in the background."""
        self._event = asyncio.Event()
        self._stopping = False
        self._flight = _Flight(self.parallel)
        if not self._listening:
            self._listening = True
            await asyncio.to_thread(self.bot.signals.listen, OUTBOX, lambda _what: self.wake())
        await self._batch.run(self.bot.outbox.upgrade)
        await self.recover()
        self._renewer = asyncio.create_task(self._renew(), name="ogpbot-dispatcher-leases")
        self._task = asyncio.create_task(self._run(), name="ogpbot-dispatcher")

    @property
    def running(self) -> bool:
        """Whether the dispatcher's task is alive (started, not stopped, not crashed)."""
        return self._task is not None and not self._task.done()

    async def stop(self, within: float = STOP_WITHIN) -> None:
        """Start no more sends, let those in flight finish (they are marked sent or put back
        as their answer says), for at most `within` seconds; whatever has not begun stays
        pending in the outbox for the next start (or another replica). A send still running
        after `within` is cut off and stays `sending`: it is sent again (the restart rule)."""
        if self._task is None:
            return
        # The flag ends the loop even when a wake-up and the stop race each other.
        self._stopping = True
        if self._event is not None:
            self._event.set()
        task, self._task = self._task, None
        flight = self._flight
        if flight is not None:
            flight.stopped.set()

        async def settled() -> None:
            await asyncio.shield(task)
            if flight is not None:
                for lookup in list(flight.lookups):  # nothing they began must finish
                    lookup.cancel()
                await flight.idle.wait()

        try:
            await asyncio.wait_for(settled(), within)
        except TimeoutError:
            log.warning("notices: sends still running after %.0f s were cut off; they go again "
                        "at the next start", within)
            for running in [task, *(flight.tasks if flight is not None else ())]:
                running.cancel()
            for running in [task, *(flight.tasks if flight is not None else ())]:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await running
        except Exception:
            log.exception("notices: the dispatcher failed while stopping")
        if flight is not None and flight.keys:  # cut off: another replica may take them now
            await self._release(flight, sorted(flight.keys))
        if self._renewer is not None:  # after the sends: their claims lasted while they ran
            self._renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._renewer
            self._renewer = None
        log.info("notices: dispatcher stopped; what was not sent waits in the outbox")

    def wake(self) -> None:
        """Look at the outbox again now (safe from any thread)."""
        flight, event = self._flight, self._event
        if flight is None or event is None or flight.loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is flight.loop:
            event.set()
        else:
            flight.loop.call_soon_threadsafe(event.set)

    async def _run(self) -> None:
        """Rounds, each followed by a nap on the clock until the next notice it may take is
        due (or a wake-up: something new was scheduled, a notice was put back or made room,
        or the dispatcher is stopping)."""
        assert self._event is not None and self._flight is not None
        flight = self._flight
        longest = SHARED_NAP if self.bot.store.shared else None
        clock = self.bot.clock
        while not self._stopping:
            self._event.clear()
            until: datetime | None
            try:
                await self._take(flight)
                if self._stopping:
                    break
                if flight.saturated:
                    until = None  # woken when a notice held is done with
                else:
                    until = await asyncio.to_thread(self._next_due, frozenset(flight.keys))
            except Exception:
                log.exception("dispatcher round failed; trying again in a minute")
                until = clock.now() + timedelta(minutes=1)
            await nap(clock, until, self._event, longest)

    async def _renew(self) -> None:
        """Keep this dispatcher's claims alive while it runs (leases are in the clock's time,
        as the due times they are compared with)."""
        while True:
            await self.bot.clock.sleep(RENEW_EVERY)
            until = self.bot.clock.now().timestamp() + LEASE
            try:
                await asyncio.to_thread(self.bot.store.renew, OUTBOX, self.owner, until)
            except StoreError as exc:
                log.warning("could not renew the claims on notices: %s", exc)

    def next_due(self) -> datetime | None:
        """The moment the next notice of this dispatcher's may go (one it is not sending
        already), or None: for whoever runs its rounds (`run_due`) on a clock of their own."""
        flight = self._flight
        return self._next_due(frozenset(flight.keys) if flight is not None else frozenset())

    def _next_due(self, held: frozenset[str]) -> datetime | None:
        """The moment the next notice this dispatcher does not hold already may go, or None."""
        first = self.bot.store.next_ready(OUTBOX, self.owner, excluding=held, **self.scope)
        return None if first is None else datetime.fromtimestamp(first, UTC)

    # -- the restart rule ----------------------------------------------------------------------

    async def recover(self) -> int:
        """With a store this process owns: notices left `sending` by a crash go back to
        `pending`, to be sent again. A shared store's are taken over when their lease runs out
        (as `run_due` claims them), never at start-up: their replica may still be sending."""
        if self.bot.store.shared:
            return 0
        count: int = await self._batch.run(partial(self.bot.outbox.recover, RESENT))
        if count:
            log.warning("%d notice(s) were in flight when the bot stopped; sending them again",
                        count)
        return count

    # -- taking the notices that are due -------------------------------------------------------

    async def run_due(self) -> int:
        """Take the notices that are due now, and return once every notice this dispatcher
        holds is done with (sent, put back, failed, skipped or waiting); how many were taken."""
        flight = self._flight_here()
        taken = await self._take(flight)
        await flight.idle.wait()
        return taken

    def _flight_here(self) -> _Flight:
        loop = asyncio.get_running_loop()
        if self._flight is None or self._flight.loop is not loop or (
                self._task is None and self._flight.loop.is_closed()):
            self._flight = _Flight(self.parallel)
        return self._flight

    async def _take(self, flight: _Flight) -> int:
        """Claim the notices due now that are not held already (up to `CLAIM_BATCH` held in
        all) and set each on its way: to its lane, to a look-up of its person, or skipped.
        Returns at once: nothing here waits for a send."""
        if flight.unreleased:
            await self._release(flight, sorted(flight.unreleased))
        room = CLAIM_BATCH - len(flight.keys)
        flight.saturated = room <= 0
        if flight.saturated:
            return 0
        now = self.bot.clock.now()
        # what is held already is neither read again nor leased again (`_renew` keeps it)
        fresh, ready = await asyncio.to_thread(self._claim_ready, now, room,
                                               frozenset(flight.keys))
        flight.keys.update(n.key for n in fresh)
        later = {n.key for n in fresh} - {n.key for n, _ in ready}
        if later:
            flight.keys.difference_update(later)
            await self._release(flight, sorted(later))
        for notice, where in ready:
            if isinstance(where, Destination):
                self._enqueue(flight, notice, where)
            elif isinstance(where, Unreached):
                waiting = flight.waiting_for.setdefault(where.person.key, [])
                waiting.append(notice)
                if len(waiting) == 1:
                    flight.lookups.add(flight.spawn(
                        self._look_up(flight, where.person, now), "ogpbot-notice-lookup"))
            else:
                flight.spawn(self._finish(flight, notice.key,
                                          partial(self._skip_op, notice.key, where, now)),
                             "ogpbot-notice-skip")
        return len(ready)

    def _claim_ready(self, now: datetime, limit: int, held: frozenset[str]) -> tuple[
            list[Notice], list[tuple[Notice, Destination | Unreached | str]]]:
        """Claim up to `limit` notices due `now` besides those `held`; them, and where each
        of those still due goes (in one hop to a worker thread)."""
        claimed = self._claim(now, limit, held)
        return claimed, self._ready(claimed, now)

    def _claim(self, now: datetime, limit: int = CLAIM_BATCH,
               held: frozenset[str] = frozenset()) -> list[Notice]:
        docs = self.bot.store.claim(OUTBOX, self.owner, now.timestamp(), LEASE, limit,
                                    excluding=held, **self.scope)
        return [Notice.from_dict(doc) for _, doc in docs]

    def _ready(self, claimed: list[Notice],
               now: datetime) -> list[tuple[Notice, Destination | Unreached | str]]:
        out: list[tuple[Notice, Destination | Unreached | str]] = []
        for notice in claimed:
            if notice.ready_at > now:
                continue
            if notice.stale_after is not None and now >= notice.stale_after:
                out.append((notice, _stale_reason(notice)))
            else:
                out.append((notice, self.resolve(notice.target)))
        return out

    def resolve(self, target: Target) -> Destination | Unreached | str:
        """The destination of `target` now, a person not reachable yet, or why there is none."""
        return destinations.resolve(self.bot.records, self.notifiers, target)

    def _enqueue(self, flight: _Flight, notice: Notice, where: Destination) -> None:
        queue = flight.lanes.get(where.lane)
        if queue is not None:
            queue.append((notice, where))
            return
        flight.lanes[where.lane] = deque([(notice, where)])
        flight.spawn(self._lane(flight, where.lane), "ogpbot-notice-lane")

    async def _look_up(self, flight: _Flight, person: Person, now: datetime) -> None:
        """Ask the platforms for a person not reachable yet; then send what waited for them,
        or keep it waiting."""
        found: Destination | None = None
        try:
            found = await destinations.look_up(self.notifiers, person)
            if found is not None:
                await self._batch.run(partial(destinations.link, self.bot.records, person.key,
                                              found.platform, found.address))
        except asyncio.CancelledError:
            found = None
            raise
        except Exception:
            log.warning("looking up %s failed", pseudonym(person.key), exc_info=True)
            found = None
        finally:
            notices = flight.waiting_for.pop(person.key, [])
            if found is not None and not self._stopping:
                for notice in notices:
                    self._enqueue(flight, notice, found)
            elif notices and self._stopping:
                flight.keys.difference_update(n.key for n in notices)
                flight.spawn(self._release(flight, [n.key for n in notices]),
                             "ogpbot-notice-release")
            else:
                for notice in notices:
                    flight.spawn(self._finish(flight, notice.key, partial(
                        self._wait_op, notice.key, person, now)), "ogpbot-notice-wait")

    # -- the lanes -----------------------------------------------------------------------------

    async def _lane(self, flight: _Flight, lane: Lane) -> None:
        """Send one conversation's notices one after another, each at its pace."""
        queue = flight.lanes[lane]
        try:
            while queue and not self._stopping:
                notice, where = queue[0]
                going_on = await self._deliver(flight, notice, where)
                queue.popleft()
                if not going_on:
                    break  # the platform asked this conversation to wait: the rest waits too
        finally:
            rest = [notice.key for notice, _ in queue]
            queue.clear()
            flight.lanes.pop(lane, None)
            if rest:  # not begun: for the next round, here or in another replica
                flight.keys.difference_update(rest)
                await self._release(flight, rest)
                self.wake()

    async def _deliver(self, flight: _Flight, notice: Notice, where: Destination) -> bool:
        """Send one notice and record its outcome; False when its lane should pause. Its log
        lines carry the id of the request that scheduled it."""
        token = REQUEST_ID.set(notice.request_id)
        try:
            try:
                wait = await self._paced(flight, where)
                if wait > 0 and not self._stopping:
                    await self._sleep(wait)  # the conversation's pace: no sending slot held
                async with flight.gate:
                    if self._stopping:
                        await self._let_go(flight, notice.key)
                        return False
                    outcome, going_on = await self._send(notice, where)
                    if outcome is not None:  # the platform was asked
                        self._answered(flight, where)
            except Exception as exc:  # nothing was sent: the store or a composer failed
                await self._pause(flight, notice, exc)
                return False
            if outcome is None:  # its claim was given up as it was found (or not ours)
                flight.keys.discard(notice.key)
                self.wake()
            else:
                await self._finish(flight, notice.key, outcome)
            return going_on
        finally:
            REQUEST_ID.reset(token)

    async def _paced(self, flight: _Flight, where: Destination) -> float:
        """Book the conversation's next free moment, in the store that every replica books
        in; the real seconds until it comes. A platform's pace is real time (whatever speed
        the clock runs at), booked in the real seconds every replica shares. The moment is
        never sooner than a pace after the answer to the last message sent there from here:
        a message that waited for a sending slot reached the platform later than its slot,
        and the platform counts from then (sent a pace after its slot, the next one would be
        refused, and wait out a `Retry-After` of a whole second or more)."""
        pace = self._pace_of(where.platform)
        if not pace:
            return 0.0
        lane = ":".join(where.lane)
        now = protocol_seconds()
        at: float = await self._bookings.run(partial(
            self.bot.store.book, PACING, lane, max(now, flight.answered.pop(lane, 0.0)), pace))
        return at - now

    def _answered(self, flight: _Flight, where: Destination) -> None:
        """The platform has answered a message to `where` (or a look whether one arrived): its
        conversation is free again a pace from now."""
        pace = self._pace_of(where.platform)
        if not pace:
            return
        now = protocol_seconds()
        if len(flight.answered) >= flight.forget_at:  # forget the conversations free again
            flight.answered = {k: at for k, at in flight.answered.items() if at > now}
            flight.forget_at = max(CLAIM_BATCH, 2 * len(flight.answered))
        lane = ":".join(where.lane)
        flight.answered[lane] = now + pace
        if self.bot.store.shared:  # the other replicas book there too: not before then either
            flight.spawn(self._free_from(lane, now + pace), "ogpbot-notice-pace")

    async def _free_from(self, lane: str, moment: float) -> None:
        """Move the conversation's next free moment in the store to `moment` at the earliest
        (a booking of no length there)."""
        try:
            await self._bookings.run(partial(self.bot.store.book, PACING, lane, moment, 0.0))
        except StoreError as exc:  # only a courtesy to the other replicas: Slack's 429 remains
            log.warning("notices: a conversation's pace could not be shared (%s)", exc)

    def _pace_of(self, platform: str) -> float:
        if self.pace is not None:
            return self.pace.get(platform, 0.0)
        notifier = self.notifiers.get(platform)
        return float(getattr(notifier, "pace", 0.0)) if notifier is not None else 0.0

    async def _send(self, notice: Notice,
                    where: Destination) -> tuple[Callable[[], bool | None] | None, bool]:
        """Mark the notice `sending` and send it; the write that records the outcome (None
        when it was not begun after all), and whether its lane may go on."""
        now = self.bot.clock.now()
        begun = await self._batch.run(partial(self._begin_op, notice.key, where, now))
        if begun is None:
            return None, True
        outgoing, attachment = begun
        key = outgoing.key
        notifier = self.notifiers[where.platform]
        message = marked(outgoing.message) if self.bot.seminar.rehearsal else outgoing.message
        doubt = outgoing.in_doubt  # an earlier attempt may have arrived
        if doubt:
            try:
                arrived = await asyncio.wait_for(notifier.delivered(
                    where.address, key, direct=where.kind is Via.DIRECT), SEND_TIMEOUT)
            except Exception as exc:  # not known yet: look again later, never send blindly
                why = exc.reason if isinstance(exc, DeliveryError) else type(exc).__name__
                wait = exc.retry_after if isinstance(exc, DeliveryError) else None
                return partial(self._retry_op, key, where,
                               f"could not look whether it arrived: {why}", wait, True), False
            if arrived:
                return partial(self._sent_op, key, where, FOUND), True
            if arrived is None:
                log.warning("%s may have arrived already (its answer never came), and %s "
                            "cannot tell: sent again, it may repeat", in_log(outgoing),
                            where.platform)
            else:
                doubt = False  # looked for and not there: the earlier attempts did not arrive
        try:
            async with asyncio.timeout(SEND_TIMEOUT):  # in this task: no task of its own
                if where.kind is Via.POST:
                    await notifier.post(where.address, message, where.reference, key=key)
                else:
                    await notifier.direct(where.address, message, attachment, key=key)
        except DeliveryError as exc:
            if exc.permanent:
                return partial(self._fail_op, key, where, exc.reason), True
            return partial(self._retry_op, key, where, exc.reason, exc.retry_after,
                           doubt or exc.in_doubt), False
        except Exception as exc:  # a time-out, a bug or a broken connection: it may have gone
            why = "timed out" if isinstance(exc, TimeoutError) else f"{type(exc).__name__}"
            log.warning("sending %s failed: %s", in_log(outgoing), why, exc_info=True)
            return partial(self._retry_op, key, where, why, None, True), False
        return partial(self._sent_op, key, where), True

    async def _finish(self, flight: _Flight, key: str,
                      outcome: Callable[[], bool | None]) -> None:
        """Record a notice's outcome (the write gives up its claim too); a write that fails is
        tried again, so a notice the platform took is never taken for one it did not."""
        pause = 1.0
        again = False  # whether the notice is to be sent later (put back)
        while True:
            try:
                again = bool(await self._batch.run(outcome))
                break
            except StoreError as exc:
                if self._stopping:
                    log.warning("notices: the outcome of a send could not be written (%s); it "
                                "stays as it was and is looked at again at the next start",
                                exc)
                    break
                log.warning("notices: the outcome of a send could not be written (%s); "
                            "trying again in %.0f s", exc, pause)
                await asyncio.sleep(pause)
                pause = min(STORE_PAUSE, pause * 2)
            except Exception:
                log.exception("notices: recording the outcome of a send failed")
                await self._release(flight, [key])
                break
        flight.keys.discard(key)
        flight.failures.pop(key, None)
        if again or flight.saturated:
            self.wake()  # a round may be sleeping past its new time, or waiting for room

    async def _pause(self, flight: _Flight, notice: Notice, exc: Exception) -> None:
        """Nothing was sent, but the store (or a composer) failed: hold the notice a while,
        longer each time it fails, then let it go for a later round."""
        flight.failures[notice.key] += 1
        pause = min(STORE_PAUSE, 2.0 ** flight.failures[notice.key])
        if isinstance(exc, StoreError):
            log.warning("notices: %s could not be sent now (%s); again in %.0f s",
                        in_log(notice), exc, pause)
        else:
            log.error("notices: %s could not be written for sending; again in %.0f s",
                      in_log(notice), pause, exc_info=exc)
        if not self._stopping:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(pause):
                    await flight.stopped.wait()
        await self._let_go(flight, notice.key)

    async def _let_go(self, flight: _Flight, key: str) -> None:
        """Give a notice not begun back, for the next round here or in another replica."""
        flight.keys.discard(key)
        await self._release(flight, [key])
        self.wake()

    async def _release(self, flight: _Flight, keys: list[str]) -> None:
        try:
            await asyncio.to_thread(self.bot.store.release, OUTBOX, self.owner, keys)
        except StoreError as exc:
            log.warning("notices: claims could not be given up (%s); again at the next round",
                        exc)
            flight.unreleased.update(keys)
        else:
            flight.unreleased.difference_update(keys)

    # -- store operations (each runs inside a write batch's transaction, in a worker thread) -----

    def _release_op(self, key: str) -> None:
        self.bot.store.release(OUTBOX, self.owner, [key])

    def _begin_op(self, key: str, where: Destination,
                  now: datetime) -> tuple[Notice, FileAttachment | None] | None:
        notice = self.bot.outbox.held(key, self.owner)
        if notice is None:
            return None  # cancelled, already handled, or another replica's now
        if notice.ready_at > now:
            self._release_op(key)  # put off in the meantime
            return None
        if notice.stale_after is not None and now >= notice.stale_after:
            self._skip_op(key, _stale_reason(notice), now)
            return None
        if notice.state is NoticeState.SENDING:
            log.warning("%s was in flight when its sender stopped; looking whether it arrived, "
                        "else sending it again", in_log(notice))
            notice = notice.with_changes(last_error=RESENT, in_doubt=True)
            self._batch.count("resent")
        composed = compose(self.bot, notice, now, self.public_url)
        if isinstance(composed, str):
            self._skip_op(key, composed, now, alert=False)
            return None
        return self.bot.outbox.begin(composed.notice), composed.attachment

    def _sent_op(self, key: str, where: Destination, found: str | None = None) -> None:
        """The platform took it; `found` when it was not sent now but found to have arrived
        from an attempt whose answer never came."""
        notice = self.bot.outbox.mark_sent(key, self.bot.clock.now(), found)
        self._release_op(key)
        if notice is None:
            return
        self._batch.count("sent")
        self.observer.notice("sent", where.platform)
        if found:
            self._batch.count("found")
            log.info("a notice (%s) had arrived though its answer never came; not sent again "
                     "(%s)", notice.kind, where.platform)
            return
        log.info("sent a notice (%s, attempt %d) through %s", notice.kind, notice.attempts,
                 where.platform)

    def _skip_op(self, key: str, reason: str, now: datetime, alert: bool = True) -> None:
        notice = self.bot.outbox.skip(key, self.owner, reason)
        self._release_op(key)
        if notice is None:
            return
        self._batch.count("skipped")
        self.observer.notice("skipped", notice.target.platform or "none")
        log.info("skipped %s: %s", in_log(notice), scrub(reason))
        # A person not reachable yet is common (they have not used the bot on any platform):
        # only a notice with no channel to go to is worth the coordinators' attention.
        if alert and notice.target.kind is not TargetKind.PERSON and (
                notice.stale_after is None or now < notice.stale_after):
            alert_coordinators(self.bot, notice, "skipped", target_label(self.bot, notice.target),
                               reason, now)

    def _retry_op(self, key: str, where: Destination, reason: str,
                  retry_after: float | None, in_doubt: bool = False) -> bool:
        """A passing failure: put the notice back for later (True), or fail it when it has
        been failing for too long; `in_doubt` when it may have arrived all the same. The claim
        is given up after the change, in its write."""
        try:
            return self._put_back(key, where, reason, retry_after, in_doubt)
        finally:
            self._release_op(key)

    def _put_back(self, key: str, where: Destination, reason: str,
                  retry_after: float | None, in_doubt: bool) -> bool:
        notice = self.bot.outbox.get(key)  # as the store holds it now, not as it was sent
        if notice is None or notice.state is not NoticeState.SENDING:
            return False
        now = self.bot.clock.now()
        if now - notice.due >= GIVE_UP_AFTER:
            self._fail_op(key, where, f"gave up after {GIVE_UP_AFTER.days} days and "
                                      f"{notice.attempts} attempts: {reason}")
            return False
        delay = retry_after if retry_after is not None else backoff(notice.attempts)
        # the platform's wait (or the outage's back-off) is real time: on the clock's scale
        back = self.bot.outbox.put_back(key, self.owner, reason,
                                        now + self.bot.clock.span(max(0.0, delay)), in_doubt)
        if back is None:
            return False
        self._batch.count("retried")
        self.observer.notice("retried", where.platform)
        log.info("will retry %s after %.1fs: %s", in_log(back), delay, scrub(reason))
        return True

    def _fail_op(self, key: str, where: Destination, reason: str) -> None:
        notice = self.bot.outbox.fail(key, self.owner, reason)
        self._release_op(key)
        if notice is None:
            return
        self._batch.count("failed")
        self.observer.notice("failed", where.platform)
        log.warning("could not deliver %s to %s on %s: %s", in_log(notice), where.in_log,
                    where.platform, scrub(reason))
        alert_coordinators(self.bot, notice, where.place, where.label, reason,
                           self.bot.clock.now())

    def _wait_op(self, key: str, person: Person, now: datetime) -> bool:
        """Keep a notice to a person not reachable yet; give up only when it is long overdue.
        True when the person was seen while they were looked up (they wrote to the bot, and
        `release_waiting` found nothing waiting yet): the notice goes at once, not after
        `WAIT_FOR_PERSON`."""
        notice = self.bot.outbox.held(key, self.owner)
        if notice is None:
            self._release_op(key)
            return False
        if isinstance(self.resolve(notice.target), Destination):
            self._release_op(key)  # due as it was: the next round (woken) takes it
            return True
        if now - notice.due > GIVE_UP_WAITING:
            # no name in the reason: it is logged
            self._skip_op(key, "the person could not be reached on any connected platform "
                               f"for {GIVE_UP_WAITING.days} days", now)
            return False
        self.bot.outbox.wait_for_person(
            key, self.owner, now + WAIT_FOR_PERSON,
            f"waiting: {person.name} is not reachable on any connected platform yet")
        self._release_op(key)
        self._batch.count("waiting")
        return False


def in_log(notice: Notice) -> str:
    """How a log line names a notice: its key, with the person it goes to (whose key, at its
    end, holds an e-mail address or a platform id) as a stand-in."""
    person = notice.target.person if notice.target.kind is TargetKind.PERSON else None
    if person and notice.key.endswith(":" + person):
        return f"{scrub(notice.key.removesuffix(':' + person))} for {pseudonym(person)}"
    return scrub(notice.key)


def backoff(attempts: int) -> float:
    """Seconds before the next try after `attempts` passing failures: 2 s, 4 s, 8 s, ... up to
    `MAX_BACKOFF`, each shortened by up to a fifth at random, so notices that failed together
    do not all come back in the same instant."""
    return min(MAX_BACKOFF, 2.0 ** min(attempts, 16)) * random.uniform(0.8, 1.0)


def _stale_reason(notice: Notice) -> str:
    assert notice.stale_after is not None
    return f"stale: no longer useful after {notice.stale_after.isoformat()}"
