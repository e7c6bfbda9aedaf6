"""End to end in Teams: `ogpbot serve` as a real process without Bot Framework credentials
(`OGPBOT_TEAMS_EMULATOR=1`, loopback only), Activity JSON posted to `/api/messages` with the
fake connector as `serviceUrl`. The coordinator picks a channel with `channel here`; the agenda
notices arrive there as new posts; a meeting's invitation and reminders reach both sides in 1:1
chats the bot opens itself (`create_conversation`); throttling and failures of the connector
for a while still deliver every notice exactly once.
"""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
import pytest_asyncio

from tests import serving as kit
from tests.adapters.teams.conftest import card_of, texts
from tests.fakes.bf_connector import FakeConnector, PostedActivity
from tests.serving import ServeProcess, eventually, outbox

pytestmark = pytest.mark.asyncio

OSLO = ZoneInfo("Europe/Oslo")
TENANT = "7d1e6a52-0000-4000-8000-00000000e2e0"
BOT = {"id": "28:ogpbot-e2e", "name": "ogpbot"}
KARI = {"id": "29:1-kari-e2e", "name": "Kari"}
INGRID = {"id": "29:1-ingrid-e2e", "name": "Ingrid"}
ANDERS = {"id": "29:1-anders-e2e", "name": "Anders"}
CHANNEL = "19:seminar-e2e@thread.tacv2"
MENTION = {"type": "mention", "text": "<at>ogpbot</at>", "mentioned": BOT}
_ids = itertools.count(1)


def seminar_toml(day: str, agenda: list[tuple[str, str, str]], leads: list[str]) -> str:
    return kit.seminar_toml(day, agenda, leads, people=[
        {"name": who["name"], "org": org, "email": f"{who['name'].lower()}@{org}.example.org",
         "teams_id": who["id"]}
        for who, org in ((KARI, "kmd"), (INGRID, "jd"), (ANDERS, "ngo"))])


class TeamsServer(ServeProcess):
    """One `ogpbot serve` process with only the Teams endpoint on, for the Emulator (loopback)."""

    def __init__(self, folder: Path, fake: FakeConnector) -> None:
        self.fake = fake
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("SLACK_", "Microsoft", "OGPBOT_TEAMS_"))}
        super().__init__({**env, "OGPBOT_TEAMS_EMULATOR": "1",
                          "OGPBOT_DB": str(folder / "ogpbot.json"),
                          "OGPBOT_SEMINAR": str(folder / "seminar.toml")},
                         folder / "serve.log", start_within=20.0)

    async def say(self, who: dict[str, str], words: str) -> PostedActivity:
        """`@ogpbot WORDS` in a thread of the seminar channel; return the bot's answer."""
        thread = f"{CHANNEL};messageid={next(_ids)}"
        activity: dict[str, Any] = {
            "type": "message", "id": f"e2e-{next(_ids)}", "serviceUrl": self.fake.url,
            "channelId": "msteams", "from": who, "recipient": BOT, "locale": "nb-NO",
            "text": f"<at>ogpbot</at> {words}", "entities": [MENTION],
            "conversation": {"id": thread, "conversationType": "channel", "isGroup": True,
                             "tenantId": TENANT},
            "channelData": {"tenant": {"id": TENANT}, "channel": {"id": CHANNEL}},
        }
        before = len(self.fake.activities_to(thread))
        async with aiohttp.ClientSession() as http, http.post(
                f"{self.url}/api/messages", json=activity) as answer:
            assert answer.status in (200, 201), await answer.text()
        await eventually(lambda: len(self.fake.activities_to(thread)) > before, within=15)
        return self.fake.activities_to(thread)[-1]


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeConnector]:
    async with FakeConnector() as connector:
        yield connector


def words(posted: PostedActivity) -> str:
    return "\n".join(texts(card_of(posted)))


def dm(who: dict[str, str]) -> str:
    return FakeConnector.personal_conversation_id(TENANT, who["id"])


def said(fake: FakeConnector, conversation: str) -> list[str]:
    return [words(p) for p in fake.activities_to(conversation)]


def count(fake: FakeConnector, conversation: str, fragment: str) -> int:
    return sum(fragment in text for text in said(fake, conversation))


