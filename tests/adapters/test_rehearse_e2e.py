"""`ogpbot rehearse` as a newcomer or an organiser runs it: in the shell, notices print as the
clock reaches them between the lines typed, and the end of the input ends it at once; served,
signed Slack requests run the day on a sped-up clock (agenda notices in the channel, a meeting
set a few minutes ahead reminded at its fitted leads, the table DMs), every message and page
says "Øving", and the rehearsal keeps to its own store, emptied at each start.

The served rehearsal is started with the test-only control of its clock (`OGPBOT_TEST_CLOCK`):
the day is set up at the real speed, every command answered, and only then does the clock run
120 times as fast, so what a command schedules never falls due before the command is done,
however loaded the machine; the meeting's reminders are reached by moving the clock while it
stands still, so none can find its meeting begun first."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from icalendar import Calendar

from tests import cast
from tests import serving as kit
from tests.chat import SEMINAR_FILE
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_signing import signed_headers, slash_command_body
from tests.notices import test_notices_e2e as e2e
from tests.notices.test_notices_e2e import OSLO
from tests.serving import ROOT, ServeProcess, eventually

REHEARSE = (sys.executable, "-m", "adapters.cli", "rehearse")
LINE = "Åpne data | Lite innsyn | Publiser dem | transparency | innsyn | jd"


def environment(folder: Path, **more: str) -> dict[str, str]:
    """Run from `folder` (its var/ holds the rehearsal's store), with this checkout's code,
    and a real store named that the rehearsal must never touch."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "OGPBOT_"))}
    return {**env, "PYTHONPATH": str(ROOT), "OGPBOT_DB": str(folder / "real.json"),
            "OGPBOT_SEMINAR": str(SEMINAR_FILE), **more}


def test_piped_into_the_shell_it_answers_marked_and_waits_for_nothing(tmp_path: Path) -> None:
    first = subprocess.run([*REHEARSE, "--shell"], input="propose " + LINE + "\nstatus\n",
                           capture_output=True, text=True, timeout=60, cwd=tmp_path,
                           env=environment(tmp_path))
    # speed 1: the first agenda notice is a real minute away, and the shell did not wait for it
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("Øving: seminardagen er i dag")
    assert "Øving: Takk! Forslaget ditt er registrert som P-1." in first.stdout
    assert (tmp_path / "var" / "rehearsal.json").exists()
    assert not (tmp_path / "real.json").exists()
    again = subprocess.run([*REHEARSE, "--shell", "--user", cast.EMILY.email],
                           input="status\n", capture_output=True, text=True, timeout=60,
                           cwd=tmp_path, env=environment(tmp_path))
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("Rehearsal: the seminar day is today")
    assert "P-1" not in again.stdout  # a fresh store: the last rehearsal's proposal is gone


@pytest.mark.asyncio
async def test_in_the_shell_notices_print_as_the_clock_reaches_them(tmp_path: Path) -> None:
    shell = await asyncio.create_subprocess_exec(
        *REHEARSE, "--shell", "--speed", "120", "--from", "08:53", cwd=tmp_path,
        env=environment(tmp_path), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE)
    assert shell.stdin is not None and shell.stdout is not None
    out: list[str] = []

    async def read() -> None:
        assert shell.stdout is not None
        while line := await shell.stdout.readline():
            out.append(line.decode())

    reader = asyncio.create_task(read())
    try:
        shell.stdin.write(f"propose {LINE}\n".encode())
        await shell.stdin.drain()
        await eventually(lambda: any("P-1" in line for line in out))
        # nothing typed meanwhile: the heads-up comes as the clock reaches 08:55
        await eventually(lambda: any(line.startswith("→ Øving: Om 5 minutter, kl. 09:00")
                                     for line in out))
        shell.stdin.write(b"agenda\n")
        await shell.stdin.drain()
        await eventually(lambda: any(line.startswith("Øving: Dagsorden") for line in out))
        shell.stdin.close()
        assert await asyncio.wait_for(shell.wait(), 30) == 0
        await reader
    finally:
        if shell.returncode is None:
            shell.kill()
            await shell.wait()
    text = "".join(out)
    assert text.index("Klokka går fra 08:53, 120 ganger så fort som vanlig.") < \
        text.index("→ Øving: Om 5 minutter")


async def slash(server: ServeProcess, fake: FakeSlackAPI, user: str, text: str) -> None:
    body = slash_command_body(text, user_id=user, channel_id=e2e.CHANNEL,
                              channel_name="seminar", response_url=fake.response_url(text))
    async with aiohttp.ClientSession() as http, http.post(
            f"{server.url}/slack/events", data=body,
            headers=signed_headers(e2e.SECRET, body)) as answer:
        assert answer.status == 200, await answer.text()


def slack_seminar() -> str:
    people = cast.roster(cast.KARI, cast.INGRID, cast.ANDERS, slack=True)
    return cast.seminar_toml("2026-12-01", [("09:00", "Velkommen", "talk"),
                                           ("11:00", "Småbord", "tables")],
                            ["24h", "1h"], people=people)


@pytest.mark.asyncio
async def test_served_the_day_runs_sped_up_and_says_so_everywhere(tmp_path: Path) -> None:
    (tmp_path / "seminar.toml").write_text(slack_seminar(), encoding="utf-8")
    async with FakeSlackAPI() as fake:
        for person in (cast.KARI, cast.INGRID, cast.ANDERS):
            fake.add_user(person.slack_id, email=person.email)
        server = ServeProcess(environment(
            tmp_path, OGPBOT_SEMINAR=str(tmp_path / "seminar.toml"),
            SLACK_BOT_TOKEN=e2e.TOKEN, SLACK_SIGNING_SECRET=e2e.SECRET,
            SLACK_API_URL=fake.url, **kit.clock_env(datetime(2026, 12, 1, tzinfo=UTC))),
            tmp_path / "serve.log", cwd=tmp_path, argv=(*REHEARSE, "--from", "08:58"),
            name="rehearse")
        try:
            await server.start()
            found = re.search(r"the seminar is today \((\d{4}-\d\d-\d\d)\)",
                              server.log.read_text())
            assert found is not None, server.log.read_text()
            day = found[1]
            # The day is set up at the real speed (a few seconds of the clock), every command
            # answered; then the clock runs 120 times as fast, as `--speed 120` makes it.
            for who, words in ((e2e.KARI, "channel here"), (e2e.ANDERS, f"propose {LINE}"),
                               (e2e.ANDERS, f"propose Andre {LINE}"),
                               (e2e.INGRID, "outcome P-1 bilateral")):
                await slash(server, fake, who, words)
            await eventually(lambda: len(fake.calls_to("response_url")) == 4)
            assert (await server.clock()).astimezone(OSLO).strftime("%H:%M") == "08:58"
            await server.clock(speed=120)
            # (the item runs until 11:00: its notice cannot go stale before this wait ends)
            await eventually(lambda: any("Nå, kl. 09:00: Velkommen" in x
                                         for x in e2e.texts(fake, e2e.CHANNEL)), within=30)
            # A meeting set ten minutes ahead, on a clock that stands still meanwhile, is
            # reminded at each of its leads (a day and an hour, fitted to five minutes and one)
            # as the clock reaches them: moved there, so that no reminder can find its meeting
            # begun because the machine was slow.
            now = await server.clock(speed=0)
            meeting = (now + timedelta(minutes=10)).astimezone(OSLO).replace(microsecond=0)
            await slash(server, fake, e2e.INGRID, f"meet P-1 {day} {meeting:%H:%M:%S} Rom 2")
            await eventually(lambda: len(fake.calls_to("response_url")) == 5)
            for lead, count in ((timedelta(minutes=5), 1), (timedelta(minutes=1), 2)):
                await server.clock(at=meeting - lead)
                for side in (e2e.INGRID, e2e.ANDERS):
                    await eventually(lambda side=side, count=count: sum(
                        "Påminnelse" in x for x in e2e.texts(fake, f"D{side}")) == count)
            await slash(server, fake, e2e.KARI, "tables assign")
            await eventually(lambda: any(x.startswith("Øving: Ditt småbord: bord 1")
                                         for x in e2e.texts(fake, f"D{e2e.ANDERS}")))
            async with aiohttp.ClientSession() as http, http.get(f"{server.url}/") as page:
                html = await page.text()
            # a second rehearsal beside it would empty its store: it is refused
            second = await asyncio.to_thread(
                subprocess.run, [*REHEARSE, "--shell"], input="help\n", capture_output=True,
                text=True, timeout=60, cwd=tmp_path, env=environment(tmp_path))
            assert second.returncode == 1 and "another rehearsal is running" in second.stderr
        finally:
            server.stop()
    channel = e2e.texts(fake, e2e.CHANNEL)
    assert channel and all(x.startswith("Øving: ") for x in channel)
    for side in (e2e.INGRID, e2e.ANDERS):
        assert all(x.startswith("Øving: ") for x in e2e.texts(fake, f"D{side}"))
    answers = [str(c.args) for c in fake.calls_to("response_url")]
    assert answers and all("Øving" in a for a in answers)
    # the meeting's calendar files too, in the calendars they land in
    summaries = [str(next(iter(Calendar.from_ical(body).walk("VEVENT")))["SUMMARY"])
                 for body in fake.uploads.values()]
    assert summaries and all(x.startswith("Øving: ") for x in summaries)
    assert "<title>Øving: " in html and "prøvekjøring av seminardagen" in html
    assert (tmp_path / "var" / "rehearsal.json").exists()
    assert not (tmp_path / "real.json").exists()
