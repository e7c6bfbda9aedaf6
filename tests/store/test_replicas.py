"""Two `ogpbot serve` replicas on loopback sharing one PostgreSQL database, driven by signed
Slack requests and sending to the fake Slack Web API, as two processes behind a load balancer
would: proposals sent to both in turn get numbers that are unique and without gaps, and each
is visible from both; the agenda's notice reaches the channel once in all; and when the replica
sending a fan-out of 100 DMs is killed with SIGKILL in the middle, the other sends the rest once
its lease runs out: every DM arrives, and only those in flight at the kill may arrive twice.
The replicas' clocks start at a chosen moment and are moved by the tests (`OGPBOT_TEST_CLOCK`)."""

from __future__ import annotations

import asyncio
import os
import re
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path

import aiohttp
import psycopg
import pytest
import pytest_asyncio

from bot.app.frontdoor import OgpBot
from bot.app.inbox import HOLD as INBOX_HOLD
from bot.app.inbox import LEASE as INBOX_LEASE
from bot.core.clock import FakeClock
from bot.core.command import Command, Place, Speaker
from bot.core.notice import Notice, Target
from bot.core.people import roster_key
from bot.core.reply import Reply
from bot.core.seminar import load_seminar
from bot.notices.dispatcher import LEASE
from bot.store.postgres import PostgresStore
from tests import cast, serving
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_signing import signed_headers, slash_command_body
from tests.notices.test_notices_e2e import ANDERS, CHANNEL, INGRID, KARI, OSLO, SECRET, TOKEN
from tests.serving import ServeProcess, eventually, until

pytestmark = pytest.mark.asyncio(loop_scope="module")

#: When the replicas' clocks start, and the agenda's one item.
START = datetime(2026, 12, 1, 8, 0, tzinfo=OSLO)
AGENDA_AT = datetime(2026, 12, 1, 9, 0, tzinfo=OSLO)

FAN_OUT = 100
PROPOSALS = 20
REF = re.compile(r"\bP-(\d+)\b")


def fan_out_id(n: int) -> str:
    return f"U0P{n:04d}"


@dataclass
class Replicas:
    fake: FakeSlackAPI
    url: str
    servers: list[ServeProcess]
    seminar: Path

    async def slash(self, server: ServeProcess, user: str, text: str, rid: str) -> None:
        body = slash_command_body(text, user_id=user, channel_id=CHANNEL, channel_name="seminar",
                                  response_url=self.fake.response_url(rid))
        async with aiohttp.ClientSession() as http, http.post(
                f"{server.url}/slack/events", data=body,
                headers=signed_headers(SECRET, body)) as answer:
            assert answer.status == 200, await answer.text()

    def outbox(self, state: str) -> list[dict[str, object]]:
        with psycopg.connect(self.url) as conn:
            return [r[0] for r in conn.execute(
                "SELECT doc FROM ogpbot_outbox WHERE "
                "doc->>'state' = %s", (state,))]

    def settled(self, prefix: str) -> bool:
        """Every notice whose key starts with `prefix` is sent and no replica holds it: whatever
        was to be sent of them went out, and nothing more will (a repeat needs a claim)."""
        with psycopg.connect(self.url) as conn:
            rows = conn.execute(
                "SELECT doc->>'state', lease_owner FROM ogpbot_outbox "
                "WHERE key LIKE %s", (prefix + "%",)).fetchall()
        return bool(rows) and all(state == "sent" and owner is None for state, owner in rows)

    def all_answered(self) -> bool:
        """Every request acknowledged is answered, as the database says: nothing of them is
        left for a replica to do, or to answer again."""
        with psycopg.connect(self.url) as conn:
            states = [r[0] for r in conn.execute(
                "SELECT doc->>'state' FROM ogpbot_inbox")]
        return all(state == "answered" for state in states)

    def claimed_by(self) -> Counter[int]:
        """How many notices each serve process (by pid) holds a claim on."""
        with psycopg.connect(self.url) as conn:
            owners = [r[0] for r in conn.execute(
                "SELECT lease_owner FROM ogpbot_outbox WHERE "
                "lease_owner IS NOT NULL AND ready_at IS NOT NULL")]
        return Counter(int(owner.split(":")[1]) for owner in owners)


