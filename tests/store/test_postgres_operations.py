"""`ogpbot backup`, `restore`, `people show` and `people forget` on PostgreSQL as on a TinyDB
file, run as the commands they are against a real database whose address carries a password:
a backup is a TinyDB file holding what the database holds, a restore puts it back (keeping what
it replaced), a person is shown and erased; `restore` and `forget` are refused while `ogpbot
serve` uses the database, and nothing changes; the password is never printed or logged, not
even where the address does not parse."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg

from bot.core.command import Command, Place, Speaker
from bot.store.contract import Doc, Store
from bot.store.postgres import PostgresStore
from bot.store.tinydb_file import TinyDBStore
from bot.store.transfer import snapshot
from tests.chat import COORDINATOR, SEMINAR_FILE, Chat
from tests.serving import ROOT, ServeProcess

SECRET = "Hemmelig-pw-42"
EMAIL, NAME, SLACK_ID = "siri@ngo.example.org", "Siri Solberg", "U0SIRI"


def with_password(url: str) -> str:
    """The test database's address with a password in it (the test cluster trusts anyone, so
    any password opens it; what matters is where it shows up)."""
    assert url.startswith("postgresql://ogpbot@")
    return url.replace("ogpbot@", f"ogpbot:{SECRET}@", 1)


def _world(url: str) -> None:
    """Siri (not on the roster) proposes twice; the coordinator declines the first."""
    chat = Chat(store=PostgresStore(url))
    siri = Speaker("slack", SLACK_ID, name=NAME, email=EMAIL)
    for words in ("propose Åpne budsjett | Lite innsyn | Publiser tallene | transparency | "
                  "innsyn | jd",
                  "propose Åpne styrereferater | Lukket | Publiser dem | transparency | "
                  "innsyn | jd | Grasrota"):
        reply = chat.bot.handle(Command(siri, Place("slack", "D0SIRI", is_direct=True),
                                        words=words))
        assert reply.ok, reply.text
    assert chat.say(COORDINATOR, "decide P-1 exclude Dekket av P-2").ok
    chat.store.close()


def _env(url: str) -> dict[str, str]:
    return {**os.environ, "OGPBOT_DB": url, "OGPBOT_SEMINAR": str(SEMINAR_FILE)}


class Ogpbot:
    """The `ogpbot` command, every word it printed kept (to look for the password in)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.printed: list[str] = []

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([sys.executable, "-m", "adapters.cli", *args], cwd=ROOT,
                              env=self.env, capture_output=True, text=True, timeout=120,
                              check=False)
        self.printed.append(done.stdout + done.stderr)
        return done


def _read(store: Store) -> dict[str, dict[str, Doc]]:
    """Everything in `store` (opened read-only just for this), by collection and key."""
    try:
        return snapshot(store)
    finally:
        store.close()


def _database(url: str) -> dict[str, dict[str, Doc]]:
    return _read(PostgresStore(url, readonly=True))


def _file(path: Path) -> dict[str, dict[str, Doc]]:
    return _read(TinyDBStore(path, readonly=True))


def test_backup_restore_show_and_forget_work_on_postgresql(tmp_path: Path, pg_url: str) -> None:
    url = with_password(pg_url)
    _world(url)
    ogpbot = Ogpbot(_env(url))
    copy = tmp_path / "copy.json"

    saved = ogpbot("backup", str(copy))
    assert saved.returncode == 0, saved.stderr
    as_it_was = _database(url)
    assert _file(copy) == as_it_was and len(as_it_was["proposals"]) == 2

    later = PostgresStore(url)
    later.put("written_later", "1", {"note": "skrevet etter kopien"})
    later.close()

    shown = ogpbot("people", "show", EMAIL)
    assert shown.returncode == 0, shown.stderr
    found = json.loads(shown.stdout)
    assert found["names"] == [NAME] and SLACK_ID in found["platform_ids"]
    assert sorted(d["key"] for d in found["stored"]["proposals"]) == ["1", "2"]

    put_back = ogpbot("restore", str(copy))
    assert put_back.returncode == 0, put_back.stderr
    assert _database(url) == as_it_was
    aside = Path(f"{copy}.before-restore")
    assert "written_later" in _file(aside), put_back.stderr
    assert str(aside) in put_back.stderr

    erased = ogpbot("people", "forget", EMAIL)
    assert erased.returncode == 0, erased.stderr
    assert json.loads(erased.stdout)["deleted"]["people"] == 1
    now = json.dumps(_database(url), ensure_ascii=False)
    assert NAME not in now and EMAIL not in now and SLACK_ID not in now
    assert len(_database(url)["proposals"]) == 2  # her proposals stay
    gone = ogpbot("people", "show", EMAIL)
    assert gone.returncode == 1 and f"nobody with the e-mail address {EMAIL}" in gone.stderr

    assert not [out for out in ogpbot.printed if SECRET in out]


