"""The storage contract: every backend (memory, the TinyDB file, PostgreSQL) passes the same
tests, shared work included; then what only the TinyDB file backend promises (atomic, durable,
refuses a file it cannot read, one writer at a time). What only PostgreSQL promises is in
tests/store/test_store_postgres.py."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import random
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.store import journal
from bot.store.contract import Store, StoreError, WouldWrite
from bot.store.journal import JournalFile
from bot.store.memory import MemoryStore
from bot.store.tinydb_file import TinyDBStore


def test_put_get_replace_delete(store: Store) -> None:
    assert store.get("things", "a") is None
    store.put("things", "a", {"n": 1, "nested": {"x": [1, 2]}})
    store.put("things", "b", {"n": 2})
    store.put("things", "a", {"n": 3})
    assert store.get("things", "a") == {"n": 3}
    assert sorted(d["n"] for d in store.all("things")) == [2, 3]
    store.delete("things", "a")
    store.delete("things", "missing")
    assert store.get("things", "a") is None
    assert store.all("other") == []


def test_add_keeps_the_first(store: Store) -> None:
    assert store.add("outbox", "k", {"v": 1})
    assert not store.add("outbox", "k", {"v": 2})
    assert store.get("outbox", "k") == {"v": 1}


def test_get_many_gives_the_documents_there_by_key(store: Store) -> None:
    store.put("people", "a", {"name": "Ada"})
    store.put("people", "b", {"name": "Bo"})
    store.put("others", "c", {"name": "Cy"})
    assert store.get_many("people", ["a", "c", "zz"]) == {"a": {"name": "Ada"}}
    assert store.get_many("people", []) == {}
    with store.transaction():
        store.put("people", "d", {"name": "Di"})
        assert store.get_many("people", {"b", "d"}) == {"b": {"name": "Bo"},
                                                         "d": {"name": "Di"}}
    store.get_many("people", ["a"])["a"]["name"] = "changed"  # a copy
    assert store.get("people", "a") == {"name": "Ada"}


def test_add_many_keeps_the_new_and_leaves_those_there(store: Store) -> None:
    store.add("outbox", "b", {"v": "first"})
    assert store.add_many("outbox", {"a": {"v": 1}, "b": {"v": 2}, "c": {"v": 3}}) == {"a", "c"}
    assert store.get_many("outbox", ["a", "b", "c"]) == {
        "a": {"v": 1}, "b": {"v": "first"}, "c": {"v": 3}}
    assert store.add_many("outbox", {}) == set()
    assert store.add_many("outbox", {"d": {"v": 4}}) == {"d"}
    with contextlib.suppress(RuntimeError), store.transaction():
        assert store.add_many("outbox", {"e": {"v": 5}, "f": {"v": 6}}) == {"e", "f"}
        assert store.get("outbox", "f") == {"v": 6}  # seen inside its own transaction
        raise RuntimeError("undone")
    assert store.get_many("outbox", ["e", "f"]) == {}


def test_delete_many_removes_those_there(store: Store) -> None:
    for key in ("a", "b", "c"):
        store.put("people", key, {"name": key})
    store.put("others", "a", {"name": "kept"})
    store.delete_many("people", ["a", "c", "zz"])
    store.delete_many("people", [])
    assert store.get_many("people", ["a", "b", "c"]) == {"b": {"name": "b"}}
    assert store.get("others", "a") == {"name": "kept"}
    with contextlib.suppress(RuntimeError), store.transaction():
        store.delete_many("people", ["b"])
        assert store.get("people", "b") is None
        raise RuntimeError("undone")
    assert store.get("people", "b") == {"name": "b"}


def test_put_many_writes_each_document_in_one_question(store: Store) -> None:
    store.put("inbox", "a", {"state": "received", "ready_at": 5.0})
    store.put_many("inbox", {"a": {"state": "answered"}, "b": {"state": "answered"}})
    store.put_many("inbox", {"c": {"state": "one"}})
    store.put_many("inbox", {})
    assert store.get_many("inbox", ["a", "b", "c"]) == {
        "a": {"state": "answered"}, "b": {"state": "answered"}, "c": {"state": "one"}}
    assert store.claim("inbox", "me", 10.0, 10.0, 5) == []  # `a` is no longer work
    with contextlib.suppress(RuntimeError), store.transaction():
        store.put_many("inbox", {"a": {"state": "again"}, "d": {"state": "new"}})
        assert store.get("inbox", "d") == {"state": "new"}
        raise RuntimeError("undone")
    assert store.get("inbox", "a") == {"state": "answered"} and store.get("inbox", "d") is None


def test_get_each_reads_documents_of_several_collections_in_their_order(store: Store) -> None:
    store.put("proposals", "7", {"title": "Open budgets"})
    store.put("meetings", "7", {"place": "R1"})
    store.put("meetings", "8", {"place": "R2"})
    assert store.get_each([("proposals", "7"), ("meetings", "7")]) == [
        {"title": "Open budgets"}, {"place": "R1"}]
    assert store.get_each([("meetings", "8"), ("proposals", "8"), ("meetings", "9")]) == [
        {"place": "R2"}, None, None]
    assert store.get_each([]) == []
    # a collection with a table of its own on PostgreSQL, beside one without
    store.put("inbox", "slack:command:1", {"state": "received"})
    assert store.get_each([("inbox", "slack:command:1"), ("proposals", "7")]) == [
        {"state": "received"}, {"title": "Open budgets"}]
    with store.transaction():  # inside a transaction, its own writes are seen
        store.put("meetings", "9", {"place": "R3"})
        assert store.get_each([("meetings", "9")]) == [{"place": "R3"}]
    first, _ = store.get_each([("proposals", "7"), ("meetings", "7")])
    assert first is not None
    first["title"] = "changed"  # a copy
    assert store.get("proposals", "7") == {"title": "Open budgets"}


def test_a_reading_transaction_reads_and_on_a_shared_store_refuses_any_write(
        store: Store) -> None:
    store.put("people", "ada", {"name": "Ada"})
    with store.transaction(reading=True):
        assert store.get("people", "ada") == {"name": "Ada"}
        assert store.get_each([("people", "ada"), ("people", "bo")]) == [{"name": "Ada"}, None]
    if not store.shared:  # one process's store: a reading transaction is any transaction
        with store.transaction(reading=True):
            store.put("people", "bo", {"name": "Bo"})
        assert store.get("people", "bo") == {"name": "Bo"}
        return
    with pytest.raises(WouldWrite), store.transaction(reading=True):
        store.put("people", "bo", {"name": "Bo"})
    with pytest.raises(WouldWrite), store.transaction(reading=True):
        assert store.get("people", "ada") is not None
        with contextlib.suppress(WouldWrite):  # swallowed by the work: still raised at the end
            store.delete("people", "ada")
    with pytest.raises(WouldWrite), store.transaction(reading=True):
        store.notify("proposals", "1")
    assert store.get("people", "bo") is None and store.get("people", "ada") == {"name": "Ada"}
    with store.transaction():  # an ordinary transaction after them writes as ever
        store.put("people", "bo", {"name": "Bo"})
    assert store.get("people", "bo") == {"name": "Bo"}


def test_get_linked_follows_a_link_to_its_document(store: Store) -> None:
    store.put("people", "ada", {"name": "Ada"})
    store.put("person_ids", "slack:U1", {"person": "ada"})
    store.put("person_ids", "slack:U2", {"person": "gone"})
    store.put("person_ids", "slack:U3", {"person": 7})  # not a key: nothing to follow
    assert store.get_linked("person_ids", "slack:U1", "person", "people") == (
        {"person": "ada"}, {"name": "Ada"})
    assert store.get_linked("person_ids", "slack:U2", "person", "people") == (
        {"person": "gone"}, None)
    assert store.get_linked("person_ids", "slack:U3", "person", "people") == ({"person": 7}, None)
    assert store.get_linked("person_ids", "slack:U9", "person", "people") == (None, None)
    with store.transaction():  # inside a transaction, its own writes are seen
        store.put("people", "bo", {"name": "Bo"})
        store.put("person_ids", "teams:T1", {"person": "bo"})
        assert store.get_linked("person_ids", "teams:T1", "person", "people")[1] == {
            "name": "Bo"}
    _, ada = store.get_linked("person_ids", "slack:U1", "person", "people")
    assert ada is not None
    ada["name"] = "changed"  # a copy
    assert store.get("people", "ada") == {"name": "Ada"}


def test_returned_documents_are_copies(store: Store) -> None:
    store.put("things", "a", {"list": [1]})
    doc = store.get("things", "a")
    assert doc is not None
    doc["list"].append(2)
    assert store.get("things", "a") == {"list": [1]}


def test_a_failed_transaction_changes_nothing(store: Store) -> None:
    store.put("things", "a", {"n": 1})
    with pytest.raises(RuntimeError), store.transaction():
        store.put("things", "a", {"n": 2})
        store.put("things", "b", {"n": 3})
        raise RuntimeError("refused")
    assert store.get("things", "a") == {"n": 1}
    assert store.get("things", "b") is None
    store.put("things", "c", {"n": 4})
    assert store.get("things", "c") == {"n": 4}


def test_nested_transactions_commit_together(store: Store) -> None:
    with store.transaction():
        store.put("things", "a", {"n": 1})
        with store.transaction():
            store.put("things", "b", {"n": 2})
    assert store.get("things", "b") == {"n": 2}


def test_find_none_matches_a_missing_field_too(store: Store) -> None:
    store.put("people", "a", {"org": None})
    store.put("people", "b", {})
    store.put("people", "c", {"org": "jd"})
    assert len(store.find("people", org=None)) == 2


def test_collections_that_hold_documents(store: Store) -> None:
    store.put("proposals", "1", {"n": 1})
    store.put("people", "a", {"n": 1})
    store.put("gone", "x", {"n": 1})
    store.delete("gone", "x")
    assert store.collections() == ["people", "proposals"]


def test_atomically_loses_no_update_from_threads_running_at_once(store: Store) -> None:
    def bump() -> None:
        doc = store.get("counters", "n") or {"last": 0}
        time.sleep(0.001)  # widen the window in which another thread reads the same value
        store.put("counters", "n", {"last": doc["last"] + 1})

    def worker() -> None:
        for _ in range(15):
            store.atomically(bump)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store.get("counters", "n") == {"last": 60}


def test_a_read_only_transaction_reads_what_was_written(store: Store) -> None:
    store.put("things", "a", {"n": 1})
    with store.transaction(readonly=True):
        assert store.get("things", "a") == {"n": 1}
        assert store.all("things") == [{"n": 1}]


# --- shared work: claims, leases, wake-ups ----------------------------------------------------

def _work(store: Store, key: str, at: float | None, **fields: object) -> None:
    store.put("outbox", key, {"ready_at": at, **fields})


def test_changes_name_what_was_written_to_the_collection_since_and_nothing_else(
        store: Store) -> None:
    store.put("things", "a", {"n": 1})
    start, _ = store.changes("things", None)
    again, written = store.changes("things", start)
    assert written == set()  # asking changes nothing
    store.get("things", "a")
    store.all("things")
    store.put("others", "x", {"n": 4})
    assert store.changes("things", again)[1] == set()
    for key, write in (("a", lambda: store.put("things", "a", {"n": 2})),  # in place
                       ("b", lambda: store.add("things", "b", {"n": 3})),
                       ("a", lambda: store.delete("things", "a"))):
        before, _ = store.changes("things", again)
        write()
        _, written = store.changes("things", before)
        # the key written, or (a store of one process) "read them all"
        assert written is None or written == {key}


def test_claim_hands_out_ready_work_earliest_first_and_once(store: Store) -> None:
    _work(store, "late", 30.0)
    _work(store, "early", 10.0)
    _work(store, "later", 50.0)
    _work(store, "done", None)
    store.put("outbox", "not-work", {"state": "sent"})
    assert [k for k, _ in store.claim("outbox", "a", 40.0, 5.0, 10)] == ["early", "late"]
    assert store.claim("outbox", "b", 41.0, 5.0, 10) == []  # a's lease lasts until 45
    assert store.holder("outbox", "early") == "a"
    assert store.holder("outbox", "later") is None
    claimed = store.claim("outbox", "b", 60.0, 5.0, 1)  # a's ran out; `later` is due
    assert claimed == [("early", {"ready_at": 10.0})]
    assert store.holder("outbox", "early") == "b"


def test_the_owner_renews_and_releases_its_leases(store: Store) -> None:
    _work(store, "n1", 10.0)
    _work(store, "n2", 10.0)
    store.claim("outbox", "a", 20.0, 5.0, 10)
    assert store.renew("outbox", "a", 100.0) == 2
    assert store.claim("outbox", "b", 50.0, 5.0, 10) == []
    store.release("outbox", "b", ["n1"])  # not b's to release
    assert store.holder("outbox", "n1") == "a"
    store.release("outbox", "a", ["n1"])
    assert [k for k, _ in store.claim("outbox", "b", 50.0, 5.0, 10)] == ["n1"]


@pytest.mark.parametrize("collection", ["inbox", "things"])
def test_work_added_claimed_is_its_owners_until_the_lease_ends(store: Store,
                                                               collection: str) -> None:
    assert store.add_claimed(collection, "k1", {"ready_at": 10.0}, "a", 50.0)
    assert store.get(collection, "k1") == {"ready_at": 10.0}
    assert store.holder(collection, "k1") == "a"
    assert store.claim(collection, "b", 40.0, 5.0, 10) == []  # ready, but a's until 50
    assert store.next_ready(collection, "b") == 50.0
    # there already: nothing changes, neither the document nor its lease
    assert not store.add_claimed(collection, "k1", {"ready_at": 1.0}, "b", 99.0)
    assert not store.add(collection, "k1", {"ready_at": 1.0})
    assert store.get(collection, "k1") == {"ready_at": 10.0}
    assert store.renew(collection, "a", 70.0) == 1
    assert store.claim(collection, "b", 60.0, 5.0, 10) == []
    assert [k for k, _ in store.claim(collection, "b", 70.0, 5.0, 10)] == ["k1"]
    assert store.add_claimed(collection, "k2", {"n": 2}, "a", 50.0)  # not work: no lease
    assert store.holder(collection, "k2") is None
    with store.transaction():  # inside a transaction, part of it
        assert store.add_claimed(collection, "k3", {"ready_at": 10.0}, "a", 50.0)
    assert store.holder(collection, "k3") == "a"


def test_work_no_longer_ready_is_never_claimed(store: Store) -> None:
    _work(store, "n1", 10.0, state="pending")
    store.claim("outbox", "a", 20.0, 5.0, 10)
    _work(store, "n1", None, state="sent")  # done while a held it
    assert store.claim("outbox", "b", 99.0, 5.0, 10) == []
    assert store.next_ready("outbox", "b") is None


def test_claim_and_next_ready_keep_to_the_fields_asked_for(store: Store) -> None:
    _work(store, "kari", 10.0, for_person="kari")
    _work(store, "ola", 5.0, for_person="ola")
    assert store.next_ready("outbox", "a", for_person="kari") == 10.0
    assert [k for k, _ in store.claim("outbox", "a", 20.0, 5.0, 10, for_person="kari")] == [
        "kari"]
    assert store.next_ready("outbox", "b") == 5.0
    assert store.next_ready("outbox", "b", for_person="kari") == 25.0  # when a's lease ends
    assert store.next_ready("outbox", "a", for_person="kari") == 10.0  # a's own: now


def test_next_ready_leaves_out_the_work_its_owner_is_doing(store: Store) -> None:
    _work(store, "n1", 5.0)
    _work(store, "n2", 8.0)
    store.claim("outbox", "a", 10.0, 30.0, 10)
    assert store.next_ready("outbox", "a") == 5.0
    assert store.next_ready("outbox", "a", excluding=frozenset({"n1"})) == 8.0
    assert store.next_ready("outbox", "a", excluding=["n1", "n2"]) is None
    assert store.next_ready("outbox", "a", excluding=()) == 5.0


def test_claim_leaves_out_the_work_its_owner_holds_already(store: Store) -> None:
    for key, at in (("n1", 5.0), ("n2", 6.0), ("n3", 7.0), ("n4", 8.0)):
        _work(store, key, at)
    assert [k for k, _ in store.claim("outbox", "a", 10.0, 30.0, 2)] == ["n1", "n2"]
    # what `a` holds is neither handed out again nor counted against the limit
    assert [k for k, _ in store.claim("outbox", "a", 10.0, 30.0, 2,
                                      excluding=frozenset({"n1", "n2"}))] == ["n3", "n4"]
    assert store.claim("outbox", "a", 10.0, 30.0, 2, excluding=["n1", "n2", "n3", "n4"]) == []
    assert store.claim("outbox", "b", 20.0, 5.0, 10) == []  # every lease is still a's
    assert [k for k, _ in store.claim("outbox", "b", 41.0, 5.0, 10, excluding=["n2"])] == [
        "n1", "n3", "n4"]


def test_tinydb_hands_out_work_as_a_walk_over_every_document_would(tmp_path: Path) -> None:
    """TinyDB keeps each collection's work sorted by when it is ready, through writes,
    deletes and transactions rolled back; what it claims and says is next is what the memory
    store, which walks every document, says (a notice the order lost would never be sent)."""
    rng = random.Random(22)
    tiny, walk = TinyDBStore(tmp_path / "store.json"), MemoryStore()
    both = (tiny, walk)
    try:
        assert tiny.claim("outbox", "warm", 0.0, 1.0, 5) == []  # the order is kept from here
        for step in range(300):
            key = f"n{rng.randrange(30)}"
            doc = {"ready_at": rng.choice([None, float(rng.randrange(60))]),
                   "for_person": rng.choice(["kari", "ola"])}
            roll = rng.random()
            for store in both:
                if roll < 0.1:
                    with contextlib.suppress(RuntimeError), store.transaction():
                        store.put("outbox", key, doc)
                        raise RuntimeError("rolled back")
                elif roll < 0.25:
                    store.delete("outbox", key)
                else:
                    store.put("outbox", key, doc)
            if step % 10 == 9:
                now, owner = float(rng.randrange(60)), f"o{step % 3}"
                held = frozenset(f"n{rng.randrange(30)}" for _ in range(3))
                for asked in ({}, {"for_person": "kari"}):
                    assert tiny.next_ready("outbox", owner, held, **asked) == walk.next_ready(
                        "outbox", owner, held, **asked)
                claimed = [[k for k, _ in store.claim("outbox", owner, now, 30.0, 4, held)]
                           for store in both]
                assert claimed[0] == claimed[1]
    finally:
        tiny.close()


def test_a_lease_outlives_a_rewrite_of_the_document(store: Store) -> None:
    _work(store, "n1", 10.0, state="pending")
    store.claim("outbox", "a", 20.0, 30.0, 10)
    _work(store, "n1", 10.0, state="sending")
    assert store.holder("outbox", "n1") == "a"
    assert store.claim("outbox", "b", 25.0, 5.0, 10) == []


def test_no_two_claimers_get_the_same_work(store: Store) -> None:
    with store.transaction():
        for n in range(60):
            _work(store, f"n{n:02d}", float(n))
    got: dict[str, list[str]] = {}

    def claimer(owner: str) -> None:
        mine: list[str] = []
        while batch := store.claim("outbox", owner, 100.0, 60.0, 7):
            for key, _ in batch:
                _work(store, key, None)  # done: no longer work
                mine.append(key)
        got[owner] = mine

    threads = [threading.Thread(target=claimer, args=(f"o{n}",)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [k for keys in got.values() for k in keys]
    assert sorted(every) == [f"n{n:02d}" for n in range(60)]


def test_bookings_are_spaced_by_their_interval_and_never_in_the_past(store: Store) -> None:
    assert store.book("pacing", "C1", 100.0, 1.0) == 100.0
    assert store.book("pacing", "C1", 100.2, 1.0) == 101.0
    assert store.book("pacing", "C1", 100.4, 1.0) == 102.0
    assert store.book("pacing", "C2", 100.4, 1.0) == 100.4  # another conversation: free
    assert store.book("pacing", "C1", 200.0, 1.0) == 200.0  # long after: at once


def test_bookings_from_threads_at_once_never_share_a_moment(store: Store) -> None:
    got: list[float] = []

    def booker() -> None:
        for _ in range(10):
            got.append(store.book("pacing", "C1", 100.0, 0.5))

    threads = [threading.Thread(target=booker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(got) == [100.0 + 0.5 * n for n in range(30)]


def test_notify_wakes_the_listeners_of_its_channel(store: Store) -> None:
    woken = threading.Event()
    heard: list[str | None] = []
    other = threading.Event()
    elsewhere: list[str | None] = []
    store.listen("outbox", lambda what: (heard.append(what), woken.set()))
    store.listen("inbox", lambda what: (elsewhere.append(what), other.set()))
    if store.shared:  # its listener connects in the background, and says so with a None
        assert woken.wait(10) and other.wait(10)
    woken.clear()
    other.clear()
    heard.clear()
    elsewhere.clear()
    with store.transaction():
        store.put("outbox", "n1", {"ready_at": 1.0})
        store.notify("outbox", "n1")
        store.notify("outbox", "n1")
    assert woken.wait(5)
    # Wake-ups arrive in the order they were made: once this one has, any wake-up the
    # outbox's notifications gave the inbox's listener would have too.
    store.notify("inbox", "last")
    assert other.wait(5)
    assert set(heard) == {"n1"}
    assert elsewhere == ["last"]


# --- the TinyDB file backend ------------------------------------------------------------------

def test_file_survives_reopening_and_carries_a_schema_version(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    s = TinyDBStore(path)
    s.put("proposals", "1", {"title": "Åpent register"})
    s.close()
    data = json.loads(path.read_text("utf-8"))
    assert any(d.get("version") == 1 for d in data["_meta"].values())
    again = TinyDBStore(path)
    assert again.get("proposals", "1") == {"title": "Åpent register"}
    again.close()


def test_a_file_that_does_not_parse_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    path.write_text('{"proposals": {"1": {"title": "half', "utf-8")
    before = path.read_bytes()
    with pytest.raises(StoreError, match=str(path)):
        TinyDBStore(path)
    assert path.read_bytes() == before


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    path.write_text(json.dumps({"_meta": {"1": {"_key": "schema", "version": 99}}}), "utf-8")
    with pytest.raises(StoreError, match="upgrade ogpbot"):
        TinyDBStore(path)


def test_one_writer_at_a_time(tmp_path: Path) -> None:
    first = TinyDBStore(tmp_path / "db.json")
    with pytest.raises(StoreError, match="another ogpbot process"):
        TinyDBStore(tmp_path / "db.json")
    reader = TinyDBStore(tmp_path / "db.json", readonly=True)
    assert reader.all("proposals") == []
    first.close()
    TinyDBStore(tmp_path / "db.json").close()


def test_writes_leave_no_temporary_files(tmp_path: Path) -> None:
    s = TinyDBStore(tmp_path / "db.json")
    for n in range(5):
        s.put("things", str(n), {"n": n})
    s.close()
    assert sorted(os.listdir(tmp_path)) == ["db.json", "db.json.journal", "db.json.lock"]


def test_the_journal_is_replayed_and_a_torn_last_line_dropped(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    s = TinyDBStore(path)
    s.put("proposals", "1", {"title": "first"})
    s.put("proposals", "2", {"title": "second"})
    s.delete("proposals", "1")
    s.close()
    journal = tmp_path / "db.json.journal"
    assert journal.read_bytes().count(b"\n") == 3
    with journal.open("ab") as f:  # what a kill in the middle of an append leaves
        f.write(b'{"changes":[["proposals","3",3,{"title":"thi')
    again = TinyDBStore(path)
    assert again.all("proposals") == [{"title": "second"}]
    assert journal.read_bytes() == b""  # folded into the TinyDB file on opening
    again.close()
    assert json.loads(path.read_text("utf-8"))["proposals"]["2"]["title"] == "second"


@pytest.mark.parametrize("torn", [
    b'{"changes":[["proposals","9",9,{"title":"ni',  # cut short in the middle of a line
    b"\0" * 300,  # length written, data never: what some file systems leave
    b'{"changes":[["proposals","9",9,{"tit\n\0\0\0',  # a newline inside the torn part
])
def test_a_torn_tail_is_cut_off_wherever_it_is(tmp_path: Path, torn: bytes) -> None:
    path = tmp_path / "db.json"
    journal = tmp_path / "db.json.journal"
    TinyDBStore(path).close()
    for whole_lines in (0, 2):  # the torn write as the journal's first line, or after others
        s = TinyDBStore(path)
        for n in range(whole_lines):
            s.put("proposals", f"w{n}", {"title": f"whole {n}"})
        s.close()
        with journal.open("ab") as f:
            f.write(torn)
        s = TinyDBStore(path, readonly=True)  # a reader leaves the file as it is
        s.close()
        s = TinyDBStore(path)
        s.put("proposals", f"after{whole_lines}", {"title": "acknowledged after the crash"})
        s.close()
        assert torn not in journal.read_bytes()  # the write after it did not land behind it
    again = TinyDBStore(path)
    assert sorted(d["title"] for d in again.all("proposals")) == [
        "acknowledged after the crash", "acknowledged after the crash", "whole 0", "whole 1"]
    again.close()


def test_a_write_glued_onto_a_torn_one_is_kept(tmp_path: Path) -> None:
    """What a journal written before the torn tail was cut may hold: a torn write with the
    next acknowledged one appended straight after it."""
    path = tmp_path / "db.json"
    TinyDBStore(path).close()
    (tmp_path / "db.json.journal").write_bytes(
        b'{"changes":[["proposals","1",1,{"title":"to' +
        b'{"changes":[["proposals","2",2,{"title":"kept"}]]}\n')
    s = TinyDBStore(path)
    assert s.all("proposals") == [{"title": "kept"}]
    s.close()


def test_a_reader_never_pairs_the_old_file_with_the_emptied_journal(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    writer = TinyDBStore(path)
    for n in range(3):
        writer.put("proposals", str(n), {"n": n})
    reader = TinyDBStore.__new__(TinyDBStore)
    original = JournalFile.read
    compacted = []

    def compact_first(self: JournalFile) -> list:  # the writer compacts between the two reads
        if not compacted:
            compacted.append(True)
            writer._compact()
        return original(self)

    try:
        JournalFile.read = compact_first  # type: ignore[method-assign]
        reader.__init__(path, readonly=True)  # type: ignore[misc]
    finally:
        JournalFile.read = original  # type: ignore[method-assign]
    assert compacted and sorted(d["n"] for d in reader.all("proposals")) == [0, 1, 2]
    reader.close()
    writer.close()


def test_a_damaged_journal_line_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    TinyDBStore(path).close()
    journal = tmp_path / "db.json.journal"
    journal.write_bytes(b'garbage\n{"changes":[]}\n')
    with pytest.raises(StoreError, match="line 1 is damaged"):
        TinyDBStore(path)
    assert journal.read_bytes() == b'garbage\n{"changes":[]}\n'


def test_compaction_folds_the_journal_into_the_file(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.store.tinydb_file.COMPACT_MIN_BYTES", 1)
    path = tmp_path / "db.json"
    journal = tmp_path / "db.json.journal"
    s = TinyDBStore(path)
    for n in range(20):
        s.put("things", str(n), {"n": n, "text": "x" * 40})
        # folded whenever it grows as large as the file: it never outgrows it by much
        assert journal.stat().st_size <= path.stat().st_size + 200
    on_disk = json.loads(path.read_text("utf-8"))["things"]
    assert len(on_disk) >= 10  # most of it already lives in the TinyDB file
    s.close()
    assert len(TinyDBStore(path, readonly=True).all("things")) == 20


def test_find_by_fields(store: Store) -> None:
    store.put("proposals", "1", {"proposer": "a", "ministry": "jd"})
    store.put("proposals", "2", {"proposer": "b", "ministry": "jd"})
    assert [d["proposer"] for d in store.find("proposals", proposer="b")] == ["b"]
    assert len(store.find("proposals", ministry="jd")) == 2
    assert store.find("proposals", ministry="fin") == []


def test_find_follows_every_change_and_a_rolled_back_one(store: Store) -> None:
    for n in range(5):
        store.put("outbox", f"n{n}", {"state": "pending", "n": n})
    assert [d["n"] for d in store.find("outbox", state="pending")] == [0, 1, 2, 3, 4]
    store.put("outbox", "n1", {"state": "sent", "n": 1})
    store.delete("outbox", "n3")
    with pytest.raises(RuntimeError), store.transaction():
        store.put("outbox", "n0", {"state": "sent", "n": 0})
        store.put("outbox", "n9", {"state": "pending", "n": 9})
        store.delete("outbox", "n4")
        raise RuntimeError("refused")
    assert [d["n"] for d in store.find("outbox", state="pending")] == [0, 2, 4]
    assert [d["n"] for d in store.find("outbox", state="sent")] == [1]
    assert [d["n"] for d in store.find("outbox", state="pending", n=2)] == [2]
    store.put("outbox", "n5", {"state": ["odd"], "n": 5})
    assert store.find("outbox", state=["odd"])[0]["n"] == 5
    assert store.find("outbox", n=1.0) == store.find("outbox", n=1)
    assert store.find("outbox", n="1") == [] and store.find("outbox", state="5") == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only folders anyway")
def test_a_refused_write_keeps_the_old_file_and_memory(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    s = TinyDBStore(folder / "db.json")
    s.put("things", "a", {"n": 1})
    folder.chmod(0o500)
    try:
        with pytest.raises(StoreError, match="could not be saved"):
            s.put("things", "a", {"n": 2})
        assert s.get("things", "a") == {"n": 1}
    finally:
        folder.chmod(0o700)
    s.close()


def test_collections_and_items_with_their_keys(store: Store) -> None:
    assert store.collections() == []
    store.put("people", "roster:a@example.org", {"name": "A"})
    store.put("people", "slack:U1", {"name": "B"})
    store.put("outbox", "n1", {"state": "sent"})
    store.delete("outbox", "n1")
    assert store.collections() == ["people"]
    assert sorted(store.items("people")) == [("roster:a@example.org", {"name": "A"}),
                                             ("slack:U1", {"name": "B"})]
    key, doc = store.items("people")[0]
    doc["name"] = "changed"
    assert store.get("people", key) != doc  # copies, as everywhere
    assert store.items("nothing") == []


def test_compact_leaves_no_old_version_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    store = TinyDBStore(path)
    store.put("people", "p", {"name": "Kari Nordmann"})
    store.put("people", "p", {"name": "erased"})
    store.compact()
    on_disk = path.read_bytes() + path.with_name("db.json.journal").read_bytes()
    store.close()
    assert b"Kari Nordmann" not in on_disk and b"erased" in on_disk
def _wait_for(check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not check():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.001)


def test_concurrent_writes_share_one_fsync(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Eight transactions finishing while one write is on its way to the disk are written
    together after it, with one fsync; every one of them is durable when it returns."""
    path = tmp_path / "db.json"
    store = TinyDBStore(path)
    real_fsync = os.fsync
    fsyncs = []

    def slow_first_fsync(fd: int) -> None:
        if not fsyncs:  # the first group waits until the others have queued behind it
            _wait_for(lambda: len(store._pending) == 8)
        fsyncs.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(journal.os, "fsync", slow_first_fsync)
    threads = [threading.Thread(target=store.put, args=("things", str(n), {"n": n}))
               for n in range(9)]
    threads[0].start()
    _wait_for(lambda: bool(store._flushing))
    for thread in threads[1:]:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(fsyncs) == 2  # the first alone, then the eight that queued meanwhile
    monkeypatch.undo()
    store.close()
    assert sorted(d["n"] for d in TinyDBStore(path, readonly=True).all("things")) == list(
        range(9))


