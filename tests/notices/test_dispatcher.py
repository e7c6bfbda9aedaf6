"""The dispatcher on a fake clock: agenda notices at the right instants (across a daylight-saving
change too), meeting reminders at every lead, moving a meeting, the late/skip restart rule,
429 retry-after, and a permanent failure reported to the coordinator once."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.command import Command, Place, Speaker
from bot.core.model import Status
from bot.core.notice import Notice, NoticeState, Target
from bot.core.reply import Reply
from bot.core.seminar import parse_seminar
from bot.notices.announcements import schedule_agenda
from bot.notices.dispatcher import FOUND, Dispatcher
from bot.notices.port import DeliveryError
from bot.store.contract import READY
from bot.store.tinydb_file import TinyDBStore
from tests.cast import organization
from tests.notice_kit import (
    COORDINATOR,
    MINISTRY,
    PROPOSER,
    Kit,
    event_of,
    oslo,
    seminar_data,
)
from tests.serving import eventually

pytestmark = pytest.mark.asyncio

INGRID, ANDERS, KARI = MINISTRY.slack_id, PROPOSER.slack_id, COORDINATOR.slack_id


def titles(sent: list) -> list[str]:
    return [s.message.title for s in sent]


async def kit_with_channel(now: datetime, **seminar: object) -> Kit:
    kit = Kit(now, parse_seminar(seminar_data(**seminar)) if seminar else None)
    assert kit.say(COORDINATOR, "channel here").ok
    schedule_agenda(kit.bot)
    return kit


async def test_agenda_heads_up_and_start_at_their_instants_in_oslo() -> None:
    kit = await kit_with_channel(oslo(2026, 12, 1, 8, 0))
    assert await kit.at(oslo(2026, 12, 1, 8, 54, 59)) == []
    sent = await kit.at(oslo(2026, 12, 1, 8, 55))
    assert [(s.kind, s.to) for s in sent] == [("post", "C0SEMINAR")]
    assert titles(sent) == ["Om 5 minutter, kl. 09:00: Velkommen"]
    assert await kit.at(oslo(2026, 12, 1, 8, 59, 59)) == []
    assert titles(await kit.at(oslo(2026, 12, 1, 9, 0))) == ["Nå, kl. 09:00: Velkommen"]
    # 09:00 Oslo in December is 08:00 UTC
    start = kit.bot.outbox.get(next(n.key for n in kit.bot.outbox.all()
                                    if n.key.endswith(":1:start")))
    assert start is not None and start.sent_at == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


async def test_agenda_across_the_night_clocks_go_forward() -> None:
    # 29 March 2026: at 02:00 Oslo the clocks jump to 03:00; 02:55 does not exist that night.
    kit = await kit_with_channel(
        oslo(2026, 3, 28, 12, 0), date="2026-03-29",
        agenda=[{"time": "01:30", "title": "Natt", "kind": "talk"},
                {"time": "03:00", "title": "Etter skiftet", "kind": "talk"}])
    # The heads-up for 03:00 CEST (01:00 UTC) is at 00:55 UTC, which is 01:55 CET.
    assert titles(await kit.at(datetime(2026, 3, 29, 0, 54, tzinfo=UTC))) == [
        "Nå, kl. 01:30: Natt"]
    assert titles(await kit.at(datetime(2026, 3, 29, 0, 55, tzinfo=UTC))) == [
        "Om 5 minutter, kl. 03:00: Etter skiftet"]
    assert await kit.at(datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC)) == []
    assert titles(await kit.at(datetime(2026, 3, 29, 1, 0, tzinfo=UTC))) == [
        "Nå, kl. 03:00: Etter skiftet"]


async def test_presentations_start_presents_submitted_proposals_in_order() -> None:
    kit = await kit_with_channel(oslo(2026, 11, 30, 12, 0))
    assert kit.propose("Første forslag").ok
    assert kit.propose("Andre forslag").ok
    assert kit.say(COORDINATOR, "withdraw P-2").ok
    assert kit.propose("Tredje forslag").ok
    await kit.at(oslo(2026, 11, 30, 12, 0))  # the new-proposal notices
    sent = await kit.at(oslo(2026, 12, 1, 9, 45))
    start = [s for s in sent if s.message.title.startswith("Nå")]
    assert len(start) == 1
    assert start[0].message.lines == ("Forslagene som presenteres, i denne rekkefølgen:",
                                      f"1. P-1 Første forslag ({organization(PROPOSER.org)})",
                                      f"2. P-3 Tredje forslag ({organization(PROPOSER.org)})")
    first = kit.bot.records.proposal(1)
    assert first is not None and first.status is Status.PRESENTED
    assert first.history[-1].actor == "bot"
    withdrawn = kit.bot.records.proposal(2)
    assert withdrawn is not None and withdrawn.status is Status.WITHDRAWN


async def test_scheduling_the_agenda_twice_keeps_one_of_each() -> None:
    kit = await kit_with_channel(oslo(2026, 12, 1, 8, 0))
    assert schedule_agenda(kit.bot) == 0
    sent = await kit.at(oslo(2026, 12, 1, 8, 55)) + await kit.at(oslo(2026, 12, 1, 9, 0))
    assert titles(sent) == ["Om 5 minutter, kl. 09:00: Velkommen", "Nå, kl. 09:00: Velkommen"]


async def meeting_kit(now: datetime) -> Kit:
    kit = Kit(now)
    assert kit.propose().ok
    assert kit.say(MINISTRY, "outcome P-1 bilateral").ok
    return kit


async def test_meeting_invite_now_with_calendar_then_reminders_at_every_lead() -> None:
    kit = await meeting_kit(oslo(2026, 11, 30, 12, 0))
    assert kit.say(MINISTRY, "meet P-1 2026-12-03 10:00 Møterom 2").ok
    sent = await kit.at(oslo(2026, 11, 30, 12, 0))
    invites = {s.to: s for s in sent if s.message.title.startswith(("Bilateralt møte",
                                                                   "Bilateral meeting"))}
    assert sorted(invites) == [ANDERS, INGRID]  # Ingrid scheduled it, and is told like Anders
    assert invites[INGRID].message.language == "en"  # the roster's language for her
    for who, invite in invites.items():
        ics = invite.attachment
        assert ics is not None and ics.filename == "P-1.ics", who
        _, event = event_of(ics.content)
        assert event.start == oslo(2026, 12, 3, 10, 0)
        assert event.start.tzinfo.key == "Europe/Oslo"
    meeting = kit.bot.records.meeting(1)
    assert meeting is not None
    anders, ingrid = (meeting.tokens[f"roster:{who.email}"] for who in (PROPOSER, MINISTRY))
    assert len(anders) >= 24 and len(ingrid) >= 24 and anders != ingrid  # a link each
    assert (f"Kalenderfil: https://ogp.example.org/meetings/P-1/{anders}.ics"
            in invites[ANDERS].message.lines)
    assert (f"Calendar file: https://ogp.example.org/meetings/P-1/{ingrid}.ics"
            in invites[INGRID].message.lines)

    assert await kit.at(oslo(2026, 12, 2, 9, 59, 59)) == []
    day_before = await kit.at(oslo(2026, 12, 2, 10, 0))
    assert sorted(s.to for s in day_before) == [ANDERS, INGRID]
    assert {s.message.language for s in day_before} == {"nb", "en"}
    assert "Reminder: bilateral meeting on P-1 Thursday 3 December at 10:00" in titles(day_before)
    assert await kit.at(oslo(2026, 12, 3, 8, 59, 59)) == []
    hour_before = await kit.at(oslo(2026, 12, 3, 9, 0))
    assert sorted(s.to for s in hour_before) == [ANDERS, INGRID]


async def test_moving_a_meeting_cancels_old_reminders_and_tells_everyone() -> None:
    kit = await meeting_kit(oslo(2026, 11, 30, 12, 0))
    assert kit.say(MINISTRY, "meet P-1 2026-12-03 10:00").ok
    await kit.at(oslo(2026, 11, 30, 12, 0))
    assert kit.say(COORDINATOR, "meet P-1 2026-12-04 14:00 Akersgata 59").ok
    moved = await kit.at(oslo(2026, 11, 30, 12, 1))
    # Everyone invited before, and the coordinator who moved it.
    assert sorted(s.to for s in moved) == [ANDERS, INGRID, KARI]
    assert all("flyttet" in s.message.title or "moved" in s.message.title for s in moved)
    assert all(event_of(s.attachment.content)[1]["SEQUENCE"] == 1 for s in moved
               if s.attachment)
    # No reminder for the old time; reminders for the new one.
    assert await kit.at(oslo(2026, 12, 3, 9, 0)) == []
    assert sorted(s.to for s in await kit.at(oslo(2026, 12, 3, 14, 0))) == [ANDERS, INGRID,
                                                                            KARI]
    old = [n for n in kit.bot.outbox.all() if n.key.startswith("meeting:P-1:v1:remind")]
    assert old and all(n.state is NoticeState.SKIPPED for n in old)


async def test_ministry_nudged_a_day_after_the_meeting_only_without_report() -> None:
    kit = await meeting_kit(oslo(2026, 11, 30, 12, 0))
    assert kit.say(MINISTRY, "meet P-1 2026-12-03 10:00").ok
    await kit.at(oslo(2026, 12, 3, 10, 0))
    nudge = await kit.at(oslo(2026, 12, 4, 11, 0))
    assert [(s.to, s.message.title) for s in nudge] == [
        (INGRID, "The meeting on P-1 has been held, but there is no report yet")]

    other = await meeting_kit(oslo(2026, 11, 30, 12, 0))
    assert other.say(MINISTRY, "meet P-1 2026-12-03 10:00").ok
    assert other.say(MINISTRY, "report P-1 agreed Vi er enige").ok
    await other.at(oslo(2026, 12, 3, 12, 0))
    assert all("report" not in s.message.title for s in await other.at(oslo(2026, 12, 4, 11)))


async def test_overdue_notice_is_sent_late_and_stale_one_skipped() -> None:
    kit = await kit_with_channel(oslo(2026, 12, 1, 8, 0))
    # The bot was down from 08:00 to 09:20: the 09:00 item runs until 09:45.
    sent = await kit.at(oslo(2026, 12, 1, 9, 20))
    assert titles(sent) == ["Nå, kl. 09:00: Velkommen"]
    assert sent[0].message.lines[-1] == (
        "Denne meldingen kommer sent: den skulle vært sendt tirsdag 1. desember kl. 09:00.")
    notices = {n.key.rsplit(":", 2)[-2:][0] + ":" + n.key.rsplit(":", 1)[-1]: n
               for n in kit.bot.outbox.all() if n.key.startswith("agenda:")}
    assert notices["1:start"].late and notices["1:start"].state is NoticeState.SENT
    assert notices["1:heads-up"].state is NoticeState.SKIPPED
    assert notices["1:heads-up"].last_error.startswith("stale")


async def test_a_crash_while_sending_sends_that_notice_again_and_nothing_else() -> None:
    kit = await kit_with_channel(oslo(2026, 12, 1, 8, 0))
    await kit.at(oslo(2026, 12, 1, 8, 55))
    heads_up = next(n for n in kit.bot.outbox.all() if n.state is NoticeState.SENT)
    # Simulate the instant between the platform's answer and the store's write.
    kit.bot.outbox.save(heads_up.with_changes(state=NoticeState.SENDING))
    restarted = Dispatcher(kit.bot, {"slack": kit.notifier}, pace={})
    assert await restarted.recover() == 1
    kit.clock.set(oslo(2026, 12, 1, 8, 56))
    await restarted.run_due()
    assert titles(kit.notifier.sent) == ["Om 5 minutter, kl. 09:00: Velkommen"] * 2
    await restarted.run_due()
    assert len(kit.notifier.sent) == 2


async def test_a_send_whose_answer_never_came_is_looked_for_and_not_sent_again() -> None:
    """The platform took the heads-up but its answer was lost: the next try first looks in
    the conversation (as Slack's history can tell) and finds it there."""
    kit = await kit_with_channel(oslo(2026, 12, 1, 8, 0))
    kit.notifier.can_check = True
    kit.notifier.lose_answers(1)
    assert titles(await kit.at(oslo(2026, 12, 1, 8, 55))) == [
        "Om 5 minutter, kl. 09:00: Velkommen"]  # it reached the channel; no answer came
    heads_up = next(n for n in kit.bot.outbox.all() if n.key.endswith(":1:heads-up"))
    assert heads_up.state is NoticeState.PENDING and heads_up.in_doubt
    assert await kit.at(oslo(2026, 12, 1, 8, 55, 30)) == []  # found: not sent again
    done = kit.bot.outbox.get(heads_up.key)
    assert done is not None and done.state is NoticeState.SENT and done.last_error == FOUND
    assert kit.notifier.checked == [heads_up.key] and not done.in_doubt
    assert kit.dispatcher.stats["found"] == 1


async def test_a_send_in_doubt_that_did_not_arrive_goes_once_more() -> None:
    kit = await kit_with_channel(oslo(2026, 12, 1, 8, 0))
    kit.notifier.can_check = True
    kit.notifier.fail_next(DeliveryError("http_500", permanent=False, in_doubt=True))
    assert await kit.at(oslo(2026, 12, 1, 8, 55)) == []
    sent = await kit.at(oslo(2026, 12, 1, 8, 55, 30))
    assert titles(sent) == ["Om 5 minutter, kl. 09:00: Velkommen"]
    assert len(kit.notifier.checked) == 1


async def test_where_the_platform_cannot_tell_a_send_in_doubt_goes_again() -> None:
    """Teams lets a bot read nothing back: the notice goes again (it may show twice)."""
    kit = await kit_with_channel(oslo(2026, 12, 1, 8, 0))
    kit.notifier.lose_answers(1)
    await kit.at(oslo(2026, 12, 1, 8, 55))
    await kit.at(oslo(2026, 12, 1, 8, 55, 30))
    assert titles(kit.notifier.sent) == ["Om 5 minutter, kl. 09:00: Velkommen"] * 2
    assert len(kit.notifier.checked) == 1


async def test_a_crash_while_sending_is_looked_for_where_the_platform_can_tell() -> None:
    kit = await kit_with_channel(oslo(2026, 12, 1, 8, 0))
    kit.notifier.can_check = True
    await kit.at(oslo(2026, 12, 1, 8, 55))
    heads_up = next(n for n in kit.bot.outbox.all() if n.state is NoticeState.SENT)
    # The instant between the platform's answer and the store's write.
    kit.bot.outbox.save(heads_up.with_changes(state=NoticeState.SENDING))
    restarted = Dispatcher(kit.bot, {"slack": kit.notifier}, pace={})
    assert await restarted.recover() == 1
    kit.clock.set(oslo(2026, 12, 1, 8, 56))
    await restarted.run_due()
    assert len(kit.notifier.sent) == 1  # it had arrived: not sent a second time
    assert kit.bot.outbox.get(heads_up.key).state is NoticeState.SENT


async def test_a_failed_send_keeps_what_changed_in_the_store_while_it_was_in_flight(
        caplog: pytest.LogCaptureFixture) -> None:
    """While a DM to Ingrid is on its way, her notices are handed to another person record (a
    merge). The send fails, passing or for good: what is recorded is the store's notice as
    it is now, never the copy the sender kept; and no log line names her platform id."""
    kit = Kit(oslo(2026, 11, 30, 12, 0))
    assert kit.propose().ok
    ingrid = kit.bot.records.person_by_email(MINISTRY.email)
    assert ingrid is not None
    direct = kit.notifier.direct

    async def merged_meanwhile(user_id: str, message: object, attachment: object = None,
                               key: str = "") -> None:
        if user_id == INGRID:
            kit.bot.outbox.follow_person(ingrid.key, "person:ingrid-merged")
            raise errors.pop(0)
        await direct(user_id, message, attachment, key=key)  # type: ignore[arg-type]

    errors = [DeliveryError("http_503", permanent=False),
              DeliveryError("not_in_channel", permanent=True)]
    kit.notifier.direct = merged_meanwhile  # type: ignore[method-assign]
    caplog.set_level("INFO")
    await kit.at(oslo(2026, 11, 30, 12, 0))
    [retried] = [n for n in kit.bot.outbox.all() if n.target.person == "person:ingrid-merged"]
    assert retried.state is NoticeState.PENDING and retried.last_error == "http_503"
    kit.bot.outbox.follow_person("person:ingrid-merged", ingrid.key)  # back, to reach her
    await kit.at(oslo(2026, 11, 30, 12, 5))
    failed = kit.bot.outbox.get(retried.key)
    assert failed is not None and failed.state is NoticeState.FAILED
    assert failed.target.person == "person:ingrid-merged"  # the newer target stayed
    alerts = [n for n in kit.bot.outbox.all() if n.kind == "alert"]
    assert alerts and not any(INGRID in n.key for n in alerts)
    assert INGRID not in caplog.text


async def test_rate_limit_retry_after_is_honoured() -> None:
    kit = await kit_with_channel(oslo(2026, 12, 1, 8, 0))
    kit.notifier.fail_next(DeliveryError("ratelimited", permanent=False, retry_after=30))
    assert await kit.at(oslo(2026, 12, 1, 8, 55)) == []
    assert await kit.at(oslo(2026, 12, 1, 8, 55, 29)) == []
    sent = await kit.at(oslo(2026, 12, 1, 8, 55, 30))
    assert titles(sent) == ["Om 5 minutter, kl. 09:00: Velkommen"]
    assert kit.notifier.attempts == 2 and kit.dispatcher.stats["retried"] == 1


async def test_server_errors_back_off_and_the_notice_still_arrives() -> None:
    kit = await kit_with_channel(oslo(2026, 12, 1, 8, 0))
    kit.notifier.fail_next(*[DeliveryError("http_503", permanent=False)] * 3)
    for second in range(0, 20):
        await kit.at(oslo(2026, 12, 1, 8, 55, second))
    assert titles(kit.notifier.sent) == ["Om 5 minutter, kl. 09:00: Velkommen"]
    # back-off 2 s, 4 s, 8 s: four attempts within 20 s, not one a second
    assert kit.notifier.attempts == 4


async def test_a_long_outage_fails_no_notice_however_many_tries_it_takes() -> None:
    """Twelve hours of passing failures (some 429s, most 5xx): the notice is kept and tried
    again at most every five minutes, and arrives once the platform answers."""
    kit = Kit(oslo(2026, 11, 30, 8, 0))
    assert kit.propose().ok  # the new-proposal notices to the coordinator and the ministry
    failures = [DeliveryError("ratelimited", permanent=False, retry_after=1)] * 5 + [
        DeliveryError("http_503", permanent=False)] * 100
    kit.notifier.fail_next(*failures)
    when = oslo(2026, 11, 30, 8, 0)
    tries = []
    while when < oslo(2026, 11, 30, 20, 0):
        before = kit.notifier.attempts
        await kit.at(when)
        if kit.notifier.attempts > before:
            tries.append(when)
        when += timedelta(seconds=30)
    assert kit.notifier.sent and not [n for n in kit.bot.outbox.all()
                                      if n.state is NoticeState.FAILED]
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(tries)]
    assert max(gaps) <= 330  # the back-off is capped (the check runs every 30 s)
    assert all(n.state is NoticeState.SENT for n in kit.bot.outbox.all() if n.kind != "agenda")


