"""Digests with two `ogpbot serve` replicas on one PostgreSQL database, driven by signed Slack
slash commands sent to both in turn, sending to the fake Slack Web API, their clocks standing
still until the test moves them: proposals joining the same digests from both replicas at once
make one DM per reader, listing each proposal once; a proposal that one replica takes while
the other is sending the digest goes into the next digest, never lost and never twice."""

from __future__ import annotations

import asyncio
import json
import os
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import psycopg
import pytest
import pytest_asyncio

from tests import cast
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_signing import signed_headers, slash_command_body
from tests.notices.test_digests_e2e import ANDERS, INGRID, KARI, LARS, PEOPLE, START, WINDOW
from tests.serving import ServeProcess, clock_env, eventually

pytestmark = pytest.mark.asyncio

SECRET = "ogpbot-digest-replicas-secret"
TOKEN = "xoxb-ogpbot-digest-replicas"
CHANNEL = "C0SEMINAR"
PROPOSALS = 12
REF = re.compile(r"P-(\d+):? Forslag \d+")


@dataclass
class Replicas:
    fake: FakeSlackAPI
    url: str
    servers: list[ServeProcess]

    async def propose(self, n: int, ministry: str) -> None:
        server = self.servers[n % 2]
        text = f"propose Forslag {n} | Lite innsyn | Publiser alt | transparency | innsyn | " \
               f"{ministry}"
        body = slash_command_body(text, user_id=ANDERS, channel_id=CHANNEL,
                                  channel_name="seminar", response_url=self.fake.response_url(
                                      f"prop{n}"))
        async with aiohttp.ClientSession() as http, http.post(
                f"{server.url}/slack/events", data=body,
                headers=signed_headers(SECRET, body)) as answer:
            assert answer.status == 200, await answer.text()

    def digests(self) -> list[dict[str, Any]]:
        with psycopg.connect(self.url) as conn:
            return [r[0] for r in conn.execute(
                "SELECT doc FROM ogpbot_outbox WHERE "
                "key LIKE 'digest:%%'")]

    def answered(self) -> bool:
        with psycopg.connect(self.url) as conn:
            return all(r[0] == "answered" for r in conn.execute(
                "SELECT doc->>'state' FROM ogpbot_inbox"))

    def sent(self, count: int) -> bool:
        """`count` digests, every one sent and held by no replica."""
        with psycopg.connect(self.url) as conn:
            rows = conn.execute(
                "SELECT doc->>'state', lease_owner FROM ogpbot_outbox "
                "WHERE key LIKE 'digest:%%'").fetchall()
        return len(rows) == count and all(s == "sent" and o is None for s, o in rows)

    async def clocks(self, advance: float) -> None:
        await asyncio.gather(*(s.clock(advance=advance) for s in self.servers))


def told(fake: FakeSlackAPI, user: str) -> list[list[int]]:
    """The proposals each DM to `user` tells of, in order."""
    out = []
    for message in fake.messages_in(f"D{user}"):
        shown = json.dumps(message.get("blocks", []), ensure_ascii=False)
        out.append(list(dict.fromkeys(int(n) for n in REF.findall(shown))))
    return out


@pytest_asyncio.fixture
async def replicas(tmp_path: Path, pg_url: str) -> AsyncIterator[Replicas]:
    path = tmp_path / "seminar.toml"
    path.write_text(cast.seminar_toml(
        "2026-12-01", [("09:00", "Velkommen", "talk")], ["1h"],
        people=cast.roster(*PEOPLE, slack=True), digest_minutes=WINDOW), "utf-8")
    async with FakeSlackAPI() as fake:
        for person in PEOPLE:
            fake.add_user(person.slack_id, email=person.email)
        env = {**os.environ, "OGPBOT_DB": pg_url, "OGPBOT_SEMINAR": str(path),
               "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET,
               "SLACK_API_URL": fake.url, **clock_env(START, 0)}
        servers = [ServeProcess(env, tmp_path / f"serve-{n}.log", name=f"replica {n}",
                                start_within=90) for n in (1, 2)]
        try:
            await asyncio.gather(*(server.start() for server in servers))
            yield Replicas(fake, pg_url, servers)
        finally:
            for server in servers:
                server.stop()


async def test_proposals_to_both_replicas_at_once_make_one_digest_per_reader(
        replicas: Replicas) -> None:
    ministry = {n: "jd" if n % 3 else "fin" for n in range(1, PROPOSALS + 1)}
    await asyncio.gather(*(replicas.propose(n, ministry[n]) for n in range(1, PROPOSALS + 1)))
    await eventually(lambda: replicas.answered() and len(replicas.digests()) == 3
                     and sum(len(d["say"]["values"]["proposals"]) for d in replicas.digests())
                     == 2 * PROPOSALS, within=60)
    await replicas.clocks(WINDOW * 60)
    await eventually(lambda: replicas.sent(3), within=60)
    fake = replicas.fake
    (kari,) = told(fake, KARI)
    assert sorted(kari) == list(range(1, PROPOSALS + 1))  # each proposal once
    (ingrid,) = told(fake, INGRID)
    (knut,) = told(fake, LARS)
    assert len(ingrid) + len(knut) == PROPOSALS and not set(ingrid) & set(knut)


async def test_a_proposal_to_one_replica_while_the_other_sends_goes_into_the_next_digest(
        replicas: Replicas) -> None:
    for n in (1, 2):
        await replicas.propose(n, "jd")
    await eventually(lambda: replicas.answered() and len(replicas.digests()) == 2
                     and all(len(d["say"]["values"]["proposals"]) == 2
                             for d in replicas.digests()), within=60)
    replicas.fake.hang(30, methods=["chat.postMessage"])  # the digests' sends wait
    await replicas.clocks(WINDOW * 60)
    await eventually(lambda: all(d["state"] == "sending" for d in replicas.digests()),
                     within=60)
    await replicas.propose(3, "jd")  # to either replica, while the digests are on their way
    await eventually(lambda: replicas.answered() and len(replicas.digests()) == 4, within=60)
    replicas.fake.hang(0)
    replicas.fake.release_hangs()
    await eventually(lambda: sum(d["state"] == "sent" for d in replicas.digests()) == 2,
                     within=60)
    await replicas.clocks(WINDOW * 60)
    await eventually(lambda: replicas.sent(4), within=60)
    assert told(replicas.fake, KARI) == told(replicas.fake, INGRID) == [[1, 2], [3]]
    assert replicas.fake.messages_in(f"D{KARI}")[1]["text"].startswith("Nytt forslag P-3")
