"""The action plan as the public sees it, as data: every commitment (an included proposal) with
its ministry, period, completion on OGP's scale and its milestone timeline (done, open or
overdue), and its progress reports. The web adapter draws `plan_view` on `/plan` and
`plan_json` on `/api/plan`; nothing here is HTML."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.core.commitment import period_of, state_of
from bot.core.model import COMPLETION, Proposal, Status
from bot.i18n.catalogue import t
from bot.record.public import Snapshot, public_milestone, rehearsal_mark
from bot.record.said import Said, named, texts_said
from bot.record.views import Dates, MilestoneRow, milestone_row


@dataclass(frozen=True)
class ReportItem:
    """One progress report, as the public reads it."""

    when: str
    at: str  # ISO 8601
    level_label: str
    text: Said


@dataclass(frozen=True)
class Commitment:
    ref: str
    title: Said
    ministry: Said
    period: str  # "1 January 2027 – 31 December 2028", or ""
    completion: str  # one of COMPLETION
    completion_label: str
    step: int  # 0 (not started) to 3 (complete), for the progress bar
    milestones: tuple[MilestoneRow, ...]
    done: int
    reports: tuple[ReportItem, ...]


@dataclass(frozen=True)
class PlanView:
    commitments: tuple[Commitment, ...]
    steps: int  # the progress bar's maximum
    generated: str


def reports(p: Proposal, lang: str, dates: Dates) -> tuple[ReportItem, ...]:
    return tuple(ReportItem(dates.when(r.at), r.at.isoformat(),
                            t(lang, f"completion.{r.level}"), Said(r.text, r.language))
                 for r in p.progress)


def commitment(snap: Snapshot, p: Proposal, lang: str) -> Commitment:
    dates = Dates(snap.seminar, lang, snap.now)
    level = p.completion or "not_started"
    period = period_of(p, snap.seminar.plan)
    items = tuple(milestone_row(k, m, lang, dates) for k, m in enumerate(p.milestones, 1))
    return Commitment(
        ref=p.ref, title=texts_said(p)["title"],
        ministry=named(snap.seminar, snap.seminar.org_name(p.ministry)),
        period=dates.span(*period) if period else "",
        completion=level, completion_label=t(lang, f"completion.{level}"),
        step=COMPLETION.index(level), milestones=items,
        done=sum(1 for i in items if i.state == "done"), reports=reports(p, lang, dates))


def commitments(snap: Snapshot) -> list[Proposal]:
    return [p for p in snap.proposals if p.status is Status.INCLUDED]


def plan_view(snap: Snapshot, lang: str) -> PlanView:
    return PlanView(tuple(commitment(snap, p, lang) for p in commitments(snap)),
                    len(COMPLETION) - 1, Dates(snap.seminar, lang, snap.now).when(snap.now))


def plan_json(snap: Snapshot, lang: str) -> dict[str, Any]:
    """`/api/plan`: every commitment with its milestones (each with its state) and completion."""
    plan = snap.seminar.plan
    today = snap.now.astimezone(snap.seminar.timezone).date()
    out = []
    for p in commitments(snap):
        period = period_of(p, plan)
        level = p.completion or "not_started"
        out.append({
            "ref": p.ref, "url": f"/proposals/{p.ref}", "title": p.title,
            "ministry": p.ministry, "ministry_name": snap.seminar.org_name(p.ministry),
            "plan_id": p.plan_id or None,
            "period": {"start": period[0].isoformat(), "end": period[1].isoformat()}
            if period else None,
            "completion": level, "completion_label": t(lang, f"completion.{level}"),
            "milestones": [{**public_milestone(m), "number": k, "state": state_of(m, today)}
                           for k, m in enumerate(p.milestones, 1)],
            "progress": [{"at": r.at.isoformat(), "completion": r.level,
                          "completion_label": t(lang, f"completion.{r.level}"), "text": r.text}
                         for r in p.progress],
        })
    return {**rehearsal_mark(snap), "seminar": snap.seminar.title, "language": lang,
            "period": {"start": plan.start.isoformat(), "end": plan.end.isoformat()}
            if plan else None,
            "count": len(out), "commitments": out}
