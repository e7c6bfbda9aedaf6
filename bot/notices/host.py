"""What the notice side needs of the bot: the seminar, the records, the outbox, the store's
work queue and signals, the clock, and the composers of the messages notices say. The front
door (`bot.app.frontdoor.OgpBot`) provides it; the dispatcher and the announcements take it,
so this layer never imports the one above it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from bot.core.clock import Clock
from bot.core.records import Records
from bot.core.seminar import Seminar
from bot.core.writing import Composer
from bot.notices.outbox import Outbox
from bot.store.contract import Signals, WorkQueue


class Host(Protocol):
    """The parts of the running bot that notices are scheduled and delivered through."""

    seminar: Seminar
    records: Records
    outbox: Outbox
    store: WorkQueue  # the outbox's notices are claimed here, and conversations' paces booked
    signals: Signals  # the outbox wakes the dispatcher here
    clock: Clock
    messages: Mapping[str, Composer]  # each message's composer, by its id
