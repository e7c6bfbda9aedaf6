"""After the decision: the action plan and each commitment's progress.

An included proposal is a commitment of the plan. `plan` lists them with their ministry,
period and completion on OGP's scale; `progress P-N LEVEL TEXT` is the responsible ministry's
(or the coordinator's) progress report. The ministry's people are reminded before each
milestone's end date, nudged once when it has passed without being done, and asked for a
progress report at the seminar file's cadence, all through the outbox: every reminder has a
key of its own (scheduling again adds nothing), and `bot.notices.commitments` decides at
send time whether it still matters.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from bot.core.commitment import period_of
from bot.core.history import progress_action
from bot.core.lifecycle import Step
from bot.core.model import COMPLETION, ProgressReport, Proposal, Status
from bot.core.notice import Notice, Say, Scheduler, Target
from bot.core.permissions import ALL, RESPONSIBLE, require_responsible
from bot.core.records import Records
from bot.core.reply import Action, Field, Reply
from bot.core.seminar import Seminar
from bot.core.word import Word
from bot.core.writing import Composer, Writing
from bot.i18n.catalogue import t
from bot.notices.commitments import (
    MILESTONE_LEAD,
    MILESTONE_NUDGE,
    PROGRESS_ASK,
    commitment_key,
    milestone_of,
)

if TYPE_CHECKING:
    from bot.core.context import Context

MAX_TEXT = 3000
LEVELS = {
    "not_started": "not_started", "ikke_startet": "not_started", "ikkje_starta": "not_started",
    "limited": "limited", "begrenset": "limited", "avgrensa": "limited",
    "substantial": "substantial", "betydelig": "substantial", "betydeleg": "substantial",
    "complete": "complete", "fullført": "complete", "fullført_": "complete",
    "fullfort": "complete",
}
REMIND_AT = time(9, 0)  # reminders go out at nine in the morning, seminar time
NUDGE_AFTER = timedelta(days=1)  # after a milestone's end date, when it is still not done
ASK_STALE = timedelta(days=30)  # a progress request not delivered within a month is moot


def completion_label(lang: str, level: str) -> str:
    return t(lang, f"completion.{level}")


def plan(ctx: Context, rest: str) -> Reply:
    """`plan`: every commitment of the plan with its ministry, period and completion."""
    commitments = ctx.records.proposals(status=Status.INCLUDED.value)
    if not commitments:
        return ctx.reply(lines=(ctx.t("plan.none"),))
    lines = []
    for p in commitments:
        period = period_of(p, ctx.seminar.plan)
        done = sum(1 for m in p.milestones if m.done)
        lines.append(ctx.t(
            "plan.line", ref=p.ref, title=p.title, ministry=ctx.seminar.org_name(p.ministry),
            period=ctx.days(*period) if period else "–",
            completion=completion_label(ctx.lang, p.completion or "not_started"),
            milestones=ctx.tn("plan.milestones_done", len(p.milestones), done=done)
            if p.milestones else ctx.t("plan.no_milestones")))
    return ctx.reply(title=ctx.tn("plan.title", len(commitments)), lines=tuple(lines))


def commitment_lines(ctx: Context, p: Proposal) -> list[str]:
    """What `status P-N` adds for a commitment: its completion, period and last report."""
    if p.status is not Status.INCLUDED:
        return []
    lines = [f"{ctx.t('card.completion')}: {completion_label(ctx.lang, p.completion or '')}"]
    period = period_of(p, ctx.seminar.plan)
    if period:
        lines.append(f"{ctx.t('card.period')}: {ctx.days(*period)}")
    if p.progress:
        last = p.progress[-1]
        lines.append(ctx.t("card.progress_last", when=ctx.when(last.at, seconds=False),
                           who=last.by_name, level=completion_label(ctx.lang, last.level),
                           text=last.text))
    return lines


def overdue(p: Proposal, today: date) -> list[int]:
    """The numbers of the commitment's milestones whose end date has passed, not done."""
    return [k for k, m in enumerate(p.milestones, 1) if not m.done and m.end < today]