async def test_a_notice_failing_for_seven_days_is_failed_and_reported() -> None:
    kit = Kit(oslo(2026, 11, 20, 8, 0))
    assert kit.propose().ok
    kit.notifier.broken[INGRID] = DeliveryError("http_500", permanent=False)
    day = oslo(2026, 11, 20, 8, 0)
    for hours in range(0, 7 * 24 + 2):
        await kit.at(day + timedelta(hours=hours))
    to_ingrid = [n for n in kit.bot.outbox.all() if n.target.person
                 and n.target.person.startswith("roster:ingrid")]
    assert [n.state for n in to_ingrid] == [NoticeState.FAILED]
    assert to_ingrid[0].last_error.startswith("gave up after 7 days")
    assert [s for s in kit.notifier.to(KARI) if "kom ikke fram" in s.message.title]


async def test_permanent_failure_is_recorded_and_reported_once() -> None:
    kit = await kit_with_channel(oslo(2026, 12, 1, 8, 0))
    kit.notifier.broken["C0SEMINAR"] = DeliveryError("channel_not_found", permanent=True)
    await kit.at(oslo(2026, 12, 1, 8, 55))
    await kit.at(oslo(2026, 12, 1, 8, 55, 1))  # the alert goes out
    await kit.at(oslo(2026, 12, 1, 9, 0))  # fails the same way: no second alert
    failed = [n for n in kit.bot.outbox.all() if n.state is NoticeState.FAILED]
    assert len(failed) == 2 and {n.last_error for n in failed} == {"channel_not_found"}
    alerts = [s for s in kit.notifier.sent if s.to == KARI]
    assert len(alerts) == 1
    assert alerts[0].message.title == "En melding fra ogpbot kom ikke fram"
    assert "Grunn: channel_not_found" in alerts[0].message.lines


