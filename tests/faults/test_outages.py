"""The Slack Web API and the Teams connector failing for a while (500s, or no answer at all):
the real dispatcher keeps the notices, sends each once they recover, and sends none twice but
one whose answer never came back after the platform had taken it (the request reached the
platform; only it knows, and the contract prefers a repeat to a loss)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from adapters.outbox_service import DISPATCHER, notifiers_of
from adapters.slack.notifier import SlackNotifier
from adapters.slack.retry import SlackRetryHandler
from bot.core.clock import FakeClock
from bot.core.notice import Notice, NoticeState, Target
from bot.core.reply import Reply
from bot.notices.dispatcher import Dispatcher
from tests.adapters.teams.conftest import CHANNEL, OLA, Bench
from tests.adapters.teams.conftest import bench as bench  # the fixtures, for the Teams test
from tests.adapters.teams.conftest import issuer as issuer
from tests.chat import Chat
from tests.fakes.slack_api import FakeSlackAPI
from tests.serving import eventually

pytestmark = pytest.mark.asyncio
CONVERSATIONS = ("C0PLENARY", "C0TABLE1", "C0TABLE2")


def schedule(chat: Chat, target: Target, tag: str, count: int) -> list[str]:
    keys = []
    for n in range(count):
        key = f"outage:{tag}:{n}"
        chat.bot.outbox.schedule(Notice(key, target, Reply(language="nb", title=key),
                                        chat.clock.now(), "test"))
        keys.append(key)
    return keys


async def rounds(dispatcher: Dispatcher, clock: FakeClock, count: int) -> None:
    """Rounds of sending, a quarter of an hour apart on the bot's clock (past any back-off)."""
    for _ in range(count):
        await dispatcher.run_due()
        clock.advance(timedelta(minutes=15))


def states(chat: Chat) -> Counter[NoticeState]:
    return Counter(n.state for n in chat.bot.outbox.all())


def slack_dispatcher(chat: Chat, fake: FakeSlackAPI, timeout: float) -> Dispatcher:
    """The dispatcher sending through the Slack notifier to `fake`, with one quick retry."""
    client = AsyncWebClient(token="xoxb-outage", base_url=fake.url, timeout=timeout,
                            retry_handlers=[SlackRetryHandler(max_retry_count=1, backoff=0.01)])
    return Dispatcher(chat.bot, {"slack": SlackNotifier(client)}, pace={})


async def test_slack_answering_500_then_nothing_then_recovering() -> None:
    async with FakeSlackAPI() as fake:
        chat = Chat()
        dispatcher = slack_dispatcher(chat, fake, timeout=1)
        for conversation in CONVERSATIONS:
            schedule(chat, Target(kind="conversation", platform="slack",
                                  conversation=conversation), conversation, 2)
        fake.outage(500, methods=["chat.postMessage"])
        await rounds(dispatcher, chat.clock, 2)
        assert states(chat) == {NoticeState.PENDING: 6}  # failed, kept, nothing sent
        assert fake.calls_to("chat.postMessage", ok=True) == []

        fake.heal()
        fake.hang(3, count=3, methods=["chat.postMessage"])  # three answers never come
        await rounds(dispatcher, chat.clock, 1)
        fake.heal()
        await rounds(dispatcher, chat.clock, 3)

        assert states(chat) == {NoticeState.SENT: 6}
        titles = Counter(m["text"].split("\n")[0] for c in CONVERSATIONS
                         for m in fake.messages_in(c))
        assert set(titles) == {f"outage:{c}:{n}" for c in CONVERSATIONS for n in range(2)}
        doubled = [t for t, count in titles.items() if count > 1]
        assert len(doubled) <= 3 and all(titles[t] == 2 for t in doubled)
        assert dispatcher.stats["failed"] == 0


async def test_slack_500_alone_doubles_nothing() -> None:
    async with FakeSlackAPI() as fake:
        chat = Chat()
        dispatcher = slack_dispatcher(chat, fake, timeout=2)
        schedule(chat, Target(kind="conversation", platform="slack", conversation="C0PLENARY"),
                 "plenary", 4)
        fake.outage(500, count=7, methods=["chat.postMessage"])
        # a 500 may come after Slack posted: no post is repeated in place, each round's one
        # try looks first whether the last one arrived; the eighth round gets through
        await rounds(dispatcher, chat.clock, 8)
        texts = [m["text"].split("\n")[0] for m in fake.messages_in("C0PLENARY")]
        assert sorted(texts) == [f"outage:plenary:{n}" for n in range(4)]  # once each
        assert fake.outage_answers == 7


async def test_the_server_sends_teams_notices(bench: Bench) -> None:
    """`ogpbot serve`'s dispatcher knows the Teams notifier (it once knew only Slack's, and
    skipped every Teams notice as "not reachable")."""
    assert "teams" in notifiers_of(bench.app)
    assert "teams" in bench.app[DISPATCHER].notifiers


async def test_teams_connector_answering_500_then_recovering(bench: Bench) -> None:
    await bench.say("help", user=OLA, conversation=CHANNEL, kind="channel")
    bot = bench.runtime.bot
    clock = bench.runtime.clock
    assert isinstance(clock, FakeClock)
    dispatcher = bench.app[DISPATCHER]  # the server's own, running in the background
    person = bot.records.person_by_platform("teams", OLA["id"])
    assert person is not None
    keys = [f"teams-outage:{n}" for n in range(3)]

    def mine() -> list[Notice]:
        return [n for n in (bot.outbox.get(k) for k in keys) if n is not None]

    async def tried(times: int) -> None:
        await eventually(lambda: mine()[0].attempts >= times
                         and mine()[0].state is NoticeState.PENDING, within=30)

    bench.fake.outage(500, count=None)
    for n, key in enumerate(keys):
        bot.outbox.schedule(Notice(key, Target.to_person(person.key),
                                   Reply(language="en", title=f"Notice {n}"), clock.now(),
                                   "test"))
    await tried(1)
    clock.advance(timedelta(minutes=15))
    dispatcher.wake()
    await tried(2)
    assert {n.state for n in mine()} == {NoticeState.PENDING}  # kept through the outage
    before = len(bench.fake.activities())
    bench.fake.clear_faults()
    clock.advance(timedelta(minutes=15))
    dispatcher.wake()
    await eventually(lambda: {n.state for n in mine()} == {NoticeState.SENT}, within=30)
    # every notice is marked sent once the platform answered: the counts are final
    sent = [json.dumps(a.activity) for a in bench.fake.activities()[before:]]
    assert [sum(f"Notice {n}" in a for a in sent) for n in range(3)] == [1, 1, 1]
