"""`POST /api/messages`: Bot Framework activities into the core through botbuilder's
CloudAdapter, and the core's replies back as Adaptive Cards.

The answer comes first: a body that is not an activity gets 400 and a failed authentication 401
at once; an authenticated activity gets 201 as soon as it is authenticated, and its turn (the
core, the replies through the connector, with their retries) runs after that as a task the
server tracks and waits for when it stops (`TeamsBridge.drain`). So a slow or unreachable
connector never holds Teams' request past the few seconds it waits. Only an `invoke` (whose
answer carries the turn's result) waits for its turn.

Why every Teams request runs in a worker thread with an event loop of its own: botbuilder
makes blocking network calls from inside `async def` code (the OpenID signing keys are fetched
with `requests.get`, without a timeout, on the first token and whenever they are stale; each
outgoing call gets its token from msal synchronously). Pre-fetching keys would cover only the
first of these, and a forged `kid` could still force a refresh. So the whole of a Teams turn
(authentication, the core, the replies) runs through `TeamsBridge.offloop` on a small thread
pool of its own, each job under its own `asyncio.run`. A slow Microsoft endpoint then holds
one Teams worker, never the event loop that Slack, the public record and the dispatcher share,
and never the default executor the core's other callers use. The cost is one thread hop and
one short-lived loop per activity, which is small beside the network calls of a turn.
Outgoing notices have threads of their own (`NOTICE_WORKERS`), so a burst of them to a slow
connector never takes the threads incoming activities need; and an activity that still finds
no thread to authenticate it within `AUTH_WAIT` gets 503 (Teams sends it again), not a hang.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import threading
import time
import uuid
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any, TypeVar

from aiohttp import web
from botbuilder.core import CardFactory, TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, ActivityTypes, DeliveryModes, ErrorResponseException

from adapters.outbox import register_notifier
from adapters.server import BIND_HOST
from adapters.teams import cards, inbound, references, retry
from bot.app.runtime import Runtime
from bot.core.reply import Reply
from bot.core.settings import Settings

_KNOWN_TYPES = frozenset(t.value for t in ActivityTypes)
log = logging.getLogger("ogpbot.teams")
T = TypeVar("T")
ROUTE = "/api/messages"
WORKERS = 8  # inbound: authentication and turns
NOTICE_WORKERS = 4  # outgoing notices, on threads of their own: a burst never delays a 201
AUTH_WAIT = 2.5  # seconds an activity waits for authentication before a 503 (Teams retries)
MEMBER_LOOKUP_TIMEOUT = 5.0
DRAIN = 10.0  # seconds a stopping server waits for turns already acknowledged


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _settle(future: asyncio.Future[tuple[int, Any]], value: tuple[int, Any]) -> None:
    if not future.done():
        future.set_result(value)


def _run(factory: Callable[[], Coroutine[Any, Any, T]], deadline: float | None = None) -> T:
    """Run a job under a loop of its own; with a `deadline` (time.monotonic), a job that
    starts too late does not start, and one still running then is cancelled (TimeoutError)."""
    if deadline is None:
        return asyncio.run(factory())

    async def bounded() -> T:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("no Teams worker was free in time")
        return await asyncio.wait_for(factory(), left)

    return asyncio.run(bounded())


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
    """The CloudAdapter, its thread pools (inbound, and notices apart), and the turn logic."""

    def __init__(self, runtime: Runtime, settings: Settings,
                 policy: retry.RetryPolicy | None = None, workers: int = WORKERS) -> None:
        self.runtime = runtime
        self.app_id = settings.microsoft_app_id
        config = SimpleNamespace(
            APP_ID=settings.microsoft_app_id, APP_PASSWORD=settings.microsoft_app_password,
            APP_TYPE=settings.microsoft_app_type or "MultiTenant",
            APP_TENANTID=settings.microsoft_app_tenant_id)
        self.adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(config))
        self.adapter.on_turn_error = self._turn_error
        self.policy = policy or retry.RetryPolicy()
        self.executor = ThreadPoolExecutor(workers, thread_name_prefix="teams")
        self.notice_executor = ThreadPoolExecutor(NOTICE_WORKERS,
                                                  thread_name_prefix="teams-notice")
        self._turns: set[asyncio.Task[None]] = set()

    async def offloop(self, factory: Callable[[], Coroutine[Any, Any, T]],
                      deadline: float | None = None, *, notice: bool = False) -> T:
        """Run a coroutine on a Teams worker thread, under an event loop of its own; with a
        `deadline` (time.monotonic), a job that could not start before it never starts, and
        one still running then is cancelled (TimeoutError). A `notice` runs on the notice
        threads, so inbound activities always find a free worker."""
        executor = self.notice_executor if notice else self.executor
        return await asyncio.get_running_loop().run_in_executor(
            executor, _run, factory, deadline)

    async def close(self, _app: web.Application | None = None) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.notice_executor.shutdown(wait=False, cancel_futures=True)

    # ------------------------------------------------------------------ HTTP

    async def messages(self, request: web.Request) -> web.Response:
        """POST /api/messages: 400 for a body that is not an activity, 401 when authentication
        fails, else 201 as soon as the activity is authenticated; the turn (the core and the
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
        if not activity.type:
            return web.json_response({"error": "the activity has no type"}, status=400)
        header = request.headers.get("Authorization", "")
        waits = activity.type == ActivityTypes.invoke or (
            activity.delivery_mode == DeliveryModes.expect_replies)
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[tuple[int, Any]] = loop.create_future()
        decided = _Answer()

        def respond(status: int, body: Any = None) -> None:  # from a Teams worker thread
            loop.call_soon_threadsafe(_settle, answer, (status, body))

        turn = self.spawn(self.offloop(
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
        """Authenticate, answer the HTTP request (unless it `waits`), then run the turn; when
        the server already answered 503 (authentication took too long), do nothing."""
        auth = self.adapter.bot_framework_authentication
        try:
            result = await auth.authenticate_request(activity, header)
        except Exception as exc:  # PermissionError, a malformed JWT, unknown keys: all 401
            log.info("teams: refused an activity: %s", type(exc).__name__)
            respond(401, None)
            return
        if not decided.claim("worker"):
            return  # answered 503 meanwhile: Teams sends the activity again
        if not waits:
            respond(201, None)
        try:
            invoke = await self.adapter.process_activity(result, activity, self.on_turn)
        except Exception as exc:  # no connector client, no token for the reply: not our 500
            log.error("teams: could not run a turn: %s", type(exc).__name__)
            respond(502, None)
            return
        if invoke is not None:
            respond(invoke.status, invoke.body)
        else:
            respond(201, None)

    # ------------------------------------------------------------------ after the answer

    def spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Run a turn as a task the server waits for when it stops; failures are logged."""
        task = asyncio.get_running_loop().create_task(self._guarded(work))
        self._turns.add(task)
        task.add_done_callback(self._turns.discard)
        return task

    @staticmethod
    async def _guarded(work: Coroutine[Any, Any, None]) -> None:
        try:
            await work
        except Exception:
            log.exception("teams: a turn failed after the answer")

    async def drain(self, _app: web.Application | None = None, within: float = DRAIN) -> None:
        """Wait for turns still running (at shutdown), so acknowledged work is not cut off."""
        pending = set(self._turns)
        if not pending:
            return
        log.info("teams: waiting for %d turn(s) to finish", len(pending))
        _, late = await asyncio.wait(pending, timeout=within)
        for task in late:
            task.cancel()
        if late:
            log.warning("teams: %d turn(s) did not finish within %.0fs", len(late), within)

    async def _turn_error(self, context: TurnContext, error: Exception) -> None:
        log.error("teams: a turn failed: %s: %s", type(error).__name__, error)

    # ------------------------------------------------------------------ turn

    async def on_turn(self, context: TurnContext) -> None:
        activity = context.activity
        if activity.type not in _KNOWN_TYPES:
            return  # not an activity Teams defines: nothing to remember or answer
        references.remember(self.runtime.store, activity)
        if activity.type != ActivityTypes.message:
            return  # conversationUpdate (install), typing, reactions: the reference is kept
        self._reachable_again(activity)
        email = await self._email(context)
        command = inbound.command_of(activity, email)
        reply = self.runtime.bot.handle(command)  # already off the main loop: call directly
        if reply.repeated:
            return
        nonce = ""
        if reply.form is not None:
            value = activity.value if isinstance(activity.value, dict) else {}
            nonce = str(value.get("nonce") or "") if command.form_id else ""
            nonce = nonce or uuid.uuid4().hex
        out = message(reply, nonce)
        conversation_id = activity.conversation.id if activity.conversation else ""
        if command.form_id is not None and activity.reply_to_id:
            out.id = activity.reply_to_id  # the form's card becomes its answer, in place
            try:
                await retry.call(self.policy, conversation_id,
                                 lambda: context.update_activity(out), "card update")
                return
            except ErrorResponseException as exc:  # the card is gone or too old to change
                log.info("teams: could not update a card (%s); sending anew",
                         retry.status_of(exc))
                out.id = None
        await retry.call(self.policy, conversation_id, lambda: context.send_activity(out))

    def _reachable_again(self, activity: Activity) -> None:
        """A person who was unreachable (blocked the bot) and writes again can be reached."""
        user_id = activity.from_property.id if activity.from_property else ""
        records = self.runtime.bot.records
        person = records.person_by_platform(inbound.PLATFORM, user_id) if user_id else None
        if person is None or inbound.PLATFORM not in person.unreachable:
            return
        def unmark() -> None:
            fresh = records.person(person.key)
            if fresh is not None and inbound.PLATFORM in fresh.unreachable:
                left = {k: v for k, v in fresh.unreachable.items() if k != inbound.PLATFORM}
                records.save_person(fresh.with_changes(unreachable=left))

        records.atomically(unmark)

    async def _email(self, context: TurnContext) -> str | None:
        """The speaker's email, so roster people are known by it; asked of Teams once."""
        activity = context.activity
        user_id = activity.from_property.id if activity.from_property else ""
        if not user_id:
            return None
        known = references.person(self.runtime.store, user_id) or {}
        if "email" in known:
            return known["email"] or None
        if activity.channel_id != "msteams":
            return None
        try:
            member = await asyncio.wait_for(TeamsInfo.get_member(context, user_id),
                                            MEMBER_LOOKUP_TIMEOUT)
        except ErrorResponseException as exc:
            status = retry.status_of(exc)
            if status is not None and 400 <= status < 500:
                references.set_person(self.runtime.store, user_id, email="")
            return None
        except Exception as exc:  # a network failure: try again on the next message
            log.info("teams: member lookup failed: %s", type(exc).__name__)
            return None
        email = (member.email or member.user_principal_name or "").strip()
        references.set_person(self.runtime.store, user_id, email=email)
        return email or None


def message(reply: Reply, nonce: str = "") -> Activity:
    """A reply as a message activity: the card, with the plain text as its summary."""
    card = cards.reply_card(reply, nonce)
    return Activity(type=ActivityTypes.message,
                    attachments=[CardFactory.adaptive_card(card)],
                    summary=(reply.title or reply.text)[:200] or None)


TEAMS: web.AppKey[TeamsBridge] = web.AppKey("teams", TeamsBridge)


def mount(app: web.Application, runtime: Runtime) -> str:
    """Add `POST /api/messages` when the settings allow; return the start-up log line."""
    settings = runtime.settings
    host = app.get(BIND_HOST, "127.0.0.1")
    if not settings.microsoft_app_id and not is_loopback(host):
        return (f"teams: off (no MicrosoftAppId; without credentials the Bot Framework "
                f"Emulator is only allowed on a loopback host, not {host})")
    try:
        bridge = TeamsBridge(runtime, settings)
    except Exception as exc:  # botbuilder raises a bare Exception for incomplete settings
        return f"teams: off ({exc})"
    app[TEAMS] = bridge
    app.router.add_post(ROUTE, bridge.messages)
    app.on_shutdown.append(bridge.drain)
    app.on_cleanup.append(bridge.close)
    from adapters.teams.notifier import TeamsNotifier
    register_notifier(app, TeamsNotifier(bridge))
    if settings.microsoft_app_id:
        return f"teams: on ({ROUTE}, app {settings.microsoft_app_id})"
    return f"teams: on ({ROUTE}, Bot Framework Emulator only: no MicrosoftAppId)"
