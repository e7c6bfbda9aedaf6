"""Dates and times as each language writes them, by Babel's locale data: "tirsdag 1. desember
kl. 10:00" (nb), "tysdag 1. desember kl. 10:00" (nn), "Tuesday 1 December at 10:00" (en)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

# Babel's pattern letters (CLDR): EEEE weekday, d day, MMMM month, y year.
_DATE = {"nb": "EEEE d. MMMM", "nn": "EEEE d. MMMM", "en": "EEEE d MMMM"}
_JOINER = {"nb": "kl.", "nn": "kl.", "en": "at"}


def format_date(when: datetime, language: str, year: bool = False) -> str:
    """`tirsdag 1. desember` / `Tuesday 1 December`; with `year`, the year after it."""
    pattern = _DATE.get(language, _DATE["nb"]) + (" y" if year else "")
    return format_datetime(when, pattern, locale=language if language in _DATE else "nb")


def format_time(when: datetime, seconds: bool = True) -> str:
    """`10:00`, or `10:00:30` when the seconds matter and are asked for."""
    return when.strftime("%H:%M:%S" if seconds and when.second else "%H:%M")


def format_when(when: datetime, language: str, tz: ZoneInfo, seconds: bool = True,
                year: bool = False) -> str:
    """`tirsdag 1. desember kl. 10:00` / `Tuesday 1 December at 10:00`, in the seminar's zone."""
    local = when.astimezone(tz)
    joiner = _JOINER.get(language, _JOINER["nb"])
    return f"{format_date(local, language, year)} {joiner} {format_time(local, seconds)}"
