"""Fan-out: DMs to 300 people through the fake Slack Web API, which allows one message a second
per channel and answers 429 with Retry-After beyond it, sent by the real dispatcher over a
TinyDB store. Prints the time taken beside the least time the limits allow and beside the raw
client sending the same messages unpaced, the two interleaved for `BENCH_FANOUT_ROUNDS` rounds
(3; each figure the median with its min–max), and the counts sent, retried, doubled and lost
(lost must be 0)."""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

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


def _notifier(fake: FakeSlackAPI) -> SlackNotifier:
    """The Slack adapter's own notifier and retry policy, aimed at the fake."""
    return SlackNotifier(AsyncWebClient(token="xoxb-bench", base_url=fake.url,
                                        retry_handlers=retry_handlers()))


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


async def _unpaced(fake: FakeSlackAPI, people: int) -> float:
    """The same messages straight through the client, all at once, with no limit at all."""
    fake.throttle_per_channel(None)
    notifier = _notifier(fake)
    gate = asyncio.Semaphore(64)

    async def one(n: int, k: int) -> None:
        async with gate:
            await notifier.direct(f"U{n:06d}", Reply(language="nb", title=f"unpaced {k}"))

    began = time.perf_counter()
    await asyncio.gather(*(one(n, k) for n in range(people) for k in range(PER_PERSON)))
    return time.perf_counter() - began


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
        notifier = _notifier(fake)
        dispatcher = Dispatcher(bot, {"slack": notifier}, pace=pace)
        expected = PEOPLE * PER_PERSON
        began = time.perf_counter()
        await dispatcher.start()
        try:
            while time.perf_counter() - began < 120:
                stats = dispatcher.stats
                if stats["sent"] + stats["failed"] + stats["skipped"] >= expected:
                    break
                await asyncio.sleep(0.02)
        finally:
            await dispatcher.stop()
        took = time.perf_counter() - began
        states = Counter(n.state for n in bot.outbox.all())
        store.close()
    delivered = Counter(c.args.get("text") for c in fake.calls_to("chat.postMessage", ok=True))
    return {
        "took": took, "sent": sum(delivered.values()), "retried": dispatcher.stats["retried"],
        "throttled": fake.throttled,
        "failed": states[NoticeState.FAILED], "skipped": states[NoticeState.SKIPPED],
        "doubled": sum(count - 1 for count in delivered.values() if count > 1),
        "lost": expected - sum(1 for count in delivered.values() if count >= 1),
    }


async def run() -> list[tuple[str, str]]:
    began = load()
    raw: list[float] = []
    runs: list[dict[str, Any]] = []
    async with FakeSlackAPI() as fake:
        for _ in range(ROUNDS):  # interleaved: a passing load falls on both
            raw.append(await _unpaced(fake, PEOPLE))
            runs.append(await _dispatch(fake, None))
        unpaced = await _dispatch(fake, {})
    least = (PER_PERSON - 1) * SlackNotifier.pace
    took = [r["took"] for r in runs]
    return [
        ("fan-out", f"{PEOPLE} people x {PER_PERSON} DMs = {PEOPLE * PER_PERSON} notices, "
                    f"{ROUNDS} rounds"),
        ("time taken", f"{spread(took)} s"),
        ("least time the limits allow", f"{least:.2f} s (1 msg/s per DM channel)"),
        ("raw client, no limits, no store", f"{spread(raw)} s (same rounds)"),
        ("time taken / raw client", f"{spread([t / r for t, r in zip(took, raw, strict=True)])}"
                                    " (goal: at most 1.1)"),
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


HEADLINES = ("time taken / raw client", "least time the limits allow", "doubled", "lost")


def main() -> int:
    rows = asyncio.run(run())
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    return 0 if dict(rows)["lost"] == "0" else 1


if __name__ == "__main__":
    sys.exit(main())
