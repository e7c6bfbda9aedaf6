"""How replies are drawn as Adaptive Cards, and how outgoing calls are paced: plain units."""

from __future__ import annotations

import random
import re

import pytest

from adapters.teams.cards import escape_markdown, form_card, reply_card
from adapters.teams.retry import Pacer, RetryPolicy
from bot.core.model import Person, Role
from bot.core.reply import Action, Choice, Field, Form, FormField, Reply
from bot.core.seminar import load_seminar
from bot.process.proposal_form import build_form
from tests.adapters.teams.conftest import texts
from tests.adapters.teams.renderer_check import available, renderer_problems
from tests.adapters.teams.schema_check import assert_valid_card
from tests.chat import SEMINAR_FILE

HOSTILE = "# Big **bold** _it_ [x](javascript:alert(1)) <at>everyone</at> `code`\x07"


def test_user_text_is_literal_in_runs_and_escaped_in_fallbacks() -> None:
    reply = Reply(language="en", title=HOSTILE, fields=(Field("Title", HOSTILE),),
                  lines=("- not a list", "1. not a list either"),
                  actions=(Action("Withdraw", "withdraw P-1", "danger"),))
    card = reply_card(reply)
    assert_valid_card(card)

    shown = texts(card)
    clean = HOSTILE.replace("\x07", "")
    assert shown[0] == clean
    assert shown[1] == f"Title: {clean}"
    for element in card["body"]:
        unescaped = re.sub(r"\\.", "", element["fallback"]["text"])
        assert not set("*_[]()#<>`-.") & set(unescaped), unescaped
    assert card["body"][0]["fallback"]["text"].startswith("\\# Big \\*\\*bold\\*\\*")
    assert card["actions"][0]["style"] == "destructive"
    assert "\x07" not in card["fallbackText"]


def test_escape_markdown_keeps_the_words() -> None:
    assert escape_markdown("P-1 is *done*.") == "P\\-1 is \\*done\\*\\."
    assert escape_markdown("plain words") == "plain words"


def test_form_problems_stand_at_their_fields() -> None:
    form = Form("propose", "Propose", "Send", (
        FormField("title", "Title", "text", initial="Typed title"),
        FormField("values", "Values", "multi_choice",
                  choices=(Choice("transparency", "Transparency"),
                           Choice("participation", "Participation")),
                  initial=("participation",)),
        FormField("area", "Area", "choice", choices=(Choice("a", "A"),), initial="a"),
    ))
    reply = Reply(language="en", title="Not saved", form=form, ok=False,
                  errors={"values": "Pick a value.", "other": "Something else."})
    card = form_card(form, reply, nonce="n1")
    assert_valid_card(card)

    body = card["body"]
    ids = [e.get("id") for e in body]
    assert texts({"body": [body[ids.index("values") + 1]]}) == ["Pick a value."]
    assert texts({"body": body[-1:]}) == ["Something else."]
    assert body[ids.index("title")]["value"] == "Typed title"
    assert body[ids.index("values")]["value"] == "participation"
    assert card["actions"][0]["data"] == {"ogpbot": "form", "form": "propose", "nonce": "n1"}


def test_pacer_keeps_a_conversation_within_teams_limits() -> None:
    now = [100.0]
    pacer = Pacer(clock=lambda: now[0])
    waits = [pacer.reserve("a:1") for _ in range(9)]
    assert waits[:7] == [0.0] * 7
    assert waits[7] == 1.0  # 7 a second
    assert waits[8] == 2.0  # 8 in two seconds
    assert pacer.reserve("a:2") == 0.0  # another conversation has its own budget

    now[0] += 30.0
    waits = [pacer.reserve("b:1") for _ in range(61)]
    assert max(waits) >= 30.0  # 60 in thirty seconds
    assert waits[59] < 30.0


def test_backoff_is_jittered_exponential_and_capped() -> None:
    policy = RetryPolicy(base=1.0, cap=8.0, rng=random.Random(7))
    for attempt in range(8):
        delays = [policy.backoff(attempt) for _ in range(50)]
        assert all(0 <= d <= min(8.0, 2 ** attempt) for d in delays)
        assert len(set(delays)) > 1


def test_the_renderer_check_catches_a_card_teams_would_not_show() -> None:
    if not available():
        pytest.skip("node and the npm adaptivecards package are not installed")
    assert renderer_problems({"type": "AdaptiveCard", "version": "1.4",
                              "body": [{"type": "Bogus"}]}), "the check must be able to fail"


@pytest.mark.parametrize("lang", ["nb", "nn", "en"])
@pytest.mark.parametrize("on_roster", [True, False])
def test_the_propose_card_says_what_a_required_field_misses_in_the_readers_language(
        lang: str, on_roster: bool) -> None:
    seminar = load_seminar(SEMINAR_FILE)
    person = Person("p", "P", Role.CIVIL_SOCIETY, org="ti" if on_roster else None,
                    on_roster=on_roster)
    card = form_card(build_form(seminar, person, lang), nonce="n1")
    assert_valid_card(card)  # the schema, and no event from Microsoft's renderer
    required = [e for e in card["body"] if e.get("isRequired")]
    assert {e["id"] for e in required} >= {"title", "problem", "description", "values",
                                           "area", "ministry"}
    for element in required:
        assert element["errorMessage"], element["id"]
    by_id = {e["id"]: e for e in required}
    expected = {"nb": "Fyll ut Tittel.", "nn": "Fyll ut Tittel.", "en": "Please fill in Title."}
    assert by_id["title"]["errorMessage"] == expected[lang]
    values = {"nb": "minst én OGP-verdi", "nn": "minst éin OGP-verdi", "en": "at least one"}
    assert values[lang] in by_id["values"]["errorMessage"]


def test_the_renderer_reports_a_required_input_without_its_message() -> None:
    if not available():
        pytest.skip("node and the npm adaptivecards package are not installed")
    card = {"type": "AdaptiveCard", "version": "1.4", "body": [
        {"type": "Input.Text", "id": "title", "label": "Title", "isRequired": True}]}
    assert any("RequiredInputsShouldHaveErrorMessage" in p
               for p in renderer_problems(card) or []), "validation must be part of the check"
