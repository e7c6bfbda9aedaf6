"""On PostgreSQL, what reads a document and writes it back does both in one transaction, run
again when it collided: two replicas changing the same thing at once both keep their change.
Deterministic: one writer is held between its read and its write while the other commits."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest

from bot.core.notice import Notice, NoticeState, Target
from bot.core.reach import Reach
from bot.core.records import Records
from bot.core.reply import Reply
from bot.notices.outbox import OUTBOX, Outbox
from bot.store.contract import Doc
from bot.store.postgres import PostgresStore

SLOW = "slow-writer"


@pytest.fixture
def store(pg_url: str) -> Iterator[PostgresStore]:
    opened = PostgresStore(pg_url)
    try:
        yield opened
    finally:
        opened.close()


def held_after_first_read(store: PostgresStore, collection: str,
                          meanwhile: Callable[[], None]) -> None:
    """From now on, the first read of `collection` by a thread named SLOW is followed, before
    that thread goes on, by `meanwhile()` (another writer, run to its commit)."""
    reads: dict[str, int] = {}
    get, find = store.get, store.find

    def pause(name: str) -> None:
        if threading.current_thread().name == SLOW and name == collection \
                and reads.setdefault(SLOW, 0) == 0:
            reads[SLOW] = 1
            other = threading.Thread(target=meanwhile)
            other.start()
            other.join(30)

    def slow_get(name: str, key: str) -> Doc | None:
        doc = get(name, key)
        pause(name)
        return doc

    def slow_find(name: str, **equals: object) -> list[Doc]:
        docs = find(name, **equals)
        pause(name)
        return docs

    store.get = slow_get  # type: ignore[method-assign]
    store.find = slow_find  # type: ignore[method-assign]


def test_two_changes_to_one_teams_contact_at_once_both_land(store: PostgresStore) -> None:
    reach = Reach(Records(store), "teams")
    reach.remember(contacts={"29:1-ingrid": {"id": "29:1-ingrid", "conversation": "a:1"}})
    held_after_first_read(store, "teams_people", lambda: reach.update_contact(
        "29:1-ingrid", member_tenant="jd-tenant"))
    slow = threading.Thread(name=SLOW, target=lambda: reach.update_contact(
        "29:1-ingrid", email="ingrid@jd.example.org", email_tenant="jd-tenant"))
    slow.start()
    slow.join(60)
    assert reach.contact("29:1-ingrid") == {
        "id": "29:1-ingrid", "conversation": "a:1", "member_tenant": "jd-tenant",
        "email": "ingrid@jd.example.org", "email_tenant": "jd-tenant"}


def test_a_notice_released_for_a_person_keeps_what_the_dispatcher_wrote_meanwhile(
        store: PostgresStore) -> None:
    """A person is seen (their waiting notice may go now) while the dispatcher puts the same
    notice off: the release does not write back the copy it read before."""
    outbox = Outbox(store, store)
    due = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    notice = Notice("proposal:P-1:new:roster:ingrid@jd.example.org",
                    Target.to_person("roster:ingrid@jd.example.org"),
                    Reply(language="nb", title="Nytt forslag P-1"), due, "proposal")
    outbox.schedule(notice.with_changes(waiting=True))

    def dispatcher_puts_it_off() -> None:
        stored = outbox.get(notice.key)
        assert stored is not None
        outbox.save(stored.with_changes(last_error="waiting: still not reachable",
                                        attempts=stored.attempts + 1))

    held_after_first_read(store, OUTBOX, dispatcher_puts_it_off)
    slow = threading.Thread(name=SLOW,
                            target=lambda: outbox.release_waiting("roster:ingrid@jd.example.org"))
    slow.start()
    slow.join(60)
    after = outbox.get(notice.key)
    assert after is not None and after.state is NoticeState.PENDING
    assert not after.waiting  # released
    assert after.attempts == 1 and after.last_error == "waiting: still not reachable"  # kept