async def test_teams_agenda_in_the_channel_and_meeting_notices_in_new_1to1_chats(
        fake: FakeConnector, tmp_path: Path) -> None:
    now = datetime.now(OSLO).replace(microsecond=0)
    if (now + timedelta(seconds=55)).date() != now.date():
        pytest.skip("too close to midnight in Oslo for a same-day agenda")
    # far enough ahead for a slow machine to start the server and run the commands first
    welcome, proposals, meeting = (now + timedelta(seconds=s) for s in (20, 26, 26))
    (tmp_path / "seminar.toml").write_text(seminar_toml(
        now.date().isoformat(),
        [(welcome.strftime("%H:%M:%S"), "Velkommen", "talk"),
         (proposals.strftime("%H:%M:%S"), "Forslagene", "presentations")],
        ["4s", "2s"]), encoding="utf-8")
    server = TeamsServer(tmp_path, fake)
    try:
        await server.start()
        answer = await server.say(KARI, "channel here")
        assert "får nå kunngjøringene" in words(answer)
        assert "P-1" in words(await server.say(
            ANDERS, "propose Åpne logger | Lite innsyn | Publiser dem | transparency | innsyn | "
                    "jd"))
        # the new proposal reaches the coordinator and the ministry in chats the bot opens
        await eventually(lambda: count(fake, dm(KARI), "Nytt forslag P-1") == 1
                         and count(fake, dm(INGRID), "Nytt forslag P-1") == 1)
        assert "bilateral" in words(await server.say(INGRID, "outcome P-1 bilateral")).lower()

        # The coordinator sets up the meeting: both sides are told, and so is she (the
        # invitation and the calendar file, like the others). The connector fails for a
        # while: a 429 and a 500 on the channel,
        # one on each side's chat, and a 502 on whatever comes next (the answer to `meet`, or
        # opening a chat).
        fake.throttle(429, count=1, retry_after=1, conversation_id=CHANNEL)
        fake.outage(500, count=1, conversation_id=CHANNEL)
        fake.outage(500, count=1, conversation_id=dm(ANDERS))
        fake.throttle(429, count=1, retry_after=1, conversation_id=dm(INGRID))
        fake.outage(502, count=1)
        await server.say(KARI, f"meet P-1 {meeting.date()} {meeting:%H:%M:%S} Rom 2")

        await eventually(lambda: count(fake, CHANNEL, "Forslagene") == 1, within=30)
        for side in (INGRID, ANDERS, KARI):
            await eventually(lambda side=side: count(fake, dm(side), "Påminnelse") == 2,
                             within=30)
        await asyncio.sleep(1.0)  # time for anything that would go twice
    finally:
        server.stop()

    # the agenda: one new post per item in the chosen channel (not a reply in a thread)
    channel = fake.activities_to(CHANNEL)
    assert [p.kind for p in channel] == ["send", "send"]
    assert "Velkommen" in words(channel[0]) and "Forslagene" in words(channel[1])
    # both sides and the coordinator who scheduled it: one invitation and two reminders, in
    # the 1:1 chat created for them
    for side in (INGRID, ANDERS, KARI):
        chat = dm(side)
        assert fake.conversations[chat] is not None  # opened with create_conversation
        members = fake.conversations[chat]["members"]  # type: ignore[index]
        assert [m["id"] for m in members] == [side["id"]]
        assert count(fake, chat, "Bilateralt møte om P-1") == 1
        assert count(fake, chat, "Påminnelse") == 2
        assert all(p.kind == "send" for p in fake.activities_to(chat))
    # every fault was served, and every notice is recorded as sent, once
    failed = [c.status for c in fake.calls if c.status in (429, 500, 502)]
    assert sorted(failed) == [429, 429, 500, 500, 502]
    due = {k: d for k, d in outbox(tmp_path).items()
           if datetime.fromisoformat(d["due"]) <= datetime.now(OSLO)}
    assert {d["state"] for d in due.values()} == {"sent"}, {
        k: (d["state"], d["last_error"]) for k, d in due.items()}
    assert len(due) == 2 + 2 + 3 + 6  # agenda, new proposal, invitations, reminders
    log = server.log.read_text()
    assert "sending through teams" in log
