"""`ogpbot export --self-assessment`: for each commitment of the plan its completion on OGP's
scale, its milestones met, missed and still ahead with their dates, and its progress reports
in order, under a summary of how many commitments stand at each level; as Markdown, a Word
document and JSON, in the seminar's language."""

from __future__ import annotations

import json
from pathlib import Path

import docx
import pytest
from markdown_it import MarkdownIt

from adapters import cli
from adapters.documents.word import docx_bytes
from bot.record.export import markdown_of
from bot.record.public import snapshot
from bot.record.self_assessment import assessment_json, assessment_outline, self_assessment
from tests.record.plan_world import PROGRESS_TEXT, make_plan_runtime
from tests.record.world import served_file


@pytest.fixture
def runtime():
    made = make_plan_runtime()
    yield made
    made.close()


def report_of(runtime, lang: str = "nb"):
    snap = snapshot(runtime.seminar, runtime.bot.records, runtime.clock.now())
    return self_assessment(snap, lang)


def test_each_commitment_with_its_milestones_met_missed_and_ahead(runtime) -> None:
    doc = assessment_json(report_of(runtime, "en"))
    assert doc["format"] == "ogpbot-self-assessment" and doc["language"] == "en"
    assert doc["summary"] == {
        "commitments": 2,
        "completion": {"not_started": 1, "limited": 1, "substantial": 0, "complete": 0},
        "milestones": {"met": 1, "missed": 1, "ahead": 1}}
    p7, p10 = doc["commitments"]
    assert (p7["ref"], p7["completion"], p10["ref"], p10["completion"]) == (
        "P-7", "not_started", "P-10", "limited")
    (met,) = p7["milestones"]["met"]
    assert (met["text"], met["end"], met["late"], met["note"]) == (
        "Pilot i ti kommuner", "2027-06-30", False, "Ferdig i juni")
    assert met["met_on"] == runtime.bot.records.proposal(7).milestones[0].done.at.date().isoformat()
    assert [(m["number"], m["text"], m["end"], m["met_on"]) for m in p10["milestones"]["missed"]
            ] == [(1, "Utredning", "2026-11-25", None)]
    assert [m["text"] for m in p10["milestones"]["ahead"]] == ["Alle departementer"]
    assert [(r["completion"], r["completion_label"], r["text"]) for r in p10["progress"]] == [
        ("limited", "limited", PROGRESS_TEXT)]
    assert p10["ministry_name"] == "Justis- og beredskapsdepartementet"


def test_the_report_as_markdown_in_the_seminars_language(runtime) -> None:
    text = markdown_of(assessment_outline(report_of(runtime)))
    assert text.startswith("# Egenvurdering av handlingsplanen – Seminar om")
    assert "## Sammendrag" in text
    for row in ("| ikke startet | 1 |", "| begrenset | 1 |", "| betydelig | 0 |",
                "| fullført | 0 |", "| I alt | 2 |"):
        assert row in text
    assert "Milepæler nådd: 1 av 3. Ikke nådd innen fristen: 1. Gjenstår: 1." in text
    p10 = text[text.index("### 2. P-10: Åpne møtekalendere"):]
    missed = p10[p10.index("#### Milepæler som ikke ble nådd innen fristen"):]
    assert missed.split("####")[1].count("| 1 | Utredning | 25. november 2026 |") == 1
    assert "**begrenset** – Piloten går" in p10
    # what the ministry typed stays text
    rendered = MarkdownIt("commonmark").enable("table").render(text)
    assert "<b>nå</b>" not in rendered and "&lt;b&gt;nå&lt;/b&gt;" in rendered


def test_the_report_as_a_word_document(runtime, tmp_path: Path) -> None:
    path = tmp_path / "egenvurdering.docx"
    path.write_bytes(docx_bytes(assessment_outline(report_of(runtime, "nn"))))
    document = docx.Document(str(path))
    found = [(p.style.name, p.text) for p in document.paragraphs
             if p.style.name == "Title" or p.style.name.startswith("Heading")]
    assert found[0][0] == "Title" and found[0][1].startswith("Eigenvurdering av handlingsplanen")
    assert [text for name, text in found if name == "Heading 1"] == ["Samandrag",
                                                                     "Forpliktingar"]
    assert [text for name, text in found if name == "Heading 2"] == [
        "1. P-7: Offentlig journal i kommunene",
        "2. P-10: Åpne møtekalendere"]
    summary = [[c.text for c in row.cells] for row in document.tables[0].rows]
    assert summary[0] == ["Gjennomføring", "Forpliktingar"]
    assert ["avgrensa", "1"] in summary and summary[-1] == ["I alt", "2"]
    reports = [p.text for p in document.paragraphs if p.style.name == "List Bullet"
               and p.text.startswith("21. november")]
    assert reports == [f"21. november 2026: avgrensa – {PROGRESS_TEXT}"]


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The plan under way in a store file, still open for writing as under `serve`."""
    yield from served_file(tmp_path, monkeypatch, make_plan_runtime)


def test_ogpbot_export_self_assessment(served, tmp_path: Path, capsys) -> None:
    assert cli.main(["export", "--self-assessment"]) == 0
    markdown = capsys.readouterr().out
    assert markdown.startswith("# Egenvurdering av handlingsplanen")
    assert "| I alt | 2 |" in markdown
    out = tmp_path / "assessment.json"
    assert cli.main(["export", "--self-assessment", "--format", "json", "--out", str(out)]) == 0
    assert "Skrev egenvurderingen av 2 forpliktelser til" in capsys.readouterr().err
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["summary"]["completion"]["limited"] == 1 and doc["language"] == "nb"
    word = tmp_path / "assessment.docx"
    assert cli.main(["export", "--self-assessment", "--format", "docx", "--out", str(word),
                     "--lang", "en"]) == 0
    assert docx.Document(str(word)).paragraphs[0].text.startswith(
        "Self-assessment of the action plan")
    assert cli.main(["export", "--self-assessment", "--format", "csv"]) == 2
    assert "markdown, docx or json" in capsys.readouterr().err
