"""SIGKILL of `ogpbot serve` during a burst of 50 proposals sent as signed Slack slash commands.

The Slack ack comes before the work, so "acknowledged" here means what the person saw: the
confirmation with their `P-N` that the bot posted to the command's response_url. Every proposal
whose confirmation went out is in the store after the kill, with the title it was sent with,
and the store (file and journal) loads; a restarted server answers `status` for each."""

from __future__ import annotations

import asyncio
import contextlib
import re
from pathlib import Path

import aiohttp
import pytest

from bot.store.tinydb_file import TinyDBStore
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_signing import signed_headers, slash_command_body
from tests.notices.test_notices_e2e import ANDERS, CHANNEL, DAY, SECRET, Server, seminar_toml
from tests.notices.test_notices_e2e import (
    fake as fake,  # the fixture: the fake Slack and its people
)
from tests.serving import eventually

pytestmark = pytest.mark.asyncio
BURST = 50
KILL_AFTER = 15  # confirmations seen before the kill
REF = re.compile(r"\bP-(\d+)\b")


def confirmations(fake: FakeSlackAPI) -> dict[str, int]:
    """rid -> the P-N the bot told the proposer, from what reached the response_urls."""
    told = {}
    for call in list(fake.calls):
        if call.method != "response_url" or not call.path.rsplit("/", 1)[-1].startswith("b"):
            continue
        found = REF.search(str(call.args.get("text", "")))
        if found:
            told[call.path.rsplit("/", 1)[-1]] = int(found.group(1))
    return told


async def test_every_confirmed_proposal_survives_a_kill(fake: FakeSlackAPI,
                                                        tmp_path: Path) -> None:
    tomorrow = DAY  # the servers' clocks start the day before (DAY_BEFORE)
    (tmp_path / "seminar.toml").write_text(seminar_toml(
        tomorrow, [("09:00", "Velkommen", "talk")], ["1h"]), encoding="utf-8")
    server = Server(tmp_path, fake)
    try:
        await server.start()
        async with aiohttp.ClientSession() as http:

            async def propose(n: int) -> None:
                body = slash_command_body(
                    f"propose Forslag {n} | Lite innsyn | Publiser dem | transparency | "
                    "innsyn | jd", user_id=ANDERS, channel_id=CHANNEL, channel_name="seminar",
                    response_url=fake.response_url(f"b{n}"))
                # The server may die under this request: that is the point.
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.post(f"{server.url}/slack/events", data=body,
                                         headers=signed_headers(SECRET, body)) as answer:
                        await answer.read()

            burst = [asyncio.create_task(propose(n)) for n in range(BURST)]
            await eventually(lambda: len(confirmations(fake)) >= KILL_AFTER, within=30)
            server.kill()
            told = confirmations(fake)
            await asyncio.wait(burst, timeout=10)
        assert KILL_AFTER <= len(told) < BURST  # the kill landed in the middle of the burst

        store = TinyDBStore(tmp_path / "ogpbot.json", readonly=True)  # file + journal load
        try:
            stored = {d["number"]: d["title"] for d in store.all("proposals")}
        finally:
            store.close()
        for rid, number in told.items():
            assert stored.get(number) == f"Forslag {rid[1:]}", (rid, number)
        assert len(set(told.values())) == len(told)  # no number given twice

        fake.clear_calls()
        await server.start()
        number = max(told.values())
        body = slash_command_body(f"P-{number}", command="/status", user_id=ANDERS,
                                  channel_id=CHANNEL, response_url=fake.response_url("after"))
        async with aiohttp.ClientSession() as http, http.post(
                f"{server.url}/slack/events", data=body,
                headers=signed_headers(SECRET, body)) as answer:
            assert answer.status == 200
        await eventually(lambda: any(c.path.endswith("/after")
                                     for c in fake.calls_to("response_url")), within=20)
        [call] = [c for c in fake.calls_to("response_url") if c.path.endswith("/after")]
        assert f"P-{number}" in str(call.args.get("text"))
    finally:
        server.stop()
