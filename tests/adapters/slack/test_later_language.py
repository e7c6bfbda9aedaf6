"""A notice is written in its person's language when it is sent, not when it was scheduled, and
a calendar file in the language of the person whose link it is: through the real bolt app, the
dispatcher and the web route, with the fake Slack Web API.

Ola (Slack in bokmål, not on the roster) chose nynorsk and proposed; Ingrid (the ministry, in
bokmål) scheduled their meeting. Each got a link to the calendar file of their own: Ola's is
nynorsk, Ingrid's bokmål. Then Ola wrote `language en`: the reminders already waiting for the
meeting reach him in English (Ingrid's stay bokmål), and his link now gives English."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.adapters.slack.conftest import INGRID, OLA, Workspace
from tests.adapters.slack.test_languages import dms_titled, ok
from tests.notice_kit import event_of

pytestmark = pytest.mark.asyncio(loop_scope="module")

LINE = "Åpne anbud | Anbudene er vanskelige å finne | Publiser alle | transparency | innsyn | jd"


async def calendar(workspace: Workspace, path: str) -> str:
    """The calendar file at `path` on the bot's server, as the person's calendar fetches it."""
    base = workspace.url.removesuffix("/slack/events")
    async with workspace.session.get(base + path) as answer:
        assert answer.status == 200, path
        return str(event_of(await answer.read())[1]["DESCRIPTION"])


async def test_a_language_chosen_later_reaches_the_notices_already_waiting(
        workspace: Workspace) -> None:
    assert "nynorsk" in await ok(workspace, "language nn", OLA)
    assert "P-1" in await ok(workspace, f"propose {LINE}", OLA)
    await ok(workspace, "outcome P-1 bilateral", INGRID)
    await ok(workspace, "meet P-1 2026-12-03 10:00 Akersgata 59", INGRID)
    (invited,) = await dms_titled(workspace, OLA, "Bilateralt møte om P-1")
    assert "Stad: Akersgata 59" in invited["text"]  # nynorsk
    (told,) = await dms_titled(workspace, INGRID, "Bilateralt møte om P-1")
    assert "Sted: Akersgata 59" in told["text"]  # bokmål

    # each has a link of their own, to the file in the language they read
    records = workspace.runtime.bot.records
    meeting = records.meeting(1)
    ola, ingrid = (records.person_by_email(who.email) for who in (OLA, INGRID))
    assert meeting is not None and ola is not None and ingrid is not None
    ola_link, ingrid_link = (f"/meetings/P-1/{meeting.tokens[p.key]}.ics" for p in (ola, ingrid))
    assert ola_link != ingrid_link
    assert "Stad: Akersgata 59" in await calendar(workspace, ola_link)
    assert "Sted: Akersgata 59" in await calendar(workspace, ingrid_link)

    # Ola turns to English; a day before the meeting the reminders go out
    assert "English" in await ok(workspace, "language en", OLA)
    workspace.runtime.clock.set(datetime(2026, 12, 2, 9, 0, tzinfo=UTC))  # 10:00 in Oslo
    (reminded,) = await dms_titled(workspace, OLA, "Reminder: bilateral meeting on P-1")
    assert "Thursday 3 December at 10:00" in reminded["text"]
    assert "Where: Akersgata 59" in reminded["text"]
    (ingrid_reminded,) = await dms_titled(workspace, INGRID, "Påminnelse: bilateralt møte om P-1")
    assert "torsdag 3. desember kl. 10:00" in ingrid_reminded["text"]
    assert "Where: Akersgata 59" in await calendar(workspace, ola_link)  # his link: English now
    assert "Sted: Akersgata 59" in await calendar(workspace, ingrid_link)
