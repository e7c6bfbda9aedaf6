"""The export of a plan under way: the Markdown plan in OGP's template with each commitment's
period, completion, milestones (with their state) and progress reports; the CSV with the
completion and milestone columns."""

from __future__ import annotations

import csv
import io

from bot.record.export import render
from bot.record.public import snapshot
from tests.record.plan_world import make_plan_runtime


def test_the_export_carries_completion_and_milestones() -> None:
    runtime = make_plan_runtime()
    snap = snapshot(runtime.seminar, runtime.bot.records, runtime.clock.now())
    markdown = render(snap, "markdown", "en", [])
    section = markdown[markdown.index("P-10: Åpne møtekalendere"):]
    assert "- **Completion:** limited" in section
    assert "- **Period:** 2027-01-01 – 2028-12-31" in section
    assert "|  | 2026-11-25 | Utredning | overdue |" in section
    assert "**limited** – Piloten går" in section
    rows = {r["ref"]: r for r in csv.DictReader(io.StringIO(render(snap, "csv", "en", [])))}
    assert rows["P-10"]["completion"] == "limited"
    assert rows["P-10"]["milestones_done"] == "0/2"
    assert rows["P-10"]["milestones"] == "2026-11-25 Utredning\n2027-06-30 Alle departementer"
    assert rows["P-7"]["completion"] == "not_started"
    assert rows["P-1"]["completion"] == ""  # not in the plan
