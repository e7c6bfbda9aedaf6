"""The dispatcher: delivers the outbox's notices through the platforms' notifiers, each once.

It sleeps until the next notice is due (a newly scheduled notice wakes it, in this process or,
through the store's `notify`, in any replica), claims the due notices, and sends them: in
parallel across conversations, one after another within a conversation, paced to the
platform's limit (the pace of each conversation is kept in the store, so replicas together
keep it). Each notice is claimed for a lease (renewed while this process lives), marked
`sending` in the store before it goes out and `sent` after, so a crash can repeat at most the
notices that were in flight at that instant, and no two replicas send the same notice.

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

Failures: a passing failure (429, 5xx, a timeout) puts the notice back with `not_before` set
from the platform's `retry_after`, or an exponential back-off with jitter capped at
`MAX_BACKOFF`. A notice waits out an outage however long it lasts, until it no longer matters
(its `stale_after`) or `GIVE_UP_AFTER` has passed since it was due: the number of attempts
alone never fails one. A permanent failure (or passing ones for all of `GIVE_UP_AFTER`) marks
it `failed` with the reason, and the coordinators are told once per place and reason by a
notice of kind `alert`.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import os
import random
import socket
import threading
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from bot.core.clock import nap, protocol_seconds
from bot.core.model import Meeting, Person
from bot.core.notice import Notice, NoticeState, Target
from bot.core.observe import NO_OBSERVER, Observer
from bot.core.records import ANNOUNCE_SETTING
from bot.core.redact import pseudonym, scrub
from bot.core.reply import Reply
from bot.core.tracing import REQUEST_ID
from bot.i18n.catalogue import t
from bot.i18n.formatting import format_when
from bot.notices.announcements import COMPOSERS
from bot.notices.calendar import FILE_MIME, calendar_path, meeting_file
from bot.notices.outbox import OUTBOX
from bot.notices.port import DeliveryError, FileAttachment, Notifier
from bot.notices.written import written
from bot.store.contract import Conflict, StoreError, retry_conflicts

if TYPE_CHECKING:
    from bot.notices.host import Host
    from bot.store.contract import Store

log = logging.getLogger("ogpbot.dispatcher")

# Seconds between two messages to the same conversation, per platform: Slack allows about
# one message a second per channel, Teams seven a second per conversation.
PACE: dict[str, float] = {"slack": 1.0, "teams": 1 / 7}
LATE_AFTER = timedelta(minutes=2)
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
CLAIM_BATCH = 2 * PARALLEL  # notices claimed at once: the rest are left to other replicas
PACING = "pacing"  # the store's bookings of each conversation's next free moment
RESENT = "interrupted while sending; sent again (it may repeat once)"


@dataclass(frozen=True)
class Destination:
    """Where one notice goes on one platform: a conversation to post in, or a person to DM."""

    platform: str
    kind: str  # "post" | "direct"
    address: str
    label: str
    reference: dict[str, Any] | None = None

    @property
    def in_log(self) -> str:
        """How a log line names this place: a conversation by its label, a person by a
        stand-in (their label is their name)."""
        return self.label if self.kind == "post" else pseudonym(self.address)

    @property
    def lane(self) -> tuple[str, str, str]:
        """Messages in the same lane are paced one after another."""
        return (self.platform, self.kind, self.address)


@dataclass(frozen=True)
class Unreached:
    """A person with no id on any connected platform yet (a roster person who has not written
    to the bot): their notices wait, and each platform that can is asked for them by email."""

    person: Person


@dataclass
class _Op:
    run: Callable[[], Any]
    # the caller's context (its request id), so the write's log lines carry the caller's id
    context: contextvars.Context = field(default_factory=contextvars.copy_context)
    done: asyncio.Future[Any] = field(default_factory=lambda: asyncio.get_running_loop()
                                      .create_future())


class Journal:
    """Store writes from the event loop, run in a worker thread and grouped: every write
    waiting when the previous group ends is committed in one transaction (one fsync). A group
    that conflicts with another process's transaction runs again; what its writes `count`
    reach `stats` once it has committed."""

    def __init__(self, store: Store, stats: Counter[str] | None = None) -> None:
        self.store = store
        self.stats: Counter[str] = Counter() if stats is None else stats
        self._local = threading.local()  # the tally of the write running in this thread
        self._queue: list[_Op] = []
        self._busy = False
        self._drainer: asyncio.Task[None] | None = None  # held: the loop keeps tasks weakly

    async def run(self, fn: Callable[[], Any]) -> Any:
        op = _Op(fn)
        self._queue.append(op)
        if not self._busy:
            self._busy = True
            self._drainer = asyncio.get_running_loop().create_task(self._drain())
        return await op.done

    async def _drain(self) -> None:
        try:
            while self._queue:
                group, self._queue = self._queue, []
                try:
                    results = await asyncio.to_thread(self._apply, group)
                except Exception as exc:
                    if (isinstance(exc, StoreError) and not isinstance(exc, Conflict)) \
                            or len(group) == 1:
                        for op in group:
                            if not op.done.done():
                                op.done.set_exception(exc)
                        continue
                    # One write failed and took the group with it: run each on its own, so
                    # only that one fails (a notice already sent must still be marked sent).
                    for op in group:
                        await self._run_alone(op)
                    continue
                for op, result in zip(group, results, strict=True):
                    if not op.done.done():
                        op.done.set_result(result)
        finally:
            self._busy = False

    async def _run_alone(self, op: _Op) -> None:
        try:
            (result,) = await asyncio.to_thread(self._apply, [op])
        except Exception as exc:
            if not op.done.done():
                op.done.set_exception(exc)
        else:
            if not op.done.done():
                op.done.set_result(result)

    def _apply(self, group: list[_Op]) -> list[Any]:
        def once() -> list[Any]:
            self._local.tally = Counter()
            with self.store.transaction():
                return [op.context.run(op.run) for op in group]

        results = retry_conflicts(once)
        self.stats.update(self._local.tally)
        return results

    def count(self, name: str) -> None:
        """Count `name` once the write running now has committed (call it from a write)."""
        self._local.tally[name] += 1


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
        self.pace = dict(PACE if pace is None else pace)
        self.public_url = public_url.rstrip("/")
        self.parallel = parallel
        self.stats: Counter[str] = Counter()
        # who holds this dispatcher's claims in the store: unique to the process and to it
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._sleep = sleep
        self._journal = Journal(bot.store, self.stats)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._renewer: asyncio.Task[None] | None = None
        self._listening = False
        self._stopping = False

    # -- life cycle --------------------------------------------------------------------------

    async def start(self) -> None:
        """Resolve what a crash left behind, then run in the background."""
        self._loop = asyncio.get_running_loop()
        self._event = asyncio.Event()
        self._stopping = False
        if not self._listening:
            self._listening = True
            await asyncio.to_thread(self.bot.store.listen, OUTBOX, lambda _what: self.wake())
        await self._journal.run(self.bot.outbox.upgrade)
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
        try:
            await asyncio.wait_for(asyncio.shield(task), within)
        except TimeoutError:
            log.warning("notices: sends still running after %.0f s were cut off; they go again "
                        "at the next start", within)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        except Exception:
            log.exception("notices: the dispatcher failed while stopping")
        if self._renewer is not None:  # after the sends: their claims lasted while they ran
            self._renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._renewer
            self._renewer = None
        log.info("notices: dispatcher stopped; what was not sent waits in the outbox")

    def wake(self) -> None:
        """Look at the outbox again now (safe from any thread)."""
        loop, event = self._loop, self._event
        if loop is None or event is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            event.set()
        else:
            loop.call_soon_threadsafe(event.set)

    async def _run(self) -> None:
        """Rounds, each followed by a nap on the clock until the next notice is due (or a
        wake-up: something new was scheduled, or the dispatcher is stopping)."""
        assert self._event is not None
        longest = SHARED_NAP if self.bot.store.shared else None
        clock = self.bot.clock
        while not self._stopping:
            self._event.clear()
            try:
                await self.run_due()
                if self._stopping:
                    break
                until = await asyncio.to_thread(self._next_due)
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

    def _next_due(self) -> datetime | None:
        """The moment the next notice of this dispatcher's may go, or None."""
        first = self.bot.store.next_ready(OUTBOX, self.owner, **self.scope)
        return None if first is None else datetime.fromtimestamp(first, UTC)

    # -- the restart rule ----------------------------------------------------------------------

    async def recover(self) -> int:
        """With a store this process owns: notices left `sending` by a crash go back to
        `pending`, to be sent again. A shared store's are taken over when their lease runs out
        (as `run_due` claims them), never at start-up: their replica may still be sending."""
        if self.bot.store.shared:
            return 0

        def op() -> int:
            count = 0
            for notice in self.bot.outbox.in_state(NoticeState.SENDING):
                if notice.state is NoticeState.SENDING:
                    self.bot.outbox.save(notice.with_changes(state=NoticeState.PENDING,
                                                             last_error=RESENT))
                    count += 1
            return count
        count: int = await self._journal.run(op)
        if count:
            log.warning("%d notice(s) were in flight when the bot stopped; sending them again",
                        count)
        return count

    # -- one round -----------------------------------------------------------------------------

    async def run_due(self) -> int:
        """Claim the notices that are due now and send them; return how many were claimed.
        Whatever is not done with by the end of the round (put off, or left behind a lane
        that must wait) is released for the next round, here or in another replica."""
        now = self.bot.clock.now()
        claimed = await asyncio.to_thread(self._claim, now)
        try:
            return await self._deliver(claimed, now)
        finally:
            if claimed:
                await asyncio.to_thread(self.bot.store.release, OUTBOX, self.owner,
                                        [n.key for n in claimed])

    def _claim(self, now: datetime) -> list[Notice]:
        docs = self.bot.store.claim(OUTBOX, self.owner, now.timestamp(), LEASE, CLAIM_BATCH,
                                    **self.scope)
        return [Notice.from_dict(doc) for _, doc in docs]

    async def _deliver(self, claimed: list[Notice], now: datetime) -> int:
        ready = await asyncio.to_thread(self._ready, claimed, now)
        lanes: dict[tuple[str, str, str], list[tuple[Notice, Destination]]] = {}
        found: dict[str, Destination | Unreached] = {}
        for notice, where in ready:
            if isinstance(where, Unreached):
                key = where.person.key
                if key not in found:
                    found[key] = await self._look_up(where.person) or where
                where = found[key]
            if isinstance(where, Unreached):
                await self._journal.run(partial(self._wait_op, notice.key, where.person, now))
            elif isinstance(where, str):
                await self._journal.run(partial(self._skip_op, notice.key, where, now))
            else:
                lanes.setdefault(where.lane, []).append((notice, where))
        gate = asyncio.Semaphore(self.parallel)
        await asyncio.gather(*(self._send_lane(items, gate) for items in lanes.values()))
        return len(ready)

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
        if target.kind == "announce":
            chosen = self.bot.records.setting(ANNOUNCE_SETTING)
            if not chosen:
                return "no announcement channel: the coordinator sets it with `channel here`"
            platform = chosen.get("platform", "")
            if platform not in self.notifiers:
                return f"the announcement channel is on {platform}, which is not connected"
            return Destination(platform, "post", chosen["conversation"],
                               chosen.get("name") or chosen["conversation"],
                               chosen.get("reference") or None)
        if target.kind == "conversation":
            if target.platform not in self.notifiers or not target.conversation:
                return f"no notifier for {target.platform}"
            return Destination(target.platform, "post", target.conversation, target.conversation)
        person = self.bot.records.person(target.person or "")
        if person is None:
            return f"unknown person {target.person}"
        # The platform they last wrote from first; then any other that can reach them.
        platforms = sorted(person.platform_ids, key=lambda p: p != person.last_platform)
        for platform in platforms:
            if platform in self.notifiers and platform not in person.unreachable:
                return Destination(platform, "direct", person.platform_ids[platform],
                                   person.name)
        return Unreached(person)

    async def _look_up(self, person: Person) -> Destination | None:
        """Ask each connected platform for `person` by email; remember the id found."""
        if not person.email:
            return None
        for platform, notifier in self.notifiers.items():
            if platform in person.unreachable:
                continue
            try:
                user_id = await asyncio.wait_for(notifier.find_user(person.email), SEND_TIMEOUT)
            except Exception:  # a lookup that fails is a lookup that found nobody, for now
                log.warning("looking up %s on %s failed", pseudonym(person.key), platform,
                            exc_info=True)
                continue
            if user_id:
                await self._journal.run(partial(self._link_op, person.key, platform, user_id))
                return Destination(platform, "direct", user_id, person.name)
        return None

    def _link_op(self, person_key: str, platform: str, user_id: str) -> None:
        person = self.bot.records.person(person_key)
        if person is not None and person.platform_ids.get(platform) != user_id:
            self.bot.records.save_person(person.with_changes(
                platform_ids={**person.platform_ids, platform: user_id}))

    def _wait_op(self, key: str, person: Person, now: datetime) -> None:
        """Keep a notice to a person not reachable yet; give up only when it is long overdue."""
        notice = self._claimed(key)
        if notice is None:
            return
        if now - notice.due > GIVE_UP_WAITING:
            # no name in the reason: it is logged
            self._skip_op(key, "the person could not be reached on any connected platform "
                               f"for {GIVE_UP_WAITING.days} days", now)
            return
        self.bot.outbox.save(notice.with_changes(
            waiting=True, not_before=now + WAIT_FOR_PERSON,
            last_error=f"waiting: {person.name} is not reachable on any connected platform yet"))
        self._journal.count("waiting")

    async def _send_lane(self, items: list[tuple[Notice, Destination]],
                         gate: asyncio.Semaphore) -> None:
        for notice, where in items:
            wait = await self._paced(where)
            if wait > 0 and not self._stopping:
                await self._sleep(wait)  # the conversation's pace: no sending slot held
            async with gate:
                if self._stopping:
                    return  # stopping: what has not begun stays pending
                if not await self._send_one(notice, where):
                    return  # the platform asked us to wait: the rest of this lane waits too

    async def _paced(self, where: Destination) -> float:
        """Book the conversation's next free moment, in the store that every replica books
        in; the real seconds until it comes. A platform's pace is real time (whatever speed
        the clock runs at), booked in the real seconds every replica shares."""
        pace = self.pace.get(where.platform, 0.0)
        if not pace:
            return 0.0
        now = protocol_seconds()
        at = await asyncio.to_thread(self.bot.store.book, PACING, ":".join(where.lane), now,
                                     pace)
        return at - now

    async def _send_one(self, notice: Notice, where: Destination) -> bool:
        """Send one notice; False when the lane should pause (a passing failure). Its log
        lines carry the id of the request that scheduled it."""
        token = REQUEST_ID.set(notice.request_id)
        try:
            return await self._send(notice, where)
        finally:
            REQUEST_ID.reset(token)

    async def _send(self, notice: Notice, where: Destination) -> bool:
        now = self.bot.clock.now()
        begun = await self._journal.run(lambda: self._begin_op(notice.key, where, now))
        if begun is None:
            return True
        outgoing, attachment = begun
        notifier = self.notifiers[where.platform]
        try:
            if where.kind == "post":
                await asyncio.wait_for(notifier.post(where.address, outgoing.message,
                                                     where.reference), SEND_TIMEOUT)
            else:
                await asyncio.wait_for(notifier.direct(where.address, outgoing.message,
                                                       attachment), SEND_TIMEOUT)
        except DeliveryError as exc:
            reason, wait = exc.reason, exc.retry_after
            if exc.permanent:
                await self._journal.run(lambda: self._fail_op(outgoing, where, reason))
                return True
            await self._journal.run(lambda: self._retry_op(outgoing, where, reason, wait))
            return False
        except Exception as exc:  # a bug or a broken connection: treat as passing
            why = "timed out" if isinstance(exc, TimeoutError) else f"{type(exc).__name__}"
            log.warning("sending %s failed: %s", in_log(notice), why, exc_info=True)
            await self._journal.run(lambda: self._retry_op(outgoing, where, why, None))
            return False
        await self._journal.run(lambda: self._sent_op(outgoing.key, where))
        return True

    # -- store operations (each runs inside a journal transaction, in a worker thread) ------------

    def _current(self, key: str, state: NoticeState) -> Notice | None:
        notice = self.bot.outbox.get(key)
        return notice if notice is not None and notice.state is state else None

    def _claimed(self, key: str) -> Notice | None:
        """The notice, while it is still to be sent (pending, or `sending` when it was taken
        over from a process that died) and this dispatcher holds the claim on it."""
        notice = self.bot.outbox.get(key)
        if notice is None or notice.state not in (NoticeState.PENDING, NoticeState.SENDING):
            return None
        if self.bot.store.holder(OUTBOX, key) != self.owner:
            return None  # another replica took it over (this one was too slow to renew)
        return notice

    def _begin_op(self, key: str, where: Destination,
                  now: datetime) -> tuple[Notice, FileAttachment | None] | None:
        notice = self._claimed(key)
        if notice is None or notice.ready_at > now:
            return None  # cancelled, already handled, or put off in the meantime
        if notice.stale_after is not None and now >= notice.stale_after:
            self._skip_op(key, _stale_reason(notice), now)
            return None
        if notice.state is NoticeState.SENDING:
            log.warning("%s was in flight when its sender stopped; sending it again",
                        in_log(notice))
            notice = notice.with_changes(last_error=RESENT)
            self._journal.count("resent")
        if notice.compose:
            composed = COMPOSERS[notice.compose](self.bot, notice, now)
            if isinstance(composed, str):
                self._skip_op(key, composed, now, alert=False)
                return None
            notice = composed.with_changes(compose=None)
        words = written(self.bot, notice, now)
        if isinstance(words, str):
            self._skip_op(key, words, now, alert=False)
            return None
        message = words
        late = notice.late or now - notice.due > LATE_AFTER
        if late:
            message = _with_line(message, t(message.language, "notice.late",
                                            when=format_when(notice.due, message.language,
                                                             self.bot.seminar.timezone,
                                                             now=now)))
        attachment = self._attachment(notice, message.language, now)
        if attachment is not None and attachment.url:
            message = _with_line(message, t(message.language, "notice.calendar",
                                            url=attachment.url))
        notice = notice.with_changes(state=NoticeState.SENDING, late=late, message=message,
                                     attempts=notice.attempts + 1)
        self.bot.outbox.save(notice)
        return notice, attachment

    def _attachment(self, notice: Notice, lang: str, now: datetime) -> FileAttachment | None:
        """The calendar file a meeting's notice carries, made now (its DTSTAMP) in `lang`, and
        the address of its reader's own link to it."""
        info = notice.attachment or {}
        if info.get("kind") != "ics":
            return None
        made = meeting_file(self.bot, int(info["meeting"]), lang, now)
        if made is None:
            return None
        name, body = made
        meeting = self.bot.records.meeting(int(info["meeting"]))
        url = calendar_url(self.public_url, meeting, notice.target.person) \
            if meeting is not None else ""
        return FileAttachment(name, body, FILE_MIME, url)

    def _sent_op(self, key: str, where: Destination) -> None:
        notice = self._current(key, NoticeState.SENDING)
        if notice is not None:
            self.bot.outbox.save(notice.with_changes(
                state=NoticeState.SENT, sent_at=self.bot.clock.now(), not_before=None,
                waiting=False))
            self._journal.count("sent")
            self.observer.notice("sent", where.platform)
            log.info("sent a notice (%s, attempt %d) through %s", notice.kind, notice.attempts,
                     where.platform)

    def _skip_op(self, key: str, reason: str, now: datetime, alert: bool = True) -> None:
        notice = self._claimed(key)
        if notice is None:
            return
        self.bot.outbox.save(notice.with_changes(state=NoticeState.SKIPPED, last_error=reason))
        self._journal.count("skipped")
        self.observer.notice("skipped", notice.target.platform or "none")
        log.info("skipped %s: %s", in_log(notice), scrub(reason))
        # A person not reachable yet is common (they have not used the bot on any platform):
        # only a notice with no channel to go to is worth the coordinators' attention.
        if alert and notice.target.kind != "person" and (
                notice.stale_after is None or now < notice.stale_after):
            self._alert_op(notice, "skipped", self._label(notice.target), reason, now)

    def _label(self, target: Target) -> str:
        if target.kind == "announce":
            return "announce"
        if target.kind == "person":
            person = self.bot.records.person(target.person or "")
            return person.name if person else str(target.person)
        return str(target.conversation)

    def _retry_op(self, notice: Notice, where: Destination, reason: str,
                  retry_after: float | None) -> None:
        if self._current(notice.key, NoticeState.SENDING) is None:
            return
        now = self.bot.clock.now()
        if now - notice.due >= GIVE_UP_AFTER:
            self._fail_op(notice, where, f"gave up after {GIVE_UP_AFTER.days} days and "
                                         f"{notice.attempts} attempts: {reason}")
            return
        delay = retry_after if retry_after is not None else backoff(notice.attempts)
        # the platform's wait (or the outage's back-off) is real time: on the clock's scale
        not_before = now + self.bot.clock.span(max(0.0, delay))
        self.bot.outbox.save(notice.with_changes(state=NoticeState.PENDING, last_error=reason,
                                                 not_before=not_before))
        self._journal.count("retried")
        self.observer.notice("retried", where.platform)
        log.info("will retry %s after %.1fs: %s", in_log(notice), delay, scrub(reason))

    def _fail_op(self, notice: Notice, where: Destination, reason: str) -> None:
        if self._current(notice.key, NoticeState.SENDING) is None:
            return
        self.bot.outbox.save(notice.with_changes(state=NoticeState.FAILED, last_error=reason))
        self._journal.count("failed")
        self.observer.notice("failed", where.platform)
        log.warning("could not deliver %s to %s on %s: %s", in_log(notice), where.in_log,
                    where.platform, scrub(reason))
        self._alert_op(notice, f"{where.platform}:{where.address}", where.label, reason,
                       self.bot.clock.now())

    def _alert_op(self, notice: Notice, place: str, label: str, reason: str,
                  now: datetime) -> None:
        """Tell each coordinator, once per place and reason, that a notice did not arrive."""
        if notice.kind == "alert":
            return
        for person in self.bot.records.coordinators():
            lang = person.speaks(self.bot.seminar.language)
            to = t(lang, "notice.announce_channel") if label == "announce" else label
            self.bot.outbox.schedule(Notice(
                f"alert:{place}:{reason}:{person.key}", Target.to_person(person.key),
                Reply(language=lang, title=t(lang, "notice.alert_title"), lines=(
                    t(lang, "notice.alert_message",
                      title=(notice.message.title if notice.message else None) or notice.key),
                    t(lang, "notice.alert_to", to=to),
                    t(lang, "notice.alert_reason", reason=reason),
                    t(lang, "notice.alert_hint"))),
                now, "alert"))


