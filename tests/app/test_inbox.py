"""The inbox in the core: an acknowledged request is kept until it is done and answered; its
effect and "done" land in one transaction; a request sent again adds nothing; what a crash
left is done and answered at the next start, once; a stop leaves what has not begun."""

from __future__ import annotations

import asyncio
import errno
import json
import os
import threading
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app import turns as turns_module
from bot.app.inbox import INBOX, Inbox, Item, ItemState, new_key
from bot.app.turns import Turns
from bot.core.command import Command, Place, Speaker
from bot.core.reply import Reply
from bot.i18n.catalogue import t
from bot.notices.port import DeliveryError
from bot.store import journal
from bot.store.contract import StoreError
from bot.store.tinydb_file import TinyDBStore
from tests.chat import CSO, LINE, OUTSIDER, Chat
from tests.serving import eventually


def item(chat: Chat, who: str, words: str, *, unique: str | None = None) -> Item:
    command = Command(Speaker("console", who, email=who), Place("console", f"console:{who}"),
                      words=words)
    return Item(new_key("console", "command", unique), command, {"via": "test"},
                chat.clock.now(), delivery=unique)


class Answers:
    """A responder that keeps what it was asked to answer, and can be made to fail."""

    platform = "console"

    def __init__(self) -> None:
        self.given: list[tuple[str, Reply]] = []
        self.hold: asyncio.Event | None = None
        self.waiting = 0  # turns held in `prepare` now
        self.refuse = False

    async def prepare(self, item: Item) -> Command:
        if self.hold is not None:
            self.waiting += 1
            try:
                await self.hold.wait()
            finally:
                self.waiting -= 1
        return item.command

    async def answer(self, item: Item, reply: Reply) -> None:
        if self.refuse:
            raise DeliveryError("platform down", permanent=False)
        self.given.append((item.key, reply))


def test_the_effect_and_done_are_one_journal_line(tmp_path: Path) -> None:
    store = TinyDBStore(tmp_path / "db.json")
    chat = Chat(store=store)
    inbox = Inbox(chat.bot)
    first = item(chat, CSO, f"propose {LINE}")
    assert inbox.record(first)
    journal = tmp_path / "db.json.journal"
    before = len(journal.read_bytes().splitlines())
    reply = inbox.run(first.key)
    assert reply is not None and reply.ok and "P-1" in reply.text
    lines = [json.loads(line) for line in journal.read_bytes().splitlines()[before:]]
    [effect] = [line for line in lines
                if any(change[0] == "proposals" for change in line["changes"])]
    kept = [doc for collection, _, _, doc in effect["changes"] if collection == INBOX]
    assert [doc["state"] for doc in kept] == ["done"]
    store.close()


def test_a_request_sent_again_adds_nothing_and_a_second_run_is_a_no_op() -> None:
    chat = Chat()
    inbox = Inbox(chat.bot)
    event = item(chat, CSO, f"propose {LINE}", unique="Ev0001")
    assert inbox.record(event)
    assert not inbox.record(event)  # the platform sent it again
    first = inbox.run(event.key)
    again = inbox.run(event.key)
    assert first is not None and again is not None and again.repeated
    assert again.text == first.text
    assert len(chat.bot.records.proposals()) == 1
    inbox.answered(event.key)
    assert inbox.unfinished() == []
    late = inbox.run(event.key)  # long after: the same answer, nothing done twice
    assert late is not None and late.repeated and "P-1" in late.text
    assert len(chat.bot.records.proposals()) == 1


@pytest.mark.parametrize("unique", ["Ev0002", None])
def test_a_request_another_holder_did_gives_that_answer_and_its_effect_once(
        unique: str | None) -> None:
    """A turn runs its command with the item in hand, and learns only at the end of the
    transaction that the request was done meanwhile (by a replica that took it over when this
    one's lease ran out): what it did is undone, and the answer given then stands (or, that
    answer given and its item gone, nothing is answered again)."""
    chat = Chat()
    inbox = Inbox(chat.bot)
    event = item(chat, CSO, f"propose {LINE}", unique=unique)
    assert inbox.record(event)
    first = inbox.run(event.key)
    assert first is not None and "P-1" in first.text
    again = inbox.run(event.key, event.command)
    assert again is not None and again.repeated and again.text == first.text
    inbox.answered(event.key)
    late = inbox.run(event.key, event.command)
    if unique is None:  # nothing comes again under a key of the bot's making: it is gone
        assert late is None
    else:
        assert late is not None and late.repeated and "P-1" in late.text
    assert len(chat.bot.records.proposals()) == 1


