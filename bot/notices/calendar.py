"""A bilateral meeting as an iCalendar file (RFC 5545): one VEVENT whose UID stays the same
when the meeting moves and whose SEQUENCE is the meeting's version, so calendars update the
event they already have instead of adding a second one; and the file's address on the bot's
server, which holds the meeting's secret token (only the meeting's people get it, in their
DMs).

The file names the proposer as the public record does: a roster person by name, anyone else
by the organisation they named or as a private individual; no e-mail address, no platform id.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.model import MEETING_LENGTH, Meeting, Proposal
from bot.core.people import is_roster_key
from bot.i18n.catalogue import t

FILE_MIME = "text/calendar"


def ics_filename(proposal: Proposal) -> str:
    return f"{proposal.ref}.ics"


def calendar_path(meeting: Meeting) -> str:
    """The calendar file's path on the bot's server; "" for a meeting without a token."""
    return f"/meetings/P-{meeting.proposal}/{meeting.token}.ics" if meeting.token else ""


def proposer_label(proposal: Proposal, lang: str) -> str:
    """The proposer as the calendar file names them."""
    if proposal.by_private_individual:
        return t(lang, "record.private_individual")
    if is_roster_key(proposal.proposer):
        return f"{proposal.proposer_name} ({proposal.organization})"
    return proposal.organization


def _escape(text: str) -> str:
    """TEXT values: backslash, semicolon, comma and newlines escaped (RFC 5545 3.3.11)."""
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def _fold(line: str) -> str:
    """Lines longer than 75 octets are folded with CRLF and a space (RFC 5545 3.1)."""
    raw = line.encode("utf-8")
    if len(raw) <= 75:
        return line
    parts: list[str] = []
    current = ""
    size = 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > (75 if not parts else 74):
            parts.append(current)
            current, size = "", 0
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def meeting_ics(proposal: Proposal, meeting: Meeting, ministry_name: str, lang: str,
                host: str = "ogpbot") -> bytes:
    """The calendar file for the meeting's current version."""
    summary = t(lang, "ics.summary", ref=proposal.ref, title=proposal.title)
    who = f"{proposer_label(proposal, lang)}, {ministry_name}"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//ogpbot//bilateral meetings//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:meeting-{proposal.ref}@{host}",
        f"SEQUENCE:{meeting.version - 1}",
        f"DTSTAMP:{_stamp(meeting.start)}",
        f"DTSTART:{_stamp(meeting.start)}",
        f"DTEND:{_stamp(meeting.start + MEETING_LENGTH)}",
        f"SUMMARY:{_escape(summary)}",
        f"DESCRIPTION:{_escape(proposal.title + chr(10) + who)}",
    ]
    if meeting.place:
        lines.append(f"LOCATION:{_escape(meeting.place)}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode("utf-8")
