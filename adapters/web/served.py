"""The record as the server hands it out: the current snapshot (`bot.record.live`), made anew
off the event loop shortly after writes, and the answers drawn from it, each drawn once.

- A reader sees every write acknowledged before it asked (a proposer told "P-2" finds P-2 at
  once): while nothing was written since the snapshot was read, a reader takes the snapshot
  as it is, without touching the store; after a write, it waits for a refresh that began
  after it asked (one refresh for every reader waiting together). With a store several
  replicas share, "written since" is asked of the store (`LiveRecord.changed_since_read`:
  one small question per reader, shared by readers asking together), since another
  replica's write reaches this one only later.
- A proposal write (in any thread) also sets an event on the loop; the refresher waits
  `DEBOUNCE` seconds so that a burst of writes costs one refresh, then refreshes in a worker
  thread, so that most readers find the snapshot current. A new day by the process's clock
  (`bot.core.clock`) refreshes it too: what is overdue changes with it.
- An answer (a page or a JSON document) is drawn in a worker thread the first time it is
  asked of a snapshot and kept, by what was asked (page, language, filters), until the next
  snapshot; readers asking for the same answer meanwhile wait for that one drawing. What is
  kept is bounded by `CACHE_BYTES`. Answers to malformed requests are not kept (their keys are
  whatever a request says); they are drawn one at a time.
- An answer is gzipped when it is drawn, and carries an ETag naming its content, so a crowd
  costs neither compression nor, for a reader that has the page, the page itself.
- Answers go out a few at a time (`turn`): each waits its turn in a semaphore and across one
  turn of the event loop. A crowd of two hundred readers then waits in the semaphore, not as
  two hundred ready callbacks in the loop's queue, where each acknowledgement to Slack or
  Teams would wait behind all of them.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import hashlib
import logging
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Generic, TypeVar

from bot.core.clock import nap
from bot.record.live import LiveRecord
from bot.record.public import Snapshot

log = logging.getLogger("ogpbot.web")

T = TypeVar("T")
DEBOUNCE = 0.25  # seconds from a write to the refresh that shows it
CACHE_BYTES = 64 * 1024 * 1024  # the answers kept for the current snapshot, at most
GZIP_FROM = 1024  # bytes: a smaller body is sent as it is
TURNS = 4  # record answers let out in one turn of the event loop, at most


@dataclass(frozen=True)
class Answer:
    """A drawn response: status, content type and body, and the body gzipped (drawn once with
    it, so that a crowd of readers costs no compression); an ETag naming the content."""

    status: int
    content_type: str
    body: bytes
    gzipped: bytes | None = field(default=None, repr=False)
    etag: str = ""

    @classmethod
    def of(cls, status: int, content_type: str, body: bytes) -> Answer:
        gzipped = gzip.compress(body, compresslevel=6, mtime=0) if len(body) >= GZIP_FROM \
            else None
        return cls(status, content_type, body, gzipped,
                   f'"{hashlib.blake2b(body, digest_size=12).hexdigest()}"')

    @property
    def size(self) -> int:
        return len(self.body) + len(self.gzipped or b"")


Draw = Callable[[Snapshot], Answer]


class AfterAsked(Generic[T]):
    """`work` (blocking: run in a worker thread) for callers who each need a run that began
    after they asked; callers asking while one runs share the next run."""

    def __init__(self, work: Callable[[], T],
                 then: Callable[[T], None] = lambda _result: None) -> None:
        self.work = work
        self.then = then  # called on the loop with each run's result, in the order of runs
        self._started = 0
        self._running: asyncio.Future[tuple[int, T]] | None = None

    async def __call__(self) -> T:
        needed = self._started + 1  # a run that begins from now on
        while True:
            if self._running is None or self._running.done():
                self._started += 1
                self._running = asyncio.ensure_future(self._run(self._started))
            number, result = await asyncio.shield(self._running)
            if number >= needed:
                return result

    async def _run(self, number: int) -> tuple[int, T]:
        result = await asyncio.to_thread(self.work)
        self.then(result)
        return number, result


class ServedRecord:
    """The snapshot requests read, its refresher task, and the answers drawn from it."""

    def __init__(self, live: LiveRecord, debounce: float = DEBOUNCE,
                 cache_bytes: int = CACHE_BYTES) -> None:
        self.live = live
        self.debounce = debounce
        self.cache_bytes = cache_bytes
        self._loop: asyncio.AbstractEventLoop | None = None
        self._written: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._snapshot: Snapshot | None = None
        self._answers: OrderedDict[Hashable, asyncio.Future[Answer]] = OrderedDict()
        self._kept = 0  # bytes of the answers kept
        self._uncached = asyncio.Semaphore(1)
        self._turns = asyncio.Semaphore(TURNS)
        self._refreshed = AfterAsked(self.live.refresh, self._publish)
        self._asked_store = AfterAsked(self.live.changed_since_read)

    # -- life cycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Read the whole record once, then keep it current until `stop`."""
        self._loop = asyncio.get_running_loop()
        self._written = asyncio.Event()
        self.live.on_change.append(self._on_write)
        self.live.watch()
        await self._refreshed()
        self._task = asyncio.create_task(self._keep_current(), name="record refresher")

    async def stop(self) -> None:
        self.live.unwatch()
        if self._on_write in self.live.on_change:
            self.live.on_change.remove(self._on_write)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def _on_write(self) -> None:
        """Called in the writing thread: wake the refresher on the loop."""
        loop, event = self._loop, self._written
        if loop is None or event is None:
            return
        with contextlib.suppress(RuntimeError):  # the loop has closed: nothing to refresh
            loop.call_soon_threadsafe(event.set)

    async def _keep_current(self) -> None:
        assert self._written is not None
        while True:
            # a write, or a new day by the process's clock (what is overdue changes with it)
            await nap(self.live.clock, self._tomorrow(), self._written)
            if self._written.is_set():
                await asyncio.sleep(self.debounce)
            self._written.clear()
            try:
                await self._refreshed()
            except Exception:  # the store could not be read: keep the old one, try again
                log.exception("the public record could not be refreshed")
                self._written.set()
                await asyncio.sleep(max(self.debounce, 1.0))

    def _tomorrow(self) -> datetime | None:
        """The start of the day after the current snapshot's, in the seminar's timezone."""
        if self._snapshot is None:
            return None
        zone = self._snapshot.seminar.timezone
        day = self._snapshot.now.astimezone(zone).date() + timedelta(days=1)
        return datetime.combine(day, time(0), zone)

    def _publish(self, snapshot: Snapshot) -> None:
        self._snapshot = snapshot
        self._answers = OrderedDict()
        self._kept = 0

    # -- answers -------------------------------------------------------------------------------

    async def snapshot(self) -> Snapshot:
        """A snapshot that holds every write that landed before this call: the current one
        when nothing was written since it was read, else one read after this call."""
        if self._snapshot is None or self.live.stale or (
                self.live.records.store.shared and await self._asked_store()):
            await self._refreshed()
        assert self._snapshot is not None
        return self._snapshot

    async def turn(self) -> None:
        """Wait for this answer's turn: at most `TURNS` go out in one turn of the event loop,
        so that a crowd of readers waits here, not in the loop's queue ahead of everyone
        else's work (the platforms' acknowledgements above all)."""
        async with self._turns:
            await asyncio.sleep(0)

    async def answer(self, key: Hashable, draw: Draw) -> Answer:
        """`draw` applied to the current snapshot, drawn once per snapshot for each `key`."""
        answer = await self._answer(key, draw)
        await self.turn()
        return answer

    async def _answer(self, key: Hashable, draw: Draw) -> Answer:
        snap = await self.snapshot()
        kept = self._answers.get(key)
        if kept is None:
            # a task of its own: a reader who goes away does not cancel the others' answer
            kept = asyncio.ensure_future(asyncio.to_thread(draw, snap))
            answers = self._answers
            answers[key] = kept
            kept.add_done_callback(lambda done: self._drawn(answers, key, done))
        else:
            self._answers.move_to_end(key)
        return await asyncio.shield(kept)

    def _drawn(self, answers: OrderedDict[Hashable, asyncio.Future[Answer]], key: Hashable,
               done: asyncio.Future[Answer]) -> None:
        """A drawing ended: keep its answer's bytes counted, or forget a failed one (whoever
        waited for it got the error)."""
        if done.cancelled() or done.exception() is not None:
            if answers.get(key) is done:
                del answers[key]
            return
        if answers is self._answers and answers.get(key) is done:
            self._keep(done.result().size)

    def _keep(self, size: int) -> None:
        """Count `size` more bytes kept; forget the least recently asked answers over budget."""
        self._kept += size
        for key in list(self._answers):
            if self._kept <= self.cache_bytes:
                break
            oldest = self._answers[key]
            if oldest.done():
                del self._answers[key]
                self._kept -= oldest.result().size

    async def answer_once(self, draw: Draw) -> Answer:
        """`draw` applied to the current snapshot, not kept: one such drawing at a time."""
        snap = await self.snapshot()
        async with self._uncached:
            answer = await asyncio.to_thread(draw, snap)
        await self.turn()
        return answer
