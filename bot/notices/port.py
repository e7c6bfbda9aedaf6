"""The port notices go out through: each platform adapter implements `Notifier`.

A notifier sends one message and either returns, or raises `DeliveryError` saying whether the
failure is permanent (never retry: unknown channel, the person blocked the bot) or passing
(retry later, not before `retry_after` seconds when the platform said so), and whether the
message may have arrived all the same (`in_doubt`: no answer came, or one that does not say).
Adapters retry briefly themselves, but never a send the platform may have taken; the
dispatcher retries across minutes and records the outcome.

Each send carries its notice's `key`; a notice whose last answer never came is not sent again
before the notifier was asked whether it `delivered` it (where the platform can tell: a
message's metadata read back from the conversation's history, say).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from bot.core.reply import Reply


class DeliveryError(Exception):
    def __init__(self, reason: str, permanent: bool, retry_after: float | None = None,
                 in_doubt: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_after = retry_after
        self.in_doubt = in_doubt  # the platform may have taken the message nonetheless


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
                   reference: dict[str, Any] | None = None, *, key: str = "") -> None:
        """Post `message` in a conversation (a channel, a group chat); `key` is its notice's."""
        ...

    async def direct(self, user_id: str, message: Reply,
                     attachment: FileAttachment | None = None, *, key: str = "") -> None:
        """Send `message` to one person privately, opening the conversation if needed."""
        ...

    async def delivered(self, address: str, key: str, *, direct: bool) -> bool | None:
        """Whether the message of the notice `key` reached the conversation (`address`, or
        the DM with the person `address` when `direct`) though its answer never came back:
        True or False, or None when the platform cannot tell. A failure to look is a
        passing `DeliveryError`."""
        ...

    async def find_user(self, email: str) -> str | None:
        """The platform's id for the person with this email, or None when the platform does
        not know them (or cannot look people up): how a roster person who has not written to
        the bot yet is still reached."""
        ...
