"""The public record over HTTP, through the real aiohttp server: the page, its filters, one
proposal's page and the JSON, against a store with a proposal in every state and hostile text."""

from __future__ import annotations

from datetime import date

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from adapters.server import build_app
from bot.core.model import Status
from bot.core.rehearsal import rehearsed
from bot.core.seminar import load_seminar
from tests.record.world import (
    HOSTILE_ORG,
    HOSTILE_REASON,
    HOSTILE_TITLE,
    INCLUDE_REASON,
    OUTSIDER,
    SEMINAR_FILE,
    cards,
    items,
    make_runtime,
    parse_html,
    table_rows,
)

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture
async def client():
    async with TestClient(TestServer(build_app(make_runtime()))) as c:
        yield c


async def page(client: TestClient, path: str, status: int = 200):
    response = await client.get(path)
    assert response.status == status
    assert response.content_type == "text/html"
    return parse_html(await response.text())


def refs(doc) -> list[str]:
    return [row[0] for row in table_rows(doc.one("table"))]


async def test_the_record_lists_every_proposal_with_its_reasoned_response(client):
    doc = await page(client, "/")
    rows = {row[0]: row for row in table_rows(doc.one("table"))}
    assert list(rows) == [f"P-{n}" for n in range(1, 10)]
    # number, title, status, reasoned response (what a reader comes for, first), proposer
    # organisation, ministry, area, values
    assert rows["P-8"][1:] == ["Lobbyregister", "ikke tatt med", HOSTILE_REASON,
                               "Transparency International Norge", "Finansdepartementet",
                               "Antikorrupsjon og ansvarlig forvaltning", "åpenhet, deltakelse"]
    assert rows["P-7"][2:4] == ["tatt med i planen", INCLUDE_REASON]
    assert rows["P-9"][2:4] == ["trukket", "Trukket før beslutning."]
    assert [rows[f"P-{n}"][2] for n in range(1, 7)] == [
        "innsendt", "presentert", "til diskusjon", "enighet", "bilateralt møte", "rapportert"]
    assert all(rows[f"P-{n}"][3] == "Ikke besluttet ennå" for n in range(1, 7))
    assert doc.by_id("count").text() == "Viser 9 av 9 forslag."
    # the same proposals as cards (a narrow screen's), status and response first
    shown = cards(doc)
    assert list(shown) == list(rows)
    assert list(shown["P-8"].items())[:3] == [
        ("", "P-8: Lobbyregister"), ("Status", "ikke tatt med"),
        ("Begrunnet svar", HOSTILE_REASON)]


async def test_hostile_text_shows_as_text(client):
    response = await client.get("/")
    body = await response.text()
    assert "<script" not in body and "<b>" not in body and "<Fri>" not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;!channel&gt;" in body
    doc = parse_html(body)
    row = table_rows(doc.one("table"))[0]
    assert row[1] == HOSTILE_TITLE and row[4] == HOSTILE_ORG
    assert cards(doc)["P-1"][""] == f"P-1: {HOSTILE_TITLE}"
    assert doc.all("script") == [] and doc.all("b") == []
    one = await page(client, "/proposals/P-1")
    assert one.one("h1").text() == f"P-1: {HOSTILE_TITLE}"
    assert one.all("script") == [] and one.all("i") == []


async def test_the_page_is_accessible_html_without_javascript(client):
    doc = await page(client, "/")
    html = doc.one("html")
    assert html.attrs["lang"] == "nb"
    body_links = doc.one("body").all("a")
    assert body_links[0].attrs["href"] == "#main"  # the skip link comes first
    assert doc.by_id("main").tag == "main"
    assert len(doc.all("h1")) == 1
    table = doc.one("table")
    assert table.one("caption").text()
    assert all(th.attrs.get("scope") == "col" for th in table.one("thead").all("th"))
    assert all(th.attrs.get("scope") == "row" for th in table.one("tbody").all("th"))
    form = doc.one("form")
    assert form.attrs["method"] == "get" and form.attrs["action"] == "/"
    labels = {label.attrs["for"] for label in form.all("label")}
    assert {s.attrs["id"] for s in form.all("select")} == labels
    assert {s.attrs["name"] for s in form.all("select")} == {"status", "area", "ministry"}
    assert form.one("button").attrs["type"] == "submit"
    assert doc.all("script") == []
    style = doc.one("style").text()
    assert ":focus-visible" in style and "@media print" in style


