"""Outgoing calls to the Bot Framework connector, paced and retried.

The connector client does not retry a POST (a send, a reply, a new conversation), so every
call goes through `call`: it waits for a slot within Teams' published per-conversation limits
for a bot (7 messages a second, 8 in 2 seconds, 60 in 30 seconds, 1800 an hour), and retries
429, 412, 502 and 504 with exponential backoff and full jitter, honouring `Retry-After`. A
call that is not `repeatable` (a notice's message: a 502 or 504 may come after Teams took it,
and Teams lets a bot read nothing back to check) is retried only after an answer that says it
was not taken (429, 412); after a 502 or 504 the error goes to the dispatcher, which records
the notice as in doubt.

Only short waits are waited out in place (`RetryPolicy.max_wait`, as the Slack adapter does),
and one call never spends more than `RetryPolicy.budget` seconds waiting: a longer wait (a
`Retry-After: 30`, a conversation that used its half-minute allowance) ends the call with the
connector's error or a passing `DeliveryError` carrying the wait, and the dispatcher, which
owns long waits, tries again after it. A call that slept for half a minute inside a worker
thread would outlive the dispatcher's own time limit and could deliver after it was given up.
"""

from __future__ import annotations

import asyncio
import logging
import random
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from botbuilder.schema import ErrorResponseException

from bot.core.redact import pseudonym
from bot.notices.port import DeliveryError

log = logging.getLogger("ogpbot.teams")
T = TypeVar("T")

RETRY_STATUSES = frozenset({429, 412, 502, 504})
NOT_TAKEN = frozenset({429, 412})  # answers that say the call did nothing
#: (messages, seconds): Teams' per-conversation limits for one bot.
CONVERSATION_LIMITS: tuple[tuple[int, float], ...] = ((7, 1.0), (8, 2.0), (60, 30.0),
                                                       (1800, 3600.0))


def status_of(exc: BaseException) -> int | None:
    """The HTTP status of a connector error, or None when there was no answer."""
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    return status if isinstance(status, int) else None


def error_code(exc: BaseException) -> str:
    """The connector's error code (e.g. `MessageWritesBlocked`), else the exception's name."""
    error = getattr(getattr(exc, "error", None), "error", None)
    code = getattr(error, "code", None)
    return code if isinstance(code, str) and code else type(exc).__name__


def retry_after(exc: BaseException) -> float | None:
    """The seconds a `Retry-After` header asks for, when the answer had one."""
    headers = getattr(getattr(exc, "response", None), "headers", None) or {}
    value = headers.get("Retry-After") if hasattr(headers, "get") else None
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


class Pacer:
    """Keeps each conversation within `limits`; shared by every thread that sends."""

    def __init__(self, limits: tuple[tuple[int, float], ...] = CONVERSATION_LIMITS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.clock = clock
        self._sent: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._longest = max(seconds for _, seconds in limits)

    def reserve(self, conversation_id: str, within: float = float("inf")) -> float:
        """Book the next send to a conversation; return how long to wait before it. A wait
        longer than `within` is returned without booking anything."""
        with self._lock:
            now = self.clock()
            sent = self._sent.setdefault(conversation_id, deque())
            while sent and sent[0] <= now - self._longest:
                sent.popleft()
            at = now
            for count, seconds in self.limits:
                if len(sent) >= count:
                    # the send `count` places back must have left the window first
                    at = max(at, sent[-count] + seconds)
            if at - now > within:
                return at - now
            sent.append(at)
            return at - now


@dataclass
class RetryPolicy:
    """How one connector call is paced and retried: how many attempts, the backoff between
    them, the longest single wait taken in place (`max_wait`) and the most waiting one call
    may do in all (`budget`); anything longer is left to the caller."""

    attempts: int = 5
    base: float = 0.5  # seconds before the first retry (before jitter)
    cap: float = 4.0
    max_wait: float = 5.0  # a longer wait (Retry-After, pacing) is the dispatcher's
    budget: float = 15.0  # seconds of waiting one call may do, all retries together
    pacer: Pacer = field(default_factory=Pacer)
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep
    rng: random.Random = field(default_factory=random.Random)

    def backoff(self, attempt: int) -> float:
        """Full jitter: a random wait up to base·2^attempt, capped (and never past max_wait)."""
        return self.rng.uniform(0, min(self.cap, self.max_wait, self.base * 2 ** attempt))


async def call(policy: RetryPolicy, conversation_id: str,
               operation: Callable[[], Awaitable[T]], what: str = "send", *,
               repeatable: bool = True) -> T:
    """Run `operation` (one connector call), paced and retried; the last error is raised.
    Not `repeatable`: retried only after an answer that says it was not taken.

    Waits longer than `policy.max_wait`, or past `policy.budget` in all, are not taken: the
    connector's last error is raised then (its `Retry-After` tells the caller how long), or,
    when pacing alone asks for the wait, a passing `DeliveryError` with `retry_after` set."""
    attempt = 0
    waited = 0.0
    while True:
        wait = policy.pacer.reserve(conversation_id, min(policy.max_wait,
                                                         policy.budget - waited))
        if wait > min(policy.max_wait, policy.budget - waited):
            raise DeliveryError(f"teams: {what} to {pseudonym(conversation_id)} paced for "
                                f"{wait:.1f}s", permanent=False, retry_after=wait)
        if wait > 0:
            waited += wait
            await policy.sleep(wait)
        try:
            return await operation()
        except ErrorResponseException as exc:
            status = status_of(exc)
            retried = RETRY_STATUSES if repeatable else NOT_TAKEN
            if status not in retried or attempt + 1 >= policy.attempts:
                raise
            delay = retry_after(exc) if status == 429 else None
            delay = policy.backoff(attempt) if delay is None else delay
            if delay > policy.max_wait or waited + delay > policy.budget:
                raise  # a long wait is the dispatcher's: it retries after `Retry-After`
            log.warning("teams: %s to %s got %s (%s); retrying in %.1fs", what,
                        pseudonym(conversation_id), status, error_code(exc), delay)
            attempt += 1
            waited += delay
            await policy.sleep(delay)
