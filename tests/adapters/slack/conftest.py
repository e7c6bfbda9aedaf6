"""One running ogpbot per test, with a store and a fake Slack Web API of its own: the real
aiohttp server with the Slack adapter on loopback (serving one workspace, `SLACK_TEAM_ID`
set to the one the signed requests name by default), and a `Workspace` that sends signed
requests the way Slack does.

A test talks to it as a conversation (`tests/conversation.py`):
`await workspace.send(KARI, "status P-1").assert_reply("P-1")` sends the slash command
`/ogp status P-1` as Kari and checks what the bot POSTed to its response_url; `command`,
`interact` and `event` send any other request Slack makes."""

from __future__ import annotations

import contextlib
import itertools
import json
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest_asyncio
from aiohttp import web

from adapters.server import build_app
from bot.app.runtime import Runtime
from bot.core.clock import FakeClock
from bot.core.settings import Settings
from tests.cast import EMILY, INGRID, JANE, KARI, MARTE, OLA, Person
from tests.conversation import Flow, Heard
from tests.fakes.slack_api import Call, FakeSlackAPI
from tests.fakes.slack_signing import (
    TEAM_ID,
    event_callback_body,
    interactivity_body,
    retry_headers,
    signed_headers,
    slash_command_body,
)

TOKEN = "xoxb-ogpbot-test"
SECRET = "ogpbot-test-signing-secret"
SEMINAR = str(Path(__file__).resolve().parents[3] / "data" / "seminar.toml")
BOT_USER = "U0OGPBOT1"

# People in the fake workspace (tests/cast.py): KMD's coordinator, civil society on the roster
# (in English), KS's observer, a ministry (JD), and two people on no roster.
PEOPLE = (KARI, EMILY, MARTE, INGRID, OLA, JANE)

_ids = itertools.count(1)


@dataclass
class Answer:
    status: int
    text: str

    def json(self) -> Any:
        return json.loads(self.text) if self.text else None


class Workspace:
    """Slack, as the bot sees it: signed POSTs to /slack/events, and the fake Web API."""

    def __init__(self, url: str, session: aiohttp.ClientSession, fake: FakeSlackAPI,
                 runtime: Runtime) -> None:
        self.url = url
        self.session = session
        self.fake = fake
        self.runtime = runtime

    async def post(self, body: bytes, *, timestamp: int | None = None,
                   headers: Mapping[str, str] | None = None, secret: str = SECRET,
                   content_type: str | None = None) -> Answer:
        sent = signed_headers(secret, body, timestamp, content_type=content_type)
        sent.update(headers or {})
        async with self.session.post(self.url, data=body, headers=sent) as response:
            return Answer(response.status, await response.text())

    async def command(self, text: str, user: Person, *, command: str = "/ogp",
                      channel: str = "C0PLENARY") -> tuple[Answer, str]:
        """A slash command; returns the HTTP answer and the response_url id it carries."""
        rid = f"r{next(_ids)}"
        body = slash_command_body(text, command=command, user_id=user.slack_id, channel_id=channel,
                                  response_url=self.fake.response_url(rid))
        return await self.post(body), rid

    async def hear(self, who: Person, words: str, *, channel: str = "C0PLENARY") -> Heard:
        """`who` types `/ogp words` in `channel`; the one answer at its response_url, as they
        read it (every text in its blocks; its `text` is the notification's, in `raw`)."""
        acked, rid = await self.command(words, who, channel=channel)
        assert acked.status == 200, acked.text
        (answer,) = await self.responses(rid)
        shown = readable(answer["blocks"]) if answer.get("blocks") else [answer.get("text", "")]
        return Heard("\n".join(shown), answer)

    def send(self, who: Person, words: str, **options: Any) -> Flow:
        """A conversation that starts with `who` typing `/ogp words` (see `hear`)."""
        return Flow(self.hear).send(who, words, **options)

    async def interact(self, payload: Mapping[str, Any]) -> Answer:
        return await self.post(interactivity_body(payload))

    async def event(self, event: Mapping[str, Any], *, event_id: str | None = None,
                    retry: int = 0) -> Answer:
        body = event_callback_body(event, event_id=event_id)
        return await self.post(body, headers=retry_headers(retry) if retry else None)

    async def sent(self, method: str, where: Callable[[Call], bool] = lambda c: True,
                   count: int = 1, within: float = 30.0) -> list[Call]:
        """The calls of `method` that match `where`, once there are `count` of them."""
        deadline = time.monotonic() + within
        while True:
            got = [c for c in self.fake.calls_to(method) if where(c)]
            left = deadline - time.monotonic()
            if len(got) >= count or left <= 0:
                return got
            with contextlib.suppress(TimeoutError):
                await self.fake.wait_for(method, len(self.fake.calls_to(method)) + 1,
                                         within=left)

    async def responses(self, rid: str, count: int = 1) -> list[dict[str, Any]]:
        """What the bot POSTed to one response_url."""
        path = f"/response_url/{rid}"
        calls = await self.sent("response_url", lambda c: c.path == path, count)
        return [c.args for c in calls]

    async def dms(self, user: Person, count: int = 1) -> list[dict[str, Any]]:
        """chat.postMessage calls to one person's DM channel."""
        channel = self.fake.dm_channel(user.slack_id)
        calls = await self.sent("chat.postMessage", lambda c: c.args.get("channel") == channel,
                                count)
        return [c.args for c in calls]


def told(heard: Heard) -> str:
    """An answer's `text`: what Slack's notification of it says."""
    return str(heard.raw.get("text", ""))


def readable(blocks: Iterable[Any]) -> list[str]:
    """Every text a person reads in Block Kit blocks, in order: each `text` string at any depth
    (section and context text objects, rich text elements, button labels)."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(list(blocks))
    return found


@pytest_asyncio.fixture(loop_scope="module")
async def workspace(tmp_path_factory: Any) -> AsyncIterator[Workspace]:
    db = tmp_path_factory.mktemp("slack") / "ogpbot.json"
    async with FakeSlackAPI() as fake:
        for person in PEOPLE:
            fake.add_user(person.slack_id, email=person.email, locale=person.locale,
                          real_name=person.email.split("@")[0])
        settings = Settings(db=str(db), seminar=SEMINAR, env={
            "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": fake.url,
            "SLACK_TEAM_ID": TEAM_ID})
        runtime = Runtime.open(settings, clock=FakeClock(datetime(2026, 11, 20, 9, 0, tzinfo=UTC)))
        app = build_app(runtime)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        async with aiohttp.ClientSession() as session:
            yield Workspace(f"http://127.0.0.1:{port}/slack/events", session, fake, runtime)
        await runner.cleanup()
        runtime.close()
