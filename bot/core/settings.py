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
    db: str = DEFAULT_DB
    seminar: str = DEFAULT_SEMINAR
    slack_bot_token: str = field(default="", repr=False)
    slack_signing_secret: str = field(default="", repr=False)
    slack_api_url: str = DEFAULT_SLACK_API
    microsoft_app_id: str = ""
    microsoft_app_password: str = field(default="", repr=False)
    microsoft_app_tenant_id: str = ""
    microsoft_app_type: str = ""
    public_url: str = ""  # where people reach the server (links to the record, calendar files)

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
            microsoft_app_id=env.get("MicrosoftAppId", ""),
            microsoft_app_password=env.get("MicrosoftAppPassword", ""),
            microsoft_app_tenant_id=env.get("MicrosoftAppTenantId", ""),
            microsoft_app_type=env.get("MicrosoftAppType", ""),
            public_url=env.get("OGPBOT_PUBLIC_URL", "").rstrip("/"),
        )

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token and self.slack_signing_secret)
