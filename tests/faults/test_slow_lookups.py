"""Through `ogpbot serve`: the ministry's three people are on the roster but have never written
to the bot, so each must be looked up by e-mail before their new-proposal DM can go, and Slack
does not answer the look-ups. An agenda item starts meanwhile: its notice reaches the channel
while the look-ups are still held, not after them (by when the item could be over and its
notice skipped as stale). The DMs arrive once the look-ups are answered. The server's clock is
moved to the item's start by the test (`OGPBOT_TEST_CLOCK`)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from tests import cast
from tests.fakes.slack_api import FakeSlackAPI
from tests.notices.test_notices_e2e import CHANNEL, DAY, KARI, OSLO, Server
from tests.serving import eventually

pytestmark = pytest.mark.asyncio
JD = [(f"U0JD{n}", f"jd{n}@jd.example.org") for n in range(3)]
START = datetime(2026, 12, 1, 9, 0, tzinfo=OSLO)


async def test_an_agenda_notice_is_not_held_up_by_slow_look_ups(tmp_path: Path) -> None:
    people = cast.roster(cast.KARI, slack=True)
    people += [{"name": f"JD {n}", "org": "jd", "email": email} for n, (_, email) in enumerate(JD)]
    agenda = [("09:00", "Velkommen", "talk"), ("09:15", "Pause", "talk")]
    (tmp_path / "seminar.toml").write_text(cast.seminar_toml(
        DAY, agenda, ["1h"], people=people), encoding="utf-8")
    async with FakeSlackAPI() as fake:
        fake.add_user(KARI, email=cast.KARI.email)
        for uid, email in JD:
            fake.add_user(uid, email=email)
        server = Server(tmp_path, fake, datetime(2026, 12, 1, 8, 59, tzinfo=OSLO))
        try:
            await server.start()
            await server.slash(fake, KARI, "channel here")
            fake.hang(600, methods=["users.lookupByEmail"])  # answered when the fake heals
            # Three DMs to people who must be looked up, just before the item starts.
            await server.slash(fake, KARI, "propose Åpne logger | Lite innsyn | Publiser dem | "
                                           "transparency | innsyn | jd")
            await eventually(lambda: len(fake.calls_to("users.lookupByEmail")) >= 1)
            await server.clock(at=START)

            def welcomed() -> bool:
                return any("Velkommen" in str(m.get("text", ""))
                           for m in fake.messages_in(CHANNEL))

            await eventually(welcomed, within=30)  # while every look-up is still held
            assert not any(fake.messages_in(fake.dm_channel(uid)) for uid, _ in JD)
            fake.heal()
            await eventually(lambda: all(fake.messages_in(fake.dm_channel(uid))
                                         for uid, _ in JD), within=30)
            for uid, _ in JD:
                [dm] = fake.messages_in(fake.dm_channel(uid))
                assert "Nytt forslag P-1" in dm["text"]
        finally:
            fake.heal()
            server.stop()