async def listed_on(url: str) -> dict[int, str]:
    """The proposals a replica's record lists: number and title."""
    async with aiohttp.ClientSession() as http, http.get(f"{url}/api/proposals") as answer:
        return {p["number"]: p["title"] for p in (await answer.json())["proposals"]}


def seminar(day: str, at: str) -> str:
    people = cast.roster(cast.KARI, cast.INGRID, cast.ANDERS, slack=True)
    people += [{"name": f"Person {n}", "org": "ngo", "email": f"p{n}@ngo.example.org",
                "slack_id": fan_out_id(n)} for n in range(FAN_OUT)]
    return cast.seminar_toml(day, [(at, "Velkommen", "talk")], ["1h"], people=people)


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def replicas(tmp_path_factory: pytest.TempPathFactory,
                   pg_cluster: object) -> AsyncIterator[Replicas]:
    folder = tmp_path_factory.mktemp("replicas")
    url = pg_cluster.emptied()  # type: ignore[attr-defined]
    path = folder / "seminar.toml"
    path.write_text(seminar(AGENDA_AT.date().isoformat(), AGENDA_AT.strftime("%H:%M")), "utf-8")
    # The coordinator chose the channel before the replicas started (through the core, as a
    # `channel here` would), so the agenda notice has somewhere to go however slow they start.
    store = PostgresStore(url)
    bot = OgpBot(load_seminar(path), store, FakeClock(START))
    assert bot.handle(Command(Speaker("slack", KARI), Place("slack", CHANNEL, name="seminar"),
                              words="channel here")).ok
    store.close()
    async with FakeSlackAPI() as fake:
        for uid in (KARI, INGRID, ANDERS, *(fan_out_id(n) for n in range(FAN_OUT))):
            fake.add_user(uid)
        # Each replica's clock starts at START, at real speed; the tests move them.
        env = {**os.environ, "OGPBOT_DB": url, "OGPBOT_SEMINAR": str(path),
               "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET,
               "SLACK_API_URL": fake.url, **serving.clock_env(START)}
        servers = [ServeProcess(env, folder / f"serve-{n}.log", name=f"replica {n}",
                                start_within=90) for n in (1, 2)]
        try:
            await asyncio.gather(*(server.start() for server in servers))
            yield Replicas(fake, url, servers, path)
        finally:
            for server in servers:
                server.stop()


async def test_proposals_to_both_replicas_in_turn_are_numbered_once_and_seen_by_both(
        replicas: Replicas) -> None:
    fake, servers = replicas.fake, replicas.servers
    await asyncio.gather(*(replicas.slash(
        servers[n % 2], ANDERS, f"propose Forslag {n} | Lite innsyn | Publiser loggene | "
        "transparency | innsyn | jd", f"prop{n}") for n in range(PROPOSALS)))

    def told() -> dict[str, int]:
        out = {}
        for call in fake.calls_to("response_url"):
            rid = call.path.rsplit("/", 1)[-1]
            found = REF.search(str(call.args.get("text", "")))
            if rid.startswith("prop") and found:
                out[rid] = int(found.group(1))
        return out

    await eventually(lambda: len(told()) == PROPOSALS, within=60)
    assert sorted(told().values()) == list(range(1, PROPOSALS + 1))
    expected = {number: f"Forslag {rid[4:]}" for rid, number in told().items()}
    for server in servers:  # each replica's record catches up with both replicas' writes
        listed = await until(partial(listed_on, server.url), lambda got: got == expected)
        assert listed == expected


