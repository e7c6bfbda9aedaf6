"""A proposal's milestones: `milestone P-N add START END TEXT`, `remove K` and `done K [TEXT]`,
numbered 1, 2, … in the order of their dates; and the one reading of a milestone line that the
proposal form shares (`START END TEXT`, or `END TEXT` without a start)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING

from bot.core.lifecycle import Step
from bot.core.model import Completion, Milestone, Proposal
from bot.core.permissions import PROPOSERS, require_editor, require_responsible
from bot.core.word import Word
from bot.i18n.catalogue import t
from bot.i18n.formatting import format_day, format_days
from bot.process.plan import schedule_commitment

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from bot.core.context import Context
    from bot.core.reply import Reply

MAX_TEXT = 500
MAX_DONE_TEXT = 3000
MAX_MILESTONES = 40
ACTIONS = {"add": "add", "legg-til": "add", "ny": "add", "nytt": "add",
           "remove": "remove", "fjern": "remove", "slett": "remove",
           "done": "done", "ferdig": "done", "fullført": "done", "utført": "done"}
_DAY = r"\d{4}-\d{2}-\d{2}"
_LINE = re.compile(rf"^({_DAY})(?:\s+({_DAY}))?\s+(\S.*)$", re.DOTALL)


def parse_milestone(line: str) -> Milestone | str:
    """`2027-01-01 2027-06-30 Pilot` (start and end) or `2027-06-30 Pilot` (end only) as a
    milestone; otherwise the catalogue key saying what is wrong."""
    m = _LINE.match(line.strip())
    if m is None:
        return "propose.bad_milestone"
    try:
        first = date.fromisoformat(m.group(1))
        second = date.fromisoformat(m.group(2)) if m.group(2) else None
    except ValueError:
        return "propose.bad_milestone"
    text = " ".join(m.group(3).split())
    if second is None:
        return Milestone(None, first, text)
    if second < first:
        return "milestone.ends_before_start"
    return Milestone(first, second, text)


def _order(m: Milestone) -> tuple[date, date]:
    return (m.start or m.end, m.end)


def placed(milestones: tuple[Milestone, ...], new: Milestone) -> tuple[tuple[Milestone, ...], int]:
    """`new` put before the first milestone that starts later (the others keep their order),
    and its number."""
    at = next((i for i, m in enumerate(milestones) if _order(m) > _order(new)), len(milestones))
    return (*milestones[:at], new, *milestones[at:]), at + 1


def milestone_line(n: int, m: Milestone, lang: str, tz: ZoneInfo, now: datetime) -> str:
    """`3. 1 January – 30 June 2027: Pilot (done 3 March)` in `lang`; a year is said where it
    is not `now`'s."""
    when = format_days(m.start, m.end, lang, now=now, tz=tz)
    line = t(lang, "milestone.line", n=n, when=when, text=m.text)
    if m.done is not None:
        line += " " + t(lang, "milestone.done_mark",
                        when=format_day(m.done.at.astimezone(tz).date(), lang, now=now, tz=tz))
        if m.done.text:
            line += f" – {m.done.text}"
    return line


def milestone(ctx: Context, rest: str) -> Reply:
    parts = rest.split(maxsplit=2)
    proposal = ctx.proposal(parts[0] if parts else None, "milestone")
    if len(parts) < 2:
        return _listing(ctx, proposal, ctx.t("error.usage", usage=MILESTONE.usage))
    action = ACTIONS.get(parts[1].casefold())
    if action is None:
        ctx.fail("error.choice", text=parts[1][:40], choices="add, remove, done")
    if action == "done":
        require_responsible(ctx, proposal, "milestone done")
    else:
        require_editor(ctx, proposal, "milestone")
    ctx.require_step(proposal, Step.AMEND, "milestone")
    arg = parts[2].strip() if len(parts) > 2 else ""
    if action == "add":
        return _add(ctx, proposal, arg)
    words = arg.split(maxsplit=1)
    n = _number(ctx, proposal, words[0] if words else "")
    if action == "remove":
        return _remove(ctx, proposal, n)
    return _done(ctx, proposal, n, words[1].strip() if len(words) > 1 else "")


