"""`overview`: where the process stands, and what waits on whom.

The coordinator sees every proposal; a ministry's people see their ministry's own. The reply
counts the proposals in each status, then lists what is waiting, longest wait first within
each kind: table outcomes to record, bilateral meetings to schedule, reports owed (named by
ministry), decisions to make, progress reports and milestones overdue. Each line has its
`P-N`, who it waits on and how long it has waited (by the injected clock).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from bot.core.model import MEETING_LENGTH, Meeting, Proposal, ReportResult, Role, Status
from bot.core.permissions import RESPONSIBLE
from bot.core.reply import Action, Field, Reply
from bot.core.seminar import Seminar
from bot.core.word import Word
from bot.i18n.formatting import format_duration
from bot.process.plan import overdue, progress_owed_since

if TYPE_CHECKING:
    from bot.core.context import Context

SHOWN = 20  # lines per kind of wait; the rest are counted
# The kinds of wait, in the order the process meets them.
KINDS = ("outcomes", "meetings", "reports", "decisions", "progress", "milestones")
_AT_TABLES = frozenset({Status.SUBMITTED, Status.PRESENTED, Status.IN_DISCUSSION})


@dataclass(frozen=True)
class Waiting:
    """One thing that waits: on which proposal, on whom (an organisation key), since when;
    `milestone` is the milestone's number for an overdue milestone (0 otherwise)."""

    kind: str
    proposal: Proposal
    on: str
    since: datetime
    milestone: int = 0


def entered(p: Proposal) -> datetime:
    """When the proposal reached its present status (its history; else when it was made)."""
    since = p.created_at
    previous: Status | None = None
    for entry in p.history:
        if entry.status is p.status and previous is not p.status:
            since = entry.at
        previous = entry.status
    return since


def _tables_start(seminar: Seminar) -> datetime | None:
    return next((item.start for item in seminar.agenda if item.kind == "tables"), None)


def waiting(proposals: Iterable[Proposal], meetings: dict[int, Meeting], seminar: Seminar,
            now: datetime) -> list[Waiting]:
    """Everything that waits among `proposals`, by kind in process order, longest first."""
    tables = _tables_start(seminar)
    coordinator = seminar.coordinator.key
    found: list[Waiting] = []
    for p in proposals:
        since = entered(p)
        if p.status in _AT_TABLES:
            # A table's outcome is owed once the tables have met (or, without a tables item
            # on the agenda, once the proposal was seated at one).
            if tables is not None and tables <= now:
                found.append(Waiting("outcomes", p, p.ministry, max(since, tables)))
            elif tables is None and p.status is Status.IN_DISCUSSION:
                found.append(Waiting("outcomes", p, p.ministry, since))
        elif p.status is Status.AGREED:
            found.append(Waiting("reports", p, p.ministry, since))
        elif p.status is Status.BILATERAL:
            meeting = meetings.get(p.number)
            if meeting is None:
                found.append(Waiting("meetings", p, p.ministry, since))
            elif meeting.start + MEETING_LENGTH <= now:
                found.append(Waiting("reports", p, p.ministry, meeting.start + MEETING_LENGTH))
        elif p.status is Status.REPORTED:
            found.append(Waiting("decisions", p, coordinator, since))
        elif p.status is Status.INCLUDED:
            owed = progress_owed_since(p, seminar, now)
            if owed is not None:
                found.append(Waiting("progress", p, p.ministry, owed))
            for k in overdue(p, now.astimezone(seminar.timezone).date()):
                passed = datetime.combine(p.milestones[k - 1].end + timedelta(days=1), time(),
                                          tzinfo=seminar.timezone)
                found.append(Waiting("milestones", p, p.ministry, passed, k))
    order = {kind: i for i, kind in enumerate(KINDS)}
    return sorted(found, key=lambda w: (order[w.kind], w.since, w.proposal.number, w.milestone))


def overview(ctx: Context, rest: str) -> Reply:
    """`overview`: the coordinator's view of everything, or a ministry's of its own."""
    mine = ctx.person.role is not Role.COORDINATOR
    proposals = [p for p in ctx.records.proposals()
                 if not mine or p.ministry == ctx.person.org]
    title = (ctx.t("overview.title_ministry", ministry=ctx.seminar.org_name(ctx.person.org or ""))
             if mine else ctx.t("overview.title_all"))
    if not proposals:
        return ctx.reply(title=title, lines=(ctx.t("overview.no_proposals"),))
    counts = {status: sum(1 for p in proposals if p.status is status) for status in Status}
    fields = tuple(Field(ctx.t(f"status.{status.value}"), str(count))
                   for status, count in counts.items() if count)
    meetings = {m.proposal: m for m in ctx.records.meetings()}
    waits = waiting(proposals, meetings, ctx.seminar, ctx.now)
    lines: list[str] = []
    for kind in KINDS:
        of_kind = [w for w in waits if w.kind == kind]
        if kind == "reports":  # named by ministry: each ministry's together
            of_kind.sort(key=lambda w: ctx.seminar.org_name(w.on))
        if not of_kind:
            continue
        if lines:
            lines.append("")
        lines.append(ctx.t(f"overview.kind.{kind}", count=len(of_kind)))
        lines.extend(_line(ctx, w) for w in of_kind[:SHOWN])
        if len(of_kind) > SHOWN:
            lines.append(ctx.tn("status.more", len(of_kind) - SHOWN))
    if not lines:
        lines.append(ctx.t("overview.nothing_waits"))
    return ctx.reply(title=title, fields=fields, lines=tuple(lines),
                     actions=(Action(ctx.t("overview.plan_button"), "plan"),))


def _line(ctx: Context, w: Waiting) -> str:
    p = w.proposal
    values = {"ref": p.ref, "title": p.title, "who": ctx.seminar.org_name(w.on),
              "waited": format_duration(ctx.now - w.since, ctx.lang)}
    if w.kind == "milestones":
        milestone = p.milestones[w.milestone - 1]
        return ctx.t("overview.line_milestone", k=w.milestone, text=milestone.text,
                     end=ctx.days(None, milestone.end), **values)
    if w.kind == "progress":
        return ctx.t("overview.line_progress",
                     asked=ctx.days(None, w.since.astimezone(ctx.seminar.timezone).date()),
                     **values)
    if w.kind == "decisions":
        result = p.report.result if p.report else ReportResult.AGREED
        values["who"] = ctx.seminar.org_name(p.ministry)  # whose report it decides on
        return ctx.t("overview.line_decision", result=ctx.t(f"report.{result}"), **values)
    return ctx.t("overview.line", **values)


OVERVIEW = Word("overview", overview, RESPONSIBLE, aliases=("oversikt", "oversyn"),
                help=("help.overview",))
