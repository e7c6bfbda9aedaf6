"""A refined commitment in public: its page shows the current text, goal, the actor who joined,
the table's notes, its milestones with start, end and done, and what changed from version to
version (struck-through and underlined words, with words a screen reader says); the JSON and
the export carry the same, and nobody off the roster is named."""

from __future__ import annotations

import csv
import io
import json

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from adapters.server import build_app
from bot.record.export import render
from bot.record.public import snapshot
from tests.record.world import (
    HOSTILE_EDIT,
    HOSTILE_NOTE,
    HOSTILE_ORG,
    OUTSIDER,
    Node,
    make_runtime,
    parse_html,
    table_rows,
)

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture
async def client():
    async with TestClient(TestServer(build_app(make_runtime()))) as c:
        yield c



def listed(doc: Node, kind: str) -> Node:
    """The page's list of one kind (`ol class="versions"`, "notes", "milestones")."""
    (found,) = [o for o in doc.all("ol") if o.attrs.get("class") == kind]
    return found

async def test_the_page_shows_the_current_text_and_what_changed(client):
    response = await client.get("/proposals/P-7")
    assert response.status == 200
    html = await response.text()
    doc = parse_html(html)
    facts = dict(zip([d.text() for d in doc.all("dt")], [d.text() for d in doc.all("dd")],
                     strict=True))
    assert facts["Andre aktører"] == "Publish What You Pay Norge"
    assert facts["Versjon"] == "3"
    main = doc.by_id("main")
    assert main is not None
    assert HOSTILE_EDIT in main.text()  # the current text, as typed
    assert "<raskt>" not in html and "&lt;raskt&gt;" in html
    assert "Mål Alle kommuner har en åpen journal" in main.text()

    versions = doc.by_id("versions")
    assert versions is not None and versions.tag == "h2"
    items = listed(doc, "versions").all("li")
    headings = [li.one("h3").text() for li in items]
    assert [h.split(" – ")[0] for h in headings] == ["Versjon 1", "Versjon 2", "Versjon 3"]
    assert headings[1].endswith("Ingrid Berg") and headings[2].endswith("Anders Bakke")
    assert "Teksten slik den ble sendt inn." in items[0].text()
    assert [h.text() for h in items[1].all("h4")] == ["Mål"]
    assert [h.text() for h in items[2].all("h4")] == ["Forpliktelsen"]
    (added,) = items[2].all("ins")
    assert added.text() == 'Lagt til: <raskt> & "godt"'
    assert items[2].all("del") == []
    assert added.one("span").attrs["class"] == "visually-hidden"

    notes = listed(doc, "notes").all("li")
    assert [n.all("p")[1].text() for n in notes] == [HOSTILE_NOTE]
    assert notes[0].text().endswith("Anders Bakke (Transparency International Norge) "
                                    + HOSTILE_NOTE)
    (milestone,) = listed(doc, "milestones").all("li")
    assert milestone.text() == "1. januar – 30. juni 2027 Pilot i ti kommuner nådd " \
                               "21. november : Ferdig i juni"


async def test_a_note_by_someone_off_the_roster_names_no_one(client):
    doc = parse_html(await (await client.get("/proposals/P-1")).text())
    (note,) = listed(doc, "notes").all("li")
    assert HOSTILE_ORG in note.text() and "Et notat fra forslagsstilleren" in note.text()
    assert OUTSIDER not in doc.text()


async def test_the_record_shows_who_joined_beside_the_proposer(client):
    doc = parse_html(await (await client.get("/")).text())
    rows = {row[0]: row for row in table_rows(doc.one("table"))}
    assert rows["P-7"][4] == "Transparency International Norge Med: Publish What You Pay Norge"


async def test_the_json_has_the_versions_as_segments(client):
    response = await client.get("/api/proposals/P-7?lang=en")
    body = await response.text()
    assert "example.org" not in body and "roster:" not in body
    p7 = json.loads(body)["proposal"]
    assert p7["version"] == 3 and p7["goal"] == "Alle kommuner har en åpen journal"
    assert p7["actors"] == ["Publish What You Pay Norge"]
    assert p7["notes"] == [{"at": p7["notes"][0]["at"],
                            "by": "Anders Bakke (Transparency International Norge)",
                            "text": HOSTILE_NOTE}]
    assert [v["by"] for v in p7["versions"]] == ["Anders Bakke", "Ingrid Berg", "Anders Bakke"]
    (change,) = p7["versions"][2]["changes"]
    assert change["field"] == "description" and change["label"] == "The commitment"
    assert change["segments"] == [{"op": "same", "text": "Dette skal gjøres"},
                                  {"op": "added", "text": ' <raskt> & "godt"'}]
    assert p7["milestones"][0]["done"] is True and p7["milestones"][0]["start"] == "2027-01-01"
    assert "followers" not in p7 and "unfollowed" not in p7


async def test_the_export_carries_the_current_text_goal_actors_and_milestones():
    runtime = make_runtime()
    snap = snapshot(runtime.seminar, runtime.bot.records, runtime.clock.now())
    markdown = render(snap, "markdown", "en", [])
    plan = markdown.split("## The record of inputs")[0]
    assert 'Dette skal gjøres \\<raskt\\> \\& "godt"' in plan
    assert "**Goal:**" in plan and "Alle kommuner har en åpen journal" in plan
    assert "- Joined by Publish What You Pay Norge" in plan
    assert ("| 1 | 1 January 2027 | 30 June 2027 | Pilot i ti kommuner | done 21 November 2026 "
            "– Ferdig i juni |") in plan
    rows = list(csv.DictReader(io.StringIO(render(snap, "csv", "en", []), newline="")))
    p7 = rows[6]
    assert p7["description"] == HOSTILE_EDIT and p7["version"] == "3"
    assert p7["actors"] == "Publish What You Pay Norge"
    assert p7["milestones"] == "2027-01-01 2027-06-30 Pilot i ti kommuner [2026-11-21]"
    assert p7["notes"].endswith(f"Anders Bakke: {HOSTILE_NOTE}")


@pytest.mark.parametrize("lang", ["nb", "nn", "en"])
async def test_the_versions_speak_each_language(client, lang):
    doc = parse_html(await (await client.get(f"/proposals/P-7?lang={lang}")).text())
    heading = doc.by_id("versions")
    assert heading is not None
    assert heading.text() == {"nb": "Versjoner av teksten", "nn": "Versjonar av teksten",
                              "en": "Versions of the text"}[lang]
