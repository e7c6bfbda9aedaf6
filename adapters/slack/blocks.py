"""Drawing the core's `Reply` and `Form` as Slack Block Kit: messages, the proposal modal, the
modal's answer and the App Home tab. Every piece of user text goes through `escape`."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from bot.core.reply import ADDED, REMOVED, Form, FormField, Marked, Reply, split_space
from bot.i18n.catalogue import t

WORDS_ACTION = "ogp_words"  # action_id prefix of a button that sends words to the core
MAX_BLOCKS_MESSAGE = 50
MAX_BLOCKS_VIEW = 100
MAX_SECTION = 3000
MAX_FIELD = 2000
MAX_FIELDS = 10
MAX_BUTTONS = 25
MAX_OPTION = 75
MAX_TITLE = 24
MAX_FALLBACK = 4000

Block = dict[str, Any]


def escape(text: str) -> str:
    """User text made safe for mrkdwn: `<!channel>` shows as text and pings no one."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _plain(text: str, limit: int = MAX_OPTION) -> dict[str, Any]:
    return {"type": "plain_text", "text": _cut(text or " ", limit), "emoji": True}


def _mrkdwn(text: str, limit: int = MAX_SECTION) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _cut(text, limit)}}


def _paragraphs(lines: Iterable[str]) -> list[str]:
    """Lines joined into sections no longer than Slack allows, split at blank lines first."""
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        text = escape(line)
        if (not line.strip() and current) or (current and size + len(text) + 1 > MAX_SECTION):
            chunks.append("\n".join(current))
            current, size = [], 0
        if line.strip():
            current.append(_cut(text, MAX_SECTION))
            size += len(text) + 1
    if current:
        chunks.append("\n".join(current))
    return chunks


# Slack's own marks for words removed from a text and words added to it.
_MARKS = {REMOVED: "~", ADDED: "*"}
_STYLES = {REMOVED: {"strike": True}, ADDED: {"bold": True}}


def marked_mrkdwn(line: Marked) -> str:
    """A change as mrkdwn: `Goal: all ~old words~ *new words*`, each part escaped, the marks
    around the words only (Slack ignores a mark next to a space)."""
    parts: list[str] = [f"{escape(line.label)}: " if line.label else ""]
    previous = ""
    for op, text in line.segments:
        mark = _MARKS.get(op)
        lead, core, tail = split_space(text)
        if mark is None or not core:
            parts.append(escape(text))
        else:
            if previous in _MARKS and not lead:
                lead = " "  # a removed run right before an added one: apart, not one word
            parts.append(f"{lead}{mark}{escape(core)}{mark}{tail}")
        previous = op
    return "".join(parts)


def marked_block(line: Marked) -> Block:
    """A change as a `rich_text` block: Slack's strikethrough and bold around the words, every
    text a literal (a `*` or `<!channel>` typed into a proposal stays as typed)."""
    elements: list[dict[str, Any]] = []
    if line.label:
        elements.append({"type": "text", "text": f"{line.label}: ", "style": {"bold": True}})
    previous = ""
    for op, text in line.segments:
        lead, core, tail = split_space(text)
        style = _STYLES.get(op)
        if style is None or not core:
            elements.append({"type": "text", "text": text})
        else:
            if previous in _STYLES and not lead:
                lead = " "
            if lead:
                elements.append({"type": "text", "text": lead})
            elements.append({"type": "text", "text": core, "style": dict(style)})
            if tail:
                elements.append({"type": "text", "text": tail})
        previous = op
    return {"type": "rich_text",
            "elements": [{"type": "rich_text_section", "elements": elements}]}


def _line_mrkdwn(line: str) -> str:
    return marked_mrkdwn(line) if isinstance(line, Marked) else escape(line)


def fallback_text(reply: Reply) -> str:
    """The message's `text`, escaped, a change with Slack's marks: what notifications and old
    clients show."""
    parts: list[str] = []
    if reply.title:
        parts.append(escape(reply.title))
    parts.extend(escape(f"{f.label}: {f.value}") for f in reply.fields)
    parts.extend(_line_mrkdwn(line) for line in reply.lines)
    parts.extend(escape(f"- {message}") for message in reply.errors.values())
    return _cut("\n".join(parts) or " ", MAX_FALLBACK)


