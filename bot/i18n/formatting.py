"""Dates and times as each language writes them, by Babel's locale data: "tirsdag 1. desember
kl. 10:00" (nb), "tysdag 1. desember kl. 10:00" (nn), "Tuesday 1 December at 10:00" (en); a day
without its weekday (a milestone's end, a plan's period) as "1. desember" / "1 December", and
two days as "1. januar – 30. juni 2027".

One rule for the year everywhere a person reads a date: it is said when the date is not in
this year (the caller gives `now`, the core's clock, never the wall clock read here), or when
the caller asks for it (`year`: calendar files and the export, documents that outlive their
year). A span of days in one year says that year once, at its end.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime, format_skeleton, format_timedelta

# Babel's pattern letters (CLDR): EEEE weekday, d day, MMMM month, y year.
_DATE = {"nb": "EEEE d. MMMM", "nn": "EEEE d. MMMM", "en": "EEEE d MMMM"}
_JOINER = {"nb": "kl.", "nn": "kl.", "en": "at"}
# The locale whose day-and-month order each language uses: English as written in Europe
# ("1 December 2026"), as the weekday pattern above writes it.
_LOCALE = {"nb": "nb", "nn": "nn", "en": "en_GB"}
# Each language's Babel locale, parsed once (Babel would parse its name again at every call).
_BABEL = {lang: Locale.parse(lang) for lang in _DATE}
_BABEL_ORDER = {lang: Locale.parse(name) for lang, name in _LOCALE.items()}
SPAN = " – "  # between the two days of a span


def _language(language: str) -> str:
    return language if language in _DATE else "nb"


def _this_year(now: datetime | None, tz: tzinfo | None) -> int | None:
    if now is None:
        return None
    return (now.astimezone(tz) if tz is not None else now).year


def _with_year(year_of: int, year: bool, this_year: int | None) -> bool:
    return year or (this_year is not None and this_year != year_of)


def format_date(when: datetime, language: str, year: bool = False,
                now: datetime | None = None) -> str:
    """`tirsdag 1. desember` / `Tuesday 1 December`; the year after it with `year`, or when
    `now` is in another year."""
    lang = _language(language)
    shown = _with_year(when.year, year, _this_year(now, when.tzinfo))
    return format_datetime(when, _DATE[lang] + (" y" if shown else ""), locale=_BABEL[lang])


def format_day(day: date, language: str, year: bool = False, now: datetime | None = None,
               tz: tzinfo | None = None) -> str:
    """A day without its weekday: `1. desember` / `1 December`, with its year (`1. desember
    2027`) when asked for or when it is not `now`'s year (in `tz`)."""
    lang = _language(language)
    skeleton = "yMMMMd" if _with_year(day.year, year, _this_year(now, tz)) else "MMMMd"
    return format_skeleton(skeleton, day, locale=_BABEL_ORDER[lang])


def format_days(start: date | None, end: date, language: str, year: bool = False,
                now: datetime | None = None, tz: tzinfo | None = None) -> str:
    """Two days: `1. januar – 30. juni 2027` (a span within one year says its year once, at
    the end, by the rule of `format_day`); only the end when there is no start."""
    if start is None:
        return format_day(end, language, year, now, tz)
    if start.year != end.year:  # a span across a new year: both years said
        return SPAN.join(format_day(d, language, True) for d in (start, end))
    return format_day(start, language) + SPAN + format_day(end, language, year, now, tz)


def format_time(when: datetime, seconds: bool = True) -> str:
    """`10:00`, or `10:00:30` when the seconds matter and are asked for."""
    return when.strftime("%H:%M:%S" if seconds and when.second else "%H:%M")


def format_when(when: datetime, language: str, tz: ZoneInfo, seconds: bool = True,
                year: bool = False, now: datetime | None = None) -> str:
    """`tirsdag 1. desember kl. 10:00` / `Tuesday 1 December at 10:00`, in the seminar's zone
    (`tirsdag 7. desember 2027 kl. 10:00` with `year`, or when `now` is in another year)."""
    local = when.astimezone(tz)
    joiner = _JOINER[_language(language)]
    return f"{format_date(local, language, year, now)} {joiner} {format_time(local, seconds)}"


def format_duration(length: timedelta, language: str) -> str:
    """How long something has lasted, in the largest unit that counts at least two of it:
    `90 minutter`, `30 timar`, `13 days`, `6 uker` (nothing shorter than a minute)."""
    length = max(length, timedelta(minutes=1))
    return format_timedelta(length, threshold=2, granularity="minute",
                            locale=_BABEL[_language(language)])
