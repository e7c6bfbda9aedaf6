"""SIGTERM to `ogpbot serve` in the middle of a fan-out of 100 DMs (a new proposal told to the
coordinator and a ministry of 99): the server stops taking requests, lets the sends in flight
finish, leaves the rest pending in the outbox and exits 0; after the restart every DM has
arrived exactly once. (Cancelling the sends in flight once left them `sending`, and the next
start sent each of them again.)"""

from __future__ import annotations

import asyncio
import signal
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from tests import cast
from tests.fakes.slack_api import FakeSlackAPI
from tests.notices.test_notices_e2e import ANDERS, DAY, KARI, Server
from tests.serving import eventually, outbox

pytestmark = pytest.mark.asyncio
MINISTRY = [f"U0JDM{n:03d}" for n in range(99)]
HELD = 3.0  # seconds the fake Slack holds each DM's answer: the stop finds them in flight


def seminar(day: str) -> str:
    people = cast.roster(cast.KARI, cast.ANDERS, slack=True)
    people += [{"name": f"JD {n}", "org": "jd", "email": f"jdm{n}@jd.example.org",
                "slack_id": uid} for n, uid in enumerate(MINISTRY)]
    return cast.seminar_toml(day, [("09:00", "Velkommen", "talk")], ["1h"], people=people)


def proposal_notices(folder: Path) -> Counter[str]:
    return Counter(d["state"] for d in outbox(folder).values() if d["kind"] == "proposal")


async def test_sigterm_during_a_fan_out_of_100_dms_sends_each_exactly_once(
        tmp_path: Path) -> None:
    tomorrow = DAY  # the servers' clocks start the day before (DAY_BEFORE)
    (tmp_path / "seminar.toml").write_text(seminar(tomorrow), encoding="utf-8")
    told = [KARI, *MINISTRY]
    async with FakeSlackAPI() as fake:
        fake.add_user(ANDERS, email=cast.ANDERS.email)
        fake.add_user(KARI, email=cast.KARI.email)
        for n, uid in enumerate(MINISTRY):
            fake.add_user(uid, email=f"jdm{n}@jd.example.org")
        server = Server(tmp_path, fake)
        try:
            await server.start()
            fake.hang(HELD, methods=["chat.postMessage"])
            await server.slash(fake, ANDERS, "propose Åpne logger | Lite innsyn | Publiser dem "
                                             "| transparency | innsyn | jd")
            await eventually(lambda: len(fake.calls_to("chat.postMessage")) >= 20, within=30)
            assert server.process is not None
            server.process.send_signal(signal.SIGTERM)
            try:
                code = await asyncio.to_thread(server.process.wait, 40)
            except subprocess.TimeoutExpired:
                server.kill()
                raise AssertionError("serve did not stop within 40 s") from None
            assert code == 0, server.log.read_text()
            stopped = proposal_notices(tmp_path)
            assert stopped["sending"] == 0  # every send in flight finished
            assert stopped["pending"] > 0  # the stop came in the middle of the fan-out
            assert stopped["sent"] == len(fake.calls_to("chat.postMessage"))

            fake.heal()
            await server.start()
            await eventually(lambda: proposal_notices(tmp_path) == {"sent": len(told)},
                             within=60)
            # every notice is marked sent once the platform answered: the counts are final
            per_person = {uid: len(fake.messages_in(f"D{uid}")) for uid in told}
            assert per_person == dict.fromkeys(told, 1)
        finally:
            server.stop(grace=40)
