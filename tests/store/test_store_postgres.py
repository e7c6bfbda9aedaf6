"""What only the PostgreSQL store promises, against a real server: its schema is created and
upgraded by versioned migrations (once, whoever starts first), a newer schema is refused, a
read-only store writes nothing, transactions that collide are told apart and run again, and
proposal numbers taken by several processes at once are unique and have no gaps."""

from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path

import psycopg
import pytest

from bot.app.frontdoor import OgpBot
from bot.core.clock import SystemClock
from bot.core.command import Command, Place, Speaker
from bot.core.seminar import load_seminar
from bot.store import pg_schema
from bot.store.contract import Conflict, StoreError
from bot.store.postgres import PostgresStore, label_of

SEMINAR = str(Path(__file__).resolve().parents[2] / "data" / "seminar.toml")


def versions(url: str) -> list[int]:
    with psycopg.connect(url) as conn:
        return [r[0] for r in conn.execute("SELECT version FROM ogpbot_schema ORDER BY 1")]


def test_the_schema_is_created_once_by_whoever_opens_first(pg_url: str) -> None:
    opened: list[PostgresStore] = []
    failures: list[BaseException] = []

    def open_one() -> None:
        try:
            opened.append(PostgresStore(pg_url))
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert versions(pg_url) == [m.version for m in pg_schema.MIGRATIONS]
    opened[0].put("things", "a", {"n": 1})
    assert opened[2].get("things", "a") == {"n": 1}
    for store in opened:
        store.close()


def test_a_new_migration_is_applied_on_the_next_start(pg_url: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    PostgresStore(pg_url).close()
    later = pg_schema.Migration(pg_schema.latest() + 1, "a column for a later ogpbot",
                                "ALTER TABLE ogpbot_documents ADD COLUMN later text")
    monkeypatch.setattr(pg_schema, "MIGRATIONS", [*pg_schema.MIGRATIONS, later])
    store = PostgresStore(pg_url)
    store.put("things", "a", {"n": 1})
    store.close()
    PostgresStore(pg_url).close()  # nothing left to apply
    assert versions(pg_url)[-1] == later.version
    assert len(versions(pg_url)) == len(set(versions(pg_url)))


def test_a_newer_schema_is_refused_and_left_alone(pg_url: str) -> None:
    PostgresStore(pg_url).close()
    with psycopg.connect(pg_url) as conn:
        conn.execute("INSERT INTO ogpbot_schema (version, description) VALUES (99, 'future')")
    with pytest.raises(StoreError, match="upgrade ogpbot"):
        PostgresStore(pg_url)
    with pytest.raises(StoreError, match="upgrade ogpbot"):
        PostgresStore(pg_url, readonly=True)
    assert versions(pg_url)[-1] == 99


def test_read_only_opens_only_a_migrated_database_and_writes_nothing(pg_url: str) -> None:
    with pytest.raises(StoreError, match="ogpbot serve"):
        PostgresStore(pg_url, readonly=True)
    writer = PostgresStore(pg_url)
    writer.put("proposals", "1", {"title": "Åpne data"})
    reader = PostgresStore(pg_url, readonly=True)
    assert reader.get("proposals", "1") == {"title": "Åpne data"}
    with pytest.raises(StoreError, match="read-only"):
        reader.put("proposals", "2", {"title": "Nei"})
    assert writer.get("proposals", "2") is None
    reader.close()
    writer.close()


def test_two_transactions_that_collide_one_is_told_to_run_again(pg_url: str) -> None:
    store = PostgresStore(pg_url)
    collided: list[None] = []
    store.observe_conflicts(lambda: collided.append(None))
    store.put("counters", "proposal", {"last": 0})
    first_read = threading.Event()
    second_done = threading.Event()
    outcome: list[BaseException | None] = []

    def first() -> None:
        try:
            with store.transaction():
                last = store.get("counters", "proposal")["last"]  # type: ignore[index]
                first_read.set()
                second_done.wait(10)
                store.put("counters", "proposal", {"last": last + 1})
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=first)
    thread.start()
    first_read.wait(10)
    with store.transaction():
        last = store.get("counters", "proposal")["last"]  # type: ignore[index]
        store.put("counters", "proposal", {"last": last + 1})
    second_done.set()
    thread.join()
    assert len(outcome) == 1 and isinstance(outcome[0], Conflict)
    assert store.get("counters", "proposal") == {"last": 1}  # the loser changed nothing
    assert len(collided) == 1  # counted (for /metrics)
    store.close()


def test_changes_name_each_document_another_replica_wrote_or_deleted_since(
        pg_url: str) -> None:
    here, there = PostgresStore(pg_url), PostgresStore(pg_url)
    for n in range(1, 6):
        there.put("proposals", str(n), {"n": n})
    token, everything = here.changes("proposals", None)
    assert everything is None  # no token yet: read them all
    there.put("proposals", "2", {"n": 20})
    there.add("proposals", "6", {"n": 6})
    there.delete("proposals", "4")
    with there.transaction():
        there.put("proposals", "3", {"n": 30})
        there.put("others", "x", {"n": 1})
    there.put("others", "y", {"n": 2})
    token, written = here.changes("proposals", token)
    assert written == {"2", "3", "4", "6"}
    assert here.changes("proposals", token)[1] == set()
    here.close()
    there.close()


