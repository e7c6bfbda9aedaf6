"""The action plan after the decision: `plan`, a commitment's status, `progress`, and the
reminders its ministry gets before and after each milestone and at the reporting cadence."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.model import Completion, Proposal, Status
from bot.core.notice import NoticeState
from bot.notices.announcements import COMPOSERS
from bot.process.plan import schedule_plan
from tests.chat import COORDINATOR, CSO, FIN, JD, OBSERVER, Chat
from tests.notice_kit import as_sent

FORM = {"title": "Åpent lobbyregister", "problem": "Ingen ser hvem som møter statsråder",
        "description": "Publiser alle møter", "values": ["transparency"], "area": "innsyn",
        "ministry": "jd", "milestones": "2027-03-01 Pilot\n2027-09-01 Alle departementer"}


def include(chat: Chat) -> str:
    reply = chat.submit(CSO, FORM)
    assert reply.ok, reply.text
    ref = "P-1"
    for who, words in ((JD, f"outcome {ref} agreed"), (JD, f"report {ref} agreed Vi gjør det"),
                       (COORDINATOR, f"decide {ref} include Et godt forslag")):
        answer = chat.say(who, words)
        assert answer.ok, answer.text
    return ref


@pytest.fixture
def chat() -> Chat:
    return Chat()


def test_an_included_proposal_is_a_commitment_of_the_plan(chat: Chat) -> None:
    assert "Ingen forpliktelser" in chat.say(OBSERVER, "plan").text
    ref = include(chat)
    listing = chat.say(OBSERVER, "plan").text
    assert f"{ref} Åpent lobbyregister" in listing
    assert "Justis- og beredskapsdepartementet" in listing
    assert "1. januar 2027 – 31. desember 2028" in listing  # the seminar file's plan period
    assert "ikke startet" in listing and "0 av 2 milepæler" in listing
    card = chat.say(CSO, f"status {ref}").text
    assert "Gjennomføring: ikke startet" in card


def test_progress_by_the_ministry_is_kept_and_told_to_the_proposer(chat: Chat) -> None:
    ref = include(chat)
    reply = chat.say(JD, f"progress {ref} limited Piloten er i gang i to departementer")
    assert reply.ok, reply.text
    proposal = chat.bot.records.proposal(1)
    assert proposal is not None and proposal.completion == "limited"
    assert proposal.progress[-1].text == "Piloten er i gang i to departementer"
    assert "begrenset" in chat.say(CSO, f"status {ref}").text
    told = [n for n in chat.bot.outbox.all() if n.kind == "progress"]
    assert [n.target.person for n in told] == [chat.bot.records.person_by_email(CSO).key]
    assert "begrenset" in as_sent(chat.bot, told[0]).text
    assert "Piloten er i gang" in as_sent(chat.bot, told[0]).text


def test_a_progress_report_in_the_history_says_its_level_in_words(chat: Chat) -> None:
    ref = include(chat)
    assert chat.say(JD, f"progress {ref} limited Piloten er i gang").ok
    entry = chat.bot.records.proposal(1).history[-1]  # type: ignore[union-attr]
    assert (entry.action, entry.detail) == ("progress_limited", "Piloten er i gang")
    card = chat.say(CSO, f"status {ref}").text
    assert "framdriftsrapport (begrenset): Piloten er i gang" in card
    assert "limited" not in card
    chat.say(CSO, "language nn")
    assert "framdriftsrapport (avgrensa): Piloten er i gang" in chat.say(CSO, f"status {ref}").text
    chat.say(CSO, "language en")
    assert "progress report (limited): Piloten er i gang" in chat.say(CSO, f"status {ref}").text

    # a report stored before the level was a key of its own reads the same
    p = chat.bot.records.proposal(1)
    assert p is not None
    old = replace(entry, action="progress", detail="substantial: Nesten ferdig")
    with chat.bot.records.transaction():
        chat.bot.records.save_proposal(replace(p, history=(*p.history, old)))
    chat.say(CSO, "language nb")
    card = chat.say(CSO, f"status {ref}").text
    assert "framdriftsrapport (betydelig): Nesten ferdig" in card
    assert "substantial" not in card


@pytest.mark.parametrize(("who", "words", "expect"), [
    (FIN, "progress P-1 limited Noe", "Justis- og beredskapsdepartementet"),  # not its ministry
    (CSO, "progress P-1 limited Noe", "progress"),  # civil society may not report progress
    (JD, "progress P-1 halfway Noe", "halfway"),
    (JD, "progress P-1 limited", "trenger en tekst"),
])
def test_progress_refusals_change_nothing(chat: Chat, who: str, words: str, expect: str) -> None:
    include(chat)
    before = chat.snapshot()
    reply = chat.say(who, words)
    assert not reply.ok and expect in reply.text, reply.text
    assert chat.snapshot() == before


def test_progress_only_on_a_commitment_of_the_plan(chat: Chat) -> None:
    chat.submit(CSO, FORM)
    before = chat.snapshot()
    reply = chat.say(JD, "progress P-1 limited Vi har startet")
    assert not reply.ok and "innsendt" in reply.text, reply.text
    assert chat.snapshot() == before
    chat.say(COORDINATOR, "decide P-1 exclude Utenfor planens områder")
    assert not chat.say(JD, "progress P-1 limited Vi har startet").ok
    assert chat.bot.records.proposal(1).status is Status.NOT_INCLUDED


def test_the_ministry_is_reminded_before_each_milestone_and_asked_for_progress(
        chat: Chat) -> None:
    include(chat)
    jd = chat.bot.records.person_by_email(JD)
    reminders = [n for n in chat.bot.outbox.all() if n.kind == "reminder"]
    assert reminders and {n.target.person for n in reminders} == {jd.key}
    oslo = chat.seminar.timezone
    first = datetime(2027, 3, 1, 9, 0, tzinfo=oslo)
    due = sorted(n.due for n in reminders if "milestone_lead:1:" in n.key)
    assert due == [first - timedelta(days=14), first - timedelta(days=1)]
    nudges = [n for n in reminders if "milestone_nudge:1:" in n.key]
    assert [n.due for n in nudges] == [first + timedelta(days=1)]
    asks = sorted(n.due.date().isoformat() for n in reminders if "progress_ask" in n.key)
    assert asks[:3] == ["2027-04-01", "2027-07-01", "2027-10-01"]
    assert len(asks) == 7  # every three months of the plan's two years, up to its end
    # Scheduling again (a restart) adds nothing.
    assert schedule_plan(chat.bot.records, chat.bot.outbox, chat.seminar,
                         chat.clock.now()) == 0


def test_a_reminder_for_a_done_milestone_or_a_reported_period_is_skipped(chat: Chat) -> None:
    include(chat)
    proposal = chat.bot.records.proposal(1)
    lead = next(n for n in chat.bot.outbox.all() if "milestone_lead:1:" in n.key)
    assert not isinstance(COMPOSERS[lead.compose](chat.bot, lead, chat.clock.now()), str)
    done = replace(proposal.milestones[0], done=Completion(chat.clock.now(), "x", "JD"))
    chat.bot.records.save_proposal(replace(proposal, milestones=(done,
                                                                 *proposal.milestones[1:])))
    assert COMPOSERS[lead.compose](chat.bot, lead, chat.clock.now()) == "the milestone is done"
    ask = min((n for n in chat.bot.outbox.all() if "progress_ask" in n.key), key=lambda n: n.due)
    chat.clock.set(datetime(2027, 2, 1, 12, 0, tzinfo=UTC))
    assert chat.say(JD, "progress P-1 limited I gang").ok
    assert "since the last request" in COMPOSERS[ask.compose](chat.bot, ask, chat.clock.now())
    assert ask.state is NoticeState.PENDING


def test_milestones_stored_before_ids_get_their_numbers_and_keep_their_reminders(
        chat: Chat) -> None:
    """A commitment stored before milestones had ids loads with ids that are their numbers,
    so its reminders scheduled back then keep their keys (nothing is scheduled twice); a
    milestone added afterwards gets an id never used before, whatever its place."""
    include(chat)
    before = {n.key for n in chat.bot.outbox.all() if n.kind == "reminder"}
    doc = chat.bot.records.proposal(1).to_dict()
    # as stored before ids were kept (ids that are their numbers are not written anyway)
    assert not any("id" in m for m in doc["milestones"]) and "milestones_added" not in doc
    old = Proposal.from_dict(doc)
    assert [m.id for m in old.milestones] == ["1", "2"] and old.milestones_added == 2
    chat.bot.records.save_proposal(old)
    assert schedule_plan(chat.bot.records, chat.bot.outbox, chat.seminar,
                         chat.clock.now()) == 0
    assert {n.key for n in chat.bot.outbox.all() if n.kind == "reminder"} == before
    assert chat.say(JD, "milestone P-1 add 2026-06-01 2027-03-01 Først av alle").ok
    assert chat.say(JD, "milestone P-1 remove 3").ok  # what was milestone 2 (id 2)
    assert chat.say(JD, "milestone P-1 add 2027-08-01 Sist").ok
    ids = [m.id for m in chat.bot.records.proposal(1).milestones]
    assert ids == ["3", "1", "4"]  # 2 is never given again