async def test_the_agenda_notice_reaches_the_channel_once_in_all(replicas: Replicas) -> None:
    def welcomes() -> int:
        return sum("Velkommen" in str(m.get("text", ""))
                   for m in replicas.fake.messages_in(CHANNEL))

    # Both replicas' clocks reach the item's start; one of them sends its notice.
    await asyncio.gather(*(server.clock(at=AGENDA_AT) for server in replicas.servers))
    await eventually(lambda: welcomes() >= 1, within=30)
    await eventually(lambda: replicas.settled("agenda:"), within=30)
    assert welcomes() == 1
    assert [d["key"] for d in replicas.outbox("sent") if d["kind"] == "agenda"]


async def test_a_replica_killed_in_a_fan_out_leaves_the_rest_to_the_other(
        replicas: Replicas) -> None:
    fake = replicas.fake
    fake.clear_calls()
    # Each DM is answered only once the kill has landed: the sends in flight stay in flight, and
    # no later ones start meanwhile, however slowly this machine gets to the kill.
    fake.hang(600.0, methods=["chat.postMessage"])
    due = await replicas.servers[0].clock()  # now, by the replicas' clock
    store = PostgresStore(replicas.url)
    bot = OgpBot(load_seminar(replicas.seminar), store, FakeClock(due))

    def schedule() -> None:
        for n in range(FAN_OUT):
            bot.outbox.schedule(Notice(
                f"fanout:{n}", Target.to_person(roster_key(f"p{n}@ngo.example.org")),
                Reply(language="nb", title=f"Bord for Person {n}"), due, "tables"))

    try:
        store.atomically(schedule)  # one commit: one wake-up for both replicas
    finally:
        store.close()

    def arrived() -> Counter[str]:
        return Counter(str(c.args.get("channel")) for c in fake.calls_to("chat.postMessage")
                       if str(c.args.get("text", "")).startswith("Bord for"))

    await eventually(lambda: sum(arrived().values()) >= 20, within=30)
    holders = replicas.claimed_by()
    victim = next(s for s in replicas.servers
                  if s.process is not None and s.process.pid == holders.most_common(1)[0][0])
    victim.kill()
    in_flight = {str(d["for_person"]) for d in replicas.outbox("sending")}
    assert sum(arrived().values()) < FAN_OUT  # the kill landed in the middle
    fake.hang(0)  # from now on Slack answers at once, and the held answers go
    fake.release_hangs()

    # The survivor takes the dead replica's claims over once their lease has run out: its
    # clock is moved past the lease rather than waited for.
    survivor = next(s for s in replicas.servers if s is not victim)
    await survivor.clock(advance=LEASE + 1)
    await eventually(lambda: replicas.settled("fanout:"), within=60)
    per_person = arrived()
    dms = {fake.dm_channel(fan_out_id(n)): roster_key(f"p{n}@ngo.example.org")
           for n in range(FAN_OUT)}
    assert set(per_person) == set(dms)  # every DM arrived
    twice = {dms[channel] for channel, count in per_person.items() if count > 1}
    assert twice <= in_flight  # only the ones in flight at the kill came again
    assert all(count <= 2 for count in per_person.values())


async def all_running(replicas: Replicas) -> None:
    """Start again whichever replica an earlier test killed."""
    for server in replicas.servers:
        if server.process is None or server.process.poll() is not None:
            await start_again(replicas, server)


async def start_again(replicas: Replicas, server: ServeProcess) -> None:
    """Start `server` again, its clock where a live replica's is (replicas share the time:
    a lease one of them writes is read by the others' clocks)."""
    live = next(s for s in replicas.servers
                if s is not server and s.process is not None and s.process.poll() is None)
    server.env.update(serving.clock_env(await live.clock()))
    await server.start()


def told_at(fake: FakeSlackAPI, prefix: str) -> dict[str, list[str]]:
    """rid -> every answer posted to that response_url, for the rids starting with `prefix`."""
    out: dict[str, list[str]] = {}
    for call in fake.calls_to("response_url"):
        rid = call.path.rsplit("/", 1)[-1]
        if rid.startswith(prefix):
            out.setdefault(rid, []).append(str(call.args.get("text", "")))
    return out


