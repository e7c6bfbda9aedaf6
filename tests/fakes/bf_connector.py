"""A local fake of the Bot Framework connector service, for ogpbot's Teams tests.

The Teams adapter answers people by calling the REST API found at an incoming
activity's ``serviceUrl`` (and, for proactive notices, at the ``serviceUrl``
kept in a stored conversation reference). This module serves that API on
127.0.0.1 at an ephemeral port, so tests can drive the real botbuilder stack
and then look at what ogpbot sent::

    async with FakeConnector() as fake:
        activity = {..., "serviceUrl": fake.url}
        ...  # post the activity into the CloudAdapter
        [reply] = fake.activities_to("a:conv-1")
        assert reply.text == "..."

What it answers (the routes botframework-connector 4.17.1 calls):

- ``POST /v3/conversations`` create a conversation -> ``{id, activityId, serviceUrl}``
- ``GET /v3/conversations`` the conversations the fake knows
- ``POST /v3/conversations/{id}/activities`` send -> ``{"id": ...}``
- ``POST /v3/conversations/{id}/activities/history`` send history
- ``POST /v3/conversations/{id}/activities/{activityId}`` reply -> ``{"id": ...}``
- ``PUT /v3/conversations/{id}/activities/{activityId}`` update -> ``{"id": ...}``
- ``DELETE /v3/conversations/{id}/activities/{activityId}`` delete
- ``GET /v3/conversations/{id}/members``, ``.../members/{memberId}``,
  ``.../pagedmembers``, ``.../activities/{activityId}/members``
- ``DELETE /v3/conversations/{id}/members/{memberId}``
- ``POST /v3/conversations/{id}/attachments`` upload ->
  ``{"id": ...}``; ``GET /v3/attachments/{id}`` and
  ``/v3/attachments/{id}/views/{viewId}`` read it back

Tokens: :class:`FakeChannelIssuer` plays the Bot Framework's token service on
the channel's side. It serves its OpenID metadata and signing key (JWKS, with the
``msteams`` endorsement) on loopback and signs tokens with a local RSA key, as
Teams sends them to a bot (issuer ``https://api.botframework.com``, audience the
bot's app id, a ``serviceurl`` claim). Point botbuilder's
``ChannelValidation.open_id_metadata_endpoint`` at :attr:`FakeChannelIssuer.metadata_url`
and the real validation checks them. ``FakeConnector(token=...)`` in turn requires
the bot's own token on every call.

Failures, switched on at run time (see the methods of :class:`FakeConnector`):
``block`` (403, as Teams answers a person who blocked or removed the bot),
``throttle`` (429 with ``Retry-After``), ``outage`` (5xx or 412) and ``hang``
(an answer that comes late). Every request is recorded in
:attr:`FakeConnector.calls`, failed ones included, with the status answered.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import itertools
import json
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.fakes.loopback import LoopbackFake

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

#: The error code Teams documents for a write to a person who blocked the bot
#: or removed it (403, ``MessageWritesBlocked``).
BLOCKED_CODE = "MessageWritesBlocked"

#: Error codes the fake puts in the body of an outage answer, by status.
OUTAGE_CODES: Mapping[int, str] = {
    412: "PreconditionFailed",
    500: "InternalServerError",
    502: "ServiceError",
    503: "ServiceUnavailable",
    504: "GatewayTimeout",
}

#: The parsed body of the request being answered (set by the middleware).
_BODY: ContextVar[Any] = ContextVar("fake_connector_body")

_FIRST_ACTIVITY_ID = 1_767_225_600_000  # an epoch-milliseconds id, as Teams gives


@dataclass
class ConnectorCall:
    """One HTTP request the fake received, and the status it answered."""

    method: str
    path: str
    json: Any
    headers: dict[str, str]
    status: int | None = None

    @property
    def authorization(self) -> str | None:
        """The ``Authorization`` header as sent, or None."""
        for name, value in self.headers.items():
            if name.lower() == "authorization":
                return value
        return None


@dataclass(frozen=True)
class PostedActivity:
    """An activity the fake accepted into a conversation."""

    conversation_id: str
    activity: dict[str, Any]
    id: str
    reply_to_id: str | None = None
    kind: str = "send"  # send | reply | create | history

    @property
    def type(self) -> str | None:
        """The activity's ``type``."""
        return self.activity.get("type")

    @property
    def text(self) -> str | None:
        """The activity's ``text``."""
        return self.activity.get("text")

    @property
    def attachments(self) -> list[dict[str, Any]]:
        """The activity's attachments (Adaptive Cards among them)."""
        return list(self.activity.get("attachments") or [])

    @property
    def recipient_id(self) -> str | None:
        """The id of the activity's recipient, if it names one."""
        recipient = self.activity.get("recipient") or {}
        return recipient.get("id")


