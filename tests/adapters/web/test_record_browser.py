"""What a person sees: the public record loaded in headless Chromium (Debian's `chromium`,
which `make test` installs) from the real server on 127.0.0.1: the table, a filter applied
through its shareable link, and one proposal's page; and the page a nynorsk browser gets."""

from __future__ import annotations

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestServer

from adapters.server import build_app
from tests.adapters.web.browser import CHROMIUM, NO_CHROMIUM, dump_dom
from tests.record.world import (
    HOSTILE_REASON,
    HOSTILE_TITLE,
    items,
    make_runtime,
    parse_html,
    table_rows,
)

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM),
]


@pytest_asyncio.fixture
async def server():
    async with TestServer(build_app(make_runtime()), host="127.0.0.1") as s:
        yield s


async def test_a_person_sees_the_record_a_filter_and_a_proposal(server):
    home = parse_html(await dump_dom(str(server.make_url("/")), "--accept-lang=nb-NO"))
    assert home.one("h1").text() == "Innspill til handlingsplanen og begrunnede svar"
    rows = table_rows(home.one("table"))
    assert [r[0] for r in rows] == [f"P-{n}" for n in range(1, 10)]
    assert rows[0][1] == HOSTILE_TITLE  # shown as text: no script element came of it
    assert rows[7][3] == HOSTILE_REASON
    assert home.all("script") == []

    # the filter form is a plain GET form: applying it is loading this link
    form = home.one("form")
    assert form.attrs["method"] == "get"
    filtered = parse_html(await dump_dom(str(server.make_url("/?status=included&lang=en"))))
    assert filtered.one("html").attrs["lang"] == "en"
    assert [r[0] for r in table_rows(filtered.one("table"))] == ["P-7"]
    assert filtered.by_id("count").text() == "Showing 1 of 9 proposals."
    selected = [o.text() for o in filtered.by_id("filter-status").all("option")
                if "selected" in o.attrs]
    assert selected == ["included in the plan"]

    link = table_rows(home.one("table"))[4]
    assert link[1] == "Varslervern i staten"
    href = home.one("tbody").all("a")[4].attrs["href"]
    proposal = parse_html(await dump_dom(str(server.make_url(href))))
    assert proposal.one("h1").text() == "P-5: Varslervern i staten"
    history = items(proposal.by_id("main").all("ol")[-1])
    assert history[-1].endswith("avtalte bilateralt møte torsdag 10. desember kl. 14:00 "
                                "(bilateralt møte)")
    assert [h.rsplit(" (", 1)[1] for h in history] == [
        "innsendt)", "presentert)", "til diskusjon)", "bilateralt møte)", "bilateralt møte)"]


async def test_a_nynorsk_browser_gets_nynorsk(server):
    """A Chromium that prefers nynorsk asks for it (`Accept-Language: nn-NO,...`): the page
    comes in nynorsk, its links keep it, and the switch offers bokmål and English."""
    home = parse_html(await dump_dom(str(server.make_url("/")), "--accept-lang=nn-NO"))
    assert home.one("html").attrs["lang"] == "nn"
    assert home.one("h1").text() == "Innspel til handlingsplanen og grunngitte svar"
    href = home.one("tbody").all("a")[6].attrs["href"]
    assert href == "/proposals/P-7?lang=nn"
    switch = {a.attrs["hreflang"] for a in home.all("a") if "hreflang" in a.attrs}
    assert switch == {"nb", "en"}
    english = parse_html(await dump_dom(str(server.make_url("/")), "--accept-lang=en-GB"))
    assert english.one("html").attrs["lang"] == "en"
    # a language the pages are not written in: the seminar's
    german = parse_html(await dump_dom(str(server.make_url("/")), "--accept-lang=de-DE"))
    assert german.one("html").attrs["lang"] == "nb"
