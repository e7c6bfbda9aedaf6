"""The record's seminar with a plan under way: P-10 is a commitment with two milestones (the
first overdue) and a progress report, besides P-7 (included, no report yet)."""

from __future__ import annotations

from datetime import timedelta

from bot.app.runtime import Runtime
from bot.core.model import Status
from bot.store.contract import Store
from tests.record.world import COORDINATOR, JD, TI, _bot_move, make_runtime, say, submit

PROGRESS_TEXT = 'Piloten går i to departementer <b>nå</b> & "snart" flere'


def make_plan_runtime(store: Store | None = None) -> Runtime:
    runtime = make_runtime(store)
    bot = runtime.bot
    submit(bot, TI, title="Åpne møtekalendere", problem="Ingen ser statsrådenes møter",
           description="Publiser kalenderne", values=["transparency"], area="innsyn",
           ministry="jd", milestones="2026-11-25 Utredning\n2027-06-30 Alle departementer")
    _bot_move(bot, 10, Status.PRESENTED, "presented")
    say(bot, JD, "outcome P-10 agreed")
    say(bot, JD, "report P-10 agreed Vi publiserer kalenderne.")
    say(bot, COORDINATOR, "decide P-10 include Viktig for innsyn.")
    say(bot, JD, f"progress P-10 limited {PROGRESS_TEXT}")
    runtime.clock.advance(timedelta(days=10))  # the first milestone's end date has passed
    return runtime
