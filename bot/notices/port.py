"""The port notices go out through: each platform adapter implements `Notifier`.

A notifier sends one message and either returns, or raises `DeliveryError` saying whether the
failure is permanent (never retry: unknown channel, the person blocked the bot) or passing
(retry later, not before `retry_after` seconds when the platform said so). Adapters retry
briefly themselves; the dispatcher retries across minutes and records the outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from bot.core.reply import Reply


class DeliveryError(Exception):
    def __init__(self, reason: str, permanent: bool, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_after = retry_after


@dataclass(frozen=True)
class FileAttachment:
    """A file to send beside a message where the platform allows (e.g. a calendar invite)."""

    filename: str
    content: bytes
    mime_type: str
    url: str = ""  # where the same file can be fetched from the bot's server, if anywhere


class Notifier(Protocol):
    platform: str
    #: Seconds between two messages to one conversation that the platform allows (0: no
    #: limit): the dispatcher paces each conversation's notices to it.
    pace: float

    async def post(self, conversation: str, message: Reply,
                   reference: dict[str, Any] | None = None) -> None:
        """Post `message` in a conversation (a channel, a group chat)."""
        ...

    async def direct(self, user_id: str, message: Reply,
                     attachment: FileAttachment | None = None) -> None:
        """Send `message` to one person privately, opening the conversation if needed."""
        ...

    async def find_user(self, email: str) -> str | None:
        """The platform's id for the person with this email, or None when the platform does
        not know them (or cannot look people up): how a roster person who has not written to
        the bot yet is still reached."""
        ...