@dataclass
class _Fault:
    """A scripted failure waiting to be served."""

    status: int
    body: dict[str, Any]
    remaining: int | None  # None: until cleared
    conversation_id: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _Hang:
    """A scripted delay waiting to be served."""

    seconds: float
    remaining: int | None
    conversation_id: str | None = None


@dataclass
class _Conversation:
    """What the fake knows of one conversation."""

    id: str
    members: list[dict[str, Any]] = field(default_factory=list)
    parameters: dict[str, Any] | None = None
    activities: dict[str, dict[str, Any]] = field(default_factory=dict)


def _error(status: int, code: str, message: str, **headers: str) -> web.Response:
    """An answer in the connector's error shape: ``{"error": {code, message}}``."""
    return web.json_response(
        {"error": {"code": code, "message": message}}, status=status, headers=headers
    )


class FakeConnector(LoopbackFake):
    """The Bot Framework connector service, on loopback, for one test.

    ``async with FakeConnector() as fake`` starts it; :attr:`url` is the
    ``serviceUrl`` to put in activities and conversation references.

    ``token``: when given, every request must carry ``Authorization: Bearer
    <token>`` or gets 401, as the real service treats a bot without a valid
    token. ``base_path``: a path the routes live under (Teams' own
    ``serviceUrl`` has one, e.g. ``/teams/``).
    """

    def __init__(self, *, token: str | None = None, base_path: str = "") -> None:
        self.token = token
        self.base_path = "/" + base_path.strip("/") if base_path.strip("/") else ""
        self.calls: list[ConnectorCall] = []
        self._posted: list[PostedActivity] = []
        self._conversations: dict[str, _Conversation] = {}
        self._attachments: dict[str, dict[str, Any]] = {}
        self._blocked: dict[str, tuple[str, str]] = {}
        self._faults: deque[_Fault] = deque()
        self._hangs: deque[_Hang] = deque()
        self._ids = itertools.count(_FIRST_ACTIVITY_ID)
        self._changed = asyncio.Condition()
        self._released = asyncio.Event()
        self._port: int | None = None

    # ------------------------------------------------------------ lifecycle

    async def start(self) -> FakeConnector:
        """Start serving on 127.0.0.1 at a port the system picks."""
        app = web.Application(middlewares=[self._middleware])
        self._add_routes(app)
        self._port = await self._listen(app, handle_signals=False)
        return self

    def _let_go(self) -> None:
        self._hangs.clear()
        self._released.set()

    async def stop(self) -> None:
        """The same as :meth:`close`: let any held answer go and stop serving."""
        await self.close()

    @property
    def url(self) -> str:
        """The ``serviceUrl`` of this fake; it ends with ``/``."""
        if self._port is None:
            raise RuntimeError("FakeConnector is not started")
        return f"http://127.0.0.1:{self._port}{self.base_path}/"

    # ------------------------------------------------------------- failures

    def block(
        self,
        target: str,
        *,
        code: str = BLOCKED_CODE,
        message: str = "The bot is blocked or uninstalled by the user.",
    ) -> None:
        """Refuse writes to ``target`` with 403 until :meth:`unblock`.

        ``target`` is a conversation id or a person's id (``29:...``). A
        person is matched as an activity's recipient and as a member of a
        conversation created with them. The body is
        ``{"error": {"code": code, "message": message}}``; Teams is known to
        answer other codes too (``ConversationBlockedByUser``,
        ``BotDisabledByAdmin``), so ``code`` can be changed.
        """
        self._blocked[target] = (code, message)

    def unblock(self, target: str) -> None:
        """Accept writes to ``target`` again."""
        self._blocked.pop(target, None)

    def throttle(
        self,
        status: int = 429,
        count: int = 1,
        retry_after: float = 1,
        *,
        conversation_id: str | None = None,
    ) -> None:
        """Answer the next ``count`` requests with 429 and ``Retry-After``.

        With ``conversation_id``, only requests about that conversation count.
        """
        after = str(int(retry_after)) if float(retry_after).is_integer() else str(retry_after)
        self._faults.append(
            _Fault(
                status=status,
                body={"error": {"code": "Throttled", "message": "Too many requests."}},
                remaining=count,
                conversation_id=conversation_id,
                headers={"Retry-After": after},
            )
        )

    def outage(
        self,
        status: int = 500,
        count: int | None = 1,
        *,
        conversation_id: str | None = None,
    ) -> None:
        """Answer the next ``count`` requests with ``status`` (500, 502, 503, 504, 412).

        ``count=None`` keeps failing until :meth:`clear_faults`. Faults queue
        up: ``throttle(count=1); outage(502)`` fails the first request with 429
        and the second with 502.
        """
        code = OUTAGE_CODES.get(status, "ServiceError")
        self._faults.append(
            _Fault(
                status=status,
                body={"error": {"code": code, "message": f"Upstream failure ({status})."}},
                remaining=count,
                conversation_id=conversation_id,
            )
        )

    def hang(
        self,
        seconds: float,
        count: int | None = 1,
        *,
        conversation_id: str | None = None,
    ) -> None:
        """Hold the next ``count`` requests ``seconds`` before answering them.

        The request is then answered as usual (so a write the client gave
        up on still lands, as it can on the real service). ``count=None``
        holds every request until :meth:`clear_faults`;
        :meth:`release_hangs` and stopping the fake let held requests go at
        once.
        """
        self._hangs.append(_Hang(seconds=seconds, remaining=count, conversation_id=conversation_id))

    def release_hangs(self) -> None:
        """Answer every request held by :meth:`hang` now, and hold no more."""
        self._hangs.clear()
        self._released.set()
        self._released = asyncio.Event()

    def clear_faults(self) -> None:
        """Forget scripted throttles, outages and hangs (not blocks)."""
        self._faults.clear()
        self._hangs.clear()

    # ---------------------------------------------------------- inspection

    def activities(self) -> list[PostedActivity]:
        """Every activity accepted into any conversation, in order of arrival.

        Refused writes (a block, a throttle, an outage) are not here; they
        are in :attr:`calls` with their status.
        """
        return list(self._posted)

    def activities_to(self, conversation_id: str) -> list[PostedActivity]:
        """The accepted activities of one conversation."""
        return [p for p in self._posted if p.conversation_id == conversation_id]

    def calls_to(self, fragment: str, method: str | None = None) -> list[ConnectorCall]:
        """The recorded calls whose path contains ``fragment``."""
        return [
            c
            for c in self.calls
            if fragment in c.path and (method is None or c.method == method.upper())
        ]

    @property
    def conversations(self) -> dict[str, dict[str, Any] | None]:
        """Conversations the fake knows, with the parameters that created them."""
        return {cid: conv.parameters for cid, conv in self._conversations.items()}

    @staticmethod
    def personal_conversation_id(tenant_id: str, user_id: str) -> str:
        """The id of the 1:1 conversation the fake opens with ``user_id`` in a tenant.

        Teams gives the same 1:1 conversation back for the same person, so a
        test can name it (to aim a fault at it) before the bot opens it.
        """
        digest = hashlib.sha256(f"{tenant_id}|{user_id}".encode()).hexdigest()
        return f"a:1{digest[:40]}"

    def add_member(self, conversation_id: str, member: Mapping[str, Any]) -> None:
        """Make ``member`` (a ChannelAccount dict) part of a conversation's roster."""
        conv = self._conversation(conversation_id)
        conv.members = [m for m in conv.members if m.get("id") != member.get("id")]
        conv.members.append(dict(member))

    async def wait_for_activities(self, count: int, within: float = 30.0) -> list[PostedActivity]:
        """Wait until at least ``count`` activities were accepted; return them all.

        Raises ``TimeoutError`` when they do not come in ``within`` seconds.
        """
        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(lambda: len(self._posted) >= count)
        return self.activities()

    async def wait_until(self, ready: Callable[[], bool], within: float = 30.0) -> None:
        """Wait until ``ready()`` holds (it is asked again each time an activity is
        accepted); ``TimeoutError`` when it does not within ``within`` seconds."""
        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(ready)

    # ------------------------------------------------------------ internals

    def _add_routes(self, app: web.Application) -> None:
        conv = f"{self.base_path}/v3/conversations"
        app.router.add_post(conv, self._create_conversation)
        app.router.add_get(conv, self._list_conversations)
        app.router.add_post(conv + "/{cid}/activities", self._send)
        app.router.add_post(conv + "/{cid}/activities/history", self._history)
        app.router.add_post(conv + "/{cid}/activities/{aid}", self._reply)
        app.router.add_put(conv + "/{cid}/activities/{aid}", self._update)
        app.router.add_delete(conv + "/{cid}/activities/{aid}", self._delete)
        app.router.add_get(conv + "/{cid}/activities/{aid}/members", self._members)
        app.router.add_get(conv + "/{cid}/members", self._members)
        app.router.add_get(conv + "/{cid}/pagedmembers", self._paged_members)
        app.router.add_get(conv + "/{cid}/members/{mid}", self._member)
        app.router.add_delete(conv + "/{cid}/members/{mid}", self._remove_member)
        app.router.add_post(conv + "/{cid}/attachments", self._upload)
        att = f"{self.base_path}/v3/attachments"
        app.router.add_get(att + "/{att_id}", self._attachment_info)
        app.router.add_get(att + "/{att_id}/views/{view}", self._attachment_view)

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        raw = await request.read()
        body: Any = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw.decode("utf-8", "replace")
        _BODY.set(body)
        call = ConnectorCall(
            method=request.method,
            path=request.path,
            json=body,
            headers=dict(request.headers),
        )
        self.calls.append(call)
        response = await self._answer(request, handler, call)
        call.status = response.status
        return response

    async def _answer(
        self, request: web.Request, handler: Handler, call: ConnectorCall
    ) -> web.StreamResponse:
        if self.token is not None and call.authorization != f"Bearer {self.token}":
            return web.json_response(
                {"message": "Authorization has been denied for this request."}, status=401
            )
        conversation_id = request.match_info.get("cid")
        hang = self._take(self._hangs, conversation_id)
        if hang is not None:
            released = self._released
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(released.wait(), hang.seconds)
        fault = self._take(self._faults, conversation_id)
        if fault is not None:
            return web.json_response(fault.body, status=fault.status, headers=fault.headers)
        if _needs_object(request) and not isinstance(call.json, dict):
            return _error(400, "BadSyntax", "The request body is not a JSON object.")
        try:
            return await handler(request)
        except web.HTTPException as exc:
            if exc.status == 404:
                return _error(404, "NotFound", f"No route for {request.method} {request.path}.")
            if exc.status == 405:
                return _error(405, "MethodNotAllowed", f"{request.method} is not allowed here.")
            raise

    @staticmethod
    def _take(queue: deque[Any], conversation_id: str | None) -> Any:
        for item in queue:
            if item.conversation_id is None or item.conversation_id == conversation_id:
                if item.remaining is not None:
                    item.remaining -= 1
                    if item.remaining <= 0:
                        queue.remove(item)
                return item
        return None

    def _conversation(self, conversation_id: str) -> _Conversation:
        conv = self._conversations.get(conversation_id)
        if conv is None:
            conv = self._conversations[conversation_id] = _Conversation(conversation_id)
        return conv

    def _block_for(self, conversation_id: str, recipient_id: str | None) -> web.Response | None:
        keys = [conversation_id]
        if recipient_id:
            keys.append(recipient_id)
        conv = self._conversations.get(conversation_id)
        if conv is not None and conv.parameters is not None:
            keys.extend(m.get("id", "") for m in conv.members)
        for key in keys:
            if key in self._blocked:
                code, message = self._blocked[key]
                return _error(403, code, message)
        return None

    def _new_id(self) -> str:
        return str(next(self._ids))

    async def _accept(
        self,
        conversation_id: str,
        activity: dict[str, Any],
        *,
        kind: str,
        reply_to_id: str | None = None,
    ) -> str:
        activity_id = self._new_id()
        stored = dict(activity)
        stored["id"] = activity_id
        self._conversation(conversation_id).activities[activity_id] = stored
        async with self._changed:
            self._posted.append(
                PostedActivity(
                    conversation_id=conversation_id,
                    activity=stored,
                    id=activity_id,
                    reply_to_id=reply_to_id,
                    kind=kind,
                )
            )
            self._changed.notify_all()
        return activity_id

    async def _write(self, request: web.Request, *, kind: str) -> web.Response:
        conversation_id = request.match_info["cid"]
        activity = _body(request)
        if not activity.get("type"):
            return _error(400, "BadArgument", "Activity.Type is required.")
        recipient = activity.get("recipient") or {}
        refused = self._block_for(conversation_id, recipient.get("id"))
        if refused is not None:
            return refused
        reply_to = request.match_info.get("aid")
        activity_id = await self._accept(conversation_id, activity, kind=kind, reply_to_id=reply_to)
        return web.json_response({"id": activity_id}, status=201)

    # -------------------------------------------------------------- routes

    async def _create_conversation(self, request: web.Request) -> web.Response:
        params = _body(request)
        members = [dict(m) for m in params.get("members") or []]
        if not members and not params.get("isGroup"):
            return _error(400, "BadArgument", "Conversation must have members.")
        for member in members:
            if member.get("id") in self._blocked:
                code, message = self._blocked[member["id"]]
                return _error(403, code, message)
        if params.get("isGroup") or len(members) != 1:
            conversation_id = f"19:{self._new_id()}@thread.v2"
        else:
            tenant = params.get("tenantId") or params.get("tenantID") or ""
            conversation_id = self.personal_conversation_id(tenant, members[0].get("id", ""))
        conv = self._conversation(conversation_id)
        conv.parameters = params
        bot = params.get("bot")
        for member in ([bot] if bot else []) + members:
            if all(m.get("id") != member.get("id") for m in conv.members):
                conv.members.append(dict(member))
        answer: dict[str, Any] = {"id": conversation_id, "serviceUrl": self.url}
        first = params.get("activity")
        if first:
            answer["activityId"] = await self._accept(conversation_id, first, kind="create")
        return web.json_response(answer, status=201)

    async def _list_conversations(self, request: web.Request) -> web.Response:
        conversations = [
            {"id": conv.id, "members": conv.members} for conv in self._conversations.values()
        ]
        return web.json_response({"conversations": conversations, "continuationToken": None})

    async def _send(self, request: web.Request) -> web.Response:
        return await self._write(request, kind="send")

    async def _reply(self, request: web.Request) -> web.Response:
        # Replies to ids the fake never gave are accepted, as Teams does:
        # botbuilder's continue_conversation replies to a made-up id.
        return await self._write(request, kind="reply")

    async def _history(self, request: web.Request) -> web.Response:
        conversation_id = request.match_info["cid"]
        transcript = _body(request)
        for activity in transcript.get("activities") or []:
            await self._accept(conversation_id, activity, kind="history")
        return web.json_response({"id": self._new_id()}, status=201)

    async def _update(self, request: web.Request) -> web.Response:
        conversation_id = request.match_info["cid"]
        activity_id = request.match_info["aid"]
        conv = self._conversations.get(conversation_id)
        if conv is None or activity_id not in conv.activities:
            return _error(404, "ActivityNotFound", f"No activity {activity_id}.")
        refused = self._block_for(conversation_id, None)
        if refused is not None:
            return refused
        updated = dict(_body(request))
        updated["id"] = activity_id
        conv.activities[activity_id] = updated
        return web.json_response({"id": activity_id})

    async def _delete(self, request: web.Request) -> web.Response:
        conversation_id = request.match_info["cid"]
        activity_id = request.match_info["aid"]
        conv = self._conversations.get(conversation_id)
        if conv is None or conv.activities.pop(activity_id, None) is None:
            return _error(404, "ActivityNotFound", f"No activity {activity_id}.")
        return web.Response(status=200)

    async def _members(self, request: web.Request) -> web.Response:
        conv = self._conversations.get(request.match_info["cid"])
        if conv is None:
            return _error(404, "ConversationNotFound", "Conversation not found.")
        return web.json_response(conv.members)

    async def _paged_members(self, request: web.Request) -> web.Response:
        conv = self._conversations.get(request.match_info["cid"])
        if conv is None:
            return _error(404, "ConversationNotFound", "Conversation not found.")
        return web.json_response({"members": conv.members, "continuationToken": None})

    async def _member(self, request: web.Request) -> web.Response:
        conv = self._conversations.get(request.match_info["cid"])
        member_id = request.match_info["mid"]
        for member in conv.members if conv else []:
            if member.get("id") == member_id:
                return web.json_response(member)
        return _error(404, "MemberNotFoundInConversation", "The member is not in this roster.")

    async def _remove_member(self, request: web.Request) -> web.Response:
        conv = self._conversations.get(request.match_info["cid"])
        member_id = request.match_info["mid"]
        if conv is None or all(m.get("id") != member_id for m in conv.members):
            return _error(404, "MemberNotFoundInConversation", "The member is not in this roster.")
        conv.members = [m for m in conv.members if m.get("id") != member_id]
        return web.Response(status=200)

    async def _upload(self, request: web.Request) -> web.Response:
        data = _body(request)
        refused = self._block_for(request.match_info["cid"], None)
        if refused is not None:
            return refused
        attachment_id = f"att-{self._new_id()}"
        self._attachments[attachment_id] = dict(data)
        return web.json_response({"id": attachment_id}, status=201)

    async def _attachment_info(self, request: web.Request) -> web.Response:
        attachment_id = request.match_info["att_id"]
        data = self._attachments.get(attachment_id)
        if data is None:
            return _error(404, "NotFound", "No such attachment.")
        views = [{"viewId": "original", "size": len(_decode(data.get("originalBase64")))}]
        return web.json_response(
            {"name": data.get("name"), "type": data.get("type"), "views": views}
        )

    async def _attachment_view(self, request: web.Request) -> web.Response:
        data = self._attachments.get(request.match_info["att_id"])
        if data is None:
            return _error(404, "NotFound", "No such attachment.")
        key = "thumbnailBase64" if request.match_info["view"] == "thumbnail" else "originalBase64"
        return web.Response(
            body=_decode(data.get(key)),
            content_type=data.get("type") or "application/octet-stream",
        )


