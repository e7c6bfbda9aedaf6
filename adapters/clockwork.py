"""Which clock `serve` runs on, said in one log line, and the test-only control that moves it.

`serve` runs on the real time. A rehearsal (`ogpbot rehearse`) runs on a clock started at a
moment of the seminar day, maybe faster (`adapters.rehearsal`). A test that runs `serve` as a
process of its own sets `OGPBOT_TEST_CLOCK` to a moment (ISO 8601 with its offset), optionally
followed by `@SPEED` (default 1; 0 stands still): the clock starts there, and
`POST /test/clock` with `{"at": ISO}`, `{"advance": SECONDS}` and/or `{"speed": N}` moves it
(`GET /test/clock` says where it is). A notice due when the clock is moved goes out then, so such
a test waits for what it expects, never for the real time to pass. A rehearsal started with the
setting keeps its own start and speed (`--from`, `--speed`) and is moved the same way (its
test sets the day up before the clock runs fast). Whoever can reach that
address could move the bot's time: `serve` refuses the setting on a host that is not loopback.
"""

from __future__ import annotations

import ipaddress
import json
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from bot.app.runtime import Runtime
from bot.core.clock import Clock, ScaledClock, SystemClock
from bot.core.settings import Settings

ROUTE = "/test/clock"
SETTING = "OGPBOT_TEST_CLOCK"


def parse_test_clock(value: str) -> ScaledClock:
    """The clock `OGPBOT_TEST_CLOCK` names; ValueError saying why when it names none."""
    moment, _, speed = value.partition("@")
    try:
        start = datetime.fromisoformat(moment.strip())
        rate = float(speed) if speed.strip() else 1.0
    except ValueError:
        raise ValueError(f"{SETTING} must be a moment such as 2026-12-01T08:55:00+01:00, "
                         f"optionally followed by @SPEED, not {value!r}") from None
    if start.tzinfo is None or not rate >= 0:
        raise ValueError(f"{SETTING} needs a moment with its offset and a speed of 0 or more, "
                         f"not {value!r}")
    return ScaledClock(start, rate)


def clock_of(settings: Settings) -> Clock:
    """The clock `serve` runs on: the real time, unless a test set `OGPBOT_TEST_CLOCK`."""
    return parse_test_clock(settings.test_clock) if settings.test_clock else SystemClock()


def _loopback(host: str) -> bool:
    name = host.strip("[]").lower().rstrip(".")
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def refusal(settings: Settings, host: str) -> str | None:
    """Why `serve` must not start with this test clock on `host`, or None."""
    if not settings.test_clock:
        return None
    try:
        parse_test_clock(settings.test_clock)
    except ValueError as exc:
        return f"{exc}."
    if not _loopback(host):
        return (f"{SETTING} lets whoever reaches {ROUTE} move the bot's time: it is for tests "
                f"on a loopback host only, not {host}.")
    return None


def mount(app: web.Application, runtime: Runtime) -> str:
    clock = runtime.clock
    if runtime.settings.test_clock and isinstance(clock, ScaledClock):
        app.router.add_get(ROUTE, _answer(clock, move=False))
        app.router.add_post(ROUTE, _answer(clock, move=True))
        return (f"clock: a test's, from {clock.now().isoformat()} at {clock.speed:g} times real "
                f"speed, moved by POST {ROUTE}")
    if runtime.seminar.rehearsal and isinstance(clock, ScaledClock):
        local = clock.now().astimezone(runtime.seminar.timezone)
        return (f"clock: a rehearsal's, from {local:%Y-%m-%d %H:%M} at {clock.speed:g} times "
                "real speed")
    return "clock: the real time"


def _answer(clock: ScaledClock, move: bool) -> Any:
    async def handle(request: web.Request) -> web.Response:
        if move:
            try:
                _move(clock, await request.json())
            except (ValueError, TypeError, KeyError, json.JSONDecodeError) as exc:
                return web.json_response({"error": str(exc)}, status=400)
        return web.json_response({"now": clock.now().isoformat(), "speed": clock.speed})

    return handle


def _move(clock: ScaledClock, body: Any) -> None:
    if not isinstance(body, dict) or not body.keys() & {"at", "advance", "speed"}:
        raise ValueError('expected {"at": ISO} or {"advance": SECONDS}, and/or {"speed": N}')
    if "at" in body:
        at = datetime.fromisoformat(str(body["at"]))
        if at.tzinfo is None:
            raise ValueError("the moment needs its offset")
        clock.set(at)
    if "advance" in body:
        clock.advance(timedelta(seconds=float(body["advance"])))
    if "speed" in body:
        clock.run_at(float(body["speed"]))
