"""End to end: `ogpbot serve` as a real process, driven by signed Slack slash commands, sending
through the Slack adapter's notifier to the fake Slack Web API on loopback. Agenda notices reach
the chosen channel, reminders reach both sides by DM, 429 answers lose nothing, and a process
killed with SIGKILL and started again sends nothing twice (but the notices that were in flight
at that instant, which the contract allows) and loses nothing.

The server's clock starts at a chosen moment (`OGPBOT_TEST_CLOCK`) and the test moves it to
each moment it wants: a notice goes out when the clock reaches it, not after real time passes.

These need the Slack adapter (`adapters.slack`); until it is there they are skipped.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest
import pytest_asyncio

from tests import cast
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_signing import signed_headers, slash_command_body
from tests.serving import ServeProcess, clock_env, eventually, outbox

pytest.importorskip("adapters.slack")
pytestmark = pytest.mark.asyncio

OSLO = ZoneInfo("Europe/Oslo")
TOKEN = "xoxb-ogpbot-e2e"
SECRET = "ogpbot-e2e-signing-secret"
CHANNEL = "C0SEMINAR"
KARI, INGRID, ANDERS = cast.KARI.slack_id, cast.INGRID.slack_id, cast.ANDERS.slack_id
MINISTRY_IDS = [f"U0JD{n}" for n in range(6)]
#: The seminar day most end-to-end tests use, and the moment their servers' clocks start.
DAY = "2026-12-01"
DAY_BEFORE = datetime(2026, 11, 30, 12, 0, tzinfo=OSLO)


def seminar_toml(day: str, agenda: list[tuple[str, str, str]], leads: list[str]) -> str:
    people = cast.roster(cast.KARI, cast.INGRID, cast.ANDERS, slack=True)
    people += [{"name": f"JD {n}", "org": "jd", "email": f"jd{n}@jd.example.org",
                "slack_id": uid} for n, uid in enumerate(MINISTRY_IDS)]
    return cast.seminar_toml(day, agenda, leads, people=people)


class Server(ServeProcess):
    """One `ogpbot serve` process on a store file that outlives it, its clock started at
    `start` (by default `DAY_BEFORE`) and running at real speed, moved by the test
    (`ServeProcess.clock`)."""

    def __init__(self, folder: Path, fake: FakeSlackAPI, start: datetime | None = None) -> None:
        start = DAY_BEFORE if start is None else start
        super().__init__({**os.environ, "OGPBOT_DB": str(folder / "ogpbot.json"),
                          "OGPBOT_SEMINAR": str(folder / "seminar.toml"),
                          "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET,
                          "SLACK_API_URL": fake.url, **clock_env(start)}, folder / "serve.log")

    async def slash(self, fake: FakeSlackAPI, user: str, text: str) -> None:
        body = slash_command_body(text, user_id=user, channel_id=CHANNEL,
                                  channel_name="seminar", response_url=fake.response_url(text))
        async with aiohttp.ClientSession() as http, http.post(
                f"{self.url}/slack/events", data=body,
                headers=signed_headers(SECRET, body)) as answer:
            assert answer.status == 200, await answer.text()


@contextlib.contextmanager
def serving(folder: Path, fake: FakeSlackAPI, start: datetime) -> Iterator[Server]:
    server = Server(folder, fake, start)
    try:
        yield server
    finally:
        server.stop()


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeSlackAPI]:
    async with FakeSlackAPI() as api:
        for person in (cast.KARI, cast.INGRID, cast.ANDERS):
            api.add_user(person.slack_id, email=person.email)
        for n, uid in enumerate(MINISTRY_IDS):
            api.add_user(uid, email=f"jd{n}@jd.example.org")
        yield api


def texts(fake: FakeSlackAPI, channel: str) -> list[str]:
    return [m.get("text", "") for m in fake.messages_in(channel)]


def oslo(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=OSLO)  # type: ignore[misc]


def reminded(fake: FakeSlackAPI, user: str) -> int:
    return sum("Påminnelse" in x or "Reminder" in x for x in texts(fake, f"D{user}"))


def settled(folder: Path, now: datetime) -> bool:
    """Every notice due by `now` is sent: whatever the server was to send by then went out, and
    nothing will go twice (a notice is marked sent once the platform has answered)."""
    return all(d["state"] == "sent" for d in outbox(folder).values()
               if datetime.fromisoformat(d["due"]) <= now)


async def test_agenda_in_the_channel_and_reminders_to_both_sides(
        fake: FakeSlackAPI, tmp_path: Path) -> None:
    (tmp_path / "seminar.toml").write_text(seminar_toml(
        "2026-12-01", [("09:00", "Velkommen", "talk"), ("09:01", "Forslagene", "presentations")],
        ["1h", "10m"]), encoding="utf-8")
    fake.outage(429, count=2, error="ratelimited", methods=["chat.postMessage"])
    with serving(tmp_path, fake, oslo(2026, 12, 1, 8, 0)) as server:
        await server.start()
        await server.slash(fake, KARI, "channel here")
        await server.slash(fake, ANDERS, "propose Åpne logger | Lite innsyn | Publiser dem | "
                                         "transparency | innsyn | jd")
        await server.slash(fake, ANDERS, "propose Andre forslag | Lite innsyn | Publiser dem | "
                                         "transparency | innsyn | jd")
        await server.slash(fake, INGRID, "outcome P-1 bilateral")
        await server.slash(fake, INGRID, "meet P-1 2026-12-01 11:00 Rom 2")
        now = await server.clock()
        await eventually(lambda: settled(tmp_path, now))
        assert texts(fake, CHANNEL) == [] and reminded(fake, INGRID) == 0
        await server.clock(at=oslo(2026, 12, 1, 9, 0))
        await eventually(lambda: len(texts(fake, CHANNEL)) == 1)
        await server.clock(at=oslo(2026, 12, 1, 9, 1))
        await eventually(lambda: len(texts(fake, CHANNEL)) == 2)
        await server.clock(at=oslo(2026, 12, 1, 10, 0))  # an hour before the meeting
        await eventually(lambda: reminded(fake, INGRID) == reminded(fake, ANDERS) == 1)
        now = await server.clock(at=oslo(2026, 12, 1, 10, 50))  # ten minutes before
        await eventually(lambda: reminded(fake, INGRID) == reminded(fake, ANDERS) == 2)
        await eventually(lambda: settled(tmp_path, now))
        channel = texts(fake, CHANNEL)
        assert len(channel) == 2
        assert "Velkommen" in channel[0] and "Forslagene" in channel[1]
        assert "1. P-2 Andre forslag" in channel[1] and "P-1" not in channel[1]
        assert sum("Bilateralt møte om P-1" in x for x in texts(fake, f"D{ANDERS}")) == 1
        assert reminded(fake, INGRID) == reminded(fake, ANDERS) == 2
        assert fake.outage_answers == 2  # two 429s, and still every notice arrived once
    # nobody's Slack id (nor their DM's) in the log, retries and alerts included
    log = server.log.read_text()
    named = [uid for uid in (KARI, INGRID, ANDERS, *MINISTRY_IDS) if uid in log]
    assert not named, named


async def test_sigkill_and_restart_sends_nothing_twice_and_loses_nothing(
        fake: FakeSlackAPI, tmp_path: Path) -> None:
    (tmp_path / "seminar.toml").write_text(seminar_toml(
        "2026-12-01", [("09:00", "Velkommen", "talk")], ["1h"]), encoding="utf-8")
    start = DAY_BEFORE
    told = [INGRID, KARI, *MINISTRY_IDS]  # the ministry's people and the coordinator

    def about(number: int) -> dict[str, int]:
        return {uid: sum(f"P-{number}" in x for x in texts(fake, f"D{uid}")) for uid in told}

    with serving(tmp_path, fake, start) as server:
        await server.start()
        fake.hang(30, count=2, methods=["chat.postMessage"])  # two answers never come back
        await server.slash(fake, ANDERS, "propose Åpne logger | Lite innsyn | Publiser dem | "
                                         "transparency | innsyn | jd")
        await eventually(lambda: len(fake.calls_to("chat.postMessage")) == len(told))
        await eventually(lambda: sum(d["state"] == "sent" for d in outbox(tmp_path).values())
                         == len(told) - 2)
        in_flight = {k for k, d in outbox(tmp_path).items() if d["state"] == "sending"}
        assert len(in_flight) == 2
        server.kill()
    fake.heal()
    with serving(tmp_path, fake, start) as server:
        await server.start()
        # once every notice is marked sent, every send has had its answer: the counts are final
        await eventually(lambda: all(d["state"] == "sent" for d in outbox(tmp_path).values()
                                     if d["kind"] != "agenda"))
        per_person = about(1)
        assert all(count >= 1 for count in per_person.values())  # nothing lost
        repeated = {uid for uid, count in per_person.items() if count > 1}
        assert len(repeated) <= 2 and all(per_person[uid] == 2 for uid in repeated)
        server.kill()
    with serving(tmp_path, fake, start) as server:
        await server.start()
        # A new proposal reaches the same people, each through the same lane as anything of
        # theirs left to send (older first): once it is there, a repeat would be too.
        await server.slash(fake, ANDERS, "propose Andre forslag | Lite innsyn | Publiser dem | "
                                         "transparency | innsyn | jd")
        await eventually(lambda: all(count == 1 for count in about(2).values()))
        assert about(1) == per_person  # nothing in flight: no repeat
