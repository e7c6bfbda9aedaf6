"""Words typed in Teams reach the core and come back as Adaptive Cards, through the real
CloudAdapter and the fake connector."""

from __future__ import annotations

import pytest

from bot.i18n.catalogue import t
from tests import cast
from tests.adapters.teams.conftest import (
    BOT,
    CHANNEL,
    DM_OLA,
    OLA,
    Bench,
    card_of,
    texts,
)
from tests.adapters.teams.schema_check import assert_valid_card

pytestmark = pytest.mark.asyncio
LINE = ("propose Open budgets for municipalities | Budgets are hard to read | Publish "
        "every budget as open data | transparency, participation | apne-data | kmd")


async def test_help_in_a_personal_chat_answers_with_a_card(bench: Bench) -> None:
    posted = await bench.say("help")

    card = card_of(posted)
    assert_valid_card(card)
    assert posted.activity["conversation"]["id"] == "a:1-dm-with-kari"
    assert posted.recipient_id == "29:1-kari"
    # Kari is on the roster by her email, which Teams gives for her: she is the coordinator
    assert texts(card)[0] == t("en", "help.title", role=t("en", "role.coordinator"))
    assert card["fallbackText"].startswith(texts(card)[0])


async def test_the_bots_mention_is_stripped_in_a_channel(bench: Bench) -> None:
    mention = {"type": "mention", "text": "<at>ogpbot</at>",
               "mentioned": {"id": BOT["id"], "name": "ogpbot"}}
    posted = await bench.say("<at>ogpbot</at> help", conversation=CHANNEL, kind="channel",
                             user=OLA, entities=[mention])

    title = texts(card_of(posted))[0]
    assert title == t("en", "help.title", role=t("en", "role.civil_society"))
    assert posted.activity["conversation"]["id"] == CHANNEL


async def test_one_line_propose_registers_the_proposal(bench: Bench) -> None:
    posted = await bench.say(LINE, user=OLA, conversation=DM_OLA)

    card = card_of(posted)
    assert_valid_card(card)
    assert texts(card)[0] == t("en", "propose.done", ref="P-1")
    [proposal] = bench.runtime.bot.records.proposals()
    assert proposal.title == "Open budgets for municipalities"
    assert proposal.values == ("transparency", "participation")
    # the status button sends words back as a submit
    [button] = card["actions"]
    assert button["data"] == {"ogpbot": "words", "words": "status P-1"}


async def test_a_button_press_runs_its_words(bench: Bench) -> None:
    await bench.send(cast.OLA, LINE, locale="en-US").assert_reply("P-1")
    posted = await bench.say(None, user=OLA, conversation=DM_OLA,
                             value={"ogpbot": "words", "words": "status P-1"})
    assert "Open budgets for municipalities" in texts(card_of(posted))[0]


@pytest.mark.parametrize(("locale", "lang"), [("nb-NO", "nb"), ("en-US", "en")])
async def test_status_speaks_the_activity_locale(bench: Bench, locale: str, lang: str) -> None:
    await bench.say(LINE, user=OLA, conversation=DM_OLA)
    posted = await bench.say("status P-1", user=OLA, conversation=DM_OLA, locale=locale)

    card = card_of(posted)
    assert_valid_card(card)
    shown = "\n".join(texts(card))
    assert f"{t(lang, 'card.status')}: {t(lang, 'status.submitted')}" in shown
    other = "en" if lang == "nb" else "nb"
    assert t(other, "propose.title") not in shown or t(other, "propose.title") == t(
        lang, "propose.title")
    assert posted.activity.get("locale") == locale


async def test_user_text_cannot_format_or_ping(bench: Bench) -> None:
    hostile = ("propose **Loud** [click](https://evil.example) <at>everyone</at> @here | "
               "p | d | transparency | apne-data | kmd")
    await bench.say(hostile, user=OLA, conversation=DM_OLA)
    posted = await bench.say("status P-1", user=OLA, conversation=DM_OLA)

    card = card_of(posted)
    title = card["body"][0]
    assert title["type"] == "RichTextBlock"  # TextRuns render no markdown at all
    # another person's mention arrives as a plain name; the rest shows as typed
    assert "**Loud** [click](https://evil.example) everyone @here" in texts(card)[0]
    fallback = title["fallback"]["text"]
    assert "\\*\\*Loud\\*\\* \\[click\\]\\(https://evil\\.example\\)" in fallback
    assert "entities" not in posted.activity or not any(
        e.get("type") == "mention" for e in posted.activity["entities"])


async def test_unknown_words_get_a_sentence_in_the_persons_language(bench: Bench) -> None:
    await bench.send(cast.OLA, "frobnicate", locale="nb-NO").assert_reply(
        lambda heard: texts(card_of(heard.raw)) == [
            t("nb", "error.unknown_word", word="frobnicate")])


async def test_references_are_kept_without_a_write_per_message(bench: Bench) -> None:
    from bot.core.reach import Reach

    await bench.say("help", user=OLA, conversation=DM_OLA)
    reach = Reach(bench.runtime.bot.records, "teams")
    kept = reach.conversation(DM_OLA)
    assert kept is not None and kept["personal"] is True
    assert kept["reference"]["serviceUrl"] == bench.fake.url
    assert kept["reference"]["tenantId"] == "9b1c5e3a-0000-4000-8000-000000000001"
    person = reach.contact(OLA["id"])
    assert person is not None and person["conversation_id"] == DM_OLA

    writes: list[str] = []
    store = bench.runtime.store
    original = store.put

    def counting_put(collection: str, key: str, doc: dict) -> None:
        if collection.startswith("teams_"):
            writes.append(collection)
        original(collection, key, doc)

    store.put = counting_put  # type: ignore[method-assign]
    await bench.say("help", user=OLA, conversation=DM_OLA)
    assert writes == []  # nothing changed, nothing written
