"""Knowing who speaks is a read: `Directory.identify` writes nothing, whoever speaks; what it
learnt is kept by `Directory.remember`, which the front door calls only when something was
learnt, so a `status` from a person the bot knows as they are costs no write at all."""

from __future__ import annotations

from typing import Any

from bot.app.frontdoor import OgpBot
from bot.core.clock import FakeClock
from bot.core.command import Command, Place, Speaker
from bot.core.model import Person, Role
from bot.core.people import Directory, roster_key
from bot.core.records import Records
from bot.core.seminar import load_seminar
from bot.store.contract import Doc
from bot.store.memory import MemoryStore
from tests.chat import CSO, SEMINAR_FILE, START


class CountingStore(MemoryStore):
    """A memory store that counts the writes made to it, whoever makes them."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[tuple[str, str]] = []

    def put(self, collection: str, key: str, doc: Doc) -> None:
        self.writes.append((collection, key))
        super().put(collection, key, doc)

    def add(self, collection: str, key: str, doc: Doc) -> bool:
        self.writes.append((collection, key))
        return super().add(collection, key, doc)

    def delete(self, collection: str, key: str) -> None:
        self.writes.append((collection, key))
        super().delete(collection, key)


def say(bot: OgpBot, speaker: Speaker, words: str) -> Any:
    return bot.handle(Command(speaker, Place(speaker.platform, "D1", is_direct=True),
                              words=words))


def test_a_status_from_a_known_person_writes_nothing() -> None:
    store = CountingStore()
    bot = OgpBot(load_seminar(SEMINAR_FILE), store, FakeClock(START))
    anders = Speaker("slack", "U0ANDERS", email=CSO, locale="nb-NO")
    assert say(bot, anders, "status").ok  # first time: the Slack id and the locale are new
    assert store.writes, "what the first message taught was not kept"
    store.writes.clear()
    reply = say(bot, anders, "status")
    assert reply.ok, reply.text
    assert store.writes == []
    assert say(bot, anders, "hjelp").ok
    assert store.writes == []


def test_identify_writes_nothing_even_when_it_learns_and_remember_keeps_it() -> None:
    store = CountingStore()
    records = Records(store)
    directory = Directory(load_seminar(SEMINAR_FILE), records)
    directory.sync_roster()
    met = Person(key="slack:U0MET", name="Anders", role=Role.CIVIL_SOCIETY,
                 platform_ids={"slack": "U0MET"})
    records.save_person(met)  # met before without their email: civil society, on their own
    store.writes.clear()

    seen = directory.identify(Speaker("slack", "U0MET", email=CSO, locale="nn-NO"))
    assert store.writes == []
    assert seen.learnt and seen.new_id
    assert seen.person.key == roster_key(CSO)  # the roster's person, with the Slack id
    assert seen.person.platform_ids["slack"] == "U0MET"
    assert [was.key for was, _ in seen.joins] == ["slack:U0MET"]
    assert records.person("slack:U0MET") == met  # nothing merged yet

    directory.remember(seen)
    assert records.person("slack:U0MET") is None
    assert records.person(roster_key(CSO)) == seen.person
    assert records.person_by_platform("slack", "U0MET") == seen.person

    store.writes.clear()
    again = directory.identify(Speaker("slack", "U0MET", email=CSO, locale="nn-NO"))
    assert not again.learnt
    assert again.person == seen.person
    assert store.writes == []


def test_a_newcomer_is_stored_only_by_remember() -> None:
    store = CountingStore()
    records = Records(store)
    directory = Directory(load_seminar(SEMINAR_FILE), records)
    store.writes.clear()
    seen = directory.identify(Speaker("teams", "29:new", name="Siri"))
    assert store.writes == [] and records.person("teams:29:new") is None
    assert seen.learnt and seen.changed and seen.new_id
    directory.remember(seen)
    assert records.person_by_platform("teams", "29:new") == seen.person
    assert seen.person.role is Role.CIVIL_SOCIETY and seen.person.name == "Siri"
