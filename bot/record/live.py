"""The public record kept as one immutable snapshot, made anew after writes, so that reading
the record never reads or copies the store.

Every proposal write goes through `Records.save_proposal`, which names the proposal to the
hooks in `Records.on_proposal_saved`; `LiveRecord.watch()` adds one that notes the number (in
whichever thread wrote it) and calls the `on_change` callbacks. `refresh()` then re-reads only
the proposals written since the last one and swaps in a new `Snapshot`; readers take
`current` and never wait for the store.

`refresh()` blocks (it reads the store): run it in a worker thread. A write's hook runs while
the writer still holds the store's transaction; with a store of one process (memory, TinyDB)
that holds the store's lock, so a refresh that starts after the hook reads the store once the
write has landed (or been rolled back), never before, and `stale` tells a reader exactly
whether a write came after the snapshot was read.

A store that other processes write too (replicas sharing a database) is read without such a
lock, and another replica's writes reach this one only as notifications on its `proposals`
channel (`Records.save_proposal` notifies it; `watch()` listens), which may come late.
There, `changed_since_read()` asks the store which proposals were written (by any replica)
since the token it gave when the snapshot was read (`Store.changes`: on PostgreSQL an index
look-up of what the transactions committed since wrote, no document sent), and a refresh
reads again only those, not every proposal: what one refresh costs follows the writes since
the last, not the number of proposals.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from bot.core.clock import Clock
from bot.core.model import Proposal
from bot.core.records import PROPOSALS, Records
from bot.core.seminar import Seminar
from bot.record.public import Snapshot


class LiveRecord:
    """The current snapshot of the public record, and what has been written since it."""

    def __init__(self, seminar: Seminar, records: Records, clock: Clock) -> None:
        self.seminar = seminar
        self.records = records
        self.clock = clock
        self.on_change: list[Callable[[], None]] = []
        self._current: Snapshot | None = None
        self._by_number: dict[int, Proposal] = {}
        self._dirty: set[int] = set()
        self._everything = True  # the next refresh reads every proposal
        self._written = 0  # writes seen; the snapshot is stale while it is behind this
        self._built_from = -1
        self._lock = threading.Lock()  # guards the dirty set and the counters
        self._refreshing = threading.Lock()  # one refresh at a time
        self._listening = False  # to the shared store's word of other replicas' writes
        self._revision: str | None = None  # the shared store's token, when the snapshot was read

    # -- being told of writes ------------------------------------------------------------------

    def watch(self) -> None:
        """Hear of every proposal write from now on."""
        if self._touched not in self.records.on_proposal_saved:
            self.records.on_proposal_saved.append(self._touched)
        signals = self.records.signals
        if signals is not None and signals.shared and not self._listening:
            self._listening = True
            signals.listen(PROPOSALS, self._heard)

    def unwatch(self) -> None:
        if self._touched in self.records.on_proposal_saved:
            self.records.on_proposal_saved.remove(self._touched)

    def _touched(self, number: int) -> None:
        with self._lock:
            self._dirty.add(number)
            self._written += 1
        for callback in list(self.on_change):
            callback()

    def _heard(self, payload: str | None) -> None:
        """A replica (this one too) wrote proposal `payload`; None: perhaps some were missed."""
        if self._touched not in self.records.on_proposal_saved:
            return  # not watching any more
        if payload is not None and payload.isdigit():
            self._touched(int(payload))
        else:
            self.invalidate()

    def invalidate(self) -> None:
        """Something wrote proposals without telling: the next refresh reads them all."""
        with self._lock:
            self._everything = True
            self._written += 1
        for callback in list(self.on_change):
            callback()

    # -- reading -----------------------------------------------------------------------------

    @property
    def current(self) -> Snapshot | None:
        """The latest snapshot; None before the first refresh."""
        return self._current

    @property
    def stale(self) -> bool:
        """Whether a write has happened since the current snapshot was read."""
        with self._lock:
            return self._current is None or self._built_from != self._written

    def changed_since_read(self) -> bool:
        """With a store other processes write too: whether a write to the proposals committed
        (here or in another replica) since the current snapshot was read. Blocking (one small
        question to the store); always False for a store of one process (`stale` says it)."""
        store = self.records.store
        if not store.shared:
            return False
        if self._current is None:
            return True
        _, written = store.changes(PROPOSALS, self._revision)
        return written is None or bool(written)

    def refresh(self) -> Snapshot:
        """Read what was written since the last refresh (everything, the first time) and make
        it the current snapshot. Blocking."""
        with self._refreshing:
            store = self.records.store
            # asked before the proposals are read: a write that lands meanwhile is named again
            revision, written = (store.changes(PROPOSALS, self._revision) if store.shared
                                 else (None, set()))
            with self._lock:
                everything, dirty = self._everything, self._dirty
                self._everything, self._dirty = False, set()
                written_here = self._written
            # a replica (this one too) wrote proposals it may not have told of yet
            if written is None:
                everything = True
            else:
                dirty |= {int(key) for key in written if key.isdigit()}
            try:
                if everything:
                    proposals = {p.number: p for p in self.records.proposals()}
                else:
                    proposals = dict(self._by_number)
                    for number in sorted(dirty):
                        found = self.records.proposal(number)
                        if found is None:
                            proposals.pop(number, None)
                        else:
                            proposals[number] = found
            except BaseException:
                with self._lock:  # read it all again next time rather than miss a write
                    self._everything = True
                raise
            snapshot = Snapshot(self.seminar,
                                tuple(proposals[n] for n in sorted(proposals)),
                                self.clock.now())
            self._by_number = proposals
            self._revision = revision
            with self._lock:
                self._current = snapshot
                self._built_from = written_here
            return snapshot
