"""`POST /api/messages`: Bot Framework activities into the core through botbuilder's
CloudAdapter, and the core's replies back as Adaptive Cards.

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
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import uuid
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any, TypeVar

from aiohttp import web
from botbuilder.core import CardFactory, TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, ActivityTypes, ErrorResponseException

from adapters.server import BIND_HOST
from adapters.teams import cards, inbound, references, retry
from bot.reply import Reply
from bot.runtime import Runtime
from bot.settings import Settings

_KNOWN_TYPES = frozenset(t.value for t in ActivityTypes)
log = logging.getLogger("ogpbot.teams")
T = TypeVar("T")
ROUTE = "/api/messages"
WORKERS = 8
MEMBER_LOOKUP_TIMEOUT = 5.0


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _run(factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    return asyncio.run(factory())


class TeamsBridge:
    """The CloudAdapter, its thread pool, and the turn logic for one server."""

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

    async def offloop(self, factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
        """Run a coroutine on a Teams worker thread, under an event loop of its own."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, _run, factory)

    async def close(self, _app: web.Application | None = None) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)

    # ------------------------------------------------------------------ HTTP

    async def messages(self, request: web.Request) -> web.Response:
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
        status, answer = await self.offloop(lambda: self._process(activity, header))
        if answer is not None:
            return web.json_response(answer, status=status)
        return web.Response(status=status)

    async def _process(self, activity: Activity, header: str) -> tuple[int, Any]:
        auth = self.adapter.bot_framework_authentication
        try:
            result = await auth.authenticate_request(activity, header)
        except Exception as exc:  # PermissionError, a malformed JWT, unknown keys: all 401
            log.info("teams: refused an activity: %s", type(exc).__name__)
            return 401, None
        try:
            invoke = await self.adapter.process_activity(result, activity, self.on_turn)
        except Exception as exc:  # no connector client, no token for the reply: not our 500
            log.error("teams: could not run a turn: %s", type(exc).__name__)
            return 502, None
        if invoke is not None:
            return invoke.status, invoke.body
        return 201, None

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
        with records.transaction():
            fresh = records.person(person.key)
            if fresh is not None and inbound.PLATFORM in fresh.unreachable:
                left = {k: v for k, v in fresh.unreachable.items() if k != inbound.PLATFORM}
                records.save_person(fresh.with_changes(unreachable=left))

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
    app.on_cleanup.append(bridge.close)
    from adapters.teams.notifier import TEAMS_NOTIFIER, TeamsNotifier
    app[TEAMS_NOTIFIER] = TeamsNotifier(bridge)
    if settings.microsoft_app_id:
        return f"teams: on ({ROUTE}, app {settings.microsoft_app_id})"
    return f"teams: on ({ROUTE}, Bot Framework Emulator only: no MicrosoftAppId)"
