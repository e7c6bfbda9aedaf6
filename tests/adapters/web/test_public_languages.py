"""The public pages in the reader's language, through the real aiohttp server: chosen with
`?lang=`, else by the browser's `Accept-Language`, else the seminar's; every passage in
another language marked with its own (WCAG 3.1.2); every page naming its publisher and
linking to the accessibility statement, which exists in all three languages; and a
commitment imported from an adopted plan reading as a commitment."""

from __future__ import annotations

from dataclasses import replace

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from adapters.server import build_app
from bot.core.seminar import Site
from tests.record.plan_world import LONG_WORD, make_full_runtime
from tests.record.world import JD, Node, parse_html, say

pytestmark = pytest.mark.asyncio

PAGES = ("/", "/?status=included", "/?status=banana", "/proposals/P-1", "/proposals/P-7",
         "/proposals/P-11", "/proposals/P-12", "/plan", "/accessibility", "/proposals/P-99",
         "/no/such/page")
KMD = "Kommunal- og moderniseringsdepartementet"


@pytest_asyncio.fixture
async def client():
    async with TestClient(TestServer(build_app(make_full_runtime()))) as c:
        yield c


async def page(client: TestClient, path: str, accept: str | None = None) -> Node:
    headers = {"Accept-Language": accept} if accept is not None else {}
    response = await client.get(path, headers=headers)
    assert response.status in (200, 400, 404)
    assert "Accept-Language" in response.headers["Vary"]  # a cache keeps one per language
    return parse_html(await response.text())


def marked(within: Node, text: str) -> list[str]:
    """The language marked on each innermost element under `within` (the page's body, say)
    whose text is `text`, by itself or an element around it ("": none but the page's)."""
    found = []

    def walk(node: Node, inherited: str) -> None:
        here = node.attrs.get("lang", inherited)
        if node.text() == text and not any(
                isinstance(c, Node) and c.text() == text for c in node.children):
            found.append(here)
            return
        for c in node.children:
            if isinstance(c, Node):
                walk(c, here)

    body = within.all("body")
    walk(body[0] if body else within, "")
    return found


def part(within: Node, tag: str, cls: str) -> Node:
    """The one `<tag class="cls ...">` under `within`."""
    (found,) = [n for n in within.all(tag) if cls in n.attrs.get("class", "").split()]
    return found


@pytest.mark.parametrize(("accept", "expected"), [
    ("nn-NO,nn;q=0.9,en;q=0.5", "nn"),
    ("nb-NO,nb;q=0.9", "nb"),
    ("no", "nb"),
    ("en-GB,en;q=0.9", "en"),
    ("de-DE,de;q=0.9,en;q=0.4", "en"),  # the first the pages are written in
    ("nn;q=0,en;q=0.1", "en"),  # nynorsk refused outright
    ("fr-FR", "nb"),  # none of ours: the seminar's
    ("", "nb"),
])
async def test_the_browser_s_language_is_the_page_s(client, accept, expected):
    for path in ("/", "/proposals/P-7", "/plan", "/accessibility"):
        doc = await page(client, path, accept)
        assert doc.one("html").attrs["lang"] == expected, (path, accept)
        links = [a.attrs["href"] for a in doc.all("a") if a.attrs["href"].startswith("/")]
        # every link keeps the language, so the next page is in it whatever the browser says
        assert all(href.endswith(f"lang={expected}") or "lang=" in href for href in links)
        assert {a.attrs["hreflang"] for a in doc.all("a") if "hreflang" in a.attrs} == \
            {"nb", "nn", "en"} - {expected}


async def test_the_query_outranks_the_browser(client):
    doc = await page(client, "/proposals/P-7?lang=nb", "nn-NO,nn;q=0.9")
    assert doc.one("html").attrs["lang"] == "nb"
    switch = {a.attrs["hreflang"]: a.attrs["href"] for a in doc.all("a")
              if "hreflang" in a.attrs}
    assert switch == {"nn": "/proposals/P-7?lang=nn", "en": "/proposals/P-7?lang=en"}