def test_documents_restored_from_another_clusters_dump_are_not_named_again_and_again(
        pg_url: str) -> None:
    """A dump restored into a new database keeps each row's `changed` as the old cluster
    numbered it, which may lie ahead of the new one's transactions: not a write since any
    token, so not a reason to read it again at every refresh."""
    store = PostgresStore(pg_url)
    for n in range(1, 4):
        store.put("proposals", str(n), {"n": n})
    with psycopg.connect(pg_url, autocommit=True) as conn:  # as a restored dump leaves them
        conn.execute("UPDATE ogpbot_documents SET changed = '4000000000'::xid8 "
                     "WHERE collection = 'proposals'")
    token, _ = store.changes("proposals", None)
    assert store.changes("proposals", token)[1] == set()
    store.put("proposals", "2", {"n": 20})
    assert store.changes("proposals", token)[1] == {"2"}
    store.close()


def test_a_write_that_commits_after_a_later_one_is_still_named(pg_url: str) -> None:
    """Transactions commit in any order: a token taken while one was still open names its
    writes once it has committed, even after another that began later committed first."""
    store = PostgresStore(pg_url)
    store.put("proposals", "1", {"n": 1})
    wrote = threading.Event()
    token_taken = threading.Event()
    failures: list[BaseException] = []

    def slow() -> None:
        try:
            with store.transaction():
                store.put("proposals", "1", {"n": 10})
                wrote.set()
                assert token_taken.wait(30)
        except BaseException as exc:
            failures.append(exc)

    start, _ = store.changes("proposals", None)
    thread = threading.Thread(target=slow)
    thread.start()
    assert wrote.wait(30)
    store.put("proposals", "2", {"n": 2})  # began later, committed first
    token, written = store.changes("proposals", start)
    assert written == {"2"}
    token_taken.set()
    thread.join()
    assert failures == []
    assert store.changes("proposals", token)[1] == {"1"}
    store.close()


def test_schema_2_upgrades_with_its_documents_kept_and_found(
        pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pg_schema, "MIGRATIONS", pg_schema.MIGRATIONS[:2])
    old = PostgresStore(pg_url)
    old.put("people", "slack:U1", {"key": "slack:U1", "email": "ada@example.org"})
    old.put("proposals", "1", {"n": 1})
    old.close()
    monkeypatch.undo()
    store = PostgresStore(pg_url)
    assert versions(pg_url) == [m.version for m in pg_schema.MIGRATIONS]
    assert store.find("people", email="ada@example.org") == [
        {"key": "slack:U1", "email": "ada@example.org"}]
    token, _ = store.changes("proposals", None)
    assert store.changes("proposals", token)[1] == set()  # written before: not again
    store.put("proposals", "1", {"n": 2})
    assert store.changes("proposals", token)[1] == {"1"}
    store.close()


def test_schema_3_upgrades_with_the_inbox_and_the_outbox_in_tables_of_their_own(
        pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pg_schema, "MIGRATIONS", pg_schema.MIGRATIONS[:3])
    monkeypatch.setattr(pg_schema, "WORK_TABLES", {})  # an ogpbot of schema 3
    old = PostgresStore(pg_url)
    old.put("inbox", "slack:command:T1", {"key": "slack:command:T1", "state": "received",
                                          "ready_at": 100.0})
    old.put("inbox", "slack:event:E1", {"key": "slack:event:E1", "state": "answered"})
    assert [k for k, _ in old.claim("inbox", "replica-a", 100.0, 50.0, 10)] == [
        "slack:command:T1"]
    old.put("outbox", "n1", {"state": "pending", "for_person": "kari", "ready_at": 10.0})
    old.put("proposals", "1", {"n": 1})
    old.close()
    monkeypatch.undo()
    store = PostgresStore(pg_url)
    assert versions(pg_url) == [m.version for m in pg_schema.MIGRATIONS]
    with psycopg.connect(pg_url) as conn:
        left = conn.execute("SELECT collection, key FROM ogpbot_documents").fetchall()
        moved = conn.execute("SELECT key, lease_owner FROM ogpbot_inbox ORDER BY key").fetchall()
    assert left == [("proposals", "1")]
    assert moved == [("slack:command:T1", "replica-a"), ("slack:event:E1", None)]
    assert store.collections() == ["inbox", "outbox", "proposals"]
    # the lease came along: nobody else takes the item until it runs out
    assert store.holder("inbox", "slack:command:T1") == "replica-a"
    assert store.claim("inbox", "replica-b", 120.0, 10.0, 10) == []
    assert [k for k, _ in store.claim("inbox", "replica-b", 151.0, 10.0, 10)] == [
        "slack:command:T1"]
    assert store.find("inbox", state="answered") == [
        {"key": "slack:event:E1", "state": "answered"}]
    assert store.find("outbox", state="pending", for_person="kari") == [
        {"state": "pending", "for_person": "kari", "ready_at": 10.0}]
    assert not store.add("outbox", "n1", {"state": "again"})
    store.close()


