"""The public record's HTML: the Jinja2 templates in `templates/` (autoescaped, so user text
can only ever show as text) filled with the data of `bot.record.views`.

Each function takes a snapshot of the record and returns a whole page as a string; it does no
I/O, so the web adapter may call it in a worker thread. The record's rows are drawn once for
each version of a proposal and kept (`Rows`), so that a page of ten thousand rows, drawn anew
after a write, draws one row and joins the rest.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from bot.core.model import Proposal
from bot.core.seminar import Seminar
from bot.i18n.catalogue import language_name, t, tn
from bot.record.plan_view import commitment, plan_view
from bot.record.public import Filters, RecordError, Snapshot
from bot.record.views import detail, listing, other_languages, row


def _as_text(value: object) -> object:
    """Every value a template prints, escaped as HTML text (and in attributes) the way the
    standard library writes it (`&quot;`, `&#x27;`); `Markup` a template made passes as is."""
    if isinstance(value, Markup):
        return value
    return Markup(html.escape(str(value), quote=True))


ENVIRONMENT = Environment(
    loader=PackageLoader("adapters.web", "templates"),
    autoescape=select_autoescape(["html"]),
    finalize=_as_text,
    undefined=StrictUndefined,  # a misspelt name is an error in the tests, not a blank
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,
)


def href(seminar: Seminar, lang: str) -> Callable[..., str]:
    """`href(path, **params)`: a link that keeps the reader's language when it is not the
    seminar's, with the non-empty `params` as its query."""

    def link(path: str, **params: str | None) -> str:
        query = {k: v for k, v in params.items() if v}
        if lang != seminar.language:
            query["lang"] = lang
        return path + ("?" + urlencode(query) if query else "")

    return link


def _render(template: str, seminar: Seminar, lang: str, title: str, here: str,
            params: dict[str, str | None] | None = None, **values: Any) -> str:
    """A page; `here` (with `params`) is its address, which the language switch keeps."""
    switches = [(other, language_name(other), href(seminar, other)(here, **(params or {})))
                for other in other_languages(lang)]

    def say(key: str, **fields: object) -> str:
        return t(lang, key, **fields)

    def say_n(key: str, count: int, **fields: object) -> str:
        return tn(lang, key, count, **fields)

    return ENVIRONMENT.get_template(template).render(
        lang=lang, seminar=seminar, title=title, switches=switches, href=href(seminar, lang),
        _=say, _n=say_n, params=params or {}, **values) + "\n"


class Rows:
    """Each proposal's row of the record, drawn once for each version and language. A snapshot
    holds the same `Proposal` object until the proposal is written again, so the object itself
    says whether a kept row is still current. Safe to share between worker threads: a race
    draws a row twice, never a wrong one."""

    def __init__(self) -> None:
        self._drawn: dict[tuple[str, int], tuple[Proposal, str]] = {}

    def html(self, snap: Snapshot, proposals: tuple[Proposal, ...], lang: str) -> Markup:
        template = ENVIRONMENT.get_template("row.html")
        link = href(snap.seminar, lang)
        parts = []
        for p in proposals:
            kept = self._drawn.get((lang, p.number))
            if kept is None or kept[0] is not p:
                kept = (p, template.render(r=row(snap, p, lang), href=link))
                self._drawn[(lang, p.number)] = kept
            parts.append(kept[1])
        return Markup("".join(parts))


def index_page(snap: Snapshot, filters: Filters, lang: str,
               error: RecordError | None = None, rows: Rows | None = None) -> str:
    """The record of inputs: every proposal that passes `filters`, with its reasoned response;
    with `error`, its sentence above the whole record. `rows` keeps the rows drawn."""
    seminar = snap.seminar
    shown = listing(snap, filters, lang)
    return _render("index.html", seminar, lang, t(lang, "record.title", seminar=seminar.title),
                   "/", filters.to_dict(), listing=shown, error=error.text if error else None,
                   rows=(rows or Rows()).html(snap, shown.shown, lang))


def proposal_page(snap: Snapshot, p: Proposal, lang: str) -> str:
    """One proposal: its facts, text, milestones, report, reasoned response and history; for a
    commitment of the plan also its completion and progress reports."""
    return _render("proposal.html", snap.seminar, lang,
                   t(lang, "record.proposal_title", ref=p.ref, title=p.title),
                   f"/proposals/{p.ref}", detail=detail(snap, p, lang),
                   commitment=commitment(snap, p, lang) if p.completion else None)


def plan_page(snap: Snapshot, lang: str) -> str:
    """The action plan: every commitment with its completion and its milestone timeline."""
    return _render("plan.html", snap.seminar, lang, t(lang, "record.plan_title"), "/plan",
                   plan=plan_view(snap, lang))


def message_page(seminar: Seminar, lang: str, heading: str, lines: list[str],
                 action: tuple[str, str] | None = None) -> str:
    """A page that tells the reader one thing (such as how installing the bot in Slack went):
    a heading, its sentences, and a link onwards (`action`: its label and address)."""
    return _render("message.html", seminar, lang, heading, "/", heading=heading, lines=lines,
                   action=action)


def error_page(seminar: Seminar, lang: str, error: RecordError) -> str:
    """A 400 or 404 page: the sentence, and the way back."""
    return _render("error.html", seminar, lang, t(lang, "record.error_heading"), "/",
                   error=error.text)
