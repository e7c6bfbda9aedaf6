"""The seminar file: its typed form, and a loader that checks every key and reports each problem.

`load_seminar` either returns a `Seminar` or raises `SeminarError` carrying every problem found,
each with where it is (`data/seminar.toml: [[agenda]] #3 time: ...`).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.i18n.catalogue import LANGUAGES

AGENDA_KINDS = ("talk", "presentations", "discussion", "tables", "break", "closing")
ORG_KINDS = ("coordinator", "ministry", "civil_society", "observer")
_KEY_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TIME_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$")
_GUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_DURATION_RE = re.compile(r"^(\d+)([smhd])$")
_URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
_DURATION_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
# How long the last agenda item runs when the file does not say.
LAST_ITEM_MINUTES = 15
# New-proposal notices to one person within this many minutes come as one ([notices]).
DIGEST_MINUTES = 10
MAX_DIGEST_MINUTES = 24 * 60
# How long the server keeps what it needs only for a while ([retention], both optional).
REQUESTS_DAYS = 7  # the keys (and replies) of answered requests: a platform's retry is seen
NOTICES_DAYS = 90  # the bodies of notices sent (or given up): the delivery record stays


@dataclass(frozen=True)
class Area:
    key: str
    name: str


@dataclass(frozen=True)
class AgendaItem:
    index: int
    start: datetime  # aware, in the seminar's timezone
    end: datetime
    title: str
    kind: str


@dataclass(frozen=True)
class Organization:
    key: str
    name: str
    kind: str
    areas: tuple[str, ...] = ()


@dataclass(frozen=True)
class RosterPerson:
    name: str
    org: str
    email: str
    slack_id: str | None = None
    teams_id: str | None = None
    language: str | None = None
    aad_object_id: str | None = None  # Microsoft Entra object id: matched in an allowed tenant
    aad_tenant_id: str | None = None  # the tenant that object id is in (default: the app's own)


@dataclass(frozen=True)
class PlanPeriod:
    """The action plan the seminar feeds: the two years it runs, how often each commitment's
    ministry is asked for a progress report, and how long before a milestone's end date its
    ministry is reminded."""

    start: date
    end: date
    progress_every_months: int = 3
    milestone_leads: tuple[timedelta, ...] = (timedelta(days=14), timedelta(days=1))


@dataclass(frozen=True)
class Site:
    """Who publishes the public pages (`[site]`): named on every page, with the contact for
    feedback on the pages and their accessibility, and the address of the published
    accessibility statement (uustatus.no), if there is one."""

    publisher: str
    contact: str = ""  # an e-mail address or a web address; "" when the file names none
    statement_url: str = ""

    @property
    def contact_href(self) -> str:
        """The contact as a link: `mailto:` for an e-mail address; "" when there is none."""
        if not self.contact:
            return ""
        return self.contact if _URL_RE.match(self.contact) else f"mailto:{self.contact}"


@dataclass(frozen=True)
class Seminar:
    title: str
    date: date
    timezone: ZoneInfo
    language: str
    heads_up_minutes: int
    reminder_leads: tuple[timedelta, ...]
    areas: tuple[Area, ...]
    table_count: int
    table_max_size: int
    agenda: tuple[AgendaItem, ...]
    organizations: tuple[Organization, ...]
    people: tuple[RosterPerson, ...]
    plan: PlanPeriod | None = None  # None only for a seminar built by hand; parsing sets one
    source: str = ""
    requests_days: int = REQUESTS_DAYS
    notices_days: int = NOTICES_DAYS
    site: Site | None = None  # None only for a seminar built by hand; parsing sets one
    digest_minutes: int = DIGEST_MINUTES  # [notices]: 0 sends each new-proposal notice alone
    rehearsal: bool = False  # a dress rehearsal (`bot.core.rehearsal`): every message says so
    _orgs: dict[str, Organization] = field(default_factory=dict, repr=False, compare=False)
    _areas: dict[str, Area] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._orgs.update({o.key: o for o in self.organizations})
        self._areas.update({a.key: a for a in self.areas})

    def org(self, key: str) -> Organization | None:
        return self._orgs.get(key)

    def area(self, key: str) -> Area | None:
        return self._areas.get(key)

    def org_name(self, key: str) -> str:
        """An organisation's name; its key when the seminar file no longer has it."""
        org = self._orgs.get(key)
        return org.name if org else key

    def area_name(self, key: str) -> str:
        """An area's name; its key when the seminar file no longer has it."""
        area = self._areas.get(key)
        return area.name if area else key

    @property
    def ministries(self) -> tuple[Organization, ...]:
        """Organisations that can be responsible for a commitment (the coordinator included)."""
        return tuple(o for o in self.organizations if o.kind in ("ministry", "coordinator"))

    @property
    def coordinator(self) -> Organization:
        return next(o for o in self.organizations if o.kind == "coordinator")

    @property
    def publisher(self) -> Site:
        """Who publishes the pages: `[site]`, or else the coordinator, without a contact."""
        return self.site or Site(self.coordinator.name)

