"""The words the bot understands: the first word (English, or its bokmål alias) picks a handler
from one lookup table; the handler reads the rest."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot.process import agenda, decisions, guide, meetings, plan, proposals, tables

if TYPE_CHECKING:
    from bot.core.context import Handler

ALIASES: dict[str, str] = {
    "help": "help", "hjelp": "help", "?": "help",
    "propose": "propose", "foreslå": "propose", "forslag": "propose",
    "status": "status",
    "agenda": "agenda", "dagsorden": "agenda", "program": "agenda",
    "channel": "channel", "kanal": "channel",
    "tables": "tables", "bord": "tables",
    "outcome": "outcome", "utfall": "outcome",
    "meet": "meet", "møte": "meet",
    "meetings": "meetings", "møter": "meetings",
    "report": "report", "rapport": "report", "rapporter": "report",
    "decide": "decide", "beslutt": "decide", "avgjør": "decide",
    "withdraw": "withdraw", "trekk": "withdraw",
    "plan": "plan", "handlingsplan": "plan", "planen": "plan",
    "progress": "progress", "framdrift": "progress", "fremdrift": "progress",
}
ASSIGN = ("assign", "fordel")

HANDLERS: dict[str, Handler] = {
    "help": guide.handle,
    "propose": proposals.propose,
    "status": proposals.status,
    "agenda": agenda.show,
    "channel": agenda.channel_here,
    "tables": tables.show,
    "tables assign": tables.assign,
    "outcome": decisions.outcome,
    "meet": meetings.meet,
    "meetings": meetings.list_mine,
    "report": decisions.report,
    "decide": decisions.decide,
    "withdraw": proposals.withdraw,
    "plan": plan.plan,
    "progress": plan.progress,
}


def parse(words: str) -> tuple[str | None, str]:
    """`("meet", "P-1 2026-12-03 14:00")`; `(None, words)` when the first word is unknown."""
    text = words.strip()
    parts = re.split(r"\s+", text, maxsplit=1)
    first = parts[0].lower()
    rest = parts[1].strip() if len(parts) > 1 else ""
    verb = ALIASES.get(first)
    if verb is None:
        return None, text
    if verb == "channel":
        return "channel", rest
    if verb == "tables" and rest.lower() in ASSIGN:
        return "tables assign", ""
    return verb, rest
