"""An `Outline` drawn as a Word document (.docx) with python-docx: its title in Word's `Title`
style, each heading in `Heading 1`-`Heading 3` (so Word's navigation pane and a screen reader
find them), bullets in `List Bullet`, tables in `Table Grid` with a header row that repeats on
each page, and the document's language set for spelling and speech.

Text is written as text: Word shows it as typed. Characters that XML cannot hold (control
characters someone pasted) are dropped."""

from __future__ import annotations

import io
import re

from docx import Document
from docx.document import Document as WordDocument
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from bot.record.outline import Heading, Outline, Paragraph, Table

# Word's language tags for ours.
LANGUAGE_TAGS = {"nb": "nb-NO", "nn": "nn-NO", "en": "en-GB"}
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")


def clean(text: str) -> str:
    """Text that XML can hold."""
    return _NOT_XML.sub("", text)


def docx_bytes(outline: Outline) -> bytes:
    """The document as the bytes of a .docx file."""
    doc = Document()
    _describe(doc, outline)
    for block in outline.blocks:
        if isinstance(block, Heading):
            doc.add_heading(clean(block.text), level=block.level - 1)
        elif isinstance(block, Table):
            _table(doc, block)
        else:
            _paragraph(doc, block)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _describe(doc: WordDocument, outline: Outline) -> None:
    props = doc.core_properties
    props.title = clean(outline.title)[:255]
    props.author = "ogpbot"
    props.language = LANGUAGE_TAGS.get(outline.language, outline.language)
    # The language of every paragraph: Normal's, which the other styles are based on.
    run_props = doc.styles["Normal"].element.get_or_add_rPr()
    for old in run_props.findall(qn("w:lang")):
        run_props.remove(old)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), props.language)
    run_props.append(lang)


def _paragraph(doc: WordDocument, block: Paragraph) -> None:
    paragraph = doc.add_paragraph(style="List Bullet" if block.bullet else None)
    for part in block.runs:
        run = paragraph.add_run(clean(part.text))  # a line break in it stays one
        if part.bold:
            run.bold = True
        if part.italic:
            run.italic = True


def _table(doc: WordDocument, block: Table) -> None:
    table = doc.add_table(rows=1, cols=len(block.header))
    table.style = doc.styles["Table Grid"]
    header = table.rows[0]
    repeat = OxmlElement("w:tblHeader")  # the header row repeats on every page
    repeat.set(qn("w:val"), "true")
    header._tr.get_or_add_trPr().append(repeat)
    for cell, label in zip(header.cells, block.header, strict=True):
        run = cell.paragraphs[0].add_run(clean(label))
        run.bold = True
    for row in block.rows:
        for cell, value in zip(table.add_row().cells, row, strict=True):
            cell.paragraphs[0].add_run(clean(value))