async def test_no_channel_chosen_skips_with_reason() -> None:
    kit = Kit(oslo(2026, 12, 1, 8, 0))
    schedule_agenda(kit.bot)
    await kit.at(oslo(2026, 12, 1, 8, 55))
    heads_up = next(n for n in kit.bot.outbox.all() if n.key.endswith(":1:heads-up"))
    assert heads_up.state is NoticeState.SKIPPED
    assert "channel here" in heads_up.last_error
    await kit.at(oslo(2026, 12, 1, 8, 55, 1))
    await kit.at(oslo(2026, 12, 1, 9, 0))
    await kit.at(oslo(2026, 12, 1, 9, 0, 1))
    alerts = kit.notifier.to(KARI)
    assert len(alerts) == 1 and "Til: kunngjøringskanalen" in alerts[0].message.lines


async def test_the_running_dispatcher_wakes_for_a_newly_scheduled_notice() -> None:
    kit = await kit_with_channel(oslo(2026, 11, 30, 12, 0))
    await kit.dispatcher.start()
    try:
        # The next agenda notice is a day away on the fake clock: the dispatcher sleeps.
        await asyncio.sleep(0)
        assert kit.notifier.sent == []
        reply = await asyncio.to_thread(kit.propose)
        assert reply.ok
        await eventually(lambda: len(kit.notifier.sent) == 2, within=30)
        assert sorted(s.to for s in kit.notifier.sent) == [INGRID, KARI]
    finally:
        await kit.dispatcher.stop()


