"""The record's seminar with a plan under way: P-10 is a commitment with two milestones (the
first overdue) and a progress report, besides P-7 (included, no report yet). The full record
adds P-11, a commitment imported from an adopted plan, and P-12, an English proposal (by a
person whose language is English) whose title is one long word and whose reasoned response
is one long address."""

from __future__ import annotations

from datetime import timedelta

from bot.app.runtime import Runtime
from bot.core.model import Status
from bot.process.plan_import import import_plan, parse_plan
from bot.store.contract import Store
from tests.record.world import COORDINATOR, FIN, JD, PWYP, TI, _bot_move, make_runtime, say, submit

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


LONG_WORD = "Anskaffelsesdokumentasjonsgjennomsiktighetsforbedringsprosjektet"
LONG_ADDRESS = ("https://www.regjeringen.no/no/dokumenter/et-svært-langt-dokumentnavn-uten-"
                "mellomrom-som-bare-fortsetter-og-fortsetter-videre/id1234567/")
PLAN = ('id,title,ministry,start,end,description,milestones\n'
        'NO4-1,Åpenhet om lobbyvirksomhet,jd,2027-01-01,2028-06-30,Et register over møter,'
        '"2027-01-01 2027-06-30 Utrede registeret\n2027-07-01 2028-06-30 Registeret i drift"\n')


def make_full_runtime() -> Runtime:
    runtime = make_plan_runtime()
    bot = runtime.bot
    rows = parse_plan(PLAN.encode(), bot.seminar)
    (imported,) = import_plan(bot.records, bot.outbox, bot.seminar, rows, bot.clock.now())
    assert imported.ref == "P-11"
    say(bot, PWYP, f"propose {LONG_WORD} | Procurement documents are hard to find | Publish "
                   "every document | transparency | antikorrupsjon | fin")
    say(bot, FIN, "outcome P-12 agreed")
    say(bot, FIN, f"report P-12 declined See {LONG_ADDRESS}")
    say(bot, COORDINATOR, f"decide P-12 exclude Se {LONG_ADDRESS}")
    return runtime
