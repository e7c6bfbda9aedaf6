"""Slack acknowledgement and answer times: signed `/status P-N` and one-line `/ogp propose`
slash commands, 50 in flight at a time, against `ogpbot serve` and, in the same run, against
two bare slack-bolt apps served the same way in processes of their own (bench/_bare_slack.py):
one that only acknowledges, and one that acknowledges and then posts the same answer ogpbot
gave to the command's response_url. With 100, 1,000 and 10,000 proposals in the store. Prints
p50 and p99 of the ack (beside the first) and of the answer (from sending the command to its
answer reaching the response_url, beside the second), and each p99 ratio. Each store is served
twice: as a TinyDB file, and the same records moved into PostgreSQL with `migrate-store`'s copy
(a throwaway server with fsync on, as deployed), both beside the same baselines."""

from __future__ import annotations

import asyncio
import json
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


async def burst(http: aiohttp.ClientSession, url: str,
                bodies: list[bytes]) -> list[tuple[float, float]]:
    """POST each signed body, CONCURRENCY at a time; for each, the seconds it waited for its
    ack and the wall-clock time it was sent."""
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(body: bytes) -> tuple[float, float]:
        async with gate:
            headers = signed_headers(SECRET, body)
            sent = time.time()
            began = time.perf_counter()
            async with http.post(f"{url}/slack/events", data=body, headers=headers) as answer:
                await answer.read()
                took = time.perf_counter() - began
            if answer.status != 200:
                raise RuntimeError(f"{url} answered {answer.status}")
            return took, sent

    return list(await asyncio.gather(*(one(b) for b in bodies)))


def bodies(fake: FakeSlackAPI, kind: str, count: int, size: int, tag: str,
           rng: random.Random) -> tuple[list[bytes], list[str]]:
    """Slash commands of one kind, each with its own response_url; and the ids of those."""
    out, made = [], []
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
        made.append(rid)
    return out, made


async def answered(fake: FakeSlackAPI, rids: dict[str, float], within: float = 120) -> list[float]:
    """Seconds from each command's send to its answer at its response_url."""
    deadline = time.monotonic() + within
    while True:
        seen = {c.path.rsplit("/", 1)[-1]: c.at for c in fake.calls
                if c.method == "response_url" and c.path.rsplit("/", 1)[-1] in rids}
        if len(seen) == len(rids) or time.monotonic() > deadline:
            return [seen[r] - sent for r, sent in rids.items() if r in seen]
        await asyncio.sleep(0.05)


async def measure(http: aiohttp.ClientSession, fake: FakeSlackAPI, url: str, kind: str,
                  count: int, size: int, tag: str,
                  answers: bool = True) -> tuple[list[float], list[float]]:
    """The ack times of a burst of one kind, and (when the server `answers`) the answer
    times, each from its own command's send."""
    rng = random.Random(f"{tag}{kind}")
    batch, rids = bodies(fake, kind, count, size, tag, rng)
    timed = await burst(http, url, batch)
    acks = [took for took, _ in timed]
    if not answers:
        return acks, []
    return acks, await answered(fake, {rid: sent for rid, (_, sent) in zip(rids, timed,
                                                                             strict=True)})


def captured_answers(fake: FakeSlackAPI, tag: str) -> dict[str, dict[str, Any]]:
    """One answer ogpbot posted for each kind of command (from the warm-up `tag`), as the
    answering baseline posts it."""
    out = {}
    for call in fake.calls:
        rid = call.path.rsplit("/", 1)[-1]
        if call.method == "response_url" and rid.startswith(tag):
            kind = "propose" if "-propose-" in rid else "status"
            out.setdefault(kind, {k: call.args[k] for k in
                                  ("text", "blocks", "response_type", "replace_original")
                                  if k in call.args})
    return out


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


async def answering_baseline(http: aiohttp.ClientSession, fake: FakeSlackAPI, folder: Path,
                             env: dict[str, str]) -> ServeProcess:
    """The bare app that also posts ogpbot's answers (captured from its warm-up)."""
    path = folder / "answers.json"
    path.write_text(json.dumps(captured_answers(fake, "warm")), encoding="utf-8")
    bare = ServeProcess(env, folder / "bare-answering.log", name="bare answering app",
                        argv=[sys.executable, "-m", "bench._bare_slack", "--answers",
                              str(path)], start_within=120)
    await bare.start(http)
    return bare


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


