"""The Slack adapter: a slack-bolt `AsyncApp` behind `POST /slack/events`.

Every request is signature-checked before anything is parsed (401, also for a signature or
timestamp header that is not plain ASCII), a body that is not a Slack payload is refused (400),
so is one from another workspace than `SLACK_TEAM_ID` when that is set (403). Slash commands,
buttons, mentions, DMs and modal submissions all become one `Command`, kept in the inbox
(`bot.app.inbox`) before the listener acknowledges: a command acknowledged is done and
answered even if the process dies right after the ack. The core runs after the ack (the
inbox's turns, `bot.app.turns`), except for a modal submission, whose answer (errors, or the
new `P-N`) is the ack itself. `adapters.slack.answers` takes the `Reply` where it goes:
ephemeral (response_url or chat.postEphemeral), in the DM, or by DM.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import re
from collections import OrderedDict
from collections.abc import Coroutine, Mapping
from dataclasses import replace
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.request.internals import extract_team_id
from slack_sdk.web.async_client import AsyncWebClient

from adapters.metrics import answered
from adapters.slack.answers import SlackAnswers
from adapters.slack.blocks import (
    WORDS_ACTION,
    form_view,
    hidden_values,
    home_view,
    result_view,
    submitted_values,
    view_errors,
)
from adapters.slack.notifier import SlackNotifier
from adapters.slack.retry import delivery_error, retry_handlers
from adapters.slack.speakers import PLATFORM, SpeakerBook
from bot.app.inbox import Item, new_key
from bot.app.runtime import Runtime
from bot.app.turns import Turns
from bot.core.clock import protocol_seconds
from bot.core.command import Command, Place, Speaker
from bot.core.redact import pseudonym
from bot.core.reply import Reply
from bot.i18n.catalogue import t
from bot.notices.port import DeliveryError
from bot.process.proposing import EDIT_FORM_ID, FORM_ID
from bot.store.contract import StoreError

log = logging.getLogger("ogpbot.slack")

SLASH_PREFIX = {"/ogp": "", "/propose": "propose", "/status": "status"}
# App Home: the overview first (shown to those it answers: coordinators and ministries), then
# the person's proposals, table, meetings and what runs now.
HOME_PARTS = ("overview", "status", "tables", "meetings", "agenda")
SPEAKER_WAIT = 1.5  # seconds a modal submission waits for users.info before answering anyway
MAX_AGE = 5 * 60  # seconds a signed request stays good
_KINDS = frozenset({"type", "command", "ssl_check"})  # a Slack payload has one of these
_NO_WORKSPACE = frozenset({"url_verification"})  # handshakes that name no workspace
# What Slack sends, and nothing else: a Unix time in ASCII digits, `v0=` and 64 hex digits.
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
RECENT = 2000  # App Home openings remembered in memory (refreshing it twice is harmless)
# Work after the ack outside the inbox (App Home) running at once: more would only crowd the
# loop that acknowledges (the inbox's turns have a limit of their own).
AFTER_ACK_AT_ONCE = 4

_SOME_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>")
_LINK = re.compile(r"<([^<>|]+)(?:\|([^<>]*))?>")


def words_of(text: str, bot_user_id: str | None) -> str:
    """A message's text as the words a person typed: the bot's mention removed, links and
    mentions as their labels, Slack's `&amp;`-escapes undone."""
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^<>]*)?>", " ", text)
    text = _SOME_MENTION.sub(lambda m: "@" + m.group(1), text)

    def label(m: re.Match[str]) -> str:
        target, shown = m.group(1), m.group(2)
        if shown:
            return shown
        return target.removeprefix("mailto:").removeprefix("!").replace("#", "", 1)

    text = _LINK.sub(label, text)
    return " ".join(text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").split())


class SlackAdapter:
    """One Slack workspace, one bot token; `handle` is the aiohttp route."""

    def __init__(self, runtime: Runtime, token: str, signing_secret: str, api_url: str,
                 team_id: str = "") -> None:
        self.runtime = runtime
        self._secret = signing_secret.encode("utf-8")
        self.team_id = team_id  # the one workspace served, or "" for any
        self.bolt = AsyncApp(token=token, signing_secret=signing_secret, name="ogpbot",
                             logger=logging.getLogger("ogpbot.slack.bolt"))
        # bolt's own client, aimed at SLACK_API_URL and retrying 429s and 5xx.
        self.client: AsyncWebClient = self.bolt.client
        self.client.base_url = api_url
        self.client.timeout = 10
        self.client.retry_handlers = retry_handlers()
        self.speakers = SpeakerBook(self.client)
        self.notifier = SlackNotifier(self.client)
        self.answers = SlackAnswers(self, self.publish_home)
        self.turns: Turns | None = None  # the server's inbox turns, given at mount
        self._tasks: set[asyncio.Task[None]] = set()
        self._http: aiohttp.ClientSession | None = None
        self._busy: asyncio.Semaphore | None = None
        self._recent: OrderedDict[str, None] = OrderedDict()
        self._register()

    # -- HTTP ----------------------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.Response:
        """POST /slack/events: 401 unless signed by Slack in the last five minutes, 400 for a
        body that is not a Slack payload, 403 for one from a workspace not served, else
        whatever the bolt app answers."""
        self._keep_alive()
        raw = await request.read()
        if not self._signed(raw, request):
            return web.Response(status=401, text="invalid signature")
        try:
            bolt_request = AsyncBoltRequest(body=raw.decode("utf-8"),
                                            query=request.query_string,
                                            headers=dict(request.headers))
        except (ValueError, TypeError, AttributeError, KeyError, RecursionError):
            return web.Response(status=400, text="malformed body")  # RecursionError: nested
        body = bolt_request.body
        if not isinstance(body, dict) or not _KINDS.intersection(body) or _misshapen(body):
            return web.Response(status=400, text="malformed body")
        if not self._served(body):
            log.info("slack: refused a signed request from another workspace")
            return web.Response(status=403, text="not a workspace this bot serves")
        try:
            response = await self.bolt.async_dispatch(bolt_request)
        except Exception:
            log.warning("slack: payload could not be dispatched", exc_info=True)
            return web.Response(status=400, text="malformed body")
        if response.status == 404 and body.get("type") == "event_callback":
            return web.Response(status=200)  # an event we do not act on: no retries, please
        if response.status >= 500:  # bolt could not make sense of a payload (logged by bolt)
            return web.Response(status=400, text="malformed body")
        return await to_aiohttp_response(response)

    def session(self) -> aiohttp.ClientSession | None:
        """The HTTP session every call to Slack shares (None before the first request)."""
        return self._http

    def _keep_alive(self) -> None:
        """One HTTP session for every call to Slack (Web API and response_url), opened in the
        server's loop: without it each call would open, and shake hands on, a new connection."""
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
            self.client.session = self._http

    def _signed(self, raw: bytes, request: web.Request) -> bool:
        """Slack's v0 signature over the raw bytes, sent within the last five minutes."""
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        signature = request.headers.get("X-Slack-Signature", "")
        # Shapes first: str.isdigit and int() take digits from every script, and compare_digest
        # refuses non-ASCII text; a header of any other shape is simply not Slack's signature.
        if not _TIMESTAMP.fullmatch(timestamp) or not _SIGNATURE.fullmatch(signature):
            return False
        # real time, whatever the bot's clock says: Slack stamped it with the real time
        if abs(protocol_seconds() - int(timestamp)) > MAX_AGE:
            return False
        base = b"v0:" + timestamp.encode("ascii") + b":" + raw
        expected = "v0=" + hmac.new(self._secret, base, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, signature)

    def _served(self, body: Mapping[str, Any]) -> bool:
        """True unless `SLACK_TEAM_ID` is set and the request names another workspace, or none:
        the command's or event's `team_id`, the interaction's `team.id`, and the workspace
        bolt would act for (the installation's, in a shared channel)."""
        if not self.team_id or body.get("type") in _NO_WORKSPACE or "ssl_check" in body:
            return True
        team = body.get("team")
        named = [extract_team_id(dict(body)), body.get("team_id"),
                 team.get("id") if isinstance(team, dict) else team]
        named = [value for value in named if value is not None and value != ""]
        return bool(named) and all(value == self.team_id for value in named)

    # -- listeners -----------------------------------------------------------------------------

    def _register(self) -> None:
        for name in SLASH_PREFIX:
            self.bolt.command(name)(self._on_command)
        for form_id in (FORM_ID, EDIT_FORM_ID):
            self.bolt.view_submission(form_id)(self._on_submission)
        self.bolt.action(re.compile(rf"^{WORDS_ACTION}:"))(self._on_button)
        self.bolt.event("app_mention")(self._on_mention)
        self.bolt.event("message")(self._on_message)
        self.bolt.event("app_home_opened")(self._on_home)

    async def _on_command(self, ack: AsyncAck, command: dict[str, Any]) -> None:
        prefix = SLASH_PREFIX.get(str(command.get("command")), "")
        words = f"{prefix} {words_of(str(command.get('text') or ''), None)}".strip()
        channel = str(command.get("channel_id") or "")
        user_id = str(command.get("user_id") or "")
        place = Place(PLATFORM, channel, is_direct=channel.startswith("D"),
                      name=str(command.get("channel_name") or ""),
                      reference={"team_id": command.get("team_id")})
        speaker = Speaker(PLATFORM, user_id, name=str(command.get("user_name") or ""))
        await self._take(ack, self._item("command", None, Command(speaker, place, words=words), {
            "via": "response_url", "url": command.get("response_url"),
            "trigger_id": command.get("trigger_id"), "user": user_id}))

    async def _on_button(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        actions = body.get("actions") or [{}]
        words = str(actions[0].get("value") or "")
        user = body.get("user") or {}
        user_id = str(user.get("id") or "")
        channel = (body.get("channel") or {}).get("id") or ""
        place = Place(PLATFORM, channel or user_id,
                      is_direct=not channel or channel.startswith("D"))
        speaker = Speaker(PLATFORM, user_id, name=str(user.get("name") or ""))
        await self._take(ack, self._item("action", None, Command(speaker, place, words=words), {
            "via": "response_url", "url": body.get("response_url"),
            "trigger_id": body.get("trigger_id"), "user": user_id}))

    async def _on_mention(self, ack: AsyncAck, body: dict[str, Any], event: dict[str, Any],
                          context: Mapping[str, Any]) -> None:
        channel = str(event.get("channel") or "")
        user_id = str(event.get("user") or "")
        place = Place(PLATFORM, channel, is_direct=channel.startswith("D"),
                      reference={"team_id": body.get("team_id")})
        words = words_of(str(event.get("text") or ""), context.get("bot_user_id"))
        command = Command(Speaker(PLATFORM, user_id), place, words=words)
        await self._take(ack, self._item("event", body.get("event_id"), command, {
            "via": "ephemeral", "channel": channel, "thread_ts": event.get("thread_ts"),
            "user": user_id}))

    async def _on_message(self, ack: AsyncAck, body: dict[str, Any], event: dict[str, Any],
                          context: Mapping[str, Any]) -> None:
        if (event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id")
                or not event.get("user")):
            await ack()
            return
        channel = str(event.get("channel") or "")
        user_id = str(event.get("user"))
        place = Place(PLATFORM, channel, is_direct=True,
                      reference={"team_id": body.get("team_id")})
        words = words_of(str(event.get("text") or ""), context.get("bot_user_id"))
        command = Command(Speaker(PLATFORM, user_id), place, words=words)
        await self._take(ack, self._item("event", body.get("event_id"), command, {
            "via": "post", "channel": channel, "user": user_id}))

    async def _on_home(self, ack: AsyncAck, body: dict[str, Any], event: dict[str, Any]) -> None:
        await ack()
        if event.get("tab", "home") != "home" or not event.get("user"):
            return
        if self._first_time(body) is not None:
            self.spawn(self.publish_home(str(event["user"])))

    async def _on_submission(self, ack: AsyncAck, body: dict[str, Any],
                             view: dict[str, Any]) -> None:
        """The ack is the answer: `errors` under each refused field, the form drawn anew (a
        save based on an older version: the person's text kept, the newer one shown), or the
        modal turned into the confirmation. The person also gets it by DM, once. The
        submission is kept in the inbox before it runs: if the process dies before the DM,
        the next start sends it."""
        user_id = str((body.get("user") or {}).get("id") or "")
        meta = _metadata(view.get("private_metadata"))
        channel = str(meta.get("channel") or user_id)
        state = (view.get("state") or {}).get("values") or {}
        fields = {**hidden_values(meta),
                  **submitted_values(state if isinstance(state, Mapping) else {})}
        command = Command(Speaker(PLATFORM, user_id),
                          Place(PLATFORM, channel, is_direct=channel.startswith("D")),
                          form_id=str(view.get("callback_id") or ""), form=fields)
        item = self._item("view", f"{view.get('id')}:{view.get('hash')}", command,
                          {"via": "dm", "user": user_id, "home": True})
        recorded = await self._record(item)
        try:
            speaker = await asyncio.wait_for(self.speakers.speaker(user_id), SPEAKER_WAIT)
        except TimeoutError:
            speaker = Speaker(PLATFORM, user_id)
        command = replace(command, speaker=speaker)
        if recorded is None or self.turns is None:
            reply = await self.runtime.ask(replace(command, request_key=item.key))
        else:
            reply = await asyncio.to_thread(self.turns.inbox.run, item.key, command)
        if reply is None:
            await ack()  # answered long ago: nothing more to show
            return
        if not reply.ok:
            if reply.form is not None and not reply.errors:  # a stale save: the form anew
                await ack(response_action="update",
                          view=form_view(reply.form, reply.language, {"channel": channel},
                                         reply))
            else:
                await ack(response_action="errors",
                          errors=view_errors(reply, view.get("blocks") or []))
            if recorded is not None and self.turns is not None:
                await asyncio.to_thread(self.turns.inbox.answered, item.key)
            return
        drawn = view.get("title")
        title = drawn.get("text") if isinstance(drawn, Mapping) else None
        await ack(response_action="update", view=result_view(
            reply, title if isinstance(title, str) and title
            else t(reply.language, "propose.form_title")))
        answered()  # the ack is the answer
        if reply.repeated:
            return
        if recorded is None or self.turns is None:
            self.spawn(self._answer_unkept(item, reply))
        else:
            self.turns.submit(item, reply=reply)

    # -- the inbox -----------------------------------------------------------------------------

    def _item(self, kind: str, delivery: Any, command: Command,
              route: dict[str, Any]) -> Item:
        """An inbox item; keyed by Slack's delivery id when there is one (an event's), so a
        delivery Slack sends again finds it."""
        unique = delivery if isinstance(delivery, str) and delivery else None
        return Item(new_key(PLATFORM, kind, unique), command, route,
                    self.runtime.clock.now(), repeatable=unique is not None)

    async def _record(self, item: Item) -> bool | None:
        """Keep `item` in the inbox: True, False when it is there already (a delivery sent
        again), None when the store refused it (the command then runs without the inbox)."""
        if self.turns is None:
            return None
        try:
            return await asyncio.to_thread(self.turns.inbox.record, item)
        except StoreError as exc:
            log.error("slack: a request could not be kept in the inbox: %s", exc)
            return None

    async def _take(self, ack: AsyncAck, item: Item) -> None:
        """Keep the item, acknowledge, then have it run and answered."""
        recorded = await self._record(item)
        await ack()
        if recorded is None or self.turns is None:
            self.spawn(self._answer_unkept(item))
        elif recorded:
            self.turns.submit(item)

    async def _answer_unkept(self, item: Item, reply: Reply | None = None) -> None:
        """A request the inbox could not keep: run and answer it in this process only."""
        if reply is None:
            command = await self.answers.prepare(item)
            reply = await self.runtime.ask(replace(command, request_key=item.key))
        if not reply.repeated:
            with contextlib.suppress(DeliveryError):
                await self.answers.answer(item, reply)

    async def publish_home(self, user_id: str) -> None:
        """App Home: the overview for the coordinator (a ministry: its own), then the
        person's proposals, table, meetings and what runs now; a part the person may not ask
        for is left out."""
        speaker = await self.speakers.speaker(user_id)
        place = Place(PLATFORM, user_id, is_direct=True, name="home")
        asked = [await self.runtime.ask(Command(speaker, place, words=words))
                 for words in HOME_PARTS]
        parts = [part for part in asked if part.ok] or asked
        try:
            await self.client.views_publish(user_id=user_id,
                                            view=home_view(parts[0].language, parts))
        except Exception as exc:
            log.warning("slack: views.publish for %s failed (%s)", pseudonym(user_id),
                        delivery_error(exc).reason)

    # -- bookkeeping ---------------------------------------------------------------------------

    def _first_time(self, body: Mapping[str, Any]) -> str | None:
        """The delivery's key (`event:<event_id>`), or None when this process has seen it
        (for App Home, which the inbox does not keep)."""
        event_id = body.get("event_id")
        if not isinstance(event_id, str) or not event_id:
            return None
        key = f"event:{event_id}"
        if key in self._recent:
            return None
        self._recent[key] = None
        while len(self._recent) > RECENT:
            self._recent.popitem(last=False)
        return key

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run slow work after the ack; a failure is logged, never lost in silence."""
        task = asyncio.get_running_loop().create_task(self._guarded(work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _guarded(self, work: Coroutine[Any, Any, None]) -> None:
        if self._busy is None:
            self._busy = asyncio.Semaphore(AFTER_ACK_AT_ONCE)
        try:
            async with self._busy:
                await work
        except Exception:
            log.exception("slack: work after the ack failed")

    async def drain(self, within: float = 5.0) -> None:
        """Wait for work after the ack to finish (at shutdown); cancel what is left."""
        pending = set(self._tasks)
        if pending:
            _, late = await asyncio.wait(pending, timeout=within)
            for task in late:
                task.cancel()

    async def close(self) -> None:
        """Close the HTTP session (after every drain: the dispatcher sends through it)."""
        if self._http is not None:
            self.client.session = None
            await self._http.close()
            self._http = None


def _misshapen(body: Mapping[str, Any]) -> bool:
    """True for a payload whose fields the listeners rely on have the wrong types: a command
    without a user or channel, an interaction whose user, view or actions are not objects,
    an event that is not an object with a type."""
    kind = body.get("type")
    if not isinstance(kind, str | None) or not isinstance(body.get("command"), str | None):
        return True
    if "command" in body:
        return not all(isinstance(body.get(k), str) and body.get(k)
                       for k in ("command", "user_id", "channel_id"))
    if kind == "event_callback":
        event = body.get("event")
        return not (isinstance(event, dict) and isinstance(event.get("type"), str))
    if kind in ("block_actions", "view_submission", "view_closed", "shortcut",
                "message_action", "block_suggestion"):
        user = body.get("user")
        actions = body.get("actions", [])
        return not (isinstance(user, dict) and isinstance(user.get("id"), str) and user["id"]
                    and isinstance(body.get("view", {}), dict)
                    and isinstance(actions, list)
                    and all(isinstance(action, dict) for action in actions))
    return False


def _metadata(raw: Any) -> dict[str, Any]:
    try:
        data = json.loads(raw) if isinstance(raw, str) and raw else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
