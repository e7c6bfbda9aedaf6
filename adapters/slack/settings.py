"""The Slack adapter's settings, read from the environment the process started with
(`Settings.env`): the bot token and signing secret of one workspace, or the OAuth app's
client id and secret for several (with `OGPBOT_SECRET_KEY`, which seals their tokens in the
store), the workspaces served, and the Web API's address. Secrets never appear in `repr`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.core.settings import Settings

DEFAULT_SLACK_API = "https://slack.com/api/"


@dataclass(frozen=True)
class SlackSettings:
    bot_token: str = field(default="", repr=False)  # SLACK_BOT_TOKEN
    signing_secret: str = field(default="", repr=False)  # SLACK_SIGNING_SECRET
    api_url: str = DEFAULT_SLACK_API  # SLACK_API_URL, always ending in "/"
    team_id: str = ""  # SLACK_TEAM_ID: the workspaces served (comma-separated); empty: any
    client_id: str = ""  # SLACK_CLIENT_ID, with the secret: installed through Slack's OAuth
    client_secret: str = field(default="", repr=False)  # SLACK_CLIENT_SECRET
    secret_key: str = field(default="", repr=False)  # OGPBOT_SECRET_KEY: seals stored tokens

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SlackSettings:
        api = env.get("SLACK_API_URL", "") or DEFAULT_SLACK_API
        return cls(
            bot_token=env.get("SLACK_BOT_TOKEN", ""),
            signing_secret=env.get("SLACK_SIGNING_SECRET", ""),
            api_url=api if api.endswith("/") else api + "/",
            team_id=env.get("SLACK_TEAM_ID", "").strip(),
            client_id=env.get("SLACK_CLIENT_ID", "").strip(),
            client_secret=env.get("SLACK_CLIENT_SECRET", "").strip(),
            secret_key=env.get("OGPBOT_SECRET_KEY", "").strip(),
        )

    @classmethod
    def of(cls, settings: Settings) -> SlackSettings:
        """The Slack settings of the environment `settings` were read from."""
        return cls.from_env(settings.env)

    @property
    def enabled(self) -> bool:
        """`POST /slack/events` is on: the signing secret, and a token or the install flow."""
        return bool(self.signing_secret and (self.bot_token or self.oauth))

    @property
    def oauth(self) -> bool:
        """Slack's OAuth flow is on: the bot may be installed in several workspaces."""
        return bool(self.client_id and self.client_secret)

    @property
    def teams(self) -> frozenset[str]:
        """The workspaces `SLACK_TEAM_ID` names; empty: any workspace the app is in."""
        return frozenset(t.strip() for t in self.team_id.split(",") if t.strip())
