"""The inbox's turns inside `ogpbot serve` (`bot.app.turns`): started with the server, where
they first do and answer what the last process acknowledged and left, and stopped with it
(the turns in flight finish, the rest stay in the inbox: `adapters.server.add_drain`).

A platform adapter gets the server's `Turns` from `turns_of(app, runtime)` in its `mount()`,
registers its responder there, and hands each item it acknowledged to `Turns.submit`.
"""

from __future__ import annotations

import logging
import time

from aiohttp import web

from adapters.metrics import METRICS
from adapters.server import add_drain
from bot.app.inbox import Inbox
from bot.app.runtime import Runtime
from bot.app.turns import Turns

log = logging.getLogger("ogpbot.inbox")
TURNS: web.AppKey[Turns] = web.AppKey("turns", Turns)


def turns_of(app: web.Application, runtime: Runtime) -> Turns:
    """The server's one `Turns` (made on first use, by whichever mount asks first)."""
    if TURNS not in app:
        app[TURNS] = Turns(Inbox(runtime.bot))
    return app[TURNS]


def mount(app: web.Application, runtime: Runtime) -> str:
    turns = turns_of(app, runtime)
    metrics = app.get(METRICS)
    if metrics is not None:  # /metrics shows how many acknowledged requests are not done yet
        metrics.watch_inbox(turns.depth)

    async def start(_: web.Application) -> None:
        await turns.resume()
        turns.keep()  # a shared store: leases renewed, what a dead replica left taken over

    async def stop(deadline: float) -> None:
        await turns.stop(max(0.0, deadline - time.monotonic()))

    app.on_startup.append(start)
    add_drain(app, stop)
    platforms = ", ".join(sorted(turns.responders)) or "no platform"
    return f"inbox: on (requests kept until done and answered; {platforms})"
