"""An outsider at `POST /api/messages`, in each of the endpoint's modes: a forged activity
naming the attacker's own server as `serviceUrl` (which answers a member lookup with the
coordinator's email) gets nowhere, and nothing it says makes anyone the coordinator.

- no Teams settings: `ogpbot serve` answers 404 and calls nobody;
- `OGPBOT_TEAMS_EMULATOR=1`: refused by `serve` on a public host or beside credentials; on
  loopback it works, calls back only on loopback and knows nobody by email;
- credentials: 401 without a valid token of the channel for this app and this `serviceUrl`,
  403 for a tenant the deployment does not serve; a roster person is known by their Entra
  object id, and another tenant's user with the coordinator's email is not the coordinator.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from adapters.teams.settings import TeamsSettings
from bot.core.settings import Settings
from bot.i18n.catalogue import t
from bot.notices.port import DeliveryError
from bot.store.memory import MemoryStore
from tests.adapters.teams.conftest import (
    APP_ID,
    BOT_TOKEN,
    CHANNEL,
    KARI,
    KARI_EMAIL,
    OLA,
    TENANT,
    Bench,
    card_of,
    credentials,
    emulator,
    running,
    texts,
)
from tests.fakes.bf_connector import FakeChannelIssuer, FakeConnector
from tests.serving import ROOT, ServeProcess, free_port

pytestmark = pytest.mark.asyncio
OTHER_TENANT = "3e0a9f11-0000-4000-8000-0000000000ff"
KARI_OID = "5a8c1b7e-2f40-4d1a-9c33-0a1b2c3d4e5f"
MALLORY = {"id": "29:1-mallory", "name": "Mallory", "aadObjectId": "aad-mallory"}
DM_MALLORY = "a:1-dm-with-mallory"
DECIDE = "decide P-1 exclude not wanted"


def forged(service_url: str, *, user: dict[str, Any] = MALLORY, tenant: str = TENANT,
           conversation: str = DM_MALLORY, text: str = "help") -> dict[str, Any]:
    """A Teams message as anyone could post it."""
    return {
        "type": "message", "id": "forged-1", "timestamp": "2026-12-01T09:00:00Z",
        "serviceUrl": service_url, "channelId": "msteams", "from": user,
        "recipient": {"id": "28:ogpbot-app-id", "name": "ogpbot"}, "locale": "en-US",
        "conversation": {"id": conversation, "conversationType": "personal",
                         "tenantId": tenant},
        "channelData": {"tenant": {"id": tenant}}, "text": text,
    }


def snapshot(bench: Bench) -> str:
    store = bench.runtime.store
    assert isinstance(store, MemoryStore)
    return json.dumps(store._data, sort_keys=True, default=str)


def clean_env(**more: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "Microsoft", "OGPBOT_"))}
    return {**env, "OGPBOT_SEMINAR": str(ROOT / "data" / "seminar.toml"), **more}


def help_title(bench_reply: Any) -> str:
    return texts(card_of(bench_reply))[0]


# ------------------------------------------------------------------ no settings: `ogpbot serve`

async def test_without_teams_settings_serve_answers_404_and_calls_nobody(tmp_path: Path
                                                                          ) -> None:
    async with FakeConnector() as attacker:
        attacker.add_member(DM_MALLORY, {**MALLORY, "email": KARI_EMAIL})
        server = ServeProcess(clean_env(OGPBOT_DB=str(tmp_path / "ogpbot.json")),
                              tmp_path / "serve.log", start_within=20.0)
        try:
            await server.start()
            async with aiohttp.ClientSession() as http:
                for text in ("help", DECIDE):
                    async with http.post(f"{server.url}/api/messages",
                                         json=forged(attacker.url, text=text)) as answer:
                        assert answer.status == 404
        finally:
            server.stop()  # a stop lets whatever is in flight finish: a call out would be in
        assert attacker.calls == []
    log = server.log.read_text()
    assert "teams: off (no MicrosoftAppId and MicrosoftAppPassword" in log
    assert "OGPBOT_TEAMS_EMULATOR=1" in log  # the line says how to try it locally


@pytest.mark.parametrize(("env", "host", "says"), [
    ({"OGPBOT_TEAMS_EMULATOR": "1"}, "0.0.0.0", "loopback"),
    ({"OGPBOT_TEAMS_EMULATOR": "1", "MicrosoftAppId": APP_ID,
      "MicrosoftAppPassword": "secret"}, "127.0.0.1", "MicrosoftAppId"),
    ({"OGPBOT_TEAMS_EMULATOR": "yes"}, "127.0.0.1", "must be 1"),
])
async def test_serve_refuses_the_emulator_where_it_would_open_a_door(
        tmp_path: Path, env: dict[str, str], host: str, says: str) -> None:
    port = free_port()
    done = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "adapters.cli", "serve", "--host", host,
                         "--port", str(port)],
        cwd=ROOT, env=clean_env(OGPBOT_DB=str(tmp_path / "ogpbot.json"), **env),
        capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    [sentence] = done.stderr.strip().splitlines()  # one sentence, no traceback
    assert sentence.startswith("ogpbot: ") and sentence.endswith(".")
    assert says in sentence
    assert not (tmp_path / "ogpbot.json").exists()  # refused before anything was opened


# ------------------------------------------------------------------ emulator on loopback

async def test_the_emulator_on_loopback_works_and_knows_nobody_by_email(
        emulator_bench: Bench) -> None:
    bench = emulator_bench
    # the fake connector would say this is the coordinator's address, were it asked
    posted = await bench.say("help")
    assert help_title(posted) == t("en", "help.title", role=t("en", "role.civil_society"))
    assert bench.fake.calls_to("/members") == []  # no member lookup without a token


@pytest.mark.parametrize("service_url", ["https://attacker.example/", "http://10.0.0.7:3978/",
                                         "file:///etc/passwd", "not a url"])
async def test_the_emulator_calls_no_service_url_off_this_machine(
        emulator_bench: Bench, service_url: str) -> None:
    bench = emulator_bench
    before = snapshot(bench)
    status = await bench.post(forged(service_url, text=DECIDE))
    assert status == 403
    assert snapshot(bench) == before  # nothing kept, nobody created
    assert bench.fake.calls == []


# ------------------------------------------------------------------ credentials

@pytest.mark.parametrize("token", [
    "none", "another app id", "signed by another key", "expired", "no serviceurl claim",
    "another issuer", "another channel"])
async def test_with_credentials_only_the_channels_token_for_this_app_gets_in(
        bench: Bench, issuer: FakeChannelIssuer, token: str) -> None:
    url = bench.fake.url
    body = forged(url, text=DECIDE)
    headers = {
        "none": {},
        "another app id": issuer.authorization("11111111-2222-4333-8444-555555555555", url),
        "signed by another key": issuer.authorization(APP_ID, url, key="other"),
        "expired": issuer.authorization(APP_ID, url, lifetime=-3600),
        "no serviceurl claim": issuer.authorization(APP_ID, None),
        "another issuer": issuer.authorization(
            APP_ID, url, issuer="https://sts.windows.net/d6d49420-f39b-4df7-a1dc-d59a935871db/",
            appid=APP_ID, ver="1.0"),
        "another channel": issuer.authorization(APP_ID, url),
    }[token]
    if token == "another channel":
        body["channelId"] = "webchat"  # the key is endorsed for msteams only
    before = snapshot(bench)
    assert await bench.post(body, headers=headers) == 401
    assert snapshot(bench) == before
    assert bench.fake.calls == []


async def test_a_token_for_another_service_url_calls_neither(bench: Bench,
                                                             issuer: FakeChannelIssuer) -> None:
    """A real token (for the real connector) replayed with the attacker's `serviceUrl`."""
    async with FakeConnector() as attacker:
        attacker.add_member(DM_MALLORY, {**MALLORY, "email": KARI_EMAIL})
        before = snapshot(bench)
        status = await bench.post(forged(attacker.url, text=DECIDE),
                                  headers=issuer.authorization(APP_ID, bench.fake.url))
        # `post` waited for every turn it started to end: a call out would be made by now
        assert status == 401
        assert attacker.calls == [] and bench.fake.calls == []
        assert snapshot(bench) == before