def test_the_inbox_moves_only_while_no_older_ogpbot_uses_the_database(
        pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pg_schema, "MIGRATIONS", pg_schema.MIGRATIONS[:3])
    monkeypatch.setattr(pg_schema, "WORK_TABLES", {})
    old = PostgresStore(pg_url)  # an older replica, still serving
    old.put("inbox", "slack:command:T1", {"key": "slack:command:T1", "state": "received"})
    monkeypatch.undo()
    with pytest.raises(StoreError, match="stop every replica"):
        PostgresStore(pg_url)
    assert versions(pg_url) == [1, 2, 3]  # nothing changed: the older one finds its items
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT key FROM ogpbot_documents WHERE collection = 'inbox'"
                            ).fetchall() == [("slack:command:T1",)]
    old.close()
    store = PostgresStore(pg_url)
    assert store.get("inbox", "slack:command:T1") == {"key": "slack:command:T1",
                                                      "state": "received"}
    store.close()


def test_nul_characters_are_kept_as_a_replacement_character(pg_url: str) -> None:
    store = PostgresStore(pg_url)
    store.put("proposals", "1", {"title": "A\x00B", "quoted": "\\u0000 stays"})
    assert store.get("proposals", "1") == {"title": "A\ufffdB", "quoted": "\\u0000 stays"}
    store.close()


def test_no_password_in_what_the_store_says() -> None:
    assert "hemmelig" not in label_of("postgresql://bot:hemmelig@db.example.org:5433/ogp")
    with pytest.raises(StoreError) as refused:
        PostgresStore("postgresql://bot:hemmelig@127.0.0.1:1/ogp?connect_timeout=2")
    assert "hemmelig" not in str(refused.value)
    assert "127.0.0.1:1/ogp" in str(refused.value)


# --- proposal numbers from several processes ---------------------------------------------------

LINE = "| Lite innsyn | Publiser loggene | transparency | {area} | jd"
PER_PROCESS = 12


def _propose_from_a_process(url: str, tag: str) -> list[str]:
    """In a process of its own: PER_PROCESS proposals (and refused ones between them) through
    the front door; the first line of each answer."""
    store = PostgresStore(url)
    bot = OgpBot(load_seminar(SEMINAR), store, SystemClock())
    speaker = Speaker("slack", f"U0{tag.upper()}", name=f"Person {tag}")
    answers = []
    for n in range(PER_PROCESS):
        if n % 4 == 1:  # refused: an area that does not exist takes no number
            bot.handle(Command(speaker, Place("slack", "C0"), words=(
                f"propose Feil {tag} {n} " + LINE.format(area="ingen-slik"))))
        reply = bot.handle(Command(speaker, Place("slack", "C0"), words=(
            f"propose Forslag {tag} {n} " + LINE.format(area="innsyn"))))
        answers.append(reply.text.splitlines()[0] if reply.ok else f"refused: {reply.text}")
    store.close()
    return answers


def test_proposal_numbers_from_several_processes_are_unique_and_without_gaps(
        pg_url: str) -> None:
    PostgresStore(pg_url).close()  # migrated, and the roster synced, before they race
    with multiprocessing.get_context("spawn").Pool(3) as pool:
        answers = pool.starmap(_propose_from_a_process, [(pg_url, t) for t in "abc"])
    assert not [a for each in answers for a in each if a.startswith("refused")], answers
    store = PostgresStore(pg_url)
    numbers = sorted(int(d["number"]) for d in store.all("proposals"))
    titles = {d["title"] for d in store.all("proposals")}
    store.close()
    assert numbers == list(range(1, 3 * PER_PROCESS + 1))
    assert titles == {f"Forslag {t} {n}" for t in "abc" for n in range(PER_PROCESS)}


def test_proposals_at_once_in_one_process_take_turns_once_they_collided(pg_url: str) -> None:
    """Eight threads proposing at once all take the next number: once two collided, the
    proposals after them take turns from their start instead of colliding once each (each
    collision runs a whole command again), and every number is still given once."""
    store = PostgresStore(pg_url)
    bot = OgpBot(load_seminar(SEMINAR), store, SystemClock())
    collided: list[None] = []
    store.observe_conflicts(lambda: collided.append(None))
    answers: list[str] = []
    start = threading.Barrier(8)

    def propose(tag: str) -> None:
        speaker = Speaker("slack", f"U0{tag.upper()}", name=f"Person {tag}")
        start.wait()
        for n in range(5):
            reply = bot.handle(Command(speaker, Place("slack", "C0"), words=(
                f"propose Forslag {tag} {n} " + LINE.format(area="innsyn"))))
            answers.append(reply.text.splitlines()[0] if reply.ok else "refused")

    threads = [threading.Thread(target=propose, args=(tag,)) for tag in "abcdefgh"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    numbers = sorted(int(d["number"]) for d in store.all("proposals"))
    store.close()
    assert "refused" not in answers and numbers == list(range(1, 41))
    assert len(collided) < 20, f"{len(collided)} collisions in 40 proposals"
