"""Where the bot is installed in Slack, kept in ogpbot's own store (memory, the TinyDB file,
PostgreSQL) for slack-bolt's OAuth flow: each workspace's bot token sealed with
`OGPBOT_SECRET_KEY` (nothing in the store, or a backup of it, opens without the key), found
again for the workspace it is for, sealed anew when Slack rotates it, gone when the app is
uninstalled; and the OAuth `state`, good once and for ten minutes."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk.oauth.installation_store.models.installation import Installation

from adapters.sealing import Sealer, Unsealable, key_problem, new_key
from adapters.slack.installations import INSTALLATIONS, StoreInstallations
from adapters.slack.oauth_state import STATES, StoreStates
from bot.core.clock import FakeClock
from bot.store.contract import Store

KEY = "bWFkZS11cCBrZXkgZm9yIG9ncGJvdCB0ZXN0cywgMzI="  # 32 made-up bytes: ids stay the same
TOKEN = "xoxb-made-up-0001-sealed-at-rest"
REFRESH = "xoxe-1-made-up-refresh"


def installation(team: str = "T0MADEUP1", **more: object) -> Installation:
    """What bolt makes of Slack's `oauth.v2.access` answer (made-up ids)."""
    values: dict[str, object] = {
        "app_id": "A0MADEUP1", "team_id": team, "team_name": "Frivillighet Norge",
        "bot_token": TOKEN, "bot_id": "B0MADEUP1", "bot_user_id": "U0OGPBOT1",
        "bot_scopes": "commands,chat:write,im:write", "user_id": "U0INSTALL",
        "token_type": "bot", "installed_at": 1_790_000_000.0, **more}
    return Installation(**values)  # type: ignore[arg-type]


def everything(store: Store) -> str:
    return json.dumps({name: store.items(name) for name in store.collections()})


@pytest.mark.asyncio
async def test_a_token_is_kept_sealed_and_found_for_its_workspace(store: Store) -> None:
    kept = StoreInstallations(store, Sealer(KEY))
    await kept.async_save(installation(bot_refresh_token=REFRESH,
                                       bot_token_expires_at=1_790_043_200))
    assert TOKEN not in everything(store) and REFRESH not in everything(store)
    bot = await kept.async_find_bot(enterprise_id=None, team_id="T0MADEUP1")
    assert bot is not None and bot.bot_token == TOKEN and bot.bot_refresh_token == REFRESH
    assert bot.bot_user_id == "U0OGPBOT1" and bot.bot_token_expires_at == 1_790_043_200
    assert bot.bot_scopes == ["commands", "chat:write", "im:write"]
    found = await kept.async_find_installation(enterprise_id=None, team_id="T0MADEUP1")
    assert found is not None and found.user_id == "U0INSTALL" and found.bot_token == TOKEN
    assert await kept.async_find_bot(enterprise_id=None, team_id="T0OTHER01") is None
    assert [w["team_name"] for w in kept.workspaces()] == ["Frivillighet Norge"]


@pytest.mark.asyncio
async def test_a_rotated_token_replaces_the_old_and_keeps_the_installer(store: Store) -> None:
    kept = StoreInstallations(store, Sealer(KEY))
    await kept.async_save(installation(bot_refresh_token=REFRESH, bot_token_expires_at=1))
    bot = await kept.async_find_bot(enterprise_id=None, team_id="T0MADEUP1")
    assert bot is not None
    bot.bot_token, bot.bot_token_expires_at = "xoxb-made-up-rotated", 2_000_000_000
    await kept.async_save_bot(bot)
    found = await kept.async_find_installation(enterprise_id=None, team_id="T0MADEUP1")
    assert found is not None and found.bot_token == "xoxb-made-up-rotated"
    assert found.user_id == "U0INSTALL"


