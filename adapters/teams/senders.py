"""Who sent a Teams activity: a person, or a bot. The bot answers people only.

Teams marks a bot's account with `role: "bot"` and gives bots ids that begin with `28:`
(people's begin with `29:`, `8:orgid:` and the like); the bot's own messages come from the
activity's `recipient`. A message from any of these (another app's bot, a workflow posting as
a bot, the bot itself) is neither kept, nor answered, nor remembered as a person.
"""

from __future__ import annotations

from botbuilder.schema import Activity

_BOT_ROLES = frozenset({"bot", "skill"})
_BOT_ID_PREFIX = "28:"


def from_a_person(activity: Activity) -> bool:
    """Whether the activity's sender is a person (and not this bot or another)."""
    sender = activity.from_property
    if sender is None or not sender.id:
        return False
    if (sender.role or "").lower() in _BOT_ROLES or sender.id.startswith(_BOT_ID_PREFIX):
        return False
    bot = activity.recipient
    return bot is None or sender.id != bot.id
