"""`SlackNotifier`: the core's `Notifier` port over Slack's Web API. Posts a reply as Block Kit
with a text fallback in a channel, or to one person in their DM with the bot, with an optional
file beside it."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.blocks import fallback_text, reply_blocks
from adapters.slack.retry import delivery_error
from bot.core.redact import pseudonym
from bot.core.reply import Reply
from bot.notices.port import DeliveryError, FileAttachment

log = logging.getLogger("ogpbot.slack")


class SlackNotifier:
    """Sends through one `AsyncWebClient`; every failure comes out as a `DeliveryError`."""

    platform = "slack"
    pace = 1.0  # Slack allows about one message a second per channel

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self._dms: dict[str, str] = {}

    async def post(self, conversation: str, message: Reply,
                   reference: dict[str, Any] | None = None) -> None:
        try:
            await self.client.chat_postMessage(channel=conversation, text=fallback_text(message),
                                               blocks=reply_blocks(message))
        except Exception as exc:
            raise self._failed("post", conversation, exc) from exc

    async def direct(self, user_id: str, message: Reply,
                     attachment: FileAttachment | None = None) -> None:
        try:
            channel = await self.dm_channel(user_id)
            await self.client.chat_postMessage(channel=channel, text=fallback_text(message),
                                               blocks=reply_blocks(message))
        except Exception as exc:
            raise self._failed("direct", user_id, exc) from exc
        if attachment is not None:
            # The message has arrived: a file that cannot follow it (uploads forbidden, an
            # outage) must not make the notice count as failed, or send it again. Its link is
            # in the message's text when the server has a public address.
            try:
                await self.client.files_upload_v2(
                    channel=channel, content=attachment.content, filename=attachment.filename,
                    title=attachment.filename)
            except Exception as exc:
                log.warning("slack: %s reached %s without its file: %s", attachment.filename,
                            pseudonym(user_id), delivery_error(exc).reason)

    async def find_user(self, email: str) -> str | None:
        """`users.lookupByEmail`: the Slack id of a roster person who has not written yet."""
        try:
            answer = await self.client.users_lookupByEmail(email=email)
        except Exception as exc:
            error = getattr(getattr(exc, "response", None), "get", lambda _k: None)("error")
            if error != "users_not_found":
                log.warning("slack: looking up a person by email failed: %s",
                            error or delivery_error(exc).reason)
            return None
        user = answer.get("user") or {}
        user_id = user.get("id") if isinstance(user, dict) else None
        return user_id if isinstance(user_id, str) else None

    async def dm_channel(self, user_id: str) -> str:
        """The DM conversation with one person (opened once, then remembered)."""
        known = self._dms.get(user_id)
        if known:
            return known
        answer = await self.client.conversations_open(users=user_id)
        channel = answer.get("channel") or {}
        channel_id = channel.get("id") if isinstance(channel, dict) else None
        if not isinstance(channel_id, str):
            raise DeliveryError("conversations.open gave no channel", permanent=False)
        self._dms[user_id] = channel_id
        return channel_id

    @staticmethod
    def _failed(what: str, target: str, exc: BaseException) -> DeliveryError:
        error = delivery_error(exc)
        level = logging.WARNING if error.permanent else logging.INFO
        shown = pseudonym(target) if what == "direct" else target  # a person by a stand-in
        log.log(level, "slack %s to %s failed (%s, %s)", what, shown, error.reason,
                "permanent" if error.permanent else "will retry later")
        return error
