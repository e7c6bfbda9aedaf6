"""A tiny HTML builder: `el("p", text, class_="x")` escapes every string it is given, so user
text can only ever show as text. Only `Markup` (what `el` itself returns) passes unescaped."""

from __future__ import annotations

import html
from collections.abc import Iterable

VOID = frozenset({"meta", "link", "input", "br", "hr", "img"})


class Markup(str):
    """HTML that is already safe: built by `el`, or a constant written in this codebase."""

    __slots__ = ()


def escape(value: object) -> Markup:
    """`value` as HTML text; `Markup` is trusted as it is."""
    if isinstance(value, Markup):
        return value
    return Markup(html.escape(str(value), quote=True))


def join(*children: object) -> Markup:
    """Children (strings, Markup, numbers, nested lists; None skipped) as one piece of HTML."""
    parts: list[str] = []
    for child in children:
        if child is None or child is False:
            continue
        if isinstance(child, str | int):
            parts.append(escape(child))
        elif isinstance(child, Iterable):
            parts.append(join(*child))
        else:
            parts.append(escape(child))
    return Markup("".join(parts))


def _attribute(name: str, value: object) -> str:
    name = name.rstrip("_").replace("_", "-")
    if value is True:
        return f" {name}"
    return f' {name}="{escape(value)}"'


def el(tag: str, *children: object, **attrs: object) -> Markup:
    """One element. Attribute names: `class_` -> class, `aria_label` -> aria-label; a value of
    True is a bare attribute, None or False leaves the attribute out."""
    opening = tag + "".join(_attribute(k, v) for k, v in attrs.items()
                            if v is not None and v is not False)
    if tag in VOID:
        return Markup(f"<{opening}>")
    return Markup(f"<{opening}>{join(*children)}</{tag}>")


def document(lang: str, title: str, style: str, body: Iterable[object]) -> Markup:
    """A whole page: doctype, language, charset, viewport, title, a style sheet and the body."""
    head = el("head",
              el("meta", charset="utf-8"),
              el("meta", name="viewport", content="width=device-width, initial-scale=1"),
              el("title", title),
              el("style", Markup(style)))
    return Markup("<!DOCTYPE html>\n" + el("html", head, el("body", *body), lang=lang) + "\n")
