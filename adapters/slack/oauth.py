"""Installing ogpbot in a Slack workspace, through slack-bolt's OAuth flow (`AsyncOAuthFlow`).

`GET /slack/install` sends the browser straight to Slack's authorisation page, with a `state`
that the store keeps for ten minutes (`oauth_state`) and a cookie that ties it to this browser.
`GET /slack/oauth_redirect` is where Slack sends the browser back: the state must be one the
bot issued, unused, in the same browser, before Slack's `code` is exchanged (`oauth.v2.access`)
for the workspace's bot token, which the store keeps sealed (`installations`). The page it
answers says what happened, in the reader's language (`?lang=`, else the browser's
`Accept-Language`, else the seminar's): installed (in which workspace, and what to do next),
cancelled, a link that ran out, or a workspace this deployment does not serve
(`SLACK_TEAM_ID`), whose token is then given back to Slack at once (`auth.revoke`).
"""

from __future__ import annotations

import html
import logging

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.error import BoltError
from slack_bolt.oauth.async_callback_options import (
    AsyncCallbackOptions,
    AsyncFailureArgs,
    AsyncSuccessArgs,
)
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.web.async_client import AsyncWebClient

from adapters.sealing import MAKE_ONE, Sealer, key_problem
from adapters.server import MESSAGE_PAGE, MessagePage
from adapters.slack.installations import StoreInstallations
from adapters.slack.oauth_state import StoreStates
from adapters.slack.settings import SlackSettings
from bot.app.runtime import Runtime
from bot.core.seminar import Seminar
from bot.core.settings import Settings
from bot.i18n.catalogue import t
from bot.record.public import language

log = logging.getLogger("ogpbot.slack")

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
#: The bot's scopes, as the manifest (`adapters/slack/manifest.yaml`) asks for them.
SCOPES = ("commands", "chat:write", "im:write", "im:history", "app_mentions:read",
          "users:read", "users:read.email", "files:write")
#: How long before a rotating token runs out it is renewed (Slack's tokens last 12 hours).
ROTATE_BEFORE_MINUTES = 120


class NotServed(BoltError):
    """An installation in a workspace that `SLACK_TEAM_ID` does not name."""

    def __init__(self, team: str) -> None:
        super().__init__(f"workspace {team} is not served")
        self.team = team


class _Flow(AsyncOAuthFlow):
    """bolt's flow, refusing to keep an installation in a workspace not served."""

    served: frozenset[str] = frozenset()

    async def store_installation(self, request: AsyncBoltRequest,
                                 installation: Installation) -> None:
        team = installation.team_id or installation.enterprise_id or ""
        if self.served and team not in self.served:
            try:  # its token is of no use here: give it back
                await self.client.auth_revoke(token=installation.bot_token)
            except Exception as exc:
                log.warning("slack: could not give back the token of an installation not "
                            "served (%s)", type(exc).__name__)
            raise NotServed(installation.team_name or team)
        await super().store_installation(request, installation)


