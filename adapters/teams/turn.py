"""One Teams turn: an activity the door admitted (`access.admit`) becomes the core's `Command`,
the core answers, and the answer goes back through the connector as an Adaptive Card (a
submitted form's card is updated in place).

Every activity's conversation reference is kept before its 201 (`keep`), and a message
activity with it as an inbox item (`bot.app.inbox`), in one transaction; the turn runs that
item (done with its reply in the transaction of its effect) and marks it answered once its
answer went out; an answer the connector will not take goes through the outbox. What a crash
leaves is done at the next start, or by another replica (`answers`).

Who is speaking: the activity's `from` account, and, only when a Bot Framework token vouched
for the activity (so its tenant is one this deployment serves), the person's Microsoft Entra
object id within the tenant their account is in, and the email the connector's member lookup
gives for them. The member lookup names the tenant of the account: for people of the tenant
and its guests the activity's own, for an external (federated) user in a chat the ministry
hosts their home tenant. An email is taken only from an account in a tenant this deployment
serves (another tenant's administrator could type any address), and a guest's
`…#EXT#@…` principal name is no email at all. In emulator mode nobody is known by either.
Runs on a Teams worker thread (see `workers`), so it may call the synchronous core directly.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import replace
from datetime import datetime, timedelta

from botbuilder.core import CardFactory, TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema import Activity, ActivityTypes, ErrorResponseException

from adapters.metrics import answered
from adapters.teams import cards, inbound, invokes, references, retry
from adapters.teams.access import Admitted
from adapters.teams.senders import from_a_person
from adapters.teams.settings import TeamsSettings
from bot.app.inbox import Inbox, Item, new_key
from bot.app.runtime import Runtime
from bot.core.reach import Reach
from bot.core.reply import Reply
from bot.i18n.catalogue import language_of

log = logging.getLogger("ogpbot.teams")
_KNOWN_TYPES = frozenset(t.value for t in ActivityTypes)
MEMBER_LOOKUP_TIMEOUT = 5.0


#: A member lookup Teams refused (4xx) is asked again after this long: the person may be
#: found once the tenant's directory has them, and then become who the roster says.
ASK_AGAIN_AFTER = timedelta(hours=1)


def message(reply: Reply, nonce: str = "") -> Activity:
    """A reply as a message activity: the card, with the plain text as its summary."""
    card = cards.reply_card(reply, nonce)
    return Activity(type=ActivityTypes.message,
                    attachments=[CardFactory.adaptive_card(card)],
                    summary=(reply.title or reply.text)[:200] or None)


class Turn:
    """Runs the turns of admitted activities against one runtime."""

    def __init__(self, runtime: Runtime, policy: retry.RetryPolicy) -> None:
        self.runtime = runtime
        self.reach = Reach(runtime.bot.records, inbound.PLATFORM)
        self.policy = policy
        self.inbox: Inbox | None = None  # the server's, given at mount

    def keep(self, activity: Activity, admitted: Admitted) -> Item | bool | None:
        """Before the 201, in one transaction: the conversation's reference (for any activity
        Teams defines), and a message activity as an inbox item. The item; False when Teams
        sent it again (it is kept already); None when it is not a message, or there is no
        inbox. `StoreError` when the store would not keep it: then nothing is acknowledged."""
        if activity.type not in _KNOWN_TYPES:
            return None  # not an activity Teams defines: nothing to remember or answer
        if activity.type == ActivityTypes.message and not from_a_person(activity):
            return None  # another bot, or this one: not a person to remember or answer
        item = self._item(activity, admitted) if activity.type == ActivityTypes.message \
            and self.inbox is not None else None
        inbox = self.inbox

        def keep() -> bool:
            references.remember(self.reach, activity, admitted.via)
            return inbox.record(item) if inbox is not None and item is not None else True

        kept = self.runtime.store.atomically(keep)
        if item is None:
            return None
        return item if kept else False

    def _item(self, activity: Activity, admitted: Admitted) -> Item:
        """A message activity as an inbox item: keyed by what it asks (a form by its nonce,
        so a form submitted twice is done once), its delivery by Teams' activity id."""
        sender = activity.from_property
        object_id = (sender.aad_object_id or None) if sender and admitted.vouched else None
        command = inbound.command_of(activity, None, object_id, admitted.via, admitted.tenant)
        delivery = inbound.delivery_of(activity)
        route = {"via": "turn", "user": sender.id if sender else "",
                 "tenant": admitted.tenant if admitted.vouched else ""}
        key = command.request_key or delivery or new_key(inbound.PLATFORM, "activity")
        return Item(key, command, route, self.runtime.clock.now(), delivery=delivery)

    async def run(self, context: TurnContext, admitted: Admitted,
                  item: Item | None = None) -> None:
        """The turn of an admitted activity whose reference `keep` kept: a message run as its
        inbox `item` (when this process may take it: `Inbox.hold`) and answered."""
        activity = context.activity
        if activity.type not in _KNOWN_TYPES:
            return  # not an activity Teams defines: nothing to answer
        if activity.type == ActivityTypes.invoke:  # answered in its HTTP response, always 200
            response = invokes.invoke_response(activity.name, self._language(activity))
            await context.send_activity(Activity(type=ActivityTypes.invoke_response,
                                                 value=response))
            return
        if activity.type == ActivityTypes.message and not from_a_person(activity):
            return  # another bot, or this one: no answer, and not a person to remember
        if activity.type != ActivityTypes.message:
            return  # conversationUpdate (install), typing, reactions: the reference is kept
        sender = activity.from_property
        if sender is not None and sender.id:
            self.reach.reachable_again(sender.id)  # a person who blocked the bot writes again
        email = object_id = None
        home = admitted.tenant
        if admitted.vouched:
            email, home = await self._member(context, admitted.tenant)
            object_id = (sender.aad_object_id or None) if sender is not None else None
        command = inbound.command_of(activity, email, object_id, admitted.via, home)
        # already off the main loop: the core is called directly
        if item is None or self.inbox is None:
            reply = self.runtime.bot.handle(command)
        else:
            if not self.inbox.hold(item):
                return  # taken already, here or by another replica
            found = self.inbox.run(item.key, replace(command, request_key=item.key))
            if found is None or found.repeated:
                self.inbox.let_go([item.key])
                return
            reply = found
        if reply.repeated:
            return
        try:
            await self._answer(context, command.form_id, reply)
        except Exception as exc:  # the connector would not take it: the outbox will
            if item is None or self.inbox is None:
                raise
            log.info("teams: an answer goes through the outbox (%s)", type(exc).__name__)
            self.inbox.answer_later(item, reply, type(exc).__name__)
            return
        if item is not None and self.inbox is not None:
            self.inbox.answered(item.key, refused=not reply.ok)

    async def _answer(self, context: TurnContext, form_id: str | None, reply: Reply) -> None:
        activity = context.activity
        nonce = ""
        if reply.form is not None:
            value = activity.value if isinstance(activity.value, dict) else {}
            nonce = str(value.get("nonce") or "") if form_id else ""
            nonce = nonce or uuid.uuid4().hex
        out = message(reply, nonce)
        conversation_id = activity.conversation.id if activity.conversation else ""
        if form_id is not None and activity.reply_to_id:
            out.id = activity.reply_to_id  # the form's card becomes its answer, in place
            try:
                await retry.call(self.policy, conversation_id,
                                 lambda: context.update_activity(out), "card update")
                answered()
                return
            except ErrorResponseException as exc:  # the card is gone or too old to change
                log.info("teams: could not update a card (%s); sending anew",
                         retry.status_of(exc))
                out.id = None
        await retry.call(self.policy, conversation_id, lambda: context.send_activity(out))
        answered()

    def _language(self, activity: Activity) -> str:
        """The language of a sentence to the activity's sender: the one they chose, else their
        Teams locale, else as for their notices."""
        sender = activity.from_property
        person = self.runtime.bot.records.person_by_platform(inbound.PLATFORM, sender.id) \
            if sender is not None and sender.id else None
        seminar = self.runtime.seminar.language
        return ((person.chosen_language if person else None)
                or language_of(inbound.locale_of(activity))
                or (person.speaks(seminar) if person else seminar))

    def _ask_again(self, known: dict[str, object]) -> bool:
        """Whether a refused member lookup is old enough to be asked again."""
        asked = known.get("email_asked")
        try:
            when = datetime.fromisoformat(str(asked)) if asked else None
        except ValueError:
            when = None
        return when is None or self.runtime.clock.now() - when >= ASK_AGAIN_AFTER

    async def _member(self, context: TurnContext, tenant: str) -> tuple[str | None, str]:
        """The speaker's email as the connector's member lookup gives it, so roster people are
        known by it (None for an account in a tenant this deployment does not serve), and the
        tenant their account is in (the activity's `tenant` when the lookup does not say).
        Asked once per person and tenant (an answer from before, or from another tenant, is
        not taken)."""
        activity = context.activity
        user_id = activity.from_property.id if activity.from_property else ""
        if not user_id or activity.channel_id != "msteams":
            return None, tenant
        known = self.reach.contact(user_id) or {}
        if "email" in known and known.get("email_tenant") == tenant and (
                known["email"] or not self._ask_again(known)):
            return known["email"] or None, str(known.get("member_tenant") or tenant)
        try:
            member = await asyncio.wait_for(TeamsInfo.get_member(context, user_id),
                                            MEMBER_LOOKUP_TIMEOUT)
        except ErrorResponseException as exc:
            status = retry.status_of(exc)
            if status is not None and 400 <= status < 500:
                self.reach.update_contact(user_id, email="", email_tenant=tenant,
                                          email_asked=self.runtime.clock.now().isoformat())
            return None, tenant
        except Exception as exc:  # a network failure: try again on the next message
            log.info("teams: member lookup failed: %s", type(exc).__name__)
            return None, tenant
        home = (member.tenant_id or tenant).lower()
        served = {t.lower() for t in TeamsSettings.of(self.runtime.settings).allowed_tenants}
        email = _email_of(member.email, member.user_principal_name) if home in served else ""
        self.reach.update_contact(user_id, email=email, email_tenant=tenant,
                                  member_tenant=home)
        return email or None, home


def _email_of(email: str | None, principal_name: str | None) -> str:
    """The address a member lookup gives: the email, else the user principal name unless it
    is a guest's (`name_domain#EXT#@tenant`, which reaches nobody)."""
    if email and email.strip():
        return email.strip()
    name = (principal_name or "").strip()
    return "" if "#ext#" in name.lower() else name
