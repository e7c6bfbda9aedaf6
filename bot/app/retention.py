"""What the bot keeps only for a while, and the pruning that lets it go (the server runs it
periodically; see `adapters.upkeep`).

- The keys of answered requests (`seen_requests`, each with the reply it got, and the inbox's
  answered items a platform may send again) are what make a platform's retry change nothing
  twice. Slack and Teams retry within minutes, so after `[retention] requests_days` (7) they
  are deleted.
- A notice's body (the message, its calendar attachment, its last error, which may name
  people) is needed until it is delivered or given up. `[retention] notices_days` (90) after
  that, the body is emptied; the notice itself stays, with its key, kind, target, times and
  state, so scheduling the same key again still changes nothing and the delivery record
  stays whole.
- The public record (proposals, their history, meetings) is kept: publishing every input and
  its reasoned response is the point of the bot.

Each pass works in batches, one short transaction each, so commands never wait long for it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from bot.app.inbox import INBOX, ItemState
from bot.core.notice import NoticeState, Say
from bot.core.records import SEEN
from bot.core.reply import Reply
from bot.notices.host import Host
from bot.notices.outbox import OUTBOX

log = logging.getLogger("ogpbot.retention")

BATCH = 200  # documents changed per transaction
DONE = (NoticeState.SENT, NoticeState.FAILED, NoticeState.SKIPPED)
PRUNED = "pruned"  # a top-level field on a notice whose body was let go: found, never again


@dataclass(frozen=True)
class Pruned:
    requests: int
    notices: int


def prune(bot: Host, now: datetime) -> Pruned:
    """Delete answered requests older than `requests_days` and empty the bodies of notices
    done more than `notices_days` ago; return how many of each."""
    seminar = bot.seminar
    requests = _prune_requests(bot, now - timedelta(days=seminar.requests_days))
    notices = _prune_notices(bot, now - timedelta(days=seminar.notices_days))
    if requests or notices:
        log.info("retention: %d answered request key(s) deleted, %d notice body(ies) emptied",
                 requests, notices)
    return Pruned(requests, notices)


def _prune_requests(bot: Host, cutoff: datetime) -> int:
    old = [(SEEN, key) for key, doc in bot.store.items(SEEN) if _older(doc.get("at"), cutoff)]
    old += [(INBOX, doc["key"]) for doc in bot.store.find(INBOX, state=ItemState.ANSWERED.value)
            if _older(doc.get("answered_at"), cutoff)]

    def delete(batch: list[tuple[str, str]]) -> None:
        for collection, key in batch:
            bot.store.delete(collection, key)

    for start in range(0, len(old), BATCH):
        bot.store.atomically(partial(delete, old[start:start + BATCH]))
    return len(old)


def _prune_notices(bot: Host, cutoff: datetime) -> int:
    # Each notice's time is read from its document: the pass looks at every notice done and
    # not yet emptied (thousands), and making a `Notice` of each cost most of its time.
    old = [doc["key"] for state in DONE
           for doc in bot.store.find(OUTBOX, state=state.value, **{PRUNED: None})
           if _older(doc.get("sent_at") or doc.get("due"), cutoff)]

    def empty(batch: list[str]) -> None:
        for key in batch:
            current = bot.outbox.get(key)
            if current is None or current.state not in DONE:
                continue
            # the words and the values they were written from (text people typed) go; which
            # message it was stays, with the delivery record
            emptied = current.with_changes(
                message=Reply(language=current.message.language) if current.message else None,
                say=Say(current.say.message, {}) if current.say else None,
                attachment=None, last_error="")
            bot.store.put(OUTBOX, current.key, {**emptied.to_dict(), PRUNED: True})

    for start in range(0, len(old), BATCH):
        bot.store.atomically(partial(empty, old[start:start + BATCH]))
    return len(old)


def _older(at: object, cutoff: datetime) -> bool:
    """Whether a stored ISO time is before `cutoff`; a missing or unreadable one counts as old
    (nothing can say it is still needed)."""
    if not isinstance(at, str):
        return True
    try:
        when = datetime.fromisoformat(at)
    except ValueError:
        return True
    if when.tzinfo is None:
        return True
    return when < cutoff
