"""A fake of Slack's Web API on 127.0.0.1, for ogpbot's tests and benchmarks.

It answers the methods ogpbot uses with payloads shaped like Slack's, records
every call, and can be told to fail the way Slack fails: permanent errors,
429 rate limits with ``Retry-After``, 5xx outages and answers that never come.
Point slack_sdk at it with ``AsyncWebClient(base_url=fake.url)`` (or
``SLACK_API_URL=fake.url`` for the whole bot).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import itertools
import json
import math
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import parse_qsl

from aiohttp import web
from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from tests.fakes.loopback import LoopbackFake

__all__ = ["RESPONSE_URL_METHOD", "UPLOAD_METHOD", "Call", "FakeSlackAPI"]

#: The ``Call.method`` of a POST to a URL made by :meth:`FakeSlackAPI.response_url`.
RESPONSE_URL_METHOD = "response_url"
#: The ``Call.method`` of the bytes POSTed to an upload URL from files.getUploadURLExternal.
UPLOAD_METHOD = "files.upload_url"

# Arguments that carry JSON inside a form field or a query parameter.
_JSON_ARGS = frozenset(
    {"blocks", "attachments", "view", "files", "metadata", "unfurls", "user_auth_blocks"}
)

Answer = tuple[int, dict[str, Any], dict[str, str]]


@dataclass(frozen=True)
class Call:
    """One request the fake received, as ogpbot sent it."""

    method: str
    args: dict[str, Any]
    headers: dict[str, str]
    at: float
    path: str = ""
    status: int = 200
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when the fake answered this call as a success."""
        return self.status == 200 and self.error is None


@dataclass
class _Outage:
    status: int
    error: str
    count: int | None
    until: float | None
    methods: frozenset[str] | None
    retry_after: float | None = None


@dataclass
class _Hang:
    seconds: float
    count: int | None
    methods: frozenset[str] | None


@dataclass
class _Throttle:
    interval: float
    methods: frozenset[str]
    last: dict[str, float] = field(default_factory=dict)


def _truthy(value: Any) -> bool:
    return value in (True, 1, "1", "true", "True")


def _decode_json_args(args: dict[str, Any]) -> dict[str, Any]:
    for name in _JSON_ARGS & args.keys():
        value = args[name]
        if isinstance(value, str) and value[:1] in ("[", "{"):
            with contextlib.suppress(ValueError):
                args[name] = json.loads(value)
    return args


def _bearer(headers: Mapping[str, str]) -> str | None:
    """The token of an ``Authorization: Bearer`` header."""
    value = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
    return value[7:] if value.startswith("Bearer ") else None


def _basic(headers: Mapping[str, str]) -> dict[str, str]:
    """``client_id`` and ``client_secret`` from an ``Authorization: Basic`` header."""
    value = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
    if not value.startswith("Basic "):
        return {}
    with contextlib.suppress(ValueError, UnicodeDecodeError):
        client_id, _, secret = base64.b64decode(value[6:]).decode("utf-8").partition(":")
        return {"client_id": client_id, "client_secret": secret}
    return {}


def _ok(**payload: Any) -> Answer:
    return 200, {"ok": True, **payload}, {}


def _err(error: str, status: int = 200, **extra: Any) -> Answer:
    return status, {"ok": False, "error": error, **extra}, {}


def _messages(*lines: str) -> dict[str, Any]:
    return {"response_metadata": {"messages": list(lines)}}


def _view_problems(view: Any) -> list[str]:
    if not isinstance(view, dict):
        return ["[ERROR] view must be a JSON object [json-pointer:/view]"]
    try:
        View(**view).validate_json()
    except (SlackObjectFormationError, TypeError, ValueError) as exc:
        return [f"[ERROR] {exc} [json-pointer:/view]"]
    return _block_problems(view.get("blocks") or [], "/view/blocks")


def _block_problems(blocks: Any, pointer: str = "/blocks") -> list[str]:
    if not isinstance(blocks, list):
        return [f"[ERROR] blocks must be a list [json-pointer:{pointer}]"]
    problems: list[str] = []
    for index, raw in enumerate(blocks):
        where = f"[json-pointer:{pointer}/{index}]"
        try:
            block = Block.parse(raw) if isinstance(raw, dict) else None
            if block is None:
                problems.append(f"[ERROR] unsupported block {where}")
            else:
                block.validate_json()
        except (SlackObjectFormationError, TypeError, ValueError) as exc:
            problems.append(f"[ERROR] {exc} {where}")
    return problems


