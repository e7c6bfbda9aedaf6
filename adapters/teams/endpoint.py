"""`POST /api/messages`: the HTTP side of the Teams adapter. It mounts the route when the
settings allow (see `access` for the three modes), reads the body, has the activity
authenticated and let in by `access.admit` on a Teams worker thread (`workers`), answers,
and leaves the turn (`turn`) to run after the answer.

The answers: a body that is not an activity 400; a missing, bad or malformed token, or one
that does not vouch for the activity's `serviceUrl`, 401; a tenant this deployment does not
serve, or (emulator mode) a `serviceUrl` off this machine, 403; an admitted activity 201 as
soon as it is kept (its conversation's reference, and a message as an inbox item: a store
that refuses them gets 503, so Teams sends the activity again), with its turn (the core, the
replies through the connector, with their retries) running after that as a task the server
waits for when it stops. So a slow or
unreachable connector never holds Teams' request past the few seconds it waits. Only an
`invoke` (whose answer carries the turn's result) waits for its turn. An activity that finds
no worker to authenticate it within `AUTH_WAIT` gets 503 (Teams sends it again), not a hang.
Nothing refused reaches the core, is kept, or makes the bot call out.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Coroutine
from types import SimpleNamespace
from typing import Any, TypeVar

from aiohttp import web
from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, ActivityTypes, DeliveryModes

from adapters.inbox_service import turns_of
from adapters.outbox_service import register_notifier
from adapters.server import BIND_HOST, add_drain
from adapters.teams import access, retry
from adapters.teams.access import Door, Mode, Refused, is_loopback, refusal
from adapters.teams.answers import TeamsAnswers
from adapters.teams.notifier import TeamsNotifier
from adapters.teams.settings import TeamsSettings
from adapters.teams.turn import Turn
from adapters.teams.workers import DRAIN, WORKERS, Workers
from bot.app.inbox import Item
from bot.app.runtime import Runtime
from bot.store.contract import StoreError

__all__ = ["ROUTE", "TEAMS", "TeamsBridge", "is_loopback", "mount", "refusal"]

log = logging.getLogger("ogpbot.teams")
T = TypeVar("T")
ROUTE = "/api/messages"
AUTH_WAIT = 2.5  # seconds an activity waits for authentication before a 503 (Teams retries)


def _settle(future: asyncio.Future[tuple[int, Any]], value: tuple[int, Any]) -> None:
    if not future.done():
        future.set_result(value)


class _Answer:
    """Who decides a request's answer first: the worker that authenticated it, or the server
    giving up on waiting; the loser stands down (no turn runs after a 503)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by: str | None = None

    def claim(self, by: str) -> bool:
        with self._lock:
            if self._by is None:
                self._by = by
            return self._by == by


