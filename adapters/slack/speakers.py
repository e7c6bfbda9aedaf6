"""Who is speaking on Slack: `users.info` (with the locale) gives a person's name, email and
language; answers are cached so a busy seminar does not ask Slack again for every line."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from slack_sdk.web.async_client import AsyncWebClient

from bot.core.command import Speaker
from bot.core.redact import pseudonym

log = logging.getLogger("ogpbot.slack")
PLATFORM = "slack"


class SpeakerBook:
    def __init__(self, client: AsyncWebClient, ttl: float = 3600.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.client = client
        self.ttl = ttl
        self.clock = clock
        self._known: dict[str, tuple[float, Speaker]] = {}

    async def speaker(self, user_id: str, name: str = "") -> Speaker:
        """The speaker behind a Slack user id; only the id (and `name`) when Slack cannot say."""
        cached = self._known.get(user_id)
        if cached is not None and self.clock() - cached[0] < self.ttl:
            return cached[1]
        try:
            answer = await self.client.users_info(user=user_id, include_locale=True)
        except Exception as exc:  # no profile: the person still gets an answer
            log.warning("users.info for %s failed: %s", pseudonym(user_id), type(exc).__name__)
            return Speaker(PLATFORM, user_id, name=name)
        user = answer.get("user") or {}
        profile = user.get("profile") or {}
        speaker = Speaker(
            PLATFORM, user_id,
            name=profile.get("real_name") or user.get("real_name") or user.get("name") or name,
            email=profile.get("email") or None,
            locale=user.get("locale") or None,
        )
        self._known[user_id] = (self.clock(), speaker)
        return speaker
