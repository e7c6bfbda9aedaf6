"""`ogpbot serve`: one server that starts, answers /healthz, and logs a line per adapter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.chat import SEMINAR_FILE
from tests.serving import free_port


def wait_for(url: str, within: float = 20.0) -> bytes:
    deadline = time.monotonic() + within
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.read()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_serve_answers_healthz(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "OGPBOT_DB": str(tmp_path / "db.json"),
           "OGPBOT_SEMINAR": str(SEMINAR_FILE)}
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "MicrosoftAppId"):
        env.pop(name, None)
    proc = subprocess.Popen([sys.executable, "-m", "adapters.cli", "serve", "--port", str(port)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        body = wait_for(f"http://127.0.0.1:{port}/healthz")
        assert json.loads(body) == {"status": "ok"}
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=20)
    assert f"listening on http://127.0.0.1:{port}" in err
