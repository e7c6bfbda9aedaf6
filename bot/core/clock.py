"""The process's one clock: what "now" is, and sleeping until a moment of that time.

Everything that asks for the process's notion of now (due times, leases, retention, the record's
"today", a command's timestamps) asks the one `Clock` the composition root made, and everything
that waits for such a moment (the dispatcher's naps, lease renewal, pruning, the record's
refresh) sleeps on it, so that a clock started at another moment and running faster (a
rehearsal of the seminar day, `ogpbot rehearse`) or moved by hand (a test) moves the whole
process at once: a notice due in ten sped-up minutes goes out after ten minutes divided by the
speed, and one due when a test moves the clock goes out as it is moved.

- `SystemClock`: the real time, for `serve` and the one-shot commands.
- `ScaledClock`: starts at a given moment and runs at a given speed (0: stands still), and can
  be set, moved on, or sped up while it runs; whoever sleeps on it wakes when it is moved.
- `FakeClock`: a `ScaledClock` that stands still until a test moves it.

What is not the process's notion of now stays real time, and is read in a place that says so:
- `protocol_seconds()` here: real seconds since the epoch, for comparing with a timestamp
  another party wrote in real time (a Slack request's five-minute window) and for what a
  platform measures in real seconds and replicas share (each conversation's pace);
- `time.monotonic()` (which cannot tell the date) for how long something takes: HTTP
  timeouts, shutdown deadlines, the seating solver's time budget, caches' lifetimes, retries
  of a busy store;
- a wait a platform asks for in real seconds (Retry-After, back-off during an outage) becomes
  this clock's time through `Clock.span`.

`tests/project/test_clock_rule.py` finds every other `time.time()`, `datetime.now()`, `utcnow()`,
`today()` and `loop.time()` in `bot/` and `adapters/`: only this module reads the wall clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol

#: Real seconds a sleeper on the real clock sleeps at most before it reads the time again.
LOOK_AGAIN = 60.0


class Clock(Protocol):
    """The process's notion of now, and waiting for a moment of it."""

    def now(self) -> datetime:
        """The current moment, as an aware UTC datetime."""
        ...

    async def sleep_until(self, moment: datetime) -> None:
        """Return once `now()` has reached `moment` (at once when it has already)."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Sleep for `seconds` of this clock's time."""
        ...

    def span(self, real_seconds: float) -> timedelta:
        """How much of this clock's time passes in `real_seconds` of real time: a wait that a
        platform asks for in real seconds (Retry-After), as a span of this clock."""
        ...


def protocol_seconds() -> float:
    """Real seconds since the epoch, for protocols only: comparing with a timestamp another
    party wrote (a Slack request's), or a pace a platform keeps in real time. Never the
    process's notion of now (that is the injected `Clock`)."""
    return time.time()


class SystemClock:
    """The real time."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep_until(self, moment: datetime) -> None:
        # Naps of at most `LOOK_AGAIN`, reading the time after each: the wall clock may be
        # set, or the machine suspended, while it sleeps.
        left = (moment - self.now()).total_seconds()
        while left > 0:
            await asyncio.sleep(min(left, LOOK_AGAIN))
            left = (moment - self.now()).total_seconds()

    async def sleep(self, seconds: float) -> None:
        await self.sleep_until(self.now() + timedelta(seconds=seconds))

    def span(self, real_seconds: float) -> timedelta:
        return timedelta(seconds=real_seconds)


class _Sleeper:
    """One coroutine sleeping on a `ScaledClock`: its loop and the event that wakes it."""

    __slots__ = ("event", "loop")

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.event = asyncio.Event()

    def wake(self) -> None:
        """Wake it, from any thread."""
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self.loop:
            self.event.set()
        else:
            with contextlib.suppress(RuntimeError):  # its loop has closed: nothing to wake
                self.loop.call_soon_threadsafe(self.event.set)


class ScaledClock:
    """A clock that starts at `start` and runs `speed` times as fast as real time (0: it
    stands still until moved). It can be set, moved on and sped up while it runs (from any
    thread); whoever sleeps on it then looks at it again."""

    def __init__(self, start: datetime, speed: float = 1.0) -> None:
        if start.tzinfo is None:
            raise ValueError("a clock starts at an aware datetime")
        if not speed >= 0:
            raise ValueError("a clock runs at a speed of 0 or more")
        self._lock = threading.Lock()
        self._sleepers: set[_Sleeper] = set()
        self._at = start.astimezone(UTC)  # the clock's time at the real moment `_since`
        self._since = time.monotonic()
        self._speed = float(speed)

    @property
    def speed(self) -> float:
        return self._speed

    def now(self) -> datetime:
        with self._lock:
            return self._now()

    def _now(self) -> datetime:
        if not self._speed:
            return self._at
        return self._at + timedelta(seconds=(time.monotonic() - self._since) * self._speed)

    def set(self, when: datetime) -> None:
        """Make it `when` now (earlier or later), and wake every sleeper to look again."""
        if when.tzinfo is None:
            raise ValueError("a clock is set to an aware datetime")
        with self._lock:
            self._at, self._since = when.astimezone(UTC), time.monotonic()
            sleepers = list(self._sleepers)
        for sleeper in sleepers:
            sleeper.wake()

    def advance(self, delta: timedelta) -> None:
        """Move it on by `delta`, and wake every sleeper to look again."""
        with self._lock:
            when = self._now() + delta
        self.set(when)

    def run_at(self, speed: float) -> None:
        """Go on from now at `speed` (0: stand still)."""
        if not speed >= 0:
            raise ValueError("a clock runs at a speed of 0 or more")
        with self._lock:
            self._at, self._since, self._speed = self._now(), time.monotonic(), float(speed)
            sleepers = list(self._sleepers)
        for sleeper in sleepers:
            sleeper.wake()

    async def sleep_until(self, moment: datetime) -> None:
        sleeper = _Sleeper()
        with self._lock:
            self._sleepers.add(sleeper)
        try:
            while True:
                sleeper.event.clear()  # before looking: a move after the look wakes it
                with self._lock:
                    left = (moment - self._now()).total_seconds()
                    speed = self._speed
                if left <= 0:
                    return
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(left / speed if speed else None):
                        await sleeper.event.wait()
        finally:
            with self._lock:
                self._sleepers.discard(sleeper)

    async def sleep(self, seconds: float) -> None:
        await self.sleep_until(self.now() + timedelta(seconds=seconds))

    def span(self, real_seconds: float) -> timedelta:
        """`real_seconds` at this clock's speed; a clock that stands still counts them one
        to one (a test moving it by hand sees the waits a platform asked for)."""
        return timedelta(seconds=real_seconds * (self._speed or 1.0))


class FakeClock(ScaledClock):
    """A clock that stands still at `start` until a test moves it (`set`, `advance`); the
    console's and the tests' clock."""

    def __init__(self, start: datetime) -> None:
        super().__init__(start, speed=0.0)


async def nap(clock: Clock, until: datetime | None, wake: asyncio.Event,
              longest: float | None = None) -> None:
    """Wait until `wake` is set or `clock` reaches `until` (None: no such moment), but no
    longer than `longest` real seconds (None: no limit)."""
    if wake.is_set():
        return
    waits: set[asyncio.Future[object]] = {asyncio.ensure_future(wake.wait())}
    if until is not None:
        waits.add(asyncio.ensure_future(clock.sleep_until(until)))
    try:
        await asyncio.wait(waits, timeout=longest, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiting in waits:
            waiting.cancel()
        await asyncio.gather(*waits, return_exceptions=True)
