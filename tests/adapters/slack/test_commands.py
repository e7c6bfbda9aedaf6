"""Slash commands, buttons, mentions, DMs and App Home through the real bolt app over HTTP."""

from __future__ import annotations

import json
from typing import Any

import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from tests.adapters.slack.conftest import (
    BOT_USER,
    EMILY,
    INGRID,
    JANE,
    KARI,
    MARTE,
    OLA,
    Workspace,
    told,
)
from tests.cast import NOBODY, Person
from tests.fakes.slack_signing import block_actions_payload

pytestmark = pytest.mark.asyncio(loop_scope="module")


def text_of(message: dict[str, Any]) -> str:
    """Everything a person can read in a message: the fallback and every block's text."""
    return message.get("text", "") + "\n" + json.dumps(message.get("blocks", []),
                                                       ensure_ascii=False)


def assert_valid_blocks(blocks: list[dict[str, Any]]) -> None:
    for raw in blocks:
        block = Block.parse(raw)
        assert block is not None, raw
        block.validate_json()


async def test_help_comes_back_ephemeral_in_the_persons_language(workspace: Workspace) -> None:
    await (workspace.send(KARI, "help").assert_replies(
        lambda heard: heard.raw["response_type"] == "ephemeral",
        lambda heard: "Hva du kan gjøre (koordinator)" in told(heard),
        lambda heard: "tables assign" in told(heard),  # a coordinator's own command
        lambda heard: assert_valid_blocks(heard.raw["blocks"]))
           .send(EMILY, "help").assert_replies(
        lambda heard: "What you can do (civil society)" in told(heard),
        lambda heard: "tables assign" not in told(heard)))


async def test_users_info_is_asked_once_with_locale(workspace: Workspace) -> None:
    for _ in range(2):
        _, rid = await workspace.command("agenda", INGRID)
        await workspace.responses(rid)
    asked = [c for c in workspace.fake.calls_to("users.info") if c.args["user"] == INGRID.slack_id]
    assert len(asked) == 1
    assert asked[0].args["include_locale"] in (True, "true", "1", 1)


async def test_a_person_slack_will_not_show_is_not_asked_for_at_every_line(
        workspace: Workspace) -> None:
    """Slack answering `users.info` with `user_not_found` says the same next time: the person is
    answered each time, and asked for once; a passing failure is asked again at the next line."""
    for _ in range(3):
        _, rid = await workspace.command("help", NOBODY)
        assert await workspace.responses(rid)  # answered, as someone Slack would not show
    asked = workspace.fake.calls_to("users.info")
    assert [c.args["user"] for c in asked].count(NOBODY.slack_id) == 1

    workspace.fake.add_user("U0PASSING", real_name="Per Passing", locale="nb-NO")
    workspace.fake.fail_method("users.info", "internal_error", count=1)
    for _ in range(2):
        _, rid = await workspace.command("help", Person("Per Passing", "", "", "U0PASSING",
                                                        "29:1-passing", ""))
        await workspace.responses(rid)
    asked = workspace.fake.calls_to("users.info")
    assert [c.args["user"] for c in asked].count("U0PASSING") == 2


async def test_status_slash_command_in_norwegian_and_english(workspace: Workspace) -> None:
    _, rid = await workspace.command("", OLA, command="/status")
    (nb,) = await workspace.responses(rid)
    assert "Du har ingen forslag ennå" in nb["text"]
    _, rid = await workspace.command("", JANE, command="/status")
    (en,) = await workspace.responses(rid)
    assert "You have no proposals yet" in en["text"]


async def test_unknown_word_gets_a_sentence_not_a_trace(workspace: Workspace) -> None:
    await workspace.send(JANE, "frobnicate P-1").assert_replies(
        lambda heard: "I don't understand “frobnicate”" in told(heard),
        lambda heard: "Traceback" not in told(heard))


