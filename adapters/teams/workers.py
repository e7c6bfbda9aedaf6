"""The threads the Teams adapter runs its work on, and the turns still running after Teams got
its answer.

Why threads: botbuilder makes blocking network calls from inside `async def` code (the
OpenID signing keys are fetched with `requests.get`, without a timeout, on the first token
and whenever they are stale, and a forged `kid` can force a refresh; each outgoing call gets
its token from msal synchronously). So every Teams job (authentication, the turn, the replies;
a notice) runs under an event loop of its own on a thread of this module, and a slow Microsoft
endpoint holds one Teams worker, never the loop that Slack, the public record and the
dispatcher share, nor the default executor the core's other callers use. The cost is one
thread hop and one short-lived loop per job, small beside the network calls of a turn.

Which loop and which thread runs what:

    server's event loop (main thread)             "teams-N" threads (WORKERS)
    ---------------------------------             ---------------------------
    POST /api/messages (endpoint):                asyncio.run(one job):
      read the body, start the job  --offloop-->    authenticate, check tenant and serviceUrl
      wait <= AUTH_WAIT for the answer <-respond--  answer 401 / 403, or 201 at once
      answer 201 / 401 / 403 / 503                  the turn: core, member lookup, replies
      spawn(): track the job as a task              (connector calls paced and retried)
      drain(): at shutdown, wait for them
                                                  "teams-notice-N" threads (NOTICE_WORKERS)
    dispatcher: TeamsNotifier.post / direct       ------------------------------------------
      --offloop(notice=True, deadline)-->         asyncio.run(one send), over by its deadline

    Slack, the public record, /healthz: on the main loop, never waiting for any of these.

Notices have threads of their own, so a burst of them to a slow connector never takes the
threads incoming activities need.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

log = logging.getLogger("ogpbot.teams")
T = TypeVar("T")
WORKERS = 8  # inbound: authentication and turns
NOTICE_WORKERS = 4  # outgoing notices, on threads of their own: a burst never delays a 201
DRAIN = 10.0  # seconds a stopping server waits for turns already acknowledged


def _run(factory: Callable[[], Coroutine[Any, Any, T]], deadline: float | None = None) -> T:
    """Run a job under a loop of its own; with a `deadline` (time.monotonic), a job that
    starts too late does not start, and one still running then is cancelled (TimeoutError)."""
    if deadline is None:
        return asyncio.run(factory())

    async def bounded() -> T:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("no Teams worker was free in time")
        return await asyncio.wait_for(factory(), left)

    return asyncio.run(bounded())


class Workers:
    """The Teams thread pools (inbound, and notices apart) and the turns they still run."""

    def __init__(self, workers: int = WORKERS, notice_workers: int = NOTICE_WORKERS) -> None:
        self.executor = ThreadPoolExecutor(workers, thread_name_prefix="teams")
        self.notice_executor = ThreadPoolExecutor(notice_workers,
                                                  thread_name_prefix="teams-notice")
        self._turns: set[asyncio.Task[None]] = set()

    async def offloop(self, factory: Callable[[], Coroutine[Any, Any, T]],
                      deadline: float | None = None, *, notice: bool = False) -> T:
        """Run a coroutine on a Teams worker thread, under an event loop of its own; with a
        `deadline` (time.monotonic), a job that could not start before it never starts, and
        one still running then is cancelled (TimeoutError). A `notice` runs on the notice
        threads, so inbound activities always find a free worker. The job runs in a copy of
        the caller's context (its request id, its arrival time), as `asyncio.to_thread` would."""
        executor = self.notice_executor if notice else self.executor
        context = contextvars.copy_context()
        return await asyncio.get_running_loop().run_in_executor(
            executor, context.run, _run, factory, deadline)

    def spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Run a job as a task the server waits for when it stops; failures are logged."""
        task = asyncio.get_running_loop().create_task(self._guarded(work))
        self._turns.add(task)
        task.add_done_callback(self._turns.discard)
        return task

    @staticmethod
    async def _guarded(work: Coroutine[Any, Any, None]) -> None:
        try:
            await work
        except Exception:
            log.exception("teams: a turn failed after the answer")

    async def drain(self, within: float = DRAIN) -> None:
        """Wait for turns still running (at shutdown), so acknowledged work is not cut off."""
        pending = set(self._turns)
        if not pending:
            return
        log.info("teams: waiting for %d turn(s) to finish", len(pending))
        _, late = await asyncio.wait(pending, timeout=within)
        for task in late:
            task.cancel()
        if late:
            log.warning("teams: %d turn(s) did not finish within %.0fs", len(late), within)

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.notice_executor.shutdown(wait=False, cancel_futures=True)
