"""A dress rehearsal of the seminar day, in parts: the seminar moved to another day (across a
daylight-saving change too), reminder leads fitted to a day, where the clock starts, every
reply and notice marked in its reader's language, and `ogpbot rehearse`'s own arguments."""

from __future__ import annotations

import asyncio
import io
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from adapters.console import Console
from bot.app.frontdoor import OgpBot
from bot.core.clock import FakeClock
from bot.core.rehearsal import default_start, fitted_leads, marked, rehearsed
from bot.core.reply import Reply
from bot.core.seminar import load_seminar
from bot.notices.announcements import schedule_agenda
from bot.store.memory import MemoryStore
from tests import cast
from tests.chat import COORDINATOR, CSO_EN, SEMINAR_FILE
from tests.core.test_seminar import run_cli

SHIPPED = load_seminar(SEMINAR_FILE)


def local(at: datetime) -> str:
    return at.astimezone(SHIPPED.timezone).strftime("%Y-%m-%d %H:%M")


def test_the_seminar_moves_to_the_day_at_the_same_times_of_day() -> None:
    # 29 March 2026 is the night the clocks go forward: 09:00 is then 07:00 UTC, not 08:00.
    moved = rehearsed(SHIPPED, date(2026, 3, 29))
    assert moved.rehearsal and not SHIPPED.rehearsal and moved.date == date(2026, 3, 29)
    assert [local(i.start) for i in moved.agenda][:2] == ["2026-03-29 09:00",
                                                          "2026-03-29 09:15"]
    assert moved.agenda[0].start.astimezone(UTC).hour == 7
    assert [i.end - i.start for i in moved.agenda] == [i.end - i.start for i in SHIPPED.agenda]
    assert [i.title for i in moved.agenda] == [i.title for i in SHIPPED.agenda]


def test_reminder_leads_are_fitted_to_a_day_in_proportion() -> None:
    # the shipped leads, a day and an hour: five minutes and twelve and a half seconds
    assert fitted_leads((timedelta(hours=24), timedelta(hours=1))) == (
        timedelta(minutes=5), timedelta(seconds=12))
    assert rehearsed(SHIPPED, date(2026, 12, 7)).reminder_leads == (
        timedelta(minutes=5), timedelta(seconds=12))
    short = (timedelta(minutes=3), timedelta(seconds=30))
    assert fitted_leads(short) == short  # already short enough
    assert fitted_leads(()) == ()


def test_the_clock_starts_a_minute_before_the_first_heads_up() -> None:
    moved = rehearsed(SHIPPED, date(2026, 12, 7))
    assert local(default_start(moved)) == "2026-12-07 08:54"  # heads-up 5 minutes before 9
    quiet = replace(moved, heads_up_minutes=0)
    assert local(default_start(quiet)) == "2026-12-07 08:59"


def test_every_reply_and_notice_says_rehearsal_in_the_readers_language() -> None:
    assert marked(Reply(language="nb", title="Nytt forslag P-1")).title == \
        "Øving: Nytt forslag P-1"
    assert marked(Reply(language="en", lines=("Done.",))).title == "Rehearsal"
    moved = rehearsed(SHIPPED, date(2026, 12, 7))
    bot = OgpBot(moved, MemoryStore(), FakeClock(default_start(moved)))
    out = io.StringIO()
    for who, words in ((COORDINATOR, "channel here"), (CSO_EN, "help")):
        console = Console(bot, who, io.StringIO(words + "\n"), out)
        assert console.run() == 0
    said = out.getvalue()
    assert said.startswith("Øving\n") and "\nRehearsal: " in said
    # the agenda's heads-up, sent through the console's notifier, is marked too
    schedule_agenda(bot)
    bot.clock.set(moved.agenda[0].start - timedelta(minutes=5))  # type: ignore[attr-defined]
    channel = Console(bot, COORDINATOR, io.StringIO(), out)
    channel.dispatcher.scope = {"for_person": None}
    asyncio.run(channel.dispatcher.run_due())
    assert "→ Øving: Om 5 minutter, kl. 09:00" in out.getvalue()


@pytest.mark.parametrize(("args", "why"), [
    (("--speed", "0"), "above 0 and at most 120"),
    (("--speed", "121"), "above 0 and at most 120"),
    (("--speed", "fast"), "above 0 and at most 120"),
    (("--from", "25:00"), "not a time of day"),
    (("--user", cast.KARI.email), "--user goes with --shell"),
])
def test_rehearse_refuses_what_it_cannot_do(args: tuple[str, ...], why: str,
                                            tmp_path: Path) -> None:
    done = run_cli("rehearse", *args, env={"OGPBOT_DB": str(tmp_path / "real.json")})
    assert done.returncode == 2 and why in done.stderr
    assert not (tmp_path / "real.json").exists()
