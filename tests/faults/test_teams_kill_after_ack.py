"""SIGKILL of `ogpbot serve` (Teams, in emulator mode) after it acknowledged five one-line
proposals with 201, while the connector held every reply back: Teams does not send an
acknowledged activity again. After the restart each proposal exists once, and the person is
told each number by DM (there is no turn to answer in after a restart), saying it is late."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.store.tinydb_file import TinyDBStore
from tests.fakes.bf_connector import FakeConnector
from tests.notices.test_notices_e2e import DAY
from tests.notices.test_notices_teams_e2e import (
    ANDERS,
    BOT,
    CHANNEL,
    MENTION,
    TENANT,
    TeamsServer,
    dm,
    seminar_toml,
    words,
)
from tests.serving import answered, eventually

pytestmark = pytest.mark.asyncio
LINE = "| Lite innsyn | Publiser dem | transparency | innsyn | jd"
COUNT = 5


def titles(folder: Path) -> list[str]:
    store = TinyDBStore(folder / "ogpbot.json", readonly=True)
    try:
        return sorted(d["title"] for d in store.all("proposals"))
    finally:
        store.close()


def activity(fake: FakeConnector, n: int, text: str) -> dict[str, Any]:
    return {
        "type": "message", "id": f"kill-{n}", "serviceUrl": fake.url, "channelId": "msteams",
        "from": ANDERS, "recipient": BOT, "locale": "nb-NO",
        "text": f"<at>ogpbot</at> {text}", "entities": [MENTION],
        "conversation": {"id": f"{CHANNEL};messageid=k{n}", "conversationType": "channel",
                         "isGroup": True, "tenantId": TENANT},
        "channelData": {"tenant": {"id": TENANT}, "channel": {"id": CHANNEL}},
    }


async def test_teams_activities_acknowledged_before_a_kill_are_done_and_answered_by_dm(
        tmp_path: Path) -> None:
    tomorrow = DAY  # the servers' clocks start the day before (DAY_BEFORE)
    (tmp_path / "seminar.toml").write_text(seminar_toml(
        tomorrow, [("09:00", "Velkommen", "talk")], ["1h"]), encoding="utf-8")
    async with FakeConnector() as fake:
        server = TeamsServer(tmp_path, fake)
        try:
            await server.start()
            assert "propose" in words(await server.say(ANDERS, "help"))
            fake.hang(60, count=None)  # every reply is held: the turns never finish
            async with aiohttp.ClientSession() as http:
                for n in range(COUNT):
                    async with http.post(f"{server.url}/api/messages", json=activity(
                            fake, n, f"propose Teams-forslag {n} {LINE}")) as answer:
                        assert answer.status == 201
            await eventually(lambda: len(titles(tmp_path)) == COUNT, within=30)
            server.kill()
            fake.clear_faults()
            await server.start()
            await eventually(lambda: sum("kommer sent" in text
                                         for text in map(words, fake.activities_to(dm(ANDERS))))
                             >= COUNT, within=60)
            # every request answered, as the store says: nothing of them is left to happen
            await eventually(lambda: answered(tmp_path), within=30)
        finally:
            server.stop(grace=30)
        late = [words(p) for p in fake.activities_to(dm(ANDERS)) if "kommer sent" in words(p)]
    assert titles(tmp_path) == sorted(f"Teams-forslag {n}" for n in range(COUNT))
    told = sorted(int(m.group(1)) for text in late for m in [re.search(r"P-(\d+)", text)] if m)
    assert told == list(range(1, COUNT + 1))
