"""Through `ogpbot serve`: the ministry's three people are on the roster but have never written
to the bot, so each must be looked up by e-mail before their new-proposal DM can go, and Slack
takes 8 s to answer each look-up. An agenda item starts meanwhile: its notice reaches the
channel on time, not after the look-ups (by when the item is over and its notice would be
skipped as stale). The DMs arrive once the look-ups are answered."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests import serving as kit
from tests.fakes.slack_api import FakeSlackAPI
from tests.notices.test_notices_e2e import CHANNEL, KARI, OSLO, Server
from tests.serving import eventually

pytestmark = pytest.mark.asyncio
LOOK_UP_TAKES = 8.0
ITEM_LASTS = 12  # seconds: the start notice is stale once the next item begins
JD = [(f"U0JD{n}", f"jd{n}@jd.example.org") for n in range(3)]


async def test_an_agenda_notice_is_not_held_up_by_slow_look_ups(tmp_path: Path) -> None:
    now = datetime.now(OSLO).replace(microsecond=0)
    start = now + timedelta(seconds=40)
    if (start + timedelta(seconds=ITEM_LASTS)).date() != now.date():
        pytest.skip("too close to midnight in Oslo for a same-day agenda")
    people = [{"name": "Kari", "org": "kmd", "email": "kari@kmd.example.org", "slack_id": KARI}]
    people += [{"name": f"JD {n}", "org": "jd", "email": email} for n, (_, email) in enumerate(JD)]
    agenda = [(start.strftime("%H:%M:%S"), "Velkommen", "talk"),
              ((start + timedelta(seconds=ITEM_LASTS)).strftime("%H:%M:%S"), "Pause", "talk")]
    (tmp_path / "seminar.toml").write_text(kit.seminar_toml(
        now.date().isoformat(), agenda, ["1h"], people=people), encoding="utf-8")
    async with FakeSlackAPI() as fake:
        fake.add_user(KARI, email="kari@kmd.example.org")
        for uid, email in JD:
            fake.add_user(uid, email=email)
        server = Server(tmp_path, fake)
        try:
            await server.start()
            await server.slash(fake, KARI, "channel here")
            lead = (start - datetime.now(OSLO)).total_seconds() - 6
            assert lead > 0, "serve took too long to start for this test's agenda"
            await asyncio.sleep(lead)
            fake.hang(LOOK_UP_TAKES, methods=["users.lookupByEmail"])
            # Three DMs to people who must be looked up, six seconds before the item starts.
            await server.slash(fake, KARI, "propose Åpne logger | Lite innsyn | Publiser dem | "
                                           "transparency | innsyn | jd")

            def welcomed() -> bool:
                return any("Velkommen" in str(m.get("text", ""))
                           for m in fake.messages_in(CHANNEL))

            await eventually(welcomed, within=6 + ITEM_LASTS + 3 * LOOK_UP_TAKES)
            arrived = datetime.now(OSLO)
            assert arrived < start + timedelta(seconds=ITEM_LASTS), (
                f"the start notice came {(arrived - start).total_seconds():.1f} s after the "
                "item began")
            await eventually(lambda: all(fake.messages_in(fake.dm_channel(uid))
                                         for uid, _ in JD), within=3 * LOOK_UP_TAKES + 30)
            for uid, _ in JD:
                [dm] = fake.messages_in(fake.dm_channel(uid))
                assert "Nytt forslag P-1" in dm["text"]
        finally:
            fake.heal()
            server.stop()