async def one_size(http: aiohttp.ClientSession, fake: FakeSlackAPI, bare: ServeProcess,
                   baselines: dict[str, ServeProcess], size: int,
                   folder: Path, db: str) -> dict[str, Any]:
    """Serve the store `db` and measure it beside the baselines, in the same minutes."""
    env = {**os.environ, "OGPBOT_DB": db, "OGPBOT_SEMINAR": str(folder / "seminar.toml"),
           "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": fake.url}
    tag = "pg" if db.startswith("postgresql://") else ""
    server = ServeProcess(env, folder / f"serve{tag}.log", name="ogpbot serve",
                          start_within=120)
    await server.start(http)
    figures: dict[str, Any] = {"start": server.started_in}
    profiler = profile(server, size)
    try:
        # Warm all up (connections, auth.test, users.info for each speaker).
        await measure(http, fake, server.url, "status", SPEAKERS * 2, size,
                      f"warm{size}{tag}ogpbot")
        await measure(http, fake, server.url, "propose", 2, size, f"warm{size}{tag}ogpbot")
        if "answering" not in baselines:
            baselines["answering"] = await answering_baseline(http, fake, folder.parent,
                                                              bare.env)
        answering = baselines["answering"]
        await measure(http, fake, bare.url, "status", SPEAKERS, size, f"warm{size}{tag}bare",
                      answers=False)
        await measure(http, fake, answering.url, "status", SPEAKERS, size,
                      f"warm{size}{tag}answering")
        for kind, count in (("status", STATUS_REQUESTS), ("propose", PROPOSE_REQUESTS)):
            figures[f"bare {kind}"], _ = await measure(http, fake, bare.url, kind, count, size,
                                                       f"{size}{tag}bare", answers=False)
            figures[f"ogpbot {kind}"], figures[f"answer {kind}"] = await measure(
                http, fake, server.url, kind, count, size, f"{size}{tag}ogpbot")
            _, figures[f"bare answer {kind}"] = await measure(
                http, fake, answering.url, kind, count, size, f"{size}{tag}answering")
    finally:
        if profiler is not None:
            profiler.send_signal(signal.SIGINT)
            profiler.wait(30)
        server.stop(grace=30)
    figures["core status"], figures["core propose"] = await asyncio.to_thread(
        in_process, folder, db, size)
    return figures


async def run() -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = [
        ("load", f"{CONCURRENCY} in flight; {STATUS_REQUESTS} `/status P-N` and "
                 f"{PROPOSE_REQUESTS} `/ogp propose` per store size"),
    ]
    worst: dict[str, dict[str, float]] = {}
    baselines: dict[str, ServeProcess] = {}
    why = unavailable()
    cluster = Cluster(durable=True).start() if why is None else None
    if why is not None:
        rows.append(("postgresql", f"not measured: {why}"))
    try:
        await _sizes(rows, worst, baselines, cluster)
    finally:
        if cluster is not None:
            cluster.stop()
    for store, ratios in worst.items():
        rows.append((f"{ACK_HEADLINE}, {store}", f"{ratios['ack']:.2f} (goal: at most 1.5)"))
        rows.append((f"{ANSWER_HEADLINE}, {store}",
                     f"{ratios['answer']:.2f} (goal: at most 1.5)"))
    return rows


async def _sizes(rows: list[tuple[str, str]], worst: dict[str, dict[str, float]],
                 baselines: dict[str, ServeProcess], cluster: Cluster | None) -> None:
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
                    began = time.perf_counter()
                    db = seed(folder, size)
                    seeded = time.perf_counter() - began
                    size_mb = (db.stat().st_size + (
                        db.with_name(db.name + ".journal").stat().st_size
                        if db.with_name(db.name + ".journal").exists() else 0)) / 1e6
                    stores = [("tinydb", str(db))]
                    note = ""
                    if cluster is not None:
                        url = cluster.emptied("bench")
                        took = await asyncio.to_thread(moved, db, url)
                        note = f", into PostgreSQL in {took:.1f} s"
                        stores.append(("postgresql", url))
                    rows.append((f"{size:,} proposals: store", f"{size_mb:.1f} MB, seeded in "
                                 f"{seeded:.1f} s{note}"))
                    for store, where in stores:
                        f = await one_size(http, fake, bare, baselines, size, folder, where)
                        fake.clear_calls()
                        _rows(rows, f"{size:,} proposals, {store}", f, worst, store,
                              size == max(SIZES))
            finally:
                bare.stop(grace=15)
                for baseline in baselines.values():
                    baseline.stop(grace=15)


def _rows(rows: list[tuple[str, str]], label: str, f: dict[str, Any],
          worst: dict[str, dict[str, float]], store: str, largest: bool) -> None:
    rows.append((f"{label}: serve up in", f"{f['start']:.1f} s"))
    for kind in ("status", "propose"):
        ours, base = f[f"ogpbot {kind}"], f[f"bare {kind}"]
        ratio = pct(ours, 0.99) / pct(base, 0.99)
        rows.append((f"{label}: {kind} ack p50/p99 ms",
                     f"ogpbot {ms(pct(ours, 0.5))} / {ms(pct(ours, 0.99))}, "
                     f"bare {ms(pct(base, 0.5))} / {ms(pct(base, 0.99))}, "
                     f"p99 ratio {ratio:.2f}"))
        answers, bare_answers = f[f"answer {kind}"], f[f"bare answer {kind}"]
        answer_ratio = pct(answers, 0.99) / pct(bare_answers, 0.99)
        if kind == "status" and largest:
            worst[store] = {"ack": ratio, "answer": answer_ratio}
        rows.append((f"{label}: {kind} answer p50/p99 ms",
                     f"ogpbot {ms(pct(answers, 0.5))} / {ms(pct(answers, 0.99))}, "
                     f"bare {ms(pct(bare_answers, 0.5))} / {ms(pct(bare_answers, 0.99))}, "
                     f"p99 ratio {answer_ratio:.2f} ({len(answers)}/{len(ours)} answered)"))
    rows.append((f"{label}: core per command ms",
                 f"status {f['core status']:.2f}, propose {f['core propose']:.2f} "
                 "(in-process, no HTTP)"))


ACK_HEADLINE = "status ack p99 / bare p99 at the largest store"
ANSWER_HEADLINE = "status answer p99 / bare answering p99 at the largest store"
HEADLINES = tuple(f"{headline}, {store}" for store in ("tinydb", "postgresql")
                  for headline in (ACK_HEADLINE, ANSWER_HEADLINE))


def main() -> int:
    rows = asyncio.run(run())
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
