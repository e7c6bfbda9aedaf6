"""`TeamsNotifier`: the dispatcher's way to post a notice in a Teams conversation or send it to
one person, from the conversation references the adapter kept.

A direct message opens (or finds again: Teams answers the same id for the same person) the
1:1 conversation with the person's tenant and service URL, keeps its id, and posts into it.
A 403 (the person blocked or removed the bot; Teams says `MessageWritesBlocked`) marks the
person unreachable in Teams and raises a permanent `DeliveryError`, so the dispatcher tells the
coordinator. Sends run on the Teams notice threads, apart from the threads that answer
incoming activities (see `workers`), paced and retried. A kept address is only called when
the endpoint's mode trusts it (`access.Door.may_call`): with credentials, one a token vouched
for; in emulator mode, one on loopback.

One send is over within `SEND_WITHIN` seconds (well inside the dispatcher's own limit): a
worker thread cannot be cancelled from outside, so it bounds itself, and a send the dispatcher
has given up on is never still running to deliver the notice a second time beside its retry.
Long waits the connector asks for become a passing `DeliveryError` with `retry_after`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any, Protocol, TypeVar

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import (
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
    ErrorResponseException,
)
from msrest.exceptions import ClientRequestError

from adapters.teams import references, retry
from adapters.teams.access import Door
from adapters.teams.inbound import PLATFORM
from adapters.teams.turn import message
from bot.core.reach import Reach
from bot.core.records import Records
from bot.core.reply import Reply
from bot.notices.port import DeliveryError, FileAttachment

log = logging.getLogger("ogpbot.teams")
T = TypeVar("T")
#: Seconds one notice may take on the Teams side, queueing for a worker included; the
#: dispatcher's limit (bot.dispatcher.SEND_TIMEOUT, 60 s) must stay well above it.
SEND_WITHIN = 30.0


class Bridge(Protocol):
    """What a send needs of the Teams side of the server (`endpoint.TeamsBridge`): the door
    (which addresses may be called), botbuilder's adapter and the app id it calls as, the
    retry policy, and the worker threads a send runs on."""

    door: Door
    adapter: CloudAdapter
    app_id: str

    @property
    def policy(self) -> retry.RetryPolicy: ...

    async def offloop(self, factory: Callable[[], Coroutine[Any, Any, T]],
                      deadline: float | None = None, *, notice: bool = False) -> T: ...


class TeamsNotifier:
    """The dispatcher's `Notifier` for Teams: posts to a channel from its kept reference and
    DMs a person through their 1:1, each send on the bridge's notice threads; failures come
    back as `DeliveryError` (permanent, or passing with the wait Teams asked for)."""

    platform = PLATFORM
    pace = 1 / 7  # Teams: seven messages a second per conversation

    def __init__(self, bridge: Bridge, records: Records) -> None:
        self.bridge = bridge
        self.reach = Reach(records, PLATFORM)

    async def post(self, conversation: str, message: Reply,
                   reference: dict[str, Any] | None = None, *, key: str = "") -> None:
        deadline = time.monotonic() + SEND_WITHIN
        await self._offloop(lambda: self._post(conversation, message, reference, deadline),
                            deadline)

    async def find_user(self, email: str) -> str | None:
        """Teams offers a bot no lookup by email (that needs Microsoft Graph): a person is
        reached once they have written to the bot or been seen in a conversation with it."""
        return None

    async def direct(self, user_id: str, message: Reply,
                     attachment: FileAttachment | None = None, *, key: str = "") -> None:
        deadline = time.monotonic() + SEND_WITHIN
        await self._offloop(lambda: self._direct(user_id, message, deadline),
                            deadline)

    async def delivered(self, address: str, key: str, *, direct: bool) -> bool | None:
        """Teams lets a bot read nothing back from a conversation (the connector has no
        history to ask; Microsoft Graph would need the tenant's consent), so whether a message
        whose answer never came arrived cannot be told: it is sent again (docs/store.md)."""
        return None

    async def _offloop(self, factory: Callable[[], Coroutine[Any, Any, None]],
                       deadline: float) -> None:
        """Run one send on a worker thread, over (sent or given up) by `deadline`."""
        try:
            await self.bridge.offloop(factory, deadline, notice=True)
        except TimeoutError:  # the worker may have sent it before it gave up
            raise DeliveryError(f"teams: not sent within {SEND_WITHIN:.0f}s",
                                permanent=False, in_doubt=True) from None

    # ------------------------------------------------------------ worker side
    # (the store is read here, never on the main loop: a writer may hold its lock)

    async def _post(self, conversation: str, message: Reply,
                    reference: dict[str, Any] | None, deadline: float) -> None:
        kept = (self.reach.conversation(references.base_id(conversation)) or {}).get(
            "reference")
        door = self.bridge.door
        doc = next((d for d in (reference, kept)
                    if d and door.may_call(d.get("serviceUrl"), d.get("via"))), None)
        if doc is None:
            raise DeliveryError("teams: no reference this mode may use is kept for the "
                                "conversation", permanent=True)
        ref = references.reference_from(doc)
        # a channel post's id names its thread (`;messageid=`); a notice starts a new post
        target = references.base_id(ref.conversation.id or conversation)
        await self._send(ref, target, message, None, deadline)

    async def _direct(self, user_id: str, message: Reply, deadline: float) -> None:
        """Open (or reuse) the 1:1 and send the message as it is. A calendar file is not
        uploaded: the dispatcher already put the file's address in the message, in its line."""
        door = self.bridge.door
        person = self.reach.contact(user_id) or {}
        if not door.may_call(person.get("service_url"), person.get("via")):
            person = {}  # kept in another mode (or before modes were kept): not to be called
        last = self.reach.last_seen()
        if not door.may_call(last.get("service_url"), last.get("via")):
            last = {}
        service_url = person.get("service_url") or last.get("service_url")
        tenant = person.get("tenant_id") or last.get("tenant_id") or ""
        bot = last.get("bot") or {}
        if not service_url or not bot.get("id"):
            raise DeliveryError("teams: no activity seen yet, so no service URL to reach "
                                "this person", permanent=False)
        ref = ConversationReference(
            channel_id=last.get("channel_id") or "msteams", service_url=service_url,
            bot=ChannelAccount(id=bot["id"], name=bot.get("name") or None),
            user=ChannelAccount(id=user_id),
            conversation=ConversationAccount(id=person.get("conversation_id") or "",
                                             tenant_id=tenant or None, is_group=False,
                                             conversation_type="personal"))
        if not ref.conversation.id:
            ref.conversation.id = await self._open(ref, user_id, tenant)
            via = person.get("via") if person.get("service_url") else last.get("via")
            self.reach.update_contact(user_id, conversation_id=ref.conversation.id,
                                      service_url=ref.service_url, tenant_id=tenant, via=via)
        await self._send(ref, ref.conversation.id, message, user_id, deadline)

    async def _open(self, ref: ConversationReference, user_id: str, tenant: str) -> str:
        params = ConversationParameters(
            is_group=False, bot=ref.bot, members=[ChannelAccount(id=user_id)],
            tenant_id=tenant or None,
            channel_data={"tenant": {"id": tenant}} if tenant else None)
        opened: list[str] = []

        async def keep_id(context: TurnContext) -> None:
            opened.append(context.activity.conversation.id)

        async def create() -> None:
            await self.bridge.adapter.create_conversation(
                self.bridge.app_id, keep_id, params, ref.channel_id, ref.service_url)

        try:
            await retry.call(self.bridge.policy, user_id, create, "new 1:1 conversation")
        except (ErrorResponseException, ClientRequestError) as exc:
            raise self._failure(exc, user_id) from None
        if not opened or not opened[0]:
            raise DeliveryError("teams: the connector opened no conversation", permanent=False)
        return opened[0]

    async def _send(self, ref: ConversationReference, conversation_id: str, reply: Reply,
                    user_id: str | None, deadline: float) -> None:
        activity = message(reply)
        errors: list[BaseException] = []

        async def logic(context: TurnContext) -> None:
            client = context.turn_state[self.bridge.adapter.BOT_CONNECTOR_CLIENT_KEY]
            # the HTTP call blocks a thread that nothing can cancel: it must end by itself
            client.config.connection.timeout = max(0.1, deadline - time.monotonic())
            activity.conversation = ConversationAccount(id=conversation_id,
                                                        tenant_id=ref.conversation.tenant_id)
            activity.from_property = ref.bot
            if ref.conversation.tenant_id:
                activity.channel_data = {"tenant": {"id": ref.conversation.tenant_id}}
            try:
                await retry.call(self.bridge.policy, conversation_id,
                                 lambda: client.conversations.send_to_conversation(
                                     conversation_id, activity), "notice", repeatable=False)
            except (ErrorResponseException, ClientRequestError, DeliveryError) as exc:
                errors.append(exc)

        try:
            await self.bridge.adapter.continue_conversation(ref, logic, self.bridge.app_id)
        except Exception as exc:  # no connector client or no token: try again later
            raise DeliveryError(f"teams: {type(exc).__name__}: {exc}", permanent=False) from None
        if errors:
            if user_id and retry.status_of(errors[0]) == 404:
                # the 1:1 is gone: open it anew next time
                self.reach.update_contact(user_id, conversation_id="")
            raise self._failure(errors[0], user_id, sending=True)

    def _failure(self, exc: BaseException, user_id: str | None,
                 sending: bool = False) -> DeliveryError:
        """A connector error as the dispatcher understands it; `sending` when it answered the
        notice's message itself, which may have arrived unless the answer says it did not."""
        if isinstance(exc, DeliveryError):
            return exc
        status = retry.status_of(exc)
        code = retry.error_code(exc)
        if status == 403 and user_id:
            self._mark_unreachable(user_id, code)
        if status is None or status in retry.RETRY_STATUSES or status >= 500 or (
                status == 404 and user_id):
            doubt = sending and (status is None or (status >= 500 and status != 503))
            return DeliveryError(f"teams: {status or 'no answer'} {code}", permanent=False,
                                 retry_after=retry.retry_after(exc), in_doubt=doubt)
        return DeliveryError(f"teams: {status} {code}", permanent=True)

    def _mark_unreachable(self, user_id: str, code: str) -> None:
        self.reach.mark_unreachable(user_id, code)
        log.warning("teams: a person cannot be reached (%s)", code)

