"""What the Teams adapter keeps to reach Teams later, in the form the core stores for it
(`bot.core.reach`, opaque JSON): a conversation reference for every conversation the bot was
in, for every person their tenant, service URL and 1:1 conversation, and the bot's account
and the last service URL and tenant seen. Each document records how it came in (`via`: a
token vouched for it, or the emulator), so a notice only ever goes where the mode trusts.

Only this module turns botbuilder's objects into those documents and back.
"""

from __future__ import annotations

from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ChannelAccount, ConversationAccount, ConversationReference

from bot.core.reach import Reach


def base_id(conversation_id: str) -> str:
    """A channel conversation without the thread a message was in (`;messageid=…`)."""
    return conversation_id.split(";messageid=")[0]


def tenant_of(activity: Activity) -> str:
    """The tenant id: Teams sends it in channelData and as `conversation.tenantId` (which
    botbuilder's model does not map, so it lands among the additional properties)."""
    data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant = data.get("tenant")
    tenant_id = tenant.get("id") if isinstance(tenant, dict) else None
    if isinstance(tenant_id, str) and tenant_id:
        return tenant_id
    conversation = activity.conversation
    if conversation is not None:
        if conversation.tenant_id:
            return str(conversation.tenant_id)
        extra = getattr(conversation, "additional_properties", None) or {}
        if isinstance(extra.get("tenantId"), str):
            return extra["tenantId"]
    return ""


def is_personal(activity: Activity) -> bool:
    conversation = activity.conversation
    if conversation is None:
        return False
    if conversation.conversation_type:
        return conversation.conversation_type == "personal"
    return not conversation.is_group


def reference_dict(activity: Activity, via: str = "") -> dict[str, Any]:
    """The activity's conversation reference as JSON, with the tenant and `via` beside it."""
    reference = TurnContext.get_conversation_reference(activity).serialize()
    reference.pop("activityId", None)  # changes with every message; a notice needs none
    reference["tenantId"] = tenant_of(activity)
    if via:
        reference["via"] = via
    return reference


def reference_from(doc: dict[str, Any]) -> ConversationReference:
    """A stored reference back as botbuilder's object, the tenant restored."""
    reference = ConversationReference().deserialize(
        {k: v for k, v in doc.items() if k != "via"})
    tenant = doc.get("tenantId") or ""
    if reference.conversation is None:
        reference.conversation = ConversationAccount(id="")
    if tenant:
        reference.conversation.tenant_id = tenant
    return reference


def remember(reach: Reach, activity: Activity, via: str) -> None:
    """Keep the reference of an admitted activity's conversation, the bot's account, and what
    reaches its sender (and, on a `conversationUpdate`, every member added) directly."""
    conversation = activity.conversation
    if conversation is None or not conversation.id or not activity.service_url:
        return
    tenant = tenant_of(activity)
    bot = activity.recipient
    people: list[ChannelAccount] = []
    if activity.from_property is not None and activity.from_property.id:
        people.append(activity.from_property)
    people.extend(m for m in activity.members_added or [] if m.id and (bot is None or
                                                                       m.id != bot.id))
    contacts: dict[str, dict[str, Any]] = {}
    for person in people:
        doc: dict[str, Any] = {"id": person.id, "service_url": activity.service_url,
                               "tenant_id": tenant, "name": person.name or "", "via": via}
        if is_personal(activity) and person is activity.from_property:
            doc["conversation_id"] = conversation.id
        contacts[person.id] = doc
    reach.remember(
        conversation=(base_id(conversation.id), {
            "id": base_id(conversation.id), "reference": reference_dict(activity, via),
            "personal": is_personal(activity), "name": conversation.name or ""}),
        last_seen={
            "service_url": activity.service_url, "tenant_id": tenant,
            "channel_id": activity.channel_id or "msteams", "via": via,
            "bot": {"id": bot.id, "name": bot.name or ""} if bot and bot.id else {}},
        contacts=contacts)
