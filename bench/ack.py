"""Slack acknowledgement and answer times: signed `/status P-N` and one-line `/ogp propose`
slash commands, 50 in flight at a time, against `ogpbot serve` and, in the same run, against
two bare slack-bolt apps served the same way in processes of their own (bench/_bare_slack.py):
one that only acknowledges, and one that acknowledges and then posts the same answer ogpbot
gave to the command's response_url. With 100, 1,000 and 10,000 proposals in the store, each
served twice: as a TinyDB file, and the same records moved into PostgreSQL with
`migrate-store`'s copy (a throwaway server with fsync on, as deployed).

The phases are interleaved (bare, ogpbot, bare answering; again) for `BENCH_ACK_ROUNDS` rounds
(3), so that a passing load on the machine falls on all of them; each figure is the median of
the rounds' with its min–max. Printed: p50 and p99 of the ack (beside the ack-only app's) and
of the answer (from sending the command to its answer reaching the response_url, beside the
answering app's), each round's p99 ratio; the CPU time per command of each server process
from /proc (and, on PostgreSQL, of the database server's processes), which load does not
blur; on PostgreSQL the statements, rows and buffer blocks per command (pg_stat_statements);
the core's own time per command, in process; the load average at the start and end of each
round. At the largest store, a seminar burst: `BURST_PEOPLE` people (300) each send `tables`,
then each `status`, at moments spread over `BURST_WITHIN` seconds (5): the slowest ack and the
answer p99; and the same people each sending `status` within one second while Slack takes
`SLOW_SLACK` seconds (0.3) to take each answer at its response_url, as it may on a busy day,
beside the answering app: answers that wait on Slack must not hold back the turns of others."""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

from bench._machine import cpu_seconds, load, spread, tree_cpu_seconds
from bench._statements import Statements, Totals
from bot.app.frontdoor import OgpBot
from bot.core.clock import SystemClock
from bot.core.command import Command, Place, Speaker
from bot.core.model import HistoryEntry, Person, Proposal, Role, Status
from bot.core.notice import Notice, NoticeState, Target
from bot.core.records import COUNTERS
from bot.core.reply import Reply
from bot.core.seminar import load_seminar
from bot.process.tables import CHART_SETTING, SeatingChart, Table
from bot.store.contract import Store
from bot.store.opening import open_store
from bot.store.tinydb_file import TinyDBStore
from bot.store.transfer import copy_store
from tests.cast import ORGANIZATIONS, seminar_toml
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_signing import signed_headers, slash_command_body
from tests.pg_cluster import Cluster, unavailable
from tests.serving import ServeProcess

SIZES = tuple(int(s) for s in os.environ.get("BENCH_ACK_SIZES", "100,1000,10000").split(","))
CONCURRENCY = 50
STATUS_REQUESTS = int(os.environ.get("BENCH_ACK_STATUS", "300"))
PROPOSE_REQUESTS = int(os.environ.get("BENCH_ACK_PROPOSE", "100"))
ROUNDS = int(os.environ.get("BENCH_ACK_ROUNDS", "3"))
STORES = tuple(os.environ.get("BENCH_ACK_STORES", "tinydb,postgresql").split(","))
PROPOSERS = 300  # civil-society people who made the seeded proposals, all at the seminar
BURST_PEOPLE = int(os.environ.get("BENCH_BURST_PEOPLE", "300"))
BURST_WITHIN = 5.0  # seconds over which the burst's commands are sent
SLOW_SLACK = 0.3  # seconds the slow-Slack phase's response_url takes to answer each post
TABLES = 12
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


def know_proposers(fake: FakeSlackAPI) -> None:
    """The fake Slack answers `users.info` for every seeded proposer (as Slack would)."""
    for n in range(PROPOSERS):
        fake.add_user(proposer_id(n), real_name=f"Person {n}")


def serve_env(db: str | Path, folder: Path, fake: FakeSlackAPI) -> dict[str, str]:
    """The environment of an `ogpbot serve` on the store `db`, with the bench's seminar file in
    `folder`, answering the fake Slack."""
    return {**os.environ, "OGPBOT_DB": str(db), "OGPBOT_SEMINAR": str(folder / "seminar.toml"),
            "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": fake.url}


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
        # the seminar's small tables: everyone seated, the first proposals discussed
        seats = [p.key for p in people]
        bot.records.set_setting(CHART_SETTING, SeatingChart(tuple(
            Table(n + 1, "innsyn", tuple(range(n + 1, min(size, 80) + 1, TABLES)),
                  tuple(seats[n::TABLES])) for n in range(TABLES)),
            now.isoformat(), method="greedy").to_dict())
    store.close()
    return db


