"""Settings come from the environment by the contract's names: the core's own in
`bot.core.settings`, each platform's in its adapter, read from the same environment; nothing
secret shows in any of their `repr`s (a log line or a traceback may print one)."""

from __future__ import annotations

from dataclasses import fields

from adapters.slack.settings import SlackSettings
from adapters.teams.settings import TeamsSettings, home_tenant
from bot.core.settings import Settings

ENV = {
    "OGPBOT_DB": "var/test.json", "OGPBOT_PUBLIC_URL": "https://ogp.example.org/",
    "SLACK_BOT_TOKEN": "xoxb-made-up-token", "SLACK_SIGNING_SECRET": "made-up-signing",
    "SLACK_API_URL": "http://127.0.0.1:9/api", "SLACK_TEAM_ID": " T1, T2 ,",
    "SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "made-up-client-secret",
    "OGPBOT_SECRET_KEY": "made-up-sealing-key",
    "MicrosoftAppId": "app-id", "MicrosoftAppPassword": "made-up-password",
    "MicrosoftAppTenantId": "Tenant-A", "OGPBOT_TEAMS_TENANTS": "tenant-b",
}
SECRETS = ("xoxb-made-up-token", "made-up-signing", "made-up-client-secret",
           "made-up-sealing-key", "made-up-password")


def test_each_adapter_reads_its_own_settings_from_the_same_environment() -> None:
    settings = Settings.from_env(ENV)
    assert (settings.db, settings.public_url) == ("var/test.json", "https://ogp.example.org")
    slack = SlackSettings.of(settings)
    assert slack.enabled and slack.oauth
    assert slack.api_url == "http://127.0.0.1:9/api/"
    assert slack.teams == {"T1", "T2"}
    teams = TeamsSettings.of(settings)
    assert (teams.app_id, teams.app_password) == ("app-id", "made-up-password")
    assert teams.allowed_tenants == {"Tenant-A", "tenant-b"}
    assert home_tenant(settings) == "tenant-a"


def test_the_core_holds_no_platform_setting() -> None:
    names = {f.name for f in fields(Settings)}
    assert not {n for n in names if n.startswith(("slack", "microsoft", "teams"))}


def test_no_secret_shows_in_a_repr() -> None:
    settings = Settings.from_env(ENV)
    shown = " ".join(map(repr, (settings, SlackSettings.of(settings),
                                TeamsSettings.of(settings))))
    assert "app-id" in shown  # not secret: the app id is in the Teams app package
    for secret in SECRETS:
        assert secret not in shown
