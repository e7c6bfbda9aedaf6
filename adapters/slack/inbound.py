"""What a Slack request asks for, read from its parsed body alone (no network, no store): an
inbox item (`bot.app.inbox.Item`: the core's `Command` and where its answer goes) for the
requests the bot acts on, `HomeOpened` for a visit to the App Home tab, None for the rest.

- A slash command (`/ogp`, `/propose`, `/status`): the words after it, answered at its
  `response_url` (a form opens as a modal while its `trigger_id` is good).
- A button of ours (`ogp_words:…`): the words it carries, answered at its `response_url`.
- A mention of the bot in a channel: answered to the person alone (ephemeral, in the thread).
- A direct message to the bot from a person (not Slackbot, not a bot, not an edit or another
  subtype a person did not type: `from_a_person`): answered in that DM.
- A submitted proposal form: the form's fields; its answer is the acknowledgement itself, and
  a DM.

Slack's own id of a delivery names the item (`Item.delivery`): an event's `event_id`, an
interaction's or a command's `trigger_id` (unique per click or command), so the same request
delivered again finds its item. A submitted form is keyed by its view and that view's
version instead: a form put right after a refusal comes as a new delivery of the same key.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from adapters.slack.access import installation_of
from adapters.slack.blocks import WORDS_ACTION, hidden_values, submitted_values
from adapters.slack.speakers import PLATFORM
from bot.app.inbox import Item, new_key
from bot.core.command import Command, Place, Speaker
from bot.process.proposal_form import EDIT_FORM_ID, FORM_ID

SLASH_PREFIX = {"/ogp": "", "/propose": "propose", "/status": "status"}
SLACKBOT = "USLACKBOT"  # Slackbot's user id, the same in every workspace
FORMS = (FORM_ID, EDIT_FORM_ID)

_SOME_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>")
_FIRST_MENTION = re.compile(r"^\s*<@[UW][A-Z0-9]+(?:\|[^<>]*)?>")
_LINK = re.compile(r"<([^<>|]+)(?:\|([^<>]*))?>")


@dataclass(frozen=True)
class HomeOpened:
    """A person opened the bot's App Home tab (`event_id`: Slack's id of this delivery), through
    the installation of `team`."""

    user_id: str
    event_id: str
    team: str | None = None


Inbound = Item | HomeOpened | None


def words_of(text: str, bot_user_id: str | None) -> str:
    """A message's text as the words a person typed: the bot's mention removed, links and
    mentions as their labels, Slack's `&amp;`-escapes undone."""
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^<>]*)?>", " ", text)
    text = _SOME_MENTION.sub(lambda m: "@" + m.group(1), text)

    def label(m: re.Match[str]) -> str:
        target, shown = m.group(1), m.group(2)
        if shown:
            return shown
        return target.removeprefix("mailto:").removeprefix("!").replace("#", "", 1)

    text = _LINK.sub(label, text)
    return " ".join(text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").split())


def bot_user_of(body: Mapping[str, Any]) -> str | None:
    """The bot's own user id, as an event's `authorizations` name it (None if they do not)."""
    for grant in body.get("authorizations") or ():
        if isinstance(grant, dict) and grant.get("is_bot") and isinstance(grant.get("user_id"),
                                                                           str):
            return str(grant["user_id"])
    return None


def read(body: Mapping[str, Any], received_at: datetime,
         bot_user_id: str | None = None) -> Inbound:
    """What `body` (a payload that passed `access.SlackDoor.refusal`) asks of the bot. An
    item's route names the installation it came through (`team`): its answer, and what the
    bot learns of the speaker, go through that workspace."""
    asked = _asked(body, received_at, bot_user_id)
    team = installation_of(body)
    if isinstance(asked, Item) and team:
        return replace(asked, route={**asked.route, "team": team})
    return asked


def _asked(body: Mapping[str, Any], received_at: datetime, bot_user_id: str | None) -> Inbound:
    if "command" in body:
        return _command(body, received_at)
    kind = body.get("type")
    if kind == "block_actions":
        return _button(body, received_at)
    if kind == "view_submission":
        return _submission(body, received_at)
    if kind == "event_callback":
        return _event(body, received_at, bot_user_of(body) or bot_user_id)
    return None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _command(body: Mapping[str, Any], received_at: datetime) -> Item | None:
    name = _text(body.get("command"))
    if name not in SLASH_PREFIX:
        return None
    words = f"{SLASH_PREFIX[name]} {words_of(_text(body.get('text')), None)}".strip()
    channel = _text(body.get("channel_id"))
    user_id = _text(body.get("user_id"))
    place = Place(PLATFORM, channel, is_direct=channel.startswith("D"),
                  name=_text(body.get("channel_name")),
                  reference={"team_id": installation_of(body)})
    speaker = Speaker(PLATFORM, user_id, name=_text(body.get("user_name")))
    return _at_response_url("command", body, Command(speaker, place, words=words), received_at)


def _button(body: Mapping[str, Any], received_at: datetime) -> Item | None:
    actions = body.get("actions") or [{}]
    action_id = _text(actions[0].get("action_id"))
    if not action_id.startswith(f"{WORDS_ACTION}:"):
        return None
    words = _text(actions[0].get("value"))
    user = body.get("user") or {}
    user_id = _text(user.get("id"))
    channel_field = body.get("channel")
    channel = _text(channel_field.get("id")) if isinstance(channel_field, dict) else ""
    place = Place(PLATFORM, channel or user_id,
                  is_direct=not channel or channel.startswith("D"))
    speaker = Speaker(PLATFORM, user_id, name=_text(user.get("name")))
    return _at_response_url("action", body, Command(speaker, place, words=words), received_at)


def _at_response_url(kind: str, body: Mapping[str, Any], command: Command,
                     received_at: datetime) -> Item:
    """A command or a button press: keyed by its `trigger_id`, answered at its response_url
    (a form opens as a modal while the trigger is good)."""
    trigger = _text(body.get("trigger_id"))
    return _item(kind, trigger, trigger, command, {
        "via": "response_url", "url": body.get("response_url"),
        "trigger_id": trigger or None, "user": command.speaker.user_id}, received_at)


def _submission(body: Mapping[str, Any], received_at: datetime) -> Item | None:
    view = body.get("view") or {}
    form_id = _text(view.get("callback_id"))
    if form_id not in FORMS:
        return None
    user_id = _text((body.get("user") or {}).get("id"))
    meta = metadata(view.get("private_metadata"))
    channel = _text(meta.get("channel")) or user_id
    state = (view.get("state") or {}).get("values") or {}
    fields = {**hidden_values(meta),
              **submitted_values(state if isinstance(state, Mapping) else {})}
    command = Command(Speaker(PLATFORM, user_id),
                      Place(PLATFORM, channel, is_direct=channel.startswith("D")),
                      form_id=form_id, form=fields)
    version = f"{view.get('id')}:{view.get('hash')}"
    return _item("view", version, _text(body.get("trigger_id")), command,
                 {"via": "dm", "user": user_id, "home": True}, received_at)


def _event(body: Mapping[str, Any], received_at: datetime,
           bot_user_id: str | None) -> Inbound:
    event = body.get("event") or {}
    event_id = _text(body.get("event_id"))
    kind = event.get("type")
    user_id = _text(event.get("user"))
    if kind == "app_home_opened":
        if event.get("tab", "home") != "home" or not user_id or not event_id:
            return None
        if user_id == SLACKBOT:
            return None
        return HomeOpened(user_id, event_id, installation_of(body))
    if kind not in ("app_mention", "message") or not from_a_person(event, bot_user_id):
        return None  # Slackbot, bots, the bot itself, edits and the like: nothing to answer
    channel = _text(event.get("channel"))
    text = _text(event.get("text"))
    if kind == "message":
        if event.get("channel_type") != "im":
            return None  # a channel's messages are not for the bot unless it is mentioned
        route: dict[str, Any] = {"via": "post", "channel": channel, "user": user_id}
        direct = True
    else:
        if bot_user_id is None:  # who the bot is, not known yet: its mention comes first
            text = _FIRST_MENTION.sub(" ", text, count=1)
        route = {"via": "ephemeral", "channel": channel, "thread_ts": event.get("thread_ts"),
                 "user": user_id}
        direct = channel.startswith("D")
    place = Place(PLATFORM, channel, is_direct=direct, reference={"team_id": installation_of(body)})
    command = Command(Speaker(PLATFORM, user_id), place, words=words_of(text, bot_user_id))
    return _item("event", event_id, event_id, command, route, received_at)


#: Message subtypes that are a person's own words (every other subtype is not asked).
PERSON_SUBTYPES = frozenset({"file_share", "thread_broadcast"})


def from_a_person(event: Mapping[str, Any], bot_user_id: str | None) -> bool:
    """Whether a message or mention comes from a person: not from Slackbot (`USLACKBOT`,
    whose notices, such as "You have been removed from #…", land in the bot's DM), not from an
    app's bot (a `bot_id` or `bot_profile`), not the bot's own, and not an edit, a deletion or
    another subtype a person did not type (`PERSON_SUBTYPES` are what they typed: words with
    a file shared, a thread reply also sent to the conversation)."""
    user_id = event.get("user")
    if not isinstance(user_id, str) or not user_id or user_id == SLACKBOT:
        return False
    if event.get("bot_id") or event.get("bot_profile"):
        return False
    if event.get("subtype") and event.get("subtype") not in PERSON_SUBTYPES:
        return False
    return bot_user_id is None or user_id != bot_user_id


def _item(kind: str, unique: str, delivery: str, command: Command, route: dict[str, Any],
          received_at: datetime) -> Item:
    """An inbox item keyed by `unique` (a new key when Slack gave none)."""
    return Item(new_key(PLATFORM, kind, unique or None), command, route, received_at,
                delivery=delivery or None)


def metadata(raw: Any) -> dict[str, Any]:
    """A modal's `private_metadata` as the dict ogpbot put there ({} for anything else)."""
    try:
        data = json.loads(raw) if isinstance(raw, str) and raw else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