async def test_norwegian_names_on_an_english_page_carry_their_language(client):
    doc = await page(client, "/?lang=en")
    # the seminar file's names are bokmål: on an English page each is marked so
    assert set(marked(doc, "Justis- og beredskapsdepartementet")) == {"nb"}
    assert set(marked(doc, "Antikorrupsjon og ansvarlig forvaltning")) == {"nb"}
    options = [o for o in doc.by_id("filter-ministry").all("option") if o.attrs["value"]]
    assert {o.attrs.get("lang") for o in options} == {"nb"}
    # the English proposal is English here: no mark of its own
    assert set(marked(doc, f"P-12: {LONG_WORD}")) == {""}
    # and on a nynorsk page the same bokmål names are marked as bokmål
    nn = await page(client, "/?lang=nn")
    assert set(marked(nn, "Justis- og beredskapsdepartementet")) == {"nb"}
    # on a bokmål page they are in the page's own language
    nb = await page(client, "/?lang=nb")
    assert set(marked(nb, "Justis- og beredskapsdepartementet")) == {""}


async def test_a_proposal_in_english_on_a_norwegian_page_carries_its_language(client):
    for lang in ("nb", "nn"):
        doc = await page(client, f"/proposals/P-12?lang={lang}")
        (title,) = doc.one("h1").all("span")
        assert title.attrs["lang"] == "en" and title.text() == LONG_WORD
        problem = next(p for p in doc.all("p")
                       if p.text() == "Procurement documents are hard to find")
        assert problem.attrs["lang"] == "en"
    english = await page(client, "/proposals/P-12?lang=en")
    assert english.one("h1").all("span") == []
    listing = await page(client, "/?lang=nb")
    assert set(marked(listing, LONG_WORD)) == {"en"}


@pytest.mark.parametrize("lang", ["nb", "nn", "en"])
async def test_every_page_names_its_publisher_and_links_the_statement(client, lang):
    for path in PAGES:
        doc = await page(client, path + ("&" if "?" in path else "?") + f"lang={lang}")
        footer = doc.one("footer")
        assert KMD in footer.text(), path
        assert KMD in doc.one("header").text(), path
        mail = [a for a in footer.all("a") if a.attrs["href"] == "mailto:postmottak@kmd.dep.no"]
        assert [a.text() for a in mail] == ["postmottak@kmd.dep.no"], path
        statement = [a for a in footer.all("a")
                     if a.attrs["href"] == f"/accessibility?lang={lang}"]
        assert len(statement) == 1, path
        # KMD's name is bokmål: in a span marked so on the pages in the two other languages,
        # part of the sentence on a bokmål page
        assert set(marked(footer, KMD)) == (set() if lang == "nb" else {"nb"}), path


async def test_an_address_nothing_answers_is_a_page_in_the_reader_s_language(client):
    for accept, lang, said in (("nn-NO", "nn", "Den sida finst ikkje."),
                               ("en-GB", "en", "That page does not exist."),
                               ("", "nb", "Den siden finnes ikke.")):
        response = await client.get("/proposal/P-1", headers={"Accept-Language": accept})
        assert response.status == 404
        assert response.content_type == "text/html"
        doc = parse_html(await response.text())
        assert doc.one("html").attrs["lang"] == lang
        assert said in doc.by_id("main").text()
    # what is not a page keeps its own answer
    assert (await client.get("/api/proposals/P-99")).content_type == "application/json"
    assert (await client.post("/no/such/page")).status in (404, 405)


async def test_the_accessibility_statement_in_three_languages(client):
    headings = {"nb": "Tilgjengelighetserklæring", "nn": "Tilgjengelegheitserklæring",
                "en": "Accessibility statement"}
    for lang, heading in headings.items():
        doc = await page(client, f"/accessibility?lang={lang}")
        assert doc.one("h1").text() == heading
        text = doc.by_id("main").text()
        assert "WCAG 2.1" in text and "AA" in text  # the standard
        assert "axe-core" in text and "320" in text  # how it was tested
        assert "3.1.2" in text  # a known deviation
        contact = [a for a in doc.by_id("main").all("a")
                   if a.attrs["href"] == "mailto:postmottak@kmd.dep.no"]
        assert len(contact) == 1  # where to give feedback
        assert [a.attrs["href"] for a in doc.by_id("main").all("a")
                if "uutilsynet" in a.attrs["href"]] == ["https://www.uutilsynet.no/"]
    nn = (await page(client, "/accessibility?lang=nn")).by_id("main").text()
    assert "ikkje" in nn and "ikke" not in nn


async def test_the_statement_links_the_published_one_where_the_seminar_file_names_it():
    runtime = make_full_runtime()
    url = "https://uustatus.no/nb/erklaringer/publisert/0000-ogp"
    seminar = replace(runtime.seminar, site=Site("Digitaliseringsdirektoratet",
                                                 "https://www.digdir.no/kontakt", url))
    runtime = replace(runtime, seminar=seminar)
    async with TestClient(TestServer(build_app(runtime))) as c:
        doc = await page(c, "/accessibility?lang=en")
        links = [a.attrs["href"] for a in doc.by_id("main").all("a")]
        assert url in links and "https://www.digdir.no/kontakt" in links
        assert "Digitaliseringsdirektoratet" in doc.one("footer").text()


