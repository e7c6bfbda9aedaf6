"""Finding a person by platform id through `person_ids`: on a store written before the links
existed, after a person's id changes, and with two people claiming one id."""

from __future__ import annotations

from bot.app.frontdoor import OgpBot
from bot.core.clock import FakeClock
from bot.core.command import Command, Place, Speaker
from bot.core.model import Person, Role
from bot.core.records import PEOPLE, PERSON_IDS, Records
from bot.core.seminar import load_seminar
from bot.store.memory import MemoryStore
from tests.chat import SEMINAR_FILE, START


def test_a_store_without_links_still_knows_its_people() -> None:
    store = MemoryStore()
    siri = Person(key="slack:U0SIRI", name="Siri", role=Role.CIVIL_SOCIETY,
                  platform_ids={"slack": "U0SIRI"})
    store.put(PEOPLE, siri.key, siri.to_dict())  # as an older ogpbot left it: no link
    bot = OgpBot(load_seminar(SEMINAR_FILE), store, FakeClock(START))
    assert store.get(PERSON_IDS, "slack:U0SIRI") == {"person": "slack:U0SIRI"}
    reply = bot.handle(Command(Speaker("slack", "U0SIRI", name="Siri"),
                               Place("slack", "D1", is_direct=True), words="status"))
    assert reply.ok
    assert [p.key for p in bot.records.people() if p.name == "Siri"] == ["slack:U0SIRI"]


def test_a_moved_id_follows_the_person_and_the_first_holder_keeps_a_shared_one() -> None:
    records = Records(MemoryStore())
    a = Person(key="a", name="A", role=Role.CIVIL_SOCIETY, platform_ids={"slack": "U1"})
    b = Person(key="b", name="B", role=Role.CIVIL_SOCIETY, platform_ids={"slack": "U1"})
    records.save_person(a)
    records.save_person(b)
    assert records.person_by_platform("slack", "U1") == a
    records.save_person(a.with_changes(platform_ids={"slack": "U2"}))
    assert records.person_by_platform("slack", "U2").key == "a"  # type: ignore[union-attr]
    assert records.person_by_platform("slack", "U1") == b  # A gave it up; B still holds it
    assert records.person_by_platform("slack", "U3") is None
