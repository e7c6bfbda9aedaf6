"""Where and in which language a person is reached: on the platform they last wrote from, in the
language they chose, else their platform's locale as last seen, else the roster's, else the
seminar's. The real dispatcher on a fake clock, with a recording notifier for each platform."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.core.command import Command, Place, Speaker
from bot.core.reply import Reply
from bot.core.seminar import parse_seminar
from bot.notices.dispatcher import Dispatcher
from tests.notice_kit import (
    COORDINATOR,
    MINISTRY,
    PROPOSER,
    Kit,
    RecordingNotifier,
    oslo,
    seminar_data,
)

pytestmark = pytest.mark.asyncio

ANDERS_TEAMS = PROPOSER.teams_id


class TwoPlatforms(Kit):
    """The notice kit with Slack and Teams both connected; Anders has an id on each."""

    def __init__(self, now: datetime) -> None:
        data = seminar_data()
        data["people"][2]["teams_id"] = ANDERS_TEAMS
        super().__init__(now, parse_seminar(data))
        self.teams = RecordingNotifier("teams")
        self.dispatcher = Dispatcher(self.bot, {"slack": self.notifier, "teams": self.teams},
                                     pace={})

    def anders(self, words: str, platform: str, locale: str | None = None) -> Reply:
        user = PROPOSER.slack_id if platform == "slack" else ANDERS_TEAMS
        return self.bot.handle(Command(Speaker(platform, user, locale=locale),
                                       Place(platform, f"D-{platform}", is_direct=True),
                                       words=words))

    async def to_anders(self) -> list[tuple[str, str, str]]:
        """(platform, language, title) of what reached Anders since the last look."""
        before = (len(self.notifier.sent), len(self.teams.sent))
        await self.dispatcher.run_due()
        got = [("slack", s) for s in self.notifier.sent[before[0]:] if s.to == PROPOSER.slack_id]
        got += [("teams", s) for s in self.teams.sent[before[1]:] if s.to == ANDERS_TEAMS]
        return [(p, s.message.language, s.message.title or "") for p, s in got]


async def test_a_person_is_reached_where_they_last_wrote_in_the_language_they_get() -> None:
    kit = TwoPlatforms(oslo(2026, 11, 30, 12, 0))
    assert kit.anders("propose Åpne logger | Lite innsyn | Publiser | transparency | innsyn | jd",
                      "teams", locale="nn-NO").ok
    await kit.to_anders()
    assert kit.say(MINISTRY, "outcome P-1 bilateral").ok
    assert kit.say(MINISTRY, "meet P-1 2026-12-03 10:00").ok
    # Anders wrote last from Teams, in nynorsk: the invitation goes there, in nynorsk.
    assert await kit.to_anders() == [("teams", "nn", "Bilateralt møte om P-1: Åpne logger")]

    # Now he writes from Slack, whose locale is English: the next notice follows him.
    assert kit.anders("status", "slack", locale="en-US").ok
    assert kit.say(MINISTRY, "meet P-1 2026-12-04 10:00").ok
    [(platform, lang, title)] = await kit.to_anders()
    assert (platform, lang) == ("slack", "en") and title.startswith("The meeting on P-1 has moved")

    # His own choice outweighs the locale, on every platform.
    assert kit.anders("language nb", "slack", locale="en-US").lines == (
        "Nå svarer jeg deg på bokmål, også i meldingene jeg sender deg senere.",)
    assert kit.anders("status", "teams", locale="nn-NO").language == "nb"
    assert kit.say(MINISTRY, "meet P-1 2026-12-05 10:00").ok
    assert await kit.to_anders() == [("teams", "nb", "Møtet om P-1 er flyttet til lørdag "
                                      "5. desember kl. 10:00.")]


async def test_without_a_choice_the_locale_last_seen_then_the_roster_then_the_seminar() -> None:
    kit = TwoPlatforms(oslo(2026, 11, 30, 12, 0))
    people = {p.key: p for p in kit.bot.records.people()}
    ingrid = next(p for p in people.values() if p.name == MINISTRY.name)
    kari = next(p for p in people.values() if p.name == COORDINATOR.name)
    assert ingrid.speaks("nb") == "en"  # the roster says "en" for Ingrid
    assert kari.speaks("nb") == "nb"  # nothing said: the seminar's
    kit.bot.handle(Command(Speaker("slack", MINISTRY.slack_id, locale="nn-NO"),
                           Place("slack", "D1", is_direct=True), words="help"))
    ingrid = kit.bot.records.person(ingrid.key)
    assert ingrid is not None and ingrid.speaks("nb") == "nn"  # the locale last seen
    # A later message without a locale (the console) keeps what was seen.
    reply = kit.bot.handle(Command(Speaker("slack", MINISTRY.slack_id),
                                   Place("slack", "D1", is_direct=True), words="help"))
    assert reply.language == "nn"


async def test_language_words_and_refusals() -> None:
    kit = TwoPlatforms(oslo(2026, 11, 30, 12, 0))
    said = kit.anders("language", "slack", locale="nb-NO")
    assert said.lines[0] == "Jeg svarer deg på bokmål (etter språkinnstillingen din i Slack " \
                            "eller Teams)."
    for words, lang in (("språk nynorsk", "nn"), ("spraak en", "en"), ("målform nn-NO", "nn")):
        assert kit.anders(words, "slack").language == lang, words
    before = kit.bot.records.person(f"roster:{PROPOSER.email}")
    refused = kit.anders("language klingon", "slack")
    assert not refused.ok and "«klingon»" in refused.text and refused.language == "nn"
    assert not kit.anders("language nb nn", "slack").ok
    assert kit.bot.records.person(f"roster:{PROPOSER.email}") == before
