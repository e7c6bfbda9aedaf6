"""Where ogpbot keeps what it needs to reach Teams later: a conversation reference for every
conversation it was in, and for every person their tenant, service URL and 1:1 conversation.

Stored in the bot's store (collections `teams_conversations`, `teams_people`, and the last
tenant and service URL seen in `teams_meta`), written only when something changed.
"""

from __future__ import annotations

from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ChannelAccount, ConversationAccount, ConversationReference

from bot.store.contract import Store

CONVERSATIONS = "teams_conversations"
PEOPLE = "teams_people"
META = "teams_meta"
LAST = "last"


def base_id(conversation_id: str) -> str:
    """A channel conversation without the thread a message was in (`;messageid=…`)."""
    return conversation_id.split(";messageid=")[0]


def tenant_of(activity: Activity) -> str:
    """The tenant id: Teams sends it in channelData and as `conversation.tenantId` (which
    botbuilder's model does not map, so it lands among the additional properties)."""
    data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant = data.get("tenant") if isinstance(data.get("tenant"), dict) else {}
    if isinstance(tenant.get("id"), str) and tenant["id"]:
        return tenant["id"]
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


def reference_dict(activity: Activity) -> dict[str, Any]:
    """The activity's conversation reference as JSON, with the tenant kept beside it."""
    reference = TurnContext.get_conversation_reference(activity).serialize()
    reference.pop("activityId", None)  # changes with every message; a notice needs none
    reference["tenantId"] = tenant_of(activity)
    return reference


def reference_from(doc: dict[str, Any]) -> ConversationReference:
    """A stored reference back as botbuilder's object, the tenant restored."""
    reference = ConversationReference().deserialize(doc)
    tenant = doc.get("tenantId") or ""
    if reference.conversation is None:
        reference.conversation = ConversationAccount(id="")
    if tenant:
        reference.conversation.tenant_id = tenant
    return reference


def _put_if_changed(store: Store, collection: str, key: str, doc: dict[str, Any]) -> None:
    stored = store.get(collection, key)
    merged = {**(stored or {}), **doc}
    if merged != stored:
        store.put(collection, key, merged)


def remember(store: Store, activity: Activity) -> None:
    """Keep the reference of the activity's conversation, and what reaches its sender (and, on
    a `conversationUpdate`, every member added) directly."""
    conversation = activity.conversation
    if conversation is None or not conversation.id or not activity.service_url:
        return
    tenant = tenant_of(activity)
    _put_if_changed(store, CONVERSATIONS, base_id(conversation.id), {
        "id": base_id(conversation.id), "reference": reference_dict(activity),
        "personal": is_personal(activity), "name": conversation.name or "",
    })
    bot = activity.recipient
    _put_if_changed(store, META, LAST, {
        "service_url": activity.service_url, "tenant_id": tenant,
        "channel_id": activity.channel_id or "msteams",
        "bot": {"id": bot.id, "name": bot.name or ""} if bot and bot.id else {},
    })
    people: list[ChannelAccount] = []
    if activity.from_property is not None and activity.from_property.id:
        people.append(activity.from_property)
    people.extend(m for m in activity.members_added or [] if m.id and (bot is None or
                                                                       m.id != bot.id))
    for person in people:
        doc: dict[str, Any] = {"id": person.id, "service_url": activity.service_url,
                               "tenant_id": tenant, "name": person.name or ""}
        if is_personal(activity) and person is activity.from_property:
            doc["conversation_id"] = conversation.id
        _put_if_changed(store, PEOPLE, person.id, doc)


def person(store: Store, user_id: str) -> dict[str, Any] | None:
    return store.get(PEOPLE, user_id)


def set_person(store: Store, user_id: str, **changes: Any) -> None:
    _put_if_changed(store, PEOPLE, user_id, {"id": user_id, **changes})


def conversation(store: Store, conversation_id: str) -> dict[str, Any] | None:
    return store.get(CONVERSATIONS, base_id(conversation_id))


def last_seen(store: Store) -> dict[str, Any]:
    """The latest service URL, tenant and bot account any activity came with."""
    return store.get(META, LAST) or {}
