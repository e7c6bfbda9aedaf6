"""The export of a plan under way: the Markdown plan in OGP's template with each commitment's
period, completion, milestones (with their state) and progress reports; the CSV with the
completion and milestone columns."""

from __future__ import annotations

import csv
import io

from bot.record.export import render
from bot.record.public import snapshot
from tests.record.plan_world import make_full_runtime, make_plan_runtime


def test_the_export_carries_completion_and_milestones() -> None:
    runtime = make_plan_runtime()
    snap = snapshot(runtime.seminar, runtime.bot.records, runtime.clock.now())
    markdown = render(snap, "markdown", "en", [])
    section = markdown[markdown.index("P-10: Åpne møtekalendere"):]
    assert "- **Completion:** limited" in section
    assert "- **Period:** 1 January 2027 – 31 December 2028" in section
    assert "|  | 25 November 2026 | Utredning | overdue |" in section
    assert "**limited** – Piloten går" in section
    rows = {r["ref"]: r for r in csv.DictReader(io.StringIO(render(snap, "csv", "en", [])))}
    assert rows["P-10"]["completion"] == "limited"
    assert rows["P-10"]["milestones_done"] == "0/2"
    assert rows["P-10"]["milestones"] == "2026-11-25 Utredning\n2027-06-30 Alle departementer"
    assert rows["P-7"]["completion"] == "not_started"
    assert rows["P-1"]["completion"] == ""  # not in the plan


def test_an_imported_commitment_in_the_export_has_no_empty_section() -> None:
    runtime = make_full_runtime()
    snap = snapshot(runtime.seminar, runtime.bot.records, runtime.clock.now())
    for lang in ("nb", "nn", "en"):
        markdown = render(snap, "markdown", lang, [])
        # the introduction, the commitments, then the record of inputs
        plan = markdown.split("\n## ")[2]
        section = plan[plan.index("P-11: Åpenhet om lobbyvirksomhet"):]
        section = section[:section.index("\n### ")] if "\n### " in section else section
        lines = section.splitlines()
        headings = [i for i, line in enumerate(lines) if line.startswith("#### ")]
        for i in headings:  # each heading has something under it before the next
            body = lines[i + 1:next((j for j in headings if j > i), len(lines))]
            assert any(line.strip() for line in body), (lang, lines[i])
        assert not [line for line in lines if line.startswith("- **") and
                    line.endswith(":**")]  # no fact without its value
        assert "NO4-1" in section and "ogpbot" not in section
        inputs = markdown.split("\n## ")[3]
        record = inputs[inputs.index("### P-11"):inputs.index("### P-12")]
        assert "ogpbot" not in record
        assert not [line for line in record.splitlines() if line.endswith(":** ")]
