"""A TinyDB compaction cut short by a crash at each of its steps, for real: a process folds
the journal into the file while another write queues behind it, and ends itself (`os._exit`,
no clean-up) at the step named. Whatever step it died at, the store opened again (read-only,
as `backup` and `export` open it, and for writing) holds every write that returned, and never
an older version of a document beside a newer one: the proposal counter is always past the
highest proposal stored."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.store.tinydb_file import TinyDBStore
from tests.serving import ROOT

CRASHED = 17
STEPS = ["appended", "queued-appended", "temp-written", "temp-synced", "replaced",
         "folder-synced", "journal-emptied", "journal-synced"]

# Runs in a process of its own: P-1 is stored and acknowledged; then P-2 is written while
# the journal is due to be folded, and P-3 queues behind it just before the fold begins.
WRITER = """
import os, sys, threading, time
from bot.store import durable, tinydb_file
path, crash_at, CRASHED = sys.argv[1], sys.argv[2], int(sys.argv[3])
store = tinydb_file.TinyDBStore(path)
store.put("counters", "proposals", {"next": 2})
store.put("proposals", "P-1", {"number": 1, "text": "x" * 200})

def third():
    with store.transaction():
        store.put("proposals", "P-3", {"number": 3})
        store.put("counters", "proposals", {"next": 4})

queued = []
def hook(step):
    if step == "appended" and not queued and step != crash_at:
        before = store._queued
        queued.append(threading.Thread(target=third, daemon=True))
        queued[0].start()
        while store._queued == before:
            time.sleep(0.001)
    if step == crash_at:
        os._exit(CRASHED)

durable.STEP_HOOK = hook
tinydb_file.COMPACT_MIN_BYTES = 0  # the next group write folds the journal into the file
with store.transaction():
    store.put("proposals", "P-2", {"number": 2})
    store.put("counters", "proposals", {"next": 3})
os._exit(0)
"""


def consistent(store: TinyDBStore) -> int:
    """The store's proposal numbers hold together; returns the counter."""
    numbers = sorted(d["number"] for d in store.all("proposals"))
    counter = store.get("counters", "proposals")
    assert counter is not None and numbers, "the acknowledged P-1 was lost"
    assert numbers[0] == 1 and numbers == list(range(1, len(numbers) + 1)), numbers
    assert counter["next"] == numbers[-1] + 1, (
        f"the counter went back to {counter['next']} while P-{numbers[-1]} exists")
    return int(counter["next"])


@pytest.mark.parametrize("step", STEPS)
def test_a_crash_at_any_step_of_a_compaction_loses_and_regresses_nothing(
        tmp_path: Path, step: str) -> None:
    path = tmp_path / "ogpbot.json"
    done = subprocess.run([sys.executable, "-c", WRITER, str(path), step, str(CRASHED)], cwd=ROOT,
                          capture_output=True, timeout=60)
    assert done.returncode == CRASHED, done.stderr.decode()

    readonly = TinyDBStore(path, readonly=True)  # as `ogpbot backup` reads it meanwhile
    try:
        seen = consistent(readonly)
    finally:
        readonly.close()
    store = TinyDBStore(path)
    try:
        assert consistent(store) == seen
        assert not list(tmp_path.glob(".ogpbot.json.*.tmp"))  # what the crash left is gone
        store.put("proposals", f"P-{seen}", {"number": seen})
        store.put("counters", "proposals", {"next": seen + 1})
    finally:
        store.close()
    again = TinyDBStore(path, readonly=True)
    try:
        assert consistent(again) == seen + 1
    finally:
        again.close()