async def test_another_tenant_gets_403_and_nothing_changes(bench: Bench) -> None:
    bench.fake.add_member(DM_MALLORY, {**MALLORY, "email": KARI_EMAIL})
    before = snapshot(bench)
    for text in ("help", DECIDE):
        assert await bench.post(forged(bench.fake.url, tenant=OTHER_TENANT, text=text)) == 403
    assert snapshot(bench) == before
    assert bench.fake.calls == []  # no member lookup, no reply


def seminar_with_kari_oid(folder: Path) -> str:
    shipped = (ROOT / "data" / "seminar.toml").read_text(encoding="utf-8")
    line = f'email = "{KARI_EMAIL}"\n'
    assert line in shipped
    path = folder / "seminar.toml"
    path.write_text(shipped.replace(line, f'{line}aad_object_id = "{KARI_OID}"\n', 1),
                    encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("on_roster", [True, False])
async def test_a_roster_person_is_known_by_their_entra_object_id(
        issuer: FakeChannelIssuer, tmp_path: Path, on_roster: bool) -> None:
    settings = credentials(seminar=seminar_with_kari_oid(tmp_path)) if on_roster else \
        credentials()
    # a new device, and a connector that gives no email: only the object id tells who it is
    kari = {"id": "29:1-kari-laptop", "name": "Kari", "aadObjectId": KARI_OID}
    async with FakeConnector(token=BOT_TOKEN) as fake, running(fake, settings, issuer) as b:
        posted = await b.say("help", user=kari, conversation="a:1-kari-laptop")
    role = "role.coordinator" if on_roster else "role.civil_society"
    assert help_title(posted) == t("en", "help.title", role=t("en", role))


async def test_another_tenants_user_with_the_coordinators_email_is_not_the_coordinator(
        issuer: FakeChannelIssuer, tmp_path: Path) -> None:
    """Both tenants are served; in the other one, an administrator gave Mallory Kari's email.
    Kari is on the roster by her object id, so the email makes nobody her."""
    settings = credentials(seminar=seminar_with_kari_oid(tmp_path),
                           OGPBOT_TEAMS_TENANTS=OTHER_TENANT)
    async with FakeConnector(token=BOT_TOKEN) as fake, running(fake, settings, issuer) as b:
        fake.add_member(DM_MALLORY, {**MALLORY, "email": KARI_EMAIL,
                                     "userPrincipalName": KARI_EMAIL})
        posted = await b.say("help", user=MALLORY, conversation=DM_MALLORY,
                             tenant=OTHER_TENANT)
        assert fake.calls_to("/members")  # asked: she is in a tenant the deployment serves
        assert help_title(posted) == t("en", "help.title",
                                       role=t("en", "role.civil_society"))
        refused = await b.say(DECIDE, user=MALLORY, conversation=DM_MALLORY,
                              tenant=OTHER_TENANT)
        assert "coordinator" in " ".join(texts(card_of(refused))).lower()
        people = b.runtime.bot.records.people()
        mallory = next(p for p in people if p.platform_ids.get("teams") == MALLORY["id"])
        assert not mallory.on_roster and mallory.email is None  # not given Kari's address
        kari = next(p for p in people if p.email == KARI_EMAIL)
        assert "teams" not in kari.platform_ids


async def test_what_the_emulator_kept_is_not_called_with_credentials(
        issuer: FakeChannelIssuer) -> None:
    """Switched from the Emulator to credentials on the same store: the addresses kept from
    unauthenticated activities are not called with the bot's token."""
    store = MemoryStore()
    async with FakeConnector() as local, FakeConnector(token=BOT_TOKEN) as teams:
        async with running(local, emulator(), None, store) as before:
            await before.say("help", user=OLA, conversation=CHANNEL, kind="channel")
        seen = len(local.calls)
        async with running(teams, credentials(), issuer, store) as after:
            with pytest.raises(DeliveryError):
                await after.notifier.direct(OLA["id"], texts_reply())
            with pytest.raises(DeliveryError):
                await after.notifier.post(CHANNEL, texts_reply())
            assert len(local.calls) == seen and teams.calls == []
            # once Ola writes through Teams, the vouched address reaches him
            await after.say("help", user=OLA, conversation=CHANNEL, kind="channel")
            await after.notifier.direct(OLA["id"], texts_reply())
        assert len(local.calls) == seen


def texts_reply() -> Any:
    from bot.core.reply import Reply

    return Reply(language="en", title="Your table")


async def test_with_credentials_kari_is_still_known_by_her_email(bench: Bench) -> None:
    """Without an object id on the roster, an email from the member lookup of an activity
    a token vouched for, in the deployment's tenant, still finds the roster person."""
    posted = await bench.say("help", user=KARI)
    assert help_title(posted) == t("en", "help.title", role=t("en", "role.coordinator"))


async def test_settings_read_the_tenants_and_the_emulator_switch() -> None:
    settings = Settings.from_env({"MicrosoftAppTenantId": TENANT,
                                  "OGPBOT_TEAMS_TENANTS": f" {OTHER_TENANT}, ,x ",
                                  "OGPBOT_TEAMS_EMULATOR": "1"})
    assert TeamsSettings.of(settings).allowed_tenants == {TENANT, OTHER_TENANT, "x"}
    assert TeamsSettings.of(settings).emulator == "1"
