"""Settings from the environment (see docs/usage.md). Secrets are read here and never
logged: `Settings.__repr__` hides them."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

DEFAULT_DB = "var/ogpbot.json"
DEFAULT_SEMINAR = "data/seminar.toml"
DEFAULT_SLACK_API = "https://slack.com/api/"


@dataclass(frozen=True)
class Settings:
    db: str = field(default=DEFAULT_DB, repr=False)  # a database address may hold a password
    seminar: str = DEFAULT_SEMINAR
    slack_bot_token: str = field(default="", repr=False)
    slack_signing_secret: str = field(default="", repr=False)
    slack_api_url: str = DEFAULT_SLACK_API
    slack_team_id: str = ""  # the workspaces served (comma-separated); empty: any the app is in
    slack_client_id: str = ""  # with the secret: installed through Slack's OAuth flow
    slack_client_secret: str = field(default="", repr=False)
    secret_key: str = field(default="", repr=False)  # OGPBOT_SECRET_KEY: seals stored tokens
    microsoft_app_id: str = ""
    microsoft_app_password: str = field(default="", repr=False)
    microsoft_app_tenant_id: str = ""
    microsoft_app_type: str = ""
    teams_tenants: tuple[str, ...] = ()  # OGPBOT_TEAMS_TENANTS: tenants beside the app's own
    teams_emulator: str = ""  # OGPBOT_TEAMS_EMULATOR as given: "1" for the Bot Framework Emulator
    public_url: str = ""  # where people reach the server (links to the record, calendar files)
    log_format: str = "text"  # text | json (one object a line, with the request id)
    # OGPBOT_TEST_CLOCK, for tests only: the clock starts at this moment (ISO 8601, with its
    # offset), optionally `@SPEED`, and `POST /test/clock` moves it (adapters/clockwork.py)
    test_clock: str = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        api = env.get("SLACK_API_URL", "") or DEFAULT_SLACK_API
        return cls(
            db=env.get("OGPBOT_DB", "") or DEFAULT_DB,
            seminar=env.get("OGPBOT_SEMINAR", "") or DEFAULT_SEMINAR,
            slack_bot_token=env.get("SLACK_BOT_TOKEN", ""),
            slack_signing_secret=env.get("SLACK_SIGNING_SECRET", ""),
            slack_api_url=api if api.endswith("/") else api + "/",
            slack_team_id=env.get("SLACK_TEAM_ID", "").strip(),
            slack_client_id=env.get("SLACK_CLIENT_ID", "").strip(),
            slack_client_secret=env.get("SLACK_CLIENT_SECRET", "").strip(),
            secret_key=env.get("OGPBOT_SECRET_KEY", "").strip(),
            microsoft_app_id=env.get("MicrosoftAppId", ""),
            microsoft_app_password=env.get("MicrosoftAppPassword", ""),
            microsoft_app_tenant_id=env.get("MicrosoftAppTenantId", ""),
            microsoft_app_type=env.get("MicrosoftAppType", ""),
            teams_tenants=tuple(t.strip() for t in env.get("OGPBOT_TEAMS_TENANTS", "").split(",")
                                if t.strip()),
            teams_emulator=env.get("OGPBOT_TEAMS_EMULATOR", "").strip(),
            public_url=env.get("OGPBOT_PUBLIC_URL", "").rstrip("/"),
            log_format=(env.get("OGPBOT_LOG_FORMAT", "") or "text").strip().lower(),
            test_clock=env.get("OGPBOT_TEST_CLOCK", "").strip(),
        )

    @property
    def slack_enabled(self) -> bool:
        """`POST /slack/events` is on: the signing secret, and a token or the install flow."""
        return bool(self.slack_signing_secret and (self.slack_bot_token or self.slack_oauth))

    @property
    def slack_oauth(self) -> bool:
        """Slack's OAuth flow is on: the bot may be installed in several workspaces."""
        return bool(self.slack_client_id and self.slack_client_secret)

    @property
    def slack_teams(self) -> frozenset[str]:
        """The workspaces `SLACK_TEAM_ID` names; empty: any workspace the app is in."""
        return frozenset(t.strip() for t in self.slack_team_id.split(",") if t.strip())

    @property
    def teams_home_tenant(self) -> str:
        """The Entra tenant a roster person's `aad_object_id` is in unless they name another:
        `MicrosoftAppTenantId`, else the one tenant of `OGPBOT_TEAMS_TENANTS`, else none."""
        if self.microsoft_app_tenant_id:
            return self.microsoft_app_tenant_id.lower()
        return self.teams_tenants[0].lower() if len(self.teams_tenants) == 1 else ""

    @property
    def teams_allowed_tenants(self) -> frozenset[str]:
        """The Microsoft Entra tenants whose people may use the bot in Teams."""
        named = (self.microsoft_app_tenant_id, *self.teams_tenants)
        return frozenset(t for t in named if t)
