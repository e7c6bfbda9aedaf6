"""End to end in Teams: `ogpbot serve` as a real process without Bot Framework credentials
(`OGPBOT_TEAMS_EMULATOR=1`, loopback only), Activity JSON posted to `/api/messages` with the
fake connector as `serviceUrl`. The coordinator picks a channel with `channel here`; the agenda
notices arrive there as new posts; a meeting's invitation and reminders reach both sides in 1:1
chats the bot opens itself (`create_conversation`); throttling and failures of the connector
for a while still deliver every notice exactly once. The server's clock is moved by the test
(`OGPBOT_TEST_CLOCK`) to each moment a notice is due.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
import pytest_asyncio

from tests import cast
from tests.adapters.teams.conftest import card_of, texts
from tests.fakes.bf_connector import FakeConnector, PostedActivity
from tests.serving import ServeProcess, clock_env, eventually, outbox

pytestmark = pytest.mark.asyncio

OSLO = ZoneInfo("Europe/Oslo")
TENANT = "7d1e6a52-0000-4000-8000-00000000e2e0"
BOT = {"id": "28:ogpbot-e2e", "name": "ogpbot"}
KARI, INGRID, ANDERS = (p.teams_account for p in (cast.KARI, cast.INGRID, cast.ANDERS))
CHANNEL = "19:seminar-e2e@thread.tacv2"
MENTION = {"type": "mention", "text": "<at>ogpbot</at>", "mentioned": BOT}
_ids = itertools.count(1)


def seminar_toml(day: str, agenda: list[tuple[str, str, str]], leads: list[str]) -> str:
    return cast.seminar_toml(day, agenda, leads,
                             people=cast.roster(cast.KARI, cast.INGRID, cast.ANDERS, teams=True))


class TeamsServer(ServeProcess):
    """One `ogpbot serve` process with only the Teams endpoint on, for the Emulator (loopback)."""

    def __init__(self, folder: Path, fake: FakeConnector,
                 start: datetime = datetime(2026, 11, 30, 12, 0, tzinfo=OSLO)) -> None:
        self.fake = fake
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("SLACK_", "Microsoft", "OGPBOT_TEAMS_"))}
        super().__init__({**env, "OGPBOT_TEAMS_EMULATOR": "1",
                          "OGPBOT_DB": str(folder / "ogpbot.json"),
                          "OGPBOT_SEMINAR": str(folder / "seminar.toml"), **clock_env(start)},
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
        await eventually(lambda: len(self.fake.activities_to(thread)) > before, within=30)
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


def oslo(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=OSLO)  # type: ignore[misc]


def settled(folder: Path, now: datetime) -> bool:
    """Every notice due by `now` is sent (each is marked sent once the platform answered)."""
    return all(d["state"] == "sent" for d in outbox(folder).values()
               if datetime.fromisoformat(d["due"]) <= now)


async def test_teams_agenda_in_the_channel_and_meeting_notices_in_new_1to1_chats(
        fake: FakeConnector, tmp_path: Path) -> None:
    (tmp_path / "seminar.toml").write_text(seminar_toml(
        "2026-12-01", [("09:00", "Velkommen", "talk"), ("09:30", "Forslagene", "presentations")],
        ["1h", "10m"]), encoding="utf-8")
    server = TeamsServer(tmp_path, fake, oslo(2026, 12, 1, 8, 0))
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
        await server.say(KARI, "meet P-1 2026-12-01 11:00 Rom 2")
        for moment in (oslo(2026, 12, 1, 9, 0), oslo(2026, 12, 1, 9, 30),
                       oslo(2026, 12, 1, 10, 0), oslo(2026, 12, 1, 10, 50)):
            now = await server.clock(at=moment)
            await eventually(lambda now=now: settled(tmp_path, now), within=30)
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
           if datetime.fromisoformat(d["due"]) <= now}
    assert {d["state"] for d in due.values()} == {"sent"}, {
        k: (d["state"], d["last_error"]) for k, d in due.items()}
    assert len(due) == 2 + 2 + 3 + 6  # agenda, new proposal, invitations, reminders
    log = server.log.read_text()
    assert "sending through teams" in log
    # nobody's platform id, nor the id of their 1:1 chat, in the log (a stand-in at most)
    named = [value for who in (KARI, INGRID, ANDERS) for value in (who["id"], dm(who))
             if value in log or value.split(":", 1)[-1] in log]
    assert not named, named