def _line_blocks(lines: Iterable[str]) -> list[Block]:
    """The lines as blocks: plain lines joined into sections, each change a block of its own."""
    blocks: list[Block] = []
    plain: list[str] = []
    for line in lines:
        if isinstance(line, Marked):
            blocks.extend(_mrkdwn(chunk) for chunk in _paragraphs(plain))
            plain = []
            blocks.append(marked_block(line))
        else:
            plain.append(line)
    blocks.extend(_mrkdwn(chunk) for chunk in _paragraphs(plain))
    return blocks


def reply_blocks(reply: Reply, limit: int = MAX_BLOCKS_MESSAGE,
                 with_actions: bool = True) -> list[Block]:
    """A reply as blocks: a bold title, a fields grid, paragraphs, errors, then buttons."""
    blocks: list[Block] = []
    if reply.title:
        blocks.append(_mrkdwn(f"*{escape(reply.title)}*"))
    fields = [{"type": "mrkdwn",
               "text": _cut(f"*{escape(f.label)}*\n{escape(f.value)}", MAX_FIELD)}
              for f in reply.fields]
    for start in range(0, len(fields), MAX_FIELDS):
        blocks.append({"type": "section", "fields": fields[start:start + MAX_FIELDS]})
    blocks.extend(_line_blocks(reply.lines))
    if reply.errors:
        blocks.append(_mrkdwn("\n".join(f"• {escape(m)}" for m in reply.errors.values())))
    buttons = _buttons(reply) if with_actions else []
    room = limit - (1 if buttons else 0)
    if len(blocks) > room:
        blocks = [*blocks[: room - 1], _mrkdwn("…")]
    if buttons:
        blocks.append({"type": "actions", "elements": buttons})
    return blocks or [_mrkdwn(" ")]


def _buttons(reply: Reply) -> list[Block]:
    actions = list(reply.actions)
    buttons: list[Block] = []
    for i, action in enumerate(actions[:MAX_BUTTONS]):
        button: Block = {"type": "button", "action_id": f"{WORDS_ACTION}:{i}",
                         "text": _plain(action.label), "value": _cut(action.words, 2000)}
        if action.style:
            button["style"] = action.style
        buttons.append(button)
    if reply.form is not None and reply.ok and reply.form.words and len(buttons) < MAX_BUTTONS:
        # Where no modal could be opened (a mention, a DM), a button opens it.
        buttons.append({"type": "button", "action_id": f"{WORDS_ACTION}:form",
                        "text": _plain(reply.form.title), "value": _cut(reply.form.words, 2000),
                        "style": "primary"})
    return buttons


# -- the proposal modal ------------------------------------------------------------------------


def _option(value: str, label: str) -> dict[str, Any]:
    return {"text": _plain(label), "value": value}


def _element(field: FormField) -> Block:
    if field.kind in ("text", "multiline"):
        element: Block = {"type": "plain_text_input", "action_id": field.id,
                          "multiline": field.kind == "multiline"}
        if field.max_length:
            element["max_length"] = field.max_length
        if isinstance(field.initial, str) and field.initial:
            element["initial_value"] = field.initial  # raw: an input shows it as typed
        if field.placeholder:
            element["placeholder"] = _plain(field.placeholder, 150)
        return element
    options = [_option(c.value, c.label) for c in field.choices][:100]
    chosen = field.initial if isinstance(field.initial, tuple) else (
        (field.initial,) if field.initial else ())
    picked = [o for o in options if o["value"] in chosen]
    if field.kind == "multi_choice":
        element = {"type": "checkboxes", "action_id": field.id, "options": options[:10]}
        if picked:
            element["initial_options"] = picked
        return element
    element = {"type": "static_select", "action_id": field.id, "options": options}
    if picked:
        element["initial_option"] = picked[0]
    return element


