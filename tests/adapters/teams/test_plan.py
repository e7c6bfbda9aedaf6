"""A commitment's whole life in Teams, through the real CloudAdapter and the fake connector:
proposed by a civil-society member, agreed, reported and included by the coordinator, then
carried out: progress reported and the plan read, every answer an Adaptive Card."""

from __future__ import annotations

import pytest

from bot.i18n.catalogue import t, tn
from tests.adapters.teams.conftest import DM_OLA, OLA, Bench, card_of, texts
from tests.adapters.teams.schema_check import assert_valid_card
from tests.notice_kit import as_sent

pytestmark = pytest.mark.asyncio


async def answer(bench: Bench, words: str, **kw: object) -> dict:
    """The card that answers `words` (notices the words set off may arrive beside it)."""
    activity = bench.activity(words, **kw)  # type: ignore[arg-type]
    assert await bench.post(activity) in (200, 201)
    await bench.settle()
    [reply] = [p for p in bench.fake.activities() if p.reply_to_id == activity["id"]]
    card = card_of(reply)
    assert_valid_card(card)
    return card
LINE = ("propose Open budgets for municipalities | Budgets are hard to read | Publish "
        "every budget as open data | transparency, participation | apne-data | kmd")


async def test_a_commitment_from_proposal_to_progress(bench: Bench) -> None:
    await answer(bench, LINE, user=OLA, conversation=DM_OLA)
    for words in ("outcome P-1 agreed", "report P-1 agreed We publish them from 2027",
                  "decide P-1 include Makes budgets readable"):
        await answer(bench, words)
    card = await answer(bench, "progress P-1 substantial Half the municipalities publish")
    assert texts(card)[0] == t("en", "progress.done", ref="P-1",
                               level=t("en", "completion.substantial"))
    plan = await answer(bench, "plan", user=OLA, conversation=DM_OLA)
    assert texts(plan)[0] == tn("en", "plan.title", 1)
    body = " ".join(texts(plan))
    assert "P-1 Open budgets for municipalities" in body and "substantial" in body
    status = " ".join(texts(await answer(bench, "status P-1", user=OLA, conversation=DM_OLA)))
    assert "Completion: substantial" in status
    ola = next(p for p in bench.runtime.bot.records.people() if p.name == "Ola Sivil")
    told = [n for n in bench.runtime.bot.outbox.all()
            if n.kind == "progress" and n.target.person == ola.key]
    assert len(told) == 1
    assert "Half the municipalities publish" in as_sent(bench.runtime.bot, told[0]).text
