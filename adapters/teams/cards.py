"""Adaptive Cards for Teams: a core `Reply` (and its `Form`) drawn as a card, with the plain
text as the card's fallback.

User text is shown as text. Every piece of text a person reads goes in a `RichTextBlock` of
`TextRun`s: unlike a `TextBlock`, a `TextRun` renders no markdown, so `**`, `[x](y)`, `# `
or `- ` typed into a proposal come out as typed, and `<at>…</at>` pings nobody (Teams only
mentions what the activity's `entities` name, and ogpbot sends none). A host too old for
`RichTextBlock` gets each block's `fallback`: a `TextBlock` with the markdown escaped.
"""

from __future__ import annotations

import re
from typing import Any

from bot.core.reply import ADDED, REMOVED, Form, FormField, Marked, Reply, split_space

CARD_VERSION = "1.4"
SCHEMA_URL = "http://adaptivecards.io/schemas/adaptive-card.json"

#: The marker in every `Action.Submit`'s data, so a submit can be told from other `value`s.
MARK = "ogpbot"
KIND_WORDS = "words"  # a button: data["words"] is handled as if typed
KIND_FORM = "form"  # a form: data["form"] is the form id, data["nonce"] this card's key,
#                    data["hidden"] the form's hidden values

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>])")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def plain(text: str) -> str:
    """User text with control characters removed: what a `TextRun` or an input shows."""
    return _CONTROL.sub("", text)


def escape_markdown(text: str) -> str:
    """Text for a markdown `TextBlock`: every markdown punctuation mark escaped."""
    return _MARKDOWN.sub(r"\\\1", plain(text))


def text_block(text: str, **style: Any) -> dict[str, Any]:
    """One paragraph of plain text (`style`: TextRun properties such as weight, color)."""
    fallback: dict[str, Any] = {"type": "TextBlock", "text": escape_markdown(text), "wrap": True}
    for key in ("weight", "color", "size", "isSubtle"):
        if key in style:
            fallback[key] = style[key]
    return {
        "type": "RichTextBlock",
        "inlines": [{"type": "TextRun", "text": plain(text), **style}],
        "fallback": fallback,
    }


# Teams' own marks for words removed from a text and words added to it: TextRun styles.
_STYLES: dict[str, dict[str, Any]] = {REMOVED: {"strikethrough": True},
                                      ADDED: {"weight": "Bolder"}}


def marked_block(line: Marked) -> dict[str, Any]:
    """A change as runs of text: the removed words struck through, the added ones bold; an old
    host gets the line as text, with Markdown's marks escaped so they show as typed."""
    inlines: list[dict[str, Any]] = []
    if line.label:
        inlines.append({"type": "TextRun", "text": plain(line.label) + ": ", "weight": "Bolder"})
    previous = ""
    for op, text in line.segments:
        lead, core, tail = split_space(text)
        style = _STYLES.get(op)
        if style is None or not core:
            inlines.append({"type": "TextRun", "text": plain(text)})
            previous = op
            continue
        if previous in _STYLES and not lead:
            lead = " "  # a removed run right before an added one: apart, not one word
        for part, part_style in ((lead, {}), (core, style), (tail, {})):
            if part:
                inlines.append({"type": "TextRun", "text": plain(part), **part_style})
        previous = op
    return {"type": "RichTextBlock", "inlines": inlines,
            "fallback": {"type": "TextBlock", "text": escape_markdown(line), "wrap": True}}


def line_block(line: str) -> dict[str, Any]:
    """One line of a reply: a change drawn with its marks, any other as plain text."""
    return marked_block(line) if isinstance(line, Marked) else text_block(line)


def _card(body: list[dict[str, Any]], actions: list[dict[str, Any]], fallback: str
          ) -> dict[str, Any]:
    card: dict[str, Any] = {
        "$schema": SCHEMA_URL,
        "type": "AdaptiveCard",
        "version": CARD_VERSION,
        "body": body or [text_block(fallback or " ")],
        "fallbackText": plain(fallback)[:4000],
        "msteams": {"width": "Full"},
    }
    if actions:
        card["actions"] = actions
    return card