def form_view(form: Form, language: str, metadata: Mapping[str, Any],
              above: Reply | None = None) -> Block:
    """The modal for a form: one input block per field, `block_id` = `action_id` = field id;
    `above` (a refused save's title and lines) stands over the inputs. The form's hidden
    values ride in `private_metadata` beside `metadata`."""
    blocks: list[Block] = []
    if above is not None:
        if above.title:
            blocks.append(_mrkdwn(f"*{escape(above.title)}*"))
        blocks.extend(_line_blocks(above.lines))
        blocks.append({"type": "divider"})
        blocks = blocks[:MAX_BLOCKS_VIEW - len(form.fields)]
    for field in form.fields:
        block: Block = {"type": "input", "block_id": field.id, "label": _plain(field.label, 2000),
                        "optional": not field.required, "element": _element(field)}
        if field.hint:
            block["hint"] = _plain(field.hint, 2000)
        blocks.append(block)
    return {
        "type": "modal", "callback_id": form.id,
        "title": _plain(form.title, MAX_TITLE),
        "submit": _plain(form.submit_label, MAX_TITLE),
        "close": _plain(t(language, "slack.cancel"), MAX_TITLE),
        "private_metadata": json.dumps({**metadata, "hidden": form.hidden}),
        "blocks": blocks[:MAX_BLOCKS_VIEW],
    }


def hidden_values(metadata: Mapping[str, Any]) -> dict[str, str]:
    """The form's hidden values back from a modal's private_metadata (text values only)."""
    hidden = metadata.get("hidden")
    if not isinstance(hidden, Mapping):
        return {}
    return {k: v for k, v in hidden.items() if isinstance(k, str) and isinstance(v, str)}


def result_view(reply: Reply, title: str) -> Block:
    """What the modal turns into after a good submission: the reply, and a close button."""
    return {"type": "modal", "title": _plain(title, MAX_TITLE),
            "close": _plain(t(reply.language, "slack.close"), MAX_TITLE),
            "blocks": reply_blocks(reply, MAX_BLOCKS_VIEW, with_actions=False)}


def submitted_values(state: Mapping[str, Any]) -> dict[str, Any]:
    """A modal's `state.values` as the core's form dict (text, a choice's value, or a list)."""
    form: dict[str, Any] = {}
    for block_id, actions in state.items():
        if not isinstance(actions, Mapping):
            continue
        entry = actions.get(block_id)
        if entry is None and actions:
            entry = next(iter(actions.values()))
        if not isinstance(entry, Mapping):
            continue
        if "selected_options" in entry:
            form[block_id] = [o.get("value") for o in entry.get("selected_options") or ()
                              if isinstance(o, Mapping) and isinstance(o.get("value"), str)]
        elif "selected_option" in entry:
            option = entry.get("selected_option")
            form[block_id] = option.get("value", "") if isinstance(option, Mapping) else ""
        else:
            value = entry.get("value")
            form[block_id] = value if isinstance(value, str) else ""
    return form


def view_errors(reply: Reply, view_blocks: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """`response_action: errors` for a refused submission: each problem under its field, and a
    refusal that names no field under the first input."""
    if reply.form is not None:
        known = [f.id for f in reply.form.fields]
    else:
        ids = [b.get("block_id") for b in view_blocks if b.get("type") == "input"]
        known = [i for i in ids if isinstance(i, str)]
    first = known[0] if known else "title"
    errors: dict[str, str] = {}
    for field_id, message in reply.errors.items():
        target = field_id if field_id in known else first
        errors[target] = _cut((errors[target] + " " if target in errors else "") + message, 2000)
    if not errors:
        errors[first] = _cut(reply.text or t(reply.language, "error.internal"), 2000)
    return errors


# -- App Home ------------------------------------------------------------------------------------


def home_view(language: str, parts: Iterable[Reply]) -> Block:
    """The App Home tab: a button to propose, then each part (proposals, table, meetings,
    agenda) under a divider."""
    blocks: list[Block] = [
        _mrkdwn(f"*{escape(t(language, 'slack.home_title'))}*\n"
                f"{escape(t(language, 'slack.home_intro'))}"),
        {"type": "actions", "elements": [
            {"type": "button", "action_id": f"{WORDS_ACTION}:home_propose",
             "text": _plain(t(language, "propose.form_title")), "value": "propose",
             "style": "primary"},
            {"type": "button", "action_id": f"{WORDS_ACTION}:home_help",
             "text": _plain(t(language, "slack.help_button")), "value": "help"},
        ]},
    ]
    for part in parts:
        drawn = reply_blocks(part, limit=24, with_actions=False)
        if len(blocks) + 1 + len(drawn) > MAX_BLOCKS_VIEW:
            break
        blocks.append({"type": "divider"})
        blocks.extend(drawn)
    return {"type": "home", "blocks": blocks}
