"""The inbox in the core: an acknowledged request is kept until it is done and answered; its
effect and "done" land in one transaction; a request sent again adds nothing; what a crash
left is done and answered at the next start, once; a stop leaves what has not begun."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app.inbox import INBOX, Inbox, Item, ItemState, new_key
from bot.app.turns import Turns
from bot.core.command import Command, Place, Speaker
from bot.core.reply import Reply
from bot.notices.port import DeliveryError
from bot.store.tinydb_file import TinyDBStore
from tests.chat import CSO, LINE, OUTSIDER, Chat


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
        self.refuse = False

    async def prepare(self, item: Item) -> Command:
        if self.hold is not None:
            await self.hold.wait()
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


def test_a_refused_repeatable_request_is_tried_anew_when_sent_again() -> None:
    chat = Chat()
    inbox = Inbox(chat.bot)
    form = item(chat, OUTSIDER, "decide P-9 include nei", unique="V1:h1")
    assert inbox.record(form)
    refused = inbox.run(form.key)
    assert refused is not None and not refused.ok
    inbox.answered(form.key)
    assert inbox.record(form)  # put right and submitted again: a new try


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
    await asyncio.sleep(0.05)  # the first is in flight, held at its users.info
    stopping = asyncio.create_task(turns.stop(10))
    await asyncio.sleep(0.05)
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
