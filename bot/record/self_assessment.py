"""The self-assessment report the government publishes on its action plan, as data: for each
included commitment its completion on OGP's scale, its milestones met (with the day each was
recorded done), missed (their end date passed without it) and still ahead, and every progress
report in order; at the top, how many commitments stand at each level.

`self_assessment` gathers it from the record; `assessment_json` writes it as JSON and
`assessment_outline` as a document (`ogpbot export --self-assessment` draws that as Markdown
or Word)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.core.commitment import period_of
from bot.core.model import COMPLETION, Milestone, Proposal, Status
from bot.i18n.catalogue import t
from bot.i18n.formatting import format_days, format_when
from bot.record.outline import (
    Block,
    Heading,
    Outline,
    Run,
    Table,
    blocks,
    bullet,
    fact,
    one_line,
    text,
)
from bot.record.plan_document import day
from bot.record.public import Snapshot

JSON_FORMAT = "ogpbot-self-assessment"
JSON_VERSION = 1


@dataclass(frozen=True)
class MilestoneResult:
    """One milestone: `met_on` is the day it was recorded done ("" while not done)."""

    number: int
    text: str
    start: str  # YYYY-MM-DD, or ""
    end: str  # YYYY-MM-DD
    met_on: str
    note: str  # what was said when it was recorded done

    @property
    def late(self) -> bool:
        return bool(self.met_on) and self.met_on > self.end


@dataclass(frozen=True)
class Report:
    at: str  # ISO 8601
    day: str  # YYYY-MM-DD, in the seminar's timezone
    level: str  # one of COMPLETION
    text: str


@dataclass(frozen=True)
class Assessed:
    ref: str
    title: str
    plan_id: str
    ministry: str
    ministry_name: str
    period: tuple[str, str] | None
    completion: str  # one of COMPLETION
    met: tuple[MilestoneResult, ...]
    missed: tuple[MilestoneResult, ...]
    ahead: tuple[MilestoneResult, ...]
    reports: tuple[Report, ...]


@dataclass(frozen=True)
class SelfAssessment:
    seminar: str
    language: str
    made_at: str  # ISO 8601
    made: str  # when, in the report's language
    period: tuple[str, str] | None  # the plan's
    commitments: tuple[Assessed, ...]

    def count(self, level: str) -> int:
        return sum(1 for c in self.commitments if c.completion == level)

    def milestones(self, kind: str) -> int:
        return sum(len(getattr(c, kind)) for c in self.commitments)


def _result(k: int, m: Milestone, met_on: str = "") -> MilestoneResult:
    return MilestoneResult(k, m.text, m.start.isoformat() if m.start else "", m.end.isoformat(),
                           met_on, m.done.text if m.done else "")


def _assessed(snap: Snapshot, p: Proposal, today: date) -> Assessed:
    tz = snap.seminar.timezone
    met, missed, ahead = [], [], []
    for k, m in enumerate(p.milestones, 1):
        if m.done:
            met.append(_result(k, m, m.done.at.astimezone(tz).date().isoformat()))
        elif m.end < today:
            missed.append(_result(k, m))
        else:
            ahead.append(_result(k, m))
    period = period_of(p, snap.seminar.plan)
    return Assessed(
        p.ref, p.title, p.plan_id, p.ministry, snap.seminar.org_name(p.ministry),
        (period[0].isoformat(), period[1].isoformat()) if period else None,
        p.completion or "not_started", tuple(met), tuple(missed), tuple(ahead),
        tuple(Report(r.at.isoformat(), r.at.astimezone(tz).date().isoformat(), r.level, r.text)
              for r in p.progress))


def self_assessment(snap: Snapshot, lang: str) -> SelfAssessment:
    seminar = snap.seminar
    today = snap.now.astimezone(seminar.timezone).date()
    plan = seminar.plan
    return SelfAssessment(
        seminar.title, lang, snap.now.isoformat(),
        format_when(snap.now, lang, seminar.timezone, seconds=False, year=True),
        (plan.start.isoformat(), plan.end.isoformat()) if plan else None,
        tuple(_assessed(snap, p, today) for p in snap.proposals
              if p.status is Status.INCLUDED))


# -- JSON ------------------------------------------------------------------------------------


def _milestone_json(m: MilestoneResult) -> dict[str, Any]:
    return {"number": m.number, "text": m.text, "start": m.start or None, "end": m.end,
            "met_on": m.met_on or None, "late": m.late, "note": m.note}


def assessment_json(sa: SelfAssessment) -> dict[str, Any]:
    """The report as JSON: keys for programs, labels in the report's language beside them."""
    lang = sa.language
    return {
        "format": JSON_FORMAT, "version": JSON_VERSION, "exported_at": sa.made_at,
        "language": lang, "seminar": sa.seminar,
        "period": {"start": sa.period[0], "end": sa.period[1]} if sa.period else None,
        "summary": {
            "commitments": len(sa.commitments),
            "completion": {level: sa.count(level) for level in COMPLETION},
            "milestones": {kind: sa.milestones(kind) for kind in ("met", "missed", "ahead")},
        },
        "commitments": [{
            "ref": c.ref, "title": c.title, "plan_id": c.plan_id or None,
            "ministry": c.ministry, "ministry_name": c.ministry_name,
            "period": {"start": c.period[0], "end": c.period[1]} if c.period else None,
            "completion": c.completion, "completion_label": t(lang, f"completion.{c.completion}"),
            "milestones": {"met": [_milestone_json(m) for m in c.met],
                           "missed": [_milestone_json(m) for m in c.missed],
                           "ahead": [_milestone_json(m) for m in c.ahead]},
            "progress": [{"at": r.at, "date": r.day, "completion": r.level,
                          "completion_label": t(lang, f"completion.{r.level}"), "text": r.text}
                         for r in c.reports],
        } for c in sa.commitments],
    }


