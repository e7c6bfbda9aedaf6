"""`ogpbot export`: the action-plan draft in Markdown (one section per included commitment, laid
out like OGP's commitment template, then the record of inputs with every reasoned response:
`bot.record.plan_document`, drawn here as Markdown), CSV (one row per proposal, for a
spreadsheet) and JSON (lossless: every stored field). The Word document is drawn from the same
outline by `adapters/documents/`."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

from bot.core.history import history_text
from bot.i18n.catalogue import t
from bot.record.outline import Heading, Outline, Paragraph, Table, one_line
from bot.record.plan_document import plan_outline
from bot.record.public import Snapshot, reasoned_response, updated_at

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
    return _md_start(md_text(text.strip()))


def md_inline(text: str) -> str:
    """User text on one line (a heading, a list item, a table cell)."""
    return md_line(" ".join(text.split()))


def md_block(text: str) -> str:
    """User text as paragraphs: its line breaks kept, each line escaped."""
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "\n\n".join("  \n".join(md_line(line) for line in para.splitlines() if line.strip())
                       for para in paragraphs if para.strip())


def markdown(snap: Snapshot, lang: str) -> str:
    """The action-plan draft and the record (`plan_outline`) as Markdown."""
    return markdown_of(plan_outline(snap, lang))


def markdown_of(outline: Outline) -> str:
    """A document as Markdown (CommonMark with GFM tables): every piece of text escaped, so
    nothing typed into the bot becomes markup; consecutive bullets make one list."""
    chunks: list[tuple[bool, str]] = []  # (is a bullet, its Markdown)
    for block in outline.blocks:
        if isinstance(block, Heading):
            chunks.append((False, f"{'#' * block.level} {md_text(one_line(block.text))}"))
        elif isinstance(block, Table):
            rows = [block.header, *block.rows]
            lines = [_md_row(row) for row in rows]
            lines.insert(1, "|" + "---|" * len(block.header))
            chunks.append((False, "\n".join(lines)))
        else:
            chunks.append((block.bullet, _md_paragraph(block)))
    out = ""
    for i, (is_bullet, chunk) in enumerate(chunks):
        if i:
            out += "\n" if is_bullet and chunks[i - 1][0] else "\n\n"
        out += chunk
    return out + "\n"


def md_text(text: str) -> str:
    """Text inside a line (a heading's, after a line's start): its special characters
    escaped."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def _md_row(cells: tuple[str, ...]) -> str:
    """A table row: inside it nothing starts a line, so only the special characters (`|`
    among them) are escaped."""
    return "| " + " | ".join(md_text(one_line(cell)) for cell in cells) + " |"


def _md_paragraph(paragraph: Paragraph) -> str:
    out: list[str] = []
    at_start = True
    for run in paragraph.runs:
        for i, piece in enumerate(run.text.split("\n")):
            if i:
                out.append("  \n")
                at_start = True
            body = md_text(piece)
            core = body.strip()
            if core and (run.bold or run.italic):
                mark = ("**" if run.bold else "") + ("_" if run.italic else "")
                lead, trail = body[:len(body) - len(body.lstrip())], body[len(body.rstrip()):]
                body = f"{lead}{mark}{core}{mark[::-1]}{trail}"
            elif at_start:
                body = _md_start(body)
            if body.strip():
                at_start = False
            out.append(body)
    return ("- " if paragraph.bullet else "") + "".join(out)


def _md_start(line: str) -> str:
    """A line's start that Markdown would read as a list item or an underline, escaped."""
    if line[:1] in ("-", "+", "="):
        line = "\\" + line
    return _MD_LIST_START.sub(r"\1\\\2", line)


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
            "outcome": p.outcome or "",
            "report_result": p.report.result if p.report else "",
            "report_text": p.report.text if p.report else "",
            "decision": p.decision.result if p.decision else "",
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
