"""What changed between two versions of a proposal's text, as data: for each field that
changed, its words as segments that stayed, were removed or were added.

Every place that shows a change draws these segments its own way: chat as a `Marked` line
(`marked`) that each platform draws with its own marks (Slack's strikethrough and bold, Teams'
struck-through and bold runs, Markdown's `~~` and `**` in plain text), the public page as
`<del>` and `<ins>` with words a screen reader says. The segments hold the user's text as
typed; whoever draws them escapes it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

from bot.core.model import TEXT_FIELDS, Proposal, Version
from bot.core.reply import Marked

Op = Literal["same", "removed", "added"]
_TOKENS = re.compile(r"\s+|[^\s]+")
CONTEXT_WORDS = 6  # unchanged words kept on each side of a change in `marked(..., short=True)`


@dataclass(frozen=True)
class Segment:
    """A run of text that stayed the same, was removed or was added."""

    op: Op
    text: str


@dataclass(frozen=True)
class FieldChange:
    """One field's change: `field` is a key of `TEXT_FIELDS`."""

    field: str
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class VersionChange:
    """A version and how it differs from the one before it (version 1: no changes)."""

    version: Version
    changes: tuple[FieldChange, ...]


def diff_words(old: str, new: str) -> tuple[Segment, ...]:
    """The words of `old` and `new` as segments; joined, the `same` and `removed` ones give
    `old` back and the `same` and `added` ones give `new`."""
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    segments: list[Segment] = []

    def put(op: Op, tokens: Sequence[str]) -> None:
        text = "".join(tokens)
        if not text:
            return
        if segments and segments[-1].op == op:
            segments[-1] = Segment(op, segments[-1].text + text)
        else:
            segments.append(Segment(op, text))

    matcher = SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            put("same", a[i1:i2])
        else:
            put("removed", a[i1:i2])
            put("added", b[j1:j2])
    return _tidy(segments)


def _tidy(segments: list[Segment]) -> tuple[Segment, ...]:
    """Changes apart only by a space read better as one: `[-a b-]{+c d+}` rather than
    `[-a-]{+c+} [-b-]{+d+}`; within each change the removed words come first."""
    out: list[Segment] = []
    removed: list[str] = []
    added: list[str] = []

    def close() -> None:
        if removed:
            out.append(Segment("removed", "".join(removed)))
        if added:
            out.append(Segment("added", "".join(added)))
        removed.clear()
        added.clear()

    for i, seg in enumerate(segments):
        if seg.op == "removed":
            removed.append(seg.text)
        elif seg.op == "added":
            added.append(seg.text)
        elif (not seg.text.strip() and (removed or added) and i + 1 < len(segments)
              and segments[i + 1].op != "same"):
            removed.append(seg.text)  # a lone space between two changes joins them
            added.append(seg.text)
        else:
            close()
            out.append(seg)
    close()
    return tuple(out)


def field_changes(before: Version | Proposal, after: Version | Proposal
                  ) -> tuple[FieldChange, ...]:
    """Each text field that differs between `before` and `after`, in the form's order."""
    old, new = before.texts(), after.texts()
    return tuple(FieldChange(name, diff_words(old[name], new[name]))
                 for name in TEXT_FIELDS if old[name] != new[name])


def history_of_versions(proposal: Proposal) -> tuple[VersionChange, ...]:
    """Every version of the proposal with what it changed, oldest first."""
    out: list[VersionChange] = []
    previous: Version | None = None
    for version in proposal.versions:
        out.append(VersionChange(version, field_changes(previous, version)
                                 if previous is not None else ()))
        previous = version
    return tuple(out)


def marked(label: str, segments: Sequence[Segment], short: bool = False) -> Marked:
    """A change as a line each platform draws with its own marks (`bot.core.reply.Marked`);
    `short` keeps only a few unchanged words around each change, and one space between
    words."""
    parts: list[tuple[str, str]] = []
    for i, seg in enumerate(segments):
        text = seg.text
        if short and seg.op == "same":
            text = _context(text, first=i == 0, last=i == len(segments) - 1)
        if short:
            text = re.sub(r"\s+", " ", text)
            if i == 0:
                text = text.lstrip()
            if i == len(segments) - 1:
                text = text.rstrip()
        if short and parts and parts[-1][1].endswith(" "):
            text = text.lstrip(" ")
        if text:
            parts.append((seg.op, text))
    return Marked(label, tuple(parts))


def _context(text: str, first: bool, last: bool) -> str:
    words = _TOKENS.findall(text)
    keep = CONTEXT_WORDS * 2  # words and the spaces between them
    if len(words) <= keep * (1 if first or last else 2) + 1:
        return text
    head = "" if first else "".join(words[:keep])
    tail = "" if last else "".join(words[-keep:])
    return f"{head} … {tail}"
