"""A dress rehearsal of the seminar day, in parts: the seminar moved to another day (across a
daylight-saving change too), reminder leads fitted to a day, where the clock starts, every
reply and notice marked in its reader's language, and `ogpbot rehearse`'s own arguments."""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from adapters.console import Console
from adapters.rehearsal import Rehearsal
from bot.app.frontdoor import OgpBot
from bot.app.runtime import Runtime
from bot.core.clock import FakeClock
from bot.core.notice import NoticeState
from bot.core.rehearsal import default_start, fitted_leads, marked, rehearsed
from bot.core.reply import Reply
from bot.core.seminar import load_seminar
from bot.core.settings import Settings
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


def test_reminder_leads_are_fitted_to_a_day_in_proportion_none_below_a_minute() -> None:
    # the shipped leads, a day and an hour: five minutes, and a minute (not the twelve seconds
    # of the proportion: a fifth of a second at 60 times the speed, before the meeting begins)
    assert fitted_leads((timedelta(hours=24), timedelta(hours=1))) == (
        timedelta(minutes=5), timedelta(minutes=1))
    assert rehearsed(SHIPPED, date(2026, 12, 7)).reminder_leads == (
        timedelta(minutes=5), timedelta(minutes=1))
    assert fitted_leads((timedelta(hours=2), timedelta(minutes=48))) == (
        timedelta(minutes=5), timedelta(minutes=2))  # in proportion above the floor
    assert fitted_leads((timedelta(hours=24), timedelta(hours=1), timedelta(minutes=30))) == (
        timedelta(minutes=5), timedelta(minutes=1))  # two that became one are one reminder
    # a lead the file already makes shorter than a minute is not lengthened
    assert fitted_leads((timedelta(hours=24), timedelta(seconds=30))) == (
        timedelta(minutes=5), timedelta(seconds=30))
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


@contextlib.contextmanager
def opened(folder: Path, start: time, speed: float) -> Iterator[tuple[Rehearsal, Runtime]]:
    """A rehearsal of the shipped seminar on 7 December 2026 from `start`, opened on a store
    in `folder`, and closed after."""
    moved = rehearsed(SHIPPED, date(2026, 12, 7))
    rehearsal = Rehearsal(moved, datetime.combine(moved.date, start, moved.timezone), speed,
                          store=folder / "rehearsal.json")
    runtime = rehearsal.open(Settings(seminar=str(SEMINAR_FILE)))
    try:
        yield rehearsal, runtime
    finally:
        runtime.close()


def test_a_rehearsal_from_later_in_the_day_skips_the_notices_before_it(tmp_path: Path) -> None:
    # `--from 10:38`: the 10:15 item's start notice and the pause's 10:35 heads-up belong to
    # the part of the day not rehearsed; they are skipped, not sent late with a late line
    with opened(tmp_path, time(10, 38), speed=60) as (_, runtime):
        outbox = runtime.bot.outbox
        due = sorted(local(n.due) for n in outbox.pending())
        assert due[0] == "2026-12-07 10:40"  # the pause itself, the first notice after 10:38
        skipped = [n for n in outbox.all() if n.state is NoticeState.SKIPPED]
        assert sorted(local(n.due) for n in skipped)[-2:] == ["2026-12-07 10:15",
                                                              "2026-12-07 10:35"]
        assert all("before the rehearsal's clock started (10:38)" in n.last_error
                   for n in skipped)
        assert schedule_agenda(runtime.bot) == 0  # serve's own scheduling brings none back


def test_the_rehearsal_shells_prompt_says_the_time_on_its_clock(tmp_path: Path) -> None:
    # a newcomer setting a meeting "in ten minutes" needs the rehearsal's time, not the real one
    out = io.StringIO()
    with opened(tmp_path, time(8, 54), speed=1) as (rehearsal, runtime):
        console = Console(runtime.bot, COORDINATOR, io.StringIO("agenda\n"), out,
                          interactive=True)
        assert rehearsal.shell(runtime, console) == 0
    assert out.getvalue().count("ogpbot 08:54> ") == 2  # before the line, and after its answer
    # in Slack or Teams there is no prompt: `agenda` says the time on the rehearsal's clock
    assert "\nKlokka i øvingen er 08:54.\n" in out.getvalue()


def test_agenda_says_the_time_on_a_rehearsals_clock_in_the_readers_language() -> None:
    moved = rehearsed(SHIPPED, date(2026, 12, 7))
    bot = OgpBot(moved, MemoryStore(), FakeClock(datetime(2026, 12, 7, 9, 20,
                                                          tzinfo=moved.timezone)))
    out = io.StringIO()
    for who, words in ((CSO_EN, "agenda"), (COORDINATOR, "language nn"),
                       (COORDINATOR, "agenda")):
        assert Console(bot, who, io.StringIO(words + "\n"), out).run() == 0
    said = out.getvalue()
    assert "\nThe rehearsal's clock says 09:20.\n" in said
    assert "\nKlokka i øvinga er 09:20.\n" in said
    real = OgpBot(SHIPPED, MemoryStore(), FakeClock(datetime(2026, 12, 1, 9, 20,
                                                             tzinfo=moved.timezone)))
    plain = io.StringIO()
    assert Console(real, CSO_EN, io.StringIO("agenda\n"), plain).run() == 0
    assert "clock" not in plain.getvalue()  # the real day's clock is everyone's own


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
