"""`status P-N` in chat shows the reasoned response once a proposal is decided."""

from __future__ import annotations

from tests import cast
from tests.record.world import HOSTILE_REASON, INCLUDE_REASON, TI, make_runtime, say

EMILY = cast.EMILY.email  # reads English


def test_status_shows_the_reasoned_response_once_decided():
    bot = make_runtime().bot
    excluded = say(bot, TI, "status P-8")
    assert f"Begrunnet svar: ikke tatt med – {HOSTILE_REASON}" in excluded
    assert "Rapport fra departementet: ikke enighet – Ikke enighet om omfanget." in excluded
    included = say(bot, EMILY, "status P-7")
    assert f"Reasoned response: included in the plan – {INCLUDE_REASON}" in included
    assert "Status: included in the plan" in included


def test_status_before_a_decision_has_no_reasoned_response():
    bot = make_runtime().bot
    reported = say(bot, TI, "status P-6")
    assert "Begrunnet svar" not in reported
    assert "Status: rapportert" in reported
