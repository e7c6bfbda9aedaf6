"""Slack rate-limiting one DM for longer than any fixed number of tries, through `ogpbot serve`:
the fake Slack answers 429 with `Retry-After: 1` to the first 15 tries of the DM (Slack's
own client waits out some of them, the dispatcher the rest). The DM still arrives, once, and
the notice is recorded as sent: the count of tries alone never fails a notice."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import cast
from tests.fakes.slack_api import FakeSlackAPI
from tests.notices.test_notices_e2e import DAY, INGRID, KARI, Server
from tests.serving import eventually, outbox

pytestmark = pytest.mark.asyncio
TRIES_REFUSED = 15


async def test_a_dm_refused_15_times_with_retry_after_still_arrives_once(
        tmp_path: Path) -> None:
    tomorrow = DAY  # the servers' clocks start the day before (DAY_BEFORE)
    people = cast.roster(cast.KARI, cast.INGRID, slack=True)
    (tmp_path / "seminar.toml").write_text(cast.seminar_toml(
        tomorrow, [("09:00", "Velkommen", "talk")], ["1h"], people=people), encoding="utf-8")
    async with FakeSlackAPI() as fake:
        fake.add_user(KARI, email=cast.KARI.email)
        fake.add_user(INGRID, email=cast.INGRID.email)
        server = Server(tmp_path, fake)
        try:
            await server.start()
            fake.outage(429, count=TRIES_REFUSED, error="ratelimited", retry_after=1,
                        methods=["chat.postMessage"])
            # The coordinator proposes: the one DM goes to the ministry's one person.
            await server.slash(fake, KARI, "propose Åpne logger | Lite innsyn | Publiser dem | "
                                           "transparency | innsyn | jd")
            await eventually(lambda: fake.messages_in(f"D{INGRID}"), within=90)
            await eventually(lambda: [d["state"] for d in outbox(tmp_path).values()
                                      if d["kind"] == "proposal"] == ["sent"], within=30)
            assert fake.outage_answers == TRIES_REFUSED
            tries = fake.calls_to("chat.postMessage")
            assert len(tries) == TRIES_REFUSED + 1
            assert all(c.args.get("channel") in (INGRID, f"D{INGRID}") for c in tries)
            [dm] = fake.messages_in(f"D{INGRID}")
            assert "Nytt forslag P-1" in dm["text"]
        finally:
            server.stop()
