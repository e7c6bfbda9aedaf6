"""Notices through `TeamsNotifier`: a DM opens the 1:1 conversation from what the bot has
seen and continues it; a blocked person is marked unreachable; throttling and outages are
retried; a channel gets a new post from its kept reference."""

from __future__ import annotations

import asyncio

import pytest

from adapters.teams.endpoint import TEAMS
from bot.core.reply import Reply
from bot.notices.port import DeliveryError
from tests.adapters.teams.conftest import BOT, CHANNEL, OLA, TENANT, Bench, card_of, texts
from tests.adapters.teams.schema_check import assert_valid_card

pytestmark = pytest.mark.asyncio
NOTICE = Reply(language="en", title="Your table", lines=("Table 3, by the window.",))


def creates(bench: Bench) -> int:
    """How many times the bot asked the connector to open a conversation."""
    return sum(1 for c in bench.fake.calls if c.method == "POST" and c.path == "/v3/conversations")


async def seen_in_channel(bench: Bench) -> None:
    """Ola writes in a channel only: the bot knows his tenant and service URL, no 1:1."""
    await bench.say("help", user=OLA, conversation=CHANNEL, kind="channel")


async def test_a_dm_opens_the_personal_conversation_and_continues_it(bench: Bench) -> None:
    await seen_in_channel(bench)

    await bench.notifier.direct(OLA["id"], NOTICE)

    [(conversation_id, parameters)] = [
        (cid, p) for cid, p in bench.fake.conversations.items() if p is not None]
    assert parameters["members"] == [{"id": OLA["id"]}]
    assert parameters["bot"]["id"] == BOT["id"]
    assert parameters["channelData"] == {"tenant": {"id": TENANT}}
    [sent] = bench.fake.activities_to(conversation_id)
    card = card_of(sent)
    assert_valid_card(card)
    assert texts(card) == ["Your table", "Table 3, by the window."]

    # the next notice goes into the same conversation without opening it again
    await bench.notifier.direct(OLA["id"], NOTICE)
    assert creates(bench) == 1
    assert len(bench.fake.activities_to(conversation_id)) == 2


async def test_a_person_who_blocked_the_bot_is_marked_unreachable(bench: Bench) -> None:
    await seen_in_channel(bench)
    bench.fake.block(OLA["id"])

    with pytest.raises(DeliveryError) as raised:
        await bench.notifier.direct(OLA["id"], NOTICE)

    assert raised.value.permanent
    assert "MessageWritesBlocked" in raised.value.reason
    person = bench.runtime.bot.records.person_by_platform("teams", OLA["id"])
    assert person is not None
    assert person.unreachable == {"teams": "MessageWritesBlocked"}

    # Ola unblocks the bot and writes to it: notices reach him again
    bench.fake.unblock(OLA["id"])
    await bench.say("help", user=OLA, conversation=CHANNEL, kind="channel")
    person = bench.runtime.bot.records.person_by_platform("teams", OLA["id"])
    assert person is not None and person.unreachable == {}
    await bench.notifier.direct(OLA["id"], NOTICE)


async def test_throttling_and_outages_are_retried(bench: Bench) -> None:
    await seen_in_channel(bench)
    bench.fake.throttle(count=2, retry_after=3)
    bench.fake.outage(502)

    await bench.notifier.direct(OLA["id"], NOTICE)

    statuses = [c.status for c in bench.fake.calls if c.method == "POST"]
    assert statuses[-5:] == [429, 429, 502, 201, 201]  # opened after three tries, then sent
    assert bench.sleeps[:2] == [3.0, 3.0]  # Retry-After honoured
    assert len(bench.sleeps) == 3  # and one backoff for the 502
    assert len(bench.fake.activities()) == 2  # the channel's help and the notice


async def test_a_lasting_outage_is_a_passing_failure(bench: Bench) -> None:
    await seen_in_channel(bench)
    bench.fake.outage(504, count=None)

    with pytest.raises(DeliveryError) as raised:
        await bench.notifier.direct(OLA["id"], NOTICE)

    assert not raised.value.permanent
    assert creates(bench) == 5  # every attempt used
    bench.fake.clear_faults()
    await bench.notifier.direct(OLA["id"], NOTICE)  # and the dispatcher's next try lands


async def test_nobody_seen_yet_is_a_passing_failure(bench: Bench) -> None:
    with pytest.raises(DeliveryError) as raised:
        await bench.notifier.direct(OLA["id"], NOTICE)
    assert not raised.value.permanent


