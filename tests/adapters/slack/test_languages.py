"""What people are told, and in which language, through the real bolt app and the fake Slack Web
API: an English Slack user's later DMs are in English; `language nn` turns every later notice
into nynorsk; the ministry person who schedules a meeting gets the invitation and its calendar
file like the proposer; a moved meeting keeps its calendar UID with a higher SEQUENCE; a
withdrawn proposal's meeting is cancelled in both calendars. Calendar files are read back as
the DMs carried them (files uploaded beside the message), with the `icalendar` package."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.adapters.slack.conftest import INGRID, JANE, OLA, Workspace
from tests.cast import Person
from tests.notice_kit import event_of

pytestmark = pytest.mark.asyncio(loop_scope="module")

OSLO = ZoneInfo("Europe/Oslo")
LINE = "Open procurement | Tenders are hard to find | Publish every tender | transparency | " \
       "innsyn | jd"


async def ok(workspace: Workspace, words: str, user: Person) -> str:
    """A slash command that must succeed; its answer's text."""
    return str((await workspace.send(user, words)).raw.get("text", ""))


async def dms_titled(workspace: Workspace, user: Person, *starts: str,
                     count: int = 1, within: float = 30.0) -> list[dict[str, Any]]:
    """The DMs to `user` whose text starts with one of `starts`, once there are `count`."""
    deadline = time.monotonic() + within
    while True:
        found = [m for m in workspace.fake.messages_in(user.slack_id)
                 if str(m.get("text", "")).startswith(starts)]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.05)


async def files_to(workspace: Workspace, user: Person, count: int,
                   within: float = 30.0) -> list[bytes]:
    """The contents of the files uploaded into `user`'s DM, in order, once there are `count`."""
    channel = workspace.fake.dm_channel(user.slack_id)
    deadline = time.monotonic() + within
    while True:
        done = [c for c in workspace.fake.calls_to("files.completeUploadExternal", ok=True)
                if c.args.get("channel_id") == channel]
        ids = [f["id"] for c in done for f in c.args["files"]]
        if len(ids) >= count or time.monotonic() > deadline:
            return [workspace.fake.uploads[i] for i in ids]
        await asyncio.sleep(0.05)


async def test_an_english_user_gets_english_dms_and_the_scheduler_a_calendar_file_too(
        workspace: Workspace) -> None:
    assert "P-1" in await ok(workspace, f"propose {LINE}", JANE)  # Jane: en-GB, not on roster
    await ok(workspace, "outcome P-1 bilateral", INGRID)
    reply = await ok(workspace, "meet P-1 2026-12-03 10:00 Akersgata 59", INGRID)
    assert "direktemelding" in reply  # Ingrid is told she gets it too

    (jane,) = await dms_titled(workspace, JANE, "Bilateral meeting on P-1")
    assert "Thursday 3 December at 10:00" in jane["text"]  # English, though the seminar is nb
    (ingrid,) = await dms_titled(workspace, INGRID, "Bilateralt møte om P-1")
    assert "torsdag 3. desember kl. 10:00" in ingrid["text"]

    [jane_file] = await files_to(workspace, JANE, 1)
    [ingrid_file] = await files_to(workspace, INGRID, 1)
    calendar, event = event_of(jane_file)
    assert calendar["METHOD"] == "REQUEST"
    assert event.start == datetime(2026, 12, 3, 10, 0, tzinfo=OSLO)
    assert str(event["SUMMARY"]).startswith("Bilateral meeting on P-1")
    assert str(event_of(ingrid_file)[1]["SUMMARY"]).startswith("Bilateralt møte om P-1")
    assert event_of(ingrid_file)[1]["UID"] == event["UID"]  # one event, in both calendars
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Europe/Oslo"
    names = sorted(str(a.params["CN"]) for a in event["ATTENDEE"])
    assert len(names) == 2 and all("@" not in n for n in names)
    assert all(not str(a).startswith("mailto:") for a in event["ATTENDEE"])
    assert "@" not in jane_file.decode().replace(str(event["UID"]), "")  # no e-mail address

    # Moved: the same event (UID) at a later SEQUENCE, for both sides.
    await ok(workspace, "meet P-1 2026-12-04 11:00 Akersgata 59", INGRID)
    await dms_titled(workspace, JANE, "The meeting on P-1 has moved")
    first, moved = await files_to(workspace, JANE, 2)
    assert event_of(moved)[1]["UID"] == event["UID"]
    assert event_of(moved)[1]["SEQUENCE"] > event_of(first)[1]["SEQUENCE"]
    assert event_of(moved)[1].start == datetime(2026, 12, 4, 11, 0, tzinfo=OSLO)
    assert len(await files_to(workspace, INGRID, 2)) == 2

    # Withdrawn before the meeting: a cancellation to both sides.
    await ok(workspace, "withdraw P-1", JANE)
    (jane_off,) = await dms_titled(workspace, JANE, "Cancelled: bilateral meeting on P-1")
    assert "withdrawn" in jane_off["text"]
    await dms_titled(workspace, INGRID, "Avlyst: bilateralt møte om P-1")
    for user in (JANE, INGRID):
        cancel = (await files_to(workspace, user, 3))[-1]
        calendar, event_off = event_of(cancel)
        assert calendar["METHOD"] == "CANCEL" and event_off["STATUS"] == "CANCELLED"
        assert event_off["UID"] == event["UID"]
        assert event_off["SEQUENCE"] > event_of(moved)[1]["SEQUENCE"]


async def test_language_nn_turns_later_notices_into_nynorsk(workspace: Workspace) -> None:
    reply = await ok(workspace, "språk nn", OLA)  # Ola: nb-NO in Slack, not on the roster
    assert "nynorsk" in reply and "svarar eg" in reply
    assert "Kva du kan gjere" in await ok(workspace, "help", OLA)
    await ok(workspace, f"propose {LINE}", OLA)
    await ok(workspace, "outcome P-1 bilateral", INGRID)
    await ok(workspace, "meet P-1 2026-12-03 10:00", INGRID)
    (dm,) = await dms_titled(workspace, OLA, "Bilateralt møte om P-1")
    assert "torsdag 3. desember kl. 10:00" in dm["text"]  # nynorsk: «torsdag» as in bokmål
    assert "Stad: ikkje oppgitt" in dm["text"]
    calendar, event = event_of((await files_to(workspace, OLA, 1))[0])
    assert calendar["PRODID"].endswith("//NN")
    assert "Stad" not in str(event["DESCRIPTION"])  # no place given
    assert "Tid: torsdag 3. desember 2026 kl. 10:00" in str(event["DESCRIPTION"])
