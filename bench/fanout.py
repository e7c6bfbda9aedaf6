"""Fan-out: DMs to 300 people through the fake Slack Web API, which allows one message a second
per channel and answers 429 with Retry-After beyond it, sent by the real dispatcher over a
TinyDB store. Prints the time taken beside the least time the limits allow and beside the raw
client sending the same messages twice: unpaced with the limits off, and keeping the limits
itself (each conversation's next message a second after the answer to its last: the least time
a client that keeps Slack's pace can take), the three interleaved for `BENCH_FANOUT_ROUNDS`
rounds (3; each figure the median with its min–max), the CPU time of each per message (the
process's, fake Slack's share included: what load does not blur), and the counts sent,
retried, doubled and lost (lost must be 0). The bench's process sets its garbage collector
as `ogpbot serve` does (`adapters.heap`), at the start of every round.

The dispatcher cannot come near the unpaced client when that client is fast: each person's
second message may not leave before a second after their first one's answer, so the least it
can take is a second plus the time its first messages take (about half the unpaced client's),
more than 1.1 times the unpaced client's whenever that is under 1.67 s. The client that keeps
the limits is the baseline that measures what the dispatcher's durable path costs."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

from adapters import heap
from adapters.slack.notifier import SlackNotifier
from adapters.slack.retry import retry_handlers
from bench._machine import load, spread
from bot.app.frontdoor import OgpBot
from bot.core.clock import SystemClock
from bot.core.notice import Notice, NoticeState, Target
from bot.core.reply import Reply
from bot.core.seminar import parse_seminar
from bot.notices.dispatcher import Dispatcher
from bot.store.tinydb_file import TinyDBStore
from tests.fakes.slack_api import FakeSlackAPI

PEOPLE = int(os.environ.get("BENCH_FANOUT_PEOPLE", "300"))
ROUNDS = int(os.environ.get("BENCH_FANOUT_ROUNDS", "3"))
PER_PERSON = 2  # e.g. a table assignment and a meeting invitation at the same moment
PARALLEL = 64  # the raw client's sends at once (the dispatcher's own `PARALLEL`)
TIMEOUT = 10  # seconds one call may take (as `adapters.slack.client`'s)


@contextlib.asynccontextmanager
async def _notifier(fake: FakeSlackAPI) -> AsyncIterator[SlackNotifier]:
    """The Slack adapter's own notifier and retry policy, aimed at the fake, every call over one
    HTTP session, as `ogpbot serve`'s calls share one (adapters/slack/client.py): without it
    each call would open a connection of its own, a cost that hides the senders' own."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT)) as session:
        yield SlackNotifier(AsyncWebClient(token="xoxb-bench", base_url=fake.url,
                                           retry_handlers=retry_handlers(), session=session))


def _seminar(people: int) -> dict[str, Any]:
    return {
        "seminar": {"title": "Bench", "date": "2026-12-01", "timezone": "Europe/Oslo",
                    "language": "nb", "heads_up_minutes": 5, "reminder_leads": ["1h"]},
        "areas": [{"key": "innsyn", "name": "Innsyn"}],
        "tables": {"count": 30, "max_size": 10},
        "agenda": [{"time": "09:00", "title": "Velkommen", "kind": "talk"}],
        "organizations": [{"key": "kmd", "name": "KMD", "kind": "coordinator"},
                          {"key": "jd", "name": "JD", "kind": "ministry"}],
        "people": [{"name": f"Person {n}", "org": "jd", "email": f"p{n}@jd.example.org",
                    "slack_id": f"U{n:06d}"} for n in range(people)],
    }


async def _unpaced(fake: FakeSlackAPI, people: int) -> tuple[float, float]:
    """The same messages straight through the client, all at once, with no limit at all; the
    time taken and the CPU time."""
    fake.throttle_per_channel(None)
    gate = asyncio.Semaphore(PARALLEL)
    async with _notifier(fake) as notifier:

        async def one(n: int, k: int) -> None:
            async with gate:
                await notifier.direct(f"U{n:06d}", Reply(language="nb", title=f"unpaced {k}"))

        began, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(one(n, k) for n in range(people) for k in range(PER_PERSON)))
        return time.perf_counter() - began, time.process_time() - cpu


async def _raw_paced(fake: FakeSlackAPI, people: int) -> dict[str, float]:
    """The same messages straight through the client under the same limits, each person's
    next message a pace after the answer to their last (no store, no claims, no lanes): the
    least time a client that keeps the pace takes."""
    fake.clear_calls()
    fake.throttle_per_channel(1.0)
    gate = asyncio.Semaphore(PARALLEL)
    async with _notifier(fake) as notifier:

        async def person(n: int) -> None:
            free = 0.0
            for k in range(PER_PERSON):
                wait = free - time.perf_counter()
                if wait > 0:
                    await asyncio.sleep(wait)
                async with gate:
                    await notifier.direct(f"U{n:06d}", Reply(language="nb", title=f"paced {k}"))
                free = time.perf_counter() + SlackNotifier.pace

        began, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(person(n) for n in range(people)))
        return {"took": time.perf_counter() - began, "cpu": time.process_time() - cpu,
                "throttled": fake.throttled}


