"""`ogpbot migrate-store --to URL`, run as the command it is: a seminar's TinyDB file moves into
PostgreSQL (and back into a new file), every document alike in both; the export and the shell
then read the same seminar from the database; a database that already holds records is
refused, and nothing is written to it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bot.app.frontdoor import OgpBot
from bot.core.clock import FakeClock
from bot.core.command import Command, Place, Speaker
from bot.core.seminar import load_seminar
from bot.store.postgres import PostgresStore
from bot.store.tinydb_file import TinyDBStore
from bot.store.transfer import snapshot
from tests import cast
from tests.notice_kit import oslo

ROOT = Path(__file__).resolve().parents[2]
SEMINAR = str(ROOT / "data" / "seminar.toml")
COORDINATOR = Speaker("slack", cast.KARI.slack_id, email=cast.KARI.email)
LINE = "| Lite innsyn | Publiser loggene | transparency | innsyn | jd"


def ogpbot(db: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {"OGPBOT_DB": db, "OGPBOT_SEMINAR": SEMINAR, "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "adapters.cli", *args], cwd=ROOT, env=env,
                          input=stdin, capture_output=True, text=True, timeout=120, check=False)


def seminar_file(path: Path) -> None:
    """A TinyDB store as a seminar leaves it: proposals, people, a channel, notices."""
    store = TinyDBStore(path)
    bot = OgpBot(load_seminar(SEMINAR), store, FakeClock(oslo(2026, 11, 20, 10, 0)))
    person = Speaker("slack", cast.ANDERS.slack_id, name=cast.ANDERS.first_name)
    for n in range(3):
        assert bot.handle(Command(person, Place("slack", "D0A", is_direct=True),
                                  words=f"propose Forslag {n} {LINE}")).ok
    assert bot.handle(Command(COORDINATOR, Place("slack", "C0SEMINAR", name="seminar"),
                              words="channel here")).ok
    store.close()


def test_a_tinydb_store_moves_into_postgresql_and_back(tmp_path: Path, pg_url: str) -> None:
    source = tmp_path / "ogpbot.json"
    seminar_file(source)
    moved = ogpbot(str(source), "migrate-store", "--to", pg_url)
    assert moved.returncode == 0, moved.stderr
    assert "proposals: 3" in moved.stdout and "leste dem tilbake like fra begge" in moved.stderr

    original = TinyDBStore(source, readonly=True)
    database = PostgresStore(pg_url, readonly=True)
    try:
        assert snapshot(database) == snapshot(original)
        assert set(snapshot(database)) >= {"proposals", "people", "outbox", "counters"}
    finally:
        original.close()
        database.close()

    # The seminar reads the same from the database as from the file.
    from_file = ogpbot(str(source), "export", "--format", "json")
    from_db = ogpbot(pg_url, "export", "--format", "json")
    assert from_file.returncode == from_db.returncode == 0, from_db.stderr
    exported = [{**json.loads(out.stdout), "exported_at": None} for out in (from_file, from_db)]
    assert exported[0] == exported[1] and len(exported[1]["proposals"]) == 3
    shell = ogpbot(pg_url, "shell", "--user", cast.ANDERS.email, stdin="status P-3\n")
    assert shell.returncode == 0 and "Forslag 2" in shell.stdout

    # And back again, into a new file.
    back = tmp_path / "back.json"
    assert ogpbot(pg_url, "migrate-store", "--to", str(back)).returncode == 0
    again = TinyDBStore(back, readonly=True)
    database = PostgresStore(pg_url, readonly=True)
    try:
        assert snapshot(again) == snapshot(database)
    finally:
        again.close()
        database.close()


def test_a_database_that_holds_records_is_refused(tmp_path: Path, pg_url: str) -> None:
    source = tmp_path / "ogpbot.json"
    seminar_file(source)
    store = PostgresStore(pg_url)
    store.put("proposals", "1", {"title": "Et annet seminar"})
    store.close()
    refused = ogpbot(str(source), "migrate-store", "--to", pg_url)
    assert refused.returncode == 1
    assert "already holds ogpbot records" in refused.stderr
    assert "Traceback" not in refused.stderr
    store = PostgresStore(pg_url, readonly=True)
    try:
        assert store.collections() == ["proposals"]
    finally:
        store.close()
