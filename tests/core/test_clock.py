"""The process's clock: started at a moment, running at a speed, moved by hand; sleepers on it wake
when it reaches their moment or is moved there, from any thread; and a running dispatcher sends
a notice when the clock reaches its due time, however the clock got there."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.clock import FakeClock, ScaledClock, SystemClock, nap
from bot.core.notice import Notice, NoticeState, Target
from bot.core.reply import Reply
from tests.notice_kit import Kit, oslo
from tests.serving import eventually

pytestmark = pytest.mark.asyncio

START = datetime(2026, 12, 1, 7, 59, tzinfo=UTC)
#: A bound on waits that end by themselves long before it; reaching it is the failure.
BOUND = 30.0


async def settle(rounds: int = 20) -> None:
    """Let every task that is ready run (no wall time passes for it)."""
    for _ in range(rounds):
        await asyncio.sleep(0)


async def test_a_fake_clock_stands_still_and_a_sleeper_wakes_only_when_it_is_moved_far_enough(
        ) -> None:
    clock = FakeClock(START)
    sleeper = asyncio.create_task(clock.sleep_until(START + timedelta(minutes=10)))
    await settle()
    assert clock.now() == START and not sleeper.done()
    clock.advance(timedelta(minutes=9, seconds=59))
    await settle()
    assert not sleeper.done()
    clock.advance(timedelta(seconds=1))
    await asyncio.wait_for(sleeper, BOUND)
    assert clock.now() == START + timedelta(minutes=10)


async def test_a_sleeper_wakes_when_another_thread_moves_the_clock() -> None:
    clock = FakeClock(START)
    sleeper = asyncio.create_task(clock.sleep(3600))
    await settle()
    mover = threading.Thread(target=clock.set, args=(START + timedelta(hours=2),))
    mover.start()
    mover.join()
    await asyncio.wait_for(sleeper, BOUND)


async def test_a_moment_already_reached_does_not_sleep() -> None:
    clock = FakeClock(START)
    await asyncio.wait_for(clock.sleep_until(START - timedelta(days=1)), BOUND)
    await asyncio.wait_for(SystemClock().sleep_until(datetime.now(UTC)), BOUND)


async def test_a_clock_at_speed_reaches_ten_minutes_in_a_fraction_of_them() -> None:
    # At 1200 times real speed, ten minutes of the clock pass in half a real second; at real
    # speed this would outlast the bound many times over.
    clock = ScaledClock(START, speed=1200)
    await asyncio.wait_for(clock.sleep_until(START + timedelta(minutes=10)), BOUND)
    assert clock.now() >= START + timedelta(minutes=10)
    assert clock.span(30) == timedelta(seconds=30 * 1200)


async def test_a_clock_can_stop_and_run_again_and_sleepers_follow() -> None:
    clock = ScaledClock(START, speed=1.0)
    clock.run_at(0)
    stopped = clock.now()
    sleeper = asyncio.create_task(clock.sleep_until(stopped + timedelta(minutes=5)))
    await settle()
    assert clock.now() == stopped and not sleeper.done()
    clock.run_at(3000)  # five minutes in a tenth of a second
    await asyncio.wait_for(sleeper, BOUND)
    assert clock.span(2) == timedelta(seconds=6000)
    assert FakeClock(START).span(2) == timedelta(seconds=2)  # by hand: one to one


async def test_a_clock_needs_an_aware_start_and_cannot_run_backwards() -> None:
    with pytest.raises(ValueError):
        FakeClock(datetime(2026, 12, 1, 9, 0))
    with pytest.raises(ValueError):
        ScaledClock(START, speed=-1)


async def test_a_nap_ends_at_a_wake_up_or_at_its_moment() -> None:
    clock = FakeClock(START)
    wake = asyncio.Event()
    napping = asyncio.create_task(nap(clock, START + timedelta(hours=1), wake))
    await settle()
    assert not napping.done()
    wake.set()
    await asyncio.wait_for(napping, BOUND)
    wake.clear()
    napping = asyncio.create_task(nap(clock, START + timedelta(hours=1), wake))
    await settle()
    clock.advance(timedelta(hours=1))
    await asyncio.wait_for(napping, BOUND)
    napping = asyncio.create_task(nap(clock, None, wake))  # no moment: only a wake-up
    clock.advance(timedelta(days=1))
    await settle()
    assert not napping.done()
    wake.set()
    await asyncio.wait_for(napping, BOUND)


def to_channel(key: str, due: datetime) -> Notice:
    return Notice(key, Target("conversation", platform="slack", conversation="C0SEMINAR"),
                  Reply(language="nb", title=key), due, "agenda")


async def test_a_running_dispatcher_sends_when_the_clock_is_moved_to_the_due_time() -> None:
    kit = Kit(oslo(2026, 12, 1, 8, 0))
    kit.bot.outbox.schedule(to_channel("at-nine", oslo(2026, 12, 1, 9, 0)))
    await kit.dispatcher.start()
    try:
        kit.clock.set(oslo(2026, 12, 1, 8, 59, 59))
        # A notice due now wakes the dispatcher; the round that sends it finds nine o'clock's
        # notice not yet due.
        kit.bot.outbox.schedule(to_channel("now", kit.clock.now()))
        await eventually(lambda: _sent(kit, "now"), BOUND)
        assert [s.message.title for s in kit.notifier.sent] == ["now"]
        assert kit.bot.outbox.get("at-nine").state is NoticeState.PENDING  # type: ignore[union-attr]
        kit.clock.set(oslo(2026, 12, 1, 9, 0))  # the dispatcher naps on the clock: it wakes
        await eventually(lambda: _sent(kit, "at-nine"), BOUND)
        assert [s.message.title for s in kit.notifier.sent] == ["now", "at-nine"]
    finally:
        await kit.dispatcher.stop()


def _sent(kit: Kit, key: str) -> bool:
    notice = kit.bot.outbox.get(key)
    return notice is not None and notice.state is NoticeState.SENT
