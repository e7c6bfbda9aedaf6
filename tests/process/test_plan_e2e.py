"""End to end for the plan: `ogpbot import-plan` and `ogpbot serve` as real processes, driven by
signed Slack slash commands. The responsible ministry's people are reminded of a milestone by
DM, once each, across restarts; `plan` and `progress` work in Slack as in the shell."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest
import pytest_asyncio

from tests.fakes.slack_api import FakeSlackAPI
from tests.notices import test_notices_e2e as e2e
from tests.serving import clock_env, eventually, outbox

pytest.importorskip("adapters.slack")
pytestmark = pytest.mark.asyncio

ROOT = Path(__file__).resolve().parents[2]
JD_PEOPLE = [e2e.INGRID, *e2e.MINISTRY_IDS]


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeSlackAPI]:
    async with FakeSlackAPI() as api:
        yield api


#: The day before the milestone's end, at nine: its reminder a day ahead is due.
DUE = datetime(2027, 6, 14, 9, 0, tzinfo=e2e.OSLO)


def write_plan(folder: Path) -> None:
    """A seminar whose plan reminds a day before a milestone's end date, and an adopted plan
    with one commitment of JD's whose milestone ends the day after `DUE`."""
    seminar = e2e.seminar_toml("2026-12-01", [("09:00", "Velkommen", "talk")], ["1h"])
    seminar += ('\n[plan]\nstart = "2026-01-01"\nend = "2028-12-31"\n'
                'progress_every_months = 36\nmilestone_leads = ["1d"]\n')
    (folder / "seminar.toml").write_text(seminar, encoding="utf-8")
    (folder / "plan.csv").write_text(
        "id,title,ministry,start,end,milestones\n"
        'NO4-1,Åpne møtekalendere,jd,2026-01-01,2028-12-31,"2026-01-01 2027-06-15 Pilot i JD"\n',
        encoding="utf-8")


def import_plan(folder: Path) -> None:
    env = {**os.environ, "OGPBOT_DB": str(folder / "ogpbot.json"),
           "OGPBOT_SEMINAR": str(folder / "seminar.toml"), **clock_env(DUE, 0)}
    done = subprocess.run([sys.executable, "-m", "adapters.cli", "import-plan",
                           str(folder / "plan.csv")], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def reminders(fake: FakeSlackAPI) -> dict[str, int]:
    return {uid: sum("Milepæl 1 i P-1" in m.get("text", "")
                     for m in fake.messages_in(f"D{uid}")) for uid in JD_PEOPLE}


def lead_notices(folder: Path) -> list[dict[str, object]]:
    return [d for k, d in outbox(folder).items() if k.startswith("plan:P-1:milestone_lead:")]


async def test_milestone_reminders_reach_the_ministry_once_across_restarts(
        fake: FakeSlackAPI, tmp_path: Path) -> None:
    write_plan(tmp_path)
    import_plan(tmp_path)
    fake.outage(500, methods=["chat.postMessage"])  # Slack is down: nothing gets out
    with e2e.serving(tmp_path, fake, DUE) as server:
        await server.start()
        await server.slash(fake, e2e.KARI, "plan")
        await eventually(lambda: len(fake.calls_to("chat.postMessage")) >= len(JD_PEOPLE))
        server.kill()  # the reminders wait in the store (those in flight are sent again)
    assert reminders(fake) == dict.fromkeys(JD_PEOPLE, 0)
    fake.heal()
    with e2e.serving(tmp_path, fake, DUE) as server:
        await server.start()
        await eventually(lambda: all(reminders(fake).values()), within=40)
        await eventually(lambda: all(d["state"] == "sent" for d in lead_notices(tmp_path)))
        await server.slash(fake, e2e.INGRID, "progress P-1 limited Piloten er i gang")
        await eventually(lambda: any("begrenset" in str(c.args)
                                     for c in fake.calls_to("response_url")))
        server.kill()
    with e2e.serving(tmp_path, fake, DUE) as server:
        await server.start()
        # A proposal to JD reaches the same people, each through the same lane as anything of
        # theirs left to send (older first): once it is there, a repeat would be too.
        await server.slash(fake, e2e.ANDERS, "propose Åpne logger | Lite innsyn | Publiser dem "
                                             "| transparency | innsyn | jd")
        await eventually(lambda: all(any("P-2" in m.get("text", "")
                                         for m in fake.messages_in(f"D{uid}"))
                                     for uid in JD_PEOPLE))
    assert reminders(fake) == dict.fromkeys(JD_PEOPLE, 1)
    sent = lead_notices(tmp_path)
    assert len(sent) == len(JD_PEOPLE) and all(d["state"] == "sent" for d in sent)
    answers = " ".join(str(c.args) for c in fake.calls_to("response_url"))
    assert "Handlingsplanen: 1 forpliktelse" in answers
