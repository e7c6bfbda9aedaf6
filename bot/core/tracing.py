"""The request id: one short id per command, from the platform's request through the core to
every notice it schedules, so the log lines of one command (and of the sends it caused) can be
found together.

It lives in a context variable: an adapter sets it when a request arrives (`REQUEST_ID`), work
started from there (tasks, `asyncio.to_thread`) inherits it, a notice keeps it in the store, and
the dispatcher sets it again while it sends that notice. Nothing here knows about logging.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

REQUEST_ID: ContextVar[str | None] = ContextVar("ogpbot_request_id", default=None)

# What an id from outside (a reverse proxy's X-Request-Id) may look like to be taken as it is.
_SAFE = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")


def new_request_id() -> str:
    return uuid.uuid4().hex[:16]


def usable_request_id(candidate: str | None) -> str:
    """`candidate` when it is a harmless id (letters, digits, `._:-`, 8 to 64 of them), else a
    new one: an id from a request is only a label, but it must not break a log line."""
    if candidate and _SAFE.match(candidate):
        return candidate
    return new_request_id()


def current_request_id() -> str | None:
    return REQUEST_ID.get()


@contextmanager
def request_id(value: str | None) -> Iterator[str | None]:
    """Run the block with `value` as the request id, and put the old one back after it."""
    token = REQUEST_ID.set(value)
    try:
        yield value
    finally:
        REQUEST_ID.reset(token)
