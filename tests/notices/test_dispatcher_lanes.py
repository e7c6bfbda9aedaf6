"""The running dispatcher's lanes are independent of each other: a send that hangs in one
conversation does not hold back a notice that falls due meanwhile in another (it would be
skipped as stale once it was let through), and a person who must first be looked up by e-mail
does not hold back the notices to everyone else. (tests/test_replicas_store.py shows that a
failing write in one lane leaves the other lanes' claims alone.) Within a lane, each message
reaches the platform at least its pace after the one before, however late that one got
there."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta
from typing import Any

import pytest

from bot.core.notice import Notice, NoticeState, Target
from bot.core.people import roster_key
from bot.core.reply import Reply
from bot.core.seminar import parse_seminar
from bot.notices import dispatcher as dispatching
from bot.notices.dispatcher import Dispatcher
from bot.notices.port import FileAttachment
from tests import cast
from tests.notice_kit import Kit, RecordingNotifier, SlowToArrive, oslo, seminar_data
from tests.serving import eventually

pytestmark = pytest.mark.asyncio
NOW = oslo(2026, 12, 1, 8, 0)
UNKNOWN = cast.LARS.email  # on the roster, never wrote to the bot: no Slack id yet


class HeldNotifier(RecordingNotifier):
    """Records like `RecordingNotifier`, but holds a send to an address (or a look-up of an
    e-mail) until the test lets it go."""

    def __init__(self) -> None:
        super().__init__()
        self.held: dict[str, asyncio.Event] = {}
        self.holding: set[str] = set()  # what is being held right now

    async def _hold(self, what: str) -> None:
        gate = self.held.get(what)
        if gate is not None:
            self.holding.add(what)
            await gate.wait()
            self.holding.discard(what)

    async def post(self, conversation: str, message: Reply,
                   reference: dict[str, Any] | None = None, *, key: str = "") -> None:
        await self._hold(conversation)
        await super().post(conversation, message, reference, key=key)

    async def direct(self, user_id: str, message: Reply,
                     attachment: FileAttachment | None = None, *, key: str = "") -> None:
        await self._hold(user_id)
        await super().direct(user_id, message, attachment, key=key)

    async def find_user(self, email: str) -> str | None:
        await self._hold(email)
        return await super().find_user(email)


def to_channel(key: str, channel: str, due: Any = NOW, stale: Any = None) -> Notice:
    return Notice(key, Target("conversation", platform="slack", conversation=channel),
                  Reply(language="nb", title=f"Til {channel}"), due, "agenda",
                  stale_after=stale)


def held_kit() -> tuple[Kit, HeldNotifier]:
    data = seminar_data()
    data["people"].append(cast.LARS.roster())
    kit = Kit(NOW, parse_seminar(data))
    notifier = HeldNotifier()
    kit.notifier = notifier
    kit.dispatcher.notifiers = {"slack": notifier}
    return kit, notifier


async def test_a_notice_due_while_another_lane_hangs_goes_out_on_time() -> None:
    kit, notifier = held_kit()
    notifier.held["C0SLOW"] = asyncio.Event()
    kit.bot.outbox.schedule(to_channel("slow", "C0SLOW"))
    # due five seconds later, useless once ten have passed (like a heads-up once its item began)
    kit.bot.outbox.schedule(to_channel("heads-up", "C0SEMINAR", NOW + timedelta(seconds=5),
                                       NOW + timedelta(seconds=10)))
    await kit.dispatcher.start()
    try:
        await eventually(lambda: "C0SLOW" in notifier.holding, within=10)
        kit.clock.set(NOW + timedelta(seconds=5))
        kit.dispatcher.wake()
        await eventually(lambda: [s.to for s in notifier.sent] == ["C0SEMINAR"], within=10)
        # marked sent once its lane writes (the send is recorded a moment before), while the
        # slow send is still going on: it is held until the test lets it go
        await eventually(lambda: getattr(kit.bot.outbox.get("heads-up"), "state", None)
                         is NoticeState.SENT, within=10)
        assert "C0SLOW" in notifier.holding
        notifier.held["C0SLOW"].set()
        await eventually(lambda: sorted(s.to for s in notifier.sent) == ["C0SEMINAR", "C0SLOW"],
                         within=10)
    finally:
        notifier.held.get("C0SLOW", asyncio.Event()).set()
        await kit.dispatcher.stop()
    assert {n.key: n.state for n in kit.bot.outbox.all()} == {
        "slow": NoticeState.SENT, "heads-up": NoticeState.SENT}


async def test_looking_someone_up_holds_back_no_one_else() -> None:
    kit, notifier = held_kit()
    notifier.held[UNKNOWN] = asyncio.Event()
    notifier.directory[UNKNOWN] = "U0NILS"
    kit.bot.outbox.schedule(Notice(f"tables:{roster_key(UNKNOWN)}",
                                   Target.to_person(roster_key(UNKNOWN)),
                                   Reply(language="nb", title="Ditt bord"), NOW, "tables"))
    kit.bot.outbox.schedule(to_channel("plan", "C0SEMINAR"))
    await kit.dispatcher.start()
    try:
        await eventually(lambda: [s.to for s in notifier.sent] == ["C0SEMINAR"], within=10)
        assert UNKNOWN in notifier.holding  # the look-up is still going on
        notifier.held[UNKNOWN].set()
        await eventually(lambda: [s.to for s in notifier.sent] == ["C0SEMINAR", "U0NILS"],
                         within=10)
    finally:
        notifier.held.get(UNKNOWN, asyncio.Event()).set()
        await kit.dispatcher.stop()
    nils = kit.bot.records.person(roster_key(UNKNOWN))
    assert nils is not None and nils.platform_ids == {"slack": "U0NILS"}


async def test_a_stop_while_a_lane_hangs_leaves_the_rest_pending_for_the_next_start() -> None:
    kit, notifier = held_kit()
    notifier.held["C0SLOW"] = asyncio.Event()
    kit.bot.outbox.schedule(to_channel("1-slow", "C0SLOW"))
    kit.bot.outbox.schedule(to_channel("2-after-it", "C0SLOW"))
    await kit.dispatcher.start()
    await eventually(lambda: "C0SLOW" in notifier.holding, within=10)
    await kit.dispatcher.stop(within=0.2)
    notifier.held["C0SLOW"].set()
    states = {n.key: n.state for n in kit.bot.outbox.all()}
    # the send that was cut off may have arrived: it goes again; the one after it never began
    assert states == {"1-slow": NoticeState.SENDING, "2-after-it": NoticeState.PENDING}
    assert notifier.sent == []


async def test_someone_who_writes_while_being_looked_up_gets_their_notice_at_once() -> None:
    # The look-up finds nobody, but the person wrote to the bot meanwhile (their Slack id is
    # known, and nothing was waiting for them yet to be released): it goes now, not after
    # WAIT_FOR_PERSON of the clock's time.
    kit, notifier = held_kit()
    notifier.held[UNKNOWN] = asyncio.Event()
    key = f"tables:{roster_key(UNKNOWN)}"
    kit.bot.outbox.schedule(Notice(key, Target.to_person(roster_key(UNKNOWN)),
                                   Reply(language="nb", title="Ditt bord"), NOW, "tables"))
    await kit.dispatcher.start()
    try:
        await eventually(lambda: UNKNOWN in notifier.holding, within=10)
        kit.say(cast.LARS, "help")
        notifier.held[UNKNOWN].set()  # not in the directory: the look-up finds nobody
        await eventually(lambda: [s.to for s in notifier.sent] == [cast.LARS.slack_id],
                         within=10)
    finally:
        notifier.held.get(UNKNOWN, asyncio.Event()).set()
        await kit.dispatcher.stop()
    sent = kit.bot.outbox.get(key)
    assert sent is not None and sent.state is NoticeState.SENT
    assert kit.clock.now() == NOW


async def test_each_message_reaches_the_platform_a_pace_after_the_one_before(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The first message took 0.6 s to arrive: the next leaves a second after it arrived
    (a second after its booked slot it would have come 0.45 s after it, and been refused)."""
    seconds = [1000.0]
    monkeypatch.setattr(dispatching, "protocol_seconds", lambda: seconds[0])

    async def sleep(wait: float) -> None:
        seconds[0] += wait

    kit = Kit(NOW)
    platform = SlowToArrive(seconds, transits=[0.6, 0.05, 0.3])
    dispatcher = Dispatcher(kit.bot, {"slack": platform}, sleep=sleep)
    for n in range(4):
        kit.bot.outbox.schedule(to_channel(f"n{n}", "C0SEMINAR"))
    await dispatcher.run_due()
    assert [s.message.title for s in platform.sent] == ["Til C0SEMINAR"] * 4
    gaps = [round(b - a, 2) for a, b in itertools.pairwise(platform.arrived)]
    assert gaps == [1.05, 1.3, 1.05]
    assert {n.state for n in kit.bot.outbox.all()} == {NoticeState.SENT}
