"""The words the bot understands: the first word (English, or its bokmål or nynorsk alias) picks
a handler from one lookup table; the handler reads the rest."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot.process import (
    agenda,
    decisions,
    drafting,
    guide,
    languages,
    meetings,
    milestones,
    overview,
    plan,
    proposals,
    tables,
)
from bot.process.proposal_form import EDIT_FORM_ID

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

    from bot.core.context import Context
    from bot.core.prepared import Handler
    from bot.core.reply import Reply

ALIASES: dict[str, str] = {
    "help": "help", "hjelp": "help", "?": "help",
    "propose": "propose", "foreslå": "propose", "føreslå": "propose", "forslag": "propose",
    "status": "status",
    "agenda": "agenda", "dagsorden": "agenda", "program": "agenda",
    "channel": "channel", "kanal": "channel",
    "tables": "tables", "bord": "tables",
    "outcome": "outcome", "utfall": "outcome",
    "meet": "meet", "møte": "meet",
    "meetings": "meetings", "møter": "meetings", "møta": "meetings",
    "report": "report", "rapport": "report", "rapporter": "report",
    "decide": "decide", "beslutt": "decide", "avgjør": "decide", "avgjer": "decide",
    "withdraw": "withdraw", "trekk": "withdraw",
    "edit": "edit", "endre": "edit", "rediger": "edit",
    "milestone": "milestone", "milestones": "milestone", "milepæl": "milestone",
    "milepæler": "milestone", "milepel": "milestone", "milepåle": "milestone",
    "milepålar": "milestone", "milestolpe": "milestone", "milestolpar": "milestone",
    "note": "note", "notat": "note", "notér": "note", "noter": "note",
    "join": "join", "bli-med": "join", "delta": "join",
    "versions": "versions", "versjoner": "versions", "versjonar": "versions",
    "follow": "follow", "følg": "follow", "folg": "follow",
    "unfollow": "unfollow", "slutt-å-følge": "unfollow",
    "language": "language", "språk": "language", "spraak": "language",
    "målform": "language",
    "plan": "plan", "handlingsplan": "plan", "planen": "plan",
    "progress": "progress", "framdrift": "progress", "fremdrift": "progress",
    "overview": "overview", "oversikt": "overview", "oversyn": "overview",
}
# Aliases of more than one word: the words, then the verb they stand for.
PHRASES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("bli", "med"), "join"),
    (("slutt", "å", "følge"), "unfollow"),
)
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
    "edit": drafting.edit,
    "milestone": milestones.milestone,
    "note": drafting.note,
    "join": drafting.join,
    "versions": drafting.versions,
    "follow": drafting.follow,
    "unfollow": drafting.unfollow,
    "language": languages.choose,
    "plan": plan.plan,
    "progress": plan.progress,
    "overview": overview.overview,
}

# A submitted form's id -> the word whose roles may send it, and its handler.
FORMS: dict[str, tuple[str, Callable[[Context, Mapping[str, Any]], Reply]]] = {
    proposals.FORM_ID: ("propose", proposals.submit_form),
    EDIT_FORM_ID: ("edit", drafting.submit_form),
}


def parse(words: str) -> tuple[str | None, str]:
    """`("meet", "P-1 2026-12-03 14:00")`; `(None, words)` when the first word is unknown."""
    text = words.strip()
    for phrase, meant in PHRASES:
        parts = re.split(r"\s+", text, maxsplit=len(phrase))
        if tuple(p.casefold() for p in parts[:len(phrase)]) == phrase:
            return meant, parts[len(phrase)].strip() if len(parts) > len(phrase) else ""
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