WORDS = ("postlister", "loggene", "kontraktene", "møtereferatene", "budsjettene", "avtalene")


async def burst(http: aiohttp.ClientSession, url: str,
                bodies: list[bytes]) -> list[tuple[float, float]]:
    """POST each signed body, CONCURRENCY at a time; for each, the seconds it waited for its
    ack (endless when it was not a 200: Slack would have shown the person an error) and the
    wall-clock time it was sent."""
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(body: bytes) -> tuple[float, float]:
        async with gate:
            headers = signed_headers(SECRET, body)
            sent = time.time()
            began = time.perf_counter()
            async with http.post(f"{url}/slack/events", data=body, headers=headers) as answer:
                await answer.read()
                took = time.perf_counter() - began
            return (took if answer.status == 200 else float("inf")), sent

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


def profile(server: ServeProcess, name: str) -> subprocess.Popen[bytes] | None:
    """With BENCH_ACK_PROFILE=FOLDER, py-spy samples the serve process into FOLDER: only the
    thread holding the GIL, so the profile is where its Python time goes; without pausing the
    process for each sample (`--nonblocking`: a paused serve would spend its CPU otherwise),
    `BENCH_ACK_PROFILE_RATE` samples a second (100)."""
    folder = os.environ.get("BENCH_ACK_PROFILE")
    if not folder or server.process is None:
        return None
    spy = shutil.which("py-spy") or shutil.which("py-spy", path=str(Path(sys.executable).parent))
    if spy is None:
        print("BENCH_ACK_PROFILE is set but py-spy is not installed (pip install py-spy)")
        return None
    Path(folder).mkdir(parents=True, exist_ok=True)
    rate = os.environ.get("BENCH_ACK_PROFILE_RATE", "100")  # samples a second
    return subprocess.Popen([spy, "record", "--pid", str(server.process.pid), "--format",
                             "raw", "--gil", "--nonblocking", "--rate", rate,
                             "--output", f"{folder}/serve-{name}.txt"],
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


@dataclass(frozen=True)
class Database:
    """The PostgreSQL server under a measured store: its processes' CPU, its statements."""

    postmaster: int
    statements: Statements

    def cpu(self) -> float:
        return tree_cpu_seconds(self.postmaster)


@dataclass(frozen=True)
class Phase:
    """One burst against one server: its ack and answer times, and per command the server's
    CPU seconds (and the database's, and its statements, on PostgreSQL)."""

    acks: list[float]
    answers: list[float]
    cpu: float
    db_cpu: float | None = None
    db: Totals | None = None
    conflicts: int = 0  # transactions that collided and were run again (PostgreSQL)


async def conflicts(http: aiohttp.ClientSession, server: ServeProcess) -> int:
    """The server's count of transactions that collided, from its /metrics."""
    async with http.get(f"{server.url}/metrics") as answer:
        text = await answer.text()
    for line in text.splitlines():
        if line.startswith("ogpbot_store_conflicts_total "):
            return int(float(line.split()[1]))
    return 0


SETTLE = 0.3  # seconds after the last answer that still count (the marks of answers given)
IDLE_WITHIN = 60.0  # seconds an ogpbot phase waits at most for the work it set off to end


async def phase(http: aiohttp.ClientSession, fake: FakeSlackAPI, server: ServeProcess,
                kind: str, count: int, size: int, tag: str, answers: bool = True,
                db: Database | None = None, ogpbot: bool = False) -> Phase:
    """One burst of commands of `kind`. For `ogpbot`, measured from an idle server to an idle
    server: its CPU time counts the work the commands set off after their answers (a
    `propose` tells the ministry and the coordinator: those DMs are the propose's), and none
    of an earlier phase's."""
    assert server.process is not None
    pid = server.process.pid
    if ogpbot:
        await idle(server, within=IDLE_WITHIN)
    if db is not None:
        collided = await conflicts(http, server)
        await asyncio.to_thread(db.statements.reset)
        db_before = db.cpu()
    before = cpu_seconds(pid)
    acks, took = await measure(http, fake, server.url, kind, count, size, tag, answers)
    await asyncio.sleep(SETTLE)
    if ogpbot:
        await idle(server, within=IDLE_WITHIN)
    cpu = (cpu_seconds(pid) - before) / count
    if db is None:
        return Phase(acks, took, cpu)
    db_cpu = (db.cpu() - db_before) / count
    totals = await asyncio.to_thread(db.statements.read, 8)
    return Phase(acks, took, cpu, db_cpu, totals, await conflicts(http, server) - collided)


async def seminar_burst(http: aiohttp.ClientSession, fake: FakeSlackAPI, server: ServeProcess,
                        word: str, size: int, tag: str, within: float = BURST_WITHIN) -> Phase:
    """`BURST_PEOPLE` different people each send `word` once, at moments spread at random over
    `within` seconds, as many at once as happen to coincide (no limit in flight)."""
    assert server.process is not None
    rng = random.Random(f"{tag}{word}")
    at = sorted(rng.uniform(0, within) for _ in range(BURST_PEOPLE))
    people = rng.sample(range(PROPOSERS), BURST_PEOPLE)
    rids, batch = [], []
    for n, who in enumerate(people):
        rid = f"{tag}-burst-{word}-{n}"
        text = f"P-{rng.randint(1, size)}" if word == "status" else word
        batch.append(slash_command_body(
            text, command="/status" if word == "status" else "/ogp", user_id=proposer_id(who),
            channel_id=CHANNEL, channel_name="seminar", response_url=fake.response_url(rid)))
        rids.append(rid)
    await idle(server, within=IDLE_WITHIN)
    collided = await conflicts(http, server)
    before = cpu_seconds(server.process.pid)
    began = time.perf_counter()

    async def one(when: float, body: bytes) -> tuple[float, float]:
        await asyncio.sleep(max(0.0, began + when - time.perf_counter()))
        headers = signed_headers(SECRET, body)
        sent = time.time()
        start = time.perf_counter()
        async with http.post(f"{server.url}/slack/events", data=body,
                             headers=headers) as answer:
            await answer.read()
        return (time.perf_counter() - start if answer.status == 200 else float("inf")), sent

    timed = await asyncio.gather(*(one(w, b) for w, b in zip(at, batch, strict=True)))
    took = await answered(fake, {rid: sent for rid, (_, sent) in zip(rids, timed, strict=True)})
    await asyncio.sleep(SETTLE)
    cpu = (cpu_seconds(server.process.pid) - before) / BURST_PEOPLE
    return Phase([t for t, _ in timed], took, cpu,
                 conflicts=await conflicts(http, server) - collided)


async def idle(server: ServeProcess, within: float = 90.0) -> float:
    """Wait until the server's work is over (after a start, the retention pass reads every sent
    notice; after a phase, the notices it set off go out): its CPU time grows by less than a
    tenth of the time passing. The seconds waited."""
    assert server.process is not None
    began = time.perf_counter()
    while time.perf_counter() - began < within:
        before = cpu_seconds(server.process.pid)
        await asyncio.sleep(0.5)
        if cpu_seconds(server.process.pid) - before < 0.05:
            break
    return time.perf_counter() - began


async def one_size(http: aiohttp.ClientSession, fake: FakeSlackAPI, bare: ServeProcess,
                   baselines: dict[str, ServeProcess], size: int, folder: Path, db: str,
                   database: Database | None, largest: bool) -> dict[str, Any]:
    """Serve the store `db` and measure it beside the baselines, round after round."""
    tag = "pg" if database is not None else ""
    server = ServeProcess(serve_env(db, folder, fake), folder / f"serve{tag}.log",
                          name="ogpbot serve",
                          start_within=120)
    await server.start(http)
    figures: dict[str, Any] = {"start": server.started_in, "loads": [], "bursts": {},
                               "idle": await idle(server)}
    profiler = profile(server, f"{size}{tag or 'tinydb'}")
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
        for n in range(ROUNDS):
            began = load()
            for kind, count in (("status", STATUS_REQUESTS), ("propose", PROPOSE_REQUESTS)):
                at = f"{size}{tag}r{n}"
                figures.setdefault(f"bare {kind}", []).append(await phase(
                    http, fake, bare, kind, count, size, f"{at}bare", answers=False))
                figures.setdefault(f"ogpbot {kind}", []).append(await phase(
                    http, fake, server, kind, count, size, f"{at}ogpbot", db=database,
                    ogpbot=True))
                figures.setdefault(f"answering {kind}", []).append(await phase(
                    http, fake, answering, kind, count, size, f"{at}answering"))
            figures["loads"].append(f"{began} → {load()}")
        if largest:
            for word in ("tables", "status"):
                began = load()
                figures["bursts"][word] = (await seminar_burst(
                    http, fake, server, word, size, f"{size}{tag}"), f"{began} → {load()}")
            fake.hang(SLOW_SLACK, methods=["response_url"])  # taken on arrival, answered late
            try:
                figures["slow"] = [await seminar_burst(http, fake, each, "status", size,
                                                       f"{size}{tag}slow{n}", within=1.0)
                                   for n, each in enumerate((server, answering))]
            finally:
                fake.hang(0)
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
                 f"{PROPOSE_REQUESTS} `/ogp propose` per phase, {ROUNDS} rounds of bare, "
                 "ogpbot, bare answering per store size"),
        ("load average at the start", load()),
    ]
    summary: dict[str, list[tuple[str, str]]] = {}
    baselines: dict[str, ServeProcess] = {}
    why = unavailable() if "postgresql" in STORES else "not asked for (BENCH_ACK_STORES)"
    cluster = Cluster(durable=True, statements=True).start() if why is None else None
    if why is not None:
        rows.append(("postgresql", f"not measured: {why}"))
    try:
        await _sizes(rows, summary, baselines, cluster)
    finally:
        if cluster is not None:
            cluster.stop()
    for store in ("tinydb", "postgresql"):
        rows.extend(summary.get(store, []))
    rows.append(("load average at the end", load()))
    return rows