class TeamsBridge:
    """The Teams side of the server: the door, botbuilder's CloudAdapter, the worker threads
    and the turn logic, for the route here and the notifier."""

    def __init__(self, runtime: Runtime, settings: TeamsSettings, door: Door,
                 policy: retry.RetryPolicy | None = None, workers: int = WORKERS) -> None:
        self.runtime = runtime
        self.door = door
        self.app_id = settings.app_id if door.mode is Mode.CREDENTIALS else ""
        config = SimpleNamespace(
            APP_ID=self.app_id,
            APP_PASSWORD=settings.app_password if self.app_id else "",
            APP_TYPE=settings.app_type or "MultiTenant",
            APP_TENANTID=settings.app_tenant_id)
        self.adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(config))
        self.adapter.on_turn_error = self._turn_error
        self.workers = Workers(workers)
        self.turn = Turn(runtime, policy or retry.RetryPolicy())

    @property
    def policy(self) -> retry.RetryPolicy:
        """How connector calls are paced and retried (replies and notices alike)."""
        return self.turn.policy

    @policy.setter
    def policy(self, policy: retry.RetryPolicy) -> None:
        self.turn.policy = policy

    async def offloop(self, factory: Callable[[], Coroutine[Any, Any, T]],
                      deadline: float | None = None, *, notice: bool = False) -> T:
        return await self.workers.offloop(factory, deadline, notice=notice)

    async def drain(self, deadline: float) -> None:
        """At shutdown: let the turns already acknowledged finish, by `deadline`
        (`time.monotonic()`)."""
        within = min(DRAIN, deadline - time.monotonic())
        await self.workers.drain(max(0.0, within))

    async def close(self, _app: web.Application | None = None) -> None:
        self.workers.close()

    # ------------------------------------------------------------------ HTTP

    async def messages(self, request: web.Request) -> web.Response:
        """POST /api/messages: 400 for a body that is not an activity, 401 or 403 when the door
        stays shut, else 201 as soon as the activity is admitted; the turn (the core and the
        replies) runs after that answer, as a tracked task. An `invoke` (or a request for
        `expectReplies`) is the exception: its answer carries the turn's result, so it waits."""
        try:
            body = await request.json()
        except (ValueError, RecursionError):  # RecursionError: JSON nested too deep
            return web.json_response({"error": "the body is not JSON"}, status=400)
        if not isinstance(body, dict):
            return web.json_response({"error": "the body is not an activity"}, status=400)
        try:
            activity = Activity().deserialize(body)
        except Exception:  # msrest raises its own errors for a wrongly shaped activity
            return web.json_response({"error": "the body is not an activity"}, status=400)
        if not activity.type or not isinstance(activity.type, str):
            return web.json_response({"error": "the activity has no type"}, status=400)
        header = request.headers.get("Authorization", "")
        waits = activity.type == ActivityTypes.invoke or (
            activity.delivery_mode == DeliveryModes.expect_replies)
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[tuple[int, Any]] = loop.create_future()
        decided = _Answer()

        def respond(status: int, body: Any = None) -> None:  # from a Teams worker thread
            loop.call_soon_threadsafe(_settle, answer, (status, body))

        turn = self.workers.spawn(self.offloop(
            lambda: self._process(activity, header, respond, waits, decided)))
        turn.add_done_callback(lambda _: _settle(answer, (502, None)))  # if it never answered
        try:
            status, payload = await asyncio.wait_for(asyncio.shield(answer), AUTH_WAIT)
        except TimeoutError:
            if decided.claim("server"):  # not authenticated yet: Teams sends it again
                log.warning("teams: no worker authenticated an activity within %.1fs; 503",
                            AUTH_WAIT)
                return web.json_response({"error": "busy, try again"}, status=503,
                                         headers={"Retry-After": "1"})
            status, payload = await answer  # authenticated meanwhile: its answer is coming
        if payload is not None:
            return web.json_response(payload, status=status)
        return web.Response(status=status)

    async def _process(self, activity: Activity, header: str,
                       respond: Callable[[int, Any], None], waits: bool,
                       decided: _Answer) -> None:
        """Let the activity in or refuse it, answer the HTTP request (unless it `waits`), then
        run the turn; when the server already answered 503 (too slow), do nothing."""
        auth = self.adapter.bot_framework_authentication
        try:
            admitted = await access.admit(self.door, auth, activity, header)
        except Refused as refused:
            log.info("teams: refused an activity (%d): %s", refused.status, refused.why)
            respond(refused.status, None)
            return
        if not decided.claim("worker"):
            return  # answered 503 meanwhile: Teams sends the activity again
        try:
            kept = self.turn.keep(activity, admitted)  # in the store before the answer
        except StoreError as exc:  # nothing kept: no promise (Teams sends it again)
            log.error("teams: an activity could not be kept: %s", exc)
            respond(503, None)
            return
        if kept is False:
            respond(201, None)  # sent again: it is kept, and done or being done
            return
        if not waits:
            respond(201, None)
        item = kept if isinstance(kept, Item) else None

        async def logic(context: TurnContext) -> None:
            await self.turn.run(context, admitted, item)

        try:
            invoke = await self.adapter.process_activity(admitted.result, activity, logic)
        except Exception as exc:  # no connector client, no token for the reply: not our 500
            log.error("teams: could not run a turn: %s", type(exc).__name__)
            respond(502, None)
            return
        if invoke is not None:
            respond(invoke.status, invoke.body)
        else:
            respond(201, None)

    async def _turn_error(self, context: TurnContext, error: Exception) -> None:
        log.error("teams: a turn failed: %s: %s", type(error).__name__, error)


TEAMS: web.AppKey[TeamsBridge] = web.AppKey("teams", TeamsBridge)


def mount(app: web.Application, runtime: Runtime) -> str:
    """Add `POST /api/messages` when the settings allow; return the start-up log line."""
    door = access.door_of(runtime.settings, app.get(BIND_HOST, "127.0.0.1"))
    if door.mode is Mode.OFF:
        return f"teams: off ({door.why}; {ROUTE} answers 404)"
    try:
        bridge = TeamsBridge(runtime, TeamsSettings.of(runtime.settings), door)
    except Exception as exc:  # botbuilder raises a bare Exception for incomplete settings
        return f"teams: off ({exc})"
    app[TEAMS] = bridge
    app.router.add_post(ROUTE, bridge.messages)
    add_drain(app, bridge.drain)
    app.on_cleanup.append(bridge.close)
    notifier = TeamsNotifier(bridge, runtime.bot.records)
    register_notifier(app, notifier)
    turns = turns_of(app, runtime)
    bridge.turn.inbox = turns.inbox
    turns.register(TeamsAnswers(notifier, bridge.turn.reach))
    return f"teams: on ({ROUTE}, {door.why})"
