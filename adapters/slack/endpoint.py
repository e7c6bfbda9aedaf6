"""`POST /slack/events`: the HTTP side of the Slack adapter, in the order a request meets it.

1. Who gets in (`access.SlackDoor`): the signature, once (401), then the body parsed as
   slack-bolt parses it (`parse_body`), a body that is not a Slack payload 400, a workspace
   not served 403.
2. What it asks (`inbound.read`, from the body alone): an inbox item for a slash command, a
   button, a mention, a DM or a submitted form; an App Home opening; or nothing.
3. The item is kept in the inbox (`bot.app.inbox`: one store write) BEFORE anything answers
   Slack. A delivery Slack sends again (a retried event, the same interaction) finds its item
   and is acknowledged without being run again. A store that refuses the write acknowledges
   nothing: an event gets 503 (Slack sends it again), a command or a button the storage
   sentence instead of a promise.
4. A slash command or a button (answered at its response_url) is acknowledged at once with
   the empty 200 bolt's `ack()` would give: bolt's dispatch, which would only form that, cost
   a tenth of such a request's CPU (and so does bolt's request object, made only for what
   goes to bolt). Anything else goes to the slack-bolt app (`AsyncApp`, its
   own signature check off: step 1 did it), which routes the request to a listener and forms
   the acknowledgement: url_verification, ssl_check, the bot's own events ignored, a modal's
   `response_action`. Listeners run before the response (`process_before_response`), so
   nothing is acknowledged before they end.
5. After the acknowledgement the inbox's turns (`bot.app.turns`) run the item and
   `answers.SlackAnswers` takes the reply where it goes. A submitted form is the exception:
   its answer (errors, the form again, or the new `P-N`) is the acknowledgement itself, so it
   runs before, and its confirmation also goes by DM after.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass, replace
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.request.internals import parse_body

from adapters.metrics import answered
from adapters.slack import inbound
from adapters.slack.access import SlackDoor
from adapters.slack.answers import SlackAnswers
from adapters.slack.blocks import WORDS_ACTION, form_view, result_view, view_errors
from adapters.slack.client import SlackClient
from adapters.slack.home import AppHome
from adapters.slack.speakers import PLATFORM
from adapters.slack.workspaces import WorkspaceAuthorize, answering
from bot.app.inbox import Item
from bot.app.runtime import Runtime
from bot.app.turns import Turns
from bot.core.command import Speaker
from bot.core.reply import Reply
from bot.i18n.catalogue import t
from bot.notices.port import DeliveryError
from bot.store.contract import StoreError

log = logging.getLogger("ogpbot.slack")

SPEAKER_WAIT = 1.5  # seconds a modal submission waits for users.info before answering anyway
KEPT = "ogpbot_kept"  # where a listener finds the request's inbox item (bolt's context)
# Work after the ack outside the inbox (App Home) running at once: more would only crowd the
# loop that acknowledges (the inbox's turns have a limit of their own).
AFTER_ACK_AT_ONCE = 4


@dataclass(frozen=True)
class Kept:
    """A request's inbox item, and whether this delivery put it there (`fresh`: True; False
    for a delivery sent again; None when the store refused it)."""

    item: Item
    fresh: bool | None


class SlackEndpoint:
    """The route, the bolt app behind it, and the hand-over to the inbox's turns."""

    def __init__(self, runtime: Runtime, door: SlackDoor, client: SlackClient,
                 answers: SlackAnswers, home: AppHome, turns: Turns) -> None:
        self.runtime = runtime
        self.door = door
        self.client = client
        self.answers = answers
        self.home = home
        self.turns = turns
        self.bot_user_id: str | None = None  # learnt from bolt's context on the first request
        # each request authorised for the installation Slack names (`workspaces`): its token
        self.bolt = AsyncApp(client=client.api, name="ogpbot", process_before_response=True,
                             authorize=WorkspaceAuthorize(client.workspaces),
                             request_verification_enabled=False,
                             logger=logging.getLogger("ogpbot.slack.bolt"))
        self._tasks: set[asyncio.Task[None]] = set()
        self._busy: asyncio.Semaphore | None = None
        self._listen()

    # -- HTTP ----------------------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.Response:
        """POST /slack/events (see the module's docstring for the answers)."""
        self.client.open()
        raw = await request.read()
        if not self.door.signed(raw, request.headers):
            return web.Response(status=401, text="invalid signature")
        try:
            text = raw.decode("utf-8")
            body = parse_body(text, request.content_type)  # as bolt reads it
        except (ValueError, TypeError, AttributeError, KeyError, RecursionError):
            return web.Response(status=400, text="malformed body")  # RecursionError: nested
        refused = self.door.refusal(body)
        if refused is not None:
            if refused.status == 403:
                log.info("slack: refused a signed request from another workspace")
            return web.Response(status=refused.status, text=refused.text)
        try:
            asked = inbound.read(body, self.runtime.clock.now(), self.bot_user_id)
        except (ValueError, TypeError, AttributeError, KeyError):
            log.warning("slack: a payload could not be read", exc_info=True)
            return web.Response(status=400, text="malformed body")
        kept: Kept | None = None
        if isinstance(asked, Item):
            kept = Kept(asked, await self._keep(asked))
            if kept.fresh is None and asked.command.form_id is None:
                return self._not_kept(asked)
            if asked.route.get("via") == "response_url":  # a slash command or a button
                if kept.fresh:
                    self.turns.submit(asked)
                return web.Response(status=200)
        elif isinstance(asked, inbound.HomeOpened) and self.home.first_time(asked.event_id):
            self.spawn(self._publish_home(asked))
        try:
            bolt_request = AsyncBoltRequest(body=text, query=request.query_string,
                                            headers=dict(request.headers))
            if kept is not None:
                bolt_request.context[KEPT] = kept
            response = await self.bolt.async_dispatch(bolt_request)
        except Exception:
            log.warning("slack: payload could not be dispatched", exc_info=True)
            return web.Response(status=400, text="malformed body")
        finally:
            if kept is not None and kept.fresh and kept.item.command.form_id is None:
                self.turns.submit(kept.item)  # kept: it is done even if bolt stumbled
        if response.status == 404 and body.get("type") == "event_callback":
            return web.Response(status=200)  # an event we do not act on: no retries, please
        if response.status >= 500:  # bolt could not make sense of a payload (logged by bolt)
            return web.Response(status=400, text="malformed body")
        return await to_aiohttp_response(response)

    async def _keep(self, item: Item) -> bool | None:
        """Keep `item` in the inbox: True, False when it is there already (a delivery sent
        again), None when the store refused it."""
        try:
            return await self.turns.record(item)
        except StoreError as exc:
            log.error("slack: a request could not be kept in the inbox: %s", exc)
            return None

    def _not_kept(self, item: Item) -> web.Response:
        """The answer to a request the store would not keep: no promise. Slack sends an event
        again after a 5xx; a person who typed a command or pressed a button is told at once."""
        if item.key.startswith(f"{PLATFORM}:event:"):
            return web.Response(status=503, text="try again", headers={"Retry-After": "1"})
        lang = self.runtime.bot.seminar.language
        return web.json_response({"response_type": "ephemeral",
                                  "text": t(lang, "error.storage")})

    # -- listeners: they acknowledge; the request is kept already --------------------------------

    def _listen(self) -> None:
        for name in inbound.SLASH_PREFIX:
            self.bolt.command(name)(self._acknowledge)
        self.bolt.action(re.compile(rf"^{WORDS_ACTION}:"))(self._acknowledge)
        for kind in ("app_mention", "message", "app_home_opened"):
            self.bolt.event(kind)(self._acknowledge)
        for form_id in inbound.FORMS:
            self.bolt.view_submission(form_id)(self._on_submission)
        if self.client.workspaces.installations is not None:  # installed through OAuth
            for kind in ("app_uninstalled", "tokens_revoked"):
                self.bolt.event(kind)(self._on_leaving)

    async def _on_leaving(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        """The bot was uninstalled from a workspace, or its token there revoked: the
        installation goes before the acknowledgement."""
        await self.client.workspaces.left(body)
        await ack()

    async def _publish_home(self, opened: inbound.HomeOpened) -> None:
        with answering(opened.team):
            await self.home.publish(opened.user_id)

    async def _acknowledge(self, ack: AsyncAck, context: AsyncBoltContext) -> None:
        if self.bot_user_id is None and context.bot_user_id:
            self.bot_user_id = context.bot_user_id
        await ack()

    async def _on_submission(self, ack: AsyncAck, view: dict[str, Any],
                             context: AsyncBoltContext) -> None:
        """The ack is the answer: `errors` under each refused field, the form drawn anew (a
        save based on an older version: the person's text kept, the newer one shown), or the
        modal turned into the confirmation. The person also gets it by DM, once (after the
        ack, through the inbox: if the process dies before the DM, it is sent later)."""
        kept = context.get(KEPT)
        if not isinstance(kept, Kept):
            await ack()
            return
        item, fresh = kept.item, kept.fresh
        user_id = item.command.speaker.user_id
        try:
            with answering(item.route.get("team")):
                speaker = await asyncio.wait_for(self.answers.speakers.speaker(user_id),
                                                 SPEAKER_WAIT)
        except TimeoutError:
            speaker = Speaker(PLATFORM, user_id)
        command = replace(item.command, speaker=speaker)
        if fresh is None:  # the store would not keep it: run it here, and only here
            reply: Reply | None = await self.runtime.ask(replace(command,
                                                                 request_key=item.key))
        else:
            reply = await asyncio.to_thread(self.turns.inbox.run, item.key, command)
        if reply is None:
            await ack()  # answered long ago: nothing more to show
            return
        channel = item.command.place.conversation_id
        if not reply.ok:
            if reply.form is not None and not reply.errors:  # a stale save: the form anew
                await ack(response_action="update",
                          view=form_view(reply.form, reply.language, {"channel": channel},
                                         reply))
            else:
                await ack(response_action="errors",
                          errors=view_errors(reply, view.get("blocks") or []))
            if fresh:
                await asyncio.to_thread(self.turns.inbox.answered, item.key, True)
            return
        drawn = view.get("title")
        title = drawn.get("text") if isinstance(drawn, Mapping) else None
        await ack(response_action="update", view=result_view(
            reply, title if isinstance(title, str) and title
            else t(reply.language, "propose.form_title")))
        answered()  # the ack is the answer
        if reply.repeated:
            return
        if fresh is None:
            self.spawn(self._answer_unkept(item, reply))
        else:
            self.turns.submit(item, reply=reply)

    async def _answer_unkept(self, item: Item, reply: Reply) -> None:
        """The DM of a form the inbox could not keep: sent by this process only."""
        with contextlib.suppress(DeliveryError):
            await self.answers.answer(item, reply)

    # -- work after the ack outside the inbox ------------------------------------------------

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
