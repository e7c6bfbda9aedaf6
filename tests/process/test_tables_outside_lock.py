"""`tables assign` plans outside the store's transaction: other people's commands are answered
while the planner works, and a proposal that arrives meanwhile is in the plan that is stored."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from bot.core.command import Command, Place, Speaker
from bot.core.model import Status
from bot.core.prepared import ATTEMPTS
from bot.core.reply import Reply
from bot.process import seating, tables
from tests.cast import KARI
from tests.process.tables_fixtures import make_bot, propose, say

WAIT = 10.0  # seconds another command may take before we say it was blocked


def in_thread(job: Any) -> bool:
    """Run `job` in another thread; whether it finished within `WAIT` seconds."""
    worker = threading.Thread(target=job, daemon=True)
    worker.start()
    worker.join(WAIT)
    return not worker.is_alive()


def planner_that(monkeypatch: pytest.MonkeyPatch, during: Any) -> list[int]:
    """Replace the planner by the real one that first runs `during(call)`; returns the
    numbers of proposals each call was asked to seat."""
    real = seating.seat
    calls: list[int] = []

    def seat(inst: seating.Instance, **kw: Any) -> seating.Seating:
        calls.append(len(inst.topics))
        during(len(calls))
        return real(inst, **kw)

    monkeypatch.setattr(seating, "seat", seat)
    return calls


def test_another_person_is_answered_while_the_planner_works(
        monkeypatch: pytest.MonkeyPatch) -> None:
    bot = make_bot()
    propose(bot, "nina@ngo.no", "Open budgets", "open-data", "fin")
    answered: list[str] = []

    def ola_asks(call: int) -> None:
        assert in_thread(lambda: answered.append(say(bot, "ola@ngo.no", "status P-1"))), \
            "Ola's command waited for the planner"

    planner_that(monkeypatch, ola_asks)
    out = say(bot, KARI.email, "tables assign")
    assert "Table plan, version 1" in out
    assert "Open budgets" in answered[0]
    assert bot.records.proposal(1).status is Status.IN_DISCUSSION


def test_a_proposal_made_while_planning_is_seated(monkeypatch: pytest.MonkeyPatch) -> None:
    bot = make_bot()
    propose(bot, "nina@ngo.no", "Open budgets", "open-data", "fin")

    def late(call: int) -> None:
        if call == 1:
            assert in_thread(lambda: propose(bot, "ola@ngo.no", "Open courts", "access", "jd"))

    calls = planner_that(monkeypatch, late)
    out = say(bot, KARI.email, "tables assign")
    assert calls == [1, 2]  # planned again once the first plan's inputs had changed
    assert "2 proposals and 7 people are seated at 2 tables." in out
    plan = tables.SeatingChart.from_dict(bot.records.setting("table_plan"))
    assert plan.version == 1
    assert sorted(n for t in plan.tables for n in t.proposals) == [1, 2]
    assert bot.records.proposal(2).status is Status.IN_DISCUSSION


def test_a_seminar_that_keeps_changing_still_gets_its_plan(
        monkeypatch: pytest.MonkeyPatch) -> None:
    bot = make_bot()
    propose(bot, "nina@ngo.no", "Open budgets", "open-data", "fin")

    def always(call: int) -> None:
        if call < ATTEMPTS:  # the last try holds the store, so nothing can change then
            assert in_thread(lambda: propose(bot, "ola@ngo.no", f"Idea {call}", "access", "jd"))

    calls = planner_that(monkeypatch, always)
    out = say(bot, KARI.email, "tables assign")
    assert "Table plan, version 1" in out
    assert calls == list(range(1, ATTEMPTS + 1))
    plan = bot.records.setting("table_plan")
    assert sorted(n for t in plan["tables"] for n in t["proposals"]) == calls


def test_a_retried_delivery_during_planning_answers_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    bot = make_bot()
    propose(bot, "nina@ngo.no", "Open budgets", "open-data", "fin")
    command = Command(Speaker("console", KARI.email, email=KARI.email),
                      Place("console", "console:kari", is_direct=True), words="tables assign",
                      request_key="delivery-1")
    retried: list[Reply] = []

    def retry(call: int) -> None:
        if call == 1:
            assert in_thread(lambda: retried.append(bot.handle(command)))

    planner_that(monkeypatch, retry)
    first = bot.handle(command)
    assert first.ok and retried[0].ok
    assert [first.repeated, retried[0].repeated] == [True, False]  # one answer is sent
    assert bot.records.setting("table_plan")["version"] == 1
    assert len([n for n in bot.outbox.all() if n.key.endswith(":plan")]) == 1