async def test_english_on_request(client):
    doc = await page(client, "/?lang=en")
    assert doc.one("html").attrs["lang"] == "en"
    assert doc.one("h1").text() == "Inputs to the action plan and reasoned responses"
    rows = {row[0]: row for row in table_rows(doc.one("table"))}
    assert rows["P-7"][2] == "included in the plan"
    assert rows["P-1"][3] == "Not decided yet"
    # links keep the language; the switch names its language, whatever the browser prefers
    assert doc.one("tbody").all("a")[0].attrs["href"] == "/proposals/P-1?lang=en"
    switch = {a.attrs["hreflang"]: a for a in doc.all("a") if "hreflang" in a.attrs}
    assert sorted(switch) == ["nb", "nn"]  # the two other languages, each named in itself
    assert switch["nb"].attrs["href"] == "/?lang=nb" and switch["nb"].attrs["lang"] == "nb"
    assert switch["nn"].attrs["href"] == "/?lang=nn" and switch["nn"].text() == "Norsk nynorsk"
    unknown = await page(client, "/?lang=de")  # an unknown language: the seminar's
    assert unknown.one("html").attrs["lang"] == "nb"


async def test_nynorsk_on_request_and_its_switch_keeps_the_filters(client):
    doc = await page(client, "/?lang=nn&status=included")
    assert doc.one("html").attrs["lang"] == "nn"
    assert doc.one("h1").text() == "Innspel til handlingsplanen og grunngitte svar"
    assert refs(doc) == ["P-7"]
    assert table_rows(doc.one("table"))[0][2] == "teke med i planen"
    assert doc.by_id("count").text() == "Viser 1 av 9 forslag."
    switch = {a.attrs["hreflang"]: a.attrs["href"] for a in doc.all("a")
              if "hreflang" in a.attrs}
    assert switch == {"nb": "/?status=included&lang=nb", "en": "/?status=included&lang=en"}
    one = await page(client, "/proposals/P-9?lang=nn")
    assert "Trekt før avgjerda." in one.text()
    assert {a.attrs["hreflang"] for a in one.all("a") if "hreflang" in a.attrs} == {"nb", "en"}


@pytest.mark.parametrize(("query", "expected"), [
    ("status=not_included", ["P-8"]),
    ("status=in_discussion", ["P-3"]),
    ("ministry=jd", ["P-1", "P-5", "P-6", "P-7", "P-9"]),
    ("area=antikorrupsjon&ministry=fin", ["P-3", "P-8"]),
    ("status=&area=&ministry=", [f"P-{n}" for n in range(1, 10)]),  # the form's "All"
])
async def test_filters_are_shareable_links(client, query, expected):
    doc = await page(client, f"/?{query}")
    assert refs(doc) == expected
    assert doc.by_id("count").text() == f"Viser {len(expected)} av 9 forslag."


async def test_a_filter_is_shown_as_chosen_and_can_be_cleared(client):
    doc = await page(client, "/?status=included&lang=en")
    chosen = [o for o in doc.by_id("filter-status").all("option") if "selected" in o.attrs]
    assert [o.attrs["value"] for o in chosen] == ["included"]
    hidden = [i for i in doc.one("form").all("input") if i.attrs.get("name") == "lang"]
    assert hidden[0].attrs["value"] == "en"
    clear = doc.one("form").all("a")
    assert clear[0].attrs["href"] == "/?lang=en"


async def test_nothing_matches(client):
    doc = await page(client, "/?status=submitted&ministry=fin")
    assert doc.all("table") == []
    assert "Ingen forslag passer filteret." in doc.by_id("main").text()


