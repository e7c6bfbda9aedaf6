"""Where a Slack answer goes: the Slack side of a turn (`bot.app.turns.Responder`).

Each inbox item names its route (`via`): `response_url` (a slash command or a button; a form
opens as a modal while its `trigger_id` is good), `ephemeral` (a mention: seen only by the
person, in the thread), `post` (a DM to the bot: answered in that DM) or `dm` (a submitted
modal, whose confirmation was the acknowledgement itself: a DM, and the App Home refreshed).
A response_url lasts 30 minutes: an answer later than that (after a restart) goes by DM. An
answer that cannot go where it was asked goes by DM, saying so; one that cannot go by DM
either raises `DeliveryError`, and the outbox takes it over.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.metrics import answered
from adapters.slack.blocks import fallback_text, form_view, reply_blocks
from adapters.slack.client import SlackClient
from adapters.slack.notifier import SlackNotifier
from adapters.slack.retry import delivery_error, retry_handlers
from adapters.slack.speakers import PLATFORM, SpeakerBook
from adapters.slack.workspaces import answering
from bot.app.inbox import Item
from bot.core.clock import Clock
from bot.core.command import Command
from bot.core.redact import pseudonym
from bot.core.reply import Reply
from bot.i18n.catalogue import t
from bot.notices.port import DeliveryError

log = logging.getLogger("ogpbot.slack")
RESPONSE_URL_LIFE = timedelta(minutes=29)  # Slack's is 30 minutes: a minute to spare


class SlackAnswers:
    """Completes and answers the Slack items of the inbox: who speaks (`speakers`), the Web
    API and its session (`client`), DMs and posts (`notifier`), the App Home (`home`) and the
    clock that tells whether a response_url is still good."""

    platform = PLATFORM

    def __init__(self, client: SlackClient, notifier: SlackNotifier, speakers: SpeakerBook,
                 clock: Clock, home: Callable[[str], Awaitable[None]]) -> None:
        self.client = client
        self.notifier = notifier
        self.speakers = speakers
        self.clock = clock
        self.publish_home = home

    async def prepare(self, item: Item) -> Command:
        """The command with the speaker's profile (name, email, locale) from users.info, asked
        through the installation the request came through; where the person and the
        conversation were seen is remembered (notices to them go through that workspace)."""
        speaker = item.command.speaker
        team = item.route.get("team")
        channel = item.command.place.conversation_id
        if self.client.workspaces.news(team, speaker.user_id, channel):  # rarely: a store write
            await asyncio.to_thread(self.client.workspaces.saw, team, speaker.user_id, channel)
        with answering(team):
            found = await self.speakers.speaker(speaker.user_id, speaker.name)
        return replace(item.command, speaker=found)

    async def answer(self, item: Item, reply: Reply) -> None:
        """Answer `item` where it asked to be answered (see the module's docstring), through
        the installation the request came through."""
        try:
            with answering(item.route.get("team")):
                await self._answer(item, reply)
        finally:
            answered()  # the answer's latency, when it is a request of this process

    async def _answer(self, item: Item, reply: Reply) -> None:
        route = item.route
        via = route.get("via")
        user = str(route.get("user") or item.command.speaker.user_id)
        fresh = self.clock.now() - item.received_at < RESPONSE_URL_LIFE
        trigger = route.get("trigger_id")
        if reply.form is not None and reply.ok and fresh and isinstance(trigger, str) \
                and trigger and await self._open_form(reply, trigger,
                                                      item.command.place.conversation_id):
            return
        if via == "dm":
            await self.direct(user, reply)
            if route.get("home"):
                await self.publish_home(user)
            return
        if via == "response_url":
            url = route.get("url")
            if not fresh or not isinstance(url, str) or not url:
                await self.direct(user, reply)  # its response_url has run out
                return
            if await self._respond(url, reply):
                return
        elif via == "ephemeral":
            if await self._ephemeral(str(route.get("channel") or ""), user, reply,
                                     route.get("thread_ts")):
                return
        elif via == "post":
            with contextlib.suppress(Exception):
                await self.notifier.post(str(route.get("channel") or ""), reply)
                return
        # The reply could not go where it was asked: say so, and send it by DM.
        await self.direct(user, reply, note=t(reply.language, "slack.cannot_reply_here"))

    async def _open_form(self, reply: Reply, trigger_id: str, channel: str) -> bool:
        assert reply.form is not None
        view = form_view(reply.form, reply.language, {"channel": channel})
        try:
            await self.client.api.views_open(trigger_id=trigger_id, view=view)
            return True
        except Exception as exc:
            log.warning("slack: views.open failed (%s); sending a button instead",
                        delivery_error(exc).reason)
            return False

    async def _respond(self, response_url: str, reply: Reply) -> bool:
        webhook = AsyncWebhookClient(response_url, timeout=10, retry_handlers=retry_handlers(),
                                     session=self.client.session())
        try:
            answer = await webhook.send(text=fallback_text(reply), blocks=reply_blocks(reply),
                                        response_type="ephemeral", replace_original=False)
        except Exception as exc:
            log.warning("slack: response_url failed (%s)", type(exc).__name__)
            return False
        if answer.status_code != 200:
            log.warning("slack: response_url answered %d", answer.status_code)
            return False
        return True

    async def _ephemeral(self, channel: str, user_id: str, reply: Reply, thread_ts: Any) -> bool:
        args: dict[str, Any] = {"channel": channel, "user": user_id, "text": fallback_text(reply),
                                "blocks": reply_blocks(reply)}
        if isinstance(thread_ts, str) and thread_ts:
            args["thread_ts"] = thread_ts
        try:
            await self.client.api.chat_postEphemeral(**args)
            return True
        except Exception as exc:
            error = delivery_error(exc)
            log.warning("slack: ephemeral reply in %s failed (%s)", channel, error.reason)
            return False

    async def direct(self, user_id: str, reply: Reply, note: str | None = None) -> None:
        """The reply in the person's DM with the bot (with `note` first); `DeliveryError`
        when it could not go now (the turn then leaves it to the outbox, which retries)."""
        if note:
            reply = replace(reply, lines=(note, *reply.lines))
        try:
            await self.notifier.direct(user_id, reply)
        except DeliveryError:  # logged by the notifier
            log.info("slack: the answer to %s goes through the outbox", pseudonym(user_id))
            raise
