"""Through `ogpbot serve`: Slack takes a DM but its answer does not come back before the
client gives up (it takes 12 s; the bot waits 10). The notice is in doubt: before it goes
again the bot looks for it in the DM's history (by its digest in the message's metadata),
finds it, and marks it sent. The person gets it once, not a second copy 12 s later."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.notices.dispatcher import FOUND
from tests import cast
from tests.fakes.slack_api import FakeSlackAPI
from tests.notices.test_notices_e2e import INGRID, KARI, OSLO, Server
from tests.serving import eventually, outbox

pytestmark = pytest.mark.asyncio
ANSWER_TAKES = 12.0  # seconds; the Slack client gives up after 10


async def test_a_dm_whose_answer_never_came_is_found_not_sent_twice(tmp_path: Path) -> None:
    tomorrow = (datetime.now(OSLO) + timedelta(days=1)).date().isoformat()
    people = cast.roster(cast.KARI, cast.INGRID, slack=True)
    (tmp_path / "seminar.toml").write_text(cast.seminar_toml(
        tomorrow, [("09:00", "Velkommen", "talk")], ["1h"], people=people), encoding="utf-8")
    async with FakeSlackAPI() as fake:
        fake.add_user(KARI, email=cast.KARI.email)
        fake.add_user(INGRID, email=cast.INGRID.email)
        server = Server(tmp_path, fake)
        try:
            await server.start()
            fake.hang(ANSWER_TAKES, count=1, methods=["chat.postMessage"])
            # The coordinator proposes: one DM goes to the ministry's one person.
            await server.slash(fake, KARI, "propose Åpne logger | Lite innsyn | Publiser dem | "
                                           "transparency | innsyn | jd")

            def notice() -> dict[str, object]:
                found = [d for d in outbox(tmp_path).values() if d["kind"] == "proposal"]
                assert len(found) <= 1
                return found[0] if found else {}

            await eventually(lambda: notice().get("state") == "sent", within=ANSWER_TAKES + 30)
            # nothing left to send or being sent but tomorrow's agenda: a second copy could only
            # come from a notice still pending or sending (its send in doubt, the DM sent again)
            await eventually(lambda: all(d["state"] in ("sent", "skipped", "failed")
                                         for d in outbox(tmp_path).values()
                                         if d["kind"] != "agenda"))
            assert len(fake.messages_in(f"D{INGRID}")) == 1
            assert notice()["last_error"] == FOUND
            assert fake.calls_to("conversations.history")
        finally:
            fake.heal()
            server.stop()