def titles(url: str, prefix: str) -> Counter[str]:
    with psycopg.connect(url) as conn:
        return Counter(r[0] for r in conn.execute(
            "SELECT doc->>'title' FROM ogpbot_documents WHERE collection = 'proposals' "
            "AND doc->>'title' LIKE %s", (prefix + "%",)))


async def test_a_proposal_one_replica_confirmed_is_on_the_others_pages_at_once(
        replicas: Replicas) -> None:
    await all_running(replicas)
    fake, servers = replicas.fake, replicas.servers
    async with aiohttp.ClientSession() as http:
        for n in range(4):
            writer, reader = servers[n % 2], servers[(n + 1) % 2]
            rid = f"seen{n}"
            await replicas.slash(writer, ANDERS, f"propose Synlig {n} | Lite innsyn | "
                                 "Publiser loggene | transparency | innsyn | jd", rid)
            await eventually(lambda rid=rid: rid in told_at(fake, rid), within=30)
            found = REF.search(told_at(fake, rid)[rid][0])
            assert found is not None
            number = int(found.group(1))
            # The proposer is told P-N: the other replica's pages show it at once.
            async with http.get(f"{reader.url}/api/proposals") as answer:
                listed = [p["number"] for p in (await answer.json())["proposals"]]
            assert number in listed
            async with http.get(f"{reader.url}/proposals/P-{number}") as answer:
                assert answer.status == 200
                assert f"Synlig {n}" in await answer.text()
            async with http.get(f"{reader.url}/") as answer:
                assert f"P-{number}" in await answer.text()


async def test_a_replica_killed_right_after_15_acks_leaves_them_to_the_other(
        replicas: Replicas) -> None:
    await all_running(replicas)
    fake = replicas.fake
    victim, survivor = replicas.servers
    people = [fan_out_id(n) for n in range(40, 55)]  # nobody has asked Slack who they are yet
    fake.hang(300, methods=["users.info"])  # the victim's turns never get that far
    await asyncio.gather(*(replicas.slash(
        victim, uid, f"propose Etter stansen {n} | Lite innsyn | Publiser loggene | "
        "transparency | innsyn | jd", f"kill{n}") for n, uid in enumerate(people)))
    victim.kill()  # right after the 15th acknowledgement
    assert told_at(fake, "kill") == {}
    assert titles(replicas.url, "Etter stansen") == Counter()
    fake.heal()
    fake.release_hangs()
    try:
        # The survivor, not restarted, does each and answers it once, once the dead replica's
        # hold on what it received and its leases have run out: its clock is moved past
        # them rather than waited for.
        await survivor.clock(advance=max(INBOX_LEASE, INBOX_HOLD) + 1)
        await eventually(lambda: len(told_at(fake, "kill")) == len(people), within=60)
        await eventually(replicas.all_answered, within=30)  # nothing is left to answer again
        answers = told_at(fake, "kill")
        assert all(len(texts) == 1 for texts in answers.values()), answers
        made = titles(replicas.url, "Etter stansen")
        assert made == Counter(f"Etter stansen {n}" for n in range(len(people)))
        assert survivor.process is not None and survivor.process.poll() is None
    finally:
        await start_again(replicas, victim)


async def test_a_starting_replica_leaves_a_live_replicas_requests_alone(
        replicas: Replicas) -> None:
    await all_running(replicas)
    fake = replicas.fake
    busy, starting = replicas.servers
    people = [fan_out_id(n) for n in range(60, 68)]
    fake.hang(300, methods=["users.info"])  # the busy replica's turns wait for Slack
    await asyncio.gather(*(replicas.slash(busy, uid, "status", f"live{n}")
                           for n, uid in enumerate(people)))
    starting.stop()
    await start_again(replicas, starting)  # it does what was left undone; none of this was left
    fake.heal()
    fake.release_hangs()
    await eventually(lambda: len(told_at(fake, "live")) == len(people), within=60)
    await eventually(replicas.all_answered, within=30)  # nothing is left to answer again
    answers = told_at(fake, "live")
    assert all(len(texts) == 1 for texts in answers.values()), answers