def _needs_object(request: web.Request) -> bool:
    """True for a request that must carry a JSON object (writes)."""
    return request.method in ("POST", "PUT")


def _body(request: web.Request) -> dict[str, Any]:
    """The JSON object the middleware already parsed for this request."""
    del request  # the body travels in a context variable of the request's task
    raw = _BODY.get(None)
    return raw if isinstance(raw, dict) else {}


def _decode(value: Any) -> bytes:
    if not value:
        return b""
    if isinstance(value, str):
        return base64.b64decode(value)
    return bytes(value)


#: The issuer of the tokens the Bot Framework channel sends to bots.
CHANNEL_ISSUER = "https://api.botframework.com"
KEY_ID = "ogpbot-fake-channel-key"


@cache
def _signing_key(which: str) -> rsa.RSAPrivateKey:
    """One RSA key per name for the whole test run (making one takes a while), so a cached
    key set that botbuilder keeps for a reused port still matches."""
    del which
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class FakeChannelIssuer(LoopbackFake):
    """The Bot Framework's token service as a bot sees it: OpenID metadata and the signing
    key on loopback, and tokens signed with that key.

    ``fetches`` counts the requests for metadata and keys (botbuilder caches the keys)."""

    def __init__(self, *, endorsements: tuple[str, ...] = ("msteams",)) -> None:
        self.endorsements = list(endorsements)
        self.fetches = 0
        self._port: int | None = None

    async def start(self) -> FakeChannelIssuer:
        app = web.Application()
        app.router.add_get("/v1/.well-known/openidconfiguration", self._metadata)
        app.router.add_get("/v1/.well-known/keys", self._keys)
        self._port = await self._listen(app, handle_signals=False)
        return self

    @property
    def base(self) -> str:
        if self._port is None:
            raise RuntimeError("FakeChannelIssuer is not started")
        return f"http://127.0.0.1:{self._port}"

    @property
    def metadata_url(self) -> str:
        """Where botbuilder reads the issuer's OpenID metadata."""
        return f"{self.base}/v1/.well-known/openidconfiguration"

    def token(self, app_id: str, service_url: str | None, *, key: str = "channel",
              issuer: str = CHANNEL_ISSUER, lifetime: int = 3600, **claims: Any) -> str:
        """A token as the channel sends it with an activity for `app_id` from `service_url`
        (None: no `serviceurl` claim). `key="other"` signs with a key the issuer never
        published, under the published key's id: a forgery."""
        now = int(time.time())
        payload: dict[str, Any] = {"iss": issuer, "aud": app_id, "nbf": now - 60,
                                   "iat": now - 60, "exp": now + lifetime, **claims}
        if service_url is not None:
            payload["serviceurl"] = service_url
        return jwt.encode(payload, _signing_key(key), algorithm="RS256",
                          headers={"kid": KEY_ID})

    def authorization(self, app_id: str, service_url: str | None, **options: Any
                      ) -> dict[str, str]:
        """The `Authorization` header carrying :meth:`token`."""
        return {"Authorization": f"Bearer {self.token(app_id, service_url, **options)}"}

    async def _metadata(self, request: web.Request) -> web.Response:
        self.fetches += 1
        return web.json_response({
            "issuer": CHANNEL_ISSUER, "jwks_uri": f"{self.base}/v1/.well-known/keys",
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"]})

    async def _keys(self, request: web.Request) -> web.Response:
        self.fetches += 1
        public = json.loads(RSAAlgorithm.to_jwk(_signing_key("channel").public_key()))
        key = {**public, "kid": KEY_ID, "use": "sig", "alg": "RS256",
               "endorsements": self.endorsements}
        return web.json_response({"keys": [key]})
