"""Digests end to end: `ogpbot serve` as a real process, driven by signed Slack slash commands,
sending to the fake Slack Web API, on a clock the test moves (it stands still otherwise).

New proposals within `[notices] digest_minutes` reach the coordinator and each responsible
ministry as one DM each, listing that reader's proposals; with 0, each comes alone; a table
assignment is not held back behind a digest; a restart before the digest is due, and a new
proposal while the digest is being sent, lose nothing and double nothing.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio

from tests import cast
from tests.fakes.slack_api import FakeSlackAPI
from tests.notices.test_notices_e2e import Server as E2EServer
from tests.serving import answered, clock_env, eventually, outbox

pytestmark = pytest.mark.asyncio

OSLO = ZoneInfo("Europe/Oslo")
PEOPLE = (cast.KARI, cast.INGRID, cast.LARS, cast.ANDERS)  # coordinator, two ministries, NGO
KARI, INGRID, LARS, ANDERS = (p.slack_id for p in PEOPLE)
START = datetime(2026, 11, 30, 12, 0, tzinfo=OSLO)  # the day before the seminar
WINDOW = 10  # digest_minutes
# five proposals: three for the justice ministry, two for the finance ministry
MINISTRY_OF = {1: "jd", 2: "fin", 3: "jd", 4: "fin", 5: "jd"}


def seminar(digest_minutes: int) -> str:
    return cast.seminar_toml("2026-12-01", [("09:00", "Velkommen", "talk")], ["1h"],
                             people=cast.roster(*PEOPLE, slack=True),
                             digest_minutes=digest_minutes)


class Server(E2EServer):
    """The notices' end-to-end server (a store file that outlives it, signed slash commands),
    its clock standing still at `START` until the test moves it."""

    def __init__(self, folder: Path, fake: FakeSlackAPI) -> None:
        super().__init__(folder, fake, START)
        self.env.update(clock_env(START, 0))

    async def propose(self, fake: FakeSlackAPI, number: int) -> None:
        await self.slash(fake, ANDERS, f"propose Åpent register {number} | Lite innsyn | "
                                       f"Publiser alt | transparency | innsyn | "
                                       f"{MINISTRY_OF[number]}")


@contextlib.contextmanager
def serving(folder: Path, fake: FakeSlackAPI) -> Iterator[Server]:
    server = Server(folder, fake)
    try:
        yield server
    finally:
        server.stop()


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeSlackAPI]:
    async with FakeSlackAPI() as api:
        for person in PEOPLE:
            api.add_user(person.slack_id, email=person.email)
        yield api


def dms(fake: FakeSlackAPI, user: str) -> list[dict[str, Any]]:
    return fake.messages_in(f"D{user}")


def listed(message: dict[str, Any]) -> list[int]:
    """The new proposals a DM tells of (a digest's lines, a lone notice's title), in order;
    none for any other DM (a table assignment names proposals too)."""
    if not re.match(r"(\d+ nye forslag|Nytt forslag P-)", message.get("text", "")):
        return []
    shown = json.dumps(message.get("blocks", []), ensure_ascii=False)
    found = [int(n) for n in re.findall(r"P-(\d+):? Åpent register \1", shown)]
    return list(dict.fromkeys(found))


def digests(folder: Path) -> dict[str, dict[str, Any]]:
    return {k: d for k, d in outbox(folder).items() if k.startswith("digest:")}


def settled(folder: Path, now: datetime = START) -> bool:
    """Every request answered, and every notice due by `now` done with (sent, or skipped with
    its reason): what was to go out by then has gone, once."""
    return answered(folder) and all(
        d["state"] not in ("pending", "sending") or datetime.fromisoformat(d["due"]) > now
        for d in outbox(folder).values())


async def test_five_proposals_make_one_dm_each_listing_the_readers_own(
        fake: FakeSlackAPI, tmp_path: Path) -> None:
    (tmp_path / "seminar.toml").write_text(seminar(WINDOW), encoding="utf-8")
    with serving(tmp_path, fake) as server:
        await server.start()
        for number in range(1, 6):
            await server.propose(fake, number)
        await eventually(lambda: settled(tmp_path)
                         and [d["say"]["values"]["proposals"]
                              for d in digests(tmp_path).values()
                              if cast.KARI.email in d["for_person"]] == [[1, 2, 3, 4, 5]])
        # A table assignment goes at once, not behind the digests waiting for their time.
        await server.slash(fake, KARI, "tables assign")
        await eventually(lambda: any("småbord" in m["text"] for m in dms(fake, INGRID)))
        now = await server.clock(advance=WINDOW * 60 - 1)  # a second before they are due
        await eventually(lambda: settled(tmp_path, now))
        assert not any(listed(m) for user in (KARI, INGRID, LARS) for m in dms(fake, user))
        now = await server.clock(advance=1)
        await eventually(lambda: settled(tmp_path, now))
        told = {user: [m for m in dms(fake, user) if listed(m)]
                for user in (KARI, INGRID, LARS)}
        assert {user: [listed(m) for m in got] for user, got in told.items()} == {
            KARI: [[1, 2, 3, 4, 5]], INGRID: [[1, 3, 5]], LARS: [[2, 4]]}
        (kari,) = told[KARI]
        assert kari["text"].startswith("5 nye forslag")
        assert ("P-2 Åpent register 2 – fra Transparency International Norge, til "
                "Finansdepartementet") in kari["text"]
        buttons = [e["value"] for b in kari["blocks"] if b["type"] == "actions"
                   for e in b["elements"]]
        assert buttons == [f"status P-{n}" for n in range(1, 6)]
        assert len(digests(tmp_path)) == 3
        assert all(d["attempts"] == 1 for d in digests(tmp_path).values())


async def test_digest_minutes_0_sends_each_proposal_alone(
        fake: FakeSlackAPI, tmp_path: Path) -> None:
    (tmp_path / "seminar.toml").write_text(seminar(0), encoding="utf-8")
    with serving(tmp_path, fake) as server:
        await server.start()
        for number in range(1, 6):
            await server.propose(fake, number)
        # the clock stands still: nothing waits for a time to come
        await eventually(lambda: len([m for m in dms(fake, KARI) if listed(m)]) == 5)
        await eventually(lambda: settled(tmp_path))
        assert [listed(m) for m in dms(fake, KARI)] == [[n] for n in range(1, 6)]
        assert [listed(m) for m in dms(fake, INGRID)] == [[1], [3], [5]]
        assert [listed(m) for m in dms(fake, LARS)] == [[2], [4]]
        assert all(m["text"].startswith("Nytt forslag") for m in dms(fake, KARI))
        assert not digests(tmp_path)


async def test_a_restart_before_the_digest_loses_nothing_and_doubles_nothing(
        fake: FakeSlackAPI, tmp_path: Path) -> None:
    (tmp_path / "seminar.toml").write_text(seminar(WINDOW), encoding="utf-8")
    with serving(tmp_path, fake) as server:
        await server.start()
        for number in (1, 2, 3):
            await server.propose(fake, number)
        await eventually(lambda: settled(tmp_path) and len(digests(tmp_path)) == 3)
        server.kill()  # no clean shutdown
    with serving(tmp_path, fake) as server:
        await server.start()  # its clock starts again where the first one's stood
        for number in (4, 5):
            await server.propose(fake, number)
        await eventually(lambda: settled(tmp_path) and len(digests(tmp_path)) == 3)
        now = await server.clock(advance=WINDOW * 60)
        await eventually(lambda: settled(tmp_path, now))
        server.kill()
    with serving(tmp_path, fake) as server:  # a start after it went sends it no more
        await server.start()
        now = await server.clock(advance=WINDOW * 60)
        await eventually(lambda: settled(tmp_path, now))
        assert [listed(m) for m in dms(fake, KARI)] == [[1, 2, 3, 4, 5]]
        assert [listed(m) for m in dms(fake, INGRID)] == [[1, 3, 5]]
        assert [listed(m) for m in dms(fake, LARS)] == [[2, 4]]
        assert all(d["attempts"] == 1 for d in digests(tmp_path).values())


async def test_a_proposal_while_its_digest_is_sent_goes_into_the_next(
        fake: FakeSlackAPI, tmp_path: Path) -> None:
    (tmp_path / "seminar.toml").write_text(seminar(WINDOW), encoding="utf-8")
    with serving(tmp_path, fake) as server:
        await server.start()
        for number in (1, 2):
            await server.propose(fake, number)
        await eventually(lambda: settled(tmp_path) and len(digests(tmp_path)) == 3)
        fake.hang(30, methods=["chat.postMessage"])  # the digests' sends wait for an answer
        await server.clock(advance=WINDOW * 60)
        await eventually(lambda: all(d["state"] == "sending"
                                     for d in digests(tmp_path).values()))
        await server.propose(fake, 3)  # while the digests are on their way
        await eventually(lambda: answered(tmp_path) and len(digests(tmp_path)) == 5)
        fake.hang(0)
        fake.release_hangs()
        await eventually(lambda: sum(d["state"] == "sent"
                                     for d in digests(tmp_path).values()) == 3)
        assert [listed(m) for m in dms(fake, KARI)] == [[1, 2]]
        now = await server.clock(advance=WINDOW * 60)
        await eventually(lambda: settled(tmp_path, now))
        assert [listed(m) for m in dms(fake, KARI)] == [[1, 2], [3]]
        assert [listed(m) for m in dms(fake, INGRID)] == [[1], [3]]
        assert [listed(m) for m in dms(fake, LARS)] == [[2]]
        assert dms(fake, KARI)[1]["text"].startswith("Nytt forslag P-3")
        assert all(d["attempts"] == 1 for d in digests(tmp_path).values())
