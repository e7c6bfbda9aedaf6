"""The one aiohttp server: `/healthz`, and every adapter whose settings are present.

Each platform module offers `mount(app, runtime) -> str`, which adds its routes when its
settings allow and returns the one line `serve` logs for it (on, or off and why). A module may
also offer `refusal(settings, host) -> str | None`: the sentence `serve` stops with when its
settings would open a door they must not (see `refusals`).
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.app.runtime import Runtime
from bot.core.settings import Settings

log = logging.getLogger("ogpbot.server")
RUNTIME: web.AppKey[Runtime] = web.AppKey("runtime", Runtime)
BIND_HOST: web.AppKey[str] = web.AppKey("bind_host", str)
MAX_BODY = 1024 * 1024

# Modules with a `mount(app, runtime) -> str`, in the order their log lines appear.
ADAPTER_MODULES: list[str] = [
    # the public record
    "adapters.web",
    # Slack
    "adapters.slack",
    # Teams
    "adapters.teams.endpoint",
    # the notice dispatcher
    "adapters.outbox",
]

Mount = Callable[[web.Application, Runtime], str]
Hook = Callable[[web.Application], Awaitable[None]]


async def healthz(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    try:
        # a store read may wait on a writer's lock (and its fsync): never on the loop
        await asyncio.to_thread(runtime.store.all, "_meta")
    except Exception:  # the store could not be read: say so, do not crash
        log.exception("health check: store unreadable")
        return web.json_response({"status": "store unreadable"}, status=503)
    return web.json_response({"status": "ok"})


def refusals(settings: Settings, host: str) -> list[str]:
    """Why `serve` must not start with these settings on `host`: one sentence per problem."""
    found: list[str] = []
    for name in ADAPTER_MODULES:
        check = getattr(importlib.import_module(name), "refusal", None)
        problem = check(settings, host) if check is not None else None
        if problem:
            found.append(problem)
    return found


def build_app(runtime: Runtime, host: str = "127.0.0.1") -> web.Application:
    """The server's application; `host` is where it will listen (some adapters care)."""
    app = web.Application(client_max_size=MAX_BODY)
    app[RUNTIME] = runtime
    app[BIND_HOST] = host
    app.router.add_get("/healthz", healthz)
    for name in ADAPTER_MODULES:
        mount: Mount = importlib.import_module(name).mount
        log.info(mount(app, runtime))
    return app


def serve(runtime: Runtime, host: str, port: int) -> None:
    app = build_app(runtime, host)
    log.info("listening on http://%s:%d", host, port)
    web.run_app(app, host=host, port=port, print=None, access_log=None)
