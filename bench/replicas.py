"""Replicas: a fan-out of 600 DMs (300 people, 2 each) sent by `ogpbot serve` processes to the
fake Slack Web API (one message a second per channel, 429 with Retry-After beyond it): through
one replica on PostgreSQL and through two sharing the database, beside one replica on a TinyDB
file in the same run. Prints the time from the first DM to the last, how the DMs were shared
between the replicas, and the counts doubled and lost (lost must be 0)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import tempfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from adapters.slack.notifier import SlackNotifier
from bot.app.frontdoor import OgpBot
from bot.core.clock import SystemClock
from bot.core.notice import Notice, Target
from bot.core.people import roster_key
from bot.core.reply import Reply
from bot.core.seminar import load_seminar
from bot.store.opening import open_store
from tests.cast import seminar_toml
from tests.fakes.slack_api import FakeSlackAPI
from tests.pg_cluster import Cluster, unavailable
from tests.serving import ServeProcess

PEOPLE = int(os.environ.get("BENCH_REPLICAS_PEOPLE", "300"))
PER_PERSON = 2
TOKEN = "xoxb-ogpbot-bench"
SECRET = "ogpbot-bench-signing-secret"


def person_id(n: int) -> str:
    return f"U0F{n:05d}"


def _seminar() -> str:
    people = [{"name": f"Person {n}", "org": "jd", "email": f"p{n}@jd.example.org",
               "slack_id": person_id(n)} for n in range(PEOPLE)]
    return seminar_toml("2030-06-03", [("09:00", "Velkommen", "talk")], ["1h"], title="Bench",
                        people=people)


def _schedule(db: str, seminar: Path) -> None:
    """PER_PERSON DMs to everyone, due now, in one transaction (one wake-up)."""
    store = open_store(db)
    try:
        bot = OgpBot(load_seminar(seminar), store, SystemClock())
        now = datetime.now(UTC)

        def work() -> None:
            for n in range(PEOPLE):
                for k in range(PER_PERSON):
                    bot.outbox.schedule(Notice(
                        f"bench:{k}:{n}", Target.to_person(roster_key(f"p{n}@jd.example.org")),
                        Reply(language="nb", title=f"Melding {k} til Person {n}"), now,
                        "tables"))

        store.atomically(work)
    finally:
        store.close()


async def _fan_out(fake: FakeSlackAPI, folder: Path, db: str, replicas: int) -> dict[str, Any]:
    fake.clear_calls()
    fake.throttle_per_channel(1.0)
    seminar = folder / "seminar.toml"
    env = {**os.environ, "OGPBOT_DB": db, "OGPBOT_SEMINAR": str(seminar),
           "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": fake.url}
    shared = db.startswith("postgresql://")
    if not shared:  # the file is the serving process's alone: the DMs are there before it
        await asyncio.to_thread(_schedule, db, seminar)
    # each replica with a token of its own, so that the fake can tell whose DM each was
    servers = [ServeProcess({**env, "SLACK_BOT_TOKEN": f"{TOKEN}-{n}"},
                            folder / f"serve-{n}.log", name=f"replica {n}", start_within=120)
               for n in range(replicas)]
    expected = PEOPLE * PER_PERSON
    try:
        await asyncio.gather(*(s.start() for s in servers))
        if shared:
            await asyncio.to_thread(_schedule, db, seminar)
        with contextlib.suppress(TimeoutError):  # what is missing then is counted as lost
            await fake.wait_for("chat.postMessage", expected, within=180, ok=True)
    finally:
        for server in servers:
            server.stop(grace=15)
    sent = [c for c in fake.calls_to("chat.postMessage", ok=True)
            if str(c.args.get("text", "")).startswith("Melding ")]
    delivered = Counter(str(c.args.get("text")) for c in sent)
    by_replica = Counter(c.headers.get("Authorization", "").rsplit("-", 1)[-1] for c in sent)
    return {
        "took": max(c.at for c in sent) - min(c.at for c in sent) if sent else float("nan"),
        "throttled": fake.throttled,
        "doubled": sum(count - 1 for count in delivered.values() if count > 1),
        "lost": expected - len(delivered),
        "shares": by_replica,
    }


def _row(figures: dict[str, Any]) -> str:
    shares = " + ".join(str(n) for _, n in sorted(figures["shares"].items()))
    return (f"{figures['took']:.2f} s first DM to last ({shares} DMs); doubled "
            f"{figures['doubled']}, lost {figures['lost']}, {figures['throttled']} answers "
            "were 429")


async def run() -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = [
        ("fan-out", f"{PEOPLE} people x {PER_PERSON} DMs = {PEOPLE * PER_PERSON} notices, "
                    f"least time the limits allow {(PER_PERSON - 1) * SlackNotifier.pace:.2f} s"),
    ]
    why = unavailable()
    lost = 0
    async with FakeSlackAPI() as fake:
        for n in range(PEOPLE):
            fake.add_user(person_id(n))
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            (folder / "seminar.toml").write_text(_seminar(), encoding="utf-8")
            tiny = await _fan_out(fake, folder, str(folder / "ogpbot.json"), 1)
            rows.append(("one replica, TinyDB (baseline)", _row(tiny)))
            lost += tiny["lost"]
            if why is not None:
                rows.append(("PostgreSQL", f"not measured: {why}"))
            else:
                cluster = Cluster(durable=True).start()
                try:
                    for count in (1, 2):
                        figures = await _fan_out(fake, folder, cluster.emptied("fanout"), count)
                        name = "one replica" if count == 1 else "two replicas"
                        rows.append((f"{name}, PostgreSQL", _row(figures)))
                        lost += figures["lost"]
                finally:
                    cluster.stop()
    rows.append(("lost", str(lost)))
    return rows


HEADLINES = ("one replica, TinyDB (baseline)", "one replica, PostgreSQL",
             "two replicas, PostgreSQL", "lost")


def main() -> int:
    rows = asyncio.run(run())
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    return 0 if dict(rows)["lost"] == "0" else 1


if __name__ == "__main__":
    sys.exit(main())