class Installer:
    """The two routes of the install flow, over one deployment's store."""

    def __init__(self, settings: Settings, seminar: Seminar,
                 installations: StoreInstallations, states: StoreStates,
                 served: frozenset[str] = frozenset(),
                 page: MessagePage | None = None) -> None:
        self.seminar = seminar
        self.page = page or _plain_page
        redirect = f"{settings.public_url}{REDIRECT_PATH}" if settings.public_url else None
        slack = SlackSettings.of(settings)
        oauth = AsyncOAuthSettings(
            client_id=slack.client_id, client_secret=slack.client_secret,
            scopes=list(SCOPES), user_scopes=[], redirect_uri=redirect,
            install_path=INSTALL_PATH, redirect_uri_path=REDIRECT_PATH,
            install_page_rendering_enabled=False,  # straight to Slack's page, no page of bolt's
            installation_store=installations, installation_store_bot_only=True,
            token_rotation_expiration_minutes=ROTATE_BEFORE_MINUTES,
            state_store=states, state_expiration_seconds=states.life,
            callback_options=AsyncCallbackOptions(success=self._installed,
                                                  failure=self._not_installed),
            logger=logging.getLogger("ogpbot.slack.bolt"))
        client = AsyncWebClient(base_url=slack.api_url, timeout=10)
        self.flow = _Flow(client=client, settings=oauth,
                          logger=logging.getLogger("ogpbot.slack.bolt"))
        self.flow.served = served

    async def install(self, request: web.Request) -> web.Response:
        """GET /slack/install: to Slack's authorisation page, with a fresh state."""
        return await to_aiohttp_response(
            await self.flow.handle_installation(await to_bolt_request(request)))

    async def redirect(self, request: web.Request) -> web.Response:
        """GET /slack/oauth_redirect: the installation kept, and a page saying so."""
        return await to_aiohttp_response(
            await self.flow.handle_callback(await to_bolt_request(request)))

    # -- the pages ---------------------------------------------------------------------------

    def _language(self, request: AsyncBoltRequest) -> str:
        query = {k: v[0] for k, v in request.query.items() if v}
        accept = request.headers.get("accept-language", [""])
        return language(query, self.seminar, accept[0] if accept else "")

    def _page(self, status: int, body: str) -> BoltResponse:
        """The page, and the state's cookie gone: the state is used, or of no more use."""
        return BoltResponse(status=status, body=body, headers={
            "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store",
            "Set-Cookie": [self.flow.settings.state_utils.build_set_cookie_for_deletion()]})

    async def _installed(self, args: AsyncSuccessArgs) -> BoltResponse:
        installation = args.installation
        lang = self._language(args.request)
        team = installation.team_name or installation.team_id or ""
        log.info("slack: installed in workspace %s", installation.team_id or "")
        return self._page(200, self.page(
            lang, t(lang, "slack.installed_title"),
            [t(lang, "slack.installed", workspace=team), t(lang, "slack.installed_next")], None))

    async def _not_installed(self, args: AsyncFailureArgs) -> BoltResponse:
        lang = self._language(args.request)
        values: dict[str, str] = {}
        if isinstance(args.error, NotServed):
            key, status, values = "slack.install_not_served", 403, {"workspace": args.error.team}
        elif args.reason == "access_denied":  # the person said no on Slack's page
            key, status = "slack.install_cancelled", 200
        elif args.reason in ("invalid_browser", "invalid_state"):
            key, status = "slack.install_stale", 400
        elif args.reason == "storage_error":
            key, status = "slack.install_not_kept", 503
        else:  # missing_code, invalid_code, or another error= from Slack
            key, status = "slack.install_failed", 400
        log.info("slack: an installation did not go through (%s)", args.reason)
        return self._page(status, self.page(
            lang, t(lang, "slack.install_failed_title"), [t(lang, key, **values)],
            (t(lang, "slack.install_again"), INSTALL_PATH)))


def refusal(settings: Settings, host: str) -> str | None:
    """The sentence `serve` stops with when the Slack settings cannot work: half of the OAuth
    pair, OAuth without the signing secret, or without a good `OGPBOT_SECRET_KEY` to seal the
    workspaces' tokens with (or such a key set but malformed)."""
    slack = SlackSettings.of(settings)
    if bool(slack.client_id) != bool(slack.client_secret):
        given, missing = (("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET") if slack.client_id
                          else ("SLACK_CLIENT_SECRET", "SLACK_CLIENT_ID"))
        return f"{given} is set but {missing} is not: Slack's OAuth flow needs both."
    if slack.oauth and not slack.signing_secret:
        return ("SLACK_CLIENT_ID needs SLACK_SIGNING_SECRET too: every request from Slack is "
                "checked with it.")
    if slack.oauth and not slack.secret_key:
        return ("SLACK_CLIENT_ID keeps each workspace's token in the store, sealed with "
                f"OGPBOT_SECRET_KEY, which is not set: make one with {MAKE_ONE} and keep it "
                "with the other secrets.")
    return key_problem(slack.secret_key) if slack.secret_key else None


def _plain_page(lang: str, heading: str, lines: list[str],
                action: tuple[str, str] | None) -> str:
    """The page without the public record's look (a server without the web adapter)."""
    parts = [f"<h1>{html.escape(heading)}</h1>", *(f"<p>{html.escape(x)}</p>" for x in lines)]
    if action:
        parts.append(f'<p><a href="{html.escape(action[1])}">{html.escape(action[0])}</a></p>')
    return (f'<!DOCTYPE html><html lang="{html.escape(lang)}"><head><meta charset="utf-8">'
            f"<title>{html.escape(heading)}</title></head><body>{''.join(parts)}</body></html>")




INSTALLATIONS_KEY: web.AppKey[StoreInstallations] = web.AppKey("slack_installations",
                                                               StoreInstallations)


def mount_installer(app: web.Application, runtime: Runtime) -> StoreInstallations:
    """Add `GET /slack/install` and `GET /slack/oauth_redirect` (the settings passed
    `refusal`); the installations, kept on the app, are what the adapter's calls use."""
    slack = SlackSettings.of(runtime.settings)
    installations = StoreInstallations(runtime.store, Sealer(slack.secret_key))
    installer = Installer(runtime.settings, runtime.seminar, installations,
                          StoreStates(runtime.store, runtime.clock), slack.teams,
                          app.get(MESSAGE_PAGE))
    app[INSTALLATIONS_KEY] = installations
    app.router.add_get(INSTALL_PATH, installer.install)
    app.router.add_get(REDIRECT_PATH, installer.redirect)
    return installations
