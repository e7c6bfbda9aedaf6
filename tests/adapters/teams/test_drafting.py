"""Refining a proposal in Teams, through the real CloudAdapter and the fake connector: `edit`
answers with the proposal's own card form, filled in; a submit based on an older version comes
back as the same card with the newer text above and the person's own text in the inputs; one
field in a line; milestones and notes; a follower's new-version message."""

from __future__ import annotations

from typing import Any

import pytest

from bot.i18n.catalogue import LANGUAGES, t
from tests.adapters.teams.conftest import DM_KARI, DM_OLA, OLA, Bench, card_of, inputs, texts
from tests.adapters.teams.schema_check import assert_valid_card
from tests.fakes.bf_connector import PostedActivity

pytestmark = pytest.mark.asyncio
LINE = ("propose Open lobbying register | Nobody can see who meets ministers | Publish every "
        "meeting in an open register | transparency | innsyn | jd")


def put_to(bench: Bench, activity_id: str, n: int = 1) -> dict[str, Any]:
    calls = bench.fake.calls_to(f"/activities/{activity_id}", "PUT")
    assert len(calls) == n and calls[-1].status == 200
    return calls[-1].json


def values_of(card: dict[str, Any]) -> dict[str, str]:
    return {k: v.get("value", "") for k, v in inputs(card).items()}


async def message_to(bench: Bench, conversation: str, key: str, **values: Any
                     ) -> tuple[str, list[str]]:
    """The language and the texts of the one message to `conversation` whose card starts with
    the sentence `key` (in any language), once the dispatcher has sent it."""
    titles = {t(lang, key, **values): lang for lang in LANGUAGES}
    while True:
        found = [(titles[texts(card_of(p))[0]], texts(card_of(p)))
                 for p in bench.fake.activities_to(conversation)
                 if texts(card_of(p))[0] in titles]
        if found:
            (lines,) = found
            return lines
        await bench.fake.wait_for_activities(len(bench.fake.activities()) + 1, within=30)


async def submit(bench: Bench, posted: PostedActivity, card: dict[str, Any],
                 **typed: str) -> None:
    [action] = card["actions"]
    value = {**action["data"], **values_of(card), **typed}
    status = await bench.post(bench.activity(None, user=OLA, conversation=DM_OLA, value=value,
                                             reply_to=posted.id))
    assert status == 201


async def test_the_edit_card_a_stale_submit_and_a_followers_message(bench: Bench) -> None:
    assert "P-1" in texts(card_of(await bench.say(LINE, user=OLA, conversation=DM_OLA)))[0]
    assert "You now follow P-1" in " ".join(texts(card_of(await bench.say("follow P-1"))))

    posted = await bench.say("edit P-1", user=OLA, conversation=DM_OLA)
    card = card_of(posted)
    assert_valid_card(card)
    assert texts(card)[0] == "Edit P-1"
    assert values_of(card) == {"title": "Open lobbying register",
                               "problem": "Nobody can see who meets ministers",
                               "description": "Publish every meeting in an open register",
                               "goal": "", "results": ""}
    [action] = card["actions"]
    assert action["data"]["form"] == "edit"
    assert action["data"]["hidden"] == {"proposal": "P-1", "base": "1"}

    # The coordinator saves a goal in one line while Ola's card is still open.
    saved = texts(card_of(await bench.say("edit P-1 goal Every meeting public in a week")))
    assert "P-1 is saved as version 2." in saved[0]

    await submit(bench, posted, card, goal="All meetings **open**", results="A register")
    again = card_of(put_to(bench, posted.id))
    assert_valid_card(again)
    shown = texts(again)
    assert "Not saved: P-1 was changed meanwhile" in shown
    assert "Goal: Every meeting public in a week" in shown
    assert values_of(again)["goal"] == "All meetings **open**"  # his own text, kept
    assert values_of(again)["results"] == "A register"
    assert again["actions"][0]["data"]["hidden"]["base"] == "2"
    p1 = bench.runtime.bot.records.proposal(1)
    assert p1 is not None and p1.version == 2

    # Submitted from the card it got back: version 3; the coordinator, who follows, is told.
    await submit(bench, posted, again)
    done = card_of(put_to(bench, posted.id, 2))
    assert_valid_card(done)
    assert texts(done)[0] == "P-1 is saved as version 3."
    p1 = bench.runtime.bot.records.proposal(1)
    assert p1 is not None and p1.goal == "All meetings **open**"
    lang, _ = await message_to(bench, DM_KARI, "versions.notice_title", ref="P-1",
                                   version=3, title="Open lobbying register")
    # Teams' own marks: a struck-through run for what went, a bold one for what came, each
    # a literal text (the ** typed into the goal stays as typed)
    (told,) = [card_of(p) for p in bench.fake.activities_to(DM_KARI)
               if texts(card_of(p))[0] == t(lang, "versions.notice_title", ref="P-1",
                                            version=3, title="Open lobbying register")]
    runs = [run for block in told["body"] if block["type"] == "RichTextBlock"
            for run in block["inlines"]]
    assert {"type": "TextRun", "text": t(lang, "propose.goal") + ": ", "weight": "Bolder"} in runs
    assert {"type": "TextRun", "text": "Every meeting public in a week",
            "strikethrough": True} in runs
    assert {"type": "TextRun", "text": "All meetings **open**", "weight": "Bolder"} in runs


async def test_milestones_and_notes_in_teams(bench: Bench) -> None:
    await bench.say(LINE, user=OLA, conversation=DM_OLA)
    added = texts(card_of(await bench.say("milestone P-1 add 2027-01-01 2027-06-30 Pilot")))
    assert "1. 1 January – 30 June 2027: Pilot" in added
    refused = texts(card_of(await bench.say("milestone P-1 done 1", user=OLA,
                                            conversation=DM_OLA)))
    assert any("responsibility" in line or "ansvar" in line for line in refused), refused
    noted = texts(card_of(await bench.say("note P-1 The table wants municipalities in",
                                          user=OLA, conversation=DM_OLA)))
    assert "The note is kept with P-1 (note 1)." in noted
    card = texts(card_of(await bench.say("status P-1")))
    assert "Notes from the table:" in card
    assert any("The table wants municipalities in" in line for line in card)