async def _dispatch(fake: FakeSlackAPI, pace: dict[str, float] | None) -> dict[str, Any]:
    """Schedule PER_PERSON notices to each of PEOPLE people and let the dispatcher send them."""
    fake.clear_calls()
    fake.throttle_per_channel(1.0)
    with tempfile.TemporaryDirectory() as folder:
        store = TinyDBStore(Path(folder) / "bench.json")
        bot = OgpBot(parse_seminar(_seminar(PEOPLE)), store, SystemClock())
        now = datetime.now(UTC)
        with store.transaction():
            for person in bot.records.people():
                for k in range(PER_PERSON):
                    bot.outbox.schedule(Notice(
                        f"bench:{k}:{person.key}", Target.to_person(person.key),
                        Reply(language="nb", title=f"Melding {k} til {person.name}"),
                        now, "tables"))
        expected = PEOPLE * PER_PERSON
        async with _notifier(fake) as notifier:
            dispatcher = Dispatcher(bot, {"slack": notifier}, pace=pace)
            began, cpu = time.perf_counter(), time.process_time()
            await dispatcher.start()
            try:
                while time.perf_counter() - began < 120:
                    stats = dispatcher.stats
                    if stats["sent"] + stats["failed"] + stats["skipped"] >= expected:
                        break
                    await asyncio.sleep(0.02)
            finally:
                await dispatcher.stop()
            took, cpu = time.perf_counter() - began, time.process_time() - cpu
        states = Counter(n.state for n in bot.outbox.all())
        store.close()
    delivered = Counter(c.args.get("text") for c in fake.calls_to("chat.postMessage", ok=True))
    return {
        "took": took, "cpu": cpu, "sent": sum(delivered.values()),
        "retried": dispatcher.stats["retried"],
        "throttled": fake.throttled,
        "failed": states[NoticeState.FAILED], "skipped": states[NoticeState.SKIPPED],
        "doubled": sum(count - 1 for count in delivered.values() if count > 1),
        "lost": expected - sum(1 for count in delivered.values() if count >= 1),
    }


async def run() -> list[tuple[str, str]]:
    began = load()
    raw: list[float] = []
    raw_cpu: list[float] = []
    kept: list[dict[str, float]] = []
    runs: list[dict[str, Any]] = []
    async with FakeSlackAPI() as fake:
        for _ in range(ROUNDS):  # interleaved: a passing load falls on all three
            heap.settle()  # as `serve` runs its dispatcher, and each phase starts alike
            took_raw, cpu_raw = await _unpaced(fake, PEOPLE)
            raw.append(took_raw)
            raw_cpu.append(cpu_raw)
            kept.append(await _raw_paced(fake, PEOPLE))
            runs.append(await _dispatch(fake, None))
        unpaced = await _dispatch(fake, {})
    least = (PER_PERSON - 1) * SlackNotifier.pace
    took = [r["took"] for r in runs]
    paced = [k["took"] for k in kept]
    count = PEOPLE * PER_PERSON

    def per_message(cpu: list[float]) -> str:
        return f"{spread([1000 * c / count for c in cpu])} ms"

    return [
        ("fan-out", f"{PEOPLE} people x {PER_PERSON} DMs = {count} notices, {ROUNDS} rounds"),
        ("time taken", f"{spread(took)} s"),
        ("least time the limits allow", f"{least:.2f} s (1 msg/s per DM channel)"),
        ("raw client keeping the limits", f"{spread(paced)} s (same rounds; "
                                          f"{' / '.join(str(int(k['throttled'])) for k in kept)}"
                                          " answers were 429)"),
        ("time taken / raw client keeping the limits",
         f"{spread([t / p for t, p in zip(took, paced, strict=True)])} (goal: at most 1.1)"),
        ("raw client, no limits, no store", f"{spread(raw)} s (same rounds)"),
        ("time taken / raw client, no limits",
         f"{spread([t / r for t, r in zip(took, raw, strict=True)])} (at least "
         f"{spread([(least + r / PER_PERSON) / r for r in raw])} under the limits)"),
        ("CPU per message: dispatcher", per_message([r["cpu"] for r in runs])),
        ("CPU per message: raw client keeping the limits", per_message([k["cpu"] for k in kept])),
        ("CPU per message: raw client, no limits", per_message(raw_cpu)),
        ("sent", " / ".join(str(r["sent"]) for r in runs)),
        ("retried", " / ".join(f"{r['retried']} ({r['throttled']} answers were 429)"
                               for r in runs)),
        ("failed / skipped", " / ".join(f"{r['failed']} / {r['skipped']}" for r in runs)),
        ("doubled", str(sum(r["doubled"] for r in runs))),
        ("lost", str(sum(r["lost"] for r in runs) + unpaced["lost"])),
        ("without pacing: time", f"{unpaced['took']:.2f} s (relying on 429 Retry-After)"),
        ("without pacing: sent / retried",
         f"{unpaced['sent']} / {unpaced['retried']} ({unpaced['throttled']} answers were 429)"),
        ("without pacing: doubled / lost", f"{unpaced['doubled']} / {unpaced['lost']}"),
        ("load average", f"{began} → {load()}"),
    ]


HEADLINES = ("time taken / raw client keeping the limits", "time taken / raw client, no limits",
             "least time the limits allow", "doubled", "lost")


def main() -> int:
    rows = asyncio.run(run())
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    return 0 if dict(rows)["lost"] == "0" else 1


if __name__ == "__main__":
    sys.exit(main())