class FakeSlackAPI(LoopbackFake):
    """Slack's Web API, on loopback, with switches for the ways it fails.

    Use as ``async with FakeSlackAPI() as fake:``; ``fake.url`` is the Web API
    base URL (ends in ``/api/``). State changes take effect at once and last
    until changed again; :meth:`heal` turns every failure off.
    """

    def __init__(
        self,
        *,
        team_id: str = "T0OGP0001",
        team_domain: str = "ogp-seminar",
        bot_user_id: str = "U0OGPBOT1",
        bot_id: str = "B0OGPBOT1",
        app_id: str = "A0OGPBOT1",
        validate: bool = True,
        clock: Callable[[], float] = time.time,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.team_id = team_id
        self.team_domain = team_domain
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        self.validate = validate
        self.clock = clock
        self._host = host
        self._port = port

        self.calls: list[Call] = []
        self.throttled = 0
        self.outage_answers = 0
        self.users: dict[str, dict[str, Any]] = {}
        self.views: dict[str, dict[str, Any]] = {}
        self.uploads: dict[str, bytes] = {}
        self._messages: dict[str, dict[str, dict[str, Any]]] = {}
        self._upload_names: dict[str, dict[str, Any]] = {}
        self._used_triggers: set[str] = set()
        self._opened_dms: set[str] = set()
        self._seq = itertools.count(1)

        self._token: str | None = None
        # several workspaces: each bot token's workspace, and Slack's OAuth (oauth.v2.access)
        self.workspaces: dict[str, dict[str, Any]] = {team_id: {
            "id": team_id, "name": "OGP seminar", "bot_user_id": bot_user_id,
            "enterprise_id": None}}
        self.tokens: dict[str, str] = {}
        self._oauth: tuple[str, str, bool, int] | None = None
        self._codes: dict[str, dict[str, str]] = {}
        self._refreshes: dict[str, str] = {}
        self._refresh_of: dict[str, str] = {}
        self._caller: str | None = None  # the workspace of the call being answered
        self._caller_token: str | None = None
        self._failing: dict[str, str] = {}
        self._failing_methods: dict[str, list[Any]] = {}
        self._throttle: _Throttle | None = None
        self._outage: _Outage | None = None
        self._hang: _Hang | None = None

        self._closing = asyncio.Event()
        self._released = asyncio.Event()
        self._changed: asyncio.Condition | None = None
        self.root = ""
        self.url = ""

    # -- life cycle -------------------------------------------------------

    async def start(self) -> FakeSlackAPI:
        """Bind to an ephemeral loopback port and start answering."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._on_api)
        app.router.add_post("/upload/v1/{file_id}", self._on_upload)
        app.router.add_post("/response_url/{rid:.+}", self._on_response_url)
        port = await self._listen(app, self._host, self._port, shutdown_timeout=1.0)
        self.root = f"http://{self._host}:{port}/"
        self.url = f"{self.root}api/"
        self._changed = asyncio.Condition()
        self._closing = asyncio.Event()
        self._released = asyncio.Event()
        return self

    def _let_go(self) -> None:
        """Answers held back by :meth:`hang` are released before the fake stops answering."""
        self._closing.set()

    # -- what was called --------------------------------------------------

    def calls_to(self, method: str, *, ok: bool | None = None) -> list[Call]:
        """Calls of one method, in arrival order; ``ok=True`` keeps only successes."""
        return [c for c in self.calls if c.method == method and (ok is None or c.ok == ok)]

    def messages_in(self, channel: str) -> list[dict[str, Any]]:
        """Messages chat.postMessage put in a channel (a user id: their DM), as last updated."""
        return list(self._messages.get(self._resolve(channel), {}).values())

    async def wait_for(
        self, method: str, count: int = 1, *, within: float = 30.0, ok: bool | None = None
    ) -> list[Call]:
        """Wait for ``count`` calls of ``method``, return them; TimeoutError after ``within`` s."""
        assert self._changed is not None, "start the fake first"
        async with self._changed:
            await asyncio.wait_for(
                self._changed.wait_for(lambda: len(self.calls_to(method, ok=ok)) >= count),
                within,
            )
        return self.calls_to(method, ok=ok)

    def clear_calls(self) -> None:
        """Forget recorded calls and the throttle counters (users, views and messages stay)."""
        self.calls.clear()
        self.throttled = 0
        self.outage_answers = 0

    # -- the workspace ----------------------------------------------------

    def add_user(
        self,
        user_id: str,
        *,
        email: str | None = None,
        locale: str = "nb-NO",
        name: str | None = None,
        real_name: str | None = None,
        tz: str = "Europe/Oslo",
        is_bot: bool = False,
        deleted: bool = False,
        team_id: str | None = None,
    ) -> dict[str, Any]:
        """Add a person users.info will know (in ``team_id``, else the fake's own workspace);
        returns the user object it will answer."""
        handle = name or user_id.lower()
        full = real_name or handle
        team = team_id or self.team_id
        profile: dict[str, Any] = {"real_name": full, "display_name": handle, "team": team}
        if email is not None:
            profile["email"] = email
        user = {
            "id": user_id,
            "team_id": team,
            "name": handle,
            "real_name": full,
            "deleted": deleted,
            "is_bot": is_bot,
            "is_admin": False,
            "tz": tz,
            "tz_label": "Central European Time",
            "tz_offset": 3600,
            "locale": locale,
            "updated": int(self.clock()),
            "profile": profile,
        }
        self.users[user_id] = user
        return user

    def dm_channel(self, user_id: str) -> str:
        """The DM channel id conversations.open gives for one user: ``"D" + user_id``."""
        return f"D{user_id}"

    def response_url(self, rid: str) -> str:
        """A response_url on the fake; POSTs to it are recorded as method ``"response_url"``."""
        return f"{self.root}response_url/{rid}"

    # -- several workspaces, and Slack's OAuth --------------------------------------

    def oauth_app(self, client_id: str, client_secret: str, *, rotating: bool = False,
                  expires_in: int = 43200) -> None:
        """The app's OAuth credentials oauth.v2.access takes; with ``rotating`` its tokens
        expire after ``expires_in`` seconds and come with a refresh token."""
        self._oauth = (client_id, client_secret, rotating, expires_in)

    def add_workspace(self, team_id: str, name: str, *, bot_user_id: str | None = None,
                      enterprise_id: str | None = None) -> None:
        """Another workspace the app can be installed in (its bot user and name)."""
        self.workspaces[team_id] = {"id": team_id, "name": name,
                                    "bot_user_id": bot_user_id or self.bot_user_id,
                                    "enterprise_id": enterprise_id}

    def add_token(self, token: str, team_id: str) -> None:
        """A bot token of one workspace; once any token is added, each call must carry a
        known one (or the one :meth:`check_auth` named), and is recorded with its workspace."""
        self.workspaces.setdefault(team_id, {"id": team_id, "name": team_id,
                                             "bot_user_id": self.bot_user_id,
                                             "enterprise_id": None})
        self.tokens[token] = team_id

    def authorize(self, team_id: str, installer: str, *, scope: str = "commands,chat:write"
                  ) -> str:
        """What Slack's authorize page does when ``installer`` allows the app in ``team_id``:
        a code for oauth.v2.access, good once."""
        self.workspaces.setdefault(team_id, {"id": team_id, "name": team_id,
                                             "bot_user_id": self.bot_user_id,
                                             "enterprise_id": None})
        code = f"code-{team_id}-{next(self._seq)}"
        self._codes[code] = {"team": team_id, "installer": installer, "scope": scope}
        return code

    def team_of(self, call: Call) -> str | None:
        """The workspace whose token a call carried (None: no known token)."""
        token = _bearer(call.headers) or call.args.get("token")
        return self.tokens.get(str(token)) if token else None

    def revoked(self, token: str) -> bool:
        return token not in self.tokens

    def _issue_token(self, team_id: str) -> dict[str, Any]:
        token = f"xoxb-{team_id}-{next(self._seq)}"
        self.tokens[token] = team_id
        answer: dict[str, Any] = {"access_token": token, "token_type": "bot"}
        if self._oauth is not None and self._oauth[2]:
            refresh = self._refresh_of.setdefault(team_id, f"xoxe-1-{team_id}-{next(self._seq)}")
            self._refreshes[refresh] = team_id
            answer.update(refresh_token=refresh, expires_in=self._oauth[3])
        return answer

    def _oauth_v2_access(self, args: dict[str, Any]) -> Answer:
        if self._oauth is None:
            return _err("invalid_client_id")
        client_id, secret = args.get("client_id"), args.get("client_secret")
        if (client_id, secret) != self._oauth[:2]:
            return _err("invalid_client_id" if client_id != self._oauth[0] else "bad_client_secret")
        if args.get("grant_type") == "refresh_token":
            team_id = self._refreshes.get(str(args.get("refresh_token") or ""))
            if team_id is None:
                return _err("invalid_refresh_token")
            for token, team in list(self.tokens.items()):
                if team == team_id:  # the token it replaces stops working
                    del self.tokens[token]
            return _ok(team={"id": team_id}, **self._issue_token(team_id))
        grant = self._codes.pop(str(args.get("code") or ""), None)
        if grant is None:
            return _err("invalid_code")
        team = self.workspaces[grant["team"]]
        enterprise = {"id": team["enterprise_id"], "name": "Org"} if team["enterprise_id"] \
            else None
        return _ok(app_id=self.app_id, authed_user={"id": grant["installer"]},
                   scope=grant["scope"], bot_user_id=team["bot_user_id"],
                   team={"id": team["id"], "name": team["name"]}, enterprise=enterprise,
                   is_enterprise_install=False, **self._issue_token(team["id"]))

    def _auth_revoke(self, args: dict[str, Any]) -> Answer:
        revoked = self.tokens.pop(self._caller_token or "", None) is not None
        return _ok(revoked=revoked)

    # -- failure switches ---------------------------------------------------

    def check_auth(self, token: str | None) -> None:
        """Require ``Authorization: Bearer <token>`` (or a ``token`` arg); None: don't check."""
        self._token = token

    def fail_channel(self, channel: str, error: str = "channel_not_found") -> None:
        """Answer ``ok: false`` with ``error`` for every call aimed at this channel or user."""
        self._failing[channel] = error

    def unfail_channel(self, channel: str) -> None:
        """Undo :meth:`fail_channel` for one channel."""
        self._failing.pop(channel, None)

    def fail_method(
        self, method: str, error: str = "internal_error", *, count: int | None = None
    ) -> None:
        """Answer ``ok: false`` with ``error`` to a method: ``count`` times, or until healed."""
        self._failing_methods[method] = [error, count]

    def throttle_per_channel(
        self, per_second: float | None = 1.0, *, methods: Iterable[str] = ("chat.postMessage",)
    ) -> None:
        """Allow ``methods`` ``per_second`` per channel; the rest get 429 with Retry-After."""
        if not per_second:
            self._throttle = None
            return
        self._throttle = _Throttle(interval=1.0 / per_second, methods=frozenset(methods))

    def outage(
        self,
        status: int = 500,
        *,
        count: int | None = None,
        until: float | None = None,
        error: str = "internal_error",
        methods: Iterable[str] | None = None,
        retry_after: float | None = None,
    ) -> None:
        """Answer HTTP ``status`` to the next ``count`` requests, or till clock() reaches ``until``.

        With neither, the outage lasts until :meth:`heal`. ``methods`` limits it
        to some methods (``"response_url"`` and ``"files.upload_url"`` included);
        ``retry_after`` adds that ``Retry-After`` header (seconds) to each answer.
        """
        only = frozenset(methods) if methods is not None else None
        self._outage = _Outage(status, error, count, until, only, retry_after)

    def hang(
        self, seconds: float, *, count: int | None = None, methods: Iterable[str] | None = None
    ) -> None:
        """Hold answers back ``seconds`` (0 ends it); each call still takes effect on arrival."""
        if seconds <= 0:
            self._hang = None
            return
        self._hang = _Hang(seconds, count, frozenset(methods) if methods is not None else None)

    def release_hangs(self) -> None:
        """Let every answer held back by :meth:`hang` go now (later calls are held as set)."""
        self._released.set()
        self._released = asyncio.Event()

    def heal(self) -> None:
        """Turn every failure off: failing channels and methods, throttle, outage, hang, auth.
        Answers held back by :meth:`hang` go now."""
        self._failing.clear()
        self._failing_methods.clear()
        self._throttle = None
        self._outage = None
        self._hang = None
        self._token = None
        self.release_hangs()

    # -- HTTP side ------------------------------------------------------------

    async def _on_api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        try:
            args = await self._read_args(request)
        except ValueError:
            return await self._finish(request, method, {}, _err("invalid_form_data"))
        answer = self._outage_answer(method) or self._answer(method, args, request)
        return await self._finish(request, method, args, answer)

    async def _on_upload(self, request: web.Request) -> web.StreamResponse:
        file_id = request.match_info["file_id"]
        data = await request.read()
        args: dict[str, Any] = {"file_id": file_id, "length": len(data)}
        outage = self._outage_answer(UPLOAD_METHOD)
        if outage is not None:
            return await self._finish(request, UPLOAD_METHOD, args, outage)
        if file_id not in self._upload_names:
            answer: Answer = (404, {}, {})
            return await self._finish(request, UPLOAD_METHOD, args, answer, text="file not found")
        self.uploads[file_id] = data
        answer = (200, {}, {})
        return await self._finish(request, UPLOAD_METHOD, args, answer, text=f"OK - {len(data)}")

    async def _on_response_url(self, request: web.Request) -> web.StreamResponse:
        try:
            args = await self._read_args(request)
        except ValueError:
            bad: Answer = (400, {}, {})
            return await self._finish(request, RESPONSE_URL_METHOD, {}, bad, text="invalid_payload")
        answer = self._outage_answer(RESPONSE_URL_METHOD) or (200, {}, {})
        text = "ok" if answer[0] == 200 else None
        return await self._finish(request, RESPONSE_URL_METHOD, args, answer, text=text)

    async def _read_args(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        if request.content_type.startswith("multipart/"):
            for key, value in (await request.post()).items():
                args[key] = value.file.read() if isinstance(value, web.FileField) else value
            return _decode_json_args(args)
        raw = await request.read()
        if not raw:
            return _decode_json_args(args)
        if request.content_type == "application/json" or raw.lstrip()[:1] == b"{":
            body = json.loads(raw)
            if not isinstance(body, dict):
                raise ValueError("a JSON body must be an object")
            args.update(body)
        else:
            args.update(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
        return _decode_json_args(args)

    async def _finish(
        self,
        request: web.Request,
        method: str,
        args: dict[str, Any],
        answer: Answer,
        *,
        text: str | None = None,
    ) -> web.StreamResponse:
        status, body, headers = answer
        error = body.get("error") if body.get("ok") is False else None
        if status != 200 and error is None:
            error = f"http_{status}"
        call = Call(method, args, dict(request.headers), self.clock(), request.path, status, error)
        self.calls.append(call)
        if self._changed is not None:
            async with self._changed:
                self._changed.notify_all()
        delay = self._hang_for(method)
        if delay:
            released = self._released
            ends = [asyncio.ensure_future(self._closing.wait()),
                    asyncio.ensure_future(released.wait())]
            await asyncio.wait(ends, timeout=delay, return_when=asyncio.FIRST_COMPLETED)
            for waiting in ends:
                waiting.cancel()
        if text is not None or not body:
            return web.Response(status=status, text=text or "", headers=headers)
        return web.json_response(body, status=status, headers=headers)

    # -- failure bookkeeping ---------------------------------------------------

    def _outage_answer(self, method: str) -> Answer | None:
        outage = self._outage
        if outage is None or (outage.methods is not None and method not in outage.methods):
            return None
        if outage.until is not None and self.clock() >= outage.until:
            self._outage = None
            return None
        if outage.count is not None:
            if outage.count <= 0:
                self._outage = None
                return None
            outage.count -= 1
        self.outage_answers += 1
        status, body, headers = _err(outage.error, outage.status)
        if outage.retry_after is not None:
            headers = {"Retry-After": f"{outage.retry_after:g}"}
        return status, body, headers

    def _hang_for(self, method: str) -> float:
        hang = self._hang
        if hang is None or (hang.methods is not None and method not in hang.methods):
            return 0.0
        if hang.count is not None:
            if hang.count <= 0:
                self._hang = None
                return 0.0
            hang.count -= 1
        return hang.seconds

    def _authorised(self, args: Mapping[str, Any], request: web.Request) -> bool:
        if self._token is None and not self.tokens:
            return True
        token = _bearer(request.headers) or args.get("token")
        return token is not None and (token == self._token or token in self.tokens)

    def _targets(self, method: str, args: Mapping[str, Any]) -> set[str]:
        targets: set[str] = set()
        for key in ("channel", "channel_id"):
            value = args.get(key)
            if isinstance(value, str) and value:
                targets.add(value)
                targets.add(self._resolve(value))
        if method == "conversations.open" and isinstance(args.get("users"), str):
            targets.update(u for u in args["users"].split(",") if u)
        return targets

    def _throttled(self, method: str, args: Mapping[str, Any]) -> Answer | None:
        throttle = self._throttle
        channel = args.get("channel") or args.get("channel_id")
        if throttle is None or method not in throttle.methods or not isinstance(channel, str):
            return None
        key = self._resolve(channel)
        now = self.clock()
        last = throttle.last.get(key)
        if last is not None and now - last < throttle.interval:
            self.throttled += 1
            retry_after = max(1, math.ceil(throttle.interval - (now - last)))
            return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)}
        throttle.last[key] = now
        return None

    # -- the methods -------------------------------------------------------------

    def _answer(self, method: str, args: dict[str, Any], request: web.Request) -> Answer:
        handler = self._handlers.get(method)
        if handler is None:
            return _err("unknown_method")
        if method == "oauth.v2.access":  # the app's own credentials, by HTTP Basic auth
            args.update(_basic(request.headers))
        elif not self._authorised(args, request):
            return _err("invalid_auth")
        token = _bearer(request.headers) or args.get("token")
        self._caller_token = str(token) if token else None
        self._caller = self.tokens.get(str(token)) if token else None
        failing = self._failing_methods.get(method)
        if failing is not None:
            error, count = failing
            if count is None or count > 0:
                if count is not None:
                    failing[1] = count - 1
                return _err(error)
        for target in self._targets(method, args):
            if target in self._failing:
                return _err(self._failing[target])
        throttled = self._throttled(method, args)
        if throttled is not None:
            return throttled
        return handler(self, args)

    def _next_ts(self) -> str:
        return f"{int(self.clock())}.{next(self._seq):06d}"

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}0{next(self._seq):09d}"

    def _resolve(self, channel: str) -> str:
        return self.dm_channel(channel) if channel[:1] in ("U", "W") else channel

    def _message_problem(self, args: Mapping[str, Any]) -> Answer | None:
        blocks = args.get("blocks")
        if not (args.get("text") or blocks or args.get("attachments")):
            return _err("no_text")
        if len(str(args.get("text") or "")) > 40000:
            return _err("msg_too_long")
        if blocks is not None and self.validate:
            problems = _block_problems(blocks)
            if len(blocks if isinstance(blocks, list) else []) > 50:
                problems.append("[ERROR] no more than 50 items allowed [json-pointer:/blocks]")
            if problems:
                return _err("invalid_blocks", errors=problems, **_messages(*problems))
        return None

    def _auth_test(self, args: dict[str, Any]) -> Answer:
        team = self.workspaces[self._caller or self.team_id]
        return _ok(
            url=f"https://{self.team_domain}.slack.com/",
            team=team["name"],
            user="ogpbot",
            team_id=team["id"],
            user_id=team["bot_user_id"],
            bot_id=self.bot_id,
            is_enterprise_install=False,
        )

    def _bot_message(self, args: Mapping[str, Any], ts: str) -> dict[str, Any]:
        message: dict[str, Any] = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "team": self.team_id,
            "text": args.get("text") or "",
            "ts": ts,
        }
        for key in ("blocks", "attachments", "thread_ts", "metadata"):
            if args.get(key) is not None:
                message[key] = args[key]
        return message

    def _chat_post_message(self, args: dict[str, Any]) -> Answer:
        channel = args.get("channel")
        if not isinstance(channel, str) or not channel:
            return _err("channel_not_found")
        problem = self._message_problem(args)
        if problem is not None:
            return problem
        channel = self._resolve(channel)
        ts = self._next_ts()
        message = self._bot_message(args, ts)
        self._messages.setdefault(channel, {})[ts] = message
        return _ok(channel=channel, ts=ts, message=message)

    def _chat_post_ephemeral(self, args: dict[str, Any]) -> Answer:
        if not args.get("channel"):
            return _err("channel_not_found")
        if not args.get("user"):
            return _err("user_not_in_channel")
        problem = self._message_problem(args)
        return problem or _ok(message_ts=self._next_ts())

    def _chat_update(self, args: dict[str, Any]) -> Answer:
        channel, ts = args.get("channel"), args.get("ts")
        if not isinstance(channel, str) or not channel:
            return _err("channel_not_found")
        if not ts:
            return _err("message_not_found")
        problem = self._message_problem(args)
        if problem is not None:
            return problem
        channel = self._resolve(channel)
        message = self._bot_message(args, str(ts))
        known = self._messages.get(channel, {})
        if ts in known:
            edited = {"user": self.bot_user_id, "ts": self._next_ts()}
            known[str(ts)] = {**known[str(ts)], **message, "edited": edited}
        return _ok(channel=channel, ts=str(ts), text=message["text"], message=message)

    def _store_view(
        self,
        view: dict[str, Any],
        *,
        view_id: str | None = None,
        root: str | None = None,
        previous: str | None = None,
    ) -> dict[str, Any]:
        view_id = view_id or self._next_id("V")
        stored = {
            "id": view_id,
            "team_id": self.team_id,
            "type": view.get("type", "modal"),
            "title": view.get("title"),
            "submit": view.get("submit"),
            "close": view.get("close"),
            "blocks": view.get("blocks", []),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "external_id": view.get("external_id", ""),
            "state": {"values": {}},
            "hash": hashlib.sha1(f"{view_id}:{next(self._seq)}".encode()).hexdigest()[:24],
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "root_view_id": root or view_id,
            "previous_view_id": previous,
            "app_id": self.app_id,
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }
        self.views[view_id] = stored
        return stored

    def _view_problem(self, view: Any) -> Answer | None:
        if view is None:
            return _err("invalid_arguments", **_messages("[ERROR] missing required field: view"))
        problems = _view_problems(view) if self.validate else []
        if problems:
            return _err("invalid_arguments", **_messages(*problems))
        return None

    def _take_trigger(self, args: Mapping[str, Any]) -> Answer | None:
        trigger = args.get("trigger_id") or args.get("interactivity_pointer")
        if not trigger:
            return _err("invalid_arguments", **_messages("[ERROR] missing trigger_id"))
        if trigger in self._used_triggers:
            return _err("exchanged_trigger_id")
        self._used_triggers.add(str(trigger))
        return None

    def _views_open(self, args: dict[str, Any]) -> Answer:
        problem = self._view_problem(args.get("view")) or self._take_trigger(args)
        return problem or _ok(view=self._store_view(args["view"]))

    def _views_push(self, args: dict[str, Any]) -> Answer:
        problem = self._view_problem(args.get("view")) or self._take_trigger(args)
        if problem is not None:
            return problem
        previous = next(reversed(self.views), None)
        root = self.views[previous]["root_view_id"] if previous else None
        return _ok(view=self._store_view(args["view"], root=root, previous=previous))

    def _views_update(self, args: dict[str, Any]) -> Answer:
        view_id, external_id = args.get("view_id"), args.get("external_id")
        if not view_id and external_id:
            ids = (v["id"] for v in self.views.values() if v["external_id"] == external_id)
            view_id = next(ids, None)
            if view_id is None:
                return _err("not_found")
        if not view_id:
            return _err("invalid_arguments", **_messages("[ERROR] missing view_id"))
        problem = self._view_problem(args.get("view"))
        if problem is not None:
            return problem
        known = self.views.get(str(view_id))
        if known is not None and args.get("hash") and args["hash"] != known["hash"]:
            return _err("hash_conflict")
        root = known["root_view_id"] if known else None
        previous = known["previous_view_id"] if known else None
        stored = self._store_view(args["view"], view_id=str(view_id), root=root, previous=previous)
        return _ok(view=stored)

    def _views_publish(self, args: dict[str, Any]) -> Answer:
        user_id = args.get("user_id")
        if not user_id:
            return _err("invalid_arguments", **_messages("[ERROR] missing user_id"))
        problem = self._view_problem(args.get("view"))
        if problem is not None:
            return problem
        view = args["view"]
        if isinstance(view, dict) and view.get("type") != "home":
            return _err("invalid_arguments", **_messages("[ERROR] view type must be home"))
        home_id = f"VH{user_id}"
        return _ok(view=self._store_view(view, view_id=home_id))

    def _users_info(self, args: dict[str, Any]) -> Answer:
        user = self.users.get(str(args.get("user") or ""))
        if user is None:
            return _err("user_not_found")
        answered = dict(user)
        if not _truthy(args.get("include_locale")):
            answered.pop("locale", None)
        return _ok(user=answered)

    def _users_lookup_by_email(self, args: dict[str, Any]) -> Answer:
        email = str(args.get("email") or "").lower()
        for user in self.users.values():
            if self._caller is not None and user.get("team_id") != self._caller:
                continue  # a workspace's token finds its own members only
            if str(user.get("profile", {}).get("email", "")).lower() == email and email:
                answered = dict(user)
                answered.pop("locale", None)
                return _ok(user=answered)
        return _err("users_not_found")

    def _conversations_open(self, args: dict[str, Any]) -> Answer:
        users = [u for u in str(args.get("users") or "").split(",") if u]
        channel_id = args.get("channel")
        if not users and not channel_id:
            return _err("users_list_not_supplied")
        if len(users) > 8:
            return _err("too_many_users")
        if len(users) > 1:
            digest = hashlib.sha1(",".join(sorted(users)).encode()).hexdigest()[:9].upper()
            channel: dict[str, Any] = {"id": f"G{digest}", "is_mpim": True, "is_im": False}
        else:
            dm = str(channel_id) if channel_id else self.dm_channel(users[0])
            user = users[0] if users else dm[1:]
            channel = {"id": dm, "is_im": True, "user": user}
        channel.update(created=int(self.clock()), is_open=True, last_read="0000000000.000000")
        already = channel["id"] in self._opened_dms
        self._opened_dms.add(channel["id"])
        if not _truthy(args.get("return_im")):
            channel = {"id": channel["id"]}
        extra = {"no_op": True, "already_open": True} if already else {}
        return _ok(channel=channel, **extra)

    def _conversations_history(self, args: dict[str, Any]) -> Answer:
        """The conversation's messages, newest first, a page at a time (``limit``, ``cursor``);
        each message's ``metadata`` only with ``include_all_metadata``, as Slack does."""
        channel = args.get("channel")
        if not isinstance(channel, str) or not channel:
            return _err("channel_not_found")
        channel = self._resolve(channel)
        newest_first = sorted(self._messages.get(channel, {}).values(),
                              key=lambda m: tuple(int(p) for p in str(m["ts"]).split(".")),
                              reverse=True)
        try:
            limit = max(1, min(999, int(args.get("limit") or 100)))
            start = int(args.get("cursor") or 0)
        except ValueError:
            return _err("invalid_cursor")
        page = newest_first[start:start + limit]
        if not _truthy(args.get("include_all_metadata")):
            page = [{k: v for k, v in m.items() if k != "metadata"} for m in page]
        more = start + limit < len(newest_first)
        return _ok(messages=page, has_more=more,
                   response_metadata={"next_cursor": str(start + limit) if more else ""})

    def _files_get_upload_url(self, args: dict[str, Any]) -> Answer:
        filename, length = args.get("filename"), args.get("length")
        if not filename or length in (None, ""):
            return _err(
                "invalid_arguments", **_messages("[ERROR] filename and length are required")
            )
        file_id = self._next_id("F")
        self._upload_names[file_id] = {"name": str(filename), "length": int(length)}
        return _ok(upload_url=f"{self.root}upload/v1/{file_id}", file_id=file_id)

    def _files_complete_upload(self, args: dict[str, Any]) -> Answer:
        files = args.get("files")
        if not isinstance(files, list) or not files:
            return _err("invalid_arguments", **_messages("[ERROR] files must be a list"))
        channel = args.get("channel_id") or (str(args.get("channels") or "").split(",")[0] or None)
        answered = []
        for entry in files:
            file_id = entry.get("id") if isinstance(entry, dict) else None
            if file_id not in self.uploads:
                return _err("file_not_found")
            meta = self._upload_names[file_id]
            name = meta["name"]
            answered.append(
                {
                    "id": file_id,
                    "created": int(self.clock()),
                    "name": name,
                    "title": entry.get("title") or name,
                    "mimetype": "application/octet-stream",
                    "filetype": name.rsplit(".", 1)[1] if "." in name else "binary",
                    "user": self.bot_user_id,
                    "size": len(self.uploads[file_id]),
                    "url_private": f"{self.root}files/{file_id}/{name}",
                    "channels": [self._resolve(str(channel))] if channel else [],
                }
            )
        return _ok(files=answered)

    _handlers: ClassVar[dict[str, Callable[[FakeSlackAPI, dict[str, Any]], Answer]]] = {
        "auth.test": _auth_test,
        "auth.revoke": _auth_revoke,
        "oauth.v2.access": _oauth_v2_access,
        "chat.postMessage": _chat_post_message,
        "chat.postEphemeral": _chat_post_ephemeral,
        "chat.update": _chat_update,
        "views.open": _views_open,
        "views.push": _views_push,
        "views.update": _views_update,
        "views.publish": _views_publish,
        "users.info": _users_info,
        "users.lookupByEmail": _users_lookup_by_email,
        "conversations.open": _conversations_open,
        "conversations.history": _conversations_history,
        "files.getUploadURLExternal": _files_get_upload_url,
        "files.completeUploadExternal": _files_complete_upload,
    }