async def test_observer_may_not_propose(workspace: Workspace) -> None:
    _, rid = await workspace.command("", MARTE, command="/propose")
    (nb,) = await workspace.responses(rid)
    assert "Som observatør kan du ikke bruke «propose»" in nb["text"]


async def test_button_sends_its_words(workspace: Workspace) -> None:
    rid = "button-help"
    payload = block_actions_payload("ogp_words:0", value="help", user_id=EMILY.slack_id,
                                    response_url=workspace.fake.response_url(rid))
    answer = await workspace.interact(payload)
    assert answer.status == 200
    (en,) = await workspace.responses(rid)
    assert "What you can do" in en["text"]


async def test_mention_in_a_channel_answers_ephemerally_once(workspace: Workspace) -> None:
    event = {"type": "app_mention", "user": EMILY.slack_id, "channel": "C0PLENARY",
             "text": f"<@{BOT_USER}> help", "ts": "1700000000.000100",
             "event_ts": "1700000000.000100"}
    assert (await workspace.event(event, event_id="Ev0MENTION1")).status == 200
    (sent,) = await workspace.sent("chat.postEphemeral",
                                   lambda c: c.args.get("user") == EMILY.slack_id)
    assert sent.args["channel"] == "C0PLENARY"
    assert "What you can do" in sent.args["text"]

    # Slack delivers the same event again: it is answered once.
    for retry in (1, 2):
        assert (await workspace.event(event, event_id="Ev0MENTION1", retry=retry)).status == 200
    _, rid = await workspace.command("agenda", EMILY)  # something later, to wait on
    await workspace.responses(rid)
    mine = [c for c in workspace.fake.calls_to("chat.postEphemeral")
            if c.args.get("user") == EMILY.slack_id]
    assert len(mine) == 1


async def test_mention_where_the_bot_cannot_answer_goes_by_dm(workspace: Workspace) -> None:
    workspace.fake.fail_channel("C0LOCKED", "not_in_channel")
    try:
        event = {"type": "app_mention", "user": JANE.slack_id, "channel": "C0LOCKED",
                 "text": f"<@{BOT_USER}> agenda", "ts": "1700000000.000200"}
        assert (await workspace.event(event)).status == 200
        (dm,) = await workspace.dms(JANE)
        assert "I could not answer you where you wrote" in dm["text"]
        assert "Agenda" in dm["text"]
    finally:
        workspace.fake.unfail_channel("C0LOCKED")


async def test_direct_message_is_answered_in_the_dm(workspace: Workspace) -> None:
    channel = workspace.fake.dm_channel(KARI.slack_id)
    event = {"type": "message", "channel_type": "im", "user": KARI.slack_id, "channel": channel,
             "text": "status", "ts": "1700000000.000300"}
    assert (await workspace.event(event)).status == 200
    (dm,) = await workspace.dms(KARI)
    assert "Alle forslag" in dm["text"] or "ingen forslag" in dm["text"]
    # The bot's own messages and edits are not commands.
    for other in ({**event, "bot_id": "B0OGPBOT1"}, {**event, "subtype": "message_changed"}):
        assert (await workspace.event(other)).status == 200
    _, rid = await workspace.command("agenda", KARI)
    await workspace.responses(rid)
    assert len(await workspace.dms(KARI)) == 1


async def test_app_home_is_published(workspace: Workspace) -> None:
    event = {"type": "app_home_opened", "user": EMILY.slack_id, "channel": "D0EMILYHOME",
             "tab": "home", "event_ts": "1700000000.000400"}
    assert (await workspace.event(event)).status == 200
    (published,) = await workspace.sent("views.publish",
                                        lambda c: c.args.get("user_id") == EMILY.slack_id)
    assert published.ok
    view = published.args["view"]
    View(**view).validate_json()
    shown = json.dumps(view, ensure_ascii=False)
    assert "You have no proposals yet" in shown or "Your proposals" in shown
    assert "Agenda" in shown and "bilateral meetings" in shown
