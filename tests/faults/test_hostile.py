"""Hostile input through every entry point: Slack `/slack/events` (signed, so it reaches the
parsing), Teams `/api/messages`, the public record, the calendar route and the console.
Oversized fields, invalid UTF-8, deeply nested JSON, unknown interactivity payloads, a modal
that is not ours, a Teams activity of an unknown type: each gets a clear answer or a 4xx,
never a 500, and the store is exactly as it was."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web

from adapters.server import build_app
from bot.app.runtime import Runtime
from bot.core.clock import FakeClock
from bot.core.settings import Settings
from bot.store.memory import MemoryStore
from tests import cast
from tests.chat import LINE, SEMINAR_FILE
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_signing import (
    interactivity_body,
    signed_headers,
    slash_command_body,
    view_submission_payload,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")
TOKEN = "xoxb-ogpbot-hostile"
SECRET = "ogpbot-hostile-signing-secret"
KARI = cast.KARI
DEEP = 100_000  # levels of nesting: far past Python's recursion limit


@dataclass
class Server:
    url: str
    http: aiohttp.ClientSession
    fake: FakeSlackAPI
    store: MemoryStore

    def snapshot(self) -> str:
        """The store, but its inbox: that keeps each acknowledged request only until it is
        answered (and a refused one not after that), whatever the request held."""
        data = {name: docs for name, docs in self.store._data.items() if name != "inbox"}
        return json.dumps(data, sort_keys=True, default=str)

    async def post(self, path: str, body: bytes, headers: dict[str, str] | None = None) -> int:
        async with self.http.post(self.url + path, data=body, headers=headers or {}) as answer:
            await answer.read()
            return answer.status

    async def slack(self, body: bytes, content_type: str | None = None) -> int:
        return await self.post("/slack/events", body,
                               signed_headers(SECRET, body, content_type=content_type))

    async def get(self, path: str) -> tuple[int, str]:
        async with self.http.get(self.url + path) as answer:
            return answer.status, await answer.text(errors="replace")


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def server() -> AsyncIterator[Server]:
    async with FakeSlackAPI() as fake:
        fake.add_user(KARI.slack_id, email=KARI.email)
        store = MemoryStore()
        settings = Settings(seminar=str(SEMINAR_FILE), env={
            "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": fake.url,
            "OGPBOT_TEAMS_EMULATOR": "1"})  # so Teams bodies reach the parsing
        runtime = Runtime.open(settings, FakeClock(datetime(2026, 11, 20, 9, 0, tzinfo=UTC)),
                               store)
        runner = web.AppRunner(build_app(runtime), access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        async with aiohttp.ClientSession() as http:
            yield Server(f"http://127.0.0.1:{runner.addresses[0][1]}", http, fake, store)
        await runner.cleanup()


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


SLACK_BODIES: dict[str, tuple[bytes, str | None]] = {
    "invalid utf-8": (b"token=x&command=%2Fogp&text=\xff\xfe\xfd", None),
    "invalid utf-8 json": (b'{"type": "event_callback", "x": "\xff\xfe"}', None),
    "deeply nested event": (('{"type": "event_callback", "event": ' + nested(DEEP) + "}")
                            .encode(), None),
    "deeply nested payload": (interactivity_body({"type": "block_actions"})[:8]
                              + nested(DEEP).encode(), None),
    "nested payload in form": (b"payload=" + nested(DEEP).encode(), None),
    "unknown interactivity": (interactivity_body({"type": "no_such_kind",
                                                  "user": {"id": KARI.slack_id}}), None),
    "payload not an object": (interactivity_body([1, 2, 3]), None),  # type: ignore[arg-type]
    "json array": (b"[1, 2, 3]", None),
    "empty": (b"", None),
    "oversized": (b"token=x&text=" + b"a" * (2 * 1024 * 1024), None),
    "event of no kind": (b'{"type": "event_callback", "event": {"type": "nothing"}}', None),
}


@pytest.mark.parametrize("name", sorted(SLACK_BODIES))
async def test_slack_events(server: Server, name: str) -> None:
    before = server.snapshot()
    body, content_type = SLACK_BODIES[name]
    status = await server.slack(body, content_type)
    assert status < 500, status
    assert server.snapshot() == before


async def test_a_modal_that_is_not_ours(server: Server) -> None:
    before = server.snapshot()
    values = {"title": {"title": {"type": "plain_text_input", "value": "Fremmed"}}}
    for payload in (view_submission_payload("other_callback", values, user_id=KARI.slack_id),
                    {**view_submission_payload("propose", {}, user_id=KARI.slack_id),
                     "view": {"id": "V1", "callback_id": "propose", "app_id": "A0NOTOURS",
                              "state": {"values": "not a mapping"}, "blocks": "nope"}}):
        status = await server.slack(interactivity_body(payload))
        assert status < 500, status
    assert server.snapshot() == before


async def test_oversized_fields_in_a_slash_command_are_refused_in_words(server: Server) -> None:
    before = server.snapshot()
    parts = LINE.split(" | ")
    text = " | ".join(["T" * 20_000, *parts[1:]])
    body = slash_command_body(f"propose {text}", user_id=KARI.slack_id,
                              response_url=server.fake.response_url("huge"))
    assert await server.slack(body) == 200
    [call] = await server.fake.wait_for("response_url", 1, within=30)
    assert "150" in str(call.args.get("text"))  # the limit, named
    server.fake.clear_calls()
    assert server.snapshot() == before  # refused: not even who Kari is on Slack was kept


TEAMS_BODIES: dict[str, bytes] = {
    "not json": b"{not json",
    "invalid utf-8": b'{"type": "message", "text": "\xff\xfe"}',
    "deeply nested": ('{"type": "message", "value": ' + nested(DEEP) + "}").encode(),
    "json array": b"[1, 2]",
    "unknown type": json.dumps({
        "type": "holographicMessage", "id": "x1", "serviceUrl": "http://127.0.0.1:9/",
        "channelId": "msteams", "from": {"id": "29:1-x"}, "recipient": {"id": "28:bot"},
        "conversation": {"id": "a:1"}}).encode(),
    "no type": b'{"text": "status"}',
    "type not text": b'{"type": {"a": 1}}',
    "oversized": b'{"type": "message", "text": "' + b"a" * (2 * 1024 * 1024) + b'"}',
}


@pytest.mark.parametrize("name", sorted(TEAMS_BODIES))
async def test_teams_messages(server: Server, name: str) -> None:
    before = server.snapshot()
    status = await server.post("/api/messages", TEAMS_BODIES[name],
                               {"Content-Type": "application/json"})
    assert status < 500, status
    assert server.snapshot() == before


ROUTES = ["/proposals/P-99999999", "/proposals/%FF%FE", "/proposals/P-1%00",
          "/api/proposals/P-" + "9" * 5000, "/api/proposals/%ZZ", "/?lang=" + "x" * 5000,
          "/?lang=%FF", "/meetings/P-1.ics", "/meetings/%FF.ics",
          "/meetings/P-" + "1" * 500 + ".ics", "/api/proposals?q=" + "%FF" * 1000]


@pytest.mark.parametrize("path", ROUTES)
async def test_public_routes(server: Server, path: str) -> None:
    before = server.snapshot()
    status, _ = await server.get(path)
    assert status < 500, (path, status)
    assert server.snapshot() == before


async def test_the_console(tmp_path: Path) -> None:
    lines = (b"\xff\xfe status\n" + b"propose " + b"x" * 200_000 + b"\n"
             + b"status P-" + b"9" * 400 + b"\n" + nested(5000).encode() + b"\n")
    env = {**os.environ, "OGPBOT_DB": str(tmp_path / "ogpbot.json"),
           "OGPBOT_SEMINAR": str(SEMINAR_FILE)}
    done = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "adapters.cli", "shell"], input=lines,
        capture_output=True, env=env, timeout=60)
    out = done.stdout.decode("utf-8", "replace") + done.stderr.decode("utf-8", "replace")
    assert "Traceback" not in out
    assert done.returncode in (0, 1)
    assert out.count("\n") >= 4  # an answer for each line
