"""`ogpbot serve`: one server that starts, answers /healthz, and logs a line per adapter."""

from __future__ import annotations

import os
from pathlib import Path

import aiohttp
import pytest

from tests.chat import SEMINAR_FILE
from tests.serving import ServeProcess


@pytest.mark.asyncio
async def test_serve_answers_healthz(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items()
           if k not in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "MicrosoftAppId")}
    server = ServeProcess({**env, "OGPBOT_DB": str(tmp_path / "db.json"),
                           "OGPBOT_SEMINAR": str(SEMINAR_FILE)}, tmp_path / "serve.log")
    try:
        await server.start()
        async with aiohttp.ClientSession() as http, \
                http.get(f"{server.url}/healthz") as answer:
            assert answer.status == 200 and await answer.json() == {"status": "ok"}
    finally:
        server.stop()
    log = server.log.read_text()
    assert f"listening on http://127.0.0.1:{server.port}" in log
    assert "clock: the real time" in log
