"""`ogpbot export`: each format parsed back (csv module, json, Markdown headings and a
CommonMark renderer), run against a TinyDB store that a running bot still holds open."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from markdown_it import MarkdownIt

from adapters import cli
from bot.core.model import Proposal, Status
from bot.record.export import csv_cell, md_block, md_inline
from tests.record.world import (
    HOSTILE_ORG,
    HOSTILE_REASON,
    HOSTILE_TITLE,
    INCLUDE_REASON,
    SEMINAR_FILE,
    served_file,
)


@pytest.fixture
def served(tmp_path, monkeypatch):
    """A store file with proposals in every state, still open for writing as under `serve`."""
    yield from served_file(tmp_path, monkeypatch)


def export(tmp_path, *args: str) -> str:
    out = tmp_path / "export.out"
    assert cli.main(["export", *args, "--out", str(out)]) == 0
    return out.read_text(encoding="utf-8")


def test_csv_one_row_per_proposal(served, tmp_path):
    text = export(tmp_path, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [r["ref"] for r in rows] == [f"P-{n}" for n in range(1, 10)]
    assert [r["status"] for r in rows] == [s.value for s in Status]
    p1, p7, p8 = rows[0], rows[6], rows[7]
    assert p1["title"] == HOSTILE_TITLE and p1["organization"] == HOSTILE_ORG
    assert p1["milestones"] == "2027-03-01 Første <utkast> & høring\n2027-12-31 =SUM(A1) ferdig"
    assert p1["description"] == "Linje én\n# ikke en overskrift\n| ikke | en tabell |"
    assert p7["reasoned_response"] == INCLUDE_REASON and p7["decision"] == "include"
    assert p8["reasoned_response"] == HOSTILE_REASON
    assert p8["report_result"] == "declined" and p8["ministry_name"] == "Finansdepartementet"
    assert p8["status_label"] == "ikke tatt med"  # the seminar's language by default


def test_a_spreadsheet_never_runs_user_text_as_a_formula():
    assert [csv_cell(v) for v in ("=SUM(A1)", "+1", "-x", "@cmd", "ok =1", "")] == [
        "'=SUM(A1)", "'+1", "'-x", "'@cmd", "ok =1", ""]


def test_json_is_lossless(served, tmp_path):
    doc = json.loads(export(tmp_path, "--format", "json"))
    assert doc["format"] == "ogpbot-record" and doc["version"] == 1
    stored = served.bot.records.proposals()
    assert [Proposal.from_dict(p) for p in doc["proposals"]] == stored
    assert doc["proposals"][7]["decision"] == {"result": "exclude", "reason": HOSTILE_REASON}
    assert doc["proposals"][4]["ministry_name"] == "Justis- og beredskapsdepartementet"
    assert [m["proposal"] for m in doc["meetings"]] == [5]


def test_json_to_stdout(served, capsys):
    assert cli.main(["export", "--format", "json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["proposals"]) == 9


def headings(text: str) -> list[str]:
    return [line for line in text.splitlines() if re.match(r"^#{1,6} ", line)]


def test_markdown_is_the_action_plan_draft_then_the_record(served, tmp_path):
    text = export(tmp_path, "--format", "markdown", "--lang", "en")
    found = headings(text)
    assert found[0].startswith("# Draft action plan – ")
    assert [h for h in found if h.startswith("## ")] == [
        "## Introduction", "## Commitments", "## The record of inputs and reasoned responses"]
    # one section per included commitment, laid out like OGP's commitment template
    plan = text.split("## The record of inputs")[0]
    assert [h for h in headings(plan) if h.startswith("### ")] == [
        "### 1. P-7: Offentlig journal i kommunene"]
    assert [h for h in headings(plan) if h.startswith("#### ")] == [
        "#### The public problem it addresses", "#### The commitment and its expected results",
        "#### How it helps solve the problem", "#### Relevance to OGP values",
        "#### Milestones", "#### Other actors involved"]
    assert "- **Lead implementing agency:** Justis- og beredskapsdepartementet" in plan
    assert "Alle kommuner publiserer journal innen 2028." in plan  # the ministry's report
    assert "- **Transparency:** more, better or easier-to-reach information" in plan
    assert "- Proposed by Transparency International Norge" in plan
    # then every input with its reasoned response
    record = text.split("## The record of inputs")[1]
    assert len([h for h in headings(record) if h.startswith("### P-")]) == 9
    assert f"- **Reasoned response:** {INCLUDE_REASON}" in record
    assert "- **Reasoned response:** Withdrawn before a decision." in record


def test_markdown_renders_hostile_text_as_text(served, tmp_path):
    text = export(tmp_path, "--format", "markdown")
    rendered = MarkdownIt("commonmark").enable("table").render(text)
    assert "<script" not in rendered and "<b>" not in rendered
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;!channel&gt;" in rendered
    assert "&lt;b&gt;Nei&lt;/b&gt;" in rendered
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    assert sum(t.type == "heading_open" for t in tokens) == len(headings(text))


def test_user_text_cannot_make_markdown_structure():
    text = "Linje\n# overskrift\n- punkt\n1. nummer\n    kode\n=====\n| a | b |\n<div>x</div>"
    tokens = MarkdownIt("commonmark").enable("table").parse(md_block(text))
    kinds = {t.type for t in tokens}
    assert kinds == {"paragraph_open", "inline", "paragraph_close"}
    inline = "".join(t.content for t in tokens if t.type == "inline")
    rendered = MarkdownIt("commonmark").renderInline(inline)
    assert "<div>" not in rendered and "&lt;div&gt;x&lt;/div&gt;" in rendered
    assert md_inline("a\n# b") == "a \\# b"


def test_export_without_a_store_says_why(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("OGPBOT_DB", str(tmp_path / "missing.json"))
    monkeypatch.setenv("OGPBOT_SEMINAR", SEMINAR_FILE)
    assert cli.main(["export", "--format", "csv"]) == 1
    assert "missing.json: no such store file" in capsys.readouterr().err
    assert not (tmp_path / "missing.json").exists()


def test_export_to_an_unwritable_place_says_why(served, tmp_path, capsys):
    out = tmp_path / "no" / "such" / "folder.md"
    assert cli.main(["export", "--out", str(out)]) == 1
    assert "cannot be written" in capsys.readouterr().err


def test_the_export_in_nynorsk_with_every_date_and_its_year(served, tmp_path):
    text = export(tmp_path, "--format", "markdown", "--lang", "nn")
    assert headings(text)[0].startswith("# Utkast til handlingsplan – ")
    assert "## Forpliktingar" in headings(text)
    assert "- **Grunngitt svar:** Trekt før avgjerda." in text
    assert re.search(r"Laga av ogpbot \w+dag \d+\. \w+ 20\d\d kl\. \d\d:\d\d", text), text[:300]
    rows = list(csv.DictReader(io.StringIO(export(tmp_path, "--format", "csv", "--lang", "nn"),
                                           newline="")))
    assert rows[7]["status_label"] == "ikkje teke med"
    # the meeting in P-5's history, with its year (always, in the export)
    assert "avtalte bilateralt møte torsdag 10. desember 2026 kl. 14:00" in rows[4]["history"]
