"""`overview` in Slack, through the real bolt app: the coordinator sees what a ministry owes
and for how long, the ministry its own, and the coordinator's App Home opens on it."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from slack_sdk.models.views import View

from bot.core.clock import FakeClock
from tests.adapters.slack.conftest import EMILY, INGRID, KARI, Workspace
from tests.adapters.slack.test_commands import assert_valid_blocks
from tests.cast import Person

pytestmark = pytest.mark.asyncio(loop_scope="module")

LINE = ("propose Open lobbying register | Nobody can see who meets ministers | Publish every "
        "meeting in an open register | transparency, accountability | innsyn | jd")
JD = "Justis- og beredskapsdepartementet"


async def ask(workspace: Workspace, user: Person, text: str) -> dict:
    _, rid = await workspace.command(text, user)
    (answer,) = await workspace.responses(rid)
    assert_valid_blocks(answer["blocks"])
    return answer


async def test_the_coordinator_sees_what_a_ministry_owes(workspace: Workspace) -> None:
    clock = workspace.runtime.clock
    assert isinstance(clock, FakeClock)
    await ask(workspace, EMILY, LINE)
    await ask(workspace, EMILY, LINE.replace("| jd", "| fin"))
    clock.set(datetime(2026, 12, 1, 12, 0, tzinfo=UTC))  # after the small tables
    await ask(workspace, INGRID, "outcome P-1 agreed")
    clock.set(datetime(2026, 12, 3, 12, 0, tzinfo=UTC))

    answer = await ask(workspace, KARI, "overview")
    blocks = json.dumps(answer["blocks"], ensure_ascii=False)
    assert "*Oversikt: hvor prosessen står*" in blocks
    assert "*enighet*\\n1" in blocks and "*innsendt*\\n1" in blocks
    assert "Rapporter departementene skylder (1):" in blocks
    assert f"P-1 Open lobbying register – {JD} – har ventet i 2 døgn" in blocks
    assert "P-2 Open lobbying register – Finansdepartementet – har ventet i 2 døgn" in blocks
    assert f"P-1 Open lobbying register – {JD} – har ventet i 2 døgn" in answer["text"]

    own = await ask(workspace, INGRID, "oversikt")
    assert own["text"].startswith(f"Oversikt for {JD}")
    assert "P-1" in own["text"] and "P-2" not in own["text"]

    refused = await ask(workspace, EMILY, "overview")
    assert "As civil society you cannot use “overview”" in refused["text"]
    assert "P-1" not in refused["text"]

    # The coordinator's App Home opens on the overview; Emily's has none.
    for user, event_ts in ((KARI, "1700000000.000501"), (EMILY, "1700000000.000502")):
        event = {"type": "app_home_opened", "user": user.slack_id, "channel": f"D{user.slack_id}",
                 "tab": "home", "event_ts": event_ts}
        assert (await workspace.event(event)).status == 200
    (kari,) = await workspace.sent("views.publish",
                                   lambda c: c.args.get("user_id") == KARI.slack_id)
    (emily,) = await workspace.sent("views.publish",
                                    lambda c: c.args.get("user_id") == EMILY.slack_id)
    for published in (kari, emily):
        View(**published.args["view"]).validate_json()
    home = json.dumps(kari.args["view"], ensure_ascii=False)
    assert "Rapporter departementene skylder (1):" in home
    assert f"P-1 Open lobbying register – {JD} – har ventet i 2 døgn" in home
    assert home.index("Oversikt: hvor prosessen står") < home.index("Dagsorden")
    other = json.dumps(emily.args["view"], ensure_ascii=False)
    assert "Overview" not in other and "overview" not in other
    assert "Your proposals" in other
