"""Who is speaking: roster people matched by platform id, then by Microsoft Entra object id,
then by email; anyone else is civil society, remembered by their platform id.

A roster person who names an `aad_object_id` is found by it alone, never by email: an email
address is whatever a tenant's administrator typed, while the object id is Entra's own. So is
a roster person who names a `slack_id`, on Slack: another Slack account showing their email
(in another workspace the bot is installed in, say) is not them. An
object id is Entra's within one tenant: it is matched together with the tenant it is in (the
roster's `aad_tenant_id`, else the deployment's own tenant, `home_tenant`), so a guest is
known by the object id of their guest account in the tenant that invited them. The adapter
hands the core an object id or an email only when the platform vouched for them (a Teams
activity with a valid token from an allowed tenant; Slack's signed request).

A person first met without an email (the platform's profile lookup failed: Slack's
`users.info`, a Teams member lookup) is stored as civil society under their platform id. When
a later lookup brings their email or object id, or the roster lists them (by email or platform
id), that person is merged into the one the email, the object id or the roster names: the
platform ids join, and their proposals, history, meetings and everything a higher layer keeps
by person key (notices, the table plan: `Directory.on_merge`) follow.

Each time someone writes, the platform they wrote from and its locale are remembered on them:
notices reach them there, in that language (unless they chose one with `language`).

Knowing who speaks is a read (`Directory.identify`): it writes nothing, and says what it learnt;
keeping that (`Directory.remember`) is a step of its own, taken only when something was learnt,
so a `status` from someone the bot knows as they are costs no write.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from bot.core.command import Speaker
from bot.core.model import Person, Proposal, Role
from bot.core.records import Records
from bot.core.seminar import RosterPerson, Seminar
from bot.i18n.catalogue import language_of

_ROLE_OF_KIND = {
    "coordinator": Role.COORDINATOR,
    "ministry": Role.MINISTRY,
    "civil_society": Role.CIVIL_SOCIETY,
    "observer": Role.OBSERVER,
}


ROSTER_PREFIX = "roster:"
#: The `platform_ids` key of a roster person's Microsoft Entra object id (not a platform of
#: its own: nothing is ever sent to it; it links a Teams account to the roster person).
ENTRA = "entra"
ERASED = "erased:"  # the key prefix of a person erased on request (bot.app.people_rights)


def entra_key(tenant: str | None, object_id: str) -> str:
    """The `platform_ids` value under `ENTRA` of an object id within its tenant."""
    tenant = (tenant or "").lower()
    return f"{tenant}/{object_id.lower()}" if tenant else object_id.lower()


def roster_key(email: str) -> str:
    return f"{ROSTER_PREFIX}{email.lower()}"


def is_roster_key(key: str) -> bool:
    """Whether a person key is a roster person's (people the bot only met are keyed by their
    platform and user id)."""
    return key.startswith(ROSTER_PREFIX)


def is_erased(person_key: str) -> bool:
    """Whether the key stands for a person erased on request: their name, e-mail address and
    platform ids are gone; the key only tells their actions apart from others'."""
    return person_key.startswith(ERASED)


@dataclass(frozen=True)
class Identified:
    """Who is speaking (`person`, as now known), and what `Directory.identify` learnt that
    the store does not hold yet: people met before who turn out to be this one (each with the
    person they become: `joins`), whether the person's record changed (`changed`), and whether
    the platform id is new to the bot (`new_id`: notices that waited for them may go now)."""

    person: Person
    joins: tuple[tuple[Person, Person], ...] = ()
    changed: bool = False
    new_id: bool = False

    @property
    def learnt(self) -> bool:
        """Whether there is anything for `Directory.remember` to keep."""
        return self.changed or self.new_id or bool(self.joins)


def merged_person(person: Person, into: Person) -> Person:
    """One person for two: `into`, with `person`'s platform ids and what `into` lacks."""
    return into.with_changes(
        platform_ids={**person.platform_ids, **into.platform_ids},
        unreachable={**person.unreachable, **into.unreachable},
        email=into.email or person.email, language=into.language or person.language,
        chosen_language=into.chosen_language or person.chosen_language,
        seen_language=into.seen_language or person.seen_language,
        last_platform=into.last_platform or person.last_platform)


