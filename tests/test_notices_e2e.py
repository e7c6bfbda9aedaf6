"""End to end: `ogpbot serve` as a real process, driven by signed Slack slash commands, sending
through the Slack adapter's notifier to the fake Slack Web API on loopback. Agenda notices reach
the chosen channel, reminders reach both sides by DM, 429 answers lose nothing, and a process
killed with SIGKILL and started again sends nothing twice (but the notices that were in flight
at that instant, which the contract allows) and loses nothing.

These need the Slack adapter (`adapters.slack`); until it is there they are skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
import pytest_asyncio

from bot.tinydb_store import TinyDBStore
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_signing import signed_headers, slash_command_body

pytest.importorskip("adapters.slack")
pytestmark = pytest.mark.asyncio

ROOT = Path(__file__).resolve().parent.parent
OSLO = ZoneInfo("Europe/Oslo")
TOKEN = "xoxb-ogpbot-e2e"
SECRET = "ogpbot-e2e-signing-secret"
CHANNEL = "C0SEMINAR"
KARI, INGRID, ANDERS = "U0KARI", "U0INGRID", "U0ANDERS"
MINISTRY_IDS = [f"U0JD{n}" for n in range(6)]


def seminar_toml(day: str, agenda: list[tuple[str, str, str]], leads: list[str]) -> str:
    items = "".join(f'[[agenda]]\ntime = "{at}"\ntitle = "{title}"\nkind = "{kind}"\n\n'
                    for at, title, kind in agenda)
    jd = "".join(f'[[people]]\nname = "JD {n}"\norg = "jd"\nemail = "jd{n}@jd.example.org"\n'
                 f'slack_id = "{uid}"\n\n' for n, uid in enumerate(MINISTRY_IDS))
    return f"""
[seminar]
title = "E2E"
date = "{day}"
timezone = "Europe/Oslo"
language = "nb"
heads_up_minutes = 0
reminder_leads = {json.dumps(leads)}

[[areas]]
key = "innsyn"
name = "Innsyn"

[tables]
count = 2
max_size = 10

{items}
[[organizations]]
key = "kmd"
name = "KMD"
kind = "coordinator"

[[organizations]]
key = "jd"
name = "Justisdepartementet"
kind = "ministry"

[[organizations]]
key = "ngo"
name = "Åpenhet Norge"
kind = "civil_society"

[[people]]
name = "Kari"
org = "kmd"
email = "kari@kmd.example.org"
slack_id = "{KARI}"

[[people]]
name = "Ingrid"
org = "jd"
email = "ingrid@jd.example.org"
slack_id = "{INGRID}"

[[people]]
name = "Anders"
org = "ngo"
email = "anders@ngo.example.org"
slack_id = "{ANDERS}"