async def _sizes(rows: list[tuple[str, str]], summary: dict[str, list[tuple[str, str]]],
                 baselines: dict[str, ServeProcess], cluster: Cluster | None) -> None:
    growth: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        async with FakeSlackAPI() as fake, aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=BURST_PEOPLE * 2)) as http:
            know_proposers(fake)
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
                    stores: list[tuple[str, str, Database | None]] = (
                        [("tinydb", str(db), None)] if "tinydb" in STORES else [])
                    note = ""
                    if cluster is not None:
                        url = cluster.emptied("bench")
                        took = await asyncio.to_thread(moved, db, url)
                        note = f", into PostgreSQL in {took:.1f} s"
                        stores.append(("postgresql", url,
                                       Database(cluster.postmaster(), Statements(url))))
                    rows.append((f"{size:,} proposals: store", f"{size_mb:.1f} MB, seeded in "
                                 f"{seeded:.1f} s{note}"))
                    for store, where, database in stores:
                        f = await one_size(http, fake, bare, baselines, size, folder, where,
                                           database, size == max(SIZES))
                        fake.clear_calls()
                        _rows(rows, f"{size:,} proposals, {store}", f)
                        growth.setdefault(store, []).append((size, f))
                        if size == max(SIZES):
                            summary[store] = _goals(store, f)
            finally:
                bare.stop(grace=15)
                for baseline in baselines.values():
                    baseline.stop(grace=15)
    for store, sized in growth.items():
        summary.setdefault(store, []).extend(_growth(store, sized))


