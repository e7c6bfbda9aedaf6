"""`ogpbot rehearse`: a dress rehearsal of the seminar day, served (like `serve`) or in this
terminal (like `shell`).

The seminar is moved to today (`bot.core.rehearsal`); the clock (`bot.core.clock.ScaledClock`)
starts at the time asked for, by default a minute before the first agenda notice, and runs
`speed` times as fast; the state lives in a store of its own (`STORE`), emptied at the start,
never the one `OGPBOT_DB` names. The agenda's notices due before the clock's start (a rehearsal
`--from` later in the day) are skipped: that part of the day is not rehearsed. Everything the
bot says and every page it serves is marked as a rehearsal.

In the terminal, the rehearsal is live (its prompt says the time on its clock): the person's
notices and the agenda notices print as the clock reaches them, between the lines typed (a
line's own reply first, then what fell due with it). Lines are read on a thread of their own;
each is answered in turn, and while none is waiting the shell sleeps on the clock until the next
notice is due. At the end of the input it stops at once: it waits for no notice still to come.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from dataclasses import dataclass, replace
from datetime import datetime, time
from pathlib import Path
from typing import TextIO

from adapters.console import PLATFORM, Console
from adapters.teams.settings import home_tenant
from bot.app.runtime import Runtime
from bot.core.clock import ScaledClock, SystemClock, nap
from bot.core.notice import NoticeState
from bot.core.records import ANNOUNCE_SETTING
from bot.core.rehearsal import default_start, rehearsed
from bot.core.seminar import Seminar
from bot.core.settings import Settings
from bot.i18n.catalogue import t
from bot.i18n.formatting import format_date, format_time
from bot.notices.announcements import AGENDA_PREFIX, schedule_agenda
from bot.notices.dispatcher import Dispatcher
from bot.store.contract import StoreBusy
from bot.store.tinydb_file import lock_store

STORE = Path("var/rehearsal.json")


class RehearsalBusy(Exception):
    """Another rehearsal holds the rehearsal's store."""


@dataclass(frozen=True)
class Rehearsal:
    """The seminar moved to its day, and where and how fast the clock starts."""

    seminar: Seminar
    start: datetime
    speed: float
    store: Path = STORE

    @classmethod
    def today(cls, seminar: Seminar, speed: float, start: time | None = None) -> Rehearsal:
        """A rehearsal of `seminar` today (by the seminar's timezone), its clock starting at
        `start` that day (default: a minute before the first agenda notice)."""
        day = SystemClock().now().astimezone(seminar.timezone).date()
        moved = rehearsed(seminar, day)
        begin = datetime.combine(day, start, seminar.timezone) if start is not None \
            else default_start(moved)
        return cls(moved, begin, speed)

    def empty_store(self) -> None:
        """Remove what the last rehearsal left; RehearsalBusy when one is running."""
        try:
            held = lock_store(self.store)
        except StoreBusy:
            raise RehearsalBusy(f"{self.store} is in use: another rehearsal is running; stop "
                                "it first") from None
        try:
            for path in (self.store, self.store.with_name(self.store.name + ".journal")):
                path.unlink(missing_ok=True)
        finally:
            held.close()

    def open(self, settings: Settings) -> Runtime:
        """The bot on the rehearsal's seminar, clock and store, the agenda scheduled from the
        clock's start on: what fell due before it (`--from` later in the day) is skipped, not
        announced late."""
        runtime = Runtime.open(replace(settings, db=str(self.store)),
                               ScaledClock(self.start, self.speed), seminar=self.seminar,
                               home_tenant=home_tenant(settings))
        try:
            self._skip_before_start(runtime)
        except BaseException:
            runtime.close()
            raise
        return runtime

    def _skip_before_start(self, runtime: Runtime) -> None:
        bot = runtime.bot
        local = self.start.astimezone(self.seminar.timezone)
        reason = f"before the rehearsal's clock started ({local:%H:%M})"

        def once() -> None:
            for notice in bot.outbox.pending():
                if notice.key.startswith(AGENDA_PREFIX) and notice.due < self.start:
                    bot.outbox.save(notice.with_changes(state=NoticeState.SKIPPED,
                                                        last_error=reason))

        schedule_agenda(bot)
        bot.records.atomically(once)

    def describe(self) -> str:
        """One log line: what this rehearsal is."""
        local = self.start.astimezone(self.seminar.timezone)
        return (f"rehearsal: the seminar is today ({self.seminar.date.isoformat()}); the clock "
                f"starts at {local:%H:%M:%S} and runs {self.speed:g} times as fast; store "
                f"{self.store} (emptied), never OGPBOT_DB")

    def header(self, lang: str) -> list[str]:
        """What the shell says first, in `lang`."""
        local = self.start.astimezone(self.seminar.timezone)
        at = format_time(local)
        clock = t(lang, "rehearsal.clock", time=at) if self.speed == 1 else \
            t(lang, "rehearsal.clock_fast", time=at, speed=f"{self.speed:g}")
        return [t(lang, "rehearsal.day", date=format_date(local, lang)), clock,
                t(lang, "rehearsal.store")]

    def shell(self, runtime: Runtime, console: Console) -> int:
        """The live shell: set up, then answer lines and print notices until the input ends."""
        bot = runtime.bot
        person = next((p for p in self.seminar.people
                       if p.email.lower() == console.speaker.user_id), None)
        lang = (person.language if person and person.language else None) or \
            self.seminar.language
        console.say("\n".join(self.header(lang)))
        console.say("")
        with bot.records.transaction():  # the agenda notices come to this terminal
            if not bot.records.setting(ANNOUNCE_SETTING):
                place = console.place
                bot.records.set_setting(ANNOUNCE_SETTING, {
                    "platform": PLATFORM, "conversation": place.conversation_id,
                    "name": place.name, "reference": dict(place.reference)})
        schedule_agenda(bot)
        return asyncio.run(_Live(console, console.stdin).run())


