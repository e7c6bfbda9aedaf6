"""The dispatcher mounted in the real aiohttp server: it starts with the server, sends through
the notifiers adapters register, and `GET /meetings/P-N.ics` serves the meeting's calendar."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp.test_utils import TestClient, TestServer

from adapters.outbox import register_notifier
from adapters.server import build_app
from bot.notices import NoticeState
from bot.runtime import Runtime
from bot.settings import Settings
from tests.notice_kit import COORDINATOR, MINISTRY, PROPOSER, Kit, RecordingNotifier, oslo

pytestmark = pytest.mark.asyncio


async def wait_until(check: object, within: float = 5.0) -> None:
    for _ in range(int(within / 0.02)):
        if check():  # type: ignore[operator]
            return
        await asyncio.sleep(0.02)
    raise AssertionError("timed out")


async def test_serve_sends_notices_and_serves_the_calendar_file() -> None:
    kit = Kit(oslo(2026, 11, 30, 12, 0))
    runtime = Runtime(Settings(public_url="http://bot.example.org"), kit.seminar, kit.store,
                      kit.bot, kit.clock)
    app = build_app(runtime)
    notifier = RecordingNotifier("slack")
    register_notifier(app, notifier)
    async with TestClient(TestServer(app)) as client:
        assert kit.propose().ok
        assert kit.say(MINISTRY, "outcome P-1 bilateral").ok
        assert kit.say(MINISTRY, "meet P-1 2026-12-03 10:00 Møterom 2").ok
        await wait_until(lambda: len(notifier.to(PROPOSER[0])) == 1)
        invite = notifier.to(PROPOSER[0])[0]
        assert "Kalenderfil: http://bot.example.org/meetings/P-1.ics" in invite.message.lines
        assert sorted(s.to for s in notifier.sent) == sorted(
            [MINISTRY[0], COORDINATOR[0], PROPOSER[0]])

        answer = await client.get("/meetings/P-1.ics")
        assert answer.status == 200
        assert answer.content_type == "text/calendar"
        body = await answer.read()
        assert invite.attachment is not None and body == invite.attachment.content
        assert b"LOCATION:M\xc3\xb8terom 2" in body
        assert (await client.get("/meetings/P-2.ics")).status == 404
        assert (await client.get("/meetings/nonsense.ics")).status == 404

        # the agenda was scheduled at start-up, once
        agenda = [n for n in kit.bot.outbox.all() if n.kind == "agenda"]
        assert len(agenda) == 6 and all(n.state is NoticeState.PENDING for n in agenda)
