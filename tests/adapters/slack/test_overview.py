"""`overview` in Slack, through the real bolt app: the coordinator sees what a ministry owes
and for how long, the ministry its own, and the coordinator's App Home opens on it."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from slack_sdk.models.views import View

from bot.core.clock import FakeClock
from tests.adapters.slack.conftest import EMILY, INGRID, KARI, Workspace, told
from tests.adapters.slack.test_commands import assert_valid_blocks
from tests.conversation import Heard

pytestmark = pytest.mark.asyncio(loop_scope="module")

LINE = ("propose Open lobbying register | Nobody can see who meets ministers | Publish every "
        "meeting in an open register | transparency, accountability | innsyn | jd")
JD = "Justis- og beredskapsdepartementet"


def valid(heard: Heard) -> None:
    assert_valid_blocks(heard.raw["blocks"])


async def test_the_coordinator_sees_what_a_ministry_owes(workspace: Workspace) -> None:
    clock = workspace.runtime.clock
    assert isinstance(clock, FakeClock)
    await (workspace.send(EMILY, LINE).assert_reply(valid)
           .send(EMILY, LINE.replace("| jd", "| fin")).assert_reply(valid))
    clock.set(datetime(2026, 12, 1, 12, 0, tzinfo=UTC))  # after the small tables
    await workspace.send(INGRID, "outcome P-1 agreed").assert_reply(valid)
    clock.set(datetime(2026, 12, 3, 12, 0, tzinfo=UTC))

    owed = f"P-1 Open lobbying register – {JD} – har ventet i 2 døgn"
    await (workspace.send(KARI, "overview").assert_replies(
        valid, "*Oversikt: hvor prosessen står*", "*enighet*\n1", "*innsendt*\n1",
        "Rapporter departementene skylder (1):", owed,
        "P-2 Open lobbying register – Finansdepartementet – har ventet i 2 døgn",
        lambda heard: owed in told(heard))
           .send(INGRID, "oversikt").assert_replies(
        valid, lambda heard: told(heard).startswith(f"Oversikt for {JD}"),
        lambda heard: "P-1" in told(heard) and "P-2" not in told(heard))
           .send(EMILY, "overview").assert_replies(
        valid, lambda heard: "As civil society you cannot use “overview”" in told(heard),
        lambda heard: "P-1" not in told(heard)))

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
