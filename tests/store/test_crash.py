"""A process killed in the middle of writing: the file still loads and every proposal that was
acknowledged is there."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from bot.store.tinydb_file import TinyDBStore
from tests.chat import CSO, LINE, SEMINAR_FILE

ACKS_BEFORE_KILL = 15
REGISTERED = re.compile(r"registrert som (P-\d+)")


def test_kill_during_a_burst_of_proposals(tmp_path: Path) -> None:
    db = tmp_path / "ogpbot.json"
    env = {**os.environ, "OGPBOT_DB": str(db), "OGPBOT_SEMINAR": str(SEMINAR_FILE)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "adapters.cli", "shell", "--user", CSO],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
        text=True, bufsize=1)
    assert proc.stdin is not None and proc.stdout is not None
    acknowledged: list[str] = []
    deadline = time.monotonic() + 60
    try:
        for n in range(1, 200):
            proc.stdin.write(f"propose Forslag nummer {n} | {LINE.split('|', 1)[1]}\n")
            proc.stdin.flush()
            # The reply's first line carries the number: the write is durable once it is read.
            while (line := proc.stdout.readline()) and not (m := REGISTERED.search(line)):
                pass
            assert line and m, "the shell stopped answering"
            acknowledged.append(m.group(1))
            if len(acknowledged) >= ACKS_BEFORE_KILL:
                # Send one more without waiting, so the kill lands in the middle of a write.
                proc.stdin.write(f"propose Siste | {LINE.split('|', 1)[1]}\n")
                proc.stdin.flush()
                break
            assert time.monotonic() < deadline
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    store = TinyDBStore(db)
    numbers = {f"P-{d['number']}" for d in store.all("proposals")}
    store.close()
    assert set(acknowledged) <= numbers
    assert len(acknowledged) == ACKS_BEFORE_KILL