def reply_card(reply: Reply, nonce: str = "") -> dict[str, Any]:
    """The card for a reply; a reply with a form becomes the form (see `form_card`)."""
    if reply.form is not None:
        return form_card(reply.form, reply, nonce)
    body: list[dict[str, Any]] = []
    if reply.title:
        body.append(text_block(reply.title, weight="Bolder", size="Medium"))
    for f in reply.fields:
        body.append({
            "type": "RichTextBlock",
            "inlines": [
                {"type": "TextRun", "text": plain(f.label) + ": ", "weight": "Bolder"},
                {"type": "TextRun", "text": plain(f.value)},
            ],
            "fallback": {"type": "TextBlock", "wrap": True,
                         "text": f"{escape_markdown(f.label)}: {escape_markdown(f.value)}"},
        })
    body.extend(line_block(line) for line in reply.lines)
    body.extend(text_block(problem, color="Attention") for problem in reply.errors.values())
    actions = []
    for action in reply.actions:
        button: dict[str, Any] = {"type": "Action.Submit", "title": plain(action.label),
                                  "data": {MARK: KIND_WORDS, "words": action.words}}
        if action.style:
            button["style"] = "positive" if action.style == "primary" else "destructive"
        actions.append(button)
    return _card(body, actions, reply.text)


def _input(field: FormField) -> dict[str, Any]:
    element: dict[str, Any] = {"id": field.id, "label": plain(field.label),
                               "isRequired": field.required}
    if field.required:  # shown beside the input when it is left empty
        element["errorMessage"] = plain(field.missing or field.label)
    if field.kind in ("text", "multiline"):
        element["type"] = "Input.Text"
        element["isMultiline"] = field.kind == "multiline"
        if field.max_length:
            element["maxLength"] = field.max_length
        if field.placeholder:
            element["placeholder"] = plain(field.placeholder)
        if isinstance(field.initial, str) and field.initial:
            element["value"] = plain(field.initial)
    else:
        element["type"] = "Input.ChoiceSet"
        element["choices"] = [{"title": plain(c.label), "value": c.value} for c in field.choices]
        if field.kind == "multi_choice":
            element["isMultiSelect"] = True
            element["style"] = "expanded"
            chosen = (field.initial,) if isinstance(field.initial, str) else field.initial
            value = ",".join(v for v in chosen if v)
        else:
            element["style"] = "compact"
            value = field.initial if isinstance(field.initial, str) else ",".join(field.initial)
        if value:
            element["value"] = value
    return element


def form_card(form: Form, reply: Reply | None = None, nonce: str = "") -> dict[str, Any]:
    """The form as a card: each input carries the field id; a refused submission's problems
    stand under their fields, and the typed values are kept (they are the fields' initials)."""
    errors = reply.errors if reply else {}
    body: list[dict[str, Any]] = [text_block(form.title, weight="Bolder", size="Medium")]
    if reply is not None and reply.title and reply.title != form.title:
        body.append(text_block(reply.title, color="Attention" if errors or not reply.ok
                               else "Default"))
    if reply is not None:
        body.extend(line_block(line) for line in reply.lines)
    for field in form.fields:
        body.append(_input(field))
        if field.hint:
            body.append(text_block(field.hint, isSubtle=True, size="Small"))
        if field.id in errors:
            body.append(text_block(errors[field.id], color="Attention"))
    for key, problem in errors.items():
        if key not in {f.id for f in form.fields}:
            body.append(text_block(problem, color="Attention"))
    data: dict[str, Any] = {MARK: KIND_FORM, "form": form.id, "nonce": nonce}
    if form.hidden:
        data["hidden"] = dict(form.hidden)
    submit = {"type": "Action.Submit", "title": plain(form.submit_label), "style": "positive",
              "data": data}
    fallback = reply.text if reply is not None else form.title
    return _card(body, [submit], fallback)