async def test_a_notice_stored_before_notices_were_work_is_still_sent(tmp_path: Path) -> None:
    """A pending notice with no `ready_at` (as stored by an older ogpbot) among others that
    have theirs: the dispatcher gives it one as it starts, and sends it with the rest."""
    store = TinyDBStore(tmp_path / "store.json")
    try:
        kit = Kit(oslo(2026, 12, 1, 8, 0), store=store)
        for n in range(3):
            kit.bot.outbox.schedule(Notice(
                f"old:{n}", Target("conversation", platform="slack", conversation="C0SEMINAR"),
                Reply(language="nb", title=f"Melding {n}"), oslo(2026, 12, 1, 8, 0), "agenda"))
        old = store.get("outbox", "old:1")
        assert old is not None
        del old[READY]
        store.put("outbox", "old:1", old)
        await kit.dispatcher.start()
        try:
            await eventually(lambda: len(kit.notifier.sent) == 3, within=30)
        finally:
            await kit.dispatcher.stop()
        assert sorted(s.message.title for s in kit.notifier.sent) == [
            "Melding 0", "Melding 1", "Melding 2"]
        assert {n.state for n in kit.bot.outbox.all()} == {NoticeState.SENT}
    finally:
        store.close()


async def test_a_person_not_reachable_yet_is_waited_for_not_skipped() -> None:
    kit = await meeting_kit(oslo(2026, 11, 30, 12, 0))
    kit.dispatcher.notifiers = {"teams": kit.notifier}  # Anders has only a Slack id
    assert kit.say(MINISTRY, "meet P-1 2026-12-03 10:00").ok
    assert await kit.at(oslo(2026, 11, 30, 12, 0)) == []
    invite = next(n for n in kit.bot.outbox.all() if ":invite:" in n.key)
    assert invite.state is NoticeState.PENDING and invite.waiting
    assert "not reachable" in invite.last_error
    # no alert about it: a person not reachable yet is common, not a fault
    assert not any(n.kind == "alert" for n in kit.bot.outbox.all())
    # Anders writes to the bot on Teams: his invitation goes at once, on the next round
    assert kit.bot.handle(Command(Speaker("teams", "29:anders", email=PROPOSER.email),
                                  Place("teams", "a:1", is_direct=True), words="status")).ok
    sent = await kit.at(oslo(2026, 11, 30, 12, 1))
    assert [s.to for s in sent] == ["29:anders"]
    assert "Bilateralt møte om P-1" in sent[0].message.title


