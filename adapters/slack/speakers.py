"""Who is speaking on Slack: `users.info` (with the locale) gives a person's name, email and
language; answers are cached so a busy seminar does not ask Slack again for every line. So is
a refusal that asking again would not change (`user_not_found`, a missing scope), for a few
minutes: such a person's every line would otherwise be one more call, and one more warning;
a passing failure (a 5xx, a lost connection, a rate limit) is asked again next time.

The email is taken only for a member of the workspace whose installation asked (the one the
request came through, `workspaces.answering`): Slack answers for its own members there. A
person of another organisation in a Slack Connect channel is their organisation's member, not
the installation's: Slack usually shows no email for them, and an address it does show is
whatever their organisation's admin typed, so it finds nobody on the roster (the roster names
such a person by `slack_id`). And only in a workspace the operator vouched for
(`Workspaces.vouches`: listed in `SLACK_TEAM_ID`, else `SLACK_BOT_TOKEN`'s): with the install
flow open, anyone can install the bot in a workspace of theirs whose members' addresses they
choose, so an address from there names nobody either."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.retry import delivery_error
from adapters.slack.workspaces import WorkspaceClient, answering_for
from bot.core.command import Speaker
from bot.core.redact import pseudonym

log = logging.getLogger("ogpbot.slack")
PLATFORM = "slack"


class SpeakerBook:
    def __init__(self, client: AsyncWebClient, ttl: float = 3600.0,
                 clock: Callable[[], float] = time.monotonic, refused_ttl: float = 300.0) -> None:
        self.client = client
        self.ttl = ttl
        self.refused_ttl = refused_ttl
        self.clock = clock
        # by (workspace of the installation asking, user id): an email counts in one, not
        # another; each with until when it holds
        self._known: dict[tuple[str | None, str], tuple[float, Speaker]] = {}

    async def speaker(self, user_id: str, name: str = "") -> Speaker:
        """The speaker behind a Slack user id; only the id (and `name`) when Slack cannot say."""
        team = answering_for()
        cached = self._known.get((team, user_id))
        if cached is not None and self.clock() < cached[0]:
            return cached[1]
        try:
            answer = await self.client.users_info(user=user_id, include_locale=True)
        except Exception as exc:  # no profile: the person still gets an answer
            error = delivery_error(exc)
            log.warning("users.info for %s failed: %s", pseudonym(user_id), error.reason)
            unknown = Speaker(PLATFORM, user_id, name=name)
            if error.permanent:  # Slack would say the same again: not asked for a while
                self._known[(team, user_id)] = (self.clock() + self.refused_ttl, unknown)
            return unknown
        user = answer.get("user") or {}
        profile = user.get("profile") or {}
        vouched = await self._vouched(team)
        speaker = Speaker(
            PLATFORM, user_id,
            name=profile.get("real_name") or user.get("real_name") or user.get("name") or name,
            email=(profile.get("email") or None) if vouched and member_of(user, team) else None,
            locale=user.get("locale") or None,
        )
        if vouched is not None:  # else asked again next time, once auth.test answers
            self._known[(team, user_id)] = (self.clock() + self.ttl, speaker)
        return speaker

    async def _vouched(self, team: str | None) -> bool | None:
        """Whether e-mail addresses from workspace `team` may name roster people."""
        if isinstance(self.client, WorkspaceClient):
            return await self.client.workspaces.vouches(team)
        return True  # a client of one workspace's own token


def member_of(user: Mapping[str, Any], team: str | None) -> bool:
    """Whether the user object `users.info` gave is of a member of workspace `team` (or of the
    Enterprise Grid organisation `team` names), rather than a person of another organisation
    seen through a Slack Connect channel. With no workspace named, or none in the answer, the
    one workspace the bot is in is the person's."""
    if user.get("is_stranger"):
        return False
    profile = user.get("profile") if isinstance(user.get("profile"), dict) else {}
    grid = user.get("enterprise_user") if isinstance(user.get("enterprise_user"), dict) else {}
    assert isinstance(profile, dict) and isinstance(grid, dict)
    teams = grid.get("teams") if isinstance(grid.get("teams"), list) else []
    homes = {user.get("team_id") or profile.get("team"), grid.get("enterprise_id"), *teams}
    homes.discard(None)
    homes.discard("")
    return not team or not homes or team in homes
