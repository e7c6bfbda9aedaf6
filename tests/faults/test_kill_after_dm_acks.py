"""SIGKILL of `ogpbot serve` right after it acknowledged 20 one-line proposals sent as direct
messages to the bot (Slack events, one from each of 20 people), while Slack was slow to say
who they are, so no turn had finished: Slack does not send an acknowledged event again. After
the restart each of the 20 has exactly one proposal, and is answered once, in the DM, saying
the answer comes late."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest

from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_signing import event_callback_body, signed_headers
from tests.faults.test_kill_after_ack import proposals_by_person
from tests.notices.test_notices_e2e import DAY, SECRET, Server, seminar_toml
from tests.serving import answered, eventually

pytestmark = pytest.mark.asyncio
PEOPLE = [f"U0DMK{n:03d}" for n in range(20)]
LINE = "| Lite innsyn | Publiser dem | transparency | innsyn | jd"


async def test_sigkill_right_after_20_dm_acks_loses_none_and_answers_each_once(
        tmp_path: Path) -> None:
    tomorrow = DAY  # the servers' clocks start the day before (DAY_BEFORE)
    (tmp_path / "seminar.toml").write_text(seminar_toml(
        tomorrow, [("09:00", "Velkommen", "talk")], ["1h"]), encoding="utf-8")
    async with FakeSlackAPI() as fake:
        for n, uid in enumerate(PEOPLE):
            fake.add_user(uid, email=f"dm{n}@ngo.example.org", real_name=f"Person {n}")
        dms = {uid: fake.dm_channel(uid) for uid in PEOPLE}

        def answers(uid: str) -> list[str]:
            return [str(m.get("text", "")) for m in fake.messages_in(dms[uid])]

        server = Server(tmp_path, fake)
        try:
            await server.start()
            fake.hang(120, methods=["users.info"])  # no turn gets past who is speaking
            async with aiohttp.ClientSession() as http:

                async def propose(n: int, uid: str) -> int:
                    body = event_callback_body({
                        "type": "message", "channel_type": "im", "user": uid,
                        "channel": dms[uid], "text": f"propose DM-forslag {n} {LINE}",
                        "ts": f"1700000100.{n:06d}"})
                    async with http.post(f"{server.url}/slack/events", data=body,
                                         headers=signed_headers(SECRET, body)) as answer:
                        return answer.status

                statuses = await asyncio.gather(*(propose(n, uid)
                                                  for n, uid in enumerate(PEOPLE)))
            server.kill()  # right after the 20th acknowledgement
            assert statuses == [200] * len(PEOPLE)
            assert proposals_by_person(tmp_path) == {}  # the kill cut every turn off
            assert not any(answers(uid) for uid in PEOPLE)

            fake.heal()
            fake.release_hangs()
            await server.start()
            await eventually(lambda: all(answers(uid) for uid in PEOPLE), within=60)
            # every request answered, as the store says: nothing of them is left to happen
            await eventually(lambda: answered(tmp_path), within=30)
        finally:
            server.stop(grace=30)

    by_person = proposals_by_person(tmp_path)
    assert sorted(by_person) == sorted(f"slack:{uid}" for uid in PEOPLE)
    for n, uid in enumerate(PEOPLE):
        [number] = by_person[f"slack:{uid}"]
        [told] = answers(uid)  # once
        assert f"P-{number}" in told and "kommer sent" in told, (uid, told)
        assert f"DM-forslag {n}" in told