{jd}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """One `ogpbot serve` process on a store file that outlives it."""

    def __init__(self, folder: Path, fake: FakeSlackAPI) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "OGPBOT_DB": str(folder / "ogpbot.json"),
                    "OGPBOT_SEMINAR": str(folder / "seminar.toml"),
                    "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET,
                    "SLACK_API_URL": fake.url}
        self.log = folder / "serve.log"
        self.process: subprocess.Popen[bytes] | None = None

    async def start(self) -> None:
        self.process = await asyncio.to_thread(self._spawn)
        async with aiohttp.ClientSession() as http:
            for _ in range(200):
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(f"{self.url}/healthz") as answer:
                        if answer.status == 200:
                            return
                if self.process.poll() is not None:
                    break
                await asyncio.sleep(0.05)
        raise AssertionError(f"serve did not start:\n{self.log.read_text()}")

    def _spawn(self) -> subprocess.Popen[bytes]:
        with self.log.open("ab") as log:
            return subprocess.Popen(
                [sys.executable, "-m", "adapters.cli", "serve", "--port", str(self.port)],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    async def slash(self, fake: FakeSlackAPI, user: str, text: str) -> None:
        body = slash_command_body(text, user_id=user, channel_id=CHANNEL,
                                  channel_name="seminar", response_url=fake.response_url(text))
        async with aiohttp.ClientSession() as http, http.post(
                f"{self.url}/slack/events", data=body,
                headers=signed_headers(SECRET, body)) as answer:
            assert answer.status == 200, await answer.text()


def outbox(folder: Path) -> dict[str, dict[str, Any]]:
    """The outbox as the store on disk holds it (the file with its journal replayed)."""
    store = TinyDBStore(folder / "ogpbot.json", readonly=True)
    try:
        return {doc["key"]: doc for doc in store.all("outbox")}
    finally:
        store.close()


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
        for uid, email in ((KARI, "kari@kmd.example.org"), (INGRID, "ingrid@jd.example.org"),
                           (ANDERS, "anders@ngo.example.org")):
            api.add_user(uid, email=email)
        for n, uid in enumerate(MINISTRY_IDS):
            api.add_user(uid, email=f"jd{n}@jd.example.org")
        yield api


async def eventually(check: Any, within: float = 20.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("timed out waiting")


def texts(fake: FakeSlackAPI, channel: str) -> list[str]:
    return [m.get("text", "") for m in fake.messages_in(channel)]


async def test_agenda_in_the_channel_and_reminders_to_both_sides(
        fake: FakeSlackAPI, tmp_path: Path) -> None:
    now = datetime.now(OSLO).replace(microsecond=0)
    if (now + timedelta(seconds=30)).date() != now.date():
        pytest.skip("too close to midnight in Oslo for a same-day agenda")
    # Far enough ahead for a slow machine to start the server and run the commands first.
    at = [now + timedelta(seconds=s) for s in (8, 9, 14)]
    (tmp_path / "seminar.toml").write_text(seminar_toml(
        now.date().isoformat(),
        [(at[0].strftime("%H:%M:%S"), "Velkommen", "talk"),
         (at[1].strftime("%H:%M:%S"), "Forslagene", "presentations")],
        ["5s", "3s"]), encoding="utf-8")
    fake.outage(429, count=2, error="ratelimited", methods=["chat.postMessage"])
    with serving(tmp_path, fake) as server:
        await server.start()
        await server.slash(fake, KARI, "channel here")
        await server.slash(fake, ANDERS, "propose Åpne logger | Lite innsyn | Publiser dem | "
                                         "transparency | innsyn | jd")
        await server.slash(fake, ANDERS, "propose Andre forslag | Lite innsyn | Publiser dem | "
                                         "transparency | innsyn | jd")
        await server.slash(fake, INGRID, "outcome P-1 bilateral")
        await server.slash(fake, INGRID, f"meet P-1 {at[2].date()} {at[2]:%H:%M:%S} Rom 2")
        await eventually(lambda: len(texts(fake, CHANNEL)) >= 2)
        await eventually(lambda: sum("Påminnelse" in x or "Reminder" in x
                                     for x in texts(fake, f"D{INGRID}")) >= 2)
        await eventually(lambda: sum("Påminnelse" in x or "Reminder" in x
                                     for x in texts(fake, f"D{ANDERS}")) >= 2)
        channel = texts(fake, CHANNEL)
        assert len(channel) == 2
        assert "Velkommen" in channel[0] and "Forslagene" in channel[1]
        assert "1. P-2 Andre forslag" in channel[1] and "P-1" not in channel[1]
        assert sum("Bilateralt møte om P-1" in x for x in texts(fake, f"D{ANDERS}")) == 1
        assert fake.outage_answers == 2  # two 429s, and still every notice arrived once


async def test_sigkill_and_restart_sends_nothing_twice_and_loses_nothing(
        fake: FakeSlackAPI, tmp_path: Path) -> None:
    tomorrow = (datetime.now(OSLO) + timedelta(days=1)).date().isoformat()
    (tmp_path / "seminar.toml").write_text(seminar_toml(
        tomorrow, [("09:00", "Velkommen", "talk")], ["1h"]), encoding="utf-8")
    told = [INGRID, KARI, *MINISTRY_IDS]  # the ministry's people and the coordinator
    with serving(tmp_path, fake) as server:
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
    with serving(tmp_path, fake) as server:
        await server.start()
        await eventually(lambda: all(d["state"] == "sent" for d in outbox(tmp_path).values()
                                     if d["kind"] != "agenda"))
        await asyncio.sleep(1.5)  # anything that would go twice has had time to
        per_person = {uid: len(texts(fake, f"D{uid}")) for uid in told}
        assert all(count >= 1 for count in per_person.values())  # nothing lost
        repeated = {uid for uid, count in per_person.items() if count > 1}
        assert len(repeated) <= 2 and all(per_person[uid] == 2 for uid in repeated)
        calls = len(fake.calls_to("chat.postMessage"))
        server.kill()
    with serving(tmp_path, fake) as server:
        await server.start()
        await asyncio.sleep(1.5)
        assert len(fake.calls_to("chat.postMessage")) == calls  # nothing in flight: no repeat
