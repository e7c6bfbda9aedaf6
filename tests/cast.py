"""The people of ogpbot's tests, each written once: who they are on the roster (name,
organisation, e-mail), their Slack member id, their Teams account (id, Microsoft Entra object
id) and the locale their client reports; and the roster and seminar text built from them.

The named people are the shipped seminar's (`data/seminar.toml`): Kari Nordmann and Per Hansen
coordinate for KMD, Ingrid Berg answers for Justis- og beredskapsdepartementet and Lars
Johansen for Finansdepartementet, Sofie Larsen for Klima- og miljødepartementet, Marte Dahl
observes for KS, Anders Bakke (Transparency International Norge), Nora Haugen (Norsk
Presseforbund) and Emily Clarke (Publish What You Pay Norge, in English) are civil society.
Ola, Jane, Siri and Solveig are on no roster: outsiders who write to the bot.

A test seminar names whom it needs: `seminar_toml(day, agenda, leads, people=roster(KARI,
INGRID, ANDERS))` writes a seminar file with those three and their organisations."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_SEMINAR = ROOT / "data" / "seminar.toml"


@dataclass(frozen=True)
class Person:
    """One person of the tests, as each platform and the roster know them."""

    name: str
    org: str  # the organisation's key on the roster ("" for someone on no roster)
    email: str
    slack_id: str
    teams_id: str
    aad_object_id: str
    locale: str = "nb-NO"  # what their Slack or Teams client reports
    language: str = ""  # the roster's `language`, when it names one

    @property
    def first_name(self) -> str:
        return self.name.split()[0]

    @property
    def slack_user(self) -> tuple[str, str, str]:
        """(member id, e-mail, locale): how the fake Slack workspace lists them."""
        return (self.slack_id, self.email, self.locale)

    @property
    def teams_account(self) -> dict[str, str]:
        """Their account as a Teams activity's `from` carries it."""
        return {"id": self.teams_id, "name": self.name, "aadObjectId": self.aad_object_id}

    def roster(self, *, slack: bool = False, teams: bool = False,
               **fields: str) -> dict[str, str]:
        """Their `[[people]]` entry in a seminar file: name, org and e-mail (and language), with
        their Slack member id or Teams id when asked, and any `fields` given (which win)."""
        entry = {"name": self.name, "org": self.org, "email": self.email}
        if self.language:
            entry["language"] = self.language
        if slack:
            entry["slack_id"] = self.slack_id
        if teams:
            entry["teams_id"] = self.teams_id
        return {**entry, **fields}


def _person(first: str, last: str, org: str, email: str, slack_id: str, **more: str) -> Person:
    handle = first.lower()
    return Person(f"{first} {last}".strip(), org, email, slack_id, f"29:1-{handle}",
                  f"aad-{handle}", **more)


KARI = _person("Kari", "Nordmann", "kmd", "kari.nordmann@example.org", "U0KARI001")
PER = _person("Per", "Hansen", "kmd", "per.hansen@example.org", "U0PER0001")
INGRID = _person("Ingrid", "Berg", "jd", "ingrid.berg@example.org", "U0INGRID1")
LARS = _person("Lars", "Johansen", "fin", "lars.johansen@example.org", "U0LARS001")
MARTE = _person("Marte", "Dahl", "ks", "marte.dahl@example.org", "U0MARTE01")
ANDERS = _person("Anders", "Bakke", "ti-norge", "anders.bakke@example.org", "U0ANDERS1")
SOFIE = _person("Sofie", "Larsen", "kld", "sofie.larsen@example.org", "U0SOFIE01")
NORA = _person("Nora", "Haugen", "presseforbund", "nora.haugen@example.org", "U0NORA001")
EMILY = _person("Emily", "Clarke", "pwyp", "emily.clarke@example.org", "U0EMILY01",
                locale="en-US", language="en")
# On no roster.
OLA = _person("Ola", "Sivil", "", "ola@ngo.example.org", "U0OLA0001")
JANE = _person("Jane", "Doe", "", "jane@ngo.example.org", "U0JANE001", locale="en-GB")
SIRI = _person("Siri", "Solberg", "", "siri@ngo.example.org", "U0SIRI001")
SOLVEIG = _person("Solveig", "Haugen", "", "solveig.haugen@ngo.example.org", "U0SOLVEIG")
#: Someone the platform tells nothing about: no name, no e-mail.
NOBODY = Person("", "", "", "U0NOPROFILE", "29:1-nobody", "")

