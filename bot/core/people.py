"""Who is speaking: roster people matched by platform id, then email; anyone else is civil
society, remembered by their platform id."""

from __future__ import annotations

from bot.core.command import Speaker
from bot.core.model import Person, Role
from bot.core.records import Records
from bot.core.seminar import RosterPerson, Seminar
from bot.i18n.catalogue import language_of

_ROLE_OF_KIND = {
    "coordinator": Role.COORDINATOR,
    "ministry": Role.MINISTRY,
    "civil_society": Role.CIVIL_SOCIETY,
    "observer": Role.OBSERVER,
}


def roster_key(email: str) -> str:
    return f"roster:{email.lower()}"


class Directory:
    """The people the bot knows: the roster from the seminar file, and everyone who spoke."""
    def __init__(self, seminar: Seminar, records: Records) -> None:
        self.seminar = seminar
        self.records = records

    def sync_roster(self) -> None:
        """Make the stored people agree with the seminar file's roster (run at start-up, by
        every replica: in one transaction, run again if two replicas start together)."""
        self.records.atomically(self._sync_all)

    def _sync_all(self) -> None:
        self.records.link_platform_ids()
        for entry in self.seminar.people:
            self._sync_one(entry)
        listed = {roster_key(entry.email) for entry in self.seminar.people}
        for person in self.records.people_with(on_roster=True):
            if person.key not in listed:  # taken off the roster: no role from it any more
                self.records.save_person(person.with_changes(
                    on_roster=False, role=Role.CIVIL_SOCIETY, org=None))

    def _sync_one(self, entry: RosterPerson) -> None:
        org = self.seminar.org(entry.org)
        role = _ROLE_OF_KIND[org.kind] if org else Role.CIVIL_SOCIETY
        stored = self.records.person(roster_key(entry.email))
        ids = dict(stored.platform_ids) if stored else {}
        if entry.slack_id:
            ids["slack"] = entry.slack_id
        if entry.teams_id:
            ids["teams"] = entry.teams_id
        person = Person(
            key=roster_key(entry.email), name=entry.name, role=role, org=entry.org,
            email=entry.email, language=entry.language, platform_ids=ids, on_roster=True,
            unreachable=dict(stored.unreachable) if stored else {},
        )
        if person != stored:
            self.records.save_person(person)

    def identify(self, speaker: Speaker) -> tuple[Person, bool]:
        """The person behind `speaker`, created or linked to their platform id as needed;
        and whether this platform id is new to the bot (their waiting notices may now go)."""
        person = self.records.person_by_platform(speaker.platform, speaker.user_id)
        new_id = person is None
        if person is None and speaker.email:
            person = self.records.person_by_email(speaker.email)
            if person is not None:
                person = person.with_changes(
                    platform_ids={**person.platform_ids, speaker.platform: speaker.user_id})
                self.records.save_person(person)
        if person is None:
            person = Person(
                key=f"{speaker.platform}:{speaker.user_id}",
                name=speaker.name or speaker.email or speaker.user_id,
                role=Role.CIVIL_SOCIETY,
                email=speaker.email.lower() if speaker.email else None,
                platform_ids={speaker.platform: speaker.user_id},
            )
            self.records.save_person(person)
        elif speaker.name and not person.on_roster and speaker.name != person.name:
            person = person.with_changes(name=speaker.name)
            self.records.save_person(person)
        return person, new_id

    def language(self, person: Person, speaker: Speaker) -> str:
        """The platform's locale, else the person's roster language, else the seminar's."""
        return language_of(speaker.locale) or person.language or self.seminar.language