def test_a_refused_form_put_right_is_a_new_try_and_the_same_delivery_is_not() -> None:
    chat = Chat()
    inbox = Inbox(chat.bot)
    form = item(chat, OUTSIDER, "decide P-9 include nei", unique="V1:h1")
    form = replace(form, delivery="trigger-1")  # keyed by the form; delivered by one press
    assert inbox.record(form)
    refused = inbox.run(form.key)
    assert refused is not None and not refused.ok
    inbox.answered(form.key, refused=True)
    assert not inbox.record(form)  # the same delivery again: answered already
    assert inbox.record(replace(form, delivery="trigger-2"))  # put right, submitted again
    assert inbox.get(form.key) is not None


def test_an_answered_request_that_changed_nothing_is_not_answered_again() -> None:
    chat = Chat()
    inbox = Inbox(chat.bot)
    for words in ("help", "status", "blah blah"):  # a read, a read, a line not understood
        event = item(chat, CSO, words, unique=f"Ev-{words}")
        assert inbox.record(event)
        reply = inbox.run(event.key)
        assert reply is not None
        inbox.answered(event.key, refused=not reply.ok)
        for _ in (1, 2):  # the platform's retries, after the answer and its mark
            assert not inbox.record(event)
    assert inbox.unfinished() == []


@pytest.mark.asyncio
async def test_a_restart_does_what_was_acknowledged_and_answers_it_once() -> None:
    chat = Chat()
    inbox = Inbox(chat.bot)
    waiting = item(chat, CSO, f"propose {LINE}")
    done = item(chat, OUTSIDER, "status")
    for it in (waiting, done):
        assert inbox.record(it)
    assert inbox.run(done.key) is not None  # done, and the process died before the answer
    assert {i.key: i.state for i in inbox.unfinished()} == {
        waiting.key: ItemState.RECEIVED, done.key: ItemState.DONE}
    chat.clock.advance(timedelta(hours=1))

    turns = Turns(Inbox(chat.bot))  # the next process
    answers = Answers()
    turns.register(answers)
    assert await turns.resume() == 2
    await turns.wait()
    assert sorted(key for key, _ in answers.given) == sorted((waiting.key, done.key))
    proposal = dict(answers.given)[waiting.key]
    assert "P-1" in proposal.text
    assert proposal.lines[0].startswith("Svar på det du skrev")  # it says why it is late
    assert "propose Åpent lobbyregister" in proposal.lines[0]
    assert inbox.unfinished() == []
    assert len(chat.bot.records.proposals()) == 1

    again = Turns(Inbox(chat.bot))
    again.register(answers)
    assert await again.resume() == 0


@pytest.mark.asyncio
async def test_a_stop_leaves_what_has_not_begun_as_it_is() -> None:
    chat = Chat()
    inbox = Inbox(chat.bot)
    turns = Turns(inbox, at_once=1)
    answers = Answers()
    answers.hold = asyncio.Event()
    turns.register(answers)
    items = [item(chat, CSO, f"propose {LINE}") for _ in range(3)]
    for it in items:
        assert inbox.record(it)
        turns.submit(it)
    await eventually(lambda: answers.waiting)  # the first is in flight, held in `prepare`
    stopping = asyncio.create_task(turns.stop(10))
    await asyncio.sleep(0)  # the stop begins: nothing more is to begin
    answers.hold.set()
    await stopping
    assert [key for key, _ in answers.given] == [items[0].key]  # the one in flight finished
    assert {i.key: i.state for i in inbox.unfinished()} == {
        it.key: ItemState.RECEIVED for it in items[1:]}
    assert len(chat.bot.records.proposals()) == 1


@pytest.mark.asyncio
async def test_an_answer_the_platform_will_not_take_goes_through_the_outbox() -> None:
    chat = Chat()
    inbox = Inbox(chat.bot)
    turns = Turns(inbox)
    answers = Answers()
    answers.refuse = True
    turns.register(answers)
    it = item(chat, CSO, "status")
    assert inbox.record(it)
    turns.submit(it)
    await turns.wait()
    assert inbox.unfinished() == []
    notice = chat.bot.outbox.get(f"answer:{it.key}")
    assert notice is not None and notice.target.person == f"roster:{CSO}"