class Directory:
    """The people the bot knows: the roster from the seminar file, and everyone who spoke."""
    def __init__(self, seminar: Seminar, records: Records, home_tenant: str = "") -> None:
        self.seminar = seminar
        self.records = records
        self.home_tenant = home_tenant  # the Entra tenant of a roster object id by default
        # (old key, new key), called inside the merge's transaction by whoever keeps people
        # by key outside the core's records (the outbox, the table plan)
        self.on_merge: list[Callable[[str, str], None]] = []

    def sync_roster(self) -> None:
        """Make the stored people agree with the seminar file's roster (run at start-up, by
        every replica: in one transaction, run again if two replicas start together)."""
        self.records.atomically(self._sync_all)

    def _sync_all(self) -> None:
        self.records.link_platform_ids()
        for entry in self.seminar.people:
            self._sync_one(entry)
        self._merge_met_into_roster()
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
        if entry.aad_object_id:
            ids[ENTRA] = entra_key(entry.aad_tenant_id or self.home_tenant, entry.aad_object_id)
        else:
            ids.pop(ENTRA, None)  # only the roster names it: taken off there, gone here
        person = Person(
            key=roster_key(entry.email), name=entry.name, role=role, org=entry.org,
            email=entry.email, language=entry.language, platform_ids=ids, on_roster=True,
            unreachable=dict(stored.unreachable) if stored else {},
            # what the person did themselves is theirs, not the seminar file's
            chosen_language=stored.chosen_language if stored else None,
            seen_language=stored.seen_language if stored else None,
            last_platform=stored.last_platform if stored else None,
        )
        if person != stored:
            self.records.save_person(person)

    def _merge_met_into_roster(self) -> None:
        """People met outside the roster whom the roster now names (by email, unless it names
        an object id, or a Slack member id that is not theirs; or by platform id) become that
        roster person."""
        by_email: dict[str, list[Person]] = {}
        for person in self.records.people():
            if not person.on_roster and person.email:
                email = person.email.lower()
                if person.email != email:  # kept as met before: found by it in lower case
                    person = person.with_changes(email=email)
                    self.records.save_person(person)
                by_email.setdefault(email, []).append(person)
        for entry in self.seminar.people:
            roster = self.records.person(roster_key(entry.email))
            if roster is None:
                continue
            met: list[Person] = []
            for person in () if entry.aad_object_id else by_email.get(entry.email.lower(), ()):
                if entry.slack_id and person.platform_ids.get("slack") not in (None,
                                                                              entry.slack_id):
                    # another Slack account that showed the address: not them, and the
                    # address is not its own either
                    self.records.save_person(person.with_changes(email=None))
                else:
                    met.append(person)
            for platform, user_id in roster.platform_ids.items():
                holder = self.records.person_by_platform(platform, user_id)
                if holder is not None and not holder.on_roster:
                    met.append(holder)
            for person in {p.key: p for p in met if p.key != roster.key}.values():
                roster = self.merge(person, roster)

    def merge(self, person: Person, into: Person) -> Person:
        """`person` is `into`, found out later: one person remains, under `into`'s key, with
        both one's platform ids (`into`'s first) and whatever the bot keeps by their key."""
        merged = merged_person(person, into)
        self._move(person, merged)
        return merged

    def _move(self, person: Person, merged: Person) -> None:
        """Write a merge: `person` goes, `merged` stays, and what was `person`'s follows."""

        def move() -> None:
            self.records.delete_person(person.key)
            self.records.save_person(merged)
            for proposal in self.records.proposals(proposer=person.key):
                self.records.save_proposal(self._proposal_of(proposal, person, merged))
            for meeting in self.records.meetings():
                if meeting.scheduled_by == person.key:
                    self.records.save_meeting(replace(meeting, scheduled_by=merged.key))
            for follow in self.on_merge:
                follow(person.key, merged.key)

        self.records.atomically(move)

    def _proposal_of(self, proposal: Proposal, was: Person, now: Person) -> Proposal:
        """A proposal by `was`, as `now`'s: a proposal made in the person's own name (no
        organisation named) now stands under their roster organisation."""
        history = tuple(replace(h, actor=now.key, actor_name=now.name) if h.actor == was.key
                        else h for h in proposal.history)
        changes: dict[str, object] = {"proposer": now.key, "proposer_name": now.name,
                                      "history": history}
        own_name = proposal.organization in (was.name, proposal.proposer_name)
        if proposal.organization_key is None and own_name and now.org:
            changes.update(organization=self.seminar.org_name(now.org),
                           organization_key=now.org)
        return replace(proposal, **changes)  # type: ignore[arg-type]

    def identify(self, speaker: Speaker) -> Identified:
        """The person behind `speaker`, as the store knows them and as this message tells more
        about them: a read, which never writes. What it learnt (a new person, a platform id,
        an email, a name, a locale, a person met before who turns out to be this one) is in the
        answer, for `remember` to keep. Someone first met without their object id or email is
        joined, once the platform gives it, with the person it names (the roster's, most
        often)."""
        person = self.records.person_by_platform(speaker.platform, speaker.user_id)
        stored = person  # the stored record of whoever `person` is now
        joins: list[tuple[Person, Person]] = []
        new_id = person is None

        def found(named: Person) -> None:
            nonlocal person, stored, new_id
            if person is not None and person.key != named.key:
                merged = merged_person(person, named)
                joins.append((person, merged))
                person = stored = merged
            else:
                person = stored = named
            new_id = True

        if speaker.aad_object_id and (person is None or not person.on_roster):
            named = self.records.person_by_platform(
                ENTRA, entra_key(speaker.tenant_id, speaker.aad_object_id))
            if named is not None and (person is None or named.key != person.key):
                found(named)
        email = speaker.email.lower() if speaker.email else None
        if email and (person is None or (not person.on_roster
                                         and (person.email or "").lower() != email)):
            named = self.records.person_by_email(email)
            if named is not None and (ENTRA in named.platform_ids
                                      or self._pinned_elsewhere(named, speaker)):
                # known by their object id (or member id) only: the same email does not make
                # one them, and is not kept for the newcomer either (it names someone else)
                named, email = None, None
            if named is not None:
                found(named)
            elif person is not None and email:  # new to the bot: kept for the roster to match
                person = person.with_changes(email=email)
        if person is not None and person.platform_ids.get(speaker.platform) != speaker.user_id:
            person = person.with_changes(
                platform_ids={**person.platform_ids, speaker.platform: speaker.user_id})
        if person is None:
            person = Person(
                key=f"{speaker.platform}:{speaker.user_id}",
                name=speaker.name or email or speaker.user_id,
                role=Role.CIVIL_SOCIETY,
                email=email.lower() if email else None,
                platform_ids={speaker.platform: speaker.user_id},
            )
        changes: dict[str, str] = {}
        if speaker.name and not person.on_roster and speaker.name != person.name:
            changes["name"] = speaker.name
        seen = language_of(speaker.locale)
        if seen and seen != person.seen_language:
            changes["seen_language"] = seen
        if speaker.platform != person.last_platform:
            changes["last_platform"] = speaker.platform
        if changes:
            person = person.with_changes(**changes)
        return Identified(person, tuple(joins), changed=person != stored, new_id=new_id)

    def remember(self, seen: Identified) -> None:
        """Keep what `identify` learnt: the people met before who turned out to be this one
        are joined with them (with everything kept by their keys), and the person is saved as
        now known. Call it only when `seen.learnt`; in the command's transaction."""
        for was, merged in seen.joins:
            self._move(was, merged)
        if seen.changed or seen.joins:
            self.records.save_person(seen.person)

    def _pinned_elsewhere(self, person: Person, speaker: Speaker) -> bool:
        """Whether the roster names `person`'s account on the speaker's platform (Slack's
        `slack_id`), and it is not the speaker's."""
        if speaker.platform != "slack" or not person.on_roster:
            return False
        pinned = next((entry.slack_id for entry in self.seminar.people
                       if roster_key(entry.email) == person.key), None)
        return bool(pinned) and pinned != speaker.user_id

    def language(self, person: Person, speaker: Speaker) -> str:
        """The language of the answer to `speaker`: the one the person chose, else the locale
        this message came with, else as for their notices (`Person.speaks`)."""
        return (person.chosen_language or language_of(speaker.locale)
                or person.speaks(self.seminar.language))
