"""Two replicas on one PostgreSQL database, inside this test process: each with a store of its
own (its own connections), its own bot, dispatcher and fake clock, as two `ogpbot serve`
processes would have. A notice goes out once between them; one that a replica was sending
when it died is sent again by the other when the lease runs out, and not before; scheduling on
one wakes the other; a conversation's pace holds across both; a request delivered to both is
answered once. (tests/store/test_replicas.py does the same with real `ogpbot serve` processes.)"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
import pytest_asyncio

from bot.core.command import Command, Place, Speaker
from bot.core.notice import Notice, NoticeState, Target
from bot.core.reply import Reply
from bot.notices import dispatcher as dispatching
from bot.notices.destinations import Via
from bot.notices.dispatcher import LEASE, RESENT, Destination, Dispatcher
from bot.notices.outbox import OUTBOX
from bot.store.contract import StoreError
from bot.store.postgres import PostgresStore
from tests.notice_kit import PROPOSER, Kit, SlowToArrive, oslo
from tests.serving import eventually

pytestmark = pytest.mark.asyncio
NOW = oslo(2026, 12, 1, 8, 0)


@pytest_asyncio.fixture
async def pair(pg_url: str) -> AsyncIterator[tuple[Kit, Kit]]:
    kits = (Kit(NOW, store=PostgresStore(pg_url)), Kit(NOW, store=PostgresStore(pg_url)))
    try:
        yield kits
    finally:
        for kit in kits:
            await kit.dispatcher.stop()
            kit.store.close()


def to_channel(n: int, due: datetime = NOW) -> Notice:
    return Notice(f"test:{n}", Target("conversation", platform="slack", conversation=f"C{n}"),
                  Reply(language="nb", title=f"Melding {n}"), due, "agenda")


def at(when: datetime, *kits: Kit) -> None:
    for kit in kits:
        kit.clock.set(when)


async def test_each_notice_goes_out_once_between_two_replicas(pair: tuple[Kit, Kit]) -> None:
    a, b = pair
    with a.store.transaction():
        for n in range(40):
            a.bot.outbox.schedule(to_channel(n))
    for _ in range(5):
        await asyncio.gather(a.dispatcher.run_due(), b.dispatcher.run_due())
    sent = [s.to for s in a.notifier.sent + b.notifier.sent]
    assert sorted(sent) == sorted(f"C{n}" for n in range(40))
    assert {n.state for n in a.bot.outbox.all()} == {NoticeState.SENT}


async def test_a_dead_replicas_send_is_taken_over_when_its_lease_runs_out(
        pair: tuple[Kit, Kit]) -> None:
    a, b = pair
    a.bot.outbox.schedule(to_channel(1))
    # Replica a claims the notice and marks it `sending`, then dies before the platform answers.
    [notice] = await asyncio.to_thread(a.dispatcher._claim, NOW)
    where = Destination("slack", Via.POST, "C1", "C1")
    began = a.store.atomically(lambda: a.dispatcher._begin_op(notice.key, where, NOW))
    assert began is not None and a.bot.outbox.get(notice.key).state is NoticeState.SENDING

    # b starting up does not send it again: a may still be sending it.
    assert await b.dispatcher.recover() == 0
    at(NOW + timedelta(seconds=LEASE - 1), b)
    assert await b.dispatcher.run_due() == 0
    assert b.notifier.sent == []

    # Once a's lease has run out, b sends it, once, saying it may repeat.
    at(NOW + timedelta(seconds=LEASE + 1), b)
    await b.dispatcher.run_due()
    await b.dispatcher.run_due()
    assert [s.to for s in b.notifier.sent] == ["C1"]
    done = b.bot.outbox.get(notice.key)
    assert done is not None and done.state is NoticeState.SENT and done.last_error == RESENT


async def test_a_live_replica_keeps_its_claims_by_renewing_them(pair: tuple[Kit, Kit]) -> None:
    a, b = pair
    a.bot.outbox.schedule(to_channel(1))
    await asyncio.to_thread(a.dispatcher._claim, NOW)
    later = NOW + timedelta(seconds=LEASE * 3)
    a.store.renew(OUTBOX, a.dispatcher.owner, later.timestamp() + LEASE)
    at(later, b)
    assert await b.dispatcher.run_due() == 0
    assert a.store.holder(OUTBOX, "test:1") == a.dispatcher.owner


async def test_scheduling_on_one_replica_wakes_the_others_dispatcher(
        pair: tuple[Kit, Kit]) -> None:
    a, b = pair
    connected = threading.Event()  # b's store listens: it says so with a None
    b.store.listen(OUTBOX, lambda what: connected.set() if what is None else None)
    await b.dispatcher.start()
    assert await asyncio.to_thread(connected.wait, 10)
    a.bot.outbox.schedule(to_channel(7))  # a's dispatcher is not even running
    await eventually(lambda: [s.to for s in b.notifier.sent] == ["C7"], within=30)


async def test_a_conversations_pace_holds_across_replicas(
        pair: tuple[Kit, Kit], monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = pair
    monkeypatch.setattr("bot.notices.dispatcher.CLAIM_BATCH", 2)  # so that both get some
    pace = 1.0
    sent_at: list[float] = []
    for kit in pair:
        kit.dispatcher.pace = {"slack": pace}
        post = kit.notifier.post

        async def timed(conversation: str, message: Reply, reference: object = None,
                        post: object = post, key: str = "") -> None:
            sent_at.append(time.time())
            await post(conversation, message, reference, key=key)  # type: ignore[operator]

        kit.notifier.post = timed  # type: ignore[method-assign]
    with a.store.transaction():
        for n in range(4):
            a.bot.outbox.schedule(Notice(
                f"test:{n}", Target("conversation", platform="slack", conversation="C0"),
                Reply(language="nb", title=f"Melding {n}"), NOW, "agenda"))
    # Each replica claims what the other has not; both send to the one conversation.
    for _ in range(4):
        await asyncio.gather(a.dispatcher.run_due(), b.dispatcher.run_due())
    assert len(sent_at) == 4 and a.notifier.sent and b.notifier.sent
    gaps = [later - earlier for earlier, later in zip(sorted(sent_at), sorted(sent_at)[1:],
                                                       strict=False)]
    # The moments booked are a pace apart; each send follows its moment within a moment.
    assert min(gaps) >= pace / 2


async def test_a_replicas_next_message_waits_a_pace_after_the_others_arrived(
        pair: tuple[Kit, Kit], monkeypatch: pytest.MonkeyPatch) -> None:
    """Replica a's message took 0.6 s to reach Slack; b's next one to the same conversation
    leaves a pace after it arrived (a pace after a's booked moment, it would be refused)."""
    a = pair[0]
    seconds = [1000.0]
    monkeypatch.setattr(dispatching, "protocol_seconds", lambda: seconds[0])

    async def sleep(wait: float) -> None:
        seconds[0] += wait

    slack = SlowToArrive(seconds, transits=[0.6])
    for n, kit in enumerate(pair):
        a.bot.outbox.schedule(Notice(
            f"test:{n}", Target("conversation", platform="slack", conversation="C0"),
            Reply(language="nb", title=f"Melding {n}"), NOW, "agenda"))
        assert await Dispatcher(kit.bot, {"slack": slack}, sleep=sleep).run_due() == 1
    assert [s.message.title for s in slack.sent] == ["Melding 0", "Melding 1"]
    assert round(slack.arrived[1] - slack.arrived[0], 2) == 1.05


async def test_a_request_delivered_to_both_replicas_is_answered_once(
        pair: tuple[Kit, Kit]) -> None:
    a, b = pair
    speaker = Speaker("slack", PROPOSER.slack_id, email=PROPOSER.email)
    command = Command(speaker, Place("slack", "D0ANDERS", is_direct=True), words=(
        "propose Åpne innsynslogger | Lite innsyn | Publiser loggene | transparency | innsyn | "
        "jd"), request_key="event:Ev0RETRIED")
    replies = await asyncio.gather(asyncio.to_thread(a.bot.handle, command),
                                   asyncio.to_thread(b.bot.handle, command))
    assert sorted(r.repeated for r in replies) == [False, True]
    assert all(r.ok and "P-1" in r.text for r in replies)
    assert [p.number for p in a.bot.records.proposals()] == [1]


async def test_a_failed_write_in_one_lane_leaves_the_other_lanes_claims_alone(
        pair: tuple[Kit, Kit], monkeypatch: pytest.MonkeyPatch) -> None:
    """Replica a sends to C1 (a slow send) and to C2; marking C2's notice sent fails once (a
    pool time-out, say). C1's claim stays a's while its send goes on: b, looking meanwhile,
    finds nothing to take, and each notice arrives once."""
    a, b = pair
    slow = asyncio.Event()
    post = a.notifier.post

    async def hold_c1(conversation: str, message: Reply, reference: object = None,
                      key: str = "") -> None:
        if conversation == "C1":
            await slow.wait()
        await post(conversation, message, reference, key=key)  # type: ignore[arg-type]

    a.notifier.post = hold_c1  # type: ignore[method-assign]
    put = a.store.put
    failed: list[str] = []

    def put_failing_once(collection: str, key: str, doc: dict[str, object]) -> None:
        if key == "test:2" and doc.get("state") == "sent" and not failed:
            failed.append(key)
            raise StoreError("every connection stayed busy for 30 s")
        put(collection, key, doc)

    monkeypatch.setattr(a.store, "put", put_failing_once)
    with a.store.transaction():
        a.bot.outbox.schedule(to_channel(1))
        a.bot.outbox.schedule(to_channel(2))
    sending = asyncio.create_task(a.dispatcher.run_due())
    try:
        await eventually(lambda: failed and [s.to for s in a.notifier.sent] == ["C2"],
                         within=10)
        # the failed write has been written again: the failure is over, and had it ended
        # the lanes, C1's claim would have been given up with them
        await eventually(lambda: a.bot.outbox.get("test:2").state is NoticeState.SENT,
                         within=30)
        assert await b.dispatcher.run_due() == 0  # C1 is still a's: its send goes on
        assert a.store.holder(OUTBOX, "test:1") == a.dispatcher.owner
    finally:
        slow.set()
        await asyncio.wait_for(sending, 30)
    await b.dispatcher.run_due()
    assert sorted(s.to for s in a.notifier.sent + b.notifier.sent) == ["C1", "C2"]
    assert {n.key: n.state for n in a.bot.outbox.all()} == {
        "test:1": NoticeState.SENT, "test:2": NoticeState.SENT}
