"""The guide to the words: every word of the grammar, in the order a person meets them in
`help`, and `help` itself, which lists the words this person may use, in their language.

Each word is declared beside its handler (a `Word` in the handler's module); this list is
where a new word takes its place in `help`. The grammar (`bot.app.grammar`) reads it too."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.core.permissions import ALL, may_use
from bot.core.word import Word
from bot.process import (
    agenda,
    decisions,
    drafting,
    languages,
    meetings,
    milestones,
    overview,
    plan,
    proposals,
    tables,
)

if TYPE_CHECKING:
    from bot.core.context import Context
    from bot.core.reply import Reply


def handle(ctx: Context, rest: str) -> Reply:
    lines = [ctx.t(key) for word in WORDS if may_use(ctx.person, word) for key in word.help]
    if may_use(ctx.person, proposals.PROPOSE):
        lines.append(ctx.t("help.values"))
        lines.append(ctx.t("help.areas", areas=", ".join(
            f"{a.key} ({a.name})" for a in ctx.seminar.areas)))
    return ctx.reply(title=ctx.t("help.title", role=ctx.t(f"role.{ctx.person.role.value}")),
                     lines=tuple(lines))


HELP = Word("help", handle, ALL, aliases=("hjelp", "?"), help=("help.help",), reads=True)

WORDS: tuple[Word, ...] = (
    HELP,
    proposals.PROPOSE,
    proposals.STATUS,
    agenda.AGENDA,
    tables.TABLES,
    meetings.MEETINGS,
    decisions.OUTCOME,
    meetings.MEET,
    decisions.REPORT,
    proposals.WITHDRAW,
    drafting.EDIT,
    milestones.MILESTONE,
    drafting.NOTE,
    drafting.JOIN,
    drafting.VERSIONS,
    drafting.FOLLOW,
    drafting.UNFOLLOW,
    languages.LANGUAGE,
    agenda.CHANNEL,
    tables.ASSIGN,
    decisions.DECIDE,
    plan.PLAN,
    plan.PROGRESS,
    overview.OVERVIEW,
)
