"""Finding a person by platform id through `person_ids`: on a store written before the links
existed, after a person's id changes, and with two people claiming one id; and by e-mail
address, whatever its capitals."""

from __future__ import annotations

from pathlib import Path

from bot.app.frontdoor import OgpBot
from bot.core.clock import FakeClock
from bot.core.command import Command, Place, Speaker
from bot.core.model import Person, Role
from bot.core.people import roster_key
from bot.core.records import PEOPLE, PERSON_IDS, Records
from bot.core.seminar import load_seminar
from bot.store.contract import Store
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


def test_an_email_address_finds_its_person_whatever_its_capitals(store: Store,
                                                                 tmp_path: Path) -> None:
    """A person's first message names them by their address (one look-up, on every store):
    the roster's, written with capitals in the seminar file, and someone met before whose
    address was kept with capitals."""
    seminar = tmp_path / "seminar.toml"
    seminar.write_text(SEMINAR_FILE.read_text(encoding="utf-8").replace(
        '"kari.nordmann@example.org"', '"Kari.Nordmann@Example.org"'), encoding="utf-8")
    siri = Person(key="slack:U0SIRI", name="Siri", role=Role.CIVIL_SOCIETY,
                  email="Siri@Example.org", platform_ids={"slack": "U0SIRI"})
    store.put(PEOPLE, siri.key, siri.to_dict())  # as an older ogpbot kept it
    bot = OgpBot(load_seminar(seminar), store, FakeClock(START))

    def first_words(platform: str, user_id: str, email: str) -> Person:
        reply = bot.handle(Command(Speaker(platform, user_id, email=email),
                                   Place(platform, "D1", is_direct=True), words="status"))
        assert reply.ok, reply.text
        person = bot.records.person_by_platform(platform, user_id)
        assert person is not None
        return person

    kari = first_words("slack", "U0KARI2", "kari.nordmann@example.org")
    assert kari.key == roster_key("Kari.Nordmann@Example.org") and kari.role is Role.COORDINATOR
    again = first_words("teams", "29:siri", "SIRI@example.org")
    assert again.key == siri.key  # the same person, on Teams now
    assert [p.key for p in bot.records.people() if p.name == "Siri"] == [siri.key]
