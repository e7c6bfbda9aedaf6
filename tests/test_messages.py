"""The catalogue: every sentence exists in both languages with the same placeholders, and
dates read naturally in each."""

from __future__ import annotations

import string
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.i18n.catalogue import CATALOGUE, format_when, language_of

OSLO = ZoneInfo("Europe/Oslo")


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_both_languages_have_the_same_placeholders() -> None:
    for key, (nb, en) in CATALOGUE.items():
        assert nb.strip() and en.strip(), key
        assert fields(nb) == fields(en), key


def test_dates_read_naturally() -> None:
    at = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # 10:00 in Oslo (winter time)
    assert format_when(at, "nb", OSLO) == "tirsdag 1. desember kl. 10:00"
    assert format_when(at, "en", OSLO) == "Tuesday 1 December at 10:00"
    summer = datetime(2027, 6, 15, 12, 30, 15, tzinfo=UTC)
    assert format_when(summer, "nb", OSLO) == "tirsdag 15. juni kl. 14:30:15"
    assert format_when(summer, "nb", OSLO, seconds=False) == "tirsdag 15. juni kl. 14:30"


def test_locales_map_to_languages() -> None:
    assert language_of("nb-NO") == language_of("nn_NO") == language_of("no") == "nb"
    assert language_of("en-US") == "en"
    assert language_of("de-DE") is None and language_of(None) is None
