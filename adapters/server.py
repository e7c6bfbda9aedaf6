"""The one aiohttp server: `/healthz`, and every adapter whose settings are present.

Each platform module offers `mount(app, runtime) -> str`, which adds its routes when its
settings allow and returns the one line `serve` logs for it (on, or off and why).

Stopping (SIGTERM or SIGINT): the server stops listening, then every drain an adapter added
with `add_drain` runs at once, all of them done by `SHUTDOWN_WITHIN` seconds: turns and sends
in flight finish, what has not begun stays in the store for the next start. Then the
adapters' clean-up (`on_cleanup`: HTTP sessions, thread pools) runs, and `serve` exits 0.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.app.runtime import Runtime

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
#: A drain gets the `loop.time()` by which it must be done.
Drain = Callable[[float], Awaitable[None]]
DRAINS: web.AppKey[list[Drain]] = web.AppKey("drains", list)
SHUTDOWN_WITHIN = 25.0  # seconds a stopping server gives the work in flight
REQUESTS_WITHIN = 3.0  # seconds, after the drains, for requests still being answered


def add_drain(app: web.Application, drain: Drain) -> None:
    """Run `drain(deadline)` when the server stops, beside every other drain."""
    app.setdefault(DRAINS, []).append(drain)


async def _drain_all(app: web.Application) -> None:
    drains = app.get(DRAINS, [])
    if not drains:
        return
    deadline = asyncio.get_running_loop().time() + SHUTDOWN_WITHIN
    log.info("stopping: finishing the work in flight (at most %.0f s)", SHUTDOWN_WITHIN)
    results = await asyncio.gather(*(drain(deadline) for drain in drains),
                                   return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            log.error("stopping: a drain failed: %r", result)


async def healthz(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    try:
        # a store read may wait on a writer's lock (and its fsync): never on the loop
        await asyncio.to_thread(runtime.store.all, "_meta")
    except Exception:  # the store could not be read: say so, do not crash
        log.exception("health check: store unreadable")
        return web.json_response({"status": "store unreadable"}, status=503)
    return web.json_response({"status": "ok"})


def build_app(runtime: Runtime, host: str = "127.0.0.1") -> web.Application:
    """The server's application; `host` is where it will listen (some adapters care)."""
    app = web.Application(client_max_size=MAX_BODY)
    app[RUNTIME] = runtime
    app[BIND_HOST] = host
    app.router.add_get("/healthz", healthz)
    for name in ADAPTER_MODULES:
        mount: Mount = importlib.import_module(name).mount
        log.info(mount(app, runtime))
    app.on_shutdown.append(_drain_all)
    return app


def serve(runtime: Runtime, host: str, port: int) -> None:
    app = build_app(runtime, host)
    log.info("listening on http://%s:%d", host, port)
    web.run_app(app, host=host, port=port, print=None, access_log=None,
                shutdown_timeout=REQUESTS_WITHIN)
    log.info("stopped")
