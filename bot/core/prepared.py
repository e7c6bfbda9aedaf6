"""A handler's answer when its work is slow: the work runs with no store transaction held, so
other people's commands go on, and its result is stored in a short transaction afterwards."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.core.context import Context
    from bot.core.reply import Reply


@dataclass(frozen=True)
class Prepared:
    """A handler's answer when its work is slow. `inputs` is what the work is computed from,
    read in the handler's transaction; `read(ctx)` reads them again. `work(inputs)` is pure
    (no store, no context) and runs with no transaction held. `finish(ctx, inputs, result)`
    then runs in a new transaction, only when `read(ctx) == inputs`; otherwise the handler
    runs again from the start. After `ATTEMPTS - 1` such changes the work runs inside the
    transaction, so a busy seminar still gets an answer."""

    inputs: Any
    read: Callable[[Context], Any]
    work: Callable[[Any], Any]
    finish: Callable[[Context, Any, Any], Reply]


ATTEMPTS = 3  # tries before the work runs inside the transaction