class SeminarError(Exception):
    """The seminar file cannot be used; `problems` lists every reason, each with its place."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def parse_duration(text: str) -> timedelta | None:
    """`"24h"` -> 24 hours; units s, m, h, d. None when the text is not a duration."""
    m = _DURATION_RE.match(text.strip()) if isinstance(text, str) else None
    if not m:
        return None
    return timedelta(**{_DURATION_UNITS[m.group(2)]: int(m.group(1))})


def parse_clock_time(text: str) -> time | None:
    """`"09:00"` or `"09:00:30"` -> a time; None when malformed."""
    m = _TIME_RE.match(text) if isinstance(text, str) else None
    if not m:
        return None
    return time(int(m.group(1)), int(m.group(2)), int(m.group(3) or 0))


class _Checker:
    """Collects problems while reading one table of the file."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[str] = []

    def problem(self, where: str, text: str) -> None:
        self.problems.append(f"{self.source}: {where}: {text}")

    def table(self, data: dict[str, Any], name: str) -> dict[str, Any]:
        value = data.get(name)
        if value is None:
            self.problem(f"[{name}]", "missing table")
            return {}
        if not isinstance(value, dict):
            self.problem(f"[{name}]", "must be a table")
            return {}
        return value

    def array(self, data: dict[str, Any], name: str) -> list[dict[str, Any]]:
        value = data.get(name)
        if value is None:
            self.problem(f"[[{name}]]", "missing: add at least one entry")
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.problem(f"[[{name}]]", "must be an array of tables")
            return []
        if not value:
            self.problem(f"[[{name}]]", "is empty: add at least one entry")
        return value

    def unknown(self, where: str, entry: dict[str, Any], allowed: Iterable[str]) -> None:
        allowed = set(allowed)
        for key in entry:
            if key not in allowed:
                self.problem(where, f"unknown key '{key}' (allowed: {', '.join(sorted(allowed))})")

    def text(self, where: str, entry: dict[str, Any], key: str, required: bool = True) -> str:
        value = entry.get(key)
        if value is None:
            if required:
                self.problem(f"{where} {key}", "missing")
            return ""
        if not isinstance(value, str) or not value.strip():
            self.problem(f"{where} {key}", "must be a non-empty string")
            return ""
        return value.strip()

    def integer(self, where: str, entry: dict[str, Any], key: str, minimum: int) -> int:
        value = entry.get(key)
        if value is None:
            self.problem(f"{where} {key}", "missing")
            return minimum
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.problem(f"{where} {key}", f"must be a whole number of at least {minimum}")
            return minimum
        return value

    def key(self, where: str, entry: dict[str, Any], seen: set[str]) -> str:
        value = self.text(where, entry, "key")
        if value and not _KEY_RE.match(value):
            self.problem(f"{where} key", f"'{value}' must be lower-case letters, digits and '-'")
        elif value in seen:
            self.problem(f"{where} key", f"'{value}' is used twice")
        seen.add(value)
        return value


