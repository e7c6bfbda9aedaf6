"""Which clock `serve` runs on, and the test-only control of it: `OGPBOT_TEST_CLOCK` starts the
clock at a moment (and a speed), `POST /test/clock` moves it and a notice due then goes out;
the control exists only with the setting, refuses what it cannot do with a 400, and `serve`
refuses the setting on a host that is not loopback."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from aiohttp.test_utils import TestClient, TestServer

from adapters.clockwork import clock_of, refusal
from adapters.outbox_service import register_notifier
from adapters.server import build_app
from bot.app.frontdoor import OgpBot
from bot.app.runtime import Runtime
from bot.core.clock import ScaledClock, SystemClock
from bot.core.notice import Notice, NoticeState, Target
from bot.core.reply import Reply
from bot.core.settings import Settings
from bot.store.memory import MemoryStore
from tests.notice_kit import Kit, oslo
from tests.serving import eventually

pytestmark = pytest.mark.asyncio
START = "2026-12-01T08:00:00+01:00"


async def test_a_test_moves_the_servers_clock_and_a_notice_due_then_goes_out() -> None:
    settings = Settings(test_clock=f"{START}@0")
    clock = clock_of(settings)
    assert isinstance(clock, ScaledClock) and clock.now() == datetime.fromisoformat(START)
    kit = Kit(oslo(2026, 12, 1, 8, 0))
    store = MemoryStore()
    bot = OgpBot(kit.seminar, store, clock)  # the bot, its dispatcher and the control share it
    runtime = Runtime(settings, kit.seminar, store, bot, clock)
    bot.outbox.schedule(Notice(
        "at-nine", Target("conversation", platform="slack", conversation="C0"),
        Reply(language="nb", title="Klokka ni"), oslo(2026, 12, 1, 9, 0), "agenda"))
    app = build_app(runtime)
    register_notifier(app, kit.notifier)
    async with TestClient(TestServer(app)) as client:
        answer = await client.get("/test/clock")
        assert (await answer.json()) == {"now": "2026-12-01T07:00:00+00:00", "speed": 0.0}
        answer = await client.post("/test/clock", json={"advance": 3599})
        assert (await answer.json())["now"] == "2026-12-01T07:59:59+00:00"
        assert bot.outbox.get("at-nine").state is NoticeState.PENDING  # type: ignore[union-attr]
        answer = await client.post("/test/clock", json={"at": "2026-12-01T09:00:00+01:00"})
        assert answer.status == 200
        await eventually(lambda: "Klokka ni" in [s.message.title for s in kit.notifier.sent])
        assert bot.outbox.get("at-nine").state is NoticeState.SENT  # type: ignore[union-attr]
        for wrong in ({}, {"at": "09:00"}, {"at": "2026-12-01T09:00:00"}, {"speed": -1},
                      {"advance": "soon"}, [1]):
            answer = await client.post("/test/clock", json=wrong)
            assert answer.status == 400, wrong
        assert (await client.post("/test/clock", data=b"{not json")).status == 400
        assert clock.now() == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # nothing moved it


async def test_without_the_setting_there_is_no_control_and_the_clock_is_real() -> None:
    assert isinstance(clock_of(Settings()), SystemClock)
    kit = Kit(oslo(2026, 12, 1, 8, 0))
    runtime = Runtime(Settings(), kit.seminar, kit.store, kit.bot, kit.clock)
    async with TestClient(TestServer(build_app(runtime))) as client:
        assert (await client.post("/test/clock", json={"advance": 60})).status in (404, 405)
        assert (await client.get("/test/clock")).status == 404


@pytest.mark.parametrize(("value", "host", "says"), [
    (START, "0.0.0.0", "loopback host only"),
    (START, "ogp.example.org", "loopback host only"),
    ("tomorrow", "127.0.0.1", "must be a moment"),
    ("2026-12-01T08:00:00", "127.0.0.1", "with its offset"),
    (f"{START}@fast", "127.0.0.1", "must be a moment"),
    (f"{START}@-2", "127.0.0.1", "a speed of 0 or more"),
])
async def test_serve_refuses_a_test_clock_it_cannot_use(value: str, host: str,
                                                        says: str) -> None:
    problem = refusal(Settings(test_clock=value), host)
    assert problem is not None and says in problem
    assert refusal(Settings(test_clock=START), "127.0.0.1") is None
    assert refusal(Settings(test_clock=START), "localhost") is None
    assert refusal(Settings(), "0.0.0.0") is None
