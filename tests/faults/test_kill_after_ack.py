"""SIGKILL of `ogpbot serve` right after it acknowledged 50 one-line proposals, one from each
of 50 people, sent as signed Slack slash commands: Slack does not send an acknowledged
command again, so the bot must keep what it acknowledged. After the restart each of the 50
people has exactly one P-N, and each is told their number at their response_url (those whose
answer the kill cut off get it after the restart, saying it comes late)."""

from __future__ import annotations

import asyncio
import re
from collections import defaultdict
from pathlib import Path

import aiohttp
import pytest

from bot.store.tinydb_file import TinyDBStore
from tests import cast
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_signing import signed_headers, slash_command_body
from tests.notices.test_notices_e2e import CHANNEL, DAY, SECRET, Server
from tests.serving import answered, eventually

pytestmark = pytest.mark.asyncio
PEOPLE = [f"U0CSO{n:03d}" for n in range(50)]
LINE = "| Lite innsyn | Publiser dem | transparency | innsyn | jd"
REF = re.compile(r"\bP-(\d+)\b")


def proposals_by_person(folder: Path) -> dict[str, list[int]]:
    store = TinyDBStore(folder / "ogpbot.json", readonly=True)
    try:
        out: dict[str, list[int]] = defaultdict(list)
        for doc in store.all("proposals"):
            out[doc["proposer"]].append(doc["number"])
        return out
    finally:
        store.close()


def told(fake: FakeSlackAPI) -> dict[str, list[str]]:
    """rid -> every answer ogpbot posted to that response_url."""
    out: dict[str, list[str]] = defaultdict(list)
    for call in list(fake.calls_to("response_url")):
        out[call.path.rsplit("/", 1)[-1]].append(str(call.args.get("text", "")))
    return out


async def test_sigkill_right_after_50_acks_loses_no_proposal(tmp_path: Path) -> None:
    tomorrow = DAY  # the servers' clocks start the day before (DAY_BEFORE)
    people = cast.roster(cast.KARI, cast.INGRID, slack=True)
    (tmp_path / "seminar.toml").write_text(cast.seminar_toml(
        tomorrow, [("09:00", "Velkommen", "talk")], ["1h"], people=people), encoding="utf-8")
    async with FakeSlackAPI() as fake:
        for n, uid in enumerate(PEOPLE):
            fake.add_user(uid, email=f"person{n}@ngo.example.org", real_name=f"Person {n}")
        server = Server(tmp_path, fake)
        try:
            await server.start()
            # Slack is slow to say who people are: the turns after the acks queue up.
            fake.hang(0.5, methods=["users.info"])
            async with aiohttp.ClientSession() as http:

                async def propose(n: int, uid: str) -> int:
                    body = slash_command_body(
                        f"propose Forslag fra {n} {LINE}", user_id=uid, channel_id=CHANNEL,
                        channel_name="seminar", response_url=fake.response_url(f"p{n}"))
                    async with http.post(f"{server.url}/slack/events", data=body,
                                         headers=signed_headers(SECRET, body)) as answer:
                        return answer.status

                statuses = await asyncio.gather(*(propose(n, uid)
                                                  for n, uid in enumerate(PEOPLE)))
            server.kill()  # right after the 50th acknowledgement
            assert statuses == [200] * len(PEOPLE)
            before = proposals_by_person(tmp_path)
            assert sum(len(v) for v in before.values()) < len(PEOPLE)  # the kill cut work off

            fake.heal()
            await server.start()
            await eventually(lambda: sum(len(v) for v in proposals_by_person(tmp_path).values())
                             >= len(PEOPLE), within=60)
            await eventually(lambda: len(told(fake)) == len(PEOPLE), within=60)
            # every request answered, as the store says: nothing of them is left to happen
            await eventually(lambda: answered(tmp_path), within=30)
        finally:
            server.stop(grace=30)

    by_person = proposals_by_person(tmp_path)
    assert sorted(by_person) == sorted(f"slack:{uid}" for uid in PEOPLE)
    assert all(len(numbers) == 1 for numbers in by_person.values()), by_person
    answers = told(fake)
    for n, uid in enumerate(PEOPLE):
        [number] = by_person[f"slack:{uid}"]
        given = answers[f"p{n}"]
        assert given and all(f"P-{number}" in text for text in given), (uid, given)
    late = [texts for texts in answers.values() if "kommer sent" in texts[-1]]
    assert late  # some were answered after the restart, and said so