# -- the document ----------------------------------------------------------------------------


def assessment_outline(sa: SelfAssessment) -> Outline:
    lang = sa.language
    title = t(lang, "assessment.title", seminar=sa.seminar)
    sections: list[Block] = []
    for n, c in enumerate(sa.commitments, 1):
        sections.extend(_section(c, n, lang))
    return Outline(title, lang, blocks(
        Heading(1, title),
        text(t(lang, "assessment.made", when=sa.made)),
        Heading(2, t(lang, "assessment.summary")),
        _summary(sa, lang),
        Heading(2, t(lang, "export.commitments")),
        sections or [text(t(lang, "export.no_commitments"))],
    ))


def _summary(sa: SelfAssessment, lang: str) -> list[Block]:
    rows = [(t(lang, f"completion.{level}"), str(sa.count(level))) for level in COMPLETION]
    rows.append((t(lang, "assessment.total"), str(len(sa.commitments))))
    found: list[Block] = [Table((t(lang, "card.completion"), t(lang, "export.commitments")),
                                tuple(rows))]
    total = sum(sa.milestones(kind) for kind in ("met", "missed", "ahead"))
    if total:
        found.append(text(t(lang, "assessment.milestones", count=total,
                            met=sa.milestones("met"), missed=sa.milestones("missed"),
                            ahead=sa.milestones("ahead"))))
    return found


def _section(c: Assessed, n: int, lang: str) -> list[Block]:
    facts = [fact(t(lang, "export.lead_agency"), c.ministry_name)]
    if c.plan_id:
        facts.append(fact(t(lang, "record.plan_id"), c.plan_id))
    if c.period:
        facts.append(fact(t(lang, "export.period"), format_days(
            date.fromisoformat(c.period[0]), date.fromisoformat(c.period[1]), lang, year=True)))
    facts.append(fact(t(lang, "card.completion"), t(lang, f"completion.{c.completion}")))
    def on(iso: str) -> str:
        return day(date.fromisoformat(iso), lang) if iso else ""

    due, what = t(lang, "record.milestone_due"), t(lang, "record.milestone_text")
    met = Table(("#", what, due, t(lang, "assessment.met_on")), tuple(
        (str(m.number), _with_note(m), on(m.end),
         on(m.met_on) + (f" ({t(lang, 'assessment.late')})" if m.late else ""))
        for m in c.met))
    missed = Table(("#", what, due),
                   tuple((str(m.number), one_line(m.text), on(m.end)) for m in c.missed))
    ahead = Table(("#", what, t(lang, "export.milestone_start"), due),
                  tuple((str(m.number), one_line(m.text), on(m.start), on(m.end))
                        for m in c.ahead))
    parts: list[Block] = []
    for key, table in (("assessment.met", met), ("assessment.missed", missed),
                       ("assessment.ahead", ahead)):
        parts.append(Heading(4, t(lang, key)))
        parts.append(table if table.rows else text(t(lang, "assessment.none")))
    reports = [bullet(Run(f"{day(date.fromisoformat(r.day), lang)}: "),
                      Run(t(lang, f"completion.{r.level}"), bold=True),
                      Run(f" – {one_line(r.text)}")) for r in c.reports]
    return list(blocks(
        Heading(3, f"{n}. {c.ref}: {one_line(c.title)}"), facts, parts,
        Heading(4, t(lang, "record.progress_reports")),
        reports or [text(t(lang, "record.no_progress"))],
    ))


def _with_note(m: MilestoneResult) -> str:
    return one_line(f"{m.text} – {m.note}" if m.note else m.text)
