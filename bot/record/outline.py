"""A document described once, for every format it is drawn in: headings, paragraphs (of runs of
text, some bold or italic; a paragraph may be a bullet) and tables, in the reader's language.

The action plan and the self-assessment are written as an `Outline` here, in the record's data
layer; the Markdown export draws it as text (`bot.record.export`), and the Word document is
drawn by `adapters/documents/`. Text in an outline is plain text: each drawing escapes it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Run:
    """A stretch of text in one style; a line break inside it is kept as a line break."""

    text: str
    bold: bool = False
    italic: bool = False


@dataclass(frozen=True)
class Heading:
    """A heading; level 1 is the document's title, 2 its parts, 3 and 4 within them."""

    level: int
    text: str


@dataclass(frozen=True)
class Paragraph:
    runs: tuple[Run, ...]
    bullet: bool = False


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


Block = Heading | Paragraph | Table


@dataclass(frozen=True)
class Outline:
    """A whole document: its title (also its first heading), its language and its blocks."""

    title: str
    language: str
    blocks: tuple[Block, ...]


def text(value: str, bold: bool = False, italic: bool = False) -> Paragraph:
    """A paragraph of one run."""
    return Paragraph((Run(value, bold, italic),))


def one_line(value: str) -> str:
    """Text on one line, its runs of white space (line breaks too) made one space."""
    return " ".join(value.split())


def fact(label: str, value: str) -> Paragraph:
    """`Label: value` as a bullet on one line, the label bold."""
    return Paragraph((Run(f"{label}:", bold=True), Run(f" {one_line(value)}")), bullet=True)


def bullet(*runs: Run) -> Paragraph:
    return Paragraph(runs, bullet=True)


def paragraphs(value: str) -> list[Paragraph]:
    """Text someone typed, as paragraphs: split at blank lines, each line kept (stripped)."""
    parts = re.split(r"\n\s*\n", value.strip())
    found = []
    for part in parts:
        lines = [line.strip() for line in part.splitlines() if line.strip()]
        if lines:
            found.append(text("\n".join(lines)))
    return found


def blocks(*groups: Block | Iterable[Block]) -> tuple[Block, ...]:
    """Blocks and lists of blocks, flattened in order."""
    flat: list[Block] = []
    for group in groups:
        if isinstance(group, Heading | Paragraph | Table):
            flat.append(group)
        else:
            flat.extend(group)
    return tuple(flat)
