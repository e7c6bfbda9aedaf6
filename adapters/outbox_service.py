"""The notice dispatcher inside `ogpbot serve`, and the registry of notifiers it sends through.

Platform adapters offer their `Notifier` in their own `mount()` with
`register_notifier(app, notifier)`. The dispatcher starts with the server (after every mount),
schedules the agenda's notices, resolves what a crash left behind, and stops with it: the
sends in flight finish, the rest stay pending (`adapters.server.add_drain`).
"""

from __future__ import annotations

import asyncio
import logging
import time

from aiohttp import web

from adapters.server import add_drain
from bot.app.runtime import Runtime
from bot.core.observe import NO_OBSERVER
from bot.notices.announcements import schedule_agenda
from bot.notices.dispatcher import Dispatcher
from bot.notices.port import Notifier
from bot.process.plan import schedule_plan

log = logging.getLogger("ogpbot.notices")

NOTIFIERS: web.AppKey[dict[str, Notifier]] = web.AppKey("notifiers", dict)
DISPATCHER: web.AppKey[Dispatcher] = web.AppKey("dispatcher", Dispatcher)


def register_notifier(app: web.Application, notifier: Notifier) -> None:
    """Offer `notifier` to the dispatcher for its platform (call it from an adapter's mount).

    The registry is read once, when the server starts (after every mount), so the order of
    `ADAPTER_MODULES` does not matter. A second notifier for the same platform is a mistake."""
    registry = app.setdefault(NOTIFIERS, {})
    if notifier.platform in registry and registry[notifier.platform] is not notifier:
        raise ValueError(f"a notifier for {notifier.platform} is already registered")
    registry[notifier.platform] = notifier


def notifiers_of(app: web.Application) -> dict[str, Notifier]:
    """The notifiers adapters registered, by platform."""
    return dict(app.get(NOTIFIERS, {}))


def mount(app: web.Application, runtime: Runtime) -> str:
    app.setdefault(NOTIFIERS, {})

    from adapters.metrics import METRICS
    from adapters.server import add_ready_check

    def dispatcher_ready() -> str | None:
        dispatcher = app.get(DISPATCHER)
        if dispatcher is None:
            return "not started"
        return None if dispatcher.running else "stopped: notices are not being sent"

    add_ready_check(app, "dispatcher", dispatcher_ready)

    async def start(app: web.Application) -> None:
        notifiers = notifiers_of(app)
        metrics = app.get(METRICS)
        dispatcher = Dispatcher(runtime.bot, notifiers, public_url=runtime.settings.public_url,
                                observer=metrics if metrics is not None else NO_OBSERVER)
        app[DISPATCHER] = dispatcher
        added = await asyncio.to_thread(schedule_agenda, runtime.bot)
        bot = runtime.bot
        reminders = await asyncio.to_thread(schedule_plan, bot.records, bot.outbox, bot.seminar,
                                            bot.clock.now())
        await dispatcher.start()
        log.info("notices: dispatcher running, sending through %s; %d agenda notice(s) and "
                 "%d commitment reminder(s) added",
                 ", ".join(sorted(notifiers)) or "no platform", added, reminders)

    async def stop(deadline: float) -> None:
        dispatcher = app.get(DISPATCHER)
        if dispatcher is not None:
            await dispatcher.stop(max(0.0, deadline - time.monotonic()))

    app.on_startup.append(start)
    add_drain(app, stop)
    return "notices: on (dispatcher starts with the server)"

