"""The bot registrations Azure creates today: single-tenant (Azure has created no new
multi-tenant bot since 2025-07-31), and a user-assigned managed identity where ogpbot runs on
Azure (no password at all). Each answers through the real CloudAdapter; settings that cannot
work leave Teams off, saying why."""

from __future__ import annotations

import pytest
from aiohttp import web
from botframework.connector.auth import ManagedIdentityAppCredentials

from adapters.server import BIND_HOST
from adapters.teams.access import Mode, door_of
from adapters.teams.endpoint import TEAMS, mount
from adapters.teams.settings import home_tenant
from bot.app.runtime import Runtime
from bot.core.settings import Settings
from bot.i18n.catalogue import t
from bot.store.memory import MemoryStore
from tests.adapters.teams.conftest import (
    APP_ID,
    APP_PASSWORD,
    BOT_TOKEN,
    TENANT,
    card_of,
    running,
    texts,
)
from tests.fakes.bf_connector import FakeChannelIssuer, FakeConnector

pytestmark = pytest.mark.asyncio
SEMINAR = "data/seminar.toml"


def teams(**env: str) -> Settings:
    return Settings.from_env({"OGPBOT_SEMINAR": SEMINAR, **env})


@pytest.mark.parametrize(("env", "why"), [
    ({"MicrosoftAppType": "SingleTenant", "MicrosoftAppId": APP_ID,
      "MicrosoftAppPassword": APP_PASSWORD}, "SingleTenant without MicrosoftAppTenantId"),
    ({"MicrosoftAppType": "UserAssignedMSI", "MicrosoftAppId": APP_ID},
     "UserAssignedMSI without MicrosoftAppTenantId"),
    ({"MicrosoftAppType": "UserAssignedMSI", "MicrosoftAppId": APP_ID,
      "MicrosoftAppPassword": APP_PASSWORD, "MicrosoftAppTenantId": TENANT},
     "takes no MicrosoftAppPassword"),
    ({"MicrosoftAppType": "UserAssignedMSI", "MicrosoftAppTenantId": TENANT},
     "no MicrosoftAppId"),
    ({"MicrosoftAppType": "Single", "MicrosoftAppId": APP_ID,
      "MicrosoftAppPassword": APP_PASSWORD, "MicrosoftAppTenantId": TENANT},
     "MicrosoftAppType 'Single' is none of"),
])
async def test_a_registration_that_cannot_work_leaves_teams_off(env: dict[str, str],
                                                                why: str) -> None:
    app = web.Application()
    app[BIND_HOST] = "0.0.0.0"
    line = mount(app, Runtime.open(teams(**env), store=MemoryStore(),
                                   home_tenant=home_tenant(teams(**env))))
    assert line.startswith("teams: off") and why in line, line
    assert TEAMS not in app


@pytest.mark.parametrize(("kind", "password"), [("SingleTenant", APP_PASSWORD),
                                                ("singletenant", APP_PASSWORD),
                                                ("UserAssignedMSI", "")])
async def test_a_single_tenant_or_managed_identity_bot_answers(
        issuer: FakeChannelIssuer, monkeypatch: pytest.MonkeyPatch, kind: str,
        password: str) -> None:
    # Azure's managed identity endpoint is the edge not on this machine: its token is the
    # issuer's, as MicrosoftAppCredentials' is in the bench
    monkeypatch.setattr(ManagedIdentityAppCredentials, "get_access_token",
                        lambda _self, force_refresh=False: BOT_TOKEN)
    settings = teams(MicrosoftAppType=kind, MicrosoftAppId=APP_ID, MicrosoftAppPassword=password,
                     MicrosoftAppTenantId=TENANT)
    async with FakeConnector(token=BOT_TOKEN) as fake, running(fake, settings, issuer) as b:
        posted = await b.say("help")
    assert texts(card_of(posted))[0] == t("en", "help.title", role=t("en", "role.coordinator"))
    assert all(call.authorization == f"Bearer {BOT_TOKEN}" for call in fake.calls)
    expected = "SingleTenant" if kind.lower() == "singletenant" else "UserAssignedMSI"
    door = door_of(settings, "0.0.0.0")
    assert door.mode is Mode.CREDENTIALS and f"({expected})" in door.why
