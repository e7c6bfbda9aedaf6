"""Slack acknowledgement time: signed `/status P-N` and one-line `/ogp propose` slash commands,
50 in flight at a time, against `ogpbot serve` on a TinyDB file and on PostgreSQL (the same
records, moved with `migrate-store`'s copy; a throwaway server with fsync on, as deployed) and
against a bare slack-bolt app that only acknowledges (bench/_bare_slack.py, served the same way
in its own process), in the same run, with 100, 1,000 and 10,000 proposals in the store.
Prints p50 and p99 of each, their ratio to the bare app's, and how long the person waits for the
answer itself (the reply ogpbot posts to response_url)."""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

from bot.app.frontdoor import OgpBot
from bot.core.clock import SystemClock
from bot.core.command import Command, Place, Speaker
from bot.core.model import HistoryEntry, Person, Proposal, Role, Status
from bot.core.notice import Notice, NoticeState, Target
from bot.core.records import COUNTERS
from bot.core.reply import Reply
from bot.core.seminar import load_seminar
from bot.store.contract import Store
from bot.store.opening import open_store
from bot.store.tinydb_file import TinyDBStore
from bot.store.transfer import copy_store
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_signing import signed_headers, slash_command_body
from tests.pg_cluster import Cluster, unavailable
from tests.serving import ORGANIZATIONS, ServeProcess, seminar_toml

SIZES = tuple(int(s) for s in os.environ.get("BENCH_ACK_SIZES", "100,1000,10000").split(","))
CONCURRENCY = 50
STATUS_REQUESTS = int(os.environ.get("BENCH_ACK_STATUS", "300"))
PROPOSE_REQUESTS = int(os.environ.get("BENCH_ACK_PROPOSE", "100"))
PROPOSERS = 200  # civil-society people who made the seeded proposals
SPEAKERS = 50  # of them, the ones who send the measured commands
TOKEN = "xoxb-ogpbot-bench"
SECRET = "ogpbot-bench-signing-secret"
CHANNEL = "C0SEMINAR"
LINE = "| Lite innsyn i loggene | Publiser loggene hver uke | transparency | innsyn | jd"

SEMINAR = seminar_toml(
    "2026-12-01", [("09:00", "Velkommen", "talk")], ["1h"], title="Bench", tables=8,
    organizations=ORGANIZATIONS[:2],
    people=[{"name": "Kari", "org": "kmd", "email": "kari@kmd.example.org", "slack_id": "U0KARI"},
            *({"name": f"JD {n}", "org": "jd", "email": f"jd{n}@jd.example.org",
               "slack_id": f"U0JD{n}"} for n in range(6))])


def proposer_id(n: int) -> str:
    return f"U0CS{n:04d}"


def seed(folder: Path, size: int) -> Path:
    """A store with `size` proposals as the bot would have left them: each by one of the
    civil-society proposers, each with its notices to the coordinator and the ministry sent.
    Written in one transaction, straight through the store."""
    db = folder / "ogpbot.json"
    store = TinyDBStore(db)
    bot = OgpBot(load_seminar(folder / "seminar.toml"), store, SystemClock())
    now = datetime.now(UTC)
    told = [p for p in bot.records.people() if p.role is Role.COORDINATOR or p.org == "jd"]
    rng = random.Random(size)
    with store.transaction():
        people = []
        for n in range(PROPOSERS):
            person = Person(key=f"slack:{proposer_id(n)}", name=f"Person {n}",
                            role=Role.CIVIL_SOCIETY, platform_ids={"slack": proposer_id(n)})
            bot.records.save_person(person)
            people.append(person)
        for number in range(1, size + 1):
            person = people[rng.randrange(PROPOSERS)]
            entry = HistoryEntry(now, person.key, person.name, "proposed", Status.SUBMITTED)
            bot.records.save_proposal(Proposal(
                number=number, title=f"Forslag {number}: åpne {rng.choice(WORDS)}",
                problem=f"I dag er {rng.choice(WORDS)} lukket for innbyggerne. " * 4,
                description=f"Publiser {rng.choice(WORDS)} som åpne data hver uke. " * 6,
                values=("transparency",), area="innsyn", ministry="jd", proposer=person.key,
                proposer_name=person.name, organization=person.name, organization_key=None,
                status=Status.SUBMITTED, created_at=now, milestones=(), history=(entry,)))
            for to in told:
                bot.outbox.save(Notice(
                    f"proposal:P-{number}:new:{to.key}", Target.to_person(to.key),
                    Reply(language="nb", title=f"Nytt forslag P-{number}",
                          lines=(f"{person.name} foreslår noe for Justisdepartementet.",)),
                    now, "proposal", state=NoticeState.SENT, attempts=1, sent_at=now))
        store.put(COUNTERS, "proposal", {"last": size})
    store.close()
    return db