def test_restore_and_forget_are_refused_while_serve_uses_the_database(
        tmp_path: Path, pg_url: str) -> None:
    url = with_password(pg_url)
    _world(url)
    ogpbot = Ogpbot(_env(url))
    copy = tmp_path / "copy.json"
    assert ogpbot("backup", str(copy)).returncode == 0
    extra = PostgresStore(url)
    extra.put("written_later", "1", {"note": "skrevet etter kopien"})
    extra.close()
    before = _database(url)

    server = ServeProcess(_env(url), tmp_path / "serve.log", start_within=60.0)
    asyncio.run(server.start())
    try:
        restoring = ogpbot("restore", str(copy))
        forgetting = ogpbot("people", "forget", EMAIL)
        shown = ogpbot("people", "show", EMAIL)  # reading works beside the server
        saved = ogpbot("backup", str(tmp_path / "beside.json"))
    finally:
        server.stop()
    for refused in (restoring, forgetting):
        assert refused.returncode == 1
        assert "is in use by a running `ogpbot serve`" in refused.stderr, refused.stderr
        assert "nothing was changed" in refused.stderr
    after = _database(url)  # (serve works on its notices meanwhile: they are left out)
    for kept in ("proposals", "people", "person_ids", "written_later"):
        assert after[kept] == before[kept], kept
    assert not Path(f"{copy}.before-restore").exists()
    assert shown.returncode == 0 and NAME in shown.stdout
    assert saved.returncode == 0
    assert _file(tmp_path / "beside.json")["proposals"] == before["proposals"]

    # Once the server stopped, its hold on the database is gone with it.
    again = ogpbot("restore", str(copy))
    assert again.returncode == 0, again.stderr
    assert "written_later" not in _database(url)

    log = (tmp_path / "serve.log").read_text(encoding="utf-8")
    assert "postgresql://ogpbot@" in log  # serve names its store by the label
    assert SECRET not in log
    assert not [out for out in ogpbot.printed if SECRET in out]


def test_an_address_that_does_not_parse_is_refused_without_its_password(
        tmp_path: Path, pg_url: str) -> None:
    folder = pg_url.split("host=", 1)[1]
    for name in ("b.json", "src.json"):  # a backup to restore, a store to move
        TinyDBStore(tmp_path / name).close()
    for broken in (f"postgresql://ogpbot:pa%zz{SECRET}@/tests?host={folder}",
                   f"postgresql://ogpbot:{SECRET} x@/tests?host={folder}"):
        ogpbot = Ogpbot(_env(broken))
        for args in (("backup", str(tmp_path / "b.json")), ("people", "show", EMAIL),
                     ("export", "--format", "json"), ("restore", str(tmp_path / "b.json"))):
            refused = ogpbot(*args)
            assert refused.returncode != 0, args
        moved = Ogpbot(_env(str(tmp_path / "src.json")))("migrate-store", "--to", broken)
        assert moved.returncode != 0
        printed = [*ogpbot.printed, moved.stdout + moved.stderr]
        assert not [out for out in printed if SECRET in out], printed


def test_a_backup_made_before_the_inbox_had_a_table_restores_into_it(tmp_path: Path,
                                                                      pg_url: str) -> None:
    """A backup is a TinyDB file, whichever ogpbot wrote it: its inbox and outbox go into the
    tables of their own (schema 4), claimable as before, and back out alike."""
    from bot.store import backup

    old = tmp_path / "before.json"
    file = TinyDBStore(old)
    file.put("inbox", "slack:command:T1", {"key": "slack:command:T1", "state": "received",
                                           "ready_at": 100.0})
    file.put("outbox", "n1", {"key": "n1", "state": "pending", "for_person": "kari",
                              "ready_at": 10.0})
    file.put("proposals", "1", {"n": 1})
    file.close()
    assert backup.restore(pg_url, str(old)).documents == 3
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT key FROM ogpbot_inbox").fetchall() == [("slack:command:T1",)]
        assert conn.execute("SELECT key FROM ogpbot_outbox").fetchall() == [("n1",)]
        assert conn.execute("SELECT collection FROM ogpbot_documents").fetchall() == [
            ("proposals",)]
    store = PostgresStore(pg_url)
    try:
        assert [k for k, _ in store.claim("inbox", "a", 100.0, 10.0, 5)] == ["slack:command:T1"]
        assert store.find("outbox", state="pending", for_person="kari") != []
    finally:
        store.close()
    again = tmp_path / "after.json"
    assert backup.backup(pg_url, str(again)) == 3
    before, after = TinyDBStore(old, readonly=True), TinyDBStore(again, readonly=True)
    try:
        assert snapshot(after) == snapshot(before)
    finally:
        before.close()
        after.close()