class _Live:
    """The rehearsal's shell loop: lines from a reader thread, notices as the clock reaches
    them, one thing at a time."""

    def __init__(self, console: Console, stdin: TextIO) -> None:
        self.console = console
        self.stdin = stdin
        self.lines: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self.ended = False
        bot = console.bot
        notifiers = {PLATFORM: console.notifier}
        # the speaker's notices (once the bot knows them), and the agenda channel's
        self.mine: Dispatcher | None = None
        self.channel = Dispatcher(bot, notifiers, pace={}, public_url=console.public_url,
                                  scope={"for_person": None})

    def _read(self, loop: asyncio.AbstractEventLoop, arrived: asyncio.Event) -> None:
        while True:
            line = self.stdin.readline()
            self.lines.put(None if line == "" else line.rstrip("\n"))
            with contextlib.suppress(RuntimeError):  # the shell has ended
                loop.call_soon_threadsafe(arrived.set)
            if line == "":
                return

    def _next_line(self) -> str | None:
        """The next line typed (waiting for it), or None once the input has ended."""
        if self.ended:
            return None
        line = self.lines.get()
        self.ended = line is None
        self.console.at_prompt = False  # the line typed ended with a new line
        return line

    def _prompt(self) -> None:
        """The prompt, with the time on the rehearsal's clock (`ogpbot 09:24> `): to set a
        meeting a few minutes ahead, one needs to know what time it is in the rehearsal."""
        bot = self.console.bot
        now = bot.clock.now().astimezone(bot.seminar.timezone)
        self.console.prompt(f"ogpbot {format_time(now, seconds=False)}> ")

    def _dispatchers(self) -> list[Dispatcher]:
        if self.mine is None and (key := self.console.me()) is not None:
            self.mine = Dispatcher(self.console.bot, {PLATFORM: self.console.notifier},
                                   pace={}, public_url=self.console.public_url,
                                   scope={"for_person": key})
        return [d for d in (self.mine, self.channel) if d is not None]

    async def _deliver(self) -> int:
        """Print what is due now; how many notices."""
        printed = 0
        for dispatcher in self._dispatchers():
            before = dispatcher.stats["sent"]
            await dispatcher.run_due()
            printed += dispatcher.stats["sent"] - before
        if printed:
            self.console.say("")
        return printed

    async def run(self) -> int:
        console, clock = self.console, self.console.bot.clock
        loop = asyncio.get_running_loop()
        arrived = asyncio.Event()
        console.next_line = self._next_line
        threading.Thread(target=self._read, args=(loop, arrived), daemon=True,
                         name="ogpbot-rehearsal-input").start()
        all_ok = True
        await self._deliver()
        self._prompt()
        while not self.ended:
            arrived.clear()
            if not self.lines.empty():
                line = self._next_line()
                if line is None:
                    break
                if line.strip():
                    all_ok = await asyncio.to_thread(console.answer, line) and all_ok
                    await self._deliver()
                self._prompt()
                continue
            dues = [d for d in await asyncio.gather(*(asyncio.to_thread(d.next_due)
                                                      for d in self._dispatchers()))
                    if d is not None]
            await nap(clock, min(dues, default=None), arrived)
            if arrived.is_set():
                continue
            if await self._deliver():
                self._prompt()
        return 0 if all_ok else 1