async def test_a_channel_notice_is_a_new_post_from_the_install_reference(bench: Bench) -> None:
    install = bench.activity(None, user=OLA, conversation=CHANNEL, kind="channel",
                             type="conversationUpdate",
                             membersAdded=[BOT], channelData={
                                 "tenant": {"id": TENANT}, "eventType": "teamMemberAdded",
                                 "team": {"id": CHANNEL}})
    assert await bench.post(install) == 201
    assert bench.fake.activities() == []  # an install says nothing

    await bench.notifier.post(CHANNEL + ";messageid=1767225600000", NOTICE)

    [sent] = bench.fake.activities_to(CHANNEL)
    assert sent.kind == "send"  # a new post, not a reply in somebody's thread
    assert texts(card_of(sent))[0] == "Your table"


async def test_an_unknown_channel_is_a_permanent_failure(bench: Bench) -> None:
    with pytest.raises(DeliveryError) as raised:
        await bench.notifier.post("19:never-seen@thread.tacv2", NOTICE)
    assert raised.value.permanent


async def test_channel_here_then_an_agenda_notice_reaches_that_channel(bench: Bench) -> None:
    from bot.core.records import ANNOUNCE_SETTING
    from tests.adapters.teams.conftest import KARI, KARI_EMAIL

    thread = CHANNEL + ";messageid=1767225600001"
    bench.fake.add_member(thread, {**KARI, "email": KARI_EMAIL})
    mention = {"type": "mention", "text": "<at>ogpbot</at>", "mentioned": BOT}
    answer = await bench.say("<at>ogpbot</at> channel here", conversation=thread,
                             kind="channel", entities=[mention])
    assert answer.kind == "reply"  # the answer stays in the coordinator's thread

    place = bench.runtime.bot.records.setting(ANNOUNCE_SETTING)
    assert place["platform"] == "teams"
    await bench.notifier.post(place["conversation"], NOTICE, place["reference"])

    [notice] = [p for p in bench.fake.activities_to(CHANNEL) if p.kind == "send"]
    assert texts(card_of(notice))[0] == "Your table"
    assert notice.activity["channelData"] == {"tenant": {"id": TENANT}}


async def test_a_long_retry_after_is_left_to_the_dispatcher(bench: Bench) -> None:
    """Teams asks for half a minute: the send ends at once with a passing failure that says
    so, instead of holding a worker thread past the dispatcher's own time limit."""
    await seen_in_channel(bench)
    bench.fake.throttle(count=1, retry_after=30)

    with pytest.raises(DeliveryError) as raised:
        await asyncio.wait_for(bench.notifier.direct(OLA["id"], NOTICE), 20)  # < the 30 s

    assert not raised.value.permanent
    assert raised.value.retry_after == 30.0
    assert bench.sleeps == []  # nothing was waited out in place
    assert len(bench.fake.activities()) == 1  # only the channel's help
    await bench.notifier.direct(OLA["id"], NOTICE)  # the dispatcher's later try lands
    assert len(bench.fake.activities()) == 2


async def test_a_conversation_out_of_allowance_is_a_passing_failure(bench: Bench) -> None:
    """Past Teams' 60 messages in 30 seconds for one conversation, the next send waits for
    the dispatcher's next round rather than sleeping in a worker thread."""
    await seen_in_channel(bench)
    await bench.notifier.direct(OLA["id"], NOTICE)
    [dm] = [cid for cid, p in bench.fake.conversations.items() if p is not None]
    pacer = bench.app[TEAMS].policy.pacer
    for _ in range(70):
        pacer.reserve(dm)  # the conversation's allowance used up by earlier sends

    with pytest.raises(DeliveryError) as raised:
        await asyncio.wait_for(bench.notifier.direct(OLA["id"], NOTICE), 20)  # < the 30 s

    assert not raised.value.permanent
    assert raised.value.retry_after is not None and raised.value.retry_after > 5
    assert len(bench.fake.activities_to(dm)) == 1


