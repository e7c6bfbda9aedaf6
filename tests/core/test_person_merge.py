"""A person first met without their profile (the platform's lookup failed) is stored as civil
society under their platform id; once a later lookup or the roster shows who they are, they
become that person: the role, their proposals, their notices and their seat follow."""

from __future__ import annotations

from dataclasses import replace

from bot.app.frontdoor import OgpBot
from bot.core.command import Command, Place, Speaker
from bot.core.notice import Notice, NoticeState, Target
from bot.core.reply import Reply
from bot.core.seminar import RosterPerson
from bot.process.tables import CHART_SETTING, SeatingChart, Table
from tests import cast
from tests.chat import COORDINATOR, LINE, OUTSIDER, Chat

KARI_SLACK = cast.KARI.slack_id


def as_slack(chat: Chat, words: str, email: str | None, user_id: str = KARI_SLACK) -> Reply:
    speaker = Speaker("slack", user_id, name="", email=email)
    return chat.bot.handle(Command(speaker, Place("slack", "C0SEMINAR", name="seminar"),
                                   words=words))


def test_a_coordinator_whose_first_lookup_failed_gets_their_role_later() -> None:
    chat = Chat()
    refused = as_slack(chat, "channel here", email=None)  # users.info failed: no email
    assert not refused.ok and "sivilt samfunn" in refused.text
    proposed = as_slack(chat, f"propose {LINE}", email=None)
    assert proposed.ok
    stranger = chat.bot.records.person_by_platform("slack", KARI_SLACK)
    assert stranger is not None and stranger.key == f"slack:{KARI_SLACK}"
    chat.bot.outbox.schedule(Notice("test:later", Target.to_person(stranger.key),
                                    Reply(language="nb", title="Senere"), chat.clock.now(),
                                    "test"))
    chat.bot.records.set_setting(CHART_SETTING, SeatingChart(
        (Table(1, "innsyn", (1,), (stranger.key,)),), chat.clock.now().isoformat()).to_dict())

    assert as_slack(chat, "channel here", email=COORDINATOR).ok  # the lookup works now

    kari = chat.bot.records.person_by_platform("slack", KARI_SLACK)
    assert kari is not None and kari.key == f"roster:{COORDINATOR}"
    assert kari.role.value == "coordinator" and kari.name == "Kari Nordmann"
    assert [p.key for p in chat.bot.records.people() if "slack" in p.platform_ids
            and p.platform_ids["slack"] == KARI_SLACK] == [kari.key]
    proposal = chat.bot.records.proposal(1)
    assert proposal is not None
    assert (proposal.proposer, proposal.proposer_name) == (kari.key, "Kari Nordmann")
    assert proposal.organization == chat.seminar.org_name("kmd")
    assert proposal.organization_key == "kmd"
    assert {h.actor for h in proposal.history} == {kari.key}
    later = chat.bot.outbox.get("test:later")
    assert later is not None and later.target.person == kari.key
    assert later.state is NoticeState.PENDING
    plan = chat.bot.records.setting(CHART_SETTING)
    assert plan["tables"][0]["people"] == [kari.key]
    status = as_slack(chat, "status", email=COORDINATOR)
    assert "P-1" in status.text


def test_someone_the_roster_lists_later_becomes_that_roster_person() -> None:
    chat = Chat()
    assert chat.say(OUTSIDER, f"propose {LINE} | Siris forening").ok
    assert not chat.say(OUTSIDER, "channel here").ok
    listed = replace(chat.seminar, people=(*chat.seminar.people, RosterPerson(
        name="Siri Sand", org="kmd", email=OUTSIDER)))
    bot = OgpBot(listed, chat.store, chat.clock)  # the next start, with the new roster
    siri = bot.records.person_by_email(OUTSIDER)
    assert siri is not None and siri.on_roster and siri.role.value == "coordinator"
    assert [p.key for p in bot.records.people() if p.email == OUTSIDER] == [siri.key]
    proposal = bot.records.proposal(1)
    assert proposal is not None and proposal.proposer == siri.key
    assert proposal.organization == "Siris forening"  # the organisation they named stays
    chat.bot = bot
    assert chat.say(OUTSIDER, "channel here").ok


def test_a_roster_platform_id_added_later_joins_the_person_met_without_email() -> None:
    chat = Chat()
    assert as_slack(chat, f"propose {LINE}", email=None, user_id=cast.PER.slack_id).ok
    people = tuple(replace(p, slack_id=cast.PER.slack_id) if p.email == cast.PER.email else p
                   for p in chat.seminar.people)
    bot = OgpBot(replace(chat.seminar, people=people), chat.store, chat.clock)
    per = bot.records.person_by_platform("slack", cast.PER.slack_id)
    assert per is not None and per.key == f"roster:{cast.PER.email}"
    proposal = bot.records.proposal(1)
    assert proposal is not None and proposal.proposer == per.key
    assert proposal.proposer_name == "Per Hansen"
    assert bot.records.person(f"slack:{cast.PER.slack_id}") is None


def test_a_roster_person_named_by_member_id_is_not_another_slack_account_with_their_email(
        ) -> None:
    """Per is named by his Slack member id; another account showing his address (another
    workspace's admin could have typed it) stays whoever it is, now and after a restart."""
    chat = Chat()
    per_email = cast.PER.email
    people = tuple(replace(p, slack_id=cast.PER.slack_id) if p.email == per_email else p
                   for p in chat.seminar.people)
    pinned = replace(chat.seminar, people=people)
    chat.bot = OgpBot(pinned, chat.store, chat.clock)
    assert as_slack(chat, "status", email=per_email, user_id="U0OTHER").ok
    other = chat.bot.records.person_by_platform("slack", "U0OTHER")
    assert other is not None and not other.on_roster and other.email is None
    per = chat.bot.records.person_by_email(per_email)
    assert per is not None and per.platform_ids["slack"] == cast.PER.slack_id
    assert as_slack(chat, "status", email=None, user_id=cast.PER.slack_id).ok
    found = chat.bot.records.person_by_platform("slack", cast.PER.slack_id)
    assert found is not None and found.key == per.key


def test_an_account_met_with_an_address_is_not_taken_in_by_a_roster_naming_another_id(
        ) -> None:
    """Someone wrote with Per's address before the roster listed Per; the roster then names
    Per by another member id: at the next start that account stays apart."""
    per_email = cast.PER.email
    first = Chat()
    unlisted = replace(first.seminar, people=tuple(p for p in first.seminar.people
                                                   if p.email != per_email))
    chat = Chat(seminar=unlisted)
    assert as_slack(chat, f"propose {LINE}", email=per_email, user_id="U0OTHER").ok
    people = tuple(replace(p, slack_id=cast.PER.slack_id) if p.email == per_email else p
                   for p in first.seminar.people)
    bot = OgpBot(replace(first.seminar, people=people), chat.store, chat.clock)
    other = bot.records.person_by_platform("slack", "U0OTHER")
    assert other is not None and other.key == "slack:U0OTHER" and not other.on_roster
    proposal = bot.records.proposal(1)
    assert proposal is not None and proposal.proposer == other.key
    assert other.email is None  # the address names Per alone
    per = bot.records.person_by_email(per_email)
    assert per is not None and per.on_roster and per.platform_ids == {"slack": cast.PER.slack_id}
