"""The Teams test bench: ogpbot's real aiohttp server on loopback with the real CloudAdapter,
and the fake Bot Framework connector at each activity's `serviceUrl`."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestServer

from adapters.outbox import notifiers_of
from adapters.server import build_app
from adapters.teams.endpoint import TEAMS
from adapters.teams.notifier import TeamsNotifier
from adapters.teams.retry import RetryPolicy
from bot.app.runtime import Runtime
from bot.core.clock import FakeClock
from bot.core.settings import Settings
from bot.store.memory import MemoryStore
from tests.fakes.bf_connector import FakeConnector, PostedActivity

TENANT = "9b1c5e3a-0000-4000-8000-000000000001"
BOT = {"id": "28:ogpbot-app-id", "name": "ogpbot"}
KARI = {"id": "29:1-kari", "name": "Kari Nordmann", "aadObjectId": "aad-kari"}
OLA = {"id": "29:1-ola", "name": "Ola Sivil", "aadObjectId": "aad-ola"}
KARI_EMAIL = "kari.nordmann@example.org"
DM_KARI = "a:1-dm-with-kari"
DM_OLA = "a:1-dm-with-ola"
CHANNEL = "19:general@thread.tacv2"
CARD = "application/vnd.microsoft.card.adaptive"
_ids = itertools.count(1)


async def no_sleep(_seconds: float) -> None:
    return None


@dataclass
class Bench:
    """One running ogpbot with its Teams endpoint, and the fake connector it answers through."""

    url: str
    http: aiohttp.ClientSession
    fake: FakeConnector
    runtime: Runtime
    notifier: TeamsNotifier
    app: web.Application
    sleeps: list[float] = field(default_factory=list)

    def activity(self, text: str | None = None, *, user: dict[str, Any] = KARI,
                 conversation: str = DM_KARI, locale: str | None = "en-US",
                 value: dict[str, Any] | None = None, reply_to: str | None = None,
                 kind: str = "personal", **extra: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": "message", "id": f"act-{next(_ids)}",
            "timestamp": "2026-12-01T09:00:00Z", "serviceUrl": self.fake.url,
            "channelId": "msteams", "from": user, "recipient": BOT,
            "conversation": {"id": conversation, "conversationType": kind, "tenantId": TENANT,
                             "isGroup": kind != "personal"},
            "channelData": {"tenant": {"id": TENANT}},
        }
        if locale:
            body["locale"] = locale
        if text is not None:
            body["text"] = text
        if value is not None:
            body["value"] = value
        if reply_to:
            body["replyToId"] = reply_to
        body.update(extra)
        return body

    async def post(self, body: Any, headers: dict[str, str] | None = None, *,
                   settle: bool = True) -> int:
        """Post one activity; the endpoint answers before the turn runs, so with `settle`
        also wait (at most 5 s) for the turns it started to finish."""
        async with self.http.post(self.url + "/api/messages", json=body,
                                  headers=headers or {}) as response:
            status = response.status
        if settle:
            await self.settle()
        return status

    async def settle(self, within: float = 5.0) -> None:
        """Wait until no Teams turn is running (the replies are then at the fake connector)."""
        if TEAMS in self.app:
            await self.app[TEAMS].drain(within=within)

    async def say(self, text: str | None = None, **kw: Any) -> PostedActivity:
        """Post one activity and return the one message the bot sent for it."""
        before = len(self.fake.activities())
        status = await self.post(self.activity(text, **kw))
        assert status in (200, 201), status
        posted = await self.fake.wait_for_activities(before + 1, within=5)
        assert len(posted) == before + 1
        return posted[-1]


def card_of(posted: PostedActivity | dict[str, Any]) -> dict[str, Any]:
    activity = posted.activity if isinstance(posted, PostedActivity) else posted
    [attachment] = activity["attachments"]
    assert attachment["contentType"] == CARD
    return attachment["content"]


def texts(card: dict[str, Any]) -> list[str]:
    """Every text a person reads in a card, in order."""
    found: list[str] = []
    for element in card["body"]:
        if element["type"] == "RichTextBlock":
            found.append("".join(run["text"] for run in element["inlines"]))
        elif element["type"] == "TextBlock":
            found.append(element["text"])
    return found


def inputs(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["id"]: e for e in card["body"] if e["type"].startswith("Input.")}


async def start(fake: FakeConnector, settings: Settings, host: str = "127.0.0.1"
                ) -> tuple[TestServer, Runtime]:
    clock = FakeClock(datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
    runtime = Runtime.open(settings, clock, MemoryStore())
    app = build_app(runtime, host)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return server, runtime


@pytest_asyncio.fixture
async def bench() -> AsyncIterator[Bench]:
    async with FakeConnector() as fake, aiohttp.ClientSession() as http:
        server, runtime = await start(fake, Settings(seminar="data/seminar.toml"))
        app = server.app
        assert app is not None
        sleeps: list[float] = []

        async def record_sleep(seconds: float) -> None:
            sleeps.append(seconds)

        app[TEAMS].policy = RetryPolicy(sleep=record_sleep)
        fake.add_member(DM_KARI, {**KARI, "email": KARI_EMAIL,
                                  "userPrincipalName": KARI_EMAIL})
        try:
            yield Bench(str(server.make_url("")).rstrip("/"), http, fake, runtime,
                        notifiers_of(app)["teams"], app, sleeps)
        finally:
            await server.close()
