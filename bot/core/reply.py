"""What the core answers: a reply described once (title, fields, lines, actions, a form) that
every adapter draws in its own way, with a plain-text form for platforms without rich output."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

FieldKind = Literal["text", "multiline", "choice", "multi_choice"]


@dataclass(frozen=True)
class Field:
    """A labelled value, e.g. Status: submitted."""

    label: str
    value: str


@dataclass(frozen=True)
class Action:
    """A button: pressing it sends `words` as if the person had typed them."""

    label: str
    words: str
    style: Literal["primary", "danger"] | None = None


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class FormField:
    """One input of a form; `id` is the Slack block/action id and the Teams card input id."""

    id: str
    label: str
    kind: FieldKind
    required: bool = True
    choices: tuple[Choice, ...] = ()
    max_length: int | None = None
    hint: str = ""
    placeholder: str = ""
    initial: str | tuple[str, ...] = ""
    missing: str = ""  # what a required field left empty says, in the reader's language


@dataclass(frozen=True)
class Form:
    """A form to show; its submission comes back as a `Command` with `form_id` = `id`.

    `hidden` travels with the form and comes back among the submitted fields, untouched by
    the person (Slack: the modal's private_metadata; Teams: the submit action's data); it
    says what the form is about (which proposal, which version it was filled in from), never
    who may use it. `words` bring the same form back (a button where no modal can open).
    """

    id: str
    title: str
    submit_label: str
    fields: tuple[FormField, ...]
    hidden: dict[str, str] = field(default_factory=dict)
    words: str = ""


REMOVED, ADDED, SAME = "removed", "added", "same"
# How a text without formatting marks removed and added words: the marks of Markdown, which
# most people who chat have met (Teams draws them too).
PLAIN_MARKS = {REMOVED: ("~~", "~~"), ADDED: ("**", "**")}


class Marked(str):
    """A line that shows words removed from a text and words added to it: `label`, then the
    text as segments (`op`, `text`), `op` being "same", "removed" or "added". Each adapter
    draws the marks its platform has (Slack: strikethrough and bold; Teams: a struck-through
    and a bold run; the web: <del> and <ins>). As a `str` it is the line as plain text, with
    Markdown's marks (`~~removed~~ **added**`), for everything that shows only text."""

    label: str
    segments: tuple[tuple[str, str], ...]

    def __new__(cls, label: str, segments: tuple[tuple[str, str], ...]) -> Marked:
        body, previous = "", ""
        for op, text in segments:
            if op in PLAIN_MARKS and previous in PLAIN_MARKS and not text[:1].isspace():
                body += " "  # a removed run right before an added one: apart, not one word
            body += _plain_mark(op, text)
            previous = op
        line = super().__new__(cls, f"{label}: {body}" if label else body)
        line.label = label
        line.segments = tuple((op, text) for op, text in segments)
        return line

    def __getnewargs__(self) -> tuple[str, tuple[tuple[str, str], ...]]:  # type: ignore[override]
        return (self.label, self.segments)

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "segments": [list(s) for s in self.segments]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Marked:
        return cls(d["label"], tuple((str(op), str(text)) for op, text in d["segments"]))


def _plain_mark(op: str, text: str) -> str:
    """One segment as plain text: a change's marks hug its words (`~~a b~~ `), as Markdown
    wants them; the spaces around stay outside."""
    marks = PLAIN_MARKS.get(op)
    if marks is None or not text.strip():
        return text
    lead, core, tail = split_space(text)
    return f"{lead}{marks[0]}{core}{marks[1]}{tail}"


def split_space(text: str) -> tuple[str, str, str]:
    """`text` as (leading whitespace, its words, trailing whitespace): a platform's marks go
    around the words only."""
    core = text.strip()
    lead = text[:len(text) - len(text.lstrip())]
    return lead, core, text[len(lead) + len(core):]


def _flat(part: Field | Action) -> dict[str, Any]:
    """A part whose values are all plain (text, or None) as a dict, field by field."""
    return {name: getattr(part, name) for name in part.__dataclass_fields__}


def _line_to_dict(line: str) -> str | dict[str, Any]:
    return line.to_dict() if isinstance(line, Marked) else line


def _line_from_dict(d: str | dict[str, Any]) -> str:
    return Marked.from_dict(d) if isinstance(d, dict) else d


@dataclass(frozen=True)
class Reply:
    """One answer to one person. User text inside is plain text: adapters escape it.

    A refused form submission (`ok` False with a `form`) either names problems in `errors`
    (the adapter shows each under its field) or has none: then `form` is to be shown anew
    in place of the submitted one, with `title` and `lines` above its inputs (a save based
    on an older version: the person's own text in the inputs, the newer text above them).
    """

    language: str
    title: str | None = None
    fields: tuple[Field, ...] = ()
    lines: tuple[str, ...] = ()
    actions: tuple[Action, ...] = ()
    form: Form | None = None
    errors: dict[str, str] = field(default_factory=dict)  # form field id -> problem
    ok: bool = True
    repeated: bool = False  # the request was handled before; this is the answer it got

    @property
    def text(self) -> str:
        """The whole reply as plain text: the fallback every platform can show."""
        parts: list[str] = []
        if self.title:
            parts.append(self.title)
        parts.extend(f"{f.label}: {f.value}" for f in self.fields)
        parts.extend(self.lines)
        parts.extend(f"- {message}" for message in self.errors.values())
        return "\n".join(parts)

    def to_dict(self) -> dict[str, Any]:
        # the document `asdict` gave, without its deep copy of every part: a notice's words
        # are written twice for each send (sending, then sent)
        return {
            "language": self.language, "title": self.title,
            "fields": tuple(_flat(f) for f in self.fields),
            "lines": [_line_to_dict(line) for line in self.lines],
            "actions": tuple(_flat(a) for a in self.actions),
            "form": asdict(self.form) if self.form is not None else None,
            "errors": dict(self.errors), "ok": self.ok, "repeated": self.repeated,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Reply:
        form = d.get("form")
        return cls(
            language=d["language"], title=d.get("title"),
            fields=tuple(Field(**f) for f in d.get("fields", ())),
            lines=tuple(_line_from_dict(line) for line in d.get("lines", ())),
            actions=tuple(Action(**a) for a in d.get("actions", ())),
            form=_form_from_dict(form) if form else None,
            errors=dict(d.get("errors", {})), ok=d.get("ok", True),
        )


def _form_from_dict(d: dict[str, Any]) -> Form:
    fields = []
    for f in d["fields"]:
        initial = f.get("initial", "")
        fields.append(FormField(**{
            **f, "choices": tuple(Choice(**c) for c in f.get("choices", ())),
            "initial": tuple(initial) if isinstance(initial, list) else initial,
        }))
    return Form(d["id"], d["title"], d["submit_label"], tuple(fields),
                dict(d.get("hidden", {})), d.get("words", ""))
