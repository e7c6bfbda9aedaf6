"""The one aiohttp server: `/healthz`, `/readyz`, `/metrics`, the security headers on every
response, and every adapter whose settings are present.

Each platform module offers `mount(app, runtime) -> str`, which adds its routes when its
settings allow and returns the one line `serve` logs for it (`NAME: on (...)`, or off and why).
A module may also offer `refusal(settings, host) -> str | None`: the sentence `serve` stops
with when its settings would open a door they must not (see `refusals`).

`/healthz` says the process can read its store; `/readyz` says it can do its work: the store
answers, the dispatcher runs, every adapter that is on is mounted (and passes the checks it
added with `add_ready_check`). A load balancer sends traffic by `/readyz`.

The security headers are set as each response is prepared (aiohttp's `on_response_prepare`,
which sees every response a route, a raised HTTP error, an unknown address or a failing
handler's 500 produces, files included), not by a middleware, which would miss the responses
made outside it. Only a request too malformed for aiohttp to parse is answered by aiohttp's
protocol layer itself, before any application code, without them.

The last step of `serve`'s start-up sets the garbage collector for a long-running process
(`adapters.heap`).

Stopping (SIGTERM or SIGINT): the server stops listening, then every drain an adapter added
with `add_drain` runs at once, all of them done by `SHUTDOWN_WITHIN` seconds: turns and sends
in flight finish, what has not begun stays in the store for the next start. Then the
adapters' clean-up (`on_cleanup`: HTTP sessions, thread pools) runs, and `serve` exits 0.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from aiohttp import web

from adapters import heap, logs, metrics
from bot.app.runtime import Runtime
from bot.core.settings import Settings

log = logging.getLogger("ogpbot.server")
RUNTIME: web.AppKey[Runtime] = web.AppKey("runtime", Runtime)
BIND_HOST: web.AppKey[str] = web.AppKey("bind_host", str)
MAX_BODY = 1024 * 1024

# Modules with a `mount(app, runtime) -> str`, in the order their log lines appear.
ADAPTER_MODULES: list[str] = [
    # the clock: the real time, a rehearsal's, or a test's (moved by POST /test/clock)
    "adapters.clockwork",
    # the public record
    "adapters.web",
    # Slack
    "adapters.slack",
    # Teams
    "adapters.teams.endpoint",
    # the notice dispatcher
    "adapters.outbox_service",
    # pruning what is kept only for a while
    "adapters.upkeep",
    # the inbox: acknowledged requests done and answered, also after a restart
    "adapters.inbox_service",
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
#: A page in the public record's look that tells the reader one thing: (language, heading,
#: sentences, a link onwards as its label and address) -> HTML. The web adapter draws it; the
#: other adapters' pages (Slack's install flow) use it without knowing the web adapter.
MessagePage = Callable[[str, str, list[str], tuple[str, str] | None], str]
MESSAGE_PAGE: web.AppKey[MessagePage] = web.AppKey("message_page")
READY_CHECKS: web.AppKey[dict[str, ReadyCheck]] = web.AppKey("ready_checks", dict)


def add_ready_check(app: web.Application, name: str, check: ReadyCheck) -> None:
    """Have `/readyz` ask `check()` (quick, non-blocking): None when `name` is ready, else the
    reason it is not."""
    app.setdefault(READY_CHECKS, {})[name] = check
#: A drain gets the moment (`time.monotonic()`) by which it must be done.
Drain = Callable[[float], Awaitable[None]]
DRAINS: web.AppKey[list[Drain]] = web.AppKey("drains", list)
SHUTDOWN_WITHIN = 25.0  # seconds a stopping server gives the work in flight
WORKER_THREADS = 32
REQUESTS_WITHIN = 3.0  # seconds, after the drains, for requests still being answered


def add_drain(app: web.Application, drain: Drain) -> None:
    """Run `drain(deadline)` when the server stops, beside every other drain."""
    app.setdefault(DRAINS, []).append(drain)


async def _drain_all(app: web.Application) -> None:
    drains = app.get(DRAINS, [])
    if not drains:
        return
    deadline = time.monotonic() + SHUTDOWN_WITHIN
    log.info("stopping: finishing the work in flight (at most %.0f s)", SHUTDOWN_WITHIN)
    results = await asyncio.gather(*(drain(deadline) for drain in drains),
                                   return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            log.error("stopping: a drain failed: %r", result)

# The public record's policy, for everything: nothing but inline style may load, forms post
# only here, and no page may be framed.
CONTENT_SECURITY_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                           "base-uri 'none'; frame-ancestors 'none'")
SECURITY_HEADERS: Mapping[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
HSTS = "max-age=31536000; includeSubDomains"


def security_headers(public_url: str) -> Mapping[str, str]:
    """The headers every response carries; HSTS only when people reach the server by https
    (over plain http a browser ignores it, and it must not pin a test or a LAN set-up)."""
    if public_url.lower().startswith("https://"):
        return {**SECURITY_HEADERS, "Strict-Transport-Security": HSTS}
    return dict(SECURITY_HEADERS)


def add_security_headers(app: web.Application, public_url: str) -> None:
    headers = security_headers(public_url)

    async def on_prepare(request: web.Request, response: web.StreamResponse) -> None:
        response.headers.update(headers)

    app.on_response_prepare.append(on_prepare)


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


def refusals(settings: Settings, host: str) -> list[str]:
    """Why `serve` must not start with these settings on `host`: one sentence per problem."""
    found: list[str] = []
    for name in ADAPTER_MODULES:
        check = getattr(importlib.import_module(name), "refusal", None)
        problem = check(settings, host) if check is not None else None
        if problem:
            found.append(problem)
    return found


async def _worker_threads(_: web.Application) -> None:
    """Enough worker threads for the store's waits: work in a thread mostly waits for its
    group commit's fsync, and with few threads the waits would queue behind each other
    instead of sharing one fsync (the default pool has cores + 4)."""
    asyncio.get_running_loop().set_default_executor(
        ThreadPoolExecutor(WORKER_THREADS, thread_name_prefix="ogpbot"))


def build_app(runtime: Runtime, host: str = "127.0.0.1") -> web.Application:
    """The server's application; `host` is where it will listen (some adapters care)."""
    app = web.Application(client_max_size=MAX_BODY,
                          middlewares=[logs.request_ids, metrics.timing])
    app[RUNTIME] = runtime
    app[BIND_HOST] = host
    add_security_headers(app, runtime.settings.public_url)
    app.on_startup.append(_worker_threads)
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
    app.on_shutdown.append(_drain_all)
    return app


async def _settle_heap(_: web.Application) -> None:
    """The last of start-up: what it loaded lives as long as the process (`adapters.heap`)."""
    heap.settle()


def serve(runtime: Runtime, host: str, port: int) -> None:
    app = build_app(runtime, host)
    app.on_startup.append(_settle_heap)  # after every adapter's own start-up
    log.info("listening on http://%s:%d", host, port)
    web.run_app(app, host=host, port=port, print=None, access_log=None,
                shutdown_timeout=REQUESTS_WITHIN)
    log.info("stopped")
