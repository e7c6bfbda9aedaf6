"""`/plan` and `/api/plan` through the real aiohttp server: every commitment with its ministry,
period, completion (a progress bar and its words) and its milestone timeline; a commitment's
own page shows its progress reports; user text stays text."""

from __future__ import annotations

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from adapters.server import build_app
from tests.record.plan_world import PROGRESS_TEXT, make_plan_runtime
from tests.record.world import parse_html

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture
async def client():
    async with TestClient(TestServer(build_app(make_plan_runtime()))) as c:
        yield c


async def test_the_plan_page_shows_each_commitment_its_completion_and_timeline(client):
    response = await client.get("/plan")
    assert response.status == 200
    doc = parse_html(await response.text())
    assert doc.all("script") == []
    sections = doc.all("section")
    assert [s.one("h2").text() for s in sections] == [
        "P-7: Offentlig journal i kommunene", "P-10: Åpne møtekalendere"]
    bars = [s.one("progress") for s in sections]
    assert [(b.attrs["value"], b.attrs["max"]) for b in bars] == [("0", "3"), ("1", "3")]
    assert "Gjennomføring: ikke startet" in sections[0].text()
    assert "Gjennomføring: begrenset" in sections[1].text()
    timeline = [li.text() for li in sections[1].one("ol").all("li")]
    # dates in words, the year said where it is not this year (the record is read in 2026)
    assert timeline[0].startswith("25. november Utredning") and "forsinket" in timeline[0]
    assert "30. juni 2027 Alle departementer" in timeline[1]
    assert "ikke nådd ennå" in timeline[1]
    assert sections[1].all("time")[0].attrs["datetime"] == "2026-11-25"
    assert "Periode: 1. januar 2027 – 31. desember 2028" in sections[1].text()


async def test_the_plan_in_nynorsk_and_english(client):
    nn = parse_html(await (await client.get("/plan?lang=nn")).text())
    assert nn.one("html").attrs["lang"] == "nn"
    assert "Gjennomføring: avgrensa" in nn.all("section")[1].text()
    en = parse_html(await (await client.get("/plan?lang=en")).text())
    assert "Completion: limited" in en.all("section")[1].text()


async def test_the_commitments_page_shows_its_progress_reports_as_text(client):
    page = await (await client.get("/proposals/P-10")).text()
    doc = parse_html(page)
    reports = doc.one("ul").text() if doc.all("ul") else ""
    assert "begrenset" in reports and PROGRESS_TEXT in reports
    assert "<b>nå</b>" not in page  # escaped, never markup
    assert doc.one("progress").attrs["value"] == "1"


async def test_the_plan_as_json(client):
    response = await client.get("/api/plan")
    assert response.status == 200
    doc = await response.json()
    assert doc["period"] == {"start": "2027-01-01", "end": "2028-12-31"}
    by_ref = {c["ref"]: c for c in doc["commitments"]}
    assert list(by_ref) == ["P-7", "P-10"]
    assert by_ref["P-10"]["completion"] == "limited"
    assert [m["state"] for m in by_ref["P-10"]["milestones"]] == ["overdue", "open"]
    assert by_ref["P-10"]["progress"][0]["text"] == PROGRESS_TEXT
    assert by_ref["P-7"]["completion"] == "not_started"
    # P-7's pilot, added at its table after the decision, is recorded as done.
    assert [m["state"] for m in by_ref["P-7"]["milestones"]] == ["done"]

