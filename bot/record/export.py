"""`ogpbot export`: the action-plan draft in Markdown (one section per included commitment, laid
out like OGP's commitment template, then the record of inputs with every reasoned response),
CSV (one row per proposal, for a spreadsheet) and JSON (lossless: every stored field)."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.commitment import is_imported, period_of, state_of
from bot.core.history import history_text, report_label
from bot.core.model import Milestone, Proposal, Status
from bot.i18n.catalogue import t
from bot.i18n.formatting import format_day, format_days, format_when
from bot.record.public import Snapshot, reasoned_response, response_text, updated_at

FORMATS = ("markdown", "csv", "json")
JSON_FORMAT = "ogpbot-record"
JSON_VERSION = 1

# -- Markdown --------------------------------------------------------------------------------

# Characters that mean something to Markdown (CommonMark, GFM tables) inside a line.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#!&~])")
_MD_LIST_START = re.compile(r"^(\d+)([.)])")


def md_line(text: str) -> str:
    """One line of user text that Markdown shows exactly as typed: no markup, no raw HTML,
    no list, heading or code block it could start."""
    line = _MD_SPECIAL.sub(r"\\\1", text.strip())
    if line[:1] in ("-", "+", "="):
        line = "\\" + line
    return _MD_LIST_START.sub(r"\1\\\2", line)


def md_inline(text: str) -> str:
    """User text on one line (a heading, a list item, a table cell)."""
    return md_line(" ".join(text.split()))


def md_block(text: str) -> str:
    """User text as paragraphs: its line breaks kept, each line escaped."""
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "\n\n".join("  \n".join(md_line(line) for line in para.splitlines() if line.strip())
                       for para in paragraphs if para.strip())


def markdown(snap: Snapshot, lang: str) -> str:
    seminar = snap.seminar
    out: list[str] = [
        f"# {md_inline(t(lang, 'export.plan_title', seminar=seminar.title))}", "",
        md_inline(t(lang, "export.generated",
                    when=format_when(snap.now, lang, seminar.timezone, seconds=False,
                                     year=True))), "",
        f"## {t(lang, 'export.commitments')}", "",
    ]
    included = [p for p in snap.proposals if p.status is Status.INCLUDED]
    if not included:
        out += [t(lang, "export.no_commitments"), ""]
    for n, p in enumerate(included, 1):
        out += _commitment(snap, p, n, lang)
    out += [f"## {t(lang, 'export.inputs')}", ""]
    if not snap.proposals:
        out += [t(lang, "record.none"), ""]
    for p in snap.proposals:
        out += _input(snap, p, lang)
    return "\n".join(out).rstrip() + "\n"


def _fact(label: str, value: str) -> str:
    return f"- **{label}:** {md_inline(value)}"


def _facts(*pairs: tuple[str, str]) -> list[str]:
    """The facts that have a value (a commitment imported from an adopted plan has no area,
    values or proposer of the bot's)."""
    return [_fact(label, value) for label, value in pairs if value]


def _section(heading: str, body: list[str]) -> list[str]:
    """A section, or nothing when it would be empty."""
    return [f"#### {heading}", "", *body, ""] if body else []


def _commitment(snap: Snapshot, p: Proposal, n: int, lang: str) -> list[str]:
    period = period_of(p, snap.seminar.plan)
    out = [f"### {n}. {p.ref}: {md_inline(p.title)}", "", *_facts(
        (t(lang, "export.lead_agency"), snap.seminar.org_name(p.ministry)),
        (t(lang, "record.plan_id"), p.plan_id),
        (t(lang, "card.area"), snap.seminar.area_name(p.area) if p.area else ""),
        (t(lang, "export.period"), format_days(*period, lang, year=True) if period else ""),
        (t(lang, "card.completion"), t(lang, f"completion.{p.completion or 'not_started'}")))]
    out += [""]
    for heading, text in ((t(lang, "export.problem"), p.problem),
                          (t(lang, "export.commitment"), p.description)):
        out += _section(heading, [md_block(text)] if text.strip() else [])
    for label, text in ((t(lang, "card.goal"), p.goal), (t(lang, "card.results"), p.results)):
        if text:
            out += [f"**{label}:**", "", md_block(text), ""]
    out += [f"#### {t(lang, 'export.how')}", ""]
    report = (p.report or {}).get("text", "")
    out += [md_block(report) if report else f"_{t(lang, 'export.how_missing')}_", ""]
    out += _section(t(lang, "export.relevance"), [
        f"- **{t(lang, f'value.{v}').capitalize()}:** {t(lang, f'value.{v}.hint')}"
        for v in p.values])
    out += [f"#### {t(lang, 'card.milestones')}", ""]
    if p.milestones:
        today = snap.now.astimezone(snap.seminar.timezone).date()
        out += [f"| # | {t(lang, 'export.milestone_start')} | {t(lang, 'record.milestone_due')} "
                f"| {t(lang, 'record.milestone_text')} | {t(lang, 'export.milestone_state')} |",
                "|---|---|---|---|---|"]
        out += [f"| {n} | {_day(m.start, lang)} | {_day(m.end, lang)} "
                f"| {md_inline(m.text)} | {t(lang, f'milestone.{state_of(m, today)}')}"
                f"{_done(m, lang, snap.seminar.timezone)} |"
                for n, m in enumerate(p.milestones, 1)]
    else:
        out.append(t(lang, "record.no_milestones"))
    if p.progress:
        out += ["", f"#### {t(lang, 'record.progress_reports')}", ""]
        out += [f"- {_day(r.at.astimezone(snap.seminar.timezone).date(), lang)}: "
                f"**{t(lang, f'completion.{r.level}')}** – "
                f"{md_inline(r.text)}" for r in p.progress]
    actors = [] if is_imported(p) else [
        f"- {md_inline(t(lang, 'export.proposed_by', org=p.organization))}"]
    actors += [f"- {md_inline(t(lang, 'export.joined', org=a.name))}" for a in p.actors]
    return [*out, "", *_section(t(lang, "export.actors"), actors)]


def _day(day: date | None, lang: str) -> str:
    """A day in the export: in words, with its year (a document outlives its year)."""
    return format_day(day, lang, year=True) if day else ""


def _done(m: Milestone, lang: str, tz: ZoneInfo) -> str:
    """When a milestone was done and what was said of it, after its state."""
    if m.done is None:
        return ""
    text = _day(m.done.at.astimezone(tz).date(), lang)
    return " " + md_inline(f"{text} – {m.done.text}" if m.done.text else text)


def _input(snap: Snapshot, p: Proposal, lang: str) -> list[str]:
    response, _ = response_text(p, lang)
    out = [f"### {p.ref}: {md_inline(p.title)}", "", *_facts(
        (t(lang, "card.status"), t(lang, f"status.{p.status.value}")),
        (t(lang, "record.col_organization"), "" if is_imported(p) else p.organization),
        (t(lang, "card.actors"), ", ".join(a.name for a in p.actors)),
        (t(lang, "card.ministry"), snap.seminar.org_name(p.ministry)),
        (t(lang, "record.plan_id"), p.plan_id),
        (t(lang, "card.area"), snap.seminar.area_name(p.area) if p.area else ""),
        (t(lang, "card.values"), ", ".join(t(lang, f"value.{v}") for v in p.values)),
        (t(lang, "card.version"), str(p.version)))]
    if p.report:
        out.append(_fact(t(lang, "card.report"),
                         f"{report_label(p.report, lang)} – "
                         f"{p.report.get('text', '')}"))
    out += [_fact(t(lang, "card.decision"), response), ""]
    return out


# -- CSV -------------------------------------------------------------------------------------

CSV_COLUMNS = (
    "number", "ref", "title", "status", "status_label", "organization", "proposer_name",
    "ministry", "ministry_name", "area", "area_name", "values", "problem", "description",
    "goal", "results", "version", "actors", "milestones", "milestones_done", "completion",
    "notes", "outcome", "report_result", "report_text", "decision", "reasoned_response",
    "created_at", "updated_at", "history",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: str) -> str:
    """A spreadsheet must not run user text as a formula: such a cell starts with a '."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def csv_text(snap: Snapshot, lang: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for p in snap.proposals:
        report = p.report or {}
        row = {
            "number": str(p.number), "ref": p.ref, "title": p.title, "status": p.status.value,
            "status_label": t(lang, f"status.{p.status.value}"),
            "organization": p.organization, "proposer_name": p.proposer_name,
            "ministry": p.ministry, "ministry_name": snap.seminar.org_name(p.ministry),
            "area": p.area, "area_name": snap.seminar.area_name(p.area),
            "values": ",".join(p.values),
            "problem": p.problem, "description": p.description,
            "goal": p.goal, "results": p.results, "version": str(p.version),
            "actors": "\n".join(a.name for a in p.actors),
            "milestones": "\n".join(
                f"{m.start.isoformat() + ' ' if m.start else ''}{m.end.isoformat()} {m.text}"
                + (f" [{m.done.at.date().isoformat()}]" if m.done else "")
                for m in p.milestones),
            "milestones_done": f"{sum(1 for m in p.milestones if m.done)}/{len(p.milestones)}",
            "completion": p.completion or "",
            "notes": "\n".join(f"{n.at.isoformat()} {n.by_name}: {n.text}" for n in p.notes),
            "outcome": p.outcome or "", "report_result": report.get("result", ""),
            "report_text": report.get("text", ""),
            "decision": (p.decision or {}).get("result", ""),
            "reasoned_response": reasoned_response(p, lang),
            "created_at": p.created_at.isoformat(), "updated_at": updated_at(p).isoformat(),
            "history": "\n".join(
                f"{h.at.isoformat()} {h.actor_name}: "
                f"{history_text(h, lang, snap.seminar.timezone, year=True)}"
                for h in p.history),
        }
        writer.writerow([csv_cell(row[c]) for c in CSV_COLUMNS])
    return buffer.getvalue()


# -- JSON ------------------------------------------------------------------------------------


def json_doc(snap: Snapshot, meetings: list[dict[str, Any]]) -> dict[str, Any]:
    """Every stored field of every proposal (`Proposal.from_dict` reads each one back), with
    the names of its ministry and area beside it, and the bilateral meetings."""
    seminar = snap.seminar
    return {
        "format": JSON_FORMAT, "version": JSON_VERSION,
        "exported_at": snap.now.isoformat(),
        "seminar": {"title": seminar.title, "date": seminar.date.isoformat(),
                    "language": seminar.language, "timezone": str(seminar.timezone)},
        "proposals": [{**p.to_dict(), "ref": p.ref,
                       "ministry_name": seminar.org_name(p.ministry),
                       "area_name": seminar.area_name(p.area)} for p in snap.proposals],
        "meetings": meetings,
    }


def json_text(snap: Snapshot, meetings: list[dict[str, Any]]) -> str:
    return json.dumps(json_doc(snap, meetings), ensure_ascii=False, indent=2) + "\n"


def render(snap: Snapshot, fmt: str, lang: str, meetings: list[dict[str, Any]]) -> str:
    """The export in `fmt` (one of `FORMATS`); labels in `lang`."""
    if fmt == "csv":
        return csv_text(snap, lang)
    if fmt == "json":
        return json_text(snap, meetings)
    return markdown(snap, lang)
