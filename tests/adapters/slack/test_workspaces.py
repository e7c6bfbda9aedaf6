"""Each call to Slack goes with the token of the workspace it is for: the request's
installation while it is answered, else the workspace a person last wrote from or a
conversation was seen through, else the deployment's own; remembered across a restart; a
rotating token renewed before it runs out; a workspace the bot left is a permanent failure.
Against the fake Web API, which knows each token's workspace."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
import pytest_asyncio
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator

from adapters.sealing import Sealer
from adapters.slack.installations import INSTALLATIONS, StoreInstallations
from adapters.slack.workspaces import NotInstalled, WorkspaceClient, Workspaces, answering
from bot.core.clock import FakeClock
from bot.core.reach import Reach
from bot.core.records import Records
from bot.store.memory import MemoryStore
from tests.fakes.slack_api import FakeSlackAPI

pytestmark = pytest.mark.asyncio
KEY = "bWFkZS11cCBrZXkgZm9yIG9ncGJvdCB0ZXN0cywgMzI="
KMD, NGO = "T0KMD0001", "T0NGO0001"
KARI, ANDERS = "U0KARI001", "U0ANDERS1"
KMD_TOKEN, NGO_TOKEN = "xoxb-kmd-made-up", "xoxb-ngo-made-up"


class Deployment:
    def __init__(self, fake: FakeSlackAPI, store: MemoryStore, token: str = "",
                 listed: frozenset[str] = frozenset({KMD, NGO})) -> None:
        self.fake = fake
        self.store = store
        self.installations = StoreInstallations(store, Sealer(KEY))
        self.clock = FakeClock(datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
        rotator = AsyncTokenRotator(client_id="1.2", client_secret="made-up",
                                    client=WorkspaceClient(Workspaces(
                                        Reach(Records(store), "slack"), self.clock, fake.url),
                                        base_url=fake.url))
        self.workspaces = Workspaces(Reach(Records(store), "slack"), self.clock, fake.url,
                                     token, self.installations, rotator, listed)
        self.client = WorkspaceClient(self.workspaces, base_url=fake.url)

    async def install(self, team: str, token: str, **more: object) -> None:
        self.fake.add_token(token, team)
        await self.installations.async_save(Installation(
            team_id=team, team_name=team, bot_token=token, bot_id="B0OGPBOT1",
            bot_user_id="U0OGPBOT1", user_id="U0INSTALL", installed_at=1.0,
            **more))  # type: ignore[arg-type]

    def teams_called(self, method: str) -> list[str | None]:
        return [self.fake.team_of(call) for call in self.fake.calls_to(method)]


@pytest_asyncio.fixture
async def deployment() -> AsyncIterator[Deployment]:
    async with FakeSlackAPI(team_id=KMD) as fake:
        fake.add_workspace(NGO, "Frivillighet Norge")
        fake.add_user(KARI, email="kari@kmd.example", team_id=KMD)
        fake.add_user(ANDERS, email="anders@ngo.example", team_id=NGO)
        ready = Deployment(fake, MemoryStore())
        await ready.install(KMD, KMD_TOKEN)
        await ready.install(NGO, NGO_TOKEN)
        yield ready


async def test_a_person_is_reached_through_the_workspace_they_last_wrote_from(
        deployment: Deployment) -> None:
    deployment.workspaces.saw(NGO, ANDERS, "C0NGOCHAN1")
    deployment.workspaces.saw(KMD, KARI, "C0PLENARY")
    client = deployment.client
    await client.users_info(user=ANDERS)
    await client.users_info(user=KARI)
    await client.chat_postMessage(channel="C0NGOCHAN1", text="agenda")
    await client.chat_postMessage(channel="C0PLENARY", text="agenda")
    opened = await client.conversations_open(users=ANDERS)
    await client.chat_postMessage(channel=opened["channel"]["id"], text="your table")
    assert deployment.teams_called("users.info") == [NGO, KMD]
    assert deployment.teams_called("chat.postMessage") == [NGO, KMD, NGO]
    assert deployment.teams_called("conversations.open") == [NGO]

    # Anders writes from the ministry's workspace now (a Slack Connect channel it hosts)
    deployment.workspaces.saw(KMD, ANDERS, "C0CONNECT1")
    await client.users_info(user=ANDERS)
    assert deployment.teams_called("users.info")[-1] == KMD


async def test_an_answer_goes_through_the_installation_of_its_request(
        deployment: Deployment) -> None:
    deployment.workspaces.saw(NGO, ANDERS)
    with answering(KMD):  # Anders asked through the ministry's installation
        await deployment.client.users_info(user=ANDERS)
        await deployment.client.chat_postEphemeral(channel="C0CONNECT1", user=ANDERS,
                                                   text="help")
    assert deployment.teams_called("users.info") == [KMD]
    assert deployment.teams_called("chat.postEphemeral") == [KMD]


async def test_where_people_and_channels_were_seen_outlives_a_restart(
        deployment: Deployment) -> None:
    deployment.workspaces.saw(NGO, ANDERS, "C0NGOCHAN1")
    again = Deployment(deployment.fake, deployment.store)
    await again.client.users_info(user=ANDERS)
    await again.client.chat_postMessage(channel="C0NGOCHAN1", text="agenda")
    assert again.teams_called("users.info") == [NGO]
    assert again.teams_called("chat.postMessage") == [NGO]


async def test_nothing_is_written_while_nothing_changes(deployment: Deployment) -> None:
    deployment.workspaces.saw(NGO, ANDERS, "C0NGOCHAN1")
    writes: list[str] = []
    original = deployment.store.put

    def counting(collection: str, key: str, doc: dict) -> None:  # type: ignore[type-arg]
        writes.append(collection)
        original(collection, key, doc)

    deployment.store.put = counting  # type: ignore[method-assign]
    for _ in range(3):
        deployment.workspaces.saw(NGO, ANDERS, "C0NGOCHAN1")
    assert writes == []


async def test_a_person_looked_up_by_email_is_found_in_their_workspace(
        deployment: Deployment) -> None:
    found = await deployment.client.users_lookupByEmail(email="anders@ngo.example")
    assert found["user"]["id"] == ANDERS
    await deployment.client.conversations_open(users=ANDERS)
    assert deployment.teams_called("conversations.open") == [NGO]


async def test_a_workspace_the_bot_left_is_a_permanent_failure(
        deployment: Deployment) -> None:
    deployment.workspaces.saw(NGO, ANDERS)
    await deployment.installations.async_delete_all(enterprise_id=None, team_id=NGO)
    deployment.workspaces.forget(NGO)
    with pytest.raises(NotInstalled) as failed:
        await deployment.client.users_info(user=ANDERS)
    assert failed.value.permanent
    assert deployment.fake.calls_to("users.info") == []  # no other workspace's token used


async def test_a_rotating_token_is_renewed_before_it_runs_out() -> None:
    async with FakeSlackAPI(team_id=NGO) as fake:
        fake.oauth_app("1.2", "made-up", rotating=True, expires_in=43200)
        code = fake.authorize(NGO, "U0INSTALL")
        issued = await fake_exchange(fake, code)
        fake.add_user(ANDERS, team_id=NGO)
        ready = Deployment(fake, MemoryStore())
        # Slack's token runs out in an hour: inside the two hours before which it is renewed
        from time import time

        await ready.installations.async_save(Installation(
            team_id=NGO, bot_token=issued["access_token"], bot_id="B0OGPBOT1",
            bot_user_id="U0OGPBOT1", user_id="U0INSTALL", installed_at=1.0,
            bot_refresh_token=issued["refresh_token"],
            bot_token_expires_at=int(time()) + 3600))
        ready.workspaces.saw(NGO, ANDERS)
        await ready.client.users_info(user=ANDERS)
        assert fake.calls_to("oauth.v2.access", ok=True)[-1].args["grant_type"] == \
            "refresh_token"
        [renewed] = fake.tokens
        assert renewed != issued["access_token"]
        assert fake.calls_to("users.info")[-1].headers["Authorization"] == f"Bearer {renewed}"
        kept = await ready.installations.async_find_bot(enterprise_id=None, team_id=NGO)
        assert kept is not None and kept.bot_token == renewed
        assert kept.bot_token_expires_at is not None and kept.bot_token_expires_at > time() \
            + 40000
        assert renewed not in str(ready.store.all(INSTALLATIONS))  # sealed again
        await ready.client.users_info(user=ANDERS)  # no second renewal
        assert len(fake.calls_to("oauth.v2.access", ok=True)) == 2  # the install, one renewal


async def fake_exchange(fake: FakeSlackAPI, code: str) -> dict[str, str]:
    from slack_sdk.web.async_client import AsyncWebClient

    answer = await AsyncWebClient(base_url=fake.url).oauth_v2_access(
        client_id="1.2", client_secret="made-up", code=code)
    return {"access_token": answer["access_token"], "refresh_token": answer["refresh_token"]}


async def test_with_one_token_every_call_uses_it_and_nothing_is_kept() -> None:
    async with FakeSlackAPI(team_id=KMD) as fake:
        fake.add_user(KARI, team_id=KMD)
        store = MemoryStore()
        clock = FakeClock(datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
        workspaces = Workspaces(Reach(Records(store), "slack"), clock, fake.url, KMD_TOKEN)
        fake.add_token(KMD_TOKEN, KMD)
        client = WorkspaceClient(workspaces, base_url=fake.url)
        workspaces.saw(KMD, KARI, "C0PLENARY")
        with answering("T0SOMEWHERE"):
            await client.users_info(user=KARI)
        await client.chat_postMessage(channel="C0PLENARY", text="x")
        assert [c.headers["Authorization"] for c in fake.calls] == [f"Bearer {KMD_TOKEN}"] * 2
        assert store.collections() == []  # no workspace to tell apart: nothing written