def in_log(notice: Notice) -> str:
    """How a log line names a notice: its key, with the person it goes to (whose key, at its
    end, holds an e-mail address or a platform id) as a stand-in."""
    person = notice.target.person if notice.target.kind == "person" else None
    if person and notice.key.endswith(":" + person):
        return f"{scrub(notice.key.removesuffix(':' + person))} for {pseudonym(person)}"
    return scrub(notice.key)


def backoff(attempts: int) -> float:
    """Seconds before the next try after `attempts` passing failures: 2 s, 4 s, 8 s, ... up to
    `MAX_BACKOFF`, each shortened by up to a fifth at random, so notices that failed together
    do not all come back in the same instant."""
    return min(MAX_BACKOFF, 2.0 ** min(attempts, 16)) * random.uniform(0.8, 1.0)


def calendar_url(public_url: str, meeting: Meeting, person_key: str | None = None) -> str:
    """The address of `person_key`'s calendar file of the meeting on the bot's server (their
    token in it), or "" when the server's public address is not set or there is no token."""
    path = calendar_path(meeting, person_key)
    return f"{public_url.rstrip('/')}{path}" if public_url and path else ""


def _with_line(message: Reply, line: str) -> Reply:
    if line in message.lines:
        return message
    return Reply(language=message.language, title=message.title, fields=message.fields,
                 lines=(*message.lines, line), actions=message.actions)


def _stale_reason(notice: Notice) -> str:
    assert notice.stale_after is not None
    return f"stale: no longer useful after {notice.stale_after.isoformat()}"
