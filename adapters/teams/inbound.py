"""An incoming Teams activity as the core's `Command`: the words with the bot's @mention
taken out, or a card's submitted values, with the speaker's locale and the conversation.

Who is speaking comes as the activity's `from` account; their email and Microsoft Entra
object id only as the caller passes them, which it does for an activity a token vouched for."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

from botbuilder.schema import Activity

from adapters.teams import cards
from adapters.teams.references import is_personal, reference_dict
from bot.core.command import Command, Place, Speaker

PLATFORM = "teams"
_AT_TAG = re.compile(r"<at>(.*?)</at>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def _entities(activity: Activity) -> list[dict[str, Any]]:
    found = []
    for entity in activity.entities or []:
        data = entity.serialize() if hasattr(entity, "serialize") else entity
        if isinstance(data, dict):
            found.append({**data, **(getattr(entity, "additional_properties", None) or {})})
    return found


def words_of(activity: Activity) -> str:
    """The message text without the bot's own @mention; other mentions become plain names."""
    text = activity.text or ""
    bot_id = activity.recipient.id if activity.recipient else None
    for entity in _entities(activity):
        if (entity.get("type") or "").lower() != "mention":
            continue
        mentioned = entity.get("mentioned") or {}
        if bot_id and mentioned.get("id") == bot_id and entity.get("text"):
            text = text.replace(entity["text"], " ", 1)
    text = _AT_TAG.sub(lambda m: m.group(1), text)
    if "<" in text and activity.text_format not in (None, "plain"):
        text = _TAG.sub(" ", text)  # Teams sends formatted messages as HTML
    text = html.unescape(text) if "&" in text else text
    return " ".join(text.split())


def locale_of(activity: Activity) -> str | None:
    if activity.locale:
        return activity.locale
    for entity in _entities(activity):
        if (entity.get("type") or "").lower() == "clientinfo" and entity.get("locale"):
            return str(entity["locale"])
    return None


def speaker_of(activity: Activity, email: str | None = None,
               aad_object_id: str | None = None, tenant: str | None = None) -> Speaker:
    sender = activity.from_property
    return Speaker(PLATFORM, sender.id if sender else "", (sender.name or "") if sender else "",
                   email or None, locale_of(activity), aad_object_id or None,
                   (tenant or None) if aad_object_id else None)


def place_of(activity: Activity, via: str = "") -> Place:
    conversation = activity.conversation
    return Place(PLATFORM, conversation.id if conversation else "", is_personal(activity),
                 (conversation.name or "") if conversation else "",
                 reference_dict(activity, via))


def _form_fields(value: Mapping[str, Any]) -> dict[str, Any]:
    """A card submit's inputs as the core's form fields, with the form's hidden values; the
    multi-select arrives as `a,b`."""
    hidden = value.get("hidden")
    fields: dict[str, Any] = {k: v for k, v in hidden.items()
                              if isinstance(k, str) and isinstance(v, str)
                              } if isinstance(hidden, Mapping) else {}
    fields.update((k, v) for k, v in value.items()
                  if k not in (cards.MARK, "form", "nonce", "hidden"))
    raw = fields.get("values")
    if isinstance(raw, str):
        fields["values"] = [v.strip() for v in raw.split(",") if v.strip()]
    return fields


def delivery_of(activity: Activity) -> str | None:
    """Teams' id of this delivery (the same activity sent again has it too), or None."""
    conversation = activity.conversation.id if activity.conversation else ""
    return f"teams:{conversation}:{activity.id}" if activity.id else None


def command_of(activity: Activity, email: str | None = None,
               aad_object_id: str | None = None, via: str = "",
               tenant: str | None = None) -> Command:
    """The command a message activity asks for; `email` and `aad_object_id` (in `tenant`) as
    vouched for."""
    speaker = speaker_of(activity, email, aad_object_id, tenant)
    place = place_of(activity, via)
    key = delivery_of(activity)
    value = activity.value if isinstance(activity.value, dict) else {}
    kind = value.get(cards.MARK)
    if kind == cards.KIND_FORM and isinstance(value.get("form"), str):
        nonce = value.get("nonce")
        return Command(speaker, place, form_id=value["form"], form=_form_fields(value),
                       request_key=f"teams:form:{nonce}" if isinstance(nonce, str) and nonce
                       else key)
    if kind == cards.KIND_WORDS and isinstance(value.get("words"), str):
        return Command(speaker, place, words=value["words"], request_key=key)
    return Command(speaker, place, words=words_of(activity), request_key=key)
