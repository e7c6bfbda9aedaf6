"""The server's own upkeep: a periodic task that prunes what the bot keeps only for a while
(`bot.app.retention`): at start, then every `EVERY` seconds of the process's clock, in a worker
thread."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiohttp import web

from bot.app.retention import prune
from bot.app.runtime import Runtime

log = logging.getLogger("ogpbot.upkeep")

EVERY = 6 * 3600.0
TASK: web.AppKey[asyncio.Task[None]] = web.AppKey("upkeep", asyncio.Task)


async def _prune_forever(runtime: Runtime, every: float) -> None:
    while True:
        try:
            await asyncio.to_thread(prune, runtime.bot, runtime.clock.now())
        except Exception:  # the store refused a write, say: try again next time
            log.exception("retention: pruning failed; trying again in %.0f s", every)
        await runtime.clock.sleep(every)


def mount(app: web.Application, runtime: Runtime) -> str:
    from adapters.server import add_ready_check

    def alive() -> str | None:
        task = app.get(TASK)
        return None if task is None or not task.done() else "the pruning task stopped"

    add_ready_check(app, "retention", alive)

    async def start(app: web.Application) -> None:
        app[TASK] = asyncio.create_task(_prune_forever(runtime, EVERY), name="ogpbot-upkeep")

    async def stop(app: web.Application) -> None:
        task = app.get(TASK)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app.on_startup.append(start)
    app.on_cleanup.append(stop)
    seminar = runtime.seminar
    return (f"retention: on (answered requests kept {seminar.requests_days} days, notice "
            f"bodies {seminar.notices_days} days; pruned at start and every "
            f"{EVERY / 3600:g} h)")
