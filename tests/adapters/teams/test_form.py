"""`propose` in Teams: the Adaptive Card form, its submit as the activity's `value`, a refused
submit shown again with the typed values and each problem at its field, an accepted one."""

from __future__ import annotations

from typing import Any

import pytest

from bot.i18n.catalogue import t
from tests.adapters.teams.conftest import DM_OLA, OLA, Bench, card_of, inputs, texts
from tests.adapters.teams.schema_check import assert_valid_card
from tests.fakes.bf_connector import PostedActivity

pytestmark = pytest.mark.asyncio
FIELD_IDS = ["title", "problem", "description", "goal", "results", "values", "area", "ministry",
             "milestones", "organization"]


async def open_form(bench: Bench) -> tuple[PostedActivity, dict[str, Any]]:
    posted = await bench.say("propose", user=OLA, conversation=DM_OLA)
    card = card_of(posted)
    assert_valid_card(card)
    return posted, card


def submit(card: dict[str, Any], **typed: str) -> dict[str, Any]:
    [action] = card["actions"]
    return {**action["data"], **typed}


def put_to(bench: Bench, activity_id: str) -> dict[str, Any]:
    [call] = bench.fake.calls_to(f"/activities/{activity_id}", "PUT")
    assert call.status == 200
    return call.json


async def test_propose_answers_with_the_form(bench: Bench) -> None:
    _, card = await open_form(bench)

    fields = inputs(card)
    assert list(fields) == FIELD_IDS  # Ola is not on the roster: he names his organisation
    assert fields["values"]["type"] == "Input.ChoiceSet"
    assert fields["values"]["isMultiSelect"] is True
    assert [c["value"] for c in fields["values"]["choices"]] == [
        "transparency", "participation", "accountability"]
    assert fields["area"]["type"] == "Input.ChoiceSet"
    assert "isMultiSelect" not in fields["area"]
    assert {c["value"] for c in fields["area"]["choices"]} >= {"apne-data", "innsyn"}
    assert "kmd" in {c["value"] for c in fields["ministry"]["choices"]}
    assert fields["problem"]["isMultiline"] is True
    assert fields["milestones"]["isRequired"] is False
    [action] = card["actions"]
    assert action["type"] == "Action.Submit"
    assert action["data"]["ogpbot"] == "form" and action["data"]["form"] == "propose"
    assert action["data"]["nonce"]


async def test_a_refused_submit_comes_back_with_values_and_problems(bench: Bench) -> None:
    posted, card = await open_form(bench)
    value = submit(card, title="Open budgets **now**", problem="", description="Publish them",
                   values="transparency,accountability", area="", ministry="kmd",
                   milestones="someday soon", organization="Frivillig forum")

    status = await bench.post(bench.activity(None, user=OLA, conversation=DM_OLA, value=value,
                                             reply_to=posted.id))
    assert status == 201

    updated = put_to(bench, posted.id)
    again = card_of(updated)
    assert_valid_card(again)
    fields = inputs(again)
    assert fields["title"]["value"] == "Open budgets **now**"
    assert fields["values"]["value"] == "transparency,accountability"
    assert fields["ministry"]["value"] == "kmd"
    assert fields["organization"]["value"] == "Frivillig forum"
    body = again["body"]
    ids = [e.get("id") for e in body]

    def after(field: str) -> list[str]:
        """The texts between a field's input and the next input."""
        start = ids.index(field) + 1
        end = next((i for i in range(start, len(body)) if "id" in body[i]), len(body))
        return texts({"body": body[start:end]})

    assert t("en", "propose.missing", field=t("en", "propose.problem")) in after("problem")
    assert t("en", "propose.missing", field=t("en", "propose.area")) in after("area")
    assert t("en", "propose.bad_milestone", text="someday soon") in after("milestones")
    assert not any("Please" in line for line in after("title"))
    assert bench.runtime.bot.records.proposals() == []
    # the same card, not a new message
    assert len(bench.fake.activities()) == 1


async def test_an_accepted_submit_registers_once(bench: Bench) -> None:
    posted, card = await open_form(bench)
    value = submit(card, title="Open budgets", problem="Hard to read", description="Publish",
                   values="transparency,participation", area="apne-data", ministry="kmd",
                   milestones="2027-06-01 First budgets out", organization="Frivillig forum")
    submit_activity = bench.activity(None, user=OLA, conversation=DM_OLA, value=value,
                                     reply_to=posted.id)
    assert await bench.post(submit_activity) == 201

    done = card_of(put_to(bench, posted.id))
    assert_valid_card(done)
    assert texts(done)[0] == t("en", "propose.done", ref="P-1")
    [proposal] = bench.runtime.bot.records.proposals()
    assert proposal.values == ("transparency", "participation")
    assert proposal.organization == "Frivillig forum"
    assert [m.text for m in proposal.milestones] == ["First budgets out"]

    # the same card pressed again (a double click, a retried delivery): nothing twice
    again = bench.activity(None, user=OLA, conversation=DM_OLA, value=value, reply_to=posted.id)
    assert await bench.post(again) == 201
    assert len(bench.runtime.bot.records.proposals()) == 1
    assert len(bench.fake.calls_to(f"/activities/{posted.id}", "PUT")) == 1


async def test_a_card_that_cannot_be_updated_is_answered_anew(bench: Bench) -> None:
    _, card = await open_form(bench)
    value = submit(card, title="Open budgets", problem="", description="Publish",
                   values="transparency", area="apne-data", ministry="kmd")
    # the submit names a card message the connector does not know (deleted, or very old)
    status = await bench.post(bench.activity(None, user=OLA, conversation=DM_OLA, value=value,
                                             reply_to="1767225000000"))
    assert status == 201
    [_, again] = await bench.fake.wait_for_activities(2)
    fields = inputs(card_of(again))
    assert fields["title"]["value"] == "Open budgets"
