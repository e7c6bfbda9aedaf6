"""`ogpbot export`: the action-plan draft in Markdown (one section per included commitment, laid
out like OGP's commitment template, then the record of inputs with every reasoned response),
CSV (one row per proposal, for a spreadsheet) and JSON (lossless: every stored field)."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

from bot.core.commitment import period_of
from bot.core.history import history_text, report_label
from bot.core.model import Milestone, Proposal, Status
from bot.i18n.catalogue import t
from bot.i18n.formatting import format_when
from bot.record.plan_view import state_of
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


def _commitment(snap: Snapshot, p: Proposal, n: int, lang: str) -> list[str]:
    out = [f"### {n}. {p.ref}: {md_inline(p.title)}", "",
           _fact(t(lang, "export.lead_agency"), snap.seminar.org_name(p.ministry)),
           _fact(t(lang, "card.area"), snap.seminar.area_name(p.area))]
    period = period_of(p, snap.seminar.plan)
    if period:
        out.append(_fact(t(lang, "export.period"),
                         f"{period[0].isoformat()} – {period[1].isoformat()}"))
    out.append(_fact(t(lang, "card.completion"),
                     t(lang, f"completion.{p.completion or 'not_started'}")))
    out += ["", f"#### {t(lang, 'export.problem')}", "", md_block(p.problem), "",
            f"#### {t(lang, 'export.commitment')}", "", md_block(p.description), ""]
    for label, text in ((t(lang, "card.goal"), p.goal), (t(lang, "card.results"), p.results)):
        if text:
            out += [f"**{label}:**", "", md_block(text), ""]
    out += [f"#### {t(lang, 'export.how')}", ""]
    report = (p.report or {}).get("text", "")
    out += [md_block(report) if report else f"_{t(lang, 'export.how_missing')}_", ""]
    out += [f"#### {t(lang, 'export.relevance')}", ""]
    out += [f"- **{t(lang, f'value.{v}').capitalize()}:** {t(lang, f'value.{v}.hint')}"
            for v in p.values]
    out += ["", f"#### {t(lang, 'card.milestones')}", ""]
    if p.milestones:
        today = snap.now.astimezone(snap.seminar.timezone).date()
        out += [f"| # | {t(lang, 'export.milestone_start')} | {t(lang, 'record.milestone_due')} "
                f"| {t(lang, 'record.milestone_text')} | {t(lang, 'export.milestone_state')} |",
                "|---|---|---|---|---|"]
        out += [f"| {n} | {m.start.isoformat() if m.start else ''} | {m.end.isoformat()} "
                f"| {md_inline(m.text)} | {t(lang, f'milestone.{state_of(m, today)}')}"
                f"{_done(m)} |"
                for n, m in enumerate(p.milestones, 1)]
    else:
        out.append(t(lang, "record.no_milestones"))
    if p.progress:
        out += ["", f"#### {t(lang, 'record.progress_reports')}", ""]
        out += [f"- {r.at.date().isoformat()}: **{t(lang, f'completion.{r.level}')}** – "
                f"{md_inline(r.text)}" for r in p.progress]
    out += ["", f"#### {t(lang, 'export.actors')}", "",
            f"- {md_inline(t(lang, 'export.proposed_by', org=p.organization))}"]
    out += [f"- {md_inline(t(lang, 'export.joined', org=a.name))}" for a in p.actors]
    return [*out, ""]


def _done(m: Milestone) -> str:
    """When a milestone was done and what was said of it, after its state."""
    if m.done is None:
        return ""
    text = m.done.at.date().isoformat()
    return " " + md_inline(f"{text} – {m.done.text}" if m.done.text else text)


def _input(snap: Snapshot, p: Proposal, lang: str) -> list[str]:
    response, _ = response_text(p, lang)
    out = [f"### {p.ref}: {md_inline(p.title)}", "",
           _fact(t(lang, "card.status"), t(lang, f"status.{p.status.value}")),
           _fact(t(lang, "record.col_organization"), p.organization),
           *((_fact(t(lang, "card.actors"), ", ".join(a.name for a in p.actors)),)
             if p.actors else ()),
           _fact(t(lang, "card.ministry"), snap.seminar.org_name(p.ministry)),
           _fact(t(lang, "card.area"), snap.seminar.area_name(p.area)),
           _fact(t(lang, "card.values"), ", ".join(t(lang, f"value.{v}") for v in p.values)),
           _fact(t(lang, "card.version"), str(p.version))]
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
            "reasoned_response": reasoned_response(p),
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