def _ratios(f: dict[str, Any], kind: str, ours: str, base: str, field: str) -> list[float]:
    """Each round's p99 of `field` (acks or answers) of `ours` over that of `base`."""
    return [_over(pct(getattr(o, field), 0.99), pct(getattr(b, field), 0.99))
            for o, b in zip(f[f"{ours} {kind}"], f[f"{base} {kind}"], strict=True)]


def _over(ours: float, base: float) -> float:
    """`ours / base`, NaN when the base is nothing (a phase too short for the clock's ticks)."""
    return ours / base if base else float("nan")


def _cpu_ratios(f: dict[str, Any], kind: str) -> list[float]:
    """Each round's CPU per command of ogpbot (with its database's) over the answering app's."""
    return [_over(o.cpu + (o.db_cpu or 0.0), b.cpu)
            for o, b in zip(f[f"ogpbot {kind}"], f[f"answering {kind}"], strict=True)]


def _pooled(phases: list[Phase], field: str) -> list[float]:
    return [v for p in phases for v in getattr(p, field)]


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _rows(rows: list[tuple[str, str]], label: str, f: dict[str, Any]) -> None:
    rows.append((f"{label}: serve up in", f"{f['start']:.1f} s, idle {f['idle']:.1f} s later "
                                          "(its start-up work done; then measured)"))
    rows.append((f"{label}: load average, each round", "; ".join(f["loads"])))
    for kind in ("status", "propose"):
        ours, base, answering = f[f"ogpbot {kind}"], f[f"bare {kind}"], f[f"answering {kind}"]
        acks, base_acks = _pooled(ours, "acks"), _pooled(base, "acks")
        rows.append((f"{label}: {kind} ack p50/p99 ms",
                     f"ogpbot {ms(pct(acks, 0.5))} / {ms(pct(acks, 0.99))}, "
                     f"bare {ms(pct(base_acks, 0.5))} / {ms(pct(base_acks, 0.99))}, "
                     f"p99 ratio {spread(_ratios(f, kind, 'ogpbot', 'bare', 'acks'))}"))
        answers, bare_answers = _pooled(ours, "answers"), _pooled(answering, "answers")
        rows.append((f"{label}: {kind} answer p50/p99 ms",
                     f"ogpbot {ms(pct(answers, 0.5))} / {ms(pct(answers, 0.99))}, "
                     f"bare {ms(pct(bare_answers, 0.5))} / {ms(pct(bare_answers, 0.99))}, "
                     f"p99 ratio {spread(_ratios(f, kind, 'ogpbot', 'answering', 'answers'))} "
                     f"({len(answers)}/{len(acks)} answered)"))
        db = "" if ours[0].db_cpu is None else (
            f" + database {_median([p.db_cpu or 0.0 for p in ours]) * 1000:.2f}")
        rows.append((f"{label}: {kind} CPU ms per command",
                     f"ogpbot {_median([p.cpu for p in ours]) * 1000:.2f}{db}, "
                     f"bare {_median([p.cpu for p in base]) * 1000:.2f}, "
                     f"bare answering {_median([p.cpu for p in answering]) * 1000:.2f}; "
                     f"ratio to bare answering {spread(_cpu_ratios(f, kind))}"))
        if ours[0].db is not None:
            rows.append((f"{label}: {kind} PostgreSQL per command", _per_command(ours, kind)))
            if os.environ.get("BENCH_ACK_STATEMENTS"):
                for query, calls, got, blocks in ours[-1].db.top if ours[-1].db else ():
                    rows.append((f"{label}: {kind} statement",
                                 f"{calls} calls, {got} rows, {blocks} blocks: {query[:160]}"))
    rows.append((f"{label}: core per command ms",
                 f"status {f['core status']:.2f}, propose {f['core propose']:.2f} "
                 "(in-process, no HTTP)"))
    for word, (burst, loads) in f["bursts"].items():
        rows.append((f"{label}: seminar burst, {BURST_PEOPLE} `{word}` in {BURST_WITHIN:.0f} s",
                     _burst(burst) + f"; load {loads}"))
    if "slow" in f:
        ours, bare = f["slow"]
        rows.append((f"{label}: {BURST_PEOPLE} `status` in 1 s, Slack {SLOW_SLACK:.1f} s to take "
                     "each answer",
                     f"answer p50/p99 ms ogpbot {ms(pct(ours.answers, 0.5))} / "
                     f"{ms(pct(ours.answers, 0.99))}, bare answering "
                     f"{ms(pct(bare.answers, 0.5))} / {ms(pct(bare.answers, 0.99))}"))


