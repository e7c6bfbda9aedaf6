"""The dispatcher mounted in the real aiohttp server: it starts with the server, sends through
the notifiers adapters register, and the meeting's calendar file is served at the secret
address its invitation carries (`GET /meetings/P-N/TOKEN.ics`), and nowhere else."""

from __future__ import annotations

import asyncio
import logging

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from adapters.outbox_service import register_notifier
from adapters.server import build_app
from bot.app.runtime import Runtime
from bot.core.notice import NoticeState
from bot.core.settings import Settings
from tests.notice_kit import (
    COORDINATOR,
    MINISTRY,
    PROPOSER,
    Kit,
    RecordingNotifier,
    event_of,
    oslo,
)

pytestmark = pytest.mark.asyncio


async def wait_until(check: object, within: float = 30.0) -> None:
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
        await wait_until(lambda: len(notifier.sent) == 4)
        invite = notifier.to(PROPOSER.slack_id)[0]
        meeting = kit.bot.records.meeting(1)
        assert meeting is not None
        path = f"/meetings/P-1/{meeting.tokens['roster:' + PROPOSER.email]}.ics"
        assert f"Kalenderfil: http://bot.example.org{path}" in invite.message.lines
        # the new proposal to the ministry and the coordinator; the meeting to both its sides
        assert sorted(s.to for s in notifier.sent) == sorted(
            [MINISTRY.slack_id, COORDINATOR.slack_id, PROPOSER.slack_id, MINISTRY.slack_id])

        answer = await client.get(path)
        assert answer.status == 200
        assert answer.content_type == "text/calendar"
        body = await answer.read()
        assert invite.attachment is not None and body == invite.attachment.content
        assert b"LOCATION:M\xc3\xb8terom 2" in body
        assert (await client.get("/meetings/P-1.ics")).status == 404
        assert (await client.get(path.replace("P-1", "P-2"))).status == 404
        assert (await client.get("/meetings/nonsense.ics")).status == 404

        # withdrawn before the meeting: the address answers with the cancellation
        assert kit.say(PROPOSER, "withdraw P-1").ok
        answer = await client.get(path)
        assert answer.status == 200
        cancelled = event_of(await answer.read())
        assert cancelled[0]["METHOD"] == "CANCEL" and cancelled[1]["STATUS"] == "CANCELLED"

        # the agenda was scheduled at start-up, once
        agenda = [n for n in kit.bot.outbox.all() if n.kind == "agenda"]
        assert len(agenda) == 6 and all(n.state is NoticeState.PENDING for n in agenda)


@pytest.mark.parametrize("order", ["as shipped", "dispatcher first"])
async def test_slack_and_teams_register_their_notifiers_in_any_mount_order(
        order: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    from adapters import server
    from adapters.outbox_service import DISPATCHER
    from adapters.slack.notifier import SlackNotifier
    from adapters.teams.notifier import TeamsNotifier

    if order == "dispatcher first":
        modules = ["adapters.outbox_service", *(m for m in server.ADAPTER_MODULES
                                        if m != "adapters.outbox_service")]
        monkeypatch.setattr(server, "ADAPTER_MODULES", modules)
    kit = Kit(oslo(2026, 11, 30, 12, 0))
    settings = Settings(env={"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "secret",
                             "SLACK_API_URL": "http://127.0.0.1:9/api/",
                             "OGPBOT_TEAMS_EMULATOR": "1"})
    runtime = Runtime(settings, kit.seminar, kit.store, kit.bot, kit.clock)
    app = build_app(runtime)
    with caplog.at_level(logging.INFO, logger="ogpbot.notices"):
        async with TestClient(TestServer(app)):
            notifiers = app[DISPATCHER].notifiers
            assert sorted(notifiers) == ["slack", "teams"]
            assert isinstance(notifiers["slack"], SlackNotifier)
            assert isinstance(notifiers["teams"], TeamsNotifier)
    assert any("sending through slack, teams" in m for m in caplog.messages)


async def test_only_registered_notifiers_are_used() -> None:
    """An object on the app that merely carries a `notifier` attribute is not a registration."""
    from adapters.outbox_service import DISPATCHER

    kit = Kit(oslo(2026, 11, 30, 12, 0))
    runtime = Runtime(Settings(env={"OGPBOT_TEAMS_EMULATOR": "1"}), kit.seminar, kit.store,
                      kit.bot, kit.clock)
    app = build_app(runtime)
    stray: web.AppKey[object] = web.AppKey("stray", object)
    app[stray] = type("Stray", (), {"notifier": RecordingNotifier("console")})()
    async with TestClient(TestServer(app)):
        assert sorted(app[DISPATCHER].notifiers) == ["teams"]


async def test_a_platform_registers_one_notifier() -> None:
    kit = Kit(oslo(2026, 11, 30, 12, 0))
    app = build_app(Runtime(Settings(env={"OGPBOT_TEAMS_EMULATOR": "1"}), kit.seminar,
                            kit.store, kit.bot,
                            kit.clock))
    with pytest.raises(ValueError, match="teams"):
        register_notifier(app, RecordingNotifier("teams"))
