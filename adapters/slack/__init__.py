"""ogpbot in a Slack workspace: `mount` adds `POST /slack/events` (a slack-bolt app) to the
server when `SLACK_BOT_TOKEN` and `SLACK_SIGNING_SECRET` are set, the install flow
(`/slack/install`, `/slack/oauth_redirect`) with `SLACK_CLIENT_ID` and `SLACK_CLIENT_SECRET`
(`adapters.slack.oauth`, whose `refusal` `serve` asks first), and registers the adapter's
`SlackNotifier` with the notice dispatcher (`adapters.outbox.register_notifier`). The adapter is
kept on the aiohttp app under `SLACK_ADAPTER`."""

from __future__ import annotations

import time

from aiohttp import web

from adapters.inbox import turns_of
from adapters.outbox import register_notifier
from adapters.server import add_drain
from adapters.slack.app import SlackAdapter
from adapters.slack.notifier import SlackNotifier
from adapters.slack.oauth import INSTALL_PATH, mount_installer, refusal
from bot.app.runtime import Runtime

__all__ = ["SLACK_ADAPTER", "SlackAdapter", "SlackNotifier", "mount", "refusal"]

SLACK_ADAPTER: web.AppKey[SlackAdapter] = web.AppKey("slack_adapter", SlackAdapter)


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
    adapter = SlackAdapter(runtime, settings.slack_bot_token, settings.slack_signing_secret,
                           settings.slack_api_url, settings.slack_team_id)
    app[SLACK_ADAPTER] = adapter
    app.router.add_post("/slack/events", adapter.handle)
    register_notifier(app, adapter.notifier)
    adapter.turns = turns_of(app, runtime)
    adapter.turns.register(adapter.answers)

    async def finish(deadline: float) -> None:
        await adapter.drain(max(0.0, deadline - time.monotonic()))

    async def close(_: web.Application) -> None:
        await adapter.close()

    add_drain(app, finish)
    app.on_cleanup.append(close)
    served = (f"workspace {settings.slack_team_id} only" if settings.slack_team_id
              else "any workspace: SLACK_TEAM_ID not set")
    return (f"slack: on (POST /slack/events, Web API at {settings.slack_api_url}, "
            f"{served}{installs})")