WORDS = ("postlister", "loggene", "kontraktene", "møtereferatene", "budsjettene", "avtalene")


async def burst(http: aiohttp.ClientSession, url: str, bodies: list[bytes]) -> list[float]:
    """POST each signed body, CONCURRENCY at a time; the seconds each waited for its ack."""
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(body: bytes) -> float:
        async with gate:
            headers = signed_headers(SECRET, body)
            began = time.perf_counter()
            async with http.post(f"{url}/slack/events", data=body, headers=headers) as answer:
                await answer.read()
                took = time.perf_counter() - began
            if answer.status != 200:
                raise RuntimeError(f"{url} answered {answer.status}")
            return took

    return list(await asyncio.gather(*(one(b) for b in bodies)))


def bodies(fake: FakeSlackAPI, kind: str, count: int, size: int, tag: str,
           rng: random.Random) -> tuple[list[bytes], dict[str, float]]:
    """Slash commands of one kind, each with its own response_url; and when each was made."""
    out, made = [], {}
    for n in range(count):
        rid = f"{tag}-{kind}-{n}"
        user = proposer_id(rng.randrange(SPEAKERS))
        if kind == "status":
            command, text = "/status", f"P-{rng.randint(1, size)}"
        else:
            command, text = "/ogp", f"propose Benkforslag {tag} {n} {LINE}"
        out.append(slash_command_body(text, command=command, user_id=user, channel_id=CHANNEL,
                                      channel_name="seminar",
                                      response_url=fake.response_url(rid)))
        made[rid] = 0.0
    return out, made


async def answered(fake: FakeSlackAPI, rids: dict[str, float], within: float = 120) -> list[float]:
    """Seconds from each command's send to ogpbot's answer at its response_url."""
    deadline = time.monotonic() + within
    while True:
        seen = {c.path.rsplit("/", 1)[-1]: c.at for c in fake.calls
                if c.method == "response_url" and c.path.rsplit("/", 1)[-1] in rids}
        if len(seen) == len(rids) or time.monotonic() > deadline:
            return [seen[r] - sent for r, sent in rids.items() if r in seen]
        await asyncio.sleep(0.05)


async def measure(http: aiohttp.ClientSession, fake: FakeSlackAPI, url: str, kind: str,
                  count: int, size: int, tag: str) -> tuple[list[float], list[float]]:
    rng = random.Random(f"{tag}{kind}")
    batch, rids = bodies(fake, kind, count, size, tag, rng)
    sent = time.time()
    acks = await burst(http, url, batch)
    for rid in rids:
        rids[rid] = sent
    return acks, await answered(fake, rids) if "ogpbot" in tag else []


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def in_process(folder: Path, db: str, size: int) -> tuple[float, float]:
    """Milliseconds per `status P-N` and per one-line `propose` in the core itself."""
    store = open_store(db)
    bot = OgpBot(load_seminar(folder / "seminar.toml"), store, SystemClock())
    speaker = Speaker("slack", proposer_id(0), name="Person 0")
    place = Place("slack", CHANNEL)
    rng = random.Random(size)
    began = time.perf_counter()
    for _ in range(200):
        bot.handle(Command(speaker, place, words=f"status P-{rng.randint(1, size)}"))
    status = (time.perf_counter() - began) / 200
    began = time.perf_counter()
    for n in range(20):
        bot.handle(Command(speaker, place, words=f"propose Kjerneforslag {n} {LINE}"))
    propose = (time.perf_counter() - began) / 20
    store.close()
    return status * 1000, propose * 1000