async def test_a_bad_filter_is_a_400_with_a_sentence(client):
    doc = await page(client, "/?status=banana", 400)
    alert = next(p for p in doc.all("p") if p.attrs.get("role") == "alert")
    assert "«banana» er ikke en gyldig verdi for status" in alert.text()
    assert len(refs(doc)) == 9  # the whole record, unfiltered, below the sentence
    response = await client.get("/api/proposals?ministry=nope&lang=en")
    assert response.status == 400
    doc_json = await response.json()
    assert doc_json["code"] == "bad_filter"
    assert "“nope” is not a valid responsible ministry" in doc_json["error"]


async def test_one_proposal_with_milestones_and_history(client):
    doc = await page(client, "/proposals/P-1")
    assert doc.all("table") == []  # lists, which fit a phone, not wide tables
    # status and reasoned response first, right under the heading
    assert doc.by_id("summary-status").text() == "Status: innsendt"
    assert doc.by_id("response").text() == "Begrunnet svar"
    # dates in words, the year said where it is not this year (the record is read in 2026)
    milestones = doc.by_id("main").all("ol")[0]
    assert items(milestones) == ["1. mars 2027 Første <utkast> & høring ikke nådd ennå",
                                 "31. desember 2027 =SUM(A1) ferdig ikke nådd ennå"]
    assert [t.attrs["datetime"] for t in milestones.all("time")] == ["2027-03-01", "2027-12-31"]
    facts = dict(zip([d.text() for d in doc.one("dl").all("dt")],
                     [d.text() for d in doc.one("dl").all("dd")], strict=True))
    assert facts["Foreslått av"] == HOSTILE_ORG
    assert facts["Ansvarlig departement"] == "Justis- og beredskapsdepartementet"
    # someone the bot met without a name is shown by organisation, never by e-mail address
    history = items(doc.by_id("main").all("ol")[-1])
    assert history[0].endswith(f"– {HOSTILE_ORG}: foreslo (innsendt)")
    assert OUTSIDER not in doc.text()

    p5 = await page(client, "/proposals/P-5?lang=en")
    what = [line.split(": ", 1)[1] for line in items(p5.by_id("main").all("ol")[-1])]
    assert what == ["proposed (submitted)", "presented at the seminar (presented)",
                    "placed at a small table (in discussion)",
                    "continues in a bilateral meeting (bilateral meeting)",
                    "scheduled a bilateral meeting Thursday 10 December at 14:00 "
                    "(bilateral meeting)"]
    assert "No milestones were given." in p5.text()


async def test_a_decided_proposal_shows_report_and_reasoned_response(client):
    doc = await page(client, "/proposals/P-8")
    text = doc.by_id("main").text()
    assert "Ikke enighet om omfanget." in text and HOSTILE_REASON in text
    statuses = [line.rsplit("(", 1)[1] for line in items(doc.by_id("main").all("ol")[-1])]
    assert statuses[-3:] == ["enighet)", "rapportert)", "ikke tatt med)"]
    assert doc.by_id("summary-status").text() == "Status: ikke tatt med"
    assert HOSTILE_REASON in doc.one("section").text()  # the response near the top


@pytest.mark.parametrize(("path", "status", "sentence"), [
    ("/proposals/P-99", 404, "Det finnes ikke noe forslag P-99."),
    ("/proposals/banana", 400, "«banana» er ikke et forslagsnummer."),
    ("/proposals/P-1x", 400, "«P-1x» er ikke et forslagsnummer."),
    ("/proposals/P-" + "9" * 300, 400, "er ikke et forslagsnummer."),
])
async def test_an_unknown_or_malformed_number_on_the_page(client, path, status, sentence):
    doc = await page(client, path, status)
    assert sentence in doc.text()
    assert doc.one("html").attrs["lang"] == "nb"


