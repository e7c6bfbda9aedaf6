"""Wiring: load the seminar file, open the store and build the bot from `Settings`, and give
async code a way to ask the (synchronous, thread-safe) core without blocking its event loop."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bot.app.frontdoor import OgpBot
from bot.core.clock import Clock, SystemClock
from bot.core.command import Command
from bot.core.reply import Reply
from bot.core.seminar import Seminar, load_seminar
from bot.core.settings import Settings
from bot.store.contract import Store
from bot.store.opening import open_store


@dataclass
class Runtime:
    settings: Settings
    seminar: Seminar
    store: Store
    bot: OgpBot
    clock: Clock

    @classmethod
    def open(cls, settings: Settings, clock: Clock | None = None,
             store: Store | None = None, seminar: Seminar | None = None,
             home_tenant: str = "") -> Runtime:
        """Raises `SeminarError` or `StoreError` with messages fit for the person starting it.
        `seminar`: this one instead of the file's (a rehearsal's, moved to another day);
        `home_tenant`: the Entra tenant of a roster person's object id unless they name one
        (the Teams adapter's settings say which)."""
        seminar = seminar if seminar is not None else load_seminar(settings.seminar)
        store = store if store is not None else open_store(settings.db)
        clock = clock or SystemClock()
        bot = OgpBot(seminar, store, clock, home_tenant)
        return cls(settings, seminar, store, bot, clock)

    async def ask(self, command: Command) -> Reply:
        """Run one command in a worker thread: store writes fsync, and must not stall the loop."""
        return await asyncio.to_thread(self.bot.handle, command)

    def close(self) -> None:
        self.store.close()
