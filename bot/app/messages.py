"""Every message a notice may say, by its id: the composers each stage of the process keeps
beside the words that schedule its notices, gathered into the one table the dispatcher writes
from (`OgpBot.messages`). A notice names one of these ids and the values to write it from
(`bot.core.notice.Say`); the words come when it is sent, in its reader's language then."""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.writing import Composer
from bot.notices import alerts
from bot.process import decisions, drafting, meetings, new_proposals, plan, proposals, tables


def _gathered(*tables_of: Mapping[str, Composer]) -> dict[str, Composer]:
    out: dict[str, Composer] = {}
    for table in tables_of:
        twice = set(out) & set(table)
        if twice:
            raise ValueError(f"messages named twice: {sorted(twice)}")
        out.update(table)
    return out


MESSAGES: Mapping[str, Composer] = _gathered(
    proposals.MESSAGES, new_proposals.MESSAGES, drafting.MESSAGES, decisions.MESSAGES,
    meetings.MESSAGES, plan.MESSAGES, tables.MESSAGES, alerts.MESSAGES)
