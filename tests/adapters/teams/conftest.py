"""The Teams test bench: ogpbot's real aiohttp server on loopback with the real CloudAdapter,
and the fake Bot Framework connector at each activity's `serviceUrl`.

A test talks to it as a conversation (`tests/conversation.py`):
`await bench.send(KARI, "status P-1").assert_reply("P-1")` posts Kari's message as the channel
does and checks the card the bot answered it with; `say` and `post` send any other activity.

`bench` runs as a deployment does, with credentials: each activity carries a token signed by
the fake channel issuer's key (botbuilder reads the key from the issuer on loopback and checks
the token itself), and the fake connector takes only the bot's own token. Azure AD, where the
bot gets that token, is the one edge not on this machine: `MicrosoftAppCredentials` hands out
the issuer's bot token instead of asking it. `emulator_bench` runs with
`OGPBOT_TEAMS_EMULATOR=1`, without any of that."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestServer
from botframework.connector.auth import (
    AuthenticationConstants,
    ChannelValidation,
    MicrosoftAppCredentials,
)

from adapters.outbox_service import notifiers_of
from adapters.server import build_app
from adapters.teams.endpoint import TEAMS
from adapters.teams.notifier import TeamsNotifier
from adapters.teams.retry import RetryPolicy
from adapters.teams.settings import home_tenant
from bot.app.runtime import Runtime
from bot.core.clock import FakeClock
from bot.core.settings import Settings
from bot.store.memory import MemoryStore
from tests import cast
from tests.conversation import Flow, Heard
from tests.fakes.bf_connector import FakeChannelIssuer, FakeConnector, PostedActivity

TENANT = "9b1c5e3a-0000-4000-8000-000000000001"
APP_ID = "0f7c2d8e-1111-4222-8333-444455556666"
APP_PASSWORD = "not-a-real-secret"
#: What the fake connector takes as the bot's token (Azure AD would issue it).
BOT_TOKEN = "ogpbot-bot-token"
BOT = {"id": "28:ogpbot-app-id", "name": "ogpbot"}
# Accounts of people in tests/cast.py: KMD's coordinator, and someone on no roster.
KARI = cast.KARI.teams_account
OLA = cast.OLA.teams_account
KARI_EMAIL = cast.KARI.email
DM_KARI = "a:1-dm-with-kari"
DM_OLA = "a:1-dm-with-ola"
#: how many times the channel sends one activity while the endpoint answers 503 (busy)
TEAMS_SENDS = 10
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
    issuer: FakeChannelIssuer | None = None  # None: emulator mode, no tokens
    app_id: str = APP_ID

    def activity(self, text: str | None = None, *, user: dict[str, Any] = KARI,
                 conversation: str = DM_KARI, locale: str | None = "en-US",
                 value: dict[str, Any] | None = None, reply_to: str | None = None,
                 kind: str = "personal", tenant: str = TENANT, **extra: Any
                 ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": "message", "id": f"act-{next(_ids)}",
            "timestamp": "2026-12-01T09:00:00Z", "serviceUrl": self.fake.url,
            "channelId": "msteams", "from": user, "recipient": BOT,
            "conversation": {"id": conversation, "conversationType": kind, "tenantId": tenant,
                             "isGroup": kind != "personal"},
            "channelData": {"tenant": {"id": tenant}},
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

    def signed(self, body: Any) -> dict[str, str]:
        """The `Authorization` the channel sends with `body` (none in emulator mode)."""
        if self.issuer is None:
            return {}
        service_url = body.get("serviceUrl") if isinstance(body, dict) else None
        return self.issuer.authorization(self.app_id, service_url)

    async def post(self, body: Any, headers: dict[str, str] | None = None, *,
                   settle: bool = True, again_when_busy: bool = True) -> int:
        """Post one activity (with the channel's token for it unless `headers` are given);
        the endpoint answers before the turn runs, so with `settle` also wait (at most 30 s)
        for the turns it started to finish. A 503 says no worker could authenticate the
        activity within the endpoint's wait (a loaded machine): Teams then sends the same
        activity again, and so does this channel, unless `again_when_busy` is off."""
        for _ in range(TEAMS_SENDS if again_when_busy else 1):
            async with self.http.post(self.url + "/api/messages", json=body,
                                      headers=self.signed(body) if headers is None
                                      else headers) as response:
                status = response.status
            if status != 503:
                break
        if settle:
            await self.settle()
        return status

    async def settle(self, within: float = 30.0) -> None:
        """Wait until no Teams turn is running (the replies are then at the fake connector)."""
        if TEAMS in self.app:
            await self.app[TEAMS].workers.drain(within)

    async def hear(self, who: cast.Person, words: str, **kw: Any) -> Heard:
        """`who` writes `words` in their 1:1 chat with the bot, from a client set to their
        locale (`kw`: `activity`'s other fields, `locale` among them); the one message that
        answers it, as they read it (every text of its card). The connector's member lookup
        gives their e-mail, as Microsoft Entra would for a person of the tenant."""
        conversation = kw.pop("conversation", f"a:1-dm-with-{who.first_name.lower()}")
        member = {**who.teams_account, **({"email": who.email, "userPrincipalName": who.email}
                                          if who.email else {})}
        self.fake.add_member(conversation, member)
        kw.setdefault("locale", who.locale)
        posted = await self.say(words, user=who.teams_account, conversation=conversation, **kw)
        return Heard("\n".join(texts(card_of(posted))), posted)

    def send(self, who: cast.Person, words: str, **options: Any) -> Flow:
        """A conversation that starts with `who` writing `words` (see `hear`)."""
        return Flow(self.hear).send(who, words, **options)

    async def say(self, text: str | None = None, **kw: Any) -> PostedActivity:
        """Post one activity (again after a 503, as Teams does) and return the one message the
        bot answered it with: the reply to that activity, whatever else (a notice to someone,
        in another conversation) the bot sends meanwhile."""
        body = self.activity(text, **kw)
        status = await self.post(body)
        assert status in (200, 201), status

        def answers() -> list[PostedActivity]:
            return [p for p in self.fake.activities() if p.reply_to_id == body["id"]]

        await self.fake.wait_until(lambda: bool(answers()), within=30)
        assert len(answers()) == 1, answers()
        return answers()[0]


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


async def start(fake: FakeConnector, settings: Settings, host: str = "127.0.0.1",
                store: MemoryStore | None = None) -> tuple[TestServer, Runtime]:
    clock = FakeClock(datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
    runtime = Runtime.open(settings, clock, store if store is not None else MemoryStore(),
                           home_tenant=home_tenant(settings))
    app = build_app(runtime, host)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return server, runtime


def credentials(seminar: str = "data/seminar.toml", **env: str) -> Settings:
    """A deployment's settings: the bot's app id and password, and its tenant (`env`: more
    of the environment, by the contract's names)."""
    return Settings(seminar=seminar, env={"MicrosoftAppId": APP_ID,
                                          "MicrosoftAppPassword": APP_PASSWORD,
                                          "MicrosoftAppTenantId": TENANT, **env})


def emulator(seminar: str = "data/seminar.toml", **env: str) -> Settings:
    return Settings(seminar=seminar, env={"OGPBOT_TEAMS_EMULATOR": "1", **env})


@pytest_asyncio.fixture
async def issuer(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeChannelIssuer]:
    """The fake channel issuer, with botbuilder reading its keys, and the bot's outgoing token
    coming from it instead of Azure AD."""
    async with FakeChannelIssuer() as fake_issuer:
        monkeypatch.setattr(ChannelValidation, "open_id_metadata_endpoint",
                            fake_issuer.metadata_url)
        # tokens the Emulator would bring (Azure AD's) are read from it too, so a signed one
        # passes botbuilder's own check and only ogpbot's door refuses it
        monkeypatch.setattr(AuthenticationConstants, "TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL",
                            fake_issuer.metadata_url)
        monkeypatch.setattr(MicrosoftAppCredentials, "get_access_token",
                            lambda _self, force_refresh=False: BOT_TOKEN)
        yield fake_issuer


@contextlib.asynccontextmanager
async def running(fake: FakeConnector, settings: Settings, issuer: FakeChannelIssuer | None,
                  store: MemoryStore | None = None) -> AsyncIterator[Bench]:
    """ogpbot with `settings` answering through `fake`; `issuer` signs each activity's token
    (None: none is sent, as in emulator mode)."""
    server, runtime = await start(fake, settings, store=store)
    app = server.app
    assert app is not None
    sleeps: list[float] = []

    async def record_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    app[TEAMS].policy = RetryPolicy(sleep=record_sleep)
    fake.add_member(DM_KARI, {**KARI, "email": KARI_EMAIL, "userPrincipalName": KARI_EMAIL})
    try:
        async with aiohttp.ClientSession() as http:
            yield Bench(str(server.make_url("")).rstrip("/"), http, fake, runtime,
                        notifiers_of(app)["teams"], app, sleeps, issuer)
    finally:
        await server.close()


@pytest_asyncio.fixture
async def bench(issuer: FakeChannelIssuer) -> AsyncIterator[Bench]:
    """ogpbot with credentials, as deployed."""
    async with FakeConnector(token=BOT_TOKEN) as fake, running(fake, credentials(),
                                                               issuer) as ready:
        yield ready


@pytest_asyncio.fixture
async def emulator_bench() -> AsyncIterator[Bench]:
    """ogpbot with `OGPBOT_TEAMS_EMULATOR=1` on loopback."""
    async with FakeConnector() as fake, running(fake, emulator(), None) as ready:
        yield ready
