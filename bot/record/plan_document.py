"""The action-plan draft as a document (an `Outline`): an introduction, then a section per
included commitment laid out like OGP's commitment template (lead implementing agency, area,
period, completion; the problem; the commitment, its goal and expected results; how it helps;
relevance to the OGP values; milestones with dates; progress reports; other actors), then the
record of every input with its reasoned response. `ogpbot export` draws it as Markdown or as a
Word document."""

from __future__ import annotations

from datetime import datetime, time

from bot.core.commitment import period_of
from bot.core.history import report_label
from bot.core.model import Milestone, Proposal, Status
from bot.i18n.catalogue import t, tn
from bot.i18n.formatting import format_date, format_when
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
    paragraphs,
    text,
)
from bot.record.plan_view import state_of
from bot.record.public import Snapshot, response_text


def plan_outline(snap: Snapshot, lang: str) -> Outline:
    seminar = snap.seminar
    title = t(lang, "export.plan_title", seminar=seminar.title)
    included = [p for p in snap.proposals if p.status is Status.INCLUDED]
    commitments: list[Block] = []
    for n, p in enumerate(included, 1):
        commitments.extend(_commitment(snap, p, n, lang))
    inputs: list[Block] = []
    for p in snap.proposals:
        inputs.extend(_input(snap, p, lang))
    return Outline(title, lang, blocks(
        Heading(1, title),
        text(t(lang, "export.generated", when=format_when(
            snap.now, lang, seminar.timezone, seconds=False, year=True))),
        Heading(2, t(lang, "export.introduction_title")),
        _introduction(snap, len(included), lang),
        Heading(2, t(lang, "export.commitments")),
        commitments or [text(t(lang, "export.no_commitments"))],
        Heading(2, t(lang, "export.inputs")),
        inputs or [text(t(lang, "record.none"))],
    ))


def _introduction(snap: Snapshot, count: int, lang: str) -> list[Block]:
    seminar = snap.seminar
    found: list[Block] = [text(t(
        lang, "export.introduction", seminar=seminar.title,
        date=format_date(datetime.combine(seminar.date, time(12), seminar.timezone), lang,
                         year=True),
        coordinator=seminar.coordinator.name))]
    if seminar.plan:
        found.append(text(tn(lang, "export.introduction_plan", count,
                             start=seminar.plan.start.isoformat(),
                             end=seminar.plan.end.isoformat())))
    return found


def _commitment(snap: Snapshot, p: Proposal, n: int, lang: str) -> list[Block]:
    seminar = snap.seminar
    facts = [fact(t(lang, "export.lead_agency"), seminar.org_name(p.ministry)),
             fact(t(lang, "card.area"), seminar.area_name(p.area))]
    period = period_of(p, seminar.plan)
    if period:
        facts.append(fact(t(lang, "export.period"),
                          f"{period[0].isoformat()} – {period[1].isoformat()}"))
    facts.append(fact(t(lang, "card.completion"),
                      t(lang, f"completion.{p.completion or 'not_started'}")))
    aims: list[Block] = []
    for label, said in ((t(lang, "card.goal"), p.goal), (t(lang, "card.results"), p.results)):
        if said:
            aims += [text(f"{label}:", bold=True), *paragraphs(said)]
    report = (p.report or {}).get("text", "")
    return list(blocks(
        Heading(3, f"{n}. {p.ref}: {one_line(p.title)}"),
        facts,
        Heading(4, t(lang, "export.problem")), paragraphs(p.problem),
        Heading(4, t(lang, "export.commitment")), paragraphs(p.description), aims,
        Heading(4, t(lang, "export.how")),
        paragraphs(report) if report else [text(t(lang, "export.how_missing"), italic=True)],
        Heading(4, t(lang, "export.relevance")),
        [fact(t(lang, f"value.{v}").capitalize(), t(lang, f"value.{v}.hint"))
         for v in p.values],
        Heading(4, t(lang, "card.milestones")),
        milestone_table(snap, p, lang) if p.milestones
        else text(t(lang, "record.no_milestones")),
        [Heading(4, t(lang, "record.progress_reports")),
         *(bullet(Run(f"{r.at.date().isoformat()}: "),
                  Run(t(lang, f"completion.{r.level}"), bold=True), Run(f" – {one_line(r.text)}"))
           for r in p.progress)] if p.progress else [],
        Heading(4, t(lang, "export.actors")),
        bullet(Run(t(lang, "export.proposed_by", org=p.organization))),
        [bullet(Run(t(lang, "export.joined", org=a.name))) for a in p.actors],
    ))


def milestone_table(snap: Snapshot, p: Proposal, lang: str) -> Table:
    """A commitment's milestones: number, start, end, text and state (done with its date)."""
    today = snap.now.astimezone(snap.seminar.timezone).date()
    return Table(
        ("#", t(lang, "export.milestone_start"), t(lang, "record.milestone_due"),
         t(lang, "record.milestone_text"), t(lang, "export.milestone_state")),
        tuple((str(k), m.start.isoformat() if m.start else "", m.end.isoformat(), m.text,
               t(lang, f"milestone.{state_of(m, today)}") + _done(m))
              for k, m in enumerate(p.milestones, 1)))


def _done(m: Milestone) -> str:
    """When a milestone was done and what was said of it, after its state."""
    if m.done is None:
        return ""
    when = m.done.at.date().isoformat()
    return " " + (f"{when} – {m.done.text}" if m.done.text else when)


def _input(snap: Snapshot, p: Proposal, lang: str) -> list[Block]:
    seminar = snap.seminar
    response, _ = response_text(p, lang)
    facts = [fact(t(lang, "card.status"), t(lang, f"status.{p.status.value}")),
             fact(t(lang, "record.col_organization"), p.organization)]
    if p.actors:
        facts.append(fact(t(lang, "card.actors"), ", ".join(a.name for a in p.actors)))
    facts += [fact(t(lang, "card.ministry"), seminar.org_name(p.ministry)),
              fact(t(lang, "card.area"), seminar.area_name(p.area)),
              fact(t(lang, "card.values"), ", ".join(t(lang, f"value.{v}") for v in p.values)),
              fact(t(lang, "card.version"), str(p.version))]
    if p.report:
        facts.append(fact(t(lang, "card.report"),
                          f"{report_label(p.report, lang)} – {p.report.get('text', '')}"))
    facts.append(fact(t(lang, "card.decision"), response))
    return [Heading(3, f"{p.ref}: {one_line(p.title)}"), *facts]
