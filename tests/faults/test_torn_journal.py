"""A crash in the middle of a journal append, through `ogpbot serve`: the torn write is cut off
when the server starts again (and the log says so), every proposal acknowledged before and
after it is kept, and the server keeps starting. Once, the torn write stayed at the end of the
journal, the next acknowledged write was appended to it, and the store then refused to open.

The crash is made by SIGKILL, then the torn end of a write is appended to the journal: what
a kill in the middle of that write's `os.write` leaves."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.store.tinydb_file import TinyDBStore
from tests.fakes.slack_api import FakeSlackAPI
from tests.notices.test_notices_e2e import ANDERS, DAY, Server, seminar_toml
from tests.notices.test_notices_e2e import (
    fake as fake,  # the fixture: the fake Slack and its people
)
from tests.serving import eventually, outbox

pytestmark = pytest.mark.asyncio
TORN = b'{"changes":[["proposals","99",99,{"title":"Aldri lagret","problem":"Li'
LINE = "| Lite innsyn | Publiser dem | transparency | innsyn | jd"


async def propose(server: Server, fake: FakeSlackAPI, title: str) -> int:
    """A one-line proposal; the P-N the person was told."""
    words = f"propose {title} {LINE}"

    def mine() -> list[str]:
        return [str(c.args.get("text")) for c in fake.calls_to("response_url")
                if c.path.endswith("/" + words)]

    before = len(mine())
    await server.slash(fake, ANDERS, words)
    await eventually(lambda: len(mine()) > before, within=30)
    told = re.search(r"\bP-(\d+)\b", mine()[before])
    assert told is not None
    return int(told.group(1))


async def status(server: Server, fake: FakeSlackAPI, number: int) -> str:
    """The answer to `status P-N`, at its own response_url (a restart may meanwhile answer an
    earlier command again, at that command's address)."""
    words = f"status P-{number}"
    await server.slash(fake, ANDERS, words)

    def answers() -> list[str]:
        return [str(c.args.get("text")) for c in fake.calls_to("response_url")
                if c.path.endswith("/" + words)]

    await eventually(lambda: bool(answers()), within=30)
    return answers()[-1]


def tear(folder: Path) -> None:
    with (folder / "ogpbot.json.journal").open("ab") as journal:
        journal.write(TORN)


async def test_a_torn_write_anywhere_in_the_journal_loses_nothing_acknowledged(
        fake: FakeSlackAPI, tmp_path: Path) -> None:
    tomorrow = DAY  # the servers' clocks start the day before (DAY_BEFORE)
    (tmp_path / "seminar.toml").write_text(seminar_toml(
        tomorrow, [("09:00", "Velkommen", "talk")], ["1h"]), encoding="utf-8")
    server = Server(tmp_path, fake)
    titles: dict[int, str] = {}
    try:
        await server.start()
        titles[await propose(server, fake, "Først")] = "Først"
        await eventually(lambda: all(d["state"] == "sent" for d in outbox(tmp_path).values()
                                     if d["kind"] != "agenda"))  # nothing more to write
        server.kill()
        tear(tmp_path)  # torn after whole lines
        await server.start()
        server.kill()  # the start folded the journal into the file: it is empty now
        tear(tmp_path)  # torn as the journal's first line
        await server.start()
        titles[await propose(server, fake, "Etter rivingen")] = "Etter rivingen"
        titles[await propose(server, fake, "Enda en")] = "Enda en"
        server.kill()
        await server.start()
        for number, title in titles.items():
            assert title in await status(server, fake, number)
        assert len(titles) == 3
        server.kill()
    finally:
        server.stop()

    assert server.log.read_text().count("torn by a crash") == 2
    store = TinyDBStore(tmp_path / "ogpbot.json", readonly=True)
    try:
        stored = {d["number"]: d["title"] for d in store.all("proposals")}
    finally:
        store.close()
    assert stored == titles  # and nothing of the torn write
