"""Digests of new proposals, on the bot's fake clock with a recording notifier: one notice per
reader and quiet period, written when it goes out in the language its reader reads then, drawn
as Block Kit, an Adaptive Card and text; withdrawn proposals left out; a digest whose send is in
doubt takes no more proposals, so none is told twice."""

from __future__ import annotations

from datetime import timedelta

import pytest

from adapters.slack.blocks import reply_blocks
from adapters.teams.cards import reply_card
from bot.core.notice import NoticeState
from bot.core.seminar import parse_seminar
from tests.notice_kit import COORDINATOR, MINISTRY, PROPOSER, Kit, oslo, seminar_data

pytestmark = pytest.mark.asyncio

NOW = oslo(2026, 11, 30, 12, 0)
WINDOW = timedelta(minutes=10)


def digesting() -> Kit:
    """The notice kit's bot, gathering new proposals for `WINDOW`."""
    return Kit(NOW, seminar=parse_seminar(seminar_data(digest_minutes=10)))


def digests(kit: Kit) -> dict[str, list[int]]:
    """Each digest still to be sent: its key and the proposals it lists."""
    return {n.key: list(n.say.values["proposals"]) for n in kit.bot.outbox.all()
            if n.key.startswith("digest:") and n.say is not None
            and n.state is NoticeState.PENDING}


async def test_proposals_within_the_window_are_one_message_in_each_readers_language() -> None:
    kit = digesting()
    for n in range(1, 4):
        assert kit.propose(f"Åpent register {n}").ok
        kit.clock.advance(timedelta(minutes=3))
    assert sorted(digests(kit).values()) == [[1, 2, 3], [1, 2, 3]]  # Kari and Ingrid
    assert await kit.at(NOW + WINDOW - timedelta(seconds=1)) == []
    assert kit.say(COORDINATOR, "language nn").ok  # after the digest was begun
    sent = await kit.at(NOW + WINDOW)
    kari, ingrid = kit.notifier.to(COORDINATOR.slack_id), kit.notifier.to(MINISTRY.slack_id)
    assert len(sent) == 2 and len(kari) == len(ingrid) == 1
    nn, en = kari[0].message, ingrid[0].message
    assert nn.language == "nn" and nn.title == "3 nye forslag"
    assert nn.lines[0] == ("P-1 Åpent register 1 – frå Transparency International Norge, til "
                           "Justis- og beredskapsdepartementet "
                           "https://ogp.example.org/proposals/P-1?lang=nn")
    assert nn.lines[-1] == "Skriv til dømes «status P-3» for å sjå eitt av dei."
    assert en.language == "en" and en.title == "3 new proposals"
    assert en.lines[2].startswith("P-3 Åpent register 3 – from Transparency International "
                                  "Norge, for ")
    assert [a.words for a in en.actions] == ["status P-1", "status P-2", "status P-3"]
    # drawn like every message: Block Kit, an Adaptive Card, text
    blocks = reply_blocks(nn)
    assert [e["value"] for b in blocks if b["type"] == "actions" for e in b["elements"]] == \
        ["status P-1", "status P-2", "status P-3"]
    card = reply_card(en)
    assert [a["data"]["words"] for a in card["actions"]] == \
        ["status P-1", "status P-2", "status P-3"]
    assert "P-2 Åpent register 2" in en.text
    # the next proposal starts the next digest, due a whole window after it
    assert kit.propose("Åpent register 4").ok
    assert sorted(digests(kit).values()) == [[4], [4]]
    assert await kit.at(NOW + 2 * WINDOW - timedelta(seconds=1)) == []
    later = kit.clock.now() + WINDOW
    (alone, _) = await kit.at(later)
    assert alone.message.title in ("Nytt forslag P-4: Åpent register 4",
                                   "New proposal P-4: Åpent register 4")
    assert not digests(kit)


async def test_withdrawn_proposals_are_left_out_and_a_digest_of_none_is_not_sent() -> None:
    kit = digesting()
    for n in range(1, 4):
        assert kit.propose(f"Åpent register {n}").ok
    assert kit.say(PROPOSER, "withdraw P-2").ok
    sent = await kit.at(NOW + WINDOW)
    (kari,) = [s.message for s in sent
               if s.to == COORDINATOR.slack_id and s.key.startswith("digest:")]
    assert kari.title == "2 nye forslag" and "P-2" not in kari.text
    assert kit.propose("Åpent register 4").ok
    assert kit.say(PROPOSER, "withdraw P-4").ok
    assert not [s for s in await kit.at(NOW + 3 * WINDOW) if s.key.startswith("digest:")]
    skipped = [n for n in kit.bot.outbox.all() if n.key.startswith("digest:P-4:")]
    assert skipped and all(n.state is NoticeState.SKIPPED for n in skipped)


async def test_a_digest_whose_send_is_in_doubt_takes_no_more_proposals() -> None:
    kit = digesting()
    kit.notifier.can_check = True  # like Slack: it can tell whether a send arrived
    assert kit.propose("Åpent register 1").ok
    assert kit.propose("Åpent register 2").ok
    kit.notifier.lose_answers(2)  # both digests arrive, but their answers never come back
    await kit.at(NOW + WINDOW)
    assert len(kit.notifier.sent) == 2
    in_doubt = [n for n in kit.bot.outbox.all() if n.key.startswith("digest:")]
    assert all(n.state is NoticeState.PENDING and n.in_doubt for n in in_doubt)
    assert kit.propose("Åpent register 3").ok  # goes into a new digest, not the one in doubt
    assert sorted(digests(kit).values()) == [[1, 2], [1, 2], [3], [3]]
    await kit.at(NOW + WINDOW + timedelta(minutes=5))  # looked for, found: not sent again
    await kit.at(NOW + 2 * WINDOW)
    kari = [s.message for s in kit.notifier.to(COORDINATOR.slack_id)]
    assert [m.title for m in kari] == ["2 nye forslag", "Nytt forslag P-3: Åpent register 3"]
    assert "P-3" not in kari[0].text
    assert all(n.state is NoticeState.SENT for n in kit.bot.outbox.all()
               if n.key.startswith("digest:"))
    assert len(kit.notifier.sent) == 4  # two digests each for Kari and Ingrid, none again


async def test_digest_minutes_0_tells_each_proposal_at_once() -> None:
    kit = Kit(NOW)  # the kit's seminar tells each new proposal at once
    for n in range(1, 4):
        assert kit.propose(f"Åpent register {n}").ok
    sent = await kit.at(NOW)
    assert [s.message.title for s in sent if s.to == COORDINATOR.slack_id] == [
        f"Nytt forslag P-{n}: Åpent register {n}" for n in range(1, 4)]
    assert not digests(kit)
