"""The dispatcher's store calls, made from the event loop and grouped: each runs in a worker
thread, and every call that is waiting when the group before it ends goes with the others in
one hop to that thread.

`WriteBatch`: writes, committed together in one transaction (one fsync on a TinyDB file, one
round trip on PostgreSQL). A group that collides with another process's transaction runs again
(`retry_conflicts`); a write that raises takes only itself down: the group is run again one
write at a time, so a notice already sent is still marked sent when a neighbour's write fails.
What a write `count`s reaches `stats` only once its group has committed.

`CallBatch`: calls that are each their own (the conversations' bookings, which the store makes
outside any transaction): one hop for the lanes that start together, each call's failure its
own.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.store.contract import Conflict, StoreError, retry_conflicts

if TYPE_CHECKING:
    from bot.store.contract import Documents


@dataclass
class _Write:
    run: Callable[[], Any]
    # the caller's context (its request id), so the write's log lines carry the caller's id
    context: contextvars.Context = field(default_factory=contextvars.copy_context)
    done: asyncio.Future[Any] = field(default_factory=lambda: asyncio.get_running_loop()
                                      .create_future())


class _Grouped:
    """Calls from the event loop, run in a worker thread in groups: those that wait while a
    group runs go together in the next."""

    def __init__(self) -> None:
        self._queue: list[_Write] = []
        self._busy = False
        self._drainer: asyncio.Task[None] | None = None  # held: the loop keeps tasks weakly

    async def run(self, fn: Callable[[], Any]) -> Any:
        """Run `fn` in a worker thread beside the calls waiting with it (a `WriteBatch`'s in
        one store transaction); its result, or what it raised."""
        write = _Write(fn)
        self._queue.append(write)
        if not self._busy:
            self._busy = True
            self._drainer = asyncio.get_running_loop().create_task(self._drain())
        return await write.done

    async def _drain(self) -> None:
        try:
            while self._queue:
                group, self._queue = self._queue, []
                await self._group(group)
        finally:
            self._busy = False

    async def _group(self, group: list[_Write]) -> None:
        raise NotImplementedError


class CallBatch(_Grouped):
    """Store calls that are each their own, made from the event loop in one hop per group."""

    async def _group(self, group: list[_Write]) -> None:
        for write, (result, exc) in zip(group, await asyncio.to_thread(_each, group),
                                        strict=True):
            _settle(write, result, exc)


def _each(group: list[_Write]) -> list[tuple[Any, BaseException | None]]:
    out: list[tuple[Any, BaseException | None]] = []
    for write in group:
        try:
            out.append((write.context.run(write.run), None))
        except Exception as exc:
            out.append((None, exc))
    return out


class WriteBatch(_Grouped):
    """Store writes from the event loop, run in a worker thread and committed in groups."""

    def __init__(self, store: Documents, stats: Counter[str] | None = None) -> None:
        super().__init__()
        self.store = store
        self.stats: Counter[str] = Counter() if stats is None else stats
        self._local = threading.local()  # the tally of the write running in this thread

    async def _group(self, group: list[_Write]) -> None:
        try:
            results = await asyncio.to_thread(self._apply, group)
        except Exception as exc:
            if (isinstance(exc, StoreError) and not isinstance(exc, Conflict)) \
                    or len(group) == 1:
                for write in group:
                    _settle(write, exc=exc)
                return
            # One write failed and took the group with it: run each on its own, so only that
            # one fails (a notice already sent must still be marked sent).
            for write in group:
                await self._run_alone(write)
            return
        for write, result in zip(group, results, strict=True):
            _settle(write, result)

    async def _run_alone(self, write: _Write) -> None:
        try:
            (result,) = await asyncio.to_thread(self._apply, [write])
        except Exception as exc:
            _settle(write, exc=exc)
        else:
            _settle(write, result)

    def _apply(self, group: list[_Write]) -> list[Any]:
        def once() -> list[Any]:
            self._local.tally = Counter()
            with self.store.transaction():
                return [write.context.run(write.run) for write in group]

        results = retry_conflicts(once)
        self.stats.update(self._local.tally)
        return results

    def count(self, name: str) -> None:
        """Count `name` once the write running now has committed (call it from a write)."""
        self._local.tally[name] += 1


def _settle(write: _Write, result: Any = None, exc: BaseException | None = None) -> None:
    if write.done.done():
        return
    if exc is not None:
        write.done.set_exception(exc)
    else:
        write.done.set_result(result)
