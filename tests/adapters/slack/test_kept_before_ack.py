"""Nothing is acknowledged to Slack before it is kept in the inbox, whatever kind of request:
a slash command, a button, a mention, a DM, a submitted form. While the inbox's write has not
returned, Slack has no answer; a write the store refuses is no promise (an event gets 503 and
is kept when Slack sends it again, and then answered once; a command is told at once that
nothing was saved)."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from bot.app.inbox import INBOX, Inbox, Item
from bot.i18n.catalogue import t
from bot.store import journal
from bot.store.contract import StoreError
from tests.adapters.slack.conftest import BOT_USER, EMILY, JANE, KARI, OLA, Answer, Workspace
from tests.fakes.slack_signing import (
    block_actions_payload,
    event_callback_body,
    interactivity_body,
    slash_command_body,
    text_value,
    view_submission_payload,
)
from tests.serving import eventually

pytestmark = pytest.mark.asyncio(loop_scope="module")


def requests(workspace: Workspace) -> dict[str, Callable[[], bytes]]:
    """One signed body of each kind the bot keeps, made fresh each time it is called."""
    fake = workspace.fake
    dm = fake.dm_channel(OLA.slack_id)
    return {
        "command": lambda: slash_command_body("help", user_id=JANE.slack_id,
                                              response_url=fake.response_url("k-cmd")),
        "button": lambda: interactivity_body(block_actions_payload(
            "ogp_words:help", value="help", user_id=JANE.slack_id,
            response_url=fake.response_url("k-btn"))),
        "mention": lambda: event_callback_body({
            "type": "app_mention", "user": EMILY.slack_id, "channel": "C0PLENARY",
            "text": f"<@{BOT_USER}> help", "ts": "1700000001.000100"}),
        "dm": lambda: event_callback_body({
            "type": "message", "channel_type": "im", "user": OLA.slack_id, "channel": dm,
            "text": "help", "ts": "1700000001.000200"}),
        "form": lambda: interactivity_body(view_submission_payload(
            "propose", {"title": text_value("")}, user_id=KARI.slack_id, view_id="V0KEPT0001")),
    }


class Held:
    """The store's writes held on their way to the disk (the journal's fsync) until `go`:
    `entered` is set once one is; `kept`, the items in the store when their record returned."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.go = threading.Event()
        self.kept: list[Item] = []


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> Iterator[Held]:
    state = Held()
    record = Inbox.record
    real_fsync = os.fsync

    def noting_record(inbox: Inbox, item: Item) -> bool:
        kept = record(inbox, item)
        if inbox.store.get(INBOX, item.key) is not None:
            state.kept.append(item)
        return kept

    def slow_fsync(fd: int) -> None:
        if not state.go.is_set():  # whichever thread waits for the disk waits here
            state.entered.set()
            assert state.go.wait(30)
        real_fsync(fd)

    monkeypatch.setattr(Inbox, "record", noting_record)
    monkeypatch.setattr(journal.os, "fsync", slow_fsync)
    try:
        yield state
    finally:
        state.go.set()


@pytest.mark.parametrize("kind", ["command", "button", "mention", "dm", "form"])
async def test_slack_has_no_answer_until_the_request_is_in_the_inbox(
        workspace: Workspace, held: Held, kind: str) -> None:
    body = requests(workspace)[kind]()
    posting = asyncio.ensure_future(workspace.post(body))
    assert await asyncio.to_thread(held.entered.wait, 30)
    # The write is on its way to the disk: whatever else happens, no answer yet.
    done, _ = await asyncio.wait({posting}, timeout=0.5)
    assert not done, f"the {kind} was acknowledged before it was kept"
    held.go.set()
    answer = await posting
    assert answer.status == 200
    assert len(held.kept) == 1  # and it was in the store when the write returned


@pytest.fixture
def refusing(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The inbox's store refuses the next write of each key once (a full disk, a lost
    database); the keys it refused are listed."""
    refused: list[str] = []
    record = Inbox.record

    def flaky_record(inbox: Inbox, item: Item) -> bool:
        if item.key not in refused:
            refused.append(item.key)
            raise StoreError("the disk is full")
        return record(inbox, item)

    monkeypatch.setattr(Inbox, "record", flaky_record)
    yield refused


async def test_an_event_the_store_refused_is_not_acknowledged_and_its_retry_answered_once(
        workspace: Workspace, refusing: list[str]) -> None:
    channel = workspace.fake.dm_channel(EMILY.slack_id)
    body = event_callback_body({"type": "message", "channel_type": "im", "user": EMILY.slack_id,
                                "channel": channel, "text": "help",
                                "ts": "1700000002.000100"}, event_id="Ev0REFUSED1")
    before = len(await workspace.dms(EMILY, count=0))
    first = await workspace.post(body)
    assert first.status == 503  # Slack sends it again
    assert len(refusing) == 1
    again = await workspace.post(body, headers={"X-Slack-Retry-Num": "1",
                                                "X-Slack-Retry-Reason": "http_error"})
    assert again.status == 200
    dms = await workspace.dms(EMILY, count=before + 1)
    assert "What you can do" in dms[-1]["text"]
    # once every request the inbox kept is answered, nothing is left that could answer it
    # again (the refused first delivery was never kept)
    await eventually(lambda: [d["state"] for d in workspace.runtime.store.all(INBOX)]
                     == ["answered"])
    assert len(await workspace.dms(EMILY, count=0)) == before + 1


async def test_a_command_the_store_refused_is_told_so_at_once(
        workspace: Workspace, refusing: list[str]) -> None:
    answer: Answer = await workspace.post(slash_command_body(
        "propose Nytt forslag", user_id=KARI.slack_id,
        response_url=workspace.fake.response_url("k-refused")))
    assert answer.status == 200
    said: Any = answer.json()
    assert said["text"] == t("nb", "error.storage")
    assert refusing and workspace.runtime.store.get(INBOX, refusing[0]) is None
