"""Which Slack workspace each call to Slack is for, and that workspace's token.

ogpbot may be installed in several workspaces (`adapters.slack.oauth`), beside or instead of
the one `SLACK_BOT_TOKEN` is for. Every call to Slack's Web API (replies, notices, `users.info`,
the App Home) goes through one `WorkspaceClient`, which sends it with the token of the
workspace it is for, decided in this order:

1. the workspace of the request being answered (`answering(team)`, set by whoever answers an
   inbox item: the installation Slack named for the request, `access.installation_of`);
2. the person the call is about (`user`, `users`, `user_id`): the workspace they last wrote
   from (a person in a Slack Connect channel is reached through the installation that served
   them);
3. the conversation it is about (`channel`, `channel_id`): the workspace the conversation was
   last seen through, or the one a DM was opened in;
4. else the deployment's own workspace: `SLACK_BOT_TOKEN`'s, or the only installation.

Which workspaces' e-mail addresses count (`Workspaces.vouches`): only those the operator
vouched for, the ones `SLACK_TEAM_ID` lists, else `SLACK_BOT_TOKEN`'s own. With the install
flow open, anyone may install the bot in a workspace of theirs and type any address into a
member's profile there; people of such a workspace are known by the roster's `slack_id` alone,
and a roster person is never looked up by e-mail in it.

A person's and a conversation's workspace are kept in the store (`bot.core.reach`, written
only when they change) so that a notice after a restart still goes through the right one.
A rotating token (Slack's token rotation) is renewed before it runs out and kept again; a
workspace the bot is not (or no longer) installed in is a permanent `DeliveryError`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from datetime import timedelta
from typing import Any

from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import AsyncAuthorize
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.errors import SlackApiError, SlackTokenRotationError
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from adapters.slack.installations import StoreInstallations
from bot.core.clock import Clock
from bot.core.reach import Reach
from bot.notices.port import DeliveryError

log = logging.getLogger("ogpbot.slack")

_ANSWERING: ContextVar[str | None] = ContextVar("ogpbot_slack_workspace", default=None)
ROTATE_BEFORE = timedelta(minutes=120)  # a rotating token is renewed this long before its end
FRESH = timedelta(seconds=30)  # how long an installation read from the store is used again
_NO_TOKEN = frozenset({"oauth.v2.access"})  # the app's own credentials, not a bot token


class NotInstalled(DeliveryError):
    """The bot has no token for the workspace a call is for."""

    def __init__(self, team: str | None) -> None:
        super().__init__(f"not installed in workspace {team or '(none named)'}",
                         permanent=True)
        self.team = team


@contextlib.contextmanager
def answering(team: str | None) -> Iterator[None]:
    """Calls made inside go with the token of `team` (the request's installation)."""
    mark = _ANSWERING.set(team or None)
    try:
        yield
    finally:
        _ANSWERING.reset(mark)


def answering_for() -> str | None:
    """The workspace whose installation the calls made here answer for (`answering`)."""
    return _ANSWERING.get()


class Workspaces:
    """The workspaces the bot is in: their tokens, and who and what was last seen through
    which."""

    def __init__(self, reach: Reach, clock: Clock, api_url: str, token: str = "",
                 installations: StoreInstallations | None = None,
                 rotator: AsyncTokenRotator | None = None,
                 listed: frozenset[str] = frozenset()) -> None:
        self.reach = reach
        self.listed = listed  # SLACK_TEAM_ID: the workspaces the operator vouched for
        self.api_url = api_url
        self.clock = clock
        self.token = token  # SLACK_BOT_TOKEN: one workspace's, learnt by auth.test
        self.installations = installations
        self.rotator = rotator
        self.own_team: str | None = None  # the workspace of SLACK_BOT_TOKEN, once known
        self.own_bot: dict[str, Any] = {}  # its auth.test answer (bot_id, user_id)
        self._bots: dict[str, tuple[Any, Bot]] = {}
        self._people: dict[str, str] = {}
        self._rooms: dict[str, str] = {}
        self._renewing: dict[str, asyncio.Lock] = {}

    # -- who and what was seen through which workspace -------------------------------------

    def news(self, team: str | None, user_id: str = "", channel: str = "") -> bool:
        """Whether `saw` has anything to write (cheap, in memory: the usual answer is no, and
        then nobody needs to leave the event loop for it)."""
        return any(self._changed(team, user_id, channel))

    def _changed(self, team: str | None, user_id: str, channel: str) -> tuple[bool, bool]:
        """Whether the person, and whether the conversation, are seen through `team` anew."""
        if not team or self.installations is None:  # one workspace: nothing to tell apart
            return False, False
        return (bool(user_id) and self._people.get(user_id) != team,
                bool(channel) and self._rooms.get(channel) != team)

    def saw(self, team: str | None, user_id: str = "", channel: str = "") -> None:
        """`user_id` wrote, in `channel`, through the installation of `team` (in a worker
        thread: it may write the store, once, when something changed)."""
        changed_person, changed_room = self._changed(team, user_id, channel)
        if not changed_person and not changed_room:
            return
        assert team is not None
        self.reach.remember(
            conversation=(channel, {"id": channel, "team": team}) if changed_room else None,
            contacts={user_id: {"id": user_id, "team": team}} if changed_person else None)
        if user_id:
            self._people[user_id] = team
        if channel:
            self._rooms[channel] = team

    def learn(self, team: str | None, user_id: str = "", channel: str = "") -> None:
        """What a call's answer told (a DM opened, a person found by email), in memory only:
        the store learns it when the person writes."""
        team = team or self.own_team
        if team and user_id:
            self._people.setdefault(user_id, team)
        if team and channel:
            self._rooms[channel] = team

    def team_of_person(self, user_id: str) -> str | None:
        if user_id not in self._people:
            doc = self.reach.contact(user_id) or {}
            if isinstance(doc.get("team"), str):
                self._people[user_id] = doc["team"]
        return self._people.get(user_id)

    def team_of_room(self, channel: str) -> str | None:
        if channel not in self._rooms:
            doc = self.reach.conversation(channel) or {}
            if isinstance(doc.get("team"), str):
                self._rooms[channel] = doc["team"]
        return self._rooms.get(channel)

    async def team_for(self, args: Mapping[str, Any]) -> str | None:
        """The workspace a call with `args` is for (see the module's docstring), or None; what
        memory does not hold is read from the store in a worker thread."""
        named = _ANSWERING.get()
        if named or self.installations is None:
            return named or None
        users = args.get("user") or args.get("user_id") or args.get("users")
        if isinstance(users, str) and users:
            user = users.split(",")[0]
            team = self._people.get(user) or await asyncio.to_thread(self.team_of_person, user)
            if team:
                return team
        channel = args.get("channel") or args.get("channel_id")
        if isinstance(channel, str) and channel:
            return self._rooms.get(channel) or await asyncio.to_thread(self.team_of_room,
                                                                        channel)
        return None

    # -- tokens ------------------------------------------------------------------------------

    async def installed(self) -> list[str]:
        """The workspaces with an installation in the store."""
        if self.installations is None:
            return []
        docs = await asyncio.to_thread(self.installations.workspaces)
        return [str(doc["team_id"] or doc["enterprise_id"] or "") for doc in docs]

    async def bot_of(self, team: str | None) -> Bot | None:
        """The installation for `team` (its token renewed when it is about to run out)."""
        if not team or self.installations is None:
            return None
        now = self.clock.now()
        kept = self._bots.get(team)
        if kept is None or now - kept[0] > FRESH:
            bot = await asyncio.to_thread(self.installations.find_bot, None, team)
            if bot is None:
                self._bots.pop(team, None)
                return None
            kept = (now, bot)
            self._bots[team] = kept
        bot = kept[1]
        if bot.bot_refresh_token and bot.bot_token_expires_at is not None:
            bot = await self._renewed(team, bot)
        return bot

    async def _renewed(self, team: str, bot: Bot) -> Bot:
        if self.rotator is None:
            return bot
        lock = self._renewing.setdefault(team, asyncio.Lock())
        async with lock:
            bot = self._bots.get(team, (None, bot))[1]
            try:
                renewed = await self.rotator.perform_bot_token_rotation(
                    bot=bot, minutes_before_expiration=int(ROTATE_BEFORE.total_seconds() // 60))
            except SlackTokenRotationError as exc:
                log.error("slack: the token of workspace %s could not be renewed (%s)", team,
                          exc.api_error.response.get("error") if exc.api_error else exc)
                return bot
            if renewed is None:
                return bot
            assert self.installations is not None
            await self.installations.async_save_bot(renewed)
            self._bots[team] = (self.clock.now(), renewed)
            log.info("slack: renewed the token of workspace %s", team)
            return renewed

    def forget(self, team: str | None) -> None:
        """The installation of `team` is gone (uninstalled, its token revoked)."""
        if team:
            self._bots.pop(team, None)

    async def left(self, body: Mapping[str, Any]) -> None:
        """An `app_uninstalled` or `tokens_revoked` event: the installation it names goes
        (for `tokens_revoked`, only when the bot's own token is among those revoked)."""
        event = body.get("event") if isinstance(body.get("event"), dict) else {}
        assert isinstance(event, dict)
        if event.get("type") == "tokens_revoked":
            tokens = event.get("tokens")
            if not (isinstance(tokens, dict) and tokens.get("bot")):
                return  # a person's own token: the bot keeps none
        grants = body.get("authorizations")
        grant = grants[0] if isinstance(grants, list) and grants and \
            isinstance(grants[0], dict) else {}
        team = grant.get("team_id") or body.get("team_id")
        enterprise = grant.get("enterprise_id") or body.get("enterprise_id")
        if self.installations is None or not (team or enterprise):
            return
        await self.installations.async_delete_all(enterprise_id=enterprise, team_id=team)
        self.forget(team or enterprise)
        for person, where in list(self._people.items()):
            if where == (team or enterprise):
                del self._people[person]

    async def token_for(self, team: str | None) -> str:
        """The token for calls to `team`; with no workspace named, the deployment's own.
        `NotInstalled` when there is none."""
        if self.installations is None:  # one workspace: SLACK_BOT_TOKEN's (SLACK_TEAM_ID)
            if self.token:
                return self.token
            raise NotInstalled(team)
        bot = await self.bot_of(team)
        if bot is not None:
            return str(bot.bot_token)
        if self.token and (team is None or team == await self._own_team()):
            return self.token
        if team is None:
            installed = await self.installed()
            if len(installed) == 1:
                return await self.token_for(installed[0])
        raise NotInstalled(team)

    async def vouches(self, team: str | None) -> bool | None:
        """Whether the operator vouched for workspace `team` (None: the one of
        `SLACK_BOT_TOKEN`), so that its members' e-mail addresses may name roster people:
        listed in `SLACK_TEAM_ID`, or with that unset, `SLACK_BOT_TOKEN`'s workspace. None
        while that cannot be told (auth.test did not answer)."""
        if not team:
            if not self.token:
                return False
            if not self.listed:
                return True
            team = await self._own_team()
            return None if team is None else team in self.listed
        if self.listed:
            return team in self.listed
        if not self.token:
            return False
        own = await self._own_team()
        return None if own is None else team == own

    async def own_identity(self) -> None:
        """Learn who `SLACK_BOT_TOKEN` is (its workspace, bot user and bot id), once."""
        await self._own_team()

    async def _own_team(self) -> str | None:
        """The workspace of `SLACK_BOT_TOKEN` (auth.test, asked once)."""
        if self.own_team is None and self.token:
            client = AsyncWebClient(token=self.token, base_url=self.api_url)
            try:
                answer = await client.auth_test()
            except SlackApiError as exc:
                log.error("slack: SLACK_BOT_TOKEN is not accepted (%s)",
                          exc.response.get("error"))
                return None
            except Exception as exc:  # Slack out of reach: asked again with the next request
                log.warning("slack: auth.test failed (%s)", type(exc).__name__)
                return None
            self.own_bot = dict(answer.data) if isinstance(answer.data, dict) else {}
            self.own_team = str(self.own_bot.get("team_id") or "") or None
        return self.own_team


class WorkspaceClient(AsyncWebClient):
    """One Web API client for every workspace: each call goes with the token of the workspace
    it is for (`Workspaces.team_for`)."""

    def __init__(self, workspaces: Workspaces, **kwargs: Any) -> None:
        super().__init__(token=None, **kwargs)
        self.workspaces = workspaces

    async def api_call(self, api_method: str, *, http_verb: str = "POST",
                       files: dict[str, Any] | None = None, data: Any = None,
                       params: dict[str, Any] | None = None,
                       json: dict[str, Any] | None = None,
                       headers: dict[str, Any] | None = None,
                       auth: dict[str, Any] | None = None) -> AsyncSlackResponse:
        if auth is not None or api_method in _NO_TOKEN:
            return await super().api_call(api_method, http_verb=http_verb, files=files,
                                          data=data, params=params, json=json,
                                          headers=headers, auth=auth)
        args = {**(params or {}), **(data if isinstance(data, dict) else {}), **(json or {})}
        team = await self.workspaces.team_for(args)
        if api_method == "users.lookupByEmail":
            return await self._in_each(team, api_method, http_verb, params, data, json,
                                       headers)
        answer = await self._call(team, api_method, http_verb, files, data, params, json,
                                  headers)
        if api_method == "conversations.open":  # the DM is in the workspace it was opened in
            channel = answer.get("channel")
            opened = channel.get("id") if isinstance(channel, dict) else None
            if isinstance(opened, str):
                self.workspaces.learn(team, channel=opened)
        return answer

    async def _call(self, team: str | None, api_method: str, http_verb: str,
                    files: Any, data: Any, params: Any, json: Any,
                    headers: dict[str, Any] | None) -> AsyncSlackResponse:
        token = await self.workspaces.token_for(team)
        return await super().api_call(api_method, http_verb=http_verb, files=files, data=data,
                                      params=params, json=json,
                                      headers={**(headers or {}),
                                               "Authorization": f"Bearer {token}"})

    async def _in_each(self, first: str | None, api_method: str, http_verb: str, params: Any,
                       data: Any, json: Any,
                       headers: dict[str, Any] | None) -> AsyncSlackResponse:
        """A person looked up by email in each workspace the operator vouched for (`first`,
        the one being answered, first), until one knows them: an address in any other
        workspace is whatever its admin typed. `NotInstalled` when there is none to ask."""
        teams: list[str | None] = [first] if first else []
        if self.workspaces.token:
            teams.append(None)
        teams += await self.workspaces.installed()
        asked: set[str] = set()
        last: Exception = NotInstalled(first)
        for team in teams:
            key = team or ""
            if key in asked or not await self.workspaces.vouches(team):
                continue
            asked.add(key)
            try:
                answer = await self._call(team, api_method, http_verb, None, data, params,
                                          json, headers)
            except SlackApiError as exc:
                last = exc
                continue
            user = answer.get("user")
            found = user.get("id") if isinstance(user, dict) else None
            if isinstance(found, str):
                self.workspaces.learn(team, user_id=found)
            return answer
        raise last


async def workspace_of(client: AsyncWebClient, user_id: str) -> str | None:
    """The workspace a person is reached through by `client` (None: the one and only)."""
    if isinstance(client, WorkspaceClient):
        return await client.workspaces.team_for({"user": user_id})
    return None


def sibling(client: AsyncWebClient, **settings: Any) -> AsyncWebClient:
    """Another client with `settings` (other retry handlers, say) that sends each call with
    the token `client` would use."""
    if isinstance(client, WorkspaceClient):
        return WorkspaceClient(client.workspaces, **settings)
    return AsyncWebClient(token=client.token, **settings)


class WorkspaceAuthorize(AsyncAuthorize):
    """slack-bolt's authorisation of a request: the installation Slack named for it."""

    def __init__(self, workspaces: Workspaces) -> None:
        self.workspaces = workspaces

    async def __call__(self, *, context: AsyncBoltContext, enterprise_id: str | None,
                       team_id: str | None, user_id: str | None,
                       **_: Any) -> AuthorizeResult | None:
        bot = await self.workspaces.bot_of(team_id)
        if bot is not None:
            return AuthorizeResult(enterprise_id=bot.enterprise_id, team_id=bot.team_id,
                                   bot_user_id=bot.bot_user_id, bot_id=bot.bot_id,
                                   bot_token=bot.bot_token, bot_scopes=bot.bot_scopes,
                                   user_id=user_id)
        try:
            token = await self.workspaces.token_for(team_id)
        except NotInstalled:
            return None
        await self.workspaces.own_identity()
        own = self.workspaces.own_bot
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id,
                               bot_user_id=own.get("user_id"), bot_id=own.get("bot_id"),
                               bot_token=token, user_id=user_id)