async def test_a_platform_that_knows_the_email_reaches_the_person_at_once() -> None:
    kit = await meeting_kit(oslo(2026, 11, 30, 12, 0))
    kit.dispatcher.notifiers = {"teams": kit.notifier}
    kit.notifier.directory[PROPOSER.email] = "29:found"
    assert kit.say(MINISTRY, "meet P-1 2026-12-03 10:00").ok
    sent = await kit.at(oslo(2026, 11, 30, 12, 0))
    assert [s.to for s in sent] == ["29:found"]
    anders = kit.bot.records.person_by_platform("teams", "29:found")
    assert anders is not None and anders.email == PROPOSER.email


async def test_waiting_ends_when_the_notice_no_longer_matters() -> None:
    kit = await meeting_kit(oslo(2026, 11, 30, 12, 0))
    kit.dispatcher.notifiers = {"teams": kit.notifier}
    assert kit.say(MINISTRY, "meet P-1 2026-12-03 10:00").ok
    await kit.at(oslo(2026, 11, 30, 12, 0))
    await kit.at(oslo(2026, 12, 3, 10, 0))  # the meeting has begun: the invitation is stale
    invite = next(n for n in kit.bot.outbox.all() if ":invite:" in n.key)
    assert invite.state is NoticeState.SKIPPED