def _db_per_command(phases: list[Phase], kind: str) -> tuple[float, float, float]:
    """The median over rounds of statements, rows and buffer blocks per command."""
    count = STATUS_REQUESTS if kind == "status" else PROPOSE_REQUESTS
    totals = [p.db for p in phases if p.db is not None]
    return (_median([t.calls / count for t in totals]), _median([t.rows / count for t in totals]),
            _median([t.blocks / count for t in totals]))


def _per_command(phases: list[Phase], kind: str) -> str:
    calls, got, blocks = _db_per_command(phases, kind)
    collided = " / ".join(str(p.conflicts) for p in phases)
    return (f"{calls:.1f} statements, {got:.1f} rows, {blocks:.0f} buffer blocks; "
            f"transactions that collided and ran again: {collided} (each round)")


def _burst(burst: Phase) -> str:
    return (f"ack max {ms(max(burst.acks))} ms (goal: under 1000), p99 "
            f"{ms(pct(burst.acks, 0.99))}; answer p99 {ms(pct(burst.answers, 0.99))} ms "
            f"(goal: under 2000), {len(burst.answers)}/{len(burst.acks)} answered; "
            f"CPU {burst.cpu * 1000:.2f} ms per command, {burst.conflicts} collided")


ANSWER_GOAL = {"tinydb": 1.5, "postgresql": 2.0}