def load_seminar(path: str | Path) -> Seminar:
    """Read and check a seminar file; raise `SeminarError` listing every problem."""
    path = Path(path)
    source = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SeminarError([f"{source}: cannot be read: {exc.strerror or exc}"]) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise SeminarError([f"{source}: is not UTF-8 text"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise SeminarError([f"{source}: is not valid TOML: {exc}"]) from None
    return parse_seminar(data, source)


def parse_seminar(data: dict[str, Any], source: str = "seminar") -> Seminar:
    """Check an already parsed seminar document; raise `SeminarError` listing every problem."""
    c = _Checker(source)
    c.unknown("top level", data,
              ("seminar", "areas", "tables", "agenda", "organizations", "people", "plan",
               "retention", "site", "notices"))

    sem = c.table(data, "seminar")
    c.unknown("[seminar]", sem, ("title", "date", "timezone", "language", "heads_up_minutes",
                                 "reminder_leads"))
    title = c.text("[seminar]", sem, "title")
    day = date(2000, 1, 1)
    raw_date = sem.get("date")
    if isinstance(raw_date, date) and not isinstance(raw_date, datetime):
        day = raw_date
    elif isinstance(raw_date, str):
        try:
            day = date.fromisoformat(raw_date)
            if not re.match(r"^\d{4}-\d{2}-\d{2}$", raw_date):
                raise ValueError
        except ValueError:
            c.problem("[seminar] date", f"'{raw_date}' is not a date in YYYY-MM-DD form")
    else:
        c.problem("[seminar] date", "missing or not a date in YYYY-MM-DD form")
    tz = ZoneInfo("UTC")
    tz_name = c.text("[seminar]", sem, "timezone")
    if tz_name:
        try:
            tz = ZoneInfo(tz_name)
        except (ZoneInfoNotFoundError, ValueError):
            c.problem("[seminar] timezone",
                      f"'{tz_name}' is not a known timezone (e.g. Europe/Oslo)")
    language = c.text("[seminar]", sem, "language")
    if language and language not in LANGUAGES:
        c.problem("[seminar] language", f"'{language}' must be one of: {', '.join(LANGUAGES)}")
        language = "nb"
    heads_up = c.integer("[seminar]", sem, "heads_up_minutes", 0)
    leads: list[timedelta] = []
    raw_leads = sem.get("reminder_leads", [])
    if not isinstance(raw_leads, list):
        c.problem("[seminar] reminder_leads", "must be a list such as [\"24h\", \"1h\"]")
        raw_leads = []
    for i, lead in enumerate(raw_leads, 1):
        parsed = parse_duration(lead) if isinstance(lead, str) else None
        if parsed is None or parsed <= timedelta(0):
            c.problem(f"[seminar] reminder_leads #{i}",
                      f"{lead!r} is not a duration such as \"24h\" (units s, m, h, d)")
        else:
            leads.append(parsed)

    areas: list[Area] = []
    seen: set[str] = set()
    for i, entry in enumerate(c.array(data, "areas"), 1):
        where = f"[[areas]] #{i}"
        c.unknown(where, entry, ("key", "name"))
        areas.append(Area(c.key(where, entry, seen), c.text(where, entry, "name")))
    area_keys = {a.key for a in areas}

    tables = c.table(data, "tables")
    c.unknown("[tables]", tables, ("count", "max_size"))
    table_count = c.integer("[tables]", tables, "count", 1)
    max_size = c.integer("[tables]", tables, "max_size", 2)

    agenda = _parse_agenda(c, data, day, tz)

    orgs: list[Organization] = []
    seen = set()
    for i, entry in enumerate(c.array(data, "organizations"), 1):
        where = f"[[organizations]] #{i}"
        c.unknown(where, entry, ("key", "name", "kind", "areas"))
        key = c.key(where, entry, seen)
        kind = c.text(where, entry, "kind")
        if kind and kind not in ORG_KINDS:
            c.problem(f"{where} kind", f"'{kind}' must be one of: {', '.join(ORG_KINDS)}")
        org_areas = entry.get("areas", [])
        if not isinstance(org_areas, list) or not all(isinstance(a, str) for a in org_areas):
            c.problem(f"{where} areas", "must be a list of area keys")
            org_areas = []
        for a in org_areas:
            if a not in area_keys:
                c.problem(f"{where} areas", f"'{a}' is not a key of [[areas]]")
        orgs.append(Organization(key, c.text(where, entry, "name"), kind, tuple(org_areas)))
    kinds = [o.kind for o in orgs]
    if orgs and kinds.count("coordinator") != 1:
        c.problem("[[organizations]]", "exactly one organisation must have kind = \"coordinator\"")
    if orgs and "ministry" not in kinds:
        c.problem("[[organizations]]", "at least one organisation must have kind = \"ministry\"")
    org_keys = {o.key for o in orgs}

    people = _parse_people(c, data, org_keys)
    plan = _parse_plan(c, data, day)
    requests_days, notices_days = _parse_retention(c, data)
    site = _parse_site(c, data)
    digest_minutes = _parse_notices(c, data)

    if c.problems:
        raise SeminarError(c.problems)
    return Seminar(
        title=title, date=day, timezone=tz, language=language, heads_up_minutes=heads_up,
        reminder_leads=tuple(sorted(leads, reverse=True)), areas=tuple(areas),
        table_count=table_count, table_max_size=max_size, agenda=agenda,
        organizations=tuple(orgs), people=people, plan=plan, source=source,
        requests_days=requests_days, notices_days=notices_days, site=site,
        digest_minutes=digest_minutes,
    )


def _parse_site(c: _Checker, data: dict[str, Any]) -> Site | None:
    """`[site]`: who publishes the pages (required in it), the contact for feedback (an e-mail
    address or a web address) and the published accessibility statement's address (optional,
    may be empty). Without the table the coordinator is named, with no contact."""
    if "site" not in data:
        return None
    site = c.table(data, "site")
    c.unknown("[site]", site, ("publisher", "contact", "statement_url"))
    publisher = c.text("[site]", site, "publisher")
    contact = c.text("[site]", site, "contact")
    if contact and not (_EMAIL_RE.match(contact) or _URL_RE.match(contact)):
        c.problem("[site] contact", f"'{contact}' must be an e-mail address or a web address "
                  "(https://...)")
    statement = site.get("statement_url", "")
    if not isinstance(statement, str):
        c.problem("[site] statement_url", "must be a web address (https://...) or \"\"")
        statement = ""
    statement = statement.strip()
    if statement and not _URL_RE.match(statement):
        c.problem("[site] statement_url", f"'{statement}' must be a web address (https://...), "
                  "such as the statement's page on uustatus.no, or \"\"")
    return Site(publisher, contact, statement)


def _parse_plan(c: _Checker, data: dict[str, Any], day: date) -> PlanPeriod:
    """`[plan]`: optional; by default the plan runs two years from the January after the
    seminar, with a progress report every three months and reminders 14 days and 1 day
    before each milestone's end."""
    if "plan" not in data:
        start = date(day.year + 1, 1, 1)
        return PlanPeriod(start, date(start.year + 2, 1, 1) - timedelta(days=1))
    plan = c.table(data, "plan")
    c.unknown("[plan]", plan, ("start", "end", "progress_every_months", "milestone_leads"))
    start = _plan_day(c, plan, "start") or date(day.year + 1, 1, 1)
    end = _plan_day(c, plan, "end") or date(start.year + 2, start.month, 1) - timedelta(days=1)
    if end <= start:
        c.problem("[plan] end", "must come after [plan] start")
    every = 3
    if "progress_every_months" in plan:
        every = c.integer("[plan]", plan, "progress_every_months", 1)
    leads: tuple[timedelta, ...] = (timedelta(days=14), timedelta(days=1))
    raw = plan.get("milestone_leads")
    if raw is not None:
        parsed = [parse_duration(x) if isinstance(x, str) else None
                  for x in (raw if isinstance(raw, list) else [None])]
        if not parsed or any(x is None or x <= timedelta(0) for x in parsed):
            c.problem("[plan] milestone_leads",
                      "must be a list of durations such as [\"14d\", \"1d\"] (units s, m, h, d)")
        else:
            leads = tuple(sorted((x for x in parsed if x is not None), reverse=True))
    return PlanPeriod(start, end, every, leads)


def _plan_day(c: _Checker, plan: dict[str, Any], key: str) -> date | None:
    raw = plan.get(key)
    if raw is None:
        return None
    if isinstance(raw, date) and not isinstance(raw, datetime):
        return raw
    if isinstance(raw, str) and re.match(r"^\d{4}-\d{2}-\d{2}$", raw):
        try:
            return date.fromisoformat(raw)
        except ValueError:
            pass
    c.problem(f"[plan] {key}", f"{raw!r} is not a date in YYYY-MM-DD form")
    return None


def _parse_notices(c: _Checker, data: dict[str, Any]) -> int:
    """`[notices]`: how many minutes new-proposal notices to one person are gathered into one
    message (0: each goes alone); at most a day."""
    if "notices" not in data:
        return DIGEST_MINUTES
    table = c.table(data, "notices")
    c.unknown("[notices]", table, ("digest_minutes",))
    if "digest_minutes" not in table:
        return DIGEST_MINUTES
    minutes = c.integer("[notices]", table, "digest_minutes", 0)
    if minutes > MAX_DIGEST_MINUTES:
        c.problem("[notices] digest_minutes", f"must be at most {MAX_DIGEST_MINUTES} (a day)")
        return DIGEST_MINUTES
    return minutes


def _parse_retention(c: _Checker, data: dict[str, Any]) -> tuple[int, int]:
    """`[retention]`: days to keep answered requests' keys and sent notices' bodies."""
    if "retention" not in data:
        return REQUESTS_DAYS, NOTICES_DAYS
    table = c.table(data, "retention")
    c.unknown("[retention]", table, ("requests_days", "notices_days"))
    days = []
    for key, default in (("requests_days", REQUESTS_DAYS), ("notices_days", NOTICES_DAYS)):
        days.append(c.integer("[retention]", table, key, 1) if key in table else default)
    return days[0], days[1]


def _parse_agenda(c: _Checker, data: dict[str, Any], day: date, tz: ZoneInfo) -> tuple[
        AgendaItem, ...]:
    starts: list[tuple[int, time, time | None, str, str]] = []
    for i, entry in enumerate(c.array(data, "agenda"), 1):
        where = f"[[agenda]] #{i}"
        c.unknown(where, entry, ("time", "end", "title", "kind"))
        raw_time = entry.get("time")
        at = parse_clock_time(raw_time) if isinstance(raw_time, str) else None
        if at is None:
            c.problem(f"{where} time", f"{raw_time!r} must be \"HH:MM\" or \"HH:MM:SS\"")
            continue
        end: time | None = None
        if "end" in entry:
            end = parse_clock_time(entry["end"]) if isinstance(entry["end"], str) else None
            if end is None or end <= at:
                c.problem(f"{where} end", f"{entry['end']!r} must be \"HH:MM\" after the start")
                end = None
        kind = c.text(where, entry, "kind")
        if kind and kind not in AGENDA_KINDS:
            c.problem(f"{where} kind", f"'{kind}' must be one of: {', '.join(AGENDA_KINDS)}")
        if starts and at <= starts[-1][1]:
            c.problem(f"{where} time", f"{raw_time} must come after the item before it")
        starts.append((i, at, end, c.text(where, entry, "title"), kind))
    items: list[AgendaItem] = []
    for n, (i, at, end, title, kind) in enumerate(starts):
        start = datetime.combine(day, at, tz)
        if end is not None:
            stop = datetime.combine(day, end, tz)
        elif n + 1 < len(starts):
            stop = datetime.combine(day, starts[n + 1][1], tz)
        else:
            stop = start + timedelta(minutes=LAST_ITEM_MINUTES)
        items.append(AgendaItem(i, start, stop, title, kind))
    return tuple(items)


def _parse_people(c: _Checker, data: dict[str, Any], org_keys: set[str]) -> tuple[
        RosterPerson, ...]:
    people: list[RosterPerson] = []
    emails: set[str] = set()
    ids: set[str] = set()
    for i, entry in enumerate(data.get("people", []) if isinstance(data.get("people"), list)
                              else [], 1):
        where = f"[[people]] #{i}"
        if not isinstance(entry, dict):
            c.problem(where, "must be a table")
            continue
        c.unknown(where, entry, ("name", "org", "email", "slack_id", "teams_id", "aad_object_id",
                                 "aad_tenant_id", "language"))
        org = c.text(where, entry, "org")
        if org and org not in org_keys:
            c.problem(f"{where} org", f"'{org}' is not a key of [[organizations]]")
        email = c.text(where, entry, "email").lower()
        if email and not _EMAIL_RE.match(email):
            c.problem(f"{where} email", f"'{email}' is not an email address")
        elif email in emails:
            c.problem(f"{where} email", f"'{email}' is used twice")
        emails.add(email)
        platform_ids: dict[str, str | None] = {}
        for key in ("slack_id", "teams_id"):
            value = c.text(where, entry, key, required=False) or None
            if value and value in ids:
                c.problem(f"{where} {key}", f"'{value}' is used twice")
            if value:
                ids.add(value)
            platform_ids[key] = value
        object_id = (c.text(where, entry, "aad_object_id", required=False) or "").lower() or None
        if object_id and not _GUID_RE.match(object_id):
            c.problem(f"{where} aad_object_id", f"'{object_id}' is not a Microsoft Entra object "
                      "id (a GUID such as 00000000-0000-0000-0000-000000000000)")
            object_id = None
        elif object_id and object_id in ids:
            c.problem(f"{where} aad_object_id", f"'{object_id}' is used twice")
        if object_id:
            ids.add(object_id)
        tenant = (c.text(where, entry, "aad_tenant_id", required=False) or "").lower() or None
        if tenant and not _GUID_RE.match(tenant):
            c.problem(f"{where} aad_tenant_id", f"'{tenant}' is not a Microsoft Entra tenant id "
                      "(a GUID such as 00000000-0000-0000-0000-000000000000)")
            tenant = None
        elif tenant and not object_id:
            c.problem(f"{where} aad_tenant_id", "names the tenant of an aad_object_id: give both")
        language = c.text(where, entry, "language", required=False) or None
        if language and language not in LANGUAGES:
            c.problem(f"{where} language", f"'{language}' must be one of: {', '.join(LANGUAGES)}")
            language = None
        people.append(RosterPerson(c.text(where, entry, "name"), org, email,
                                   platform_ids["slack_id"], platform_ids["teams_id"], language,
                                   object_id, tenant))
    if "people" in data and not isinstance(data["people"], list):
        c.problem("[[people]]", "must be an array of tables")
    return tuple(people)
