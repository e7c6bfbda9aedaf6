"""Dates and times as each language writes them, by Babel's locale data: "tirsdag 1. desember
kl. 10:00" (nb), "tysdag 1. desember kl. 10:00" (nn), "Tuesday 1 December at 10:00" (en).

The year is said when it is asked for (calendar files, the export), or when the caller gives
`now` (the core's clock, never the wall clock read here) and the date falls in another year.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_datetime, format_timedelta

# Babel's pattern letters (CLDR): EEEE weekday, d day, MMMM month, y year.
_DATE = {"nb": "EEEE d. MMMM", "nn": "EEEE d. MMMM", "en": "EEEE d MMMM"}
_JOINER = {"nb": "kl.", "nn": "kl.", "en": "at"}


def _with_year(when: datetime, year: bool, now: datetime | None) -> bool:
    if year:
        return True
    if now is None:
        return False
    zone = when.tzinfo
    return now.astimezone(zone).year != when.year if zone else now.year != when.year


def format_date(when: datetime, language: str, year: bool = False,
                now: datetime | None = None) -> str:
    """`tirsdag 1. desember` / `Tuesday 1 December`; the year after it with `year`, or when
    `now` is in another year."""
    pattern = _DATE.get(language, _DATE["nb"]) + (" y" if _with_year(when, year, now) else "")
    return format_datetime(when, pattern, locale=language if language in _DATE else "nb")


def format_time(when: datetime, seconds: bool = True) -> str:
    """`10:00`, or `10:00:30` when the seconds matter and are asked for."""
    return when.strftime("%H:%M:%S" if seconds and when.second else "%H:%M")


def format_when(when: datetime, language: str, tz: ZoneInfo, seconds: bool = True,
                year: bool = False, now: datetime | None = None) -> str:
    """`tirsdag 1. desember kl. 10:00` / `Tuesday 1 December at 10:00`, in the seminar's zone
    (`tirsdag 7. desember 2027 kl. 10:00` with `year`, or when `now` is in another year)."""
    local = when.astimezone(tz)
    joiner = _JOINER.get(language, _JOINER["nb"])
    return f"{format_date(local, language, year, now)} {joiner} {format_time(local, seconds)}"


def format_duration(length: timedelta, language: str) -> str:
    """How long something has lasted, in the largest unit that counts at least two of it:
    `90 minutter`, `30 timar`, `13 days`, `6 uker` (nothing shorter than a minute)."""
    length = max(length, timedelta(minutes=1))
    return format_timedelta(length, threshold=2, granularity="minute",
                            locale=language if language in _DATE else "nb")