@pytest.mark.asyncio
async def test_without_the_key_the_store_opens_no_token(store: Store,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    await StoreInstallations(store, Sealer(KEY)).async_save(installation())
    other = StoreInstallations(store, Sealer(new_key()))
    with caplog.at_level(logging.ERROR, logger="ogpbot.slack"):
        for _ in range(3):
            assert await other.async_find_bot(enterprise_id=None, team_id="T0MADEUP1") is None
    said = [r.getMessage() for r in caplog.records]
    assert len(said) == 1 and "OGPBOT_SECRET_KEY" in said[0] and TOKEN not in said[0]


@pytest.mark.asyncio
async def test_a_new_key_beside_the_old_opens_both(store: Store) -> None:
    old, new = KEY, new_key()
    await StoreInstallations(store, Sealer(old)).async_save(installation())
    both = StoreInstallations(store, Sealer(f"{new},{old}"))
    bot = await both.async_find_bot(enterprise_id=None, team_id="T0MADEUP1")
    assert bot is not None and bot.bot_token == TOKEN
    await both.async_save_bot(bot)  # sealed anew, with the new key alone
    alone = StoreInstallations(store, Sealer(new))
    assert await alone.async_find_bot(enterprise_id=None, team_id="T0MADEUP1") is not None


@pytest.mark.asyncio
async def test_uninstalling_or_revoking_the_bot_forgets_the_workspace(store: Store) -> None:
    kept = StoreInstallations(store, Sealer(KEY))
    await kept.async_save(installation())
    await kept.async_save(installation(team="T0MADEUP2"))
    await kept.async_delete_installation(enterprise_id=None, team_id="T0MADEUP1",
                                         user_id="U0INSTALL")  # a person's: nothing kept
    assert await kept.async_find_bot(enterprise_id=None, team_id="T0MADEUP1") is not None
    await kept.async_delete_all(enterprise_id=None, team_id="T0MADEUP1")  # app_uninstalled
    await kept.async_delete_bot(enterprise_id=None, team_id="T0MADEUP2")  # tokens_revoked
    assert store.all(INSTALLATIONS) == []


@pytest.mark.asyncio
async def test_an_org_wide_install_serves_every_workspace_of_the_organisation(
        store: Store) -> None:
    kept = StoreInstallations(store, Sealer(KEY))
    await kept.async_save(installation(team=None, enterprise_id="E0MADEUP1",
                                       is_enterprise_install=True))
    bot = await kept.async_find_bot(enterprise_id="E0MADEUP1", team_id="T0INGRID1")
    assert bot is not None and bot.bot_token == TOKEN
    assert await kept.async_find_bot(enterprise_id="E0OTHER01", team_id="T0INGRID1") is None


@pytest.mark.asyncio
async def test_a_state_is_good_once_and_for_ten_minutes(store: Store) -> None:
    clock = FakeClock(datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
    states = StoreStates(store, clock)
    first, second = await states.async_issue(), await states.async_issue()
    assert first != second and len(first) >= 40
    assert await states.async_consume(first)
    assert not await states.async_consume(first)  # used
    assert not await states.async_consume("made-up-state")
    clock.advance(timedelta(minutes=10, seconds=1))
    assert not await states.async_consume(second)  # run out
    stale = await states.async_issue()
    clock.advance(timedelta(minutes=11))
    await states.async_issue()  # the run-out ones are swept meanwhile
    assert stale not in dict(store.items(STATES)) and len(store.items(STATES)) == 1


@pytest.mark.parametrize(("value", "says"), [
    ("", "OGPBOT_SECRET_KEY is empty"),
    ("correct horse battery staple", "OGPBOT_SECRET_KEY is not a Fernet key"),
    (f"{KEY},not-a-key", "key 2 of OGPBOT_SECRET_KEY is not a Fernet key"),
    (f"{KEY},", "OGPBOT_SECRET_KEY is empty"),
    ("ø" * 44, "not a Fernet key"),
], ids=["empty", "words", "second-not-a-key", "second-empty", "not-ascii"])  # KEY is random:
# ids of their own, the same in every process that collects them (pytest-xdist)
def test_a_key_that_is_no_key_is_named_without_showing_it(value: str, says: str) -> None:
    problem = key_problem(value)
    assert problem is not None and says in problem and "Fernet.generate_key" in problem
    assert "not-a-key" not in problem and "horse" not in problem
    with pytest.raises(ValueError):
        Sealer(value)


def test_a_sealed_value_changed_does_not_open() -> None:
    sealer = Sealer(KEY)
    sealed = sealer.seal(TOKEN)
    assert sealer.open(sealed) == TOKEN and TOKEN not in sealed
    tampered = sealed[:-8] + ("A" if sealed[-8] != "A" else "B") + sealed[-7:]
    with pytest.raises(Unsealable):
        sealer.open(tampered)
    with pytest.raises(Unsealable):
        sealer.open("ø")
