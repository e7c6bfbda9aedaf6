"""Through `ogpbot serve`, on its test clock: a commitment's milestone has been reminded of a day
before its end date; then the ministry adds another milestone in front of it with the same
end date. Each of the ministry's people is reminded of each milestone once, with its own text
and its number as it was when the reminder went out: the new one is not left out (its number
is the one the old one had), and the old one, renumbered, does not come a second time."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from tests.fakes.slack_api import FakeSlackAPI
from tests.notices import test_notices_e2e as e2e
from tests.process.test_plan_e2e import DUE, JD_PEOPLE, import_plan, lead_notices, write_plan
from tests.serving import eventually

pytest.importorskip("adapters.slack")
pytestmark = pytest.mark.asyncio

END = (DUE + timedelta(days=1)).date().isoformat()  # the milestone's end date (write_plan's)


def reminded(fake: FakeSlackAPI, uid: str) -> Counter[str]:
    """The milestone reminders one person got: `<number>: <milestone's text>`, counted."""
    seen: Counter[str] = Counter()
    for message in fake.messages_in(f"D{uid}"):
        text = str(message.get("text", ""))
        for number in ("1", "2"):
            for which in ("Pilot i JD", "Ny første"):
                if f"Milepæl {number} i P-1" in text and which in text:
                    seen[f"{number}: {which}"] += 1
    return seen


async def test_a_milestone_added_in_front_gets_its_own_reminder_and_the_old_one_no_second(
        tmp_path: Path) -> None:
    write_plan(tmp_path)
    import_plan(tmp_path)
    async with FakeSlackAPI() as fake:
        for uid in (e2e.KARI, e2e.INGRID, e2e.ANDERS, *e2e.MINISTRY_IDS):
            fake.add_user(uid)
        with e2e.serving(tmp_path, fake, DUE) as server:
            await server.start()
            # The reminder a day ahead goes out to each of JD's people.
            await eventually(lambda: all(reminded(fake, uid) for uid in JD_PEOPLE), within=40)
            await eventually(lambda: all(d["state"] == "sent" for d in lead_notices(tmp_path)))
            # The same day, the ministry adds a milestone in front, ending the same day.
            await server.slash(fake, e2e.INGRID, f"milestone P-1 add 2025-12-01 {END} Ny første")
            await eventually(lambda: any("Ny første" in str(c.args)
                                         for c in fake.calls_to("response_url")))
            await eventually(lambda: len(lead_notices(tmp_path)) > len(JD_PEOPLE)
                             and all(d["state"] in ("sent", "skipped")
                                     for d in lead_notices(tmp_path)), within=40)
        for uid in JD_PEOPLE:
            assert reminded(fake, uid) == {"1: Pilot i JD": 1, "1: Ny første": 1}, uid
