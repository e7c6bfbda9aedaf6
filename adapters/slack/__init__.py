"""ogpbot in Slack workspaces: `mount` adds `POST /slack/events` to the server when
`SLACK_SIGNING_SECRET` is set with `SLACK_BOT_TOKEN` (one workspace) or with `SLACK_CLIENT_ID`
and `SLACK_CLIENT_SECRET` (the install flow, `/slack/install` and `/slack/oauth_redirect`:
`oauth`, whose `refusal` `serve` asks first; any number of workspaces), and registers the Slack
`Notifier` with the notice dispatcher (`adapters.outbox_service.register_notifier`) and the Slack
`Responder` with the inbox's turns (`adapters.inbox_service.turns_of`).

A file per job, as the Teams adapter has: `access` (who gets in: the signature, once, and the
installation's workspace), `inbound` (what a request asks, from its body alone), `endpoint`
(the route: kept in the inbox, then acknowledged through the slack-bolt app), `answers` (where
a reply goes), `home` (the App Home tab), `client` (the Web API client and its one HTTP
session), `workspaces` (which workspace each call is for, and its token), `installations`,
`oauth_state` and `oauth` (installing in a workspace), `speakers` (who is speaking),
`notifier` (notices), `blocks` (Block Kit) and `retry`. The endpoint is kept on the aiohttp
app under `SLACK_ENDPOINT`."""

from __future__ import annotations

import logging
import time

from aiohttp import web
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator
from slack_sdk.web.async_client import AsyncWebClient

from adapters.inbox_service import turns_of
from adapters.outbox_service import register_notifier
from adapters.server import add_drain
from adapters.slack.access import SlackDoor
from adapters.slack.answers import SlackAnswers
from adapters.slack.client import TIMEOUT, SlackClient
from adapters.slack.endpoint import SlackEndpoint
from adapters.slack.home import AppHome
from adapters.slack.installations import StoreInstallations
from adapters.slack.notifier import SlackNotifier
from adapters.slack.oauth import INSTALL_PATH, mount_installer, refusal
from adapters.slack.settings import SlackSettings
from adapters.slack.speakers import PLATFORM, SpeakerBook
from adapters.slack.workspaces import Workspaces
from bot.app.runtime import Runtime
from bot.core.reach import Reach

__all__ = ["SLACK_ENDPOINT", "SlackEndpoint", "SlackNotifier", "mount", "refusal"]

log = logging.getLogger("ogpbot.slack")
SLACK_ENDPOINT: web.AppKey[SlackEndpoint] = web.AppKey("slack_endpoint", SlackEndpoint)


def mount(app: web.Application, runtime: Runtime) -> str:
    settings = SlackSettings.of(runtime.settings)
    installations: StoreInstallations | None = None
    installs = ""
    if settings.oauth:
        installations = mount_installer(app, runtime)
        installs = f", installs at GET {INSTALL_PATH}"
        if not settings.teams:
            log.warning("slack: the install flow is open to any workspace and SLACK_TEAM_ID is "
                        "not set: a member's e-mail identifies no one from workspaces it does "
                        "not list (with it unset, only SLACK_BOT_TOKEN's workspace counts); "
                        "people of any other are known by the roster's slack_id alone, else "
                        "served as civil society. List the workspaces you vouch for in "
                        "SLACK_TEAM_ID.")
    if not settings.enabled:
        missing = [name for name, value in (("SLACK_BOT_TOKEN", settings.bot_token),
                                            ("SLACK_SIGNING_SECRET",
                                             settings.signing_secret)) if not value]
        return f"slack: off ({' and '.join(missing)} not set{installs})"
    rotator = AsyncTokenRotator(client_id=settings.client_id,
                                client_secret=settings.client_secret,
                                client=AsyncWebClient(base_url=settings.api_url,
                                                      timeout=TIMEOUT)) \
        if installations is not None else None
    workspaces = Workspaces(Reach(runtime.bot.records, PLATFORM), runtime.clock,
                            settings.api_url, settings.bot_token, installations,
                            rotator, settings.teams)
    client = SlackClient(workspaces, settings.api_url)
    speakers = SpeakerBook(client.api)
    notifier = SlackNotifier(client.api)
    home = AppHome(client.api, speakers, runtime.ask)
    answers = SlackAnswers(client, notifier, speakers, runtime.clock, home.publish)
    turns = turns_of(app, runtime)
    turns.register(answers)
    endpoint = SlackEndpoint(runtime, SlackDoor(settings.signing_secret,
                                                settings.teams),
                             client, answers, home, turns)
    app[SLACK_ENDPOINT] = endpoint
    app.router.add_post("/slack/events", endpoint.handle)
    register_notifier(app, notifier)

    async def finish(deadline: float) -> None:
        await endpoint.drain(max(0.0, deadline - time.monotonic()))

    async def close(_: web.Application) -> None:
        await client.close()

    add_drain(app, finish)
    app.on_cleanup.append(close)
    served = (f"workspace(s) {', '.join(sorted(settings.teams))} only"
              if settings.teams else "any workspace: SLACK_TEAM_ID not set")
    return (f"slack: on (POST /slack/events, Web API at {settings.api_url}, "
            f"{served}{installs})")