def test_retention_lets_go_of_an_answered_item_a_platform_could_send_again() -> None:
    from bot.app.retention import prune

    chat = Chat()
    inbox = Inbox(chat.bot)
    event = item(chat, CSO, f"propose {LINE}", unique="Ev0002")
    assert inbox.record(event)
    assert inbox.run(event.key) is not None
    inbox.answered(event.key)
    assert chat.store.get(INBOX, event.key) is not None  # kept: a retry gets the same answer
    chat.clock.advance(timedelta(days=8))
    assert prune(chat.bot, chat.clock.now()).requests == 1
    assert chat.store.get(INBOX, event.key) is None


class Gated(Answers):
    """A responder whose answers to chosen items wait for a gate, and that tells when each
    item was answered (so a test can make turns interleave as it wants, without sleeping)."""

    def __init__(self) -> None:
        super().__init__()
        self.gates: dict[str, asyncio.Event] = {}
        self.answered: dict[str, asyncio.Event] = {}
        self.answering: dict[str, asyncio.Event] = {}

    def gate(self, key: str) -> asyncio.Event:
        return self.gates.setdefault(key, asyncio.Event())

    def told(self, key: str) -> asyncio.Event:
        return self.answered.setdefault(key, asyncio.Event())

    def telling(self, key: str) -> asyncio.Event:
        return self.answering.setdefault(key, asyncio.Event())

    async def answer(self, item: Item, reply: Reply) -> None:
        self.telling(item.key).set()
        if item.key in self.gates:
            await self.gates[item.key].wait()
        await super().answer(item, reply)
        self.told(item.key).set()


@pytest.mark.asyncio
async def test_one_persons_edits_land_in_the_order_they_came_however_turns_interleave() -> None:
    chat = Chat()
    number = chat.propose(CSO)
    inbox = Inbox(chat.bot)
    turns = Turns(inbox)
    answers = Gated()
    turns.register(answers)
    edits = [item(chat, CSO, f"edit {number} title Tittel {n}") for n in (1, 2, 3)]
    for it in edits:
        assert inbox.record(it)
    first, second, third = edits
    answers.gate(first.key)  # the first edit is done; its answer waits
    turns.submit(first)
    turns.submit(second)  # waits for the first
    await asyncio.wait_for(answers.telling(first.key).wait(), 10)  # done, being answered
    # The first turn ends, and in the same moment the third edit comes: it must wait for the
    # second, which was waiting before it came.
    answers.gates[first.key].set()
    turns.submit(third)
    await asyncio.wait_for(turns.wait(), 10)
    assert [key for key, _ in answers.given] == [it.key for it in edits]
    proposal = chat.bot.records.proposal(1)
    assert proposal is not None and proposal.title == "Tittel 3"


@pytest.mark.asyncio
async def test_an_answer_marked_while_the_marks_are_being_written_is_written_too(
        monkeypatch: pytest.MonkeyPatch) -> None:
    chat = Chat()
    inbox = Inbox(chat.bot)
    turns = Turns(inbox)
    answers = Gated()
    turns.register(answers)
    first, second = item(chat, CSO, "status"), item(chat, OUTSIDER, "status")
    for it in (first, second):
        assert inbox.record(it)
    writing, go = threading.Event(), threading.Event()
    answered_all = inbox.answered_all

    def slow_first_write(marks: Any) -> None:
        if not writing.is_set():
            writing.set()
            assert go.wait(10)
        answered_all(marks)

    monkeypatch.setattr(inbox, "answered_all", slow_first_write)
    turns.submit(first)
    assert await asyncio.to_thread(writing.wait, 10)  # the first mark is being written
    turns.submit(second)
    await asyncio.wait_for(answers.told(second.key).wait(), 10)  # answered meanwhile
    go.set()
    # No other answer comes to carry it along: the second mark is written all the same.
    await eventually(lambda: inbox.unfinished() == [], within=10)


