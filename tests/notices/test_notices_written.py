"""Notices say what, not how: each is stored as a message id and its values, and written when it
is sent, in the language its person reads then. Every message the process schedules writes in
bokmål, nynorsk and English; a notice stored with its words (before notices said what) still
goes out as it is; a message this version does not know is skipped with the reason; a
meeting's calendar link is each person's own, and a link the meeting's people shared before
still answers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from aiohttp.test_utils import TestClient, TestServer

from adapters.server import build_app
from bot.app.runtime import Runtime
from bot.core.model import Meeting
from bot.core.notice import Notice, NoticeState, Say, Target
from bot.core.reply import Reply
from bot.core.settings import Settings
from bot.core.writing import Writing
from bot.i18n.catalogue import LANGUAGES, keys
from tests.chat import COORDINATOR, CSO, CSO_EN, JD, Chat
from tests.notice_kit import MINISTRY, PROPOSER, Kit, event_of, oslo

LINE = "Åpent lobbyregister | Ingen ser møtene | Publiser alle møter | transparency | innsyn | jd"


def _say(chat: Chat, *said: tuple[str, str]) -> None:
    for who, words in said:
        reply = chat.say(who, words)
        assert reply.ok, (words, reply.text)


def _everything(chat: Chat) -> None:
    """A proposal through every stage that tells someone something."""
    _say(chat, (CSO, f"propose {LINE}"), (CSO, f"propose {LINE}"), (CSO, f"propose {LINE}"),
         (CSO_EN, "follow P-1"), (JD, "outcome P-1 bilateral"),
         (JD, "meet P-1 2026-12-03 10:00 R5"), (JD, "edit P-1 goal Alle møter er åpne"))
    for notice in chat.bot.outbox.all():  # the invitations went out: a decision calls it off
        if ":invite:" in notice.key:
            chat.bot.outbox.save(notice.with_changes(state=NoticeState.SENT))
    for who, words in (
            (JD, "report P-1 agreed Vi gjør det"),
            (COORDINATOR, "decide P-1 include Et godt forslag"),
            (JD, "milestone P-1 add 2027-01-01 2027-03-01 Pilot"),
            (JD, "progress P-1 limited I gang"), (CSO, "withdraw P-2"),
            (COORDINATOR, "tables assign")):
        reply = chat.say(who, words)
        assert reply.ok, (words, reply.text)


def test_every_message_writes_in_every_language() -> None:
    chat = Chat()
    _everything(chat)
    notices = [n for n in chat.bot.outbox.all() if n.say is not None]
    said = {n.say.message for n in notices if n.say is not None}
    # every kind of notice the process schedules, stored as what to say, not its words
    assert said >= {"proposal.digest", "proposal.version", "proposal.reported",
                    "proposal.decided", "proposal.withdrawn", "meeting.invited",
                    "meeting.reminder", "meeting.nudge", "meeting.cancelled", "plan.progress",
                    "plan.milestone_due", "plan.milestone_passed", "plan.progress_due",
                    "tables.seated"}
    assert said <= set(chat.bot.messages)
    assert all(n.message is None for n in notices)  # no words until sent
    catalogue_keys = keys()
    for notice in notices:
        assert notice.say is not None
        for lang in LANGUAGES:
            writing = Writing(lang, chat.seminar, chat.bot.records, chat.clock.now())
            reply = chat.bot.messages[notice.say.message](writing, notice.say.values)
            assert isinstance(reply, Reply), (notice.key, reply)
            assert reply.language == lang and reply.title
            words = reply.text.split()
            assert not [w for w in words if w in catalogue_keys], (notice.key, lang)


def meeting_kit() -> Kit:
    """Anders proposed, Ingrid (the ministry) scheduled their meeting for 3 December."""
    kit = Kit(oslo(2026, 11, 30, 12, 0))
    assert kit.propose().ok
    assert kit.say(MINISTRY, "outcome P-1 bilateral").ok
    assert kit.say(MINISTRY, "meet P-1 2026-12-03 10:00 Møterom 2").ok
    return kit


@pytest.mark.asyncio
async def test_a_notice_is_written_in_the_language_its_person_reads_when_it_goes_out() -> None:
    kit = meeting_kit()
    assert kit.say(PROPOSER, "language nn").ok  # after the reminders were scheduled
    sent = await kit.at(oslo(2026, 12, 2, 10, 0))
    # everything to Anders is nynorsk now: the invitation, and the reminder
    anders = [s.message for s in sent if s.to == PROPOSER.slack_id]
    assert {m.language for m in anders} == {"nn"}
    assert "Påminning: bilateralt møte om P-1 torsdag 3. desember kl. 10:00" in [
        m.title for m in anders]
    assert all("Stad: Møterom 2" in m.lines for m in anders)
    ingrid = [s.message for s in sent if s.to == MINISTRY.slack_id]
    assert {m.language for m in ingrid} == {"en"}  # the roster's language for her


@pytest.mark.asyncio
async def test_a_notice_stored_with_its_words_goes_out_as_it_is() -> None:
    kit = Kit(oslo(2026, 11, 30, 12, 0))
    assert kit.propose().ok  # Anders is known to the bot
    person = kit.bot.records.person_by_email(PROPOSER.email)
    assert person is not None
    # as a notice was stored before notices said what: its words, and no "say"
    old = Notice("old:1", Target.to_person(person.key),
                 Reply(language="nb", title="Gammel melding", lines=("Skrevet da.",)),
                 oslo(2026, 11, 30, 12, 0), "proposal").to_dict()
    del old["say"]
    kit.bot.outbox.schedule(Notice.from_dict(old))
    sent = await kit.at(oslo(2026, 11, 30, 12, 0))
    (told,) = [s for s in sent if s.message.title == "Gammel melding"]
    assert told.to == PROPOSER.slack_id and told.message.lines == ("Skrevet da.",)


@pytest.mark.asyncio
async def test_a_message_this_version_does_not_know_is_skipped_with_the_reason() -> None:
    kit = Kit(oslo(2026, 11, 30, 12, 0))
    assert kit.propose().ok
    person = kit.bot.records.person_by_email(PROPOSER.email)
    assert person is not None
    kit.bot.outbox.schedule(Notice.saying("odd:1", Target.to_person(person.key),
                                          Say("no.such.message", {}),
                                          oslo(2026, 11, 30, 12, 0), "proposal"))
    sent = await kit.at(oslo(2026, 11, 30, 12, 0))
    assert all(s.message.title for s in sent)
    skipped = kit.bot.outbox.get("odd:1")
    assert skipped is not None and skipped.state is NoticeState.SKIPPED
    assert "no.such.message" in skipped.last_error


@pytest.mark.asyncio
async def test_a_calendar_link_the_meeting_s_people_shared_still_answers() -> None:
    kit = meeting_kit()
    meeting = kit.bot.records.meeting(1)
    assert meeting is not None
    shared = "OldSharedToken_0123456789ab"  # as a meeting was stored before links were own
    with kit.bot.records.transaction():
        kit.bot.records.save_meeting(Meeting.from_dict(
            {**meeting.to_dict(), "token": shared, "tokens": None}))
    runtime = Runtime(Settings(), kit.seminar, kit.store, kit.bot, kit.clock)
    async with TestClient(TestServer(build_app(runtime))) as client:
        answer = await client.get(f"/meetings/P-1/{shared}.ics")
        assert answer.status == 200
        _, event = event_of(await answer.read())
        assert "Sted: Møterom 2" in str(event["DESCRIPTION"])  # the seminar's language
        for token in meeting.tokens.values():  # the own links of that time are gone with it
            assert (await client.get(f"/meetings/P-1/{token}.ics")).status == 404


def test_a_meeting_stored_before_links_were_own_reads_back() -> None:
    start = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    old = {"proposal": 1, "start": start.isoformat(), "place": "", "scheduled_by": "x",
           "version": 2, "token": "abc", "attendees": ["x"]}
    meeting = Meeting.from_dict(old)
    assert meeting.tokens == {} and meeting.token_for("x") == "abc"
