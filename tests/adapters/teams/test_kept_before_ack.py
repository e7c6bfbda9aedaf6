"""Nothing is acknowledged to Teams before it is kept: an activity's 201 comes once what it
brings is in the store (the conversation's reference for any activity, a message as an inbox
item), so a process that dies right after the 201, before the turn has run, loses nothing. A
store that refuses the write acknowledges nothing (503: Teams sends the activity again)."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.teams.turn import Turn
from bot.app.inbox import INBOX, Inbox, Item
from bot.core.reach import Reach
from bot.store.contract import StoreError
from tests.adapters.teams.conftest import BOT, CHANNEL, KARI, OLA, TENANT, Bench

pytestmark = pytest.mark.asyncio


@pytest.fixture
def turns_never_run(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The turn after the 201 does nothing, as if the process died right after it."""
    held: list[str] = []

    async def dead(self: Turn, context: Any, admitted: Any, item: Item | None = None) -> None:
        held.append(str(context.activity.id))

    monkeypatch.setattr(Turn, "run", dead)
    return held


async def test_an_install_is_kept_before_its_201(bench: Bench, turns_never_run: list[str]
                                                 ) -> None:
    added = bench.activity(None, user=KARI, conversation=CHANNEL, kind="channel",
                           type="conversationUpdate", membersAdded=[BOT, OLA],
                           channelData={"tenant": {"id": TENANT},
                                        "channel": {"id": CHANNEL}, "eventType": "teamMemberAdded"})
    assert await bench.post(added, settle=False) == 201
    reach = Reach(bench.runtime.bot.records, "teams")
    kept = reach.conversation(CHANNEL)
    assert kept is not None and kept["reference"]["serviceUrl"] == bench.fake.url
    assert reach.contact(OLA["id"]) is not None  # who was added can be reached later


async def test_a_message_is_in_the_inbox_before_its_201(bench: Bench,
                                                        turns_never_run: list[str]) -> None:
    said = bench.activity("propose Åpne postlister | Vanskelig å finne | Publiser alt | "
                          "transparency | innsyn | jd", user=OLA)
    assert await bench.post(said, settle=False) == 201
    docs = bench.runtime.store.all(INBOX)
    assert [d["command"]["words"] for d in docs if d["state"] == "received"] == [said["text"]]


async def test_an_activity_the_store_refused_is_not_acknowledged(
        bench: Bench, monkeypatch: pytest.MonkeyPatch) -> None:
    record = Inbox.record
    refused: list[str] = []

    def full_disk(inbox: Inbox, item: Item) -> bool:
        if not refused:
            refused.append(item.key)
            raise StoreError("the disk is full")
        return record(inbox, item)

    monkeypatch.setattr(Inbox, "record", full_disk)
    said = bench.activity("help", user=OLA)
    assert await bench.post(said, again_when_busy=False) == 503  # Teams sends it again
    assert bench.fake.activities() == []
    assert await bench.post(said) == 201  # and then it is kept, and answered
    await bench.fake.wait_until(lambda: any(p.reply_to_id == said["id"]
                                            for p in bench.fake.activities()))