def test_a_group_that_cannot_be_written_is_undone_with_all_that_followed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "db.json"
    store = TinyDBStore(path)
    store.put("things", "kept", {"n": 0})
    real_fsync = os.fsync
    calls = []

    def full_disk_once(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 1:
            _wait_for(lambda: len(store._pending) == 1)  # the reader's write queued behind
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    def read_then_write() -> None:
        with store.transaction():
            seen = store.get("things", "a")  # what the failing group wrote, not yet durable
            store.put("things", "b", {"saw": seen})

    outcomes: dict[str, str] = {}

    def run(name: str, work: Callable[[], None]) -> None:
        try:
            work()
            outcomes[name] = "ok"
        except StoreError as exc:
            outcomes[name] = str(exc)

    monkeypatch.setattr(journal.os, "fsync", full_disk_once)
    first = threading.Thread(target=run, args=("a", lambda: store.put("things", "a", {"n": 1})))
    first.start()
    _wait_for(lambda: bool(store._flushing))
    second = threading.Thread(target=run, args=("b", read_then_write))
    second.start()
    first.join(10)
    second.join(10)
    assert all("No space left" in why for why in outcomes.values()) and len(outcomes) == 2
    assert store.get("things", "a") is None and store.get("things", "b") is None
    store.put("things", "after", {"n": 2})
    monkeypatch.undo()
    store.close()
    again = TinyDBStore(path, readonly=True)
    assert sorted(d.get("n") for d in again.all("things")) == [0, 2]
