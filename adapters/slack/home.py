"""The bot's App Home tab in Slack: the overview for those who may ask for it (the
coordinator: everything; a ministry: its own), then a person's proposals, table, meetings and
what runs now, drawn from the core's answers to `overview`, `status`, `tables`, `meetings` and
`agenda` (a part the person may not ask for is left out) and published with `views.publish`
when they open the tab (and after they submit a form).

An opening is not kept in the inbox (drawing the tab again is harmless, and a later opening
draws it anew); the same delivery seen twice by this process is drawn once."""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.blocks import home_view
from adapters.slack.retry import delivery_error
from adapters.slack.speakers import PLATFORM, SpeakerBook
from bot.core.command import Command, Place
from bot.core.redact import pseudonym
from bot.core.reply import Reply

log = logging.getLogger("ogpbot.slack")

PARTS = ("overview", "status", "tables", "meetings", "agenda")
RECENT = 2000  # App Home openings remembered in memory (refreshing it twice is harmless)


class AppHome:
    """Publishes the App Home of a person through `client`, asking the core with `ask`."""

    def __init__(self, client: AsyncWebClient, speakers: SpeakerBook,
                 ask: Callable[[Command], Awaitable[Reply]]) -> None:
        self.client = client
        self.speakers = speakers
        self.ask = ask
        self._recent: OrderedDict[str, None] = OrderedDict()

    def first_time(self, event_id: str) -> bool:
        """Whether this process sees the delivery `event_id` for the first time."""
        if event_id in self._recent:
            return False
        self._recent[event_id] = None
        while len(self._recent) > RECENT:
            self._recent.popitem(last=False)
        return True

    async def publish(self, user_id: str) -> None:
        """Draw and publish the person's App Home; a failure is logged, not raised."""
        speaker = await self.speakers.speaker(user_id)
        place = Place(PLATFORM, user_id, is_direct=True, name="home")
        asked = [await self.ask(Command(speaker, place, words=words)) for words in PARTS]
        parts = [part for part in asked if part.ok] or asked
        try:
            await self.client.views_publish(user_id=user_id,
                                            view=home_view(parts[0].language, parts))
        except Exception as exc:
            log.warning("slack: views.publish for %s failed (%s)", pseudonym(user_id),
                        delivery_error(exc).reason)
