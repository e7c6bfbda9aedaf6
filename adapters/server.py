"""The one aiohttp server: `/healthz`, `/readyz`, `/metrics`, and every adapter whose settings
are present.

Each platform module offers `mount(app, runtime) -> str`, which adds its routes when its
settings allow and returns the one line `serve` logs for it (`NAME: on (...)`, or off and why).
`/healthz` says the process can read its store; `/readyz` says it can do its work: the store
answers, the dispatcher runs, every adapter that is on is mounted (and passes the checks it
added with `add_ready_check`). A load balancer sends traffic by `/readyz`.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from adapters import logs, metrics
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
    # pruning what is kept only for a while
    "adapters.upkeep",
]

Mount = Callable[[web.Application, Runtime], str]
Hook = Callable[[web.Application], Awaitable[None]]
ReadyCheck = Callable[[], str | None]  # None when ready, else what is wrong
STORE_WAIT = 2.0  # seconds /readyz waits for the store to answer


# The route each adapter that is on must have mounted, by the name its log line starts with.
ROUTES = {"slack": "/slack/events", "teams": "/api/messages", "public record": "/",
          "metrics": "/metrics"}


@dataclass(frozen=True)
class Mounted:
    """What one adapter's mount said: its name, and whether it is on."""

    name: str
    on: bool


ADAPTERS: web.AppKey[list[Mounted]] = web.AppKey("adapters", list)
READY_CHECKS: web.AppKey[dict[str, ReadyCheck]] = web.AppKey("ready_checks", dict)


def add_ready_check(app: web.Application, name: str, check: ReadyCheck) -> None:
    """Have `/readyz` ask `check()` (quick, non-blocking): None when `name` is ready, else the
    reason it is not."""
    app.setdefault(READY_CHECKS, {})[name] = check


async def healthz(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    try:
        # a store read may wait on a writer's lock (and its fsync): never on the loop
        await asyncio.to_thread(runtime.store.all, "_meta")
    except Exception:  # the store could not be read: say so, do not crash
        log.exception("health check: store unreadable")
        return web.json_response({"status": "store unreadable"}, status=503)
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """200 when the store answers, the dispatcher runs and every adapter that is on is
    mounted; else 503 with what is not ready, by name."""
    app = request.app
    runtime = app[RUNTIME]
    problems: dict[str, str] = {}
    try:
        await asyncio.wait_for(asyncio.to_thread(runtime.store.all, "_meta"), STORE_WAIT)
    except TimeoutError:
        problems["store"] = f"did not answer within {STORE_WAIT:g} s"
    except Exception as exc:
        problems["store"] = f"unreadable ({type(exc).__name__})"
    routed = {resource.canonical for resource in app.router.resources()}
    for adapter in app.get(ADAPTERS, []):
        route = ROUTES.get(adapter.name)
        if adapter.on and route is not None and route not in routed:
            problems[adapter.name] = f"on, but {route} is not mounted"
    for name, check in app.get(READY_CHECKS, {}).items():
        try:
            reason = check()
        except Exception as exc:
            reason = f"its check failed ({type(exc).__name__})"
        if reason:
            problems[name] = reason
    on = [a.name for a in app.get(ADAPTERS, []) if a.on]
    if problems:
        return web.json_response({"status": "not ready", "not_ready": problems, "on": on},
                                 status=503)
    return web.json_response({"status": "ready", "on": on})


def build_app(runtime: Runtime, host: str = "127.0.0.1") -> web.Application:
    """The server's application; `host` is where it will listen (some adapters care)."""
    app = web.Application(client_max_size=MAX_BODY,
                          middlewares=[logs.request_ids, metrics.timing])
    app[RUNTIME] = runtime
    app[BIND_HOST] = host
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    metrics.install(app, runtime)
    log.info("metrics: on (GET /metrics, GET /readyz)")
    mounted: list[Mounted] = [Mounted("metrics", True)]
    app[ADAPTERS] = mounted
    for name in ADAPTER_MODULES:
        mount: Mount = importlib.import_module(name).mount
        line = mount(app, runtime)
        log.info(line)
        label, _, state = line.partition(":")
        mounted.append(Mounted(label.strip() or name, state.strip().startswith("on")))
    return app


def serve(runtime: Runtime, host: str, port: int) -> None:
    app = build_app(runtime, host)
    log.info("listening on http://%s:%d", host, port)
    web.run_app(app, host=host, port=port, print=None, access_log=None)
