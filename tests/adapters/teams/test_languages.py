"""Nynorsk in Teams, through the real botbuilder adapter and the fake connector: a person whose
Teams speaks `nn-NO` is answered in nynorsk, gets the propose card in nynorsk (with a nynorsk
message beside each required input), and the notices that come later in nynorsk too."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.adapters.teams.conftest import DM_KARI, DM_OLA, OLA, Bench, card_of, inputs, texts
from tests.adapters.teams.schema_check import assert_valid_card

pytestmark = pytest.mark.asyncio


async def notices_to(bench: Bench, conversation: str, count: int,
                     within: float = 30.0) -> list[list[str]]:
    """The texts of the cards the bot sent into `conversation`, once there are `count`."""
    deadline = time.monotonic() + within
    while True:
        cards = [texts(card_of(p)) for p in bench.fake.activities_to(conversation)
                 if p.activity.get("attachments")]
        if len(cards) >= count or time.monotonic() > deadline:
            return cards
        await asyncio.sleep(0.05)


async def test_a_nynorsk_teams_user_is_answered_and_told_in_nynorsk(bench: Bench) -> None:
    helped = card_of(await bench.say("help", user=OLA, conversation=DM_OLA, locale="nn-NO"))
    assert texts(helped)[0] == "Kva du kan gjere (sivilsamfunn)"
    assert any(line.startswith("language nb|nn|en") for line in texts(helped))

    form = card_of(await bench.say("propose", user=OLA, conversation=DM_OLA, locale="nn-NO"))
    assert_valid_card(form)
    assert texts(form)[0] == "Føreslå ei forplikting"
    assert inputs(form)["title"]["errorMessage"] == "Fyll ut Tittel."
    assert inputs(form)["values"]["errorMessage"].startswith("Vel minst éin OGP-verdi")

    done = card_of(await bench.say(
        "propose Opne postlister | Vanskeleg å finne | Publiser alt | openheit | innsyn | jd",
        user=OLA, conversation=DM_OLA, locale="nn-NO"))
    assert texts(done)[0] == "Takk! Forslaget ditt er registrert som P-1."

    # The coordinator writes in English; Ola is told of the decision in nynorsk.
    before = len(await notices_to(bench, DM_OLA, 0))
    decided = card_of(await bench.say("decide P-1 exclude Not in this plan", conversation=DM_KARI))
    assert texts(decided) == ["P-1 is not included. The reason is published: Not in this plan"]
    told = (await notices_to(bench, DM_OLA, before + 1))[before:]
    assert told and told[0][0] == "Avgjerd om P-1: ikkje teke med"
    assert "Grunngiving: Not in this plan" in told[0]
