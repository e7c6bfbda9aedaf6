"""A bilateral meeting as an iCalendar file (RFC 5545, iTIP methods of RFC 5546), written by the
`icalendar` package.

- The event's UID is the meeting's (its proposal's number) and this deployment's random id, so
  every file about one meeting updates the same event, and two deployments never collide.
- SEQUENCE is the meeting's version less one: it grows each time the meeting moves, so a
  calendar moves the event it has instead of adding a second one.
- DTSTAMP is the moment the file was made; the times are in the seminar's timezone, which the
  file carries as a VTIMEZONE.
- The people in the meeting are its ATTENDEEs and the person who scheduled it its ORGANIZER,
  by name only, as the public record names people: a roster person by name, anyone else by the
  organisation they named or as a private individual; their address is an opaque `urn:uuid:`
  (never an e-mail address or a platform id).
- A meeting called off (its proposal decided or withdrawn) gets a CANCEL: METHOD:CANCEL,
  STATUS:CANCELLED and a SEQUENCE above every invitation's.

The file's address on the bot's server holds a secret token of each of the meeting's people
(new with each version; each gets their own, in their DMs), and the file behind it is in the
language that person reads (`reader`); a meeting from before each had their own shares one
token, whose file is in the seminar's language.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vText

from bot.core.model import MEETING_LENGTH, Meeting, Person, Proposal
from bot.core.people import is_roster_key
from bot.i18n.catalogue import t
from bot.i18n.formatting import format_when
from bot.notices.host import Host

FILE_MIME = "text/calendar"
PRODUCT = "-//ogpbot//bilateral meetings//"


def ics_filename(proposal: Proposal) -> str:
    return f"{proposal.ref}.ics"


def calendar_path(meeting: Meeting, person_key: str | None = None) -> str:
    """`person_key`'s calendar file's path on the bot's server (their own token in it, or
    the one the meeting's people shared); "" for a meeting without a token."""
    token = meeting.token_for(person_key)
    return f"/meetings/P-{meeting.proposal}/{token}.ics" if token else ""


def reader(meeting: Meeting, token: str) -> str | None:
    """Whose calendar link `token` is: a person key; "" for the token the meeting's people
    shared (from before each had their own); None for no link of this meeting (compared in
    constant time, so a guess learns nothing from how long the answer takes)."""
    found: str | None = None
    for key, theirs in meeting.tokens.items():
        if secrets.compare_digest(theirs.encode(), token.encode()):
            found = key
    if found is None and meeting.token and secrets.compare_digest(meeting.token.encode(),
                                                                  token.encode()):
        found = ""
    return found


def meeting_uid(proposal: Proposal, deployment: str) -> str:
    return f"meeting-{proposal.ref}-{deployment}@ogpbot"


def _address(deployment: str, person_key: str) -> str:
    """A person's calendar address: stable, opaque, and not an e-mail address."""
    try:
        space = uuid.UUID(deployment)
    except ValueError:
        space = uuid.uuid5(uuid.NAMESPACE_URL, deployment)
    return f"urn:uuid:{uuid.uuid5(space, person_key)}"


def shown(person: Person, lang: str) -> str:
    """A person as the calendar file names them: a roster person by name; anyone else by the
    organisation they named, or as a private individual (their name may be an e-mail address
    or a platform id)."""
    if is_roster_key(person.key) and "@" not in person.name:
        return person.name
    return person.org_name or t(lang, "record.private_individual")


def _person_address(deployment: str, key: str, name: str, **params: str) -> vCalAddress:
    address = vCalAddress(_address(deployment, key))
    address.params["CN"] = vText(name)
    for param, value in params.items():
        address.params[param] = value
    return address


def meeting_ics(proposal: Proposal, meeting: Meeting, people: Iterable[Person], *,
                ministry_name: str, lang: str, tz: ZoneInfo, made_at: datetime,
                deployment: str, cancel: bool = False, rehearsal: bool = False) -> bytes:
    """The calendar file for the meeting's current time (an invitation, METHOD:REQUEST), or
    its cancellation (`cancel`); a `rehearsal`'s says so in its summary."""
    attendees = list(people)
    start = meeting.start.astimezone(tz)
    when = format_when(meeting.start, lang, tz, year=True)
    names = ", ".join(shown(p, lang) for p in attendees) or ministry_name
    description = [proposal.title, t(lang, "meet.notice_when", when=when)]
    if meeting.place:
        description.append(t(lang, "meet.notice_where", place=meeting.place))
    description.append(t(lang, "meet.notice_with", who=names))
    if cancel:
        description.insert(0, t(lang, "ics.cancelled"))

    event = Event()
    event.add("uid", meeting_uid(proposal, deployment))
    event.add("sequence", meeting.version if cancel else meeting.version - 1)
    event.add("dtstamp", made_at.astimezone(ZoneInfo("UTC")))
    event.add("dtstart", start)
    event.add("dtend", start + MEETING_LENGTH)
    summary = t(lang, "ics.summary", ref=proposal.ref, title=proposal.title)
    if rehearsal:
        summary = t(lang, "rehearsal.title", title=summary)
    event.add("summary", summary, parameters={"LANGUAGE": lang})
    event.add("description", "\n".join(description), parameters={"LANGUAGE": lang})
    if meeting.place:
        event.add("location", meeting.place)
    event.add("status", "CANCELLED" if cancel else "CONFIRMED")
    organizer = next((p for p in attendees if p.key == meeting.scheduled_by), None)
    event.add("organizer", _person_address(
        deployment, meeting.scheduled_by, shown(organizer, lang) if organizer else ministry_name))
    for person in attendees:
        event.add("attendee", _person_address(deployment, person.key, shown(person, lang),
                                              ROLE="REQ-PARTICIPANT", RSVP="FALSE"))

    calendar = Calendar()
    calendar.add("prodid", PRODUCT + lang.upper())
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "CANCEL" if cancel else "REQUEST")
    calendar.add_component(event)
    # The zone's rules from the start of the meeting's year to the end of the next one.
    calendar.add_missing_timezones(first_date=date(start.year, 1, 1),
                                   last_date=date(start.year + 1, 12, 31))
    body: bytes = calendar.to_ical()
    return body


def called_off(proposal: Proposal, meeting: Meeting) -> bool:
    """Whether the proposal was decided or withdrawn before its meeting began."""
    decided = next((h.at for h in reversed(proposal.history) if h.status.decided), None)
    return decided is not None and decided < meeting.start


def meeting_file(host: Host, number: int, lang: str, now: datetime) -> tuple[str, bytes] | None:
    """The file name and content of a meeting's calendar file as it stands now, in `lang`:
    the invitation to its current time, or its cancellation once the proposal was decided or
    withdrawn before it; None when there is no meeting, or its proposal was decided after it
    was held (nothing to put in a calendar any more)."""
    records = host.records
    proposal = records.proposal(number)
    meeting = records.meeting(number)
    if proposal is None or meeting is None:
        return None
    cancel = proposal.status.decided
    if cancel and not called_off(proposal, meeting):
        return None
    people = [p for p in (records.person(key) for key in meeting.attendees) if p is not None]
    if not people:  # a meeting stored before its attendees were
        people = records.concerned(proposal)
    body = meeting_ics(proposal, meeting, people,
                       ministry_name=host.seminar.org_name(proposal.ministry), lang=lang,
                       tz=host.seminar.timezone, made_at=now,
                       deployment=records.deployment_id(), cancel=cancel,
                       rehearsal=host.seminar.rehearsal)
    return ics_filename(proposal), body