async def test_the_record_as_json(client):
    response = await client.get("/api/proposals")
    assert response.status == 200 and response.content_type == "application/json"
    body = await response.text()
    assert "example.org" not in body  # no e-mail addresses or person keys in public
    doc = await response.json()
    assert doc["total"] == doc["count"] == 9
    assert [p["status"] for p in doc["proposals"]] == [s.value for s in Status]
    p1, p8 = doc["proposals"][0], doc["proposals"][7]
    assert p1["title"] == HOSTILE_TITLE and p1["organization"] == HOSTILE_ORG
    assert p1["milestones"] == [
        {"start": None, "end": "2027-03-01", "text": "Første <utkast> & høring", "done": False,
         "done_at": None, "done_text": None},
        {"start": None, "end": "2027-12-31", "text": "=SUM(A1) ferdig", "done": False,
         "done_at": None, "done_text": None}]
    assert p1["reasoned_response"] is None and "history" not in p1
    assert p8["reasoned_response"] == HOSTILE_REASON
    assert p8["ministry_name"] == "Finansdepartementet" and p8["status_label"] == "ikke tatt med"
    assert p8["url"] == "/proposals/P-8"
    filtered = await (await client.get("/api/proposals?ministry=fin&lang=en")).json()
    assert [p["ref"] for p in filtered["proposals"]] == ["P-3", "P-8"]
    assert filtered["proposals"][1]["status_label"] == "not included"


async def test_a_rehearsals_record_says_so_on_every_page_and_in_every_document():
    real = load_seminar(SEMINAR_FILE)
    runtime = make_runtime(seminar=rehearsed(real, date(2026, 12, 7)))
    async with TestClient(TestServer(build_app(runtime))) as c:
        for lang, said in (("nb", "Øving: dette er en prøvekjøring"),
                           ("nn", "Øving: dette er ei prøvekøyring"),
                           ("en", "Rehearsal: this is a run-through")):
            for path in ("/", "/proposals/P-8", "/plan", "/accessibility"):
                doc = await page(c, f"{path}?lang={lang}")
                assert doc.one("title").text().startswith(said.split(":")[0] + ": ")
                assert said in doc.text(), (path, lang)
        for path in ("/api/proposals", "/api/proposals/P-8", "/api/plan"):
            doc = await (await c.get(path)).json()
            assert next(iter(doc.items())) == ("rehearsal", True), path
    async with TestClient(TestServer(build_app(make_runtime(seminar=real)))) as c:
        for path in ("/api/proposals", "/api/proposals/P-8", "/api/plan"):
            assert "rehearsal" not in await (await c.get(path)).json(), path


async def test_one_proposal_as_json(client):
    doc = await (await client.get("/api/proposals/P-8")).json()
    p = doc["proposal"]
    assert {k: p["decision"][k] for k in ("result", "reason")} == {
        "result": "exclude", "reason": HOSTILE_REASON}
    assert {k: p["report"][k] for k in ("result", "text")} == {
        "result": "declined", "text": "Ikke enighet om omfanget."}
    assert [h["action"] for h in p["history"]] == [
        "proposed", "presented", "discussed", "outcome_agreed", "report_declined", "exclude"]
    # each stored key also in words, in the reader's language
    assert p["history"][0]["what"] == "foreslo" and p["history"][0]["status_label"] == "innsendt"
    assert p["history"][-1]["what"] == f"tok ikke forslaget med: {HOSTILE_REASON}"
    assert all("actor" not in h for h in p["history"])


@pytest.mark.parametrize(("path", "status", "code"), [
    ("/api/proposals/P-99", 404, "not_found"),
    ("/api/proposals/x", 400, "bad_number"),
    ("/api/proposals/P-%3Cscript%3E", 400, "bad_number"),
])
async def test_json_errors_never_500(client, path, status, code):
    response = await client.get(path + "?lang=en")
    assert response.status == status and response.content_type == "application/json"
    doc = await response.json()
    assert doc["code"] == code and doc["status"] == status
    assert "number" in doc["error"] or "proposal" in doc["error"]


async def test_an_empty_record(tmp_path):
    async with TestClient(TestServer(build_app(make_runtime(populated=False)))) as c:
        doc = await page(c, "/?lang=en")
        assert doc.all("table") == []
        assert "No proposals have been received yet." in doc.text()
        assert (await (await c.get("/api/proposals")).json())["proposals"] == []