async def test_meetings_lists_time_place_and_the_other_side() -> None:
    kit = await meeting_kit(oslo(2026, 11, 30, 12, 0))
    assert kit.say(MINISTRY, "meet P-1 2026-12-03 10:00 Møterom 2").ok
    mine = kit.say(PROPOSER, "meetings").text
    assert ("torsdag 3. desember kl. 10:00 – P-1 Åpne innsynslogger – med "
            f"{organization(MINISTRY.org)}, Møterom 2") in mine
    theirs = kit.say(MINISTRY, "meetings").text
    assert f"with {PROPOSER.name} ({organization(PROPOSER.org)}), Møterom 2" in theirs


async def test_one_failing_write_does_not_take_the_others_in_its_group_with_it() -> None:
    from bot.notices.write_batch import WriteBatch

    kit = Kit(oslo(2026, 11, 30, 12, 0))
    journal = WriteBatch(kit.store)

    def good(n: int) -> int:
        kit.bot.records.set_setting(f"mark{n}", n)
        return n

    def bad() -> None:
        raise ValueError("a composer failed")

    results = await asyncio.gather(journal.run(lambda: good(1)), journal.run(bad),
                                   journal.run(lambda: good(2)), return_exceptions=True)
    assert results[0] == 1 and results[2] == 2 and isinstance(results[1], ValueError)
    assert kit.bot.records.setting("mark1") == 1 and kit.bot.records.setting("mark2") == 2


