"""The public record's HTML: the Jinja2 templates in `templates/` (autoescaped, so user text
can only ever show as text) filled with the data of `bot.record.views`.

Each function takes a snapshot of the record and returns a whole page as a string; it does no
I/O, so the web adapter may call it in a worker thread. The record's rows (and the cards that
stand for them on a narrow screen) are drawn once for each version of a proposal and kept
(`Rows`), so that a page of ten thousand rows, drawn anew after a write, draws one row and
joins the rest.

Every page names its publisher (the seminar file's `[site]`), links to itself in the other
two languages and to the accessibility statement, and marks each passage written in another
language than its own with that language (`lang_of`, `said`).
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
from bot.record.said import Said, named
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


def href(lang: str) -> Callable[..., str]:
    """`href(path, **params)`: a link in the reader's language, with the non-empty `params` as
    its query. The language is always in the link: a reader who chose one keeps it, whatever
    their browser prefers."""

    def link(path: str, **params: str | None) -> str:
        query = {k: v for k, v in params.items() if v}
        query["lang"] = lang
        return path + "?" + urlencode(query)

    return link


def marks(lang: str) -> tuple[Callable[[object], Markup], Callable[[object], Markup]]:
    """The two helpers that mark a passage in another language than the page's: `lang_of(x)`,
    the ` lang="nb"` to put on the element that holds `x` (nothing when `x` is in the page's
    language or its language is not known), and `said(x)`, `x` in a `<span lang>` of its own
    where it needs one (inside a sentence)."""

    def other(value: object) -> str:
        written = value.lang if isinstance(value, Said) else ""
        return written if written and written != lang else ""

    def lang_of(value: object) -> Markup:
        code = other(value)
        return Markup(f' lang="{code}"') if code else Markup("")

    def said(value: object) -> Markup:
        code = other(value)
        text = html.escape(str(value), quote=True)
        return Markup(f'<span lang="{code}">{text}</span>' if code else text)

    return lang_of, said


def _render(template: str, seminar: Seminar, lang: str, title: str, here: str,
            params: dict[str, str | None] | None = None, **values: Any) -> str:
    """A page; `here` (with `params`) is its address, which the language switch keeps."""
    switches = [(other, language_name(other), href(other)(here, **(params or {})))
                for other in other_languages(lang)]
    lang_of, said = marks(lang)

    def say(key: str, **fields: object) -> str:
        return t(lang, key, **fields)

    def say_n(key: str, count: int, **fields: object) -> str:
        return tn(lang, key, count, **fields)

    def say_marked(key: str, **fields: object) -> Markup:
        """A sentence with passages in it that may be in another language (`said`) or links:
        the sentence escaped, each field escaped unless it is `Markup` already."""
        return Markup(html.escape(t(lang, key), quote=False)).format(**fields)

    site = seminar.publisher
    contact = (Markup('<a href="{}">{}</a>').format(site.contact_href, site.contact)
               if site.contact else Markup(""))
    return ENVIRONMENT.get_template(template).render(
        lang=lang, seminar=seminar, seminar_title=named(seminar, seminar.title),
        site=site, publisher=named(seminar, site.publisher), contact=contact, title=title,
        switches=switches, href=href(lang), _=say, _n=say_n, _m=say_marked,
        lang_of=lang_of, said=said, params=params or {}, **values) + "\n"


class Rows:
    """Each proposal's row of the record, and the card that stands for it on a narrow
    screen, drawn once for each version and language. A snapshot holds the same `Proposal`
    object until the proposal is written again, so the object itself says whether a kept row
    is still current. Safe to share between worker threads: a race draws a row twice, never
    a wrong one."""

    def __init__(self) -> None:
        self._drawn: dict[tuple[str, int], tuple[Proposal, str, str]] = {}

    def html(self, snap: Snapshot, proposals: tuple[Proposal, ...], lang: str
             ) -> tuple[Markup, Markup]:
        """The table's rows and the list's cards."""
        row_template = ENVIRONMENT.get_template("row.html")
        card_template = ENVIRONMENT.get_template("card.html")
        link = href(lang)
        lang_of, said = marks(lang)
        rows, cards = [], []
        for p in proposals:
            kept = self._drawn.get((lang, p.number))
            if kept is None or kept[0] is not p:
                r = row(snap, p, lang)
                values = {"r": r, "href": link, "lang_of": lang_of, "said": said,
                          "_": lambda key, **fields: t(lang, key, **fields)}
                kept = (p, row_template.render(**values), card_template.render(**values))
                self._drawn[(lang, p.number)] = kept
            rows.append(kept[1])
            cards.append(kept[2])
        return Markup("".join(rows)), Markup("".join(cards))


def index_page(snap: Snapshot, filters: Filters, lang: str,
               error: RecordError | None = None, rows: Rows | None = None) -> str:
    """The record of inputs: every proposal that passes `filters`, with its reasoned response;
    with `error`, its sentence above the whole record. `rows` keeps the rows drawn."""
    seminar = snap.seminar
    shown = listing(snap, filters, lang)
    table_rows, cards = (rows or Rows()).html(snap, shown.shown, lang)
    return _render("index.html", seminar, lang, t(lang, "record.title", seminar=seminar.title),
                   "/", filters.to_dict(), listing=shown, error=error.text if error else None,
                   rows=table_rows, cards=cards)


def proposal_page(snap: Snapshot, p: Proposal, lang: str) -> str:
    """One proposal: its status and reasoned response first, then its facts, text, milestones,
    report and history; for a commitment of the plan also its completion and progress."""
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


AUTHORITY_URL = "https://www.uutilsynet.no/"  # where a complaint about universal design goes


def accessibility_page(seminar: Seminar, lang: str) -> str:
    """The accessibility statement: the standard the pages meet, how that was tested, what is
    known not to meet it, and where to give feedback (and complain); the statement published
    on uustatus.no linked where the seminar file names it."""
    statement = seminar.publisher.statement_url
    return _render("accessibility.html", seminar, lang, t(lang, "a11y.title"),
                   "/accessibility",
                   authority=Markup('<a href="{}">{}</a>').format(AUTHORITY_URL,
                                                                 t(lang, "a11y.authority")),
                   statement=Markup('<a href="{0}">{0}</a>').format(statement)
                   if statement else Markup(""))


def error_page(seminar: Seminar, lang: str, error: RecordError) -> str:
    """A 400 or 404 page: the sentence, and the way back."""
    return _render("error.html", seminar, lang, t(lang, "record.error_heading"), "/",
                   error=error.text)
