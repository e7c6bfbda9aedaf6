"""`help`: the commands this person may use, in their language."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.core.permissions import may_use

if TYPE_CHECKING:
    from bot.core.context import Context
    from bot.core.reply import Reply

# (verb whose permission decides, catalogue key), in the order a person meets them.
_LINES = (
    ("help", "help.help"),
    ("propose", "help.propose"),
    ("propose", "help.propose_line"),
    ("status", "help.status"),
    ("agenda", "help.agenda"),
    ("tables", "help.tables"),
    ("meetings", "help.meetings"),
    ("outcome", "help.outcome"),
    ("meet", "help.meet"),
    ("report", "help.report"),
    ("withdraw", "help.withdraw"),
    ("edit", "help.edit"),
    ("edit", "help.edit_line"),
    ("milestone", "help.milestone"),
    ("note", "help.note"),
    ("join", "help.join"),
    ("versions", "help.versions"),
    ("follow", "help.follow"),
    ("unfollow", "help.unfollow"),
    ("language", "help.language"),
    ("channel", "help.channel"),
    ("tables assign", "help.tables_assign"),
    ("decide", "help.decide"),
    ("plan", "help.plan"),
    ("progress", "help.progress"),
    ("overview", "help.overview"),
)


def handle(ctx: Context, rest: str) -> Reply:
    lines = [ctx.t(key) for verb, key in _LINES if may_use(ctx.person, verb)]
    if may_use(ctx.person, "propose"):
        lines.append(ctx.t("help.values"))
        lines.append(ctx.t("help.areas", areas=", ".join(
            f"{a.key} ({a.name})" for a in ctx.seminar.areas)))
    return ctx.reply(title=ctx.t("help.title", role=ctx.t(f"role.{ctx.person.role.value}")),
                     lines=tuple(lines))
