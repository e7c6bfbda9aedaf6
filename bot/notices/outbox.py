"""The outbox: the store's queue of notices (`bot.core.notice`), each delivered exactly once.

The core only schedules (through the `Scheduler` protocol this class fulfils); the dispatcher
delivers. Each notice still to be sent is work in the store's sense (its `ready_at`), which
dispatchers claim; a new notice notifies the store's `outbox` channel, which wakes them all.
"""

from __future__ import annotations

from bot.core.notice import Notice, NoticeState, Target
from bot.core.tracing import current_request_id
from bot.store.contract import READY, Store

OUTBOX = "outbox"


class Outbox:
    """The notices in the store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def schedule(self, notice: Notice) -> bool:
        """Add `notice` unless its key is already there; return whether it was added. A notice
        keeps the id of the request that scheduled it, so the log lines of its send carry it."""
        if notice.request_id is None and (request_id := current_request_id()) is not None:
            notice = notice.with_changes(request_id=request_id)
        added = self.store.add(OUTBOX, notice.key, notice.to_dict())
        if added:
            self.store.notify(OUTBOX)
        return added

    def get(self, key: str) -> Notice | None:
        doc = self.store.get(OUTBOX, key)
        return Notice.from_dict(doc) if doc else None

    def save(self, notice: Notice) -> None:
        self.store.put(OUTBOX, notice.key, notice.to_dict())

    def cancel_prefix(self, prefix: str, reason: str) -> list[Notice]:
        """Skip every notice not yet sent whose key starts with `prefix`; return them."""
        cancelled = []
        for notice in self.pending():
            if notice.key.startswith(prefix):
                self.save(notice.with_changes(state=NoticeState.SKIPPED, last_error=reason))
                cancelled.append(notice)
        return cancelled

    def all(self) -> list[Notice]:
        return sorted((Notice.from_dict(d) for d in self.store.all(OUTBOX)),
                      key=lambda n: (n.due, n.key))

    def in_state(self, state: NoticeState) -> list[Notice]:
        """The notices in one state, in due order (found by the store, not by reading all)."""
        return sorted((Notice.from_dict(d) for d in self.store.find(OUTBOX, state=state.value)),
                      key=lambda n: (n.due, n.key))

    def pending(self) -> list[Notice]:
        return self.in_state(NoticeState.PENDING)

    def follow_person(self, old_key: str, new_key: str) -> None:
        """A person's key changed (merged into another): their notices go to the new one."""
        for doc in self.store.find(OUTBOX, for_person=old_key):
            notice = Notice.from_dict(doc)
            self.save(notice.with_changes(target=Target.to_person(new_key)))

    def release_waiting(self, person_key: str) -> int:
        """Someone the bot could not reach has just been seen: their waiting notices may go
        now. Returns how many were released."""
        released = 0
        for doc in self.store.find(OUTBOX, state=NoticeState.PENDING.value,
                                   for_person=person_key):
            notice = Notice.from_dict(doc)
            if notice.waiting:
                notice = notice.with_changes(not_before=None, waiting=False)
                self.save(notice)
                released += 1
        if released:
            self.store.notify(OUTBOX)
        return released

    def upgrade(self) -> int:
        """Give the notices still to be sent that were stored before notices were the store's
        work their `ready_at`; return how many."""
        count = 0
        for state in (NoticeState.PENDING, NoticeState.SENDING):
            for doc in self.store.find(OUTBOX, state=state.value):
                if READY not in doc:
                    self.save(Notice.from_dict(doc))
                    count += 1
        return count
