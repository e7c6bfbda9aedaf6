"""The outbox: the store's queue of notices (`bot.core.notice`), each delivered exactly once.

The core only schedules (through the `Scheduler` protocol this class fulfils); the dispatcher
delivers. Each notice still to be sent is work in the store's sense (its `ready_at`), which
dispatchers claim; a new notice notifies the store's `outbox` channel, which wakes them all.

A notice's life is a handful of transitions, each here, each reading the notice as the store
holds it now (never a copy a sender kept from before): `pending` -> `sending` (`begin`) ->
`sent` (`mark_sent`), or back to `pending` after a passing failure (`put_back`), or `failed`
(`fail`); `pending` -> `skipped` (`skip`) or kept waiting for a person (`wait_for_person`).
Every transition but `mark_sent` is made only by the dispatcher that holds the notice's claim:
one whose lease ran out (another replica took the notice over) changes nothing.

Whatever reads notices and writes them back does both in one transaction (`Store.atomically`,
run again where it collided; inside a command's or the dispatcher's transaction it is part of
that one): a change made meanwhile by another thread or replica is never written over.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from bot.core.notice import Notice, NoticeState, Target
from bot.core.tracing import current_request_id
from bot.store.contract import READY, Signals, WorkQueue

OUTBOX = "outbox"


class Outbox:
    """The notices in the store: work for the dispatcher, which `signals` wake when there is
    more."""

    def __init__(self, store: WorkQueue, signals: Signals) -> None:
        self.store = store
        self.signals = signals

    def schedule(self, notice: Notice) -> bool:
        """Add `notice` unless its key is already there; return whether it was added. A notice
        keeps the id of the request that scheduled it, so the log lines of its send carry it."""
        return notice.key in self.schedule_all([notice])

    def schedule_all(self, notices: Iterable[Notice]) -> set[str]:
        """`schedule` each of `notices` (of two with one key, the first), in one question to
        the store; the keys of those added."""
        request_id = current_request_id()
        docs: dict[str, dict[str, Any]] = {}
        for notice in notices:
            if notice.request_id is None and request_id is not None:
                notice = notice.with_changes(request_id=request_id)
            docs.setdefault(notice.key, notice.to_dict())
        added = self.store.add_many(OUTBOX, docs)
        if added:
            self.signals.notify(OUTBOX)
        return added

    def get(self, key: str) -> Notice | None:
        doc = self.store.get(OUTBOX, key)
        return Notice.from_dict(doc) if doc else None

    def save(self, notice: Notice) -> None:
        self.store.put(OUTBOX, notice.key, notice.to_dict())

    def cancel_prefix(self, prefix: str, reason: str) -> list[Notice]:
        """Skip every notice not yet sent whose key starts with `prefix`; return them."""
        def cancel() -> list[Notice]:
            cancelled = []
            for notice in self.pending():
                if notice.key.startswith(prefix):
                    self.save(notice.with_changes(state=NoticeState.SKIPPED, last_error=reason))
                    cancelled.append(notice)
            return cancelled

        return self.store.atomically(cancel)

    def all(self) -> list[Notice]:
        return sorted((Notice.from_dict(d) for d in self.store.all(OUTBOX)),
                      key=lambda n: (n.due, n.key))

    def in_state(self, state: NoticeState) -> list[Notice]:
        """The notices in one state, in due order (found by the store, not by reading all)."""
        return sorted((Notice.from_dict(d) for d in self.store.find(OUTBOX, state=state.value)),
                      key=lambda n: (n.due, n.key))

    def pending(self) -> list[Notice]:
        return self.in_state(NoticeState.PENDING)

    def untried(self, person_key: str, prefix: str) -> list[Notice]:
        """The notices to a person whose key starts with `prefix` that are pending and were
        never tried (no attempt, so none can have arrived): what they say may still change
        before they go. Earliest due first."""
        found = (Notice.from_dict(d) for d in self.store.find(
            OUTBOX, state=NoticeState.PENDING.value, for_person=person_key))
        return sorted((n for n in found if n.key.startswith(prefix) and n.attempts == 0
                       and not n.in_doubt), key=lambda n: (n.due, n.key))

    def follow_person(self, old_key: str, new_key: str) -> None:
        """A person's key changed (merged into another): their notices go to the new one."""
        def follow() -> None:
            for doc in self.store.find(OUTBOX, for_person=old_key):
                notice = Notice.from_dict(doc)
                self.save(notice.with_changes(target=Target.to_person(new_key)))

        self.store.atomically(follow)

    def release_waiting(self, person_key: str) -> int:
        """Someone the bot could not reach has just been seen: their waiting notices may go
        now. Returns how many were released."""
        def release() -> int:
            released = 0
            for doc in self.store.find(OUTBOX, state=NoticeState.PENDING.value,
                                       for_person=person_key):
                notice = Notice.from_dict(doc)
                if notice.waiting:
                    self.save(notice.with_changes(not_before=None, waiting=False))
                    released += 1
            if released:
                self.signals.notify(OUTBOX)
            return released

        return self.store.atomically(release)

    def upgrade(self) -> int:
        """Give the notices still to be sent that were stored before notices were the store's
        work their `ready_at`; return how many (the dispatcher, as it starts)."""
        def upgrade() -> int:
            count = 0
            for state in (NoticeState.PENDING, NoticeState.SENDING):
                # only those with no `ready_at` are read (not every notice still to be sent)
                for doc in self.store.find(OUTBOX, state=state.value, ready_at=None):
                    if READY not in doc:
                        self.save(Notice.from_dict(doc))
                        count += 1
            return count

        return self.store.atomically(upgrade)

    # -- delivery: the dispatcher's transitions (each inside one of its store transactions) ----

    def held(self, key: str, owner: str) -> Notice | None:
        """The notice while it is still to be sent (pending, or `sending` when taken over from
        a sender that stopped) and `owner` holds the claim on it; else None."""
        notice = self.get(key)
        if notice is None or notice.state not in (NoticeState.PENDING, NoticeState.SENDING):
            return None
        if self.store.holder(OUTBOX, key) != owner:
            return None  # another replica took it over (this one was too slow to renew)
        return notice

    def _sending(self, key: str, owner: str | None) -> Notice | None:
        notice = self.get(key)
        if notice is None or notice.state is not NoticeState.SENDING:
            return None
        if owner is not None and self.store.holder(OUTBOX, key) != owner:
            return None
        return notice

    def begin(self, notice: Notice) -> Notice:
        """`notice` (as the sender composed it) goes out now: `sending`, one attempt more."""
        began = notice.with_changes(state=NoticeState.SENDING, attempts=notice.attempts + 1)
        self.save(began)
        return began

    def mark_sent(self, key: str, at: datetime, note: str | None = None) -> Notice | None:
        """The platform took the notice (`note`, when it says how we know). Whoever holds the
        claim by now, it arrived."""
        notice = self._sending(key, None)
        if notice is None:
            return None
        sent = notice.with_changes(state=NoticeState.SENT, sent_at=at, not_before=None,
                                   waiting=False, in_doubt=False,
                                   last_error=notice.last_error if note is None else note)
        self.save(sent)
        return sent

    def put_back(self, key: str, owner: str, reason: str, not_before: datetime,
                 in_doubt: bool = False) -> Notice | None:
        """A passing failure: `pending` again, not tried before `not_before`; `in_doubt` when
        it may have arrived all the same (it is then looked for before it goes again)."""
        notice = self._sending(key, owner)
        if notice is None:
            return None
        back = notice.with_changes(state=NoticeState.PENDING, last_error=reason,
                                   not_before=not_before, in_doubt=in_doubt)
        self.save(back)
        return back

    def fail(self, key: str, owner: str, reason: str) -> Notice | None:
        """The notice can never arrive (or passing failures lasted too long): `failed`."""
        notice = self._sending(key, owner)
        if notice is None:
            return None
        failed = notice.with_changes(state=NoticeState.FAILED, last_error=reason)
        self.save(failed)
        return failed

    def skip(self, key: str, owner: str, reason: str) -> Notice | None:
        """The notice no longer matters, or has nowhere to go: `skipped`, with why."""
        notice = self.held(key, owner)
        if notice is None:
            return None
        skipped = notice.with_changes(state=NoticeState.SKIPPED, last_error=reason)
        self.save(skipped)
        return skipped

    def wait_for_person(self, key: str, owner: str, until: datetime,
                        reason: str) -> Notice | None:
        """Its person cannot be reached yet: looked at again at `until`, or when they are
        seen (`release_waiting`)."""
        notice = self.held(key, owner)
        if notice is None:
            return None
        waiting = notice.with_changes(waiting=True, not_before=until, last_error=reason)
        self.save(waiting)
        return waiting

    def recover(self, reason: str) -> int:
        """With a store one process owns, at start-up: every notice left `sending` by a process
        that died goes back to `pending`, in doubt (it may have arrived), to be looked for or
        sent again; returns how many."""
        def recover() -> int:
            count = 0
            for notice in self.in_state(NoticeState.SENDING):
                self.save(notice.with_changes(state=NoticeState.PENDING, last_error=reason,
                                              in_doubt=True))
                count += 1
            return count

        return self.store.atomically(recover)
