"""Words that only read as a rule (`Word.reads`: `status`, `meetings`, `help`) on a shared store:
they run without a transaction of their own, and when one writes after all (a speaker's
first command, which learns who they are), it runs again in a transaction that may write,
with the same answer and nothing lost."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.store.contract import Store
from bot.store.postgres import PostgresStore
from tests.chat import CSO, JD, Chat


def writing_transactions(store: PostgresStore, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The kinds of the transactions that may write, as the store opens them from now on."""
    opened: list[str] = []
    outermost = store._outermost

    def counted(readonly: bool, kind: str) -> Iterator[None]:
        opened.append(kind)
        return outermost(readonly, kind)

    monkeypatch.setattr(store, "_outermost", counted)
    return opened


@pytest.mark.parametrize("store", ["postgresql"], indirect=True)
def test_a_status_runs_without_a_transaction_once_its_speaker_is_known(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(store, PostgresStore)
    chat = Chat(store=store)
    ref = chat.propose(CSO)
    opened = writing_transactions(store, monkeypatch)
    first = chat.say(JD, f"status {ref}")  # JD's first word: learnt, so it writes after all
    assert first.ok and "Åpent lobbyregister" in first.text
    assert opened == ["status"]  # run again, in a transaction that may write
    assert chat.bot.records.person_by_platform("console", JD) is not None  # and kept
    again = chat.say(JD, f"status {ref}")
    assert again.text == first.text
    assert chat.say(JD, "meetings").ok and chat.say(JD, "help").ok
    assert opened == ["status"]  # none of those wrote: no transaction, no BEGIN or COMMIT
    assert chat.say(JD, "status P-99").ok is False  # a refusal reads as well
    chat.say(JD, f"outcome {ref} agreed")
    assert opened == ["status", "outcome"]  # a word that writes opens its transaction as ever
    assert "enighet" in chat.say(CSO, f"status {ref}").text.lower()
