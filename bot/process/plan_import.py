"""`ogpbot import-plan FILE`: the commitments of a plan adopted before or outside the bot, from
CSV, become included commitments to track, so a ministry can follow its current plan in chat
from the first day.

The file is UTF-8 with a header row: `id` (the plan's own id), `title`, `ministry` (a key or
the name of a ministry in the seminar file), `start` and `end` (YYYY-MM-DD), and optionally
`description` and `milestones` (one per line: `START END TEXT`). Every row is checked first;
one bad row names its line and what is wrong, and nothing is imported.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, replace
from datetime import date, datetime

from bot.core.commitment import IMPORTER
from bot.core.model import Choice, Decision, HistoryEntry, Milestone, Proposal, Status
from bot.core.notice import Scheduler
from bot.core.records import Records
from bot.core.seminar import Seminar
from bot.process.plan import schedule_commitment

REQUIRED = ("id", "title", "ministry", "start", "end")
OPTIONAL = ("description", "milestones")
MAX_TITLE, MAX_TEXT = 200, 3000
_MILESTONE = re.compile(r"^(\d{4}-\d{2}-\d{2})\s+(\d{4}-\d{2}-\d{2})\s+(.+)$")


class PlanFileError(Exception):
    """The file cannot be imported; `problems` names each bad line and what is wrong."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Row:
    plan_id: str
    title: str
    ministry: str  # a seminar organisation key
    start: date
    end: date
    description: str
    milestones: tuple[Milestone, ...]


def _day(text: str) -> date | None:
    if not re.match(r"^\d{4}-\d{2}-\d{2}$", text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def parse_plan(data: bytes, seminar: Seminar, source: str = "plan") -> list[Row]:
    """Check every row of the CSV; raise `PlanFileError` listing each problem."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PlanFileError([f"{source}: is not UTF-8 text"]) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [name for name in REQUIRED if name not in header]
    unknown = [name for name in header if name not in (*REQUIRED, *OPTIONAL)]
    if missing or unknown:
        raise PlanFileError(
            ([f"{source}: line 1: the header lacks: {', '.join(missing)}"] if missing else [])
            + ([f"{source}: line 1: unknown columns: {', '.join(unknown)}"] if unknown else []))
    ministries = {o.key: o.key for o in seminar.ministries}
    ministries.update({o.name.casefold(): o.key for o in seminar.ministries})
    problems: list[str] = []
    rows: list[Row] = []
    seen: set[str] = set()
    for raw in reader:
        line = reader.line_num
        where = f"{source}: line {line}"
        cells = {(k or "").strip(): (v or "").strip() for k, v in raw.items()
                 if isinstance(v, str) or v is None}
        if None in raw:
            problems.append(f"{where}: more cells than columns")
            continue
        plan_id, title = cells.get("id", ""), cells.get("title", "")
        if not plan_id:
            problems.append(f"{where}: id is empty")
        elif plan_id in seen:
            problems.append(f"{where}: id {plan_id!r} is used twice")
        seen.add(plan_id)
        if not title or len(title) > MAX_TITLE:
            problems.append(f"{where}: title must be 1 to {MAX_TITLE} characters")
        ministry = ministries.get(cells.get("ministry", "").casefold()) or ministries.get(
            cells.get("ministry", ""))
        if ministry is None:
            problems.append(f"{where}: ministry {cells.get('ministry', '')!r} is not a key or "
                            "name of a ministry in the seminar file")
        start, end = _day(cells.get("start", "")), _day(cells.get("end", ""))
        if start is None or end is None:
            problems.append(f"{where}: start and end must be dates in YYYY-MM-DD form")
        elif end < start:
            problems.append(f"{where}: end comes before start")
        description = cells.get("description", "")
        if len(description) > MAX_TEXT:
            problems.append(f"{where}: description is longer than {MAX_TEXT} characters")
        milestones: list[Milestone] = []
        for k, text_line in enumerate(
                (m for m in cells.get("milestones", "").splitlines() if m.strip()), 1):
            m = _MILESTONE.match(text_line.strip())
            m_start, m_end = (_day(m.group(1)), _day(m.group(2))) if m else (None, None)
            if m is None or m_start is None or m_end is None or m_end < m_start:
                problems.append(f"{where}: milestone {k} must be \"START END TEXT\" with dates "
                                "in YYYY-MM-DD form, the end not before the start")
                continue
            milestones.append(Milestone(m_start, m_end, m.group(3).strip()[:MAX_TEXT]))
        if not problems and ministry and start and end:
            rows.append(Row(plan_id, title, ministry, start, end, description,
                            tuple(milestones)))
    if problems:
        raise PlanFileError(problems)
    if not rows:
        raise PlanFileError([f"{source}: has no commitments under its header"])
    return rows


def import_plan(records: Records, outbox: Scheduler, seminar: Seminar, rows: list[Row],
                now: datetime) -> list[Proposal]:
    """Store each row as an included commitment, with its reminders; all in one transaction.
    A row whose plan id was imported before is refused (the file was imported already)."""

    def store_rows() -> list[Proposal]:
        known = {p.plan_id for p in records.proposals() if p.plan_id}
        again = [row.plan_id for row in rows if row.plan_id in known]
        if again:
            raise PlanFileError([f"already imported: {', '.join(again)}"])
        made = []
        for row in rows:
            name = seminar.org_name(row.ministry)
            entry = HistoryEntry(now, IMPORTER, name, "imported", Status.INCLUDED, row.plan_id)
            # the adopted plan's text (its milestones too) is in the seminar's language
            milestones = tuple(replace(m, language=seminar.language) for m in row.milestones)
            proposal = Proposal(
                number=records.next_number(), title=row.title, problem="",
                description=row.description, values=(), area="", ministry=row.ministry,
                proposer="", proposer_name=name, organization=name,
                organization_key=row.ministry, status=Status.INCLUDED, created_at=now,
                milestones=milestones, history=(entry,),
                decision=Decision(Choice.INCLUDE),  # its plan stands for the reason
                plan_id=row.plan_id, period=(row.start, row.end))
            proposal = Proposal.from_dict(proposal.to_dict())  # version 1 from its text
            proposal = replace(proposal, versions=tuple(
                replace(v, language=seminar.language) for v in proposal.versions))
            records.save_proposal(proposal)
            schedule_commitment(records, outbox, seminar, proposal, now)
            made.append(proposal)
        return made

    return records.atomically(store_rows)
