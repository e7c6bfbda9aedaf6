"""Slack's `users.info` failing the first two times a coordinator writes, through `ogpbot
serve`: those commands are answered as for someone not on the roster (civil society), and the
proposal made meanwhile stands under her Slack id. A later command brings their profile:
from then on they are the roster's coordinator, their proposal is theirs under their name and
organisation, and the coordinators' notices reach them."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.store.tinydb_file import TinyDBStore
from tests import cast
from tests.fakes.slack_api import FakeSlackAPI
from tests.notices.test_notices_e2e import ANDERS, DAY, INGRID, KARI, Server
from tests.serving import eventually

pytestmark = pytest.mark.asyncio
LINE = "| Lite innsyn | Publiser dem | transparency | innsyn | jd"


def stored(folder: Path, collection: str) -> list[dict]:
    store = TinyDBStore(folder / "ogpbot.json", readonly=True)
    try:
        return store.all(collection)
    finally:
        store.close()


async def test_a_coordinator_whose_first_lookup_failed_gets_their_role(tmp_path: Path) -> None:
    tomorrow = DAY  # the servers' clocks start the day before (DAY_BEFORE)
    # Kari is on the roster by email only
    people = [cast.KARI.roster(), cast.INGRID.roster(slack=True)]
    (tmp_path / "seminar.toml").write_text(cast.seminar_toml(
        tomorrow, [("09:00", "Velkommen", "talk")], ["1h"], people=people), encoding="utf-8")
    async with FakeSlackAPI() as fake:
        fake.add_user(KARI, email=cast.KARI.email, real_name=cast.KARI.name)
        fake.add_user(INGRID, email=cast.INGRID.email)
        fake.add_user(ANDERS, email=cast.ANDERS.email, real_name=cast.ANDERS.first_name)
        server = Server(tmp_path, fake)
        try:
            await server.start()

            async def answer(user: str, words: str) -> str:
                """The answer at this command's own response_url (`Server.slash` names it
                after the words), not whatever reached Slack next."""
                def mine() -> list[str]:
                    return [str(c.args.get("text")) for c in fake.calls_to("response_url")
                            if c.path.endswith("/" + words)]

                before = len(mine())
                await server.slash(fake, user, words)
                await eventually(lambda: len(mine()) > before, within=30)
                return mine()[before]

            fake.fail_method("users.info", "internal_error", count=2)  # her first two commands
            assert "Som sivilt samfunn kan du ikke bruke «channel»" in await answer(
                KARI, "channel here")
            assert "P-1" in await answer(KARI, f"propose Kari foreslår {LINE}")
            strangers = [p for p in stored(tmp_path, "people") if p["key"] == f"slack:{KARI}"]
            assert len(strangers) == 1 and strangers[0]["role"] == "civil_society"

            assert "kunngjøringene" in await answer(KARI, "channel here")  # a coordinator now
            kari = [p for p in stored(tmp_path, "people")
                    if p.get("platform_ids", {}).get("slack") == KARI]
            assert [(p["key"], p["role"]) for p in kari] == [
                (f"roster:{cast.KARI.email}", "coordinator")]
            [proposal] = stored(tmp_path, "proposals")
            assert proposal["proposer"] == f"roster:{cast.KARI.email}"
            assert (proposal["proposer_name"], proposal["organization_key"]) == (
                cast.KARI.name, cast.KARI.org)

            # A coordinator hears of every new proposal: the notice reaches her by DM.
            assert "P-2" in await answer(ANDERS, f"propose Anders foreslår {LINE}")
            await eventually(lambda: any("Nytt forslag P-2" in m.get("text", "")
                                         for m in fake.messages_in(f"D{KARI}")), within=20)
        finally:
            server.stop()
