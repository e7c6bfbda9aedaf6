"""What an operator watches, from outside: `ogpbot serve` as a real process, driven by signed
Slack slash commands, sending through the fake Slack Web API on loopback.

- `GET /metrics` parses with prometheus_client's own parser, and its counters move: commands
  by word, the acknowledgement and answer times, notices sent, store writes.
- `GET /readyz` answers 200 with every adapter that is on, beside `/healthz`.
- With `OGPBOT_LOG_FORMAT=json` every line of the log is one JSON object, and the request id of
  one `propose` (the `X-Request-Id` the server answered with) is on the notices it scheduled in
  the store and on the dispatcher's lines for each of their sends.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio
from prometheus_client.parser import text_string_to_metric_families

from tests import cast
from tests import serving as kit
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_signing import signed_headers, slash_command_body
from tests.notices.test_notices_e2e import DAY, DAY_BEFORE
from tests.serving import ServeProcess, eventually, outbox

TOKEN = "xoxb-ogpbot-ops"
SECRET = "ogpbot-ops-signing-secret"
CHANNEL = "C0SEMINAR"
PEOPLE = (cast.KARI, cast.INGRID, cast.ANDERS)
KARI, INGRID, ANDERS = (p.slack_id for p in PEOPLE)
PROPOSE = "propose Åpne logger | Lite innsyn | Publiser dem | transparency | innsyn | jd"


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeSlackAPI]:
    async with FakeSlackAPI() as api:
        for person in PEOPLE:
            api.add_user(person.slack_id, email=person.email)
        yield api


def _server(folder: Path, fake: FakeSlackAPI, **env: str) -> ServeProcess:
    tomorrow = DAY  # the servers' clocks start the day before (DAY_BEFORE)
    people = cast.roster(*PEOPLE, slack=True)
    (folder / "seminar.toml").write_text(cast.seminar_toml(
        tomorrow, [("09:00", "Velkommen", "talk")], ["1h"], people=people), encoding="utf-8")
    return ServeProcess({**os.environ, "OGPBOT_DB": str(folder / "ogpbot.json"),
                         "OGPBOT_SEMINAR": str(folder / "seminar.toml"),
                         "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET,
                         "SLACK_API_URL": fake.url, **kit.clock_env(DAY_BEFORE), **env},
                        folder / "serve.log",
                        start_within=30.0)


async def _slash(http: aiohttp.ClientSession, server: ServeProcess, fake: FakeSlackAPI,
                 user: str, text: str) -> str:
    """Send one signed slash command; return the request id the server answered with."""
    body = slash_command_body(text, user_id=user, channel_id=CHANNEL, channel_name="seminar",
                              response_url=fake.response_url(text))
    async with http.post(f"{server.url}/slack/events", data=body,
                         headers=signed_headers(SECRET, body)) as answer:
        assert answer.status == 200, await answer.text()
        return answer.headers["X-Request-Id"]


async def _samples(http: aiohttp.ClientSession, server: ServeProcess) -> dict[tuple, float]:
    """Every sample of /metrics, by (name, sorted labels), parsed by Prometheus' own parser."""
    async with http.get(f"{server.url}/metrics") as answer:
        assert answer.status == 200
        assert answer.headers["Content-Type"].startswith("text/plain")
        text = await answer.text()
    out: dict[tuple, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


async def _scrape_until(http: aiohttp.ClientSession, server: ServeProcess,
                        done: Callable[[dict[tuple, float]], bool],
                        within: float = 20.0) -> dict[tuple, float]:
    deadline = time.monotonic() + within
    while True:
        samples = await _samples(http, server)
        if done(samples) or time.monotonic() > deadline:
            return samples
        await asyncio.sleep(0.05)


def _value(samples: dict[tuple, float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.mark.asyncio
async def test_metrics_parse_and_move_with_commands_and_readyz_names_the_adapters(
        fake: FakeSlackAPI, tmp_path: Path) -> None:
    server = _server(tmp_path, fake)
    async with aiohttp.ClientSession() as http:
        try:
            await server.start(http)
            async with http.get(f"{server.url}/readyz") as answer:
                assert answer.status == 200
                ready = await answer.json()
            assert ready["status"] == "ready"
            assert {"slack", "notices", "public record", "metrics", "retention"} <= set(ready["on"])

            before = await _samples(http, server)
            assert before[("ogpbot_inbox_depth", ())] == 0  # nothing acknowledged and not done
            await _slash(http, server, fake, ANDERS, "help")
            await _slash(http, server, fake, ANDERS, "help")
            await _slash(http, server, fake, ANDERS, "fly me to the moon")
            await _slash(http, server, fake, ANDERS, PROPOSE)
            told = 2  # the coordinator and the responsible ministry's one person
            await eventually(lambda: len(fake.calls_to("chat.postMessage")) >= told)

            after = await _scrape_until(http, server, lambda s: (
                _value(s, "ogpbot_notices_sent_total", platform="slack") >= told
                and _value(s, "ogpbot_answer_seconds_count", platform="slack") >= 4
                and _value(s, "ogpbot_inbox_depth") == 0))
        finally:
            server.stop()

    def moved(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert moved("ogpbot_commands_total", platform="slack", word="help", outcome="ok") == 2
    assert moved("ogpbot_commands_total", platform="slack", word="unknown",
                 outcome="refused") == 1
    assert moved("ogpbot_commands_total", platform="slack", word="propose", outcome="ok") == 1
    assert moved("ogpbot_ack_seconds_count", platform="slack") == 4
    assert moved("ogpbot_answer_seconds_count", platform="slack") == 4
    assert moved("ogpbot_notices_sent_total", platform="slack") == told
    assert moved("ogpbot_store_write_seconds_count") >= 3  # the proposal, two notices sent
    assert moved("ogpbot_http_responses_total", route="/slack/events", code="200") == 4
    assert _value(after, "ogpbot_notices", state="pending") == 1  # tomorrow's agenda item
    assert _value(after, "ogpbot_notices", state="failed") == 0
    assert _value(after, "process_resident_memory_bytes") > 0
    assert _value(after, "ogpbot_inbox_depth") == 0  # every acknowledged request answered


@pytest.mark.asyncio
async def test_json_log_follows_one_command_to_the_sends_of_its_notices(
        fake: FakeSlackAPI, tmp_path: Path) -> None:
    server = _server(tmp_path, fake, OGPBOT_LOG_FORMAT="json")
    async with aiohttp.ClientSession() as http:
        try:
            await server.start(http)
            await _slash(http, server, fake, KARI, "help")
            rid = await _slash(http, server, fake, ANDERS, PROPOSE)
            await eventually(lambda: sum(d["state"] == "sent"
                                         for d in outbox(tmp_path).values()) >= 2)
        finally:
            server.stop()
    scheduled = [d for d in outbox(tmp_path).values() if d["key"].startswith("proposal:")]
    assert len(scheduled) == 2
    assert {d["request_id"] for d in scheduled} == {rid}

    lines = tmp_path.joinpath("serve.log").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines if line.strip()]  # every line is JSON
    assert all({"time", "level", "logger", "message"} <= set(r) for r in records)
    assert any(r["message"].startswith("listening on http://127.0.0.1:") for r in records)
    sends = [r for r in records if r["logger"] == "ogpbot.dispatcher"
             and r["message"].startswith("sent a notice (proposal")]
    assert len(sends) == 2
    assert {r.get("request_id") for r in sends} == {rid}
    assert all(r.get("request_id") != rid for r in records
               if r["logger"] == "ogpbot.dispatcher" and r not in sends)


def test_serve_refuses_an_unknown_log_format(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "adapters.cli", "serve"], cwd=kit.ROOT,
                          env={**os.environ, "OGPBOT_LOG_FORMAT": "yaml",
                               "OGPBOT_DB": str(tmp_path / "db.json")},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "OGPBOT_LOG_FORMAT must be text or json, not 'yaml'" in done.stderr
    assert not (tmp_path / "db.json").exists()
