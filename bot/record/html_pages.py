"""The public record as HTML pages: the record of inputs (with filters), one proposal, and an
error page. Plain, semantic, accessible HTML with no JavaScript; every user text escaped by
`bot.record.markup`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from urllib.parse import urlencode

from babel import Locale

from bot.core.history import history_text, report_label
from bot.core.model import Proposal, Status
from bot.core.seminar import Seminar
from bot.i18n.catalogue import LANGUAGES, t, tn
from bot.i18n.formatting import format_when
from bot.record.markup import Markup, document, el
from bot.record.public import Filters, RecordError, Snapshot, public_actor, reasoned_response

STYLE = """
:root { color-scheme: light; }
body { margin: 0; color: #1b1b1b; background: #fff; line-height: 1.5;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
.wrap { max-width: 82rem; margin: 0 auto; padding: 0 1rem; }
header.site { border-bottom: 4px solid #0b3d91; padding: .75rem 0; margin-bottom: 1rem; }
header.site p { margin: 0; }
.site-name { font-weight: 600; }
nav.tools { display: flex; flex-wrap: wrap; gap: .25rem 1.5rem; margin-top: .25rem; }
a { color: #0b3d91; text-underline-offset: .15em; }
a:visited { color: #551a8b; }
a:hover { text-decoration-thickness: 2px; }
a:focus-visible, button:focus-visible, select:focus-visible, input:focus-visible,
[tabindex]:focus-visible { outline: 3px solid #b3400a; outline-offset: 2px; }
a:focus-visible { background: #fff3c4; color: #1b1b1b; }
.skip { position: absolute; left: -10000px; top: 0; background: #fff; padding: .5rem 1rem;
  border: 2px solid #0b3d91; z-index: 10; }
.skip:focus { left: 1rem; top: .5rem; }
h1 { font-size: 1.75rem; line-height: 1.25; margin: .5rem 0 .75rem; }
h2 { font-size: 1.3rem; margin: 1.75rem 0 .5rem; }
.intro { max-width: 48rem; }
form.filters fieldset { border: 1px solid #6b6b6b; padding: .5rem 1rem 1rem; margin: 0 0 1rem; }
form.filters legend { font-weight: 600; padding: 0 .25rem; }
.fields { display: flex; flex-wrap: wrap; gap: .75rem 1.25rem; align-items: flex-end; }
.fields label { display: block; font-weight: 600; }
select, button { font: inherit; color: #1b1b1b; }
select { padding: .3rem; border: 1px solid #4a4a4a; border-radius: 3px; background: #fff;
  max-width: 22rem; }
button { padding: .35rem 1rem; border: 2px solid #0b3d91; border-radius: 3px;
  background: #0b3d91; color: #fff; font-weight: 600; cursor: pointer; }
.alert { border-left: 6px solid #a4262c; background: #fdf0f0; padding: .5rem 1rem; }
.count { font-weight: 600; }
.muted { color: #4a4a4a; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; }
th, td { border: 1px solid #6b6b6b; padding: .4rem .5rem; text-align: left;
  vertical-align: top; }
thead th { background: #e6ecf5; }
tbody th { font-weight: 600; white-space: nowrap; }
.text { white-space: pre-line; max-width: 48rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem;
  margin: 0 0 1rem; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; }
footer.site { border-top: 1px solid #6b6b6b; margin-top: 2rem; padding: .75rem 0 2rem; }
@media print {
  .skip, form.filters, nav.tools { display: none; }
  body { font-size: 10pt; }
  a, a:visited { color: #000; text-decoration: none; }
  th, td { border-color: #000; }
  thead th { background: none; }
  tr { break-inside: avoid; }
  .scroll { overflow: visible; }
}
"""


def _href(path: str, seminar: Seminar, lang: str, **params: str | None) -> str:
    """A link that keeps the reader's language when it is not the seminar's."""
    query = {k: v for k, v in params.items() if v}
    if lang != seminar.language:
        query["lang"] = lang
    return path + ("?" + urlencode(query) if query else "")


def language_name(lang: str) -> str:
    """A language's name in that language itself ("Norsk nynorsk", "English"), as a language
    switch shows it: from Babel's locale data."""
    name = Locale.parse(lang).get_display_name(lang) or lang
    return name[:1].upper() + name[1:]


# A page's address in another language: the same page, with the same filters.
Switch = Callable[[str], str]


def _page(seminar: Seminar, lang: str, title: str, switch: Switch,
          main: Iterable[object], footer: Iterable[object]) -> Markup:
    languages = [el("a", language_name(other), href=switch(other), lang=other, hreflang=other)
                 for other in LANGUAGES if other != lang]
    nav = el("nav", el("a", t(lang, "record.home"), href=_href("/", seminar, lang)),
             *languages, class_="tools", aria_label=t(lang, "record.tools"))
    header = el("header", el("div", el("p", t(lang, "record.site_name"), class_="site-name"),
                             el("p", seminar.title), nav, class_="wrap"), class_="site")
    body = (
        el("a", t(lang, "record.skip"), href="#main", class_="skip"),
        header,
        el("main", *main, id="main", class_="wrap", tabindex="-1"),
        el("footer", el("div", *footer, class_="wrap"), class_="site"),
    )
    return document(lang, title, STYLE, body)


def _status_options(lang: str, chosen: Status | None) -> list[Markup]:
    return [el("option", t(lang, f"status.{s.value}"), value=s.value, selected=s is chosen)
            for s in Status]


def _select(name: str, label: str, all_label: str, options: list[Markup]) -> Markup:
    field_id = f"filter-{name}"
    return el("div", el("label", label, for_=field_id),
              el("select", el("option", all_label, value=""), options, id=field_id, name=name))


def _filter_form(snap: Snapshot, filters: Filters, lang: str) -> Markup:
    seminar = snap.seminar
    all_label = t(lang, "record.filter_all")
    areas = [el("option", a.name, value=a.key, selected=a.key == filters.area)
             for a in seminar.areas]
    ministries = [el("option", o.name, value=o.key, selected=o.key == filters.ministry)
                  for o in seminar.ministries]
    hidden = (el("input", type="hidden", name="lang", value=lang)
              if lang != seminar.language else None)
    clear = (el("a", t(lang, "record.filter_clear"), href=_href("/", seminar, lang))
             if filters.active else None)
    return el("form", el("fieldset", el("legend", t(lang, "record.filters")), el("div",
        _select("status", t(lang, "card.status"), all_label,
                _status_options(lang, filters.status)),
        _select("area", t(lang, "card.area"), all_label, areas),
        _select("ministry", t(lang, "card.ministry"), all_label, ministries),
        hidden,
        el("div", el("button", t(lang, "record.filter_apply"), type="submit")),
        el("div", clear) if clear else None,
        class_="fields")), method="get", action="/", class_="filters")


def response_text(p: Proposal, lang: str) -> tuple[str, bool]:
    """What the record says in the reasoned-response column, and whether it is a placeholder."""
    reason = reasoned_response(p)
    if reason:
        return reason, False
    if p.status is Status.INCLUDED:
        return t(lang, "record.included_no_reason"), False
    if p.status is Status.WITHDRAWN:
        return t(lang, "record.withdrawn_note"), False
    return t(lang, "record.undecided"), True


def _response_cell(p: Proposal, lang: str) -> Markup:
    text, placeholder = response_text(p, lang)
    return el("span", text, class_="muted") if placeholder else el("span", text,
                                                                      class_="text")


def _values(p: Proposal, lang: str) -> str:
    return ", ".join(t(lang, f"value.{v}") for v in p.values)


def index_page(snap: Snapshot, filters: Filters, lang: str,
               error: RecordError | None = None) -> Markup:
    """The record of inputs: every proposal that passes `filters`, with its reasoned response."""
    seminar = snap.seminar
    shown = [p for p in snap.proposals if filters.matches(p)]
    params = filters.to_dict()

    def switch(other: str) -> str:
        return _href("/", seminar, other, **params)

    main: list[object] = [
        el("h1", t(lang, "record.heading")),
        el("p", t(lang, "record.intro"), class_="intro"),
    ]
    if error is not None:
        main.append(el("p", error.text, class_="alert", role="alert"))
    main.append(_filter_form(snap, filters, lang))
    if not snap.proposals:
        main.append(el("p", t(lang, "record.none")))
    elif not shown:
        main.append(el("p", tn(lang, "record.count", len(snap.proposals), shown=0,
                               total=len(snap.proposals)),
                       class_="count", id="count"))
        main.append(el("p", t(lang, "record.none_match")))
    else:
        main.append(el("p", tn(lang, "record.count", len(snap.proposals), shown=len(shown),
                               total=len(snap.proposals)), class_="count", id="count"))
        main.append(_table(snap, shown, lang))
    footer = (
        el("p", el("a", t(lang, "record.api"),
                   href=_href("/api/proposals", seminar, lang, **params))),
        el("p", t(lang, "record.generated", when=format_when(snap.now, lang, seminar.timezone,
                                                             seconds=False, now=snap.now))),
    )
    return _page(seminar, lang, t(lang, "record.title", seminar=seminar.title), switch, main,
                 footer)


def _table(snap: Snapshot, shown: list[Proposal], lang: str) -> Markup:
    columns = ("record.col_number", "record.col_title", "record.col_organization",
               "card.ministry", "card.area", "card.values", "card.status", "card.decision")
    head = el("thead", el("tr", [el("th", t(lang, c), scope="col") for c in columns]))
    rows = []
    for p in shown:
        link = _href(f"/proposals/{p.ref}", snap.seminar, lang)
        rows.append(el("tr",
                       el("th", p.ref, scope="row"),
                       el("td", el("a", p.title, href=link)),
                       el("td", p.organization),
                       el("td", snap.seminar.org_name(p.ministry)),
                       el("td", snap.seminar.area_name(p.area)),
                       el("td", _values(p, lang)),
                       el("td", t(lang, f"status.{p.status.value}"),
                          data_status=p.status.value),
                       el("td", _response_cell(p, lang)),
                       id=f"row-{p.ref}"))
    table = el("table", el("caption", t(lang, "record.caption"), id="caption"), head,
               el("tbody", rows))
    return el("div", table, class_="scroll", role="region", aria_labelledby="caption",
              tabindex="0")


def proposal_page(snap: Snapshot, p: Proposal, lang: str) -> Markup:
    """One proposal: its facts, text, milestones, report, reasoned response and full history."""
    seminar = snap.seminar

    def switch(other: str) -> str:
        return _href(f"/proposals/{p.ref}", seminar, other)

    when = format_when(p.created_at, lang, seminar.timezone, seconds=False, now=snap.now)
    facts = (
        ("card.status", t(lang, f"status.{p.status.value}")),
        ("record.col_organization", p.organization),
        ("card.ministry", snap.seminar.org_name(p.ministry)),
        ("card.area", snap.seminar.area_name(p.area)),
        ("card.values", _values(p, lang)),
        ("record.submitted_at", when),
    )
    main: list[object] = [
        el("h1", f"{p.ref}: {p.title}"),
        el("dl", [(el("dt", t(lang, k)), el("dd", v)) for k, v in facts], class_="facts"),
        el("h2", t(lang, "card.problem")), el("p", p.problem, class_="text"),
        el("h2", t(lang, "card.description")), el("p", p.description, class_="text"),
        el("h2", t(lang, "card.milestones"), id="milestones"),
    ]
    if p.milestones:
        main.append(el("table", el("thead", el("tr",
            el("th", t(lang, "record.milestone_due"), scope="col"),
            el("th", t(lang, "record.milestone_text"), scope="col"))),
            el("tbody", [el("tr", el("td", el("time", m.due.isoformat(),
                                                datetime=m.due.isoformat())),
                            el("td", m.text)) for m in p.milestones]),
            aria_labelledby="milestones"))
    else:
        main.append(el("p", t(lang, "record.no_milestones")))
    main.append(el("h2", t(lang, "card.report")))
    if p.report:
        result = report_label(p.report, lang)
        main.append(el("p", el("strong", result), el("br"), p.report.get("text", ""),
                       class_="text"))
    else:
        main.append(el("p", t(lang, "record.no_report")))
    text, placeholder = response_text(p, lang)
    main.append(el("h2", t(lang, "card.decision")))
    main.append(el("p", text, class_="muted" if placeholder else "text"))
    main.append(el("h2", t(lang, "card.history"), id="history"))
    main.append(el("table", el("thead", el("tr",
        el("th", t(lang, "record.history_when"), scope="col"),
        el("th", t(lang, "record.history_who"), scope="col"),
        el("th", t(lang, "record.history_what"), scope="col"),
        el("th", t(lang, "card.status"), scope="col"))),
        el("tbody", [el("tr",
            el("td", el("time", format_when(h.at, lang, seminar.timezone, seconds=False,
                                            now=snap.now),
                        datetime=h.at.isoformat())),
            el("td", public_actor(p, h, lang)),
            el("td", history_text(h, lang, seminar.timezone, now=snap.now), class_="text"),
            el("td", t(lang, f"status.{h.status.value}"))) for h in p.history]),
        aria_labelledby="history"))
    footer = (
        el("p", el("a", t(lang, "record.back"), href=_href("/", seminar, lang))),
        el("p", el("a", t(lang, "record.api_one"),
                   href=_href(f"/api/proposals/{p.ref}", seminar, lang))),
    )
    return _page(seminar, lang, t(lang, "record.proposal_title", ref=p.ref, title=p.title),
                 switch, main, footer)


def error_page(seminar: Seminar, lang: str, error: RecordError) -> Markup:
    """A 400 or 404 page: the sentence, and the way back."""
    main = (el("h1", t(lang, "record.error_heading")),
            el("p", error.text, class_="alert", role="alert"),
            el("p", el("a", t(lang, "record.back"), href=_href("/", seminar, lang))))
    return _page(seminar, lang, t(lang, "record.error_heading"),
                 lambda other: _href("/", seminar, other), main, ())
