"""Invokes that ogpbot does not act on get a 200 that their Teams client understands, in the
person's language (never the 501 that Teams shows as an error); messages from bots (another
app's, the bot's own) get no answer and leave nothing behind. Through the real CloudAdapter,
with each activity signed as the channel signs it."""

from __future__ import annotations

from typing import Any

import pytest

from bot.i18n.catalogue import t
from tests.adapters.teams.conftest import BOT, DM_OLA, OLA, Bench, card_of, texts

pytestmark = pytest.mark.asyncio

OTHER_BOT = {"id": "28:9f1d0c3e-aaaa-4bbb-8ccc-dddddddddddd", "name": "Workflows",
             "role": "bot"}


def invoke(bench: Bench, name: str, value: Any, **extra: Any) -> dict[str, Any]:
    """An invoke activity as Teams sends it (shapes from Microsoft's documentation of each)."""
    body = bench.activity(None, user=OLA, conversation=DM_OLA, **extra)
    body.update(type="invoke", name=name, value=value)
    return body


async def answer(bench: Bench, body: dict[str, Any]) -> tuple[int, Any]:
    async with bench.http.post(bench.url + "/api/messages", json=body,
                               headers=bench.signed(body)) as response:
        status = response.status
        payload = await response.json() if response.content_length else None
    await bench.settle()
    return status, payload


EXECUTE = {"action": {"type": "Action.Execute", "id": "a1", "verb": "approve",
                      "data": {"proposal": "P-1"}}, "trigger": "manual"}
QUERY = {"commandId": "search", "parameters": [{"name": "query", "value": "open data"}],
         "queryOptions": {"skip": 0, "count": 25}}
FETCH = {"commandId": "createProposal", "commandContext": "compose", "context": {"theme": "dark"}}
SUBMIT = {"commandId": "createProposal", "commandContext": "compose",
          "data": {"title": "Open budgets"}}
TASK = {"data": {"type": "task/fetch"}, "context": {"theme": "default"}}


@pytest.mark.parametrize(("name", "value", "shown"), [
    ("adaptiveCard/action", EXECUTE, lambda body: body["value"]),
    ("composeExtension/query", QUERY, lambda body: body["composeExtension"]["text"]),
    ("composeExtension/queryLink", {"url": "https://example.org/x"},
     lambda body: body["composeExtension"]["text"]),
    ("composeExtension/selectItem", {"id": "1"}, lambda body: body["composeExtension"]["text"]),
    ("composeExtension/fetchTask", FETCH, lambda body: body["task"]["value"]),
    ("composeExtension/submitAction", SUBMIT, lambda body: body["task"]["value"]),
    ("task/fetch", TASK, lambda body: body["task"]["value"]),
    ("task/submit", TASK, lambda body: body["task"]["value"]),
])
async def test_an_invoke_that_shows_something_says_so_in_the_persons_language(
        bench: Bench, name: str, value: Any, shown: Any) -> None:
    status, body = await answer(bench, invoke(bench, name, value, locale="nn-NO"))
    assert status == 200
    assert shown(body) == t("nn", "teams.invoke_unsupported")
    if name == "adaptiveCard/action":
        assert body["statusCode"] == 200
        assert body["type"] == "application/vnd.microsoft.activity.message"
    elif "task" in body:
        assert body["task"]["type"] == "message"
    else:
        assert body["composeExtension"]["type"] == "message"
    assert bench.fake.activities() == []  # answered in the response, nothing posted


@pytest.mark.parametrize(("name", "value"), [
    ("signin/verifyState", {"state": "123456"}),
    ("signin/tokenExchange", {"id": "x", "connectionName": "c", "token": "t"}),
    ("fileConsent/invoke", {"type": "fileUpload", "action": "accept", "context": {}}),
    ("composeExtension/setting", {"state": "ok"}),
    ("message/submitAction", {"actionName": "feedback", "actionValue": {"reaction": "like"}}),
    ("actionableMessage/executeAction", {"body": "{}", "actionId": "x"}),
    ("config/fetch", {}),
    ("someFeature/notInventedYet", None),
    (None, None),
])
async def test_an_invoke_nothing_is_shown_for_gets_a_bare_200(bench: Bench, name: str | None,
                                                              value: Any) -> None:
    body = invoke(bench, "x", value)
    if name is None:
        del body["name"]
    else:
        body["name"] = name
    status, _ = await answer(bench, body)
    assert status == 200
    assert bench.fake.activities() == []


async def test_teams_health_check_is_told_the_bot_is_well(bench: Bench) -> None:
    status, body = await answer(bench, invoke(bench, "healthCheck", {}))
    assert (status, body) == (200, {"healthResults": {"success": True}})


async def test_a_card_action_speaks_the_language_the_person_chose(bench: Bench) -> None:
    await bench.say("language nn", user=OLA, conversation=DM_OLA, locale="en-US")
    status, body = await answer(bench, invoke(bench, "adaptiveCard/action", EXECUTE,
                                              locale="en-US"))
    assert status == 200 and body["value"] == t("nn", "teams.invoke_unsupported")


async def test_an_invoke_changes_nothing(bench: Bench) -> None:
    before = (bench.runtime.bot.records.proposals(), bench.runtime.store.all("inbox"))
    await answer(bench, invoke(bench, "composeExtension/submitAction", SUBMIT))
    assert (bench.runtime.bot.records.proposals(), bench.runtime.store.all("inbox")) == before


@pytest.mark.parametrize("sender", [
    OTHER_BOT,  # another app's bot, marked as one
    {"id": "28:0c9d8e7f-1234-4567-89ab-cdef01234567", "name": "Polly"},  # a bot's id, no role
    BOT,  # the bot's own message
], ids=["another-bot", "a-bot-id", "itself"])
async def test_a_message_from_a_bot_gets_no_answer_and_leaves_nothing(
        bench: Bench, sender: dict[str, Any]) -> None:
    people = len(bench.runtime.bot.records.people())
    for text in ("help", "propose A | B | C | transparency | apne-data | kmd"):
        status = await bench.post(bench.activity(text, user=sender, conversation=DM_OLA))
        assert status in (200, 201)
    assert bench.fake.activities() == []
    assert len(bench.runtime.bot.records.people()) == people
    assert bench.runtime.bot.records.proposals() == []
    assert bench.runtime.store.all("inbox") == []
    # a person in the same conversation is answered as before
    posted = await bench.say("help", user=OLA, conversation=DM_OLA)
    assert texts(card_of(posted))[0] == t("en", "help.title",
                                          role=t("en", "role.civil_society"))