ROSTER = (KARI, PER, INGRID, LARS, SOFIE, MARTE, ANDERS, NORA, EMILY)
OUTSIDERS = (OLA, JANE, SIRI, SOLVEIG)
EVERYONE = ROSTER + OUTSIDERS

#: The organisations of the cast, as (key, name, kind), named as in the shipped seminar.
ORGANIZATIONS: tuple[tuple[str, str, str], ...] = (
    ("kmd", "Kommunal- og moderniseringsdepartementet", "coordinator"),
    ("jd", "Justis- og beredskapsdepartementet", "ministry"),
    ("fin", "Finansdepartementet", "ministry"),
    ("kld", "Klima- og miljødepartementet", "ministry"),
    ("ks", "KS – kommunesektorens organisasjon", "observer"),
    ("ti-norge", "Transparency International Norge", "civil_society"),
    ("pwyp", "Publish What You Pay Norge", "civil_society"),
    ("presseforbund", "Norsk Presseforbund", "civil_society"),
    ("ngo", "Åpenhet Norge", "civil_society"),  # for a crowd of civil society in a test
)


def organization(key: str) -> str:
    """The name of the cast's organisation `key`."""
    return next(name for k, name, _ in ORGANIZATIONS if k == key)


def roster(*people: Person, slack: bool = False, teams: bool = False) -> list[dict[str, str]]:
    """The `[[people]]` entries of `people` (everyone on the roster when none are named)."""
    return [p.roster(slack=slack, teams=teams) for p in (people or ROSTER)]


def seminar_data(day: str, agenda: Iterable[tuple[str, str, str]], leads: Sequence[str], *,
                 people: Iterable[Mapping[str, Any]] | None = None,
                 organizations: Iterable[tuple[str, str, str]] = ORGANIZATIONS,
                 title: str = "E2E", tables: int = 2, heads_up: int = 0,
                 areas: Iterable[tuple[str, str]] = (("innsyn", "Innsyn"),),
                 digest_minutes: int = 0) -> dict[str, Any]:
    """A seminar (Norwegian, Oslo time, one area) on `day`, as the parsed seminar file: `agenda`
    as (time, title, kind), reminders `leads` ahead, a heads-up `heads_up` minutes before each
    item, `organizations` as (key, name, kind) and `people` as their roster entries (the whole
    cast's roster when not given); each new proposal is told at once unless `digest_minutes`
    gathers them into digests."""
    return {
        "seminar": {"title": title, "date": day, "timezone": "Europe/Oslo", "language": "nb",
                    "heads_up_minutes": heads_up, "reminder_leads": list(leads)},
        "areas": [{"key": key, "name": name} for key, name in areas],
        "tables": {"count": tables, "max_size": 10},
        "agenda": [{"time": at, "title": what, "kind": kind} for at, what, kind in agenda],
        "organizations": [{"key": key, "name": name, "kind": kind}
                          for key, name, kind in organizations],
        "people": [dict(p) for p in (people if people is not None else roster())],
        "notices": {"digest_minutes": digest_minutes},
    }


def toml_of(data: Mapping[str, Any]) -> str:
    """A seminar as `seminar_data` gives it, written as a seminar file (TOML)."""
    def value(v: Any) -> str:
        return json.dumps(v, ensure_ascii=False)  # strings, numbers and lists of them

    def fields(table: Mapping[str, Any]) -> str:
        return "".join(f"{key} = {value(v)}\n" for key, v in table.items())

    text = ""
    for name, section in data.items():
        if isinstance(section, list):
            text += "".join(f"[[{name}]]\n{fields(row)}\n" for row in section)
        else:
            text += f"[{name}]\n{fields(section)}\n"
    return text


def seminar_toml(day: str, agenda: Iterable[tuple[str, str, str]], leads: Sequence[str],
                 **more: Any) -> str:
    """`seminar_data` as a seminar file's text."""
    return toml_of(seminar_data(day, agenda, leads, **more))