def progress(ctx: Context, rest: str) -> Reply:
    """`progress P-N LEVEL TEXT`: a progress report on an included commitment."""
    parts = rest.split(maxsplit=2)
    proposal = ctx.proposal(parts[0] if parts else None, "progress")
    if len(parts) < 2:
        ctx.fail("error.usage", usage=PROGRESS.usage)
    level = LEVELS.get(parts[1].lower())
    if level is None:
        ctx.fail("error.choice", text=parts[1][:40], choices=", ".join(COMPLETION))
    text = parts[2].strip() if len(parts) > 2 else ""
    if not text:
        ctx.fail("error.text_required", word="progress", usage=PROGRESS.usage)
    if len(text) > MAX_TEXT:
        ctx.fail("error.too_long", length=len(text), limit=MAX_TEXT)
    require_responsible(ctx, proposal, "progress")
    ctx.require_step(proposal, Step.PROGRESS, "progress")
    report = ProgressReport(ctx.now, ctx.person.key, ctx.person.name, level, text,
                            ctx.written_in)
    saved = ctx.change(proposal, progress_action(level), text,
                       progress=(*proposal.progress, report))

    ctx.notify_people(ctx.records.followers(saved),
                      f"progress:{saved.ref}:{len(saved.progress)}", "progress",
                      Say(PROGRESSED, {"proposal": saved.number, "report": len(saved.progress)}))
    return ctx.reply(lines=(ctx.t("progress.done", ref=saved.ref,
                                  level=completion_label(ctx.lang, level)),))


def _at(day: date, seminar: Seminar) -> datetime:
    return datetime.combine(day, REMIND_AT, tzinfo=seminar.timezone)