async def test_calendar_files_are_one_event_per_meeting_and_deployment() -> None:
    kit = await meeting_kit(oslo(2026, 11, 30, 12, 0))
    assert kit.say(MINISTRY, "meet P-1 2026-12-03 10:00 Møterom 2").ok
    [invite] = [s for s in await kit.at(oslo(2026, 11, 30, 12, 5)) if s.to == ANDERS]
    assert invite.attachment is not None
    calendar, event = event_of(invite.attachment.content)
    assert event["DTSTAMP"].dt == oslo(2026, 11, 30, 12, 5)  # when the file was made
    assert event["SEQUENCE"] == 0 and event["LOCATION"] == "Møterom 2"
    assert event.end == oslo(2026, 12, 3, 11, 0)
    assert str(event["ORGANIZER"].params["CN"]) == MINISTRY.name
    assert sorted(str(a.params["CN"]) for a in event["ATTENDEE"]) == sorted(
        [PROPOSER.name, MINISTRY.name])
    assert {str(a)[:9] for a in event["ATTENDEE"]} == {"urn:uuid:"}
    [zone] = calendar.walk("VTIMEZONE")
    assert zone["TZID"] == "Europe/Oslo"

    other = await meeting_kit(oslo(2026, 11, 30, 12, 0))  # another deployment, same meeting
    assert other.say(MINISTRY, "meet P-1 2026-12-03 10:00 Møterom 2").ok
    [theirs] = [s for s in await other.at(oslo(2026, 11, 30, 12, 5)) if s.to == ANDERS]
    assert theirs.attachment is not None
    assert event_of(theirs.attachment.content)[1]["UID"] != event["UID"]
    assert kit.bot.records.deployment_id() == kit.bot.records.deployment_id()


