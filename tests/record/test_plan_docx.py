"""`ogpbot export --format docx`: the action plan in OGP's template as a Word document, read
back with python-docx (Word's heading styles, the milestone tables, text shown as typed) and,
where LibreOffice is installed, opened and converted by it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn

from adapters import cli
from tests.record.world import HOSTILE_TITLE, served_file

SEMINAR_TITLE = ("Seminar om utarbeiding av Norges fjerde handlingsplan i Open Government "
                 "Partnership (OGP)")


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A store file with proposals in every state, still open for writing as under `serve`."""
    yield from served_file(tmp_path, monkeypatch)


def export_docx(tmp_path: Path, *args: str) -> Path:
    out = tmp_path / "plan.docx"
    assert cli.main(["export", "--format", "docx", "--out", str(out), *args]) == 0
    return out


def headings(document: docx.document.Document) -> list[tuple[str, str]]:
    return [(p.style.name, p.text) for p in document.paragraphs
            if p.style.name == "Title" or p.style.name.startswith("Heading")]


def under(found: list[tuple[str, str]], title: str, style: str) -> list[str]:
    """The headings of `style` after the heading `title`, up to the next one of its level."""
    start = next(i for i, (_, text) in enumerate(found) if text == title)
    level = found[start][0]
    texts = []
    for name, text in found[start + 1:]:
        if name == level:
            break
        if name == style:
            texts.append(text)
    return texts


def test_the_plan_is_a_word_document_in_ogps_template(served, tmp_path: Path) -> None:
    document = docx.Document(str(export_docx(tmp_path, "--lang", "en")))
    found = headings(document)
    assert found[0] == ("Title", f"Draft action plan – {SEMINAR_TITLE}")
    assert [text for name, text in found if name == "Heading 1"] == [
        "Introduction", "Commitments", "The record of inputs and reasoned responses"]
    # A section per commitment, laid out like OGP's commitment template.
    assert under(found, "Commitments", "Heading 2") == ["1. P-7: Offentlig journal i kommunene"]
    assert under(found, "1. P-7: Offentlig journal i kommunene", "Heading 3") == [
        "The public problem it addresses", "The commitment and its expected results",
        "How it helps solve the problem", "Relevance to OGP values", "Milestones",
        "Other actors involved"]
    body = [p.text for p in document.paragraphs]
    assert "Lead implementing agency: Justis- og beredskapsdepartementet" in body
    assert "Alle kommuner publiserer journal innen 2028." in body  # how it helps: the report
    assert "Goal:" in body and "Alle kommuner har en åpen journal" in body
    assert "The plan runs from 1 January 2027 to 31 December 2028 and holds 1 commitment." \
        in body
    bullets = [p.text for p in document.paragraphs if p.style.name == "List Bullet"]
    assert "Transparency: more, better or easier-to-reach information, or a stronger right to "\
        "information" in bullets
    assert "Joined by Publish What You Pay Norge" in bullets
    # The milestones as a table whose header row repeats on each page.
    (table,) = document.tables
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert rows[0] == ["#", "Start", "End", "Milestone", "State"]
    assert rows[1][:4] == ["1", "1 January 2027", "30 June 2027", "Pilot i ti kommuner"]
    assert rows[1][4].startswith("done ") and rows[1][4].endswith(" – Ferdig i juni")
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert all(run.bold for cell in table.rows[0].cells for run in cell.paragraphs[0].runs)
    # Every input with its reasoned response; what people typed is shown as typed.
    assert len(under(found, "The record of inputs and reasoned responses", "Heading 2")) == 9
    assert ("Heading 2", f"P-1: {HOSTILE_TITLE}") in found
    assert document.core_properties.title == f"Draft action plan – {SEMINAR_TITLE}"
    assert document.core_properties.language == "en-GB"


def test_in_the_seminars_language_by_default_and_in_nynorsk(served, tmp_path: Path) -> None:
    nb = headings(docx.Document(str(export_docx(tmp_path))))
    assert [text for name, text in nb if name == "Heading 1"][:2] == [
        "Innledning", "Forpliktelser"]
    nn = docx.Document(str(export_docx(tmp_path, "--lang", "nn")))
    assert [text for name, text in headings(nn) if name == "Heading 1"][:2] == [
        "Innleiing", "Forpliktingar"]
    assert nn.core_properties.language == "nn-NO"
    assert nn.styles["Normal"].element.rPr.find(qn("w:lang")).get(qn("w:val")) == "nn-NO"


def test_a_word_document_goes_to_a_pipe_but_not_to_a_terminal(
        served, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert cli.main(["export", "--format", "docx"]) == 0
    out = capsysbinary.readouterr().out
    assert out[:2] == b"PK"  # a .docx is a zip file
    assert b"word/document.xml" in out


def test_libreoffice_opens_it(served, tmp_path: Path) -> None:
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        pytest.skip("LibreOffice is not installed here (make test does not install it: the "
                    "package is large); the document is read back with python-docx above")
    path = export_docx(tmp_path, "--lang", "en")
    profile = tmp_path / "office-profile"
    done = subprocess.run(
        [office, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
         "txt:Text (encoded):UTF8", "--outdir", str(tmp_path), str(path)],
        capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "plan.txt").read_text(encoding="utf-8-sig")
    assert "1. P-7: Offentlig journal i kommunene" in text
    assert "Pilot i ti kommuner" in text and "Relevance to OGP values" in text
    assert HOSTILE_TITLE in text