@pytest.mark.asyncio
async def test_marks_that_collide_with_another_replicas_write_are_written_again(
        pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.store.contract import Conflict
    from bot.store.postgres import PostgresStore

    store = PostgresStore(pg_url)
    try:
        chat = Chat(store=store)
        inbox = Inbox(chat.bot)
        turns = Turns(inbox)
        answers = Answers()
        turns.register(answers)
        it = item(chat, CSO, "status", unique="Ev-collide")
        assert inbox.record(it)
        put = PostgresStore.put
        collided: list[str] = []

        def colliding_put(self: PostgresStore, collection: str, key: str, doc: Any) -> None:
            if collection == INBOX and doc.get("state") == "answered" and not collided:
                collided.append(key)
                raise Conflict("could not serialize access (another replica wrote meanwhile)")
            put(self, collection, key, doc)

        monkeypatch.setattr(PostgresStore, "put", colliding_put)
        turns.submit(it)
        await asyncio.wait_for(turns.wait(), 20)
        assert collided == [it.key]
        doc = store.get(INBOX, it.key)
        assert doc is not None and doc["state"] == "answered"  # written on the second try
        assert not inbox.holding()
    finally:
        store.close()


def test_a_replica_takes_no_item_a_live_one_holds_and_takes_a_dead_ones(pg_url: str) -> None:
    from bot.app.inbox import HOLD, LEASE
    from bot.store.postgres import PostgresStore

    store = PostgresStore(pg_url)
    try:
        chat = Chat(store=store)
        alive, other = Inbox(chat.bot, owner="replica-a"), Inbox(chat.bot, owner="replica-b")
        it = item(chat, CSO, "status")
        assert alive.record(it)
        assert other.take_ready(10) == []  # new: left to the replica that received it
        assert alive.hold(it)
        assert not other.hold(it)
        chat.clock.advance(timedelta(seconds=HOLD + LEASE / 2))
        alive.renew()  # it lives
        chat.clock.advance(timedelta(seconds=LEASE / 2 + 1))
        assert other.take_ready(10) == []  # long past HOLD, but held by a live replica
        chat.clock.advance(timedelta(seconds=LEASE + 1))  # no renewal came: it died
        [taken] = other.take_ready(10)
        assert taken.key == it.key and taken.state is ItemState.RECEIVED
    finally:
        store.close()


def test_the_receiver_records_an_item_already_its_own_and_takes_it_without_asking_again(
        pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a shared store the replica that acknowledges a request records its item with its
    own lease in the same write: its turn's `hold` asks the store nothing, another replica
    waits as long as for an item held, and a turn that comes too late to trust the lease it
    wrote claims the item as before."""
    from bot.app.inbox import HOLD, LEASE, RENEW_EVERY
    from bot.store.postgres import PostgresStore

    store = PostgresStore(pg_url)
    try:
        chat = Chat(store=store)
        alive, other = Inbox(chat.bot, owner="replica-a"), Inbox(chat.bot, owner="replica-b")
        claims: list[str] = []
        claim = store.claim
        monkeypatch.setattr(store, "claim", lambda *a, **k: (claims.append(a[1]),
                                                            claim(*a, **k))[1])
        first = item(chat, CSO, "status")
        assert alive.record(first)
        assert store.holder(INBOX, first.key) == "replica-a"
        assert alive.fresh(first.key)
        assert alive.hold(first) and claims == []  # no round trip to the store
        assert not alive.fresh(first.key) and not other.hold(first)
        chat.clock.advance(timedelta(seconds=HOLD + 1))
        assert other.take_ready(10) == []  # ready, but its receiver's lease lasts
        late = item(chat, CSO, "status")
        assert alive.record(late)
        chat.clock.advance(timedelta(seconds=HOLD + LEASE - RENEW_EVERY))
        claims.clear()
        assert alive.hold(late) and claims == ["replica-a"]  # its lease nearly out: claimed
        chat.clock.advance(timedelta(seconds=LEASE + 1))  # no renewal came: it died
        assert {i.key for i in other.take_ready(10)} == {first.key, late.key}
    finally:
        store.close()


@pytest.mark.asyncio
async def test_an_answer_the_platform_is_slow_to_take_holds_back_no_one_elses() -> None:
    """Slack may take seconds to take an answer at a response_url; meanwhile the core is free
    for the next person's turn, however few turns it runs at once."""
    chat = Chat()
    inbox = Inbox(chat.bot)
    turns = Turns(inbox, at_once=1)
    answers = Gated()
    turns.register(answers)
    slow = [item(chat, who, "status") for who in ("kari@ks.example.org", "ola@jd.example.org")]
    quick = item(chat, CSO, "status")
    for it in (*slow, quick):
        assert inbox.record(it)
    for it in slow:
        answers.gate(it.key)  # the platform holds these answers back
        turns.submit(it)
        await asyncio.wait_for(answers.telling(it.key).wait(), 10)
    turns.submit(quick)
    await asyncio.wait_for(answers.told(quick.key).wait(), 10)
    assert [key for key, _ in answers.given] == [quick.key]
    for it in slow:
        answers.gates[it.key].set()
    await asyncio.wait_for(turns.wait(), 10)
    assert {key for key, _ in answers.given} == {it.key for it in (*slow, quick)}


@pytest.mark.asyncio
async def test_a_platform_slow_to_say_who_speaks_holds_back_no_one_else() -> None:
    """Looking a person up on the platform (users.info) may take long; meanwhile the core is
    free for the next person's turn, however few turns it runs at once."""
    chat = Chat()
    inbox = Inbox(chat.bot)
    turns = Turns(inbox, at_once=1)
    answers = Answers()
    answers.hold = slow_platform = asyncio.Event()  # these look-ups wait for it
    turns.register(answers)
    slow = [item(chat, who, "status") for who in ("kari@ks.example.org", "ola@jd.example.org")]
    for it in slow:
        assert inbox.record(it)
        turns.submit(it)
    await eventually(lambda: answers.waiting == 2)
    answers.hold = None  # the next person's look-up answers at once
    quick = item(chat, CSO, "status")
    assert inbox.record(quick)
    turns.submit(quick)
    await eventually(lambda: [key for key, _ in answers.given] == [quick.key])
    assert answers.waiting == 2
    slow_platform.set()
    await asyncio.wait_for(turns.wait(), 10)
    assert {key for key, _ in answers.given} == {it.key for it in (*slow, quick)}


class Syncs:
    """The journal's fsyncs, each with what the journal held on disk after it (`keep`); or a
    full disk (`refuse`)."""

    def __init__(self, journal_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.journal_path = journal_path
        self.monkeypatch = monkeypatch
        self.synced: list[bytes] = []
        self.real_fsync = os.fsync
        self.keep()

    def keep(self) -> None:
        def fsync(fd: int) -> None:
            self.real_fsync(fd)
            self.synced.append(self.journal_path.read_bytes())

        self.monkeypatch.setattr(journal.os, "fsync", fsync)

    def refuse(self) -> None:
        def full_disk(fd: int) -> None:
            raise OSError(errno.ENOSPC, "No space left on device")

        self.monkeypatch.setattr(journal.os, "fsync", full_disk)


@pytest.mark.asyncio
async def test_requests_kept_in_the_loop_are_on_disk_before_their_acks(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On TinyDB the event loop writes an item itself and only waits for the disk elsewhere:
    when `Turns.record` returns, the item's journal line is fsynced; items kept together
    share a thread's wait; a disk that refuses the line refuses the item (no ack)."""
    store = TinyDBStore(tmp_path / "db.json")
    chat = Chat(store=store)
    turns = Turns(Inbox(chat.bot))
    disk = Syncs(tmp_path / "db.json.journal", monkeypatch)
    items = [item(chat, who, "status", unique=f"t-{n}") for n, who in enumerate(
        ("kari@ks.example.org", "ola@jd.example.org", CSO))]
    assert await asyncio.gather(*(turns.record(it) for it in items)) == [True] * 3
    for it in items:
        assert any(it.key.encode() in on_disk for on_disk in disk.synced)
    assert await turns.record(items[0]) is False  # the same delivery again: kept already
    disk.refuse()
    refused = item(chat, CSO, "status", unique="t-refused")
    with pytest.raises(StoreError, match="No space left"):
        await turns.record(refused)
    assert chat.store.get(INBOX, refused.key) is None
    monkeypatch.undo()
    store.close()


@pytest.mark.asyncio
async def test_a_wait_for_the_disk_that_breaks_refuses_the_request_instead_of_hanging(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = TinyDBStore(tmp_path / "db.json")
    chat = Chat(store=store)
    turns = Turns(Inbox(chat.bot))

    def broken(tickets: list[int]) -> None:
        raise RuntimeError("a bug in the wait")

    monkeypatch.setattr(store, "settle", broken)
    with pytest.raises(StoreError):
        await asyncio.wait_for(turns.record(item(chat, CSO, "status", unique="t-broken")), 10)
    monkeypatch.undo()
    assert await turns.record(item(chat, CSO, "status", unique="t-after"))  # the next is kept
    store.close()


class DiskAtAnswer(Answers):
    """Answers that note what the journal on disk held when each answer went out."""

    def __init__(self, synced: list[bytes]) -> None:
        super().__init__()
        self.synced = synced
        self.on_disk: list[bytes] = []

    async def answer(self, item: Item, reply: Reply) -> None:
        self.on_disk.append(self.synced[-1] if self.synced else b"")
        await super().answer(item, reply)


@pytest.mark.asyncio
async def test_a_quick_command_run_in_the_loop_answers_once_its_writes_are_on_disk(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On TinyDB the core's part of a command its word has shown to be cheap runs in the event
    loop: its answer still goes out only once what it wrote is fsynced; and when the disk
    refuses it, the person gets the storage refusal and nothing of it is kept."""
    monkeypatch.setattr(turns_module, "QUICK", 60.0)  # every word counts as cheap here
    store = TinyDBStore(tmp_path / "db.json")
    chat = Chat(store=store)
    inbox = Inbox(chat.bot)
    turns = Turns(inbox)
    disk = Syncs(tmp_path / "db.json.journal", monkeypatch)
    answers = DiskAtAnswer(disk.synced)
    turns.register(answers)
    ran_in: list[int] = []
    run = inbox.run

    def noting(key: str, command: Command | None = None) -> Reply | None:
        ran_in.append(threading.get_ident())
        return run(key, command)

    monkeypatch.setattr(inbox, "run", noting)

    async def propose(n: int) -> Reply:
        it = item(chat, CSO, f"propose Forslag {n} {LINE}", unique=f"t-{n}")
        assert await turns.record(it)
        turns.submit(it)
        await asyncio.wait_for(turns.wait(), 10)
        key, reply = answers.given[-1]
        assert key == it.key
        return reply

    first = await propose(1)  # a word not seen yet runs in a thread, which tells its cost
    assert first.ok and "P-1" in first.text
    assert ran_in[-1] != threading.get_ident()
    second = await propose(2)
    assert ran_in[-1] == threading.get_ident()  # in the event loop this time
    assert second.ok and "P-2" in second.text
    assert b'"number": 2' in answers.on_disk[-1] or b'"number":2' in answers.on_disk[-1]

    it = item(chat, CSO, f"propose Forslag 3 {LINE}", unique="t-3")
    assert await turns.record(it)  # the item itself is kept
    disk.refuse()  # its command's writes are not
    turns.submit(it)
    await eventually(lambda: len(answers.given) == 3)
    disk.keep()  # back, for the answers' marks
    await asyncio.wait_for(turns.wait(), 10)
    key, refused = answers.given[-1]
    assert key == it.key and not refused.ok
    assert refused.text == t("nb", "error.storage")
    assert [p.number for p in chat.bot.records.proposals()] == [1, 2]
    monkeypatch.undo()
    store.close()


@pytest.mark.asyncio
async def test_a_command_whose_core_part_costs_much_leaves_the_loop_free(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A word whose core part has cost more CPU than a quick one (seating the tables, say)
    runs in a worker thread, however often it comes: meanwhile the loop acknowledges others."""
    store = TinyDBStore(tmp_path / "db.json")
    chat = Chat(store=store)
    inbox = Inbox(chat.bot)
    turns = Turns(inbox)
    answers = Answers()
    turns.register(answers)
    run = inbox.run
    release = threading.Event()
    calls = 0

    def costly(key: str, command: Command | None = None) -> Reply | None:
        nonlocal calls
        calls += 1
        if calls == 1:
            spent = time.thread_time()
            while time.thread_time() - spent < 2 * turns_module.QUICK:
                pass  # CPU, as a solver spends it
        else:
            assert release.wait(10)  # in the loop, this would stop every ack below
        return run(key, command)

    monkeypatch.setattr(inbox, "run", costly)
    first = item(chat, CSO, "status", unique="t-first")
    assert await turns.record(first)
    turns.submit(first)
    await asyncio.wait_for(turns.wait(), 10)
    held = item(chat, CSO, "status", unique="t-held")
    assert await turns.record(held)
    turns.submit(held)
    await eventually(lambda: calls == 2)
    other = item(chat, "ola@jd.example.org", "help", unique="t-other")
    assert await asyncio.wait_for(turns.record(other), 5)  # acknowledged meanwhile
    release.set()
    turns.submit(other)
    await asyncio.wait_for(turns.wait(), 10)
    assert {key for key, _ in answers.given} == {first.key, held.key, other.key}
    store.close()