async def test_a_decision_cancels_a_meeting_ahead_for_those_who_were_invited() -> None:
    kit = await meeting_kit(oslo(2026, 11, 30, 12, 0))
    assert kit.say(MINISTRY, "meet P-1 2026-12-03 10:00").ok
    await kit.at(oslo(2026, 11, 30, 12, 0))  # both invitations go out
    [uid] = {event_of(s.attachment.content)[1]["UID"] for s in kit.notifier.sent
             if s.attachment}
    assert kit.say(COORDINATOR, "decide P-1 exclude Ikke i denne planen").ok
    sent = await kit.at(oslo(2026, 11, 30, 13, 0))
    cancels = {s.to: s for s in sent if s.attachment}
    assert sorted(cancels) == [ANDERS, INGRID]
    assert cancels[INGRID].message.title == (
        "Cancelled: bilateral meeting on P-1 Thursday 3 December at 10:00")
    for s in cancels.values():
        assert s.attachment is not None
        calendar, event = event_of(s.attachment.content)
        assert (calendar["METHOD"], event["STATUS"], event["UID"]) == (
            "CANCEL", "CANCELLED", uid)
        assert event["SEQUENCE"] == 1
    assert await kit.at(oslo(2026, 12, 3, 9, 0)) == []  # and no reminder after it

    # A meeting that has been held is not cancelled afterwards.
    held = await meeting_kit(oslo(2026, 11, 30, 12, 0))
    assert held.say(MINISTRY, "meet P-1 2026-12-03 10:00").ok
    await held.at(oslo(2026, 11, 30, 12, 0))
    assert held.say(MINISTRY, "report P-1 agreed Enige").ok
    held.clock.set(oslo(2026, 12, 4, 9, 0))
    assert held.say(COORDINATOR, "decide P-1 include").ok
    assert not [s for s in await held.at(oslo(2026, 12, 4, 9, 1)) if s.attachment]


async def test_no_cancellation_to_someone_whose_invitation_never_went_out() -> None:
    kit = await meeting_kit(oslo(2026, 11, 30, 12, 0))
    assert kit.say(MINISTRY, "meet P-1 2026-12-03 10:00").ok
    assert kit.say(PROPOSER, "withdraw P-1").ok  # before the dispatcher ran
    sent = await kit.at(oslo(2026, 11, 30, 12, 1))
    assert not [s for s in sent if s.attachment]
