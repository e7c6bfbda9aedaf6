"""`SlackNotifier`: the core's `Notifier` port over Slack's Web API. Posts a reply as Block Kit
with a text fallback in a channel, or to one person in their DM with the bot, with an optional
file beside it.

A message is never posted twice blindly. Each one carries, in Slack's message metadata, a
digest of its notice's key (no personal data); a post is retried in place only where Slack
cannot have taken it (429, a connection that never opened), and a post whose answer never
came (a time-out, a connection lost, a 5xx) is reported as in doubt. Before the dispatcher
sends such a notice again it asks `delivered`, which looks for the digest in the
conversation's recent history (`conversations.history`: the bot's DMs need `im:history`,
channels `channels:history` or `groups:history`); where Slack will not show the history, it
cannot tell, and the notice goes again.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import AsyncConnectionErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.blocks import fallback_text, reply_blocks
from adapters.slack.retry import SlackRetryHandler, delivery_error
from adapters.slack.workspaces import NotInstalled, sibling, workspace_of
from bot.core.redact import pseudonym
from bot.core.reply import Reply
from bot.notices.port import DeliveryError, FileAttachment

log = logging.getLogger("ogpbot.slack")

METADATA_TYPE = "ogpbot_notice"
HISTORY_PAGE = 200  # messages per page of a conversation's history
HISTORY_PAGES = 5  # how far back a notice in doubt is looked for
CANNOT_READ = frozenset({"missing_scope", "not_in_channel", "channel_not_found",
                         "not_allowed_token_type", "no_permission"})


def notice_tag(key: str) -> str:
    """What a message carries of its notice's key: a digest (a key may hold an e-mail)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


class _OnlyWhereNothingWasPosted(SlackRetryHandler):
    """Retries a post only after an answer that says it was not taken (429); a 5xx may come
    after Slack posted the message, so it is the dispatcher's, which checks first."""

    async def _can_retry_async(self, *, state: RetryState, request: HttpRequest,
                               response: HttpResponse | None = None,
                               error: Exception | None = None) -> bool:
        if response is None or response.status_code != 429:
            return False
        return await super()._can_retry_async(state=state, request=request, response=response,
                                              error=error)


def post_retry_handlers() -> list[AsyncRetryHandler]:
    """What a post is retried on in place: a connection that never opened (nothing was sent)
    and a 429 with a short `Retry-After`."""
    return [AsyncConnectionErrorRetryHandler(max_retry_count=2,
                                             error_types=[aiohttp.ClientConnectorError]),
            _OnlyWhereNothingWasPosted()]


class SlackNotifier:
    """Sends through an `AsyncWebClient`; every failure comes out as a `DeliveryError`."""

    platform = "slack"
    pace = 1.0  # Slack allows about one message a second per channel

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        # posts go through a client of their own that never repeats one Slack may have taken
        # (each call, like the client's, with the token of the workspace it is for)
        self.posts = sibling(client, base_url=client.base_url, timeout=client.timeout,
                             logger=client.logger, retry_handlers=post_retry_handlers())
        self._dms: dict[str, str] = {}

    async def post(self, conversation: str, message: Reply,
                   reference: dict[str, Any] | None = None, *, key: str = "") -> None:
        try:
            await self._post(conversation, message, key)
        except Exception as exc:
            raise self._failed("post", conversation, exc) from exc

    async def direct(self, user_id: str, message: Reply,
                     attachment: FileAttachment | None = None, *, key: str = "") -> None:
        try:
            channel = await self.dm_channel(user_id)
            await self._post(channel, message, key)
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

    async def _post(self, channel: str, message: Reply, key: str) -> None:
        metadata = ({"event_type": METADATA_TYPE, "event_payload": {"notice": notice_tag(key)}}
                    if key else None)
        self.posts.session = self.client.session  # the server's one session, once it is open
        await self.posts.chat_postMessage(channel=channel, text=fallback_text(message),
                                          blocks=reply_blocks(message), metadata=metadata)

    async def delivered(self, address: str, key: str, *, direct: bool) -> bool | None:
        """Whether the notice `key` is among the conversation's recent messages (it reached
        Slack though the answer never came back); None when Slack will not show the history.
        A failure to look is a passing `DeliveryError`: look again later."""
        tag = notice_tag(key)
        try:
            channel = await self.dm_channel(address) if direct else address
            cursor: str | None = None
            for _ in range(HISTORY_PAGES):
                page = await self.client.conversations_history(
                    channel=channel, limit=HISTORY_PAGE, include_all_metadata=True,
                    cursor=cursor)
                for found in page.get("messages") or []:
                    meta = found.get("metadata") if isinstance(found, dict) else None
                    if isinstance(meta, dict) and meta.get("event_type") == METADATA_TYPE and (
                            meta.get("event_payload") or {}).get("notice") == tag:
                        return True
                cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
                if not page.get("has_more") or not cursor:
                    return False
            return False
        except SlackApiError as exc:
            error = delivery_error(exc)
            if error.reason in CANNOT_READ:
                log.warning("slack: cannot read %s to see whether a notice arrived (%s); it is "
                            "sent again", pseudonym(address) if direct else address,
                            error.reason)
                return None
            raise error from exc
        except DeliveryError:
            raise
        except Exception as exc:
            raise delivery_error(exc) from exc

    async def find_user(self, email: str) -> str | None:
        """`users.lookupByEmail`: the Slack id of a roster person who has not written yet."""
        try:
            answer = await self.client.users_lookupByEmail(email=email)
        except NotInstalled:  # no workspace whose addresses count: found by member id only
            return None
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
        """The DM conversation with one person in the workspace they are reached through
        (opened once there, then remembered)."""
        where = f"{await workspace_of(self.client, user_id) or ''}:{user_id}"
        known = self._dms.get(where)
        if known:
            return known
        answer = await self.client.conversations_open(users=user_id)
        channel = answer.get("channel") or {}
        channel_id = channel.get("id") if isinstance(channel, dict) else None
        if not isinstance(channel_id, str):
            raise DeliveryError("conversations.open gave no channel", permanent=False)
        self._dms[where] = channel_id
        return channel_id

    @staticmethod
    def _failed(what: str, target: str, exc: BaseException) -> DeliveryError:
        error = delivery_error(exc)
        if not error.permanent and _may_have_posted(exc):
            error = DeliveryError(error.reason, permanent=False, retry_after=error.retry_after,
                                  in_doubt=True)
        level = logging.WARNING if error.permanent else logging.INFO
        shown = pseudonym(target) if what == "direct" else target  # a person by a stand-in
        log.log(level, "slack %s to %s failed (%s, %s)", what, shown, error.reason,
                "permanent" if error.permanent else
                "it may have arrived: looked for before it goes again" if error.in_doubt
                else "will retry later")
        return error


def _may_have_posted(exc: BaseException) -> bool:
    """Whether Slack may have posted the message though the call failed: no answer came (a
    time-out, a connection lost on the way) or a server error did."""
    if isinstance(exc, DeliveryError):
        return exc.in_doubt
    if isinstance(exc, SlackApiError):
        status = getattr(exc.response, "status_code", 200)
        return isinstance(status, int) and status >= 500
    if isinstance(exc, aiohttp.ClientConnectorError):
        return False  # the connection never opened: nothing was sent
    return isinstance(exc, TimeoutError | aiohttp.ClientError | OSError)
