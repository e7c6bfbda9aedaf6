"""The action-plan draft as a document (an `Outline`): an introduction, then a section per
included commitment laid out like OGP's commitment template (lead implementing agency, area,
period, completion; the problem; the commitment, its goal and expected results; how it helps;
relevance to the OGP values; milestones with dates; progress reports; other actors), then the
record of every input with its reasoned response. `ogpbot export` draws it as Markdown or as a
Word document."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from zoneinfo import ZoneInfo

from bot.core.commitment import is_imported, period_of, state_of
from bot.core.history import report_label
from bot.core.model import Milestone, Proposal, Status
from bot.i18n.catalogue import t, tn
from bot.i18n.formatting import format_day, format_days, format_when
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
        date=day(seminar.date, lang),
        coordinator=seminar.coordinator.name))]
    if seminar.plan:
        found.append(text(tn(lang, "export.introduction_plan", count,
                             start=day(seminar.plan.start, lang),
                             end=day(seminar.plan.end, lang))))
    return found


def facts(*pairs: tuple[str, str]) -> list[Block]:
    """The facts that have a value (a commitment imported from an adopted plan has no area,
    values or proposer of the bot's)."""
    return [fact(label, value) for label, value in pairs if value]


def _section(heading: str, body: Sequence[Block]) -> list[Block]:
    """A section under its heading, or nothing when it would be empty."""
    return [Heading(4, heading), *body] if body else []


def _commitment(snap: Snapshot, p: Proposal, n: int, lang: str) -> list[Block]:
    seminar = snap.seminar
    period = period_of(p, seminar.plan)
    aims: list[Block] = []
    for label, said in ((t(lang, "card.goal"), p.goal), (t(lang, "card.results"), p.results)):
        if said:
            aims += [text(f"{label}:", bold=True), *paragraphs(said)]
    report = p.report.text if p.report else ""
    tz = seminar.timezone
    actors = [] if is_imported(p) else [
        bullet(Run(t(lang, "export.proposed_by", org=p.organization)))]
    actors += [bullet(Run(t(lang, "export.joined", org=a.name))) for a in p.actors]
    return list(blocks(
        Heading(3, f"{n}. {p.ref}: {one_line(p.title)}"),
        facts((t(lang, "export.lead_agency"), seminar.org_name(p.ministry)),
              (t(lang, "record.plan_id"), p.plan_id),
              (t(lang, "card.area"), seminar.area_name(p.area) if p.area else ""),
              (t(lang, "export.period"), format_days(*period, lang, year=True) if period else ""),
              (t(lang, "card.completion"),
               t(lang, f"completion.{p.completion or 'not_started'}"))),
        _section(t(lang, "export.problem"), paragraphs(p.problem)),
        _section(t(lang, "export.commitment"), paragraphs(p.description)), aims,
        Heading(4, t(lang, "export.how")),
        paragraphs(report) if report else [text(t(lang, "export.how_missing"), italic=True)],
        _section(t(lang, "export.relevance"),
                 [fact(t(lang, f"value.{v}").capitalize(), t(lang, f"value.{v}.hint"))
                  for v in p.values]),
        Heading(4, t(lang, "card.milestones")),
        milestone_table(snap, p, lang) if p.milestones
        else text(t(lang, "record.no_milestones")),
        _section(t(lang, "record.progress_reports"), [
            bullet(Run(f"{day(r.at.astimezone(tz).date(), lang)}: "),
                   Run(t(lang, f"completion.{r.level}"), bold=True),
                   Run(f" – {one_line(r.text)}")) for r in p.progress]),
        _section(t(lang, "export.actors"), actors),
    ))


def day(when: date | None, lang: str) -> str:
    """A day in a document: in words, with its year (a document outlives its year)."""
    return format_day(when, lang, year=True) if when else ""


def milestone_table(snap: Snapshot, p: Proposal, lang: str) -> Table:
    """A commitment's milestones: number, start, end, text and state (done with its day)."""
    tz = snap.seminar.timezone
    today = snap.now.astimezone(tz).date()
    return Table(
        ("#", t(lang, "export.milestone_start"), t(lang, "record.milestone_due"),
         t(lang, "record.milestone_text"), t(lang, "export.milestone_state")),
        tuple((str(k), day(m.start, lang), day(m.end, lang), one_line(m.text),
               t(lang, f"milestone.{state_of(m, today)}") + _done(m, lang, tz))
              for k, m in enumerate(p.milestones, 1)))


def _done(m: Milestone, lang: str, tz: ZoneInfo) -> str:
    """When a milestone was done and what was said of it, after its state."""
    if m.done is None:
        return ""
    when = day(m.done.at.astimezone(tz).date(), lang)
    return " " + (f"{when} – {m.done.text}" if m.done.text else when)


def _input(snap: Snapshot, p: Proposal, lang: str) -> list[Block]:
    seminar = snap.seminar
    response, _ = response_text(p, lang)
    return list(blocks(
        Heading(3, f"{p.ref}: {one_line(p.title)}"),
        facts((t(lang, "card.status"), t(lang, f"status.{p.status.value}")),
              (t(lang, "record.col_organization"), "" if is_imported(p) else p.organization),
              (t(lang, "card.actors"), ", ".join(a.name for a in p.actors)),
              (t(lang, "card.ministry"), seminar.org_name(p.ministry)),
              (t(lang, "record.plan_id"), p.plan_id),
              (t(lang, "card.area"), seminar.area_name(p.area) if p.area else ""),
              (t(lang, "card.values"), ", ".join(t(lang, f"value.{v}") for v in p.values)),
              (t(lang, "card.version"), str(p.version)),
              (t(lang, "card.report"), f"{report_label(p.report, lang)} – {p.report.text}"
                                       if p.report else ""),
              (t(lang, "card.decision"), response)),
    ))