def _number(ctx: Context, proposal: Proposal, text: str) -> int:
    count = len(proposal.milestones)
    if not count:
        ctx.fail("milestone.none", ref=proposal.ref)
    if not text.isdigit() or not 1 <= int(text) <= count:
        ctx.fail("milestone.bad_number", text=text[:20] or "?", ref=proposal.ref, count=count)
    return int(text)


def _add(ctx: Context, proposal: Proposal, arg: str) -> Reply:
    if not arg:
        ctx.fail("error.usage", usage=MILESTONE.usage)
    parsed = parse_milestone(arg)
    if isinstance(parsed, str):
        ctx.fail(parsed, text=arg[:60])
    if len(parsed.text) > MAX_TEXT:
        ctx.fail("error.too_long", length=len(parsed.text), limit=MAX_TEXT)
    if len(proposal.milestones) >= MAX_MILESTONES:
        ctx.fail("milestone.too_many", ref=proposal.ref, limit=MAX_MILESTONES)
    milestones, n = placed(proposal.milestones, replace(parsed, language=ctx.written_in))
    saved = _saved(ctx, proposal, "milestone_added", parsed.text, milestones)
    return _listing(ctx, saved, ctx.t("milestone.added", ref=saved.ref, n=n))


def _remove(ctx: Context, proposal: Proposal, n: int) -> Reply:
    gone = proposal.milestones[n - 1]
    if gone.done is not None:
        ctx.fail("milestone.done_stays", ref=proposal.ref, n=n)
    milestones = proposal.milestones[:n - 1] + proposal.milestones[n:]
    saved = _saved(ctx, proposal, "milestone_removed", gone.text, milestones)
    return _listing(ctx, saved, ctx.t("milestone.removed", ref=saved.ref, n=n, text=gone.text))


def _done(ctx: Context, proposal: Proposal, n: int, text: str) -> Reply:
    target = proposal.milestones[n - 1]
    if target.done is not None:
        ctx.fail("milestone.already_done", ref=proposal.ref, n=n,
                 when=ctx.when(target.done.at, seconds=False))
    if len(text) > MAX_DONE_TEXT:
        ctx.fail("error.too_long", length=len(text), limit=MAX_DONE_TEXT)
    done = replace(target, done=Completion(ctx.now, ctx.person.key, ctx.person.name, text,
                                           ctx.written_in))
    milestones = (*proposal.milestones[:n - 1], done, *proposal.milestones[n:])
    saved = _saved(ctx, proposal, "milestone_done", target.text, milestones)
    return _listing(ctx, saved, ctx.t("milestone.completed", ref=saved.ref, n=n))


def _saved(ctx: Context, proposal: Proposal, action: str, detail: str,
           milestones: tuple[Milestone, ...]) -> Proposal:
    """The proposal saved with its new milestones. On a commitment of the plan its ministry's
    reminders follow them: a new milestone (or a new end date) gets reminders of its own,
    keyed by the milestone's id, whatever its number; each is written when it goes out, from
    the milestone as it then is, and skipped when it no longer fits."""
    saved = ctx.change(proposal, action, detail, milestones=milestones)
    schedule_commitment(ctx.records, ctx.bot.outbox, ctx.seminar, saved, ctx.now)
    return saved


def _listing(ctx: Context, proposal: Proposal, first: str) -> Reply:
    lines = [first]
    if proposal.milestones:
        lines.extend(milestone_line(n, m, ctx.lang, ctx.seminar.timezone, ctx.now)
                     for n, m in enumerate(proposal.milestones, 1))
    else:
        lines.append(ctx.t("record.no_milestones"))
    return ctx.reply(title=ctx.t("milestone.title", ref=proposal.ref, title=proposal.title),
                     lines=tuple(lines))


MILESTONE = Word("milestone", milestone, PROPOSERS,
                 aliases=("milestones", "milepæl", "milepæler", "milepel", "milepåle",
                          "milepålar", "milestolpe", "milestolpar"),
                 help=("help.milestone",),
                 usage="milestone P-N add START END TEXT | remove K | done K [TEXT]")