def _months_after(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - every month has a 28th


def commitment_notices(records: Records, seminar: Seminar, p: Proposal,
                       now: datetime) -> list[Notice]:
    """Every reminder the commitment's ministry should get from now on: before each open
    milestone's end (at the seminar file's leads), a nudge the day after an end date passed,
    and a progress request at each cadence step of the commitment's period."""
    if p.status is not Status.INCLUDED:
        return []
    people = records.people_of(p.ministry)
    notices: list[Notice] = []

    def add(key: str, due: datetime, stale: datetime, kind: str, say: Say,
            info: dict[str, object]) -> None:
        if stale <= now:
            return
        for person in people:
            notices.append(Notice.saying(f"{key}:{person.key}", Target.to_person(person.key),
                                         say, max(due, now), "reminder", stale_after=stale,
                                         attachment=dict(info), compose=kind))

    for m in p.milestones:
        if m.done:
            continue
        end = _at(m.end, seminar)
        # keyed by the milestone's id: a milestone added in front renumbers, never re-keys;
        # written when it goes out, from the milestone as it then is (its number, its text)
        milestone = {"proposal": p.number, "milestone_id": m.id, "end": m.end.isoformat()}
        for lead in (seminar.plan.milestone_leads if seminar.plan else ()):
            add(commitment_key(p.ref, MILESTONE_LEAD, f"{m.id}:{m.end.isoformat()}:"
                               f"{int(lead.total_seconds())}"),
                end - lead, end, MILESTONE_LEAD,
                Say(MILESTONE_DUE, {**milestone, "days": max(1, lead.days)}), milestone)
        nudge = end + NUDGE_AFTER
        add(commitment_key(p.ref, MILESTONE_NUDGE, f"{m.id}:{m.end.isoformat()}"),
            nudge, nudge + ASK_STALE, MILESTONE_NUDGE, Say(MILESTONE_PASSED, milestone),
            milestone)

    period = period_of(p, seminar.plan)
    every = seminar.plan.progress_every_months if seminar.plan else 0
    if period and every:
        step = 1
        while True:
            day = _months_after(period[0], every * step)
            if day > period[1]:
                break

            since = _months_after(period[0], every * (step - 1))
            add(commitment_key(p.ref, PROGRESS_ASK, day.isoformat()),
                _at(day, seminar), _at(day, seminar) + ASK_STALE, PROGRESS_ASK,
                Say(PROGRESS_DUE, {"proposal": p.number}),
                {"proposal": p.number, "since": _at(since, seminar).isoformat()})
            step += 1
    return notices


def cadence_days(p: Proposal, seminar: Seminar) -> list[date]:
    """The days a progress report on the commitment is asked for: every
    `progress_every_months` from the start of its period, within it."""
    period = period_of(p, seminar.plan)
    every = seminar.plan.progress_every_months if seminar.plan else 0
    days: list[date] = []
    while period and every:
        day = _months_after(period[0], every * (len(days) + 1))
        if day > period[1]:
            break
        days.append(day)
    return days


def progress_owed_since(p: Proposal, seminar: Seminar, now: datetime) -> datetime | None:
    """When the commitment's latest progress request fell due without a report since the one
    before it (the rule its reminder follows); None when no report is owed."""
    if p.status is not Status.INCLUDED or p.completion == "complete":
        return None
    period = period_of(p, seminar.plan)
    asked = [day for day in cadence_days(p, seminar) if _at(day, seminar) <= now]
    if not period or not asked:
        return None
    since = _at(asked[-2] if len(asked) > 1 else period[0], seminar)
    if any(report.at >= since for report in p.progress):
        return None
    return _at(asked[-1], seminar)


def write_progress(w: Writing, values: Mapping[str, Any]) -> Reply | str:
    """`plan.progress`: a progress report on a commitment (the `report`th), for its
    followers."""
    p = w.proposal(values)
    n = values.get("report")
    if p is None or not isinstance(n, int) or not 1 <= n <= len(p.progress):
        return "the commitment or its report is gone"
    report = p.progress[n - 1]
    return Reply(language=w.lang,
                 title=w.t("progress.notice_title", ref=p.ref, title=p.title,
                           level=completion_label(w.lang, report.level)),
                 lines=(w.t("notice.text", text=report.text),
                        w.t("notice.status_hint", ref=p.ref)),
                 actions=(Action(w.t("card.status"), f"status {p.ref}"),))


def _write_milestone(w: Writing, values: Mapping[str, Any], due: bool) -> Reply | str:
    """A milestone's reminder: its end date near (`due`, `days` away), or passed and the
    milestone not done. The milestone is found by its id, and said as it is now: its number
    now, its text, its end date."""
    p = w.proposal(values)
    found = milestone_of(p, values) if p is not None else None
    if p is None or found is None:
        return "the commitment or its milestone is gone"
    k, milestone = found
    end = w.days(None, milestone.end.isoformat())
    title = (w.t("reminder.milestone_title", ref=p.ref, k=k, end=end) if due
             else w.t("reminder.milestone_passed", ref=p.ref, k=k, end=end))
    days = (w.tn("reminder.milestone_days", int(values.get("days", 1))),) if due else ()
    return Reply(language=w.lang, title=title,
                 lines=(milestone.text, *days, w.t("reminder.milestone_hint", ref=p.ref, k=k)),
                 actions=(Action(w.t("card.status"), f"status {p.ref}"),))


def write_milestone_due(w: Writing, values: Mapping[str, Any]) -> Reply | str:
    """`plan.milestone_due`: a milestone's end date is near (`days` away)."""
    return _write_milestone(w, values, due=True)


def write_milestone_passed(w: Writing, values: Mapping[str, Any]) -> Reply | str:
    """`plan.milestone_passed`: a milestone's end date has passed and it is not done."""
    return _write_milestone(w, values, due=False)


def write_progress_due(w: Writing, values: Mapping[str, Any]) -> Reply | str:
    """`plan.progress_due`: the ministry is asked for a progress report; its completion as it
    stands."""
    p = w.proposal(values)
    if p is None:
        return "the commitment is gone"
    return Reply(language=w.lang, title=w.t("reminder.progress_title", ref=p.ref, title=p.title),
                 lines=(w.t("reminder.progress_line", ref=p.ref),),
                 fields=(Field(w.t("card.completion"), completion_label(
                     w.lang, p.completion or "not_started")),))


PROGRESSED, PROGRESS_DUE = "plan.progress", "plan.progress_due"
MILESTONE_DUE, MILESTONE_PASSED = "plan.milestone_due", "plan.milestone_passed"
MESSAGES: dict[str, Composer] = {
    PROGRESSED: write_progress, PROGRESS_DUE: write_progress_due,
    MILESTONE_DUE: write_milestone_due, MILESTONE_PASSED: write_milestone_passed,
}


def schedule_commitment(records: Records, outbox: Scheduler, seminar: Seminar, p: Proposal,
                        now: datetime) -> int:
    """Schedule the commitment's reminders (those already there are kept); how many are new."""
    return sum(outbox.schedule(n) for n in commitment_notices(records, seminar, p, now))


def schedule_plan(records: Records, outbox: Scheduler, seminar: Seminar, now: datetime) -> int:
    """At start-up: every commitment's reminders, for a plan adopted before this process
    started, or after the roster gained a ministry person."""
    return records.atomically(lambda: sum(
        schedule_commitment(records, outbox, seminar, p, now)
        for p in records.proposals(status=Status.INCLUDED.value)))


PLAN = Word("plan", plan, ALL, aliases=("handlingsplan", "planen"), help=("help.plan",))
PROGRESS = Word("progress", progress, RESPONSIBLE, aliases=("framdrift", "fremdrift"),
                help=("help.progress",),
                usage="progress P-N not_started|limited|substantial|complete TEXT")
