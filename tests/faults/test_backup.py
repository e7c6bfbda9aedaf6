"""`ogpbot backup FILE` and `ogpbot restore FILE` beside a running `ogpbot serve`, as an
operator runs them: a backup taken in the middle of a burst of proposals holds every proposal
confirmed before it began, under the number the person was told; restore refuses while the
server uses the store and changes nothing; once the server has stopped, restore puts the
snapshot back, and a server started on it answers from it."""

from __future__ import annotations

import asyncio
import contextlib
import re
import sys
from pathlib import Path

import aiohttp
import pytest

from bot.store.tinydb_file import TinyDBStore
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_signing import signed_headers, slash_command_body
from tests.notices.test_notices_e2e import ANDERS, CHANNEL, DAY, SECRET, Server, seminar_toml
from tests.notices.test_notices_e2e import (
    fake as fake,  # the fixture: the fake Slack and its people
)
from tests.serving import ROOT, eventually

pytestmark = pytest.mark.asyncio
LINE = "| Lite innsyn | Publiser dem | transparency | innsyn | jd"
REF = re.compile(r"\bP-(\d+)\b")


async def ogpbot(server: Server, *args: str) -> tuple[int, str]:
    """Run `ogpbot ARGS` with the server's settings; its exit code and what it printed."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "adapters.cli", *args, cwd=ROOT, env=server.env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode("utf-8")


def told(fake: FakeSlackAPI, tag: str) -> dict[str, int]:
    """rid -> the P-N the person was told, for the response_urls named `<tag>N`."""
    out = {}
    for call in list(fake.calls_to("response_url")):
        rid = call.path.rsplit("/", 1)[-1]
        found = REF.search(str(call.args.get("text", "")))
        if rid.startswith(tag) and found:
            out[rid] = int(found.group(1))
    return out


async def slash(server: Server, fake: FakeSlackAPI, http: aiohttp.ClientSession, text: str,
                rid: str, command: str = "/ogp") -> None:
    body = slash_command_body(text, command=command, user_id=ANDERS, channel_id=CHANNEL,
                              channel_name="seminar", response_url=fake.response_url(rid))
    async with http.post(f"{server.url}/slack/events", data=body,
                         headers=signed_headers(SECRET, body)) as answer:
        assert answer.status == 200


def titles(path: Path) -> dict[int, str]:
    store = TinyDBStore(path, readonly=True)
    try:
        return {d["number"]: d["title"] for d in store.all("proposals")}
    finally:
        store.close()


async def test_backup_during_a_burst_then_restore_once_the_server_stopped(
        fake: FakeSlackAPI, tmp_path: Path) -> None:
    tomorrow = DAY  # the servers' clocks start the day before (DAY_BEFORE)
    (tmp_path / "seminar.toml").write_text(seminar_toml(
        tomorrow, [("09:00", "Velkommen", "talk")], ["1h"]), encoding="utf-8")
    server = Server(tmp_path, fake)
    backup = tmp_path / "backup" / "ogpbot-backup.json"
    backup.parent.mkdir()
    try:
        await server.start()
        async with aiohttp.ClientSession() as http:
            burst = [asyncio.create_task(slash(server, fake, http, f"propose Forslag {n} {LINE}",
                                               f"b{n}")) for n in range(40)]
            await eventually(lambda: len(told(fake, "b")) >= 10, within=30)
            before = told(fake, "b")  # confirmed before the backup began
            code, out = await ogpbot(server, "backup", str(backup))
            assert code == 0, out
            assert "Skrev en sikkerhetskopi av lageret" in out
            await asyncio.gather(*burst)
            await eventually(lambda: len(told(fake, "b")) == 40, within=30)
            await slash(server, fake, http, f"propose Etter sikkerhetskopien {LINE}", "late")
            await eventually(lambda: "late" in told(fake, "late"), within=30)
        late = told(fake, "late")["late"]

        saved = titles(backup)
        for rid, number in before.items():
            assert saved.get(number) == f"Forslag {rid[1:]}"
        assert late not in saved
        live = titles(tmp_path / "ogpbot.json")

        code, out = await ogpbot(server, "restore", str(backup))
        assert code == 1 and "another ogpbot process is using this store" in out
        server.stop(grace=30)
        assert titles(tmp_path / "ogpbot.json") == live  # the refused restore changed nothing

        code, out = await ogpbot(server, "restore", str(backup))
        assert code == 0, out
        assert titles(tmp_path / "ogpbot.json") == saved
        assert (tmp_path / "ogpbot.json.before-restore").exists()

        await server.start()
        fake.clear_calls()
        async with aiohttp.ClientSession() as http:
            first = min(before.values())
            await slash(server, fake, http, f"P-{first}", "again", command="/status")
            await slash(server, fake, http, f"P-{late}", "gone", command="/status")

            def answers() -> dict[str, str]:
                """The answers at these two commands' own response_urls: the restored store
                may also hold requests of the burst that it now answers, at theirs."""
                return {rid: str(c.args.get("text")) for c in fake.calls_to("response_url")
                        for rid in ("again", "gone") if c.path.endswith("/" + rid)}

            await eventually(lambda: len(answers()) == 2, within=30)
        assert saved[first] in answers()["again"]
        assert f"Det finnes ikke noe forslag P-{late}" in answers()["gone"]
    finally:
        with contextlib.suppress(Exception):
            server.stop(grace=30)
