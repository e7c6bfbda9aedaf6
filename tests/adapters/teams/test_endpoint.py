"""The endpoint itself: who may post (credentials, or the Emulator on loopback only), what a
malformed body gets, and that a slow Teams request never holds the shared event loop."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import threading
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from adapters.outbox_service import notifiers_of
from adapters.server import BIND_HOST, build_app
from adapters.teams.endpoint import TEAMS, is_loopback, mount
from bot.app.runtime import Runtime
from bot.core.settings import Settings
from bot.store.memory import MemoryStore
from tests.adapters.teams.conftest import APP_ID, BOT_TOKEN, Bench, credentials, emulator, start
from tests.fakes.bf_connector import FakeChannelIssuer, FakeConnector
from tests.serving import eventually

pytestmark = pytest.mark.asyncio


def b64(part: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()


FORGED = ".".join([b64({"alg": "RS256", "typ": "JWT", "kid": "forged"}),
                   b64({"iss": "https://issuer.example", "aud": APP_ID, "exp": 4102444800}),
                   "c2lnbmF0dXJl"])


@pytest.mark.parametrize("authorization", [None, "Bearer garbage", "Bearer", "Basic abc",
                                           f"Bearer {FORGED}"])
async def test_with_credentials_a_missing_or_bad_token_gets_401(
        authorization: str | None, issuer: FakeChannelIssuer) -> None:
    async with FakeConnector(token=BOT_TOKEN) as fake, aiohttp.ClientSession() as http:
        server, runtime = await start(fake, credentials(), host="0.0.0.0")
        try:
            bench = Bench(str(server.make_url("")).rstrip("/"), http, fake, runtime,
                          notifiers_of(server.app)["teams"], server.app)
            headers = {"Authorization": authorization} if authorization else {}
            status = await bench.post(bench.activity("help"), headers=headers)
        finally:
            await server.close()
    assert status == 401
    assert fake.calls == []  # nothing was answered, nothing was asked
    assert runtime.bot.records.proposals() == []


async def test_in_emulator_mode_a_bad_token_still_gets_401(emulator_bench: Bench) -> None:
    bench = emulator_bench
    status = await bench.post(bench.activity("help"), headers={"Authorization": "Bearer x"})
    assert status == 401
    assert bench.fake.calls == []


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'{"text": "no type"}', b'"help"'])
async def test_a_malformed_body_gets_400(bench: Bench, body: bytes) -> None:
    async with bench.http.post(bench.url + "/api/messages", data=body,
                               headers={"Content-Type": "application/json"}) as response:
        assert response.status == 400
    assert bench.fake.calls == []


@pytest.mark.parametrize(("settings", "host", "why"), [
    (Settings(seminar="data/seminar.toml"), "127.0.0.1", "no MicrosoftAppId"),
    (Settings(seminar="data/seminar.toml"), "0.0.0.0", "no MicrosoftAppId"),
    (Settings(seminar="data/seminar.toml", env={"MicrosoftAppId": APP_ID,
                                                "MicrosoftAppTenantId": "t"}),
     "0.0.0.0", "without MicrosoftAppPassword"),
    (Settings(seminar="data/seminar.toml", env={"MicrosoftAppId": APP_ID,
                                                "MicrosoftAppPassword": "p"}),
     "0.0.0.0", "no tenant"),
    (emulator(), "0.0.0.0", "loopback"),
    (emulator(MicrosoftAppId=APP_ID), "127.0.0.1", "MicrosoftAppId"),
])
async def test_teams_is_off_and_says_why(settings: Settings, host: str, why: str,
                                         caplog: pytest.LogCaptureFixture) -> None:
    app = web.Application()
    app[BIND_HOST] = host
    runtime = Runtime.open(settings, store=MemoryStore())
    line = mount(app, runtime)
    assert line.startswith("teams: off")
    assert why in line
    assert TEAMS not in app
    assert not any(r.resource and r.resource.canonical == "/api/messages"
                   for r in app.router.routes())

    with caplog.at_level(logging.INFO, logger="ogpbot.server"):
        served = build_app(runtime, host)
    assert any(m.startswith("teams: off") for m in caplog.messages)
    assert TEAMS not in served


async def test_loopback_hosts() -> None:
    assert all(map(is_loopback, ["127.0.0.1", "localhost", "::1", "127.8.0.1", "[::1]"]))
    assert not any(map(is_loopback, ["0.0.0.0", "::", "10.0.0.5", "bot.example.org"]))


async def test_a_stalled_teams_request_does_not_hold_the_event_loop(
        bench: Bench, monkeypatch: pytest.MonkeyPatch) -> None:
    auth = bench.app[TEAMS].adapter.bot_framework_authentication
    real = auth.authenticate_request
    entered, gate = threading.Event(), threading.Event()

    async def slow_keys(activity: Any, header: str) -> Any:
        entered.set()
        gate.wait(10)  # as botbuilder's blocking key fetch would
        return await real(activity, header)

    monkeypatch.setattr(auth, "authenticate_request", slow_keys)
    teams = asyncio.create_task(bench.post(bench.activity("help")))
    assert await asyncio.to_thread(entered.wait, 10)

    async with bench.http.get(bench.url + "/healthz") as response:
        assert response.status == 200  # served while the Teams request is held
    assert not teams.done()

    gate.set()
    assert await asyncio.wait_for(teams, 30) == 201
    assert len(await bench.fake.wait_for_activities(1)) == 1


async def test_the_answer_comes_before_the_reply_while_the_connector_hangs(bench: Bench) -> None:
    """Teams wants its answer within seconds; a connector that does not answer (botbuilder then
    retries for a while) must not hold it. The reply still goes out once the connector is back."""
    bench.fake.hang(60, count=None)  # every call to the connector is held
    # the connector holds every call for 60 s: an answer that waited for one would not come
    status = await asyncio.wait_for(bench.post(bench.activity("help"), settle=False), 30)
    assert status == 201
    assert bench.fake.activities() == []  # answered before the reply could be sent
    # the turn goes on after the answer: its call to the connector arrives and is held
    await eventually(lambda: any(c.status is None for c in bench.fake.calls), within=30)

    bench.fake.release_hangs()
    [reply] = await bench.fake.wait_for_activities(1, within=30)
    assert reply.conversation_id == "a:1-dm-with-kari"
    await bench.settle()
    assert len(bench.fake.activities()) == 1


async def test_a_stopping_server_finishes_the_turns_it_acknowledged() -> None:
    async with FakeConnector() as fake, aiohttp.ClientSession() as http:
        server, runtime = await start(fake, emulator())
        bench = Bench(str(server.make_url("")).rstrip("/"), http, fake, runtime,
                      notifiers_of(server.app)["teams"], server.app)
        fake.hang(0.5, count=None)
        line = ("propose Open budgets | Hard to read | Publish | transparency | apne-data | kmd")
        assert await bench.post(bench.activity(line), settle=False) == 201
        await server.close()  # shutdown waits for the acknowledged turn
        assert [p.title for p in runtime.bot.records.proposals()] == ["Open budgets"]
        assert len(fake.activities()) == 1


async def test_a_burst_of_notices_to_a_hung_connector_does_not_delay_the_answer(
        bench: Bench) -> None:
    """The dispatcher may send dozens of notices at once; while they all wait on a connector
    that does not answer, Teams still gets its 201 for a new activity within seconds."""
    from adapters.teams.workers import NOTICE_WORKERS
    from bot.core.reply import Reply
    from tests.adapters.teams.conftest import CHANNEL, OLA

    await bench.say("help", user=OLA, conversation=CHANNEL, kind="channel")
    bench.fake.hang(60, count=None)
    notice = Reply(language="en", title="Your table")
    notices = [asyncio.create_task(bench.notifier.direct(OLA["id"], notice))
               for _ in range(20)]
    # every notice thread is now held by the connector
    await eventually(lambda: sum(c.status is None for c in bench.fake.calls) >= NOTICE_WORKERS)

    # the notices are held for 60 s: an answer that waited behind them would not come
    status = await asyncio.wait_for(bench.post(bench.activity("help"), settle=False), 30)
    assert status == 201

    bench.fake.release_hangs()
    bench.fake.clear_faults()
    await asyncio.wait_for(asyncio.gather(*notices, return_exceptions=True), 30)
    await bench.settle()


async def test_sent_again_after_a_503_an_activity_is_answered_once(
        bench: Bench, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first delivery's authentication is held until Teams has sent the activity again
    (after the 503 it got): the second is answered, and the first, let go then, runs no turn."""
    from adapters.teams import endpoint

    monkeypatch.setattr(endpoint, "AUTH_WAIT", 0.3)
    auth = bench.app[TEAMS].adapter.bot_framework_authentication
    real = auth.authenticate_request
    gate = threading.Event()
    seen: list[str] = []

    async def first_held(activity: Any, header: str) -> Any:
        seen.append(activity.id)
        if len(seen) == 1:
            gate.wait(30)  # until the same activity comes again
        else:
            gate.set()
        return await real(activity, header)

    monkeypatch.setattr(auth, "authenticate_request", first_held)
    posted = await bench.say("help")
    assert len(seen) == 2 and seen[0] == seen[1] == posted.reply_to_id
    await bench.settle()
    assert [p.reply_to_id for p in bench.fake.activities()] == [posted.reply_to_id]


async def test_an_activity_no_worker_can_authenticate_in_time_gets_503(
        bench: Bench, monkeypatch: pytest.MonkeyPatch) -> None:
    """Authentication held (a slow key fetch): Teams gets 503 to send the activity again,
    not a request left hanging, and the held activity does not run a turn later."""
    from adapters.teams import endpoint

    monkeypatch.setattr(endpoint, "AUTH_WAIT", 0.3)
    auth = bench.app[TEAMS].adapter.bot_framework_authentication
    real = auth.authenticate_request
    gate = threading.Event()

    async def slow_keys(activity: Any, header: str) -> Any:
        gate.wait(10)
        return await real(activity, header)

    monkeypatch.setattr(auth, "authenticate_request", slow_keys)
    # the key fetch is held for 10 s: an answer that waited for it would not come
    status = await asyncio.wait_for(bench.post(bench.activity("help"), settle=False,
                                               again_when_busy=False), 8)
    assert status == 503

    gate.set()
    await bench.settle()
    assert bench.fake.activities() == []  # Teams' retry runs the turn, not this one
