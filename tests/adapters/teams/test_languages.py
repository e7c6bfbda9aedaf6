"""Nynorsk in Teams, through the real botbuilder adapter and the fake connector: a person whose
Teams speaks `nn-NO` is answered in nynorsk, gets the propose card in nynorsk (with a nynorsk
message beside each required input), and the notices that come later in nynorsk too."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest

from tests import cast
from tests.adapters.teams.conftest import DM_OLA, Bench, card_of, inputs, texts
from tests.adapters.teams.schema_check import assert_valid_card
from tests.conversation import Heard

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
    def first(words: str) -> Callable[[Heard], bool]:
        return lambda heard: texts(card_of(heard.raw))[0] == words

    def form_in_nynorsk(heard: Heard) -> None:
        form = card_of(heard.raw)
        assert_valid_card(form)
        assert inputs(form)["title"]["errorMessage"] == "Fyll ut Tittel."
        assert inputs(form)["values"]["errorMessage"].startswith("Vel minst éin OGP-verdi")

    await (bench.send(cast.OLA, "help", locale="nn-NO").assert_replies(
        first("Kva du kan gjere (sivilsamfunn)"),
        lambda heard: any(line.startswith("language nb|nn|en")
                          for line in texts(card_of(heard.raw))))
           .send(cast.OLA, "propose", locale="nn-NO").assert_replies(
        first("Føreslå ei forplikting"), form_in_nynorsk)
           .send(cast.OLA, "propose Opne postlister | Vanskeleg å finne | Publiser alt | "
                           "openheit | innsyn | jd", locale="nn-NO").assert_reply(
        first("Takk! Forslaget ditt er registrert som P-1.")))

    # The coordinator writes in English; Ola is told of the decision in nynorsk.
    before = len(await notices_to(bench, DM_OLA, 0))
    await bench.send(cast.KARI, "decide P-1 exclude Not in this plan", locale="en-US").assert_reply(
        lambda heard: texts(card_of(heard.raw)) == [
            "P-1 is not included. The reason is published: Not in this plan"])
    told = (await notices_to(bench, DM_OLA, before + 1))[before:]
    assert told and told[0][0] == "Avgjerd om P-1: ikkje teke med"
    assert "Grunngiving: Not in this plan" in told[0]