def profile(server: ServeProcess, size: int) -> subprocess.Popen[bytes] | None:
    """With BENCH_ACK_PROFILE=FOLDER, py-spy samples the serve process into FOLDER."""
    folder = os.environ.get("BENCH_ACK_PROFILE")
    if not folder or server.process is None:
        return None
    if shutil.which("py-spy") is None:
        print("BENCH_ACK_PROFILE is set but py-spy is not installed (pip install py-spy)")
        return None
    Path(folder).mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(["py-spy", "record", "--pid", str(server.process.pid), "--format",
                             "raw", "--threads", "--output", f"{folder}/serve-{size}.txt"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def moved(db: Path, url: str) -> float:
    """Copy the seeded file into the (emptied) database; the seconds it took."""
    began = time.perf_counter()
    source: Store = TinyDBStore(db, readonly=True)
    target = open_store(url)
    try:
        copy_store(source, target, "the bench database")
    finally:
        source.close()
        target.close()
    return time.perf_counter() - began


async def one_store(http: aiohttp.ClientSession, fake: FakeSlackAPI, bare: ServeProcess,
                    size: int, folder: Path, db: str, tag: str) -> dict[str, Any]:
    """Serve `db` and measure it beside the bare app, both in the same minutes."""
    env = {**os.environ, "OGPBOT_DB": db, "OGPBOT_SEMINAR": str(folder / "seminar.toml"),
           "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": fake.url}
    server = ServeProcess(env, folder / f"serve-{tag}.log", name="ogpbot serve",
                          start_within=120)
    await server.start(http)
    figures: dict[str, Any] = {"start": server.started_in}
    profiler = profile(server, size)
    try:
        # Warm both up (connections, auth.test, users.info for each speaker).
        await measure(http, fake, server.url, "status", SPEAKERS * 2, size,
                      f"warm{size}{tag}ogpbot")
        await measure(http, fake, bare.url, "status", SPEAKERS, size, f"warm{size}{tag}bare")
        for kind, count in (("status", STATUS_REQUESTS), ("propose", PROPOSE_REQUESTS)):
            figures[f"bare {kind}"], _ = await measure(http, fake, bare.url, kind, count, size,
                                                       f"{size}{tag}bare")
            figures[f"ogpbot {kind}"], figures[f"answer {kind}"] = await measure(
                http, fake, server.url, kind, count, size, f"{size}{tag}ogpbot")
    finally:
        if profiler is not None:
            profiler.send_signal(signal.SIGINT)
            profiler.wait(30)
        server.stop(grace=15)
    figures["core status"], figures["core propose"] = await asyncio.to_thread(
        in_process, folder, db, size)
    return figures


async def one_size(http: aiohttp.ClientSession, fake: FakeSlackAPI, bare: ServeProcess,
                   size: int, folder: Path, cluster: Cluster | None) -> dict[str, Any]:
    began = time.perf_counter()
    db = seed(folder, size)
    figures: dict[str, Any] = {"seeded": time.perf_counter() - began}
    figures["file"] = db.stat().st_size + (db.with_name(db.name + ".journal").stat().st_size
                                           if db.with_name(db.name + ".journal").exists() else 0)
    url = cluster.emptied("bench") if cluster is not None else None
    if url is not None:
        figures["moved"] = await asyncio.to_thread(moved, db, url)
    figures["tinydb"] = await one_store(http, fake, bare, size, folder, str(db), "tinydb")
    if url is not None:
        figures["postgresql"] = await one_store(http, fake, bare, size, folder, url, "pg")
    return figures


async def run() -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = [
        ("load", f"{CONCURRENCY} in flight; {STATUS_REQUESTS} `/status P-N` and "
                 f"{PROPOSE_REQUESTS} `/ogp propose` per store size"),
    ]
    worst: dict[str, float] = {}
    why = unavailable()
    cluster = Cluster(durable=True).start() if why is None else None
    if why is not None:
        rows.append(("postgresql", f"not measured: {why}"))
    try:
        await _sizes(rows, worst, cluster)
    finally:
        if cluster is not None:
            cluster.stop()
    for store, ratio in worst.items():
        rows.append((f"status p99 / bare p99 at the largest store, {store}",
                     f"{ratio:.2f} (goal: at most 1.5)"))
    return rows


async def _sizes(rows: list[tuple[str, str]], worst: dict[str, float],
                 cluster: Cluster | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        async with FakeSlackAPI() as fake, aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=CONCURRENCY * 2)) as http:
            for n in range(PROPOSERS):
                fake.add_user(proposer_id(n), real_name=f"Person {n}")
            bare_env = {**os.environ, "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET,
                        "SLACK_API_URL": fake.url}
            bare = ServeProcess(bare_env, Path(tmp) / "bare.log", name="bare slack-bolt app",
                                argv=[sys.executable, "-m", "bench._bare_slack"], start_within=120)
            await bare.start(http)
            try:
                for size in SIZES:
                    folder = Path(tmp) / f"store{size}"
                    folder.mkdir()
                    (folder / "seminar.toml").write_text(SEMINAR, encoding="utf-8")
                    f = await one_size(http, fake, bare, size, folder, cluster)
                    fake.clear_calls()
                    label = f"{size:,} proposals"
                    moved_in = f" (into PostgreSQL in {f['moved']:.1f} s)" if "moved" in f \
                        else ""
                    rows.append((f"{label}: store", f"{f['file'] / 1e6:.1f} MB, seeded in "
                                 f"{f['seeded']:.1f} s{moved_in}"))
                    for store in ("tinydb", "postgresql"):
                        if store in f:
                            _rows(rows, f"{label}, {store}", f[store], worst, store,
                                  size == max(SIZES))
            finally:
                bare.stop(grace=15)


def _rows(rows: list[tuple[str, str]], label: str, f: dict[str, Any], worst: dict[str, float],
          store: str, largest: bool) -> None:
    rows.append((f"{label}: serve up in", f"{f['start']:.1f} s"))
    for kind in ("status", "propose"):
        ours, base = f[f"ogpbot {kind}"], f[f"bare {kind}"]
        ratio = pct(ours, 0.99) / pct(base, 0.99)
        if kind == "status" and largest:
            worst[store] = ratio
        rows.append((f"{label}: {kind} ack p50/p99 ms",
                     f"ogpbot {ms(pct(ours, 0.5))} / {ms(pct(ours, 0.99))}, "
                     f"bare {ms(pct(base, 0.5))} / {ms(pct(base, 0.99))}, "
                     f"p99 ratio {ratio:.2f}"))
        answers = f[f"answer {kind}"]
        rows.append((f"{label}: {kind} answer p50/p99 ms",
                     f"{ms(pct(answers, 0.5))} / {ms(pct(answers, 0.99))} "
                     f"({len(answers)}/{len(ours)} answered)"))
    rows.append((f"{label}: core per command ms",
                 f"status {f['core status']:.2f}, propose {f['core propose']:.2f} "
                 "(in-process, no HTTP)"))


HEADLINES = ("status p99 / bare p99 at the largest store, tinydb",
             "status p99 / bare p99 at the largest store, postgresql")


def main() -> int:
    rows = asyncio.run(run())
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
