"""Typed access to the store: proposals, people, meetings, settings and requests already seen.

Handlers talk to `Records`, never to a backend; the collections' names live here (the
outbox's, in `bot.notices.outbox`).
Looking a person up by platform id goes through `person_ids` (`<platform>:<user id>` -> person
key), kept with every saved person, so it costs the same with ten people or ten thousand.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection
from typing import Any

from bot.core.model import Meeting, Person, Proposal, Role
from bot.store.contract import Documents, Signals, T

PROPOSALS = "proposals"
PEOPLE = "people"
MEETINGS = "meetings"
SETTINGS = "settings"
SEEN = "seen_requests"
COUNTERS = "counters"
PERSON_IDS = "person_ids"

ANNOUNCE_SETTING = "announce_channel"  # the setting naming the agenda notices' conversation
DEPLOYMENT_SETTING = "deployment_id"  # a random id of this deployment (its calendar UIDs)


class Records:
    """Typed reads and writes of the core's records; each method is one store call or a few.

    `on_proposal_saved` holds callables told the number of each proposal written (in the
    writing thread, inside its transaction): the public record's snapshot listens there. They
    must be quick and must not touch the store.

    The records see the store's documents (`Documents`); a proposal written is also told to
    the other replicas of a shared store through `signals`, when there are any (the front door
    passes the store's)."""

    def __init__(self, store: Documents, signals: Signals | None = None) -> None:
        self.store = store
        self.signals = signals
        self.on_proposal_saved: list[Callable[[int], None]] = []

    def transaction(self, readonly: bool = False, kind: str = "", reading: bool = False) -> Any:
        return self.store.transaction(readonly, kind, reading)

    def atomically(self, work: Callable[[], T]) -> T:
        """`work()` in one transaction, run again if it collides with another process's."""
        return self.store.atomically(work)

    # -- proposals -----------------------------------------------------------------------------

    def next_number(self) -> int:
        """Reserve the next proposal number (never reused; in the command's transaction, so a
        refused command takes none and two at once cannot take the same one)."""
        def take() -> int:
            doc = self.store.get(COUNTERS, "proposal") or {"last": 0}
            number = int(doc["last"]) + 1
            self.store.put(COUNTERS, "proposal", {"last": number})
            return number

        return self.store.atomically(take)

    def proposal(self, number: int) -> Proposal | None:
        doc = self.store.get(PROPOSALS, str(number))
        return Proposal.from_dict(doc) if doc else None

    def proposal_and_meeting(self, number: int) -> tuple[Proposal | None, Meeting | None]:
        """Proposal `number` and its meeting (None for either that is not there), in one
        question to the store."""
        proposal, meeting = self.store.get_each([(PROPOSALS, str(number)),
                                                 (MEETINGS, str(number))])
        return (Proposal.from_dict(proposal) if proposal else None,
                Meeting.from_dict(meeting) if meeting else None)

    def save_proposal(self, proposal: Proposal) -> None:
        self.store.put(PROPOSALS, str(proposal.number), proposal.to_dict())
        for hook in self.on_proposal_saved:
            hook(proposal.number)
        if self.signals is not None and self.signals.shared:  # other replicas keep the
            self.signals.notify(PROPOSALS, str(proposal.number))  # record too: say which

    def proposals(self, **equals: str) -> list[Proposal]:
        """Every proposal, or those whose fields equal `equals` (e.g. `proposer=key`)."""
        docs = self.store.find(PROPOSALS, **equals) if equals else self.store.all(PROPOSALS)
        return sorted((Proposal.from_dict(d) for d in docs), key=lambda p: p.number)

    # -- people --------------------------------------------------------------------------------

    def person(self, key: str) -> Person | None:
        doc = self.store.get(PEOPLE, key)
        return Person.from_dict(doc) if doc else None

    def people(self) -> list[Person]:
        return [Person.from_dict(d) for d in self.store.all(PEOPLE)]

    def names(self, keys: Collection[str]) -> dict[str, str]:
        """The names of the people `keys` (those stored), without making a `Person` of each: a
        seating chart names all it seats, for each person who asks to see it, and reads
        those, not everyone the bot has met."""
        return {key: d["name"] for key, d in self.store.get_many(PEOPLE, keys).items()}

    def person_by_platform(self, platform: str, user_id: str) -> Person | None:
        link, doc = self.store.get_linked(PERSON_IDS, f"{platform}:{user_id}", "person", PEOPLE)
        if link is None:
            return None  # every saved person's ids are linked: nobody has this one
        person = Person.from_dict(doc) if doc else None
        if person is not None and person.platform_ids.get(platform) == user_id:
            return person
        # The linked person gave the id up (rare): whoever else holds it, in store order.
        return next((p for p in self.people() if p.platform_ids.get(platform) == user_id), None)

    def people_of(self, org: str) -> list[Person]:
        return [Person.from_dict(d) for d in self.store.find(PEOPLE, org=org)]

    def coordinators(self) -> list[Person]:
        return self.people_with(role=Role.COORDINATOR.value)

    def concerned(self, proposal: Proposal) -> list[Person]:
        """Who a proposal concerns: its proposer and its responsible ministry's people."""
        people = {p.key: p for p in self.people_of(proposal.ministry)}
        proposer = self.person(proposal.proposer)
        if proposer is not None:
            people.setdefault(proposer.key, proposer)
        return list(people.values())

    def followers(self, proposal: Proposal) -> list[Person]:
        """Who hears of a proposal's new versions, its decision and its progress: its proposer,
        its responsible ministry's people and whoever joined it (without asking), and whoever
        asked to follow it; less anyone who said `unfollow`."""
        keys = dict.fromkeys([proposal.proposer,
                              *(p.key for p in self.people_of(proposal.ministry)),
                              *(a.person for a in proposal.actors), *proposal.followers])
        people = (self.person(key) for key in keys if key not in proposal.unfollowed)
        return [p for p in people if p is not None]

    def people_with(self, **equals: object) -> list[Person]:
        """The people whose stored fields equal `equals` (e.g. `role="coordinator"`)."""
        return [Person.from_dict(d) for d in self.store.find(PEOPLE, **equals)]

    def link_platform_ids(self) -> None:
        """Give every stored person's platform ids a `person_ids` entry (for a store written
        before there were any; the first person stored with an id keeps it, as before)."""
        def link() -> None:
            for person in self.people():
                self._link(person)

        self.store.atomically(link)

    def person_by_email(self, email: str) -> Person | None:
        """The first person stored with `email`, asked at a new person's first command: one
        look-up by the field, not a read of everyone. Addresses are kept in lower case (the
        seminar file's roster is read so, the people met are kept so, and `sync_roster` puts
        those an older ogpbot kept otherwise in lower case)."""
        found = self.store.find(PEOPLE, email=email.lower())
        return Person.from_dict(found[0]) if found else None

    def delete_person(self, key: str) -> None:
        """Remove a person and the links from their platform ids (merged into another)."""
        def remove() -> None:
            person = self.person(key)
            self.store.delete(PEOPLE, key)
            for platform, user_id in (person.platform_ids.items() if person else ()):
                link = self.store.get(PERSON_IDS, f"{platform}:{user_id}")
                if link is not None and link["person"] == key:
                    self.store.delete(PERSON_IDS, f"{platform}:{user_id}")

        self.store.atomically(remove)

    def save_person(self, person: Person) -> None:
        def save() -> None:
            self.store.put(PEOPLE, person.key, person.to_dict())
            self._link(person)

        self.store.atomically(save)

    def _link(self, person: Person) -> None:
        for platform, user_id in person.platform_ids.items():
            key = f"{platform}:{user_id}"
            link = self.store.get(PERSON_IDS, key)
            if link is not None and link["person"] == person.key:
                continue
            holder = self.person(link["person"]) if link else None
            if holder is None or holder.platform_ids.get(platform) != user_id:
                self.store.put(PERSON_IDS, key, {"person": person.key})

    # -- meetings ------------------------------------------------------------------------------

    def meeting(self, number: int) -> Meeting | None:
        doc = self.store.get(MEETINGS, str(number))
        return Meeting.from_dict(doc) if doc else None

    def save_meeting(self, meeting: Meeting) -> None:
        self.store.put(MEETINGS, str(meeting.proposal), meeting.to_dict())

    def meetings(self) -> list[Meeting]:
        return sorted((Meeting.from_dict(d) for d in self.store.all(MEETINGS)),
                      key=lambda m: m.start)

    # -- settings and requests seen --------------------------------------------------------------

    def setting(self, key: str) -> Any:
        doc = self.store.get(SETTINGS, key)
        return doc["value"] if doc else None

    def set_setting(self, key: str, value: Any) -> None:
        self.store.put(SETTINGS, key, {"value": value})

    def deployment_id(self) -> str:
        """This deployment's own random id, made the first time it is asked for and kept in
        the store (a backup or a migrated store keeps it): calendar events made by two
        deployments never share a UID."""
        def kept() -> str:
            value = self.setting(DEPLOYMENT_SETTING)
            if not isinstance(value, str) or not value:
                value = str(uuid.uuid4())
                self.set_setting(DEPLOYMENT_SETTING, value)
            return value

        return self.store.atomically(kept)

    def seen_reply(self, request_key: str) -> dict[str, Any] | None:
        doc = self.store.get(SEEN, request_key)
        return doc["reply"] if doc else None

    def remember_request(self, request_key: str, reply: dict[str, Any], at: str) -> None:
        self.store.put(SEEN, request_key, {"reply": reply, "at": at})