async def test_an_imported_commitment_reads_as_a_commitment(client):
    for lang, adopted in (("nb", "Vedtatt i handlingsplanen (NO4-1)."),
                          ("nn", "Vedteken i handlingsplanen (NO4-1)."),
                          ("en", "Adopted in the action plan (NO4-1).")):
        doc = await page(client, f"/proposals/P-11?lang={lang}")
        main = doc.by_id("main")
        text = main.text()
        assert "ogpbot" not in text  # no tool's name in the commitment's state
        assert adopted in main.one("section").text()  # in place of a reasoned response
        facts = dict(zip([d.text() for d in doc.one("dl").all("dt")],
                         [d.text() for d in doc.one("dl").all("dd")], strict=True))
        assert all(facts.values())  # no empty fact
        # what it never had here is not shown as missing: no proposer, no "sent in" time
        # (it was adopted elsewhere), no problem statement, notes or ministry's report
        assert not {"Foreslått av", "Føreslått av", "Proposed by", "Sendt inn",
                    "Submitted"} & set(facts)
        assert facts.get({"nb": "Periode", "nn": "Periode", "en": "Period"}[lang]) == {
            "nb": "1. januar 2027 – 30. juni 2028", "nn": "1. januar 2027 – 30. juni 2028",
            "en": "1 January 2027 – 30 June 2028"}[lang]
        assert "NO4-1" in facts.values()
        headings = [h.text() for h in main.all("h2")]
        assert not {"Problemet", "Notater fra bordet", "Notat frå bordet",
                    "Notes from the table", "Departementets rapport", "Rapport frå departementet",
                    "The ministry's report"} & set(headings)
        assert "rapportert" not in text  # no "the ministry has not reported yet"
        # every heading has something under it
        assert all(h.text() for h in main.all("h2"))
    en = (await page(client, "/proposals/P-11?lang=en")).by_id("main").text()
    assert "The text as it stands in the adopted action plan." in en
    for lang, someone in (("nb", "en deltaker"), ("nn", "ein deltakar"), ("en", "a participant")):
        doc = await page(client, f"/proposals/P-11?lang={lang}")
        # the plan that adopted it stands in its history by its ministry's name
        (line,) = part(doc.by_id("main"), "ol", "history").all("li")
        assert "Justis- og beredskapsdepartementet" in line.text()
        assert someone not in line.text()


async def test_what_a_person_wrote_carries_the_language_they_wrote_it_in():
    """A ministry's person who writes nynorsk: their progress report, new milestone, what they
    said on completing one and their report's words in the history are marked nynorsk on the
    bokmål and English pages, and are the page's own language on the nynorsk one."""
    runtime = make_full_runtime()
    bot = runtime.bot
    say(bot, JD, "language nn")
    report = "Pilotane går no i fem departement"
    added = "Evaluering av pilotane"
    done = "Utgreiinga vart ferdig i tide"
    say(bot, JD, f"progress P-10 substantial {report}")
    say(bot, JD, f"milestone P-10 add 2027-09-01 {added}")
    say(bot, JD, f"milestone P-10 done 1 {done}")
    async with TestClient(TestServer(build_app(runtime))) as c:
        for lang in ("nb", "en"):
            main = (await page(c, f"/proposals/P-10?lang={lang}")).by_id("main")
            assert marked(part(main, "ul", "reports"), report) == ["nn"], lang
            assert marked(part(main, "ol", "history"), report) == ["nn"], lang
            assert marked(part(main, "ol", "history"), added) == ["nn"], lang
            assert marked(part(main, "ol", "milestones"), added) == ["nn"], lang
            assert marked(part(main, "ol", "timeline"), added) == ["nn"], lang
            assert marked(part(main, "ol", "milestones"), done) == ["nn"], lang
            # a line of the history is in the page's language around what was typed in it
            line = next(li for li in part(main, "ol", "history").all("li") if report in li.text())
            assert line.attrs.get("lang") is None
        main = (await page(c, "/proposals/P-10?lang=nn")).by_id("main")
        for where in (part(main, "ul", "reports"), part(main, "ol", "history"),
                      part(main, "ol", "milestones")):
            assert [n.attrs["lang"] for n in where.all("span") + where.all("p")
                    if "lang" in n.attrs] == []
            assert report in where.text() or added in where.text()
