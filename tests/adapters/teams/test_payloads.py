"""Activities as Teams sends them, each driven through the real server and botbuilder's
CloudAdapter with the channel's token: the payloads under `payloads/` follow the shapes of
Microsoft's documentation (a message in a personal chat and in a channel with the bot's
@mention, a card's Action.Submit, a guest's message in a meeting chat, the bot installed for
someone, a member added to a team, an installation update, a Universal Action invoke, a
reaction), with made-up ids; only `serviceUrl` is set to the fake connector's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.core.reach import Reach
from bot.i18n.catalogue import t
from tests.adapters.teams.conftest import KARI_EMAIL, TENANT, Bench, card_of, texts

PAYLOADS = Path(__file__).parent / "payloads"


def payload(bench: Bench, name: str) -> dict[str, Any]:
    """A recorded activity, sent to this bench's connector."""
    body: dict[str, Any] = json.loads((PAYLOADS / name).read_text(encoding="utf-8"))
    assert body["serviceUrl"].startswith("https://smba.trafficmanager.net/")
    assert body["conversation"]["tenantId"] == TENANT
    return {**body, "serviceUrl": bench.fake.url}


async def answer_to(bench: Bench, body: dict[str, Any]) -> Any:
    """Post `body`; the one message the bot answered it with."""
    assert await bench.post(body) in (200, 201)

    def answers() -> list[Any]:
        return [p for p in bench.fake.activities() if p.reply_to_id == body["id"]]

    await bench.fake.wait_until(lambda: bool(answers()))
    (answer,) = answers()
    return answer


def helped_as(language: str, role: str) -> str:
    return t(language, "help.title", role=t(language, f"role.{role}"))


def every_payload() -> list[str]:
    return sorted(p.name for p in PAYLOADS.glob("*.json"))


def test_every_payload_is_driven_by_a_test_here() -> None:
    source = Path(__file__).read_text(encoding="utf-8")
    assert every_payload(), "no payloads recorded"
    assert [n for n in every_payload() if f'"{n}"' not in source] == []


@pytest.mark.asyncio
async def test_a_message_in_a_personal_chat_is_answered_in_the_clients_language(
        bench: Bench) -> None:
    body = payload(bench, "message_personal.json")
    posted = await answer_to(bench, body)
    # "hjelp" from Kari's phone in bokmål: she is the coordinator (the connector gives her
    # e-mail), answered in bokmål, in her chat with the bot
    assert texts(card_of(posted))[0] == helped_as("nb", "coordinator")
    assert posted.conversation_id == body["conversation"]["id"]


@pytest.mark.asyncio
async def test_a_channel_message_that_mentions_the_bot_is_answered_in_its_thread(
        bench: Bench) -> None:
    body = payload(bench, "message_channel_mention.json")
    # the connector's member lookup (botbuilder asks it in the conversation): Kari's e-mail
    bench.fake.add_member(body["conversation"]["id"],
                          {**body["from"], "email": KARI_EMAIL, "userPrincipalName": KARI_EMAIL})
    posted = await answer_to(bench, body)
    # the @mention is not a word: "help" is, answered in the channel's thread
    assert texts(card_of(posted))[0] == helped_as("en", "coordinator")
    assert posted.conversation_id == body["conversation"]["id"]


@pytest.mark.asyncio
async def test_a_cards_submit_runs_the_words_its_button_carries(bench: Bench) -> None:
    body = payload(bench, "message_card_submit.json")
    assert "text" not in body and body["value"]["words"] == "status"
    submitted = texts(card_of(await answer_to(bench, body)))
    typed = texts(card_of(await bench.say("status", locale=body["locale"])))
    assert submitted == typed


@pytest.mark.asyncio
async def test_a_guest_in_a_meeting_chat_is_served_as_civil_society_and_no_email_is_taken(
        bench: Bench) -> None:
    body = payload(bench, "message_from_guest.json")
    guest = body["from"]
    # the connector's member lookup: a guest account of the ministry's tenant, whose principal
    # name is not an e-mail address
    bench.fake.add_member(body["conversation"]["id"], {
        **guest, "tenantId": TENANT, "userRole": "guest",
        "userPrincipalName": "ola_ngo.example.org#EXT#@ministry.onmicrosoft.com"})
    posted = await answer_to(bench, body)
    assert texts(card_of(posted))[0] == helped_as("en", "civil_society")
    person = bench.runtime.bot.records.person_by_platform("teams", guest["id"])
    assert person is not None and person.email is None


@pytest.mark.asyncio
async def test_the_bot_installed_for_someone_says_nothing_and_can_reach_them_later(
        bench: Bench) -> None:
    body = payload(bench, "conversation_update_bot_added_personal.json")
    assert await bench.post(body) in (200, 201)
    assert bench.fake.activities() == []
    contact = Reach(bench.runtime.bot.records, "teams").contact(body["from"]["id"])
    assert contact is not None
    assert contact["conversation_id"] == body["conversation"]["id"]


@pytest.mark.asyncio
async def test_a_member_added_to_a_team_is_remembered_but_not_greeted(bench: Bench) -> None:
    body = payload(bench, "conversation_update_members_added_team.json")
    assert await bench.post(body) in (200, 201)
    assert bench.fake.activities() == []
    (added,) = body["membersAdded"]
    assert Reach(bench.runtime.bot.records, "teams").contact(added["id"]) is not None


@pytest.mark.asyncio
async def test_an_installation_update_says_nothing(bench: Bench) -> None:
    body = payload(bench, "installation_update_add.json")
    assert await bench.post(body) in (200, 201)
    assert bench.fake.activities() == []
    assert bench.runtime.bot.records.proposals() == []


@pytest.mark.asyncio
async def test_a_universal_action_is_answered_in_its_http_response(bench: Bench) -> None:
    body = payload(bench, "invoke_adaptive_card_action.json")
    async with bench.http.post(bench.url + "/api/messages", json=body,
                               headers=bench.signed(body)) as response:
        assert response.status == 200
        answer = await response.json()
    await bench.settle()
    assert answer["statusCode"] == 200
    assert answer["type"] == "application/vnd.microsoft.activity.message"
    assert answer["value"] == t("nb", "teams.invoke_unsupported")
    assert bench.fake.activities() == []


@pytest.mark.asyncio
async def test_a_reaction_to_the_bots_message_is_not_answered(bench: Bench) -> None:
    body = payload(bench, "message_reaction_like.json")
    assert await bench.post(body) in (200, 201)
    assert bench.fake.activities() == []
    assert bench.runtime.bot.records.proposals() == []
