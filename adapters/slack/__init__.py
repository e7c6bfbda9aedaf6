"""ogpbot in a Slack workspace: `mount` adds `POST /slack/events` to the server when
`SLACK_BOT_TOKEN` and `SLACK_SIGNING_SECRET` are set, the install flow (`/slack/install`,
`/slack/oauth_redirect`) with `SLACK_CLIENT_ID` and `SLACK_CLIENT_SECRET` (`oauth`, whose
`refusal` `serve` asks first), and registers the Slack `Notifier` with the notice dispatcher
(`adapters.outbox_service.register_notifier`) and the Slack `Responder` with the inbox's turns
(`adapters.inbox_service.turns_of`).

A file per job, as the Teams adapter has: `access` (who gets in: the signature, once, and the
workspace), `inbound` (what a request asks, from its body alone), `endpoint` (the route:
kept in the inbox, then acknowledged through the slack-bolt app), `answers` (where a reply
goes), `home` (the App Home tab), `client` (the Web API client and its one HTTP session),
`speakers` (who is speaking), `notifier` (notices), `blocks` (Block Kit) and `retry`. The
endpoint is kept on the aiohttp app under `SLACK_ENDPOINT`."""

from __future__ import annotations

import time

from aiohttp import web

from adapters.inbox_service import turns_of
from adapters.outbox_service import register_notifier
from adapters.server import add_drain
from adapters.slack.access import SlackDoor
from adapters.slack.answers import SlackAnswers
from adapters.slack.client import SlackClient
from adapters.slack.endpoint import SlackEndpoint
from adapters.slack.home import AppHome
from adapters.slack.notifier import SlackNotifier
from adapters.slack.oauth import INSTALL_PATH, mount_installer, refusal
from adapters.slack.speakers import SpeakerBook
from bot.app.runtime import Runtime

__all__ = ["SLACK_ENDPOINT", "SlackEndpoint", "SlackNotifier", "mount", "refusal"]

SLACK_ENDPOINT: web.AppKey[SlackEndpoint] = web.AppKey("slack_endpoint", SlackEndpoint)


def mount(app: web.Application, runtime: Runtime) -> str:
    settings = runtime.settings
    installs = ""
    if settings.slack_oauth:
        mount_installer(app, runtime)
        installs = f", installs at GET {INSTALL_PATH}"
    if not settings.slack_enabled:
        missing = [name for name, value in (("SLACK_BOT_TOKEN", settings.slack_bot_token),
                                            ("SLACK_SIGNING_SECRET",
                                             settings.slack_signing_secret)) if not value]
        return f"slack: off ({' and '.join(missing)} not set{installs})"
    client = SlackClient(settings.slack_bot_token, settings.slack_api_url)
    speakers = SpeakerBook(client.api)
    notifier = SlackNotifier(client.api)
    home = AppHome(client.api, speakers, runtime.ask)
    answers = SlackAnswers(client, notifier, speakers, runtime.clock, home.publish)
    turns = turns_of(app, runtime)
    turns.register(answers)
    endpoint = SlackEndpoint(runtime, SlackDoor(settings.slack_signing_secret,
                                                settings.slack_team_id),
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
    served = (f"workspace {settings.slack_team_id} only" if settings.slack_team_id
              else "any workspace: SLACK_TEAM_ID not set")
    return (f"slack: on (POST /slack/events, Web API at {settings.slack_api_url}, "
            f"{served}{installs})")
