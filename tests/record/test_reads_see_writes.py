"""Reads see writes, through the real `ogpbot serve`: the moment a proposer is told "P-N", the
proposal is on `/`, in `/api/proposals` and at `/proposals/P-N`, every time, however quickly
the reader asks; and a reader who comes when nothing was written gets the page the server
already has (the same ETag, no new drawing)."""

from __future__ import annotations

import re
from pathlib import Path

import aiohttp
import pytest

from tests.fakes.slack_api import FakeSlackAPI
from tests.notices.test_notices_e2e import ANDERS, DAY, Server, seminar_toml
from tests.notices.test_notices_e2e import (
    fake as fake,  # the fixture: the fake Slack and its people
)
from tests.serving import eventually

pytestmark = pytest.mark.asyncio
REF = re.compile(r"\bP-(\d+)\b")
LINE = "| Lite innsyn | Publiser dem | transparency | innsyn | jd"


async def test_a_proposer_told_p_n_finds_it_on_every_public_answer_at_once(
        fake: FakeSlackAPI, tmp_path: Path) -> None:
    day = DAY  # the server's clock starts the day before (DAY_BEFORE)
    (tmp_path / "seminar.toml").write_text(seminar_toml(day, [("09:00", "Velkommen", "talk")],
                                                        ["1h"]), encoding="utf-8")
    server = Server(tmp_path, fake)
    try:
        await server.start()
        async with aiohttp.ClientSession() as http:
            for n in range(1, 6):
                words = f"propose Lest straks {n} {LINE}"
                await server.slash(fake, ANDERS, words)

                def told(words: str = words) -> list[str]:
                    return [str(c.args.get("text")) for c in fake.calls_to("response_url")
                            if c.path.endswith("/" + words)]

                await eventually(lambda: bool(told()), within=20)
                found = REF.search(told()[0])
                assert found is not None
                number = int(found.group(1))
                # At once, and in any order: each answer holds what its reader was told.
                async with http.get(f"{server.url}/api/proposals") as answer:
                    listed = {p["number"]: p["title"] for p in (await answer.json())["proposals"]}
                assert listed.get(number) == f"Lest straks {n}"
                async with http.get(f"{server.url}/proposals/P-{number}") as answer:
                    assert answer.status == 200
                    assert f"Lest straks {n}" in await answer.text()
                async with http.get(f"{server.url}/") as answer:
                    assert f"P-{number}" in await answer.text()

            # Nothing written since: the page the server has, as it is.
            async with http.get(f"{server.url}/") as first, http.get(f"{server.url}/") as again:
                assert first.headers["ETag"] == again.headers["ETag"]
    finally:
        server.stop()