def _goals(store: str, f: dict[str, Any]) -> list[tuple[str, str]]:
    """The headline figures at the largest store, each beside its goal."""
    out = [(f"status ack p99 / bare, {store}",
            f"{spread(_ratios(f, 'status', 'ogpbot', 'bare', 'acks'))} (goal: at most 1.5)"),
           (f"status answer p99 / bare answering, {store}",
            f"{spread(_ratios(f, 'status', 'ogpbot', 'answering', 'answers'))} "
            f"(goal: at most {ANSWER_GOAL[store]})"),
           (f"propose ack p99 / bare, {store}",
            f"{spread(_ratios(f, 'propose', 'ogpbot', 'bare', 'acks'))} (goal: at most 1.5)"),
           (f"propose answer p99 / bare answering, {store}",
            f"{spread(_ratios(f, 'propose', 'ogpbot', 'answering', 'answers'))} "
            f"(goal: at most {ANSWER_GOAL[store]})"),
           (f"CPU per status / bare answering, {store}",
            f"{spread(_cpu_ratios(f, 'status'))} (goal: at most 2)"),
           (f"CPU per propose / bare answering, {store}",
            f"{spread(_cpu_ratios(f, 'propose'))} (goal: at most 2)")]
    for word, (burst, _) in f["bursts"].items():
        out.append((f"seminar burst `{word}`, {store}", _burst(burst)))
    if "slow" in f:
        ours, bare = f["slow"]
        out.append((f"`status` while Slack is slow, {store}",
                     f"answer p99 {ms(pct(ours.answers, 0.99))} ms, bare answering "
                     f"{ms(pct(bare.answers, 0.99))} ms"))
    return out


def _growth(store: str, sized: list[tuple[int, dict[str, Any]]]) -> list[tuple[str, str]]:
    """How the cost of one command moves with the store's size (goal: flat)."""
    sizes = "/".join(f"{size:,}" for size, _ in sized)
    out = []
    for kind in ("status", "propose"):
        core = " / ".join(f"{f[f'core {kind}']:.2f}" for _, f in sized)
        cpu = " / ".join(f"{_median([p.cpu for p in f[f'ogpbot {kind}']]) * 1000:.2f}"
                         for _, f in sized)
        line = f"core {core} ms, serve CPU {cpu} ms"
        if sized[0][1][f"ogpbot {kind}"][0].db is not None:
            per = [_db_per_command(f[f"ogpbot {kind}"], kind) for _, f in sized]
            line += (f"; {' / '.join(f'{c:.1f}' for c, _, _ in per)} statements, "
                     f"{' / '.join(f'{r:.1f}' for _, r, _ in per)} rows, "
                     f"{' / '.join(f'{b:.0f}' for _, _, b in per)} buffer blocks; collided "
                     + " / ".join(str(sum(p.conflicts for p in f[f"ogpbot {kind}"]))
                                  for _, f in sized))
        out.append((f"{kind} per command at {sizes} proposals, {store}", line))
    return out


HEADLINES = tuple(f"{headline}, {store}" for store in ("tinydb", "postgresql")
                  for headline in ("status ack p99 / bare", "status answer p99 / bare answering",
                                   "CPU per status / bare answering",
                                   "seminar burst `tables`", "`status` while Slack is slow"))


def main() -> int:
    rows = asyncio.run(run())
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