async def test_a_send_to_a_hung_connector_is_given_up_before_the_dispatcher_does(
        bench: Bench, monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker thread cannot be stopped from outside, so a send bounds itself (its HTTP
    call included) and is over, as a passing failure, before the dispatcher gives up on it."""
    from adapters.teams import notifier

    await seen_in_channel(bench)
    await bench.notifier.direct(OLA["id"], NOTICE)
    monkeypatch.setattr(notifier, "SEND_WITHIN", 0.5)
    bench.fake.hang(30, count=None)

    with pytest.raises(DeliveryError) as raised:
        await asyncio.wait_for(bench.notifier.direct(OLA["id"], NOTICE), 20)  # < the 30 s

    assert not raised.value.permanent


async def test_notices_and_health_checks_read_the_store_off_the_event_loop(
        bench: Bench, monkeypatch: pytest.MonkeyPatch) -> None:
    """A store read can wait on a writer's lock (and its fsync): the loop that answers Slack,
    Teams and the public record must not be the one waiting."""
    import threading

    await seen_in_channel(bench)
    loop_thread = threading.get_ident()
    readers: list[int] = []
    store = bench.runtime.store
    for name in ("get", "all"):
        real = getattr(store, name)

        def reading(*args: object, _real=real, **kw: object) -> object:
            readers.append(threading.get_ident())
            return _real(*args, **kw)

        monkeypatch.setattr(store, name, reading)

    await bench.notifier.direct(OLA["id"], NOTICE)
    await bench.notifier.post(CHANNEL, NOTICE)
    async with bench.http.get(bench.url + "/healthz") as response:
        assert response.status == 200

    assert readers, "the store was read"
    assert loop_thread not in readers


async def test_a_calendar_link_appears_once_and_the_message_is_sent_as_is(bench: Bench) -> None:
    from bot.notices.port import FileAttachment

    await seen_in_channel(bench)
    url = "https://ogp.example.org/calendar/P-3.ics"
    invitation = Reply(language="en", title="Meeting about P-3",
                       lines=("Tuesday 1 December, 10:00.", f"Calendar file: {url}"),
                       errors={"note": "The room may change."})
    calendar = FileAttachment("P-3.ics", b"BEGIN:VCALENDAR", "text/calendar", url)

    await bench.notifier.direct(OLA["id"], invitation, calendar)

    [sent] = [a for a in bench.fake.activities() if a.conversation_id != CHANNEL]
    shown = texts(card_of(sent))
    assert shown == ["Meeting about P-3", "Tuesday 1 December, 10:00.",
                     f"Calendar file: {url}", "The room may change."]
    assert sum(url in line for line in shown) == 1


async def test_a_personal_conversation_gone_is_opened_anew_on_the_next_try(bench: Bench) -> None:
    await seen_in_channel(bench)
    await bench.notifier.direct(OLA["id"], NOTICE)
    assert creates(bench) == 1
    [dm] = [cid for cid, p in bench.fake.conversations.items() if p is not None]
    bench.fake.outage(404, conversation_id=dm)  # Teams no longer knows that 1:1

    with pytest.raises(DeliveryError) as raised:
        await bench.notifier.direct(OLA["id"], NOTICE)
    assert not raised.value.permanent

    await bench.notifier.direct(OLA["id"], NOTICE)  # the dispatcher's next try
    assert creates(bench) == 2


async def test_a_notice_answered_502_is_not_sent_again_in_place(bench: Bench) -> None:
    """A 502 may come after Teams took the message, and Teams lets a bot read nothing back to
    check: the notice is not posted again on the spot but handed back in doubt (the dispatcher
    records it, and sends it again later saying it may repeat)."""
    await seen_in_channel(bench)
    await bench.notifier.direct(OLA["id"], NOTICE)  # the 1:1 is open
    posts = len([c for c in bench.fake.calls if c.method == "POST"])
    bench.fake.outage(502)
    with pytest.raises(DeliveryError) as raised:
        await bench.notifier.direct(OLA["id"], NOTICE, key="reminder:P-1:ola")
    assert raised.value.in_doubt and not raised.value.permanent
    assert len([c for c in bench.fake.calls if c.method == "POST"]) == posts + 1  # one try
    assert await bench.notifier.delivered(OLA["id"], "reminder:P-1:ola", direct=True) is None


async def test_retry_lines_name_no_platform_id(bench: Bench,
                                               caplog: pytest.LogCaptureFixture) -> None:
    await seen_in_channel(bench)
    caplog.set_level("INFO")
    bench.fake.throttle(count=1, retry_after=1)  # opening Ola's 1:1 is retried once
    bench.fake.outage(502)
    await bench.notifier.direct(OLA["id"], NOTICE)
    assert "retrying" in caplog.text
    assert OLA["id"] not in caplog.text
