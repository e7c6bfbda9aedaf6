"""`overview` in Teams, through the real CloudAdapter and the fake connector: the coordinator's
answer is an Adaptive Card with the counts and what waits on whom."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.core.clock import FakeClock
from tests.adapters.teams.conftest import Bench, card_of
from tests.adapters.teams.schema_check import assert_valid_card
from tests.cast import KARI, OLA
from tests.conversation import Heard

pytestmark = pytest.mark.asyncio

LINE = ("propose Open budgets for municipalities | Budgets are hard to read | Publish "
        "every budget as open data | transparency, participation | apne-data | jd")


async def test_the_coordinators_overview_is_a_card(bench: Bench) -> None:
    clock = bench.runtime.clock
    assert isinstance(clock, FakeClock)
    await bench.send(OLA, LINE, locale="en-US").assert_reply("P-1")
    clock.set(datetime(2026, 12, 1, 12, 0, tzinfo=UTC))
    await bench.send(KARI, "outcome P-1 bilateral", locale="en-US").assert_reply("P-1")
    clock.set(datetime(2026, 12, 2, 18, 0, tzinfo=UTC))

    def drawn(heard: Heard) -> None:
        card = card_of(heard.raw)
        assert_valid_card(card)
        body = card["body"]
        assert body[0]["inlines"][0]["text"] == "Overview: where the process stands"
        assert [run["text"] for run in body[1]["inlines"]] == ["bilateral meeting: ", "1"]
        shown = ["".join(run["text"] for run in b["inlines"]) for b in body[2:]]
        assert "Bilateral meetings to schedule (1):" in shown
        assert ("P-1 Open budgets for municipalities – Justis- og beredskapsdepartementet – "
                "waiting for 30 hours") in shown
        assert card["actions"][0]["data"]["words"] == "plan"

    await bench.send(KARI, "overview", locale="en-US").assert_reply(drawn)
