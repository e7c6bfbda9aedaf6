"""The notice dispatcher inside `ogpbot serve`, the registry of notifiers it sends through, and
`GET /meetings/P-N.ics` (a meeting's calendar file at a stable address).

Platform adapters offer their `Notifier` in their own `mount()` with
`register_notifier(app, notifier)`. The dispatcher starts with the server (after every mount),
schedules the agenda's notices, resolves what a crash left behind, and stops with it.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from bot.app.runtime import Runtime
from bot.core.model import proposal_number
from bot.notices.announcements import schedule_agenda
from bot.notices.calendar import FILE_MIME, meeting_file
from bot.notices.dispatcher import Dispatcher
from bot.notices.port import Notifier

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
    app.router.add_get("/meetings/{ref}.ics", calendar_file)

    async def start(app: web.Application) -> None:
        notifiers = notifiers_of(app)
        dispatcher = Dispatcher(runtime.bot, notifiers, public_url=runtime.settings.public_url)
        app[DISPATCHER] = dispatcher
        added = await asyncio.to_thread(schedule_agenda, runtime.bot)
        await dispatcher.start()
        log.info("notices: dispatcher running, sending through %s; %d agenda notice(s) added",
                 ", ".join(sorted(notifiers)) or "no platform", added)

    async def stop(app: web.Application) -> None:
        dispatcher = app.get(DISPATCHER)
        if dispatcher is not None:
            await dispatcher.stop()

    app.on_startup.append(start)
    app.on_cleanup.append(stop)
    return "notices: on (dispatcher starts with the server; GET /meetings/P-N.ics)"


async def calendar_file(request: web.Request) -> web.Response:
    from adapters.server import RUNTIME

    runtime = request.app[RUNTIME]
    number = proposal_number(request.match_info["ref"])
    if number is None:
        raise web.HTTPNotFound(text="no such meeting\n")

    def load() -> tuple[str, bytes] | None:
        # a meeting called off answers with its cancellation, for calendars that fetch it
        return meeting_file(runtime.bot, number, runtime.seminar.language,
                            runtime.clock.now())

    found = await asyncio.to_thread(load)
    if found is None:
        raise web.HTTPNotFound(text="no such meeting\n")
    name, body = found
    return web.Response(body=body, headers={
        "Content-Type": f"{FILE_MIME}; charset=utf-8",
        "Content-Disposition": f'inline; filename="{name}"',
        "Cache-Control": "no-cache",
    })
