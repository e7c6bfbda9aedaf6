"""A small seminar for the table tests: a coordinator, two ministries, civil society and an
observer, with the console adapter and the bot behind it."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

from adapters.console import Console
from bot.app.frontdoor import OgpBot
from bot.core.clock import FakeClock
from bot.core.seminar import parse_seminar
from bot.store.memory import MemoryStore
from tests.cast import KARI

START = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def seminar_doc(people: list[tuple[str, ...]], count: int = 2,
                max_size: int = 4) -> dict[str, Any]:
    """people: (name, org, email[, language])."""
    return {
        "seminar": {"title": "OGP", "date": "2026-12-01", "timezone": "Europe/Oslo",
                    "language": "en", "heads_up_minutes": 0, "reminder_leads": []},
        "areas": [{"key": "open-data", "name": "Open data"},
                  {"key": "access", "name": "Access to information"}],
        "tables": {"count": count, "max_size": max_size},
        "agenda": [{"time": "11:00", "title": "Small tables", "kind": "tables"}],
        "organizations": [
            {"key": "kmd", "name": "KMD", "kind": "coordinator"},
            {"key": "fin", "name": "Finance ministry", "kind": "ministry",
             "areas": ["open-data"]},
            {"key": "jd", "name": "Justice ministry", "kind": "ministry", "areas": ["access"]},
            {"key": "ngo", "name": "Open NGO", "kind": "civil_society", "areas": ["access"]},
            {"key": "ks", "name": "KS", "kind": "observer"},
        ],
        "people": [{"name": p[0], "org": p[1], "email": p[2],
                    **({"language": p[3]} if len(p) > 3 else {})} for p in people],
    }


STANDARD = [
    (KARI.name, KARI.org, KARI.email),
    ("Finn Finans", "fin", "finn@fin.no"),
    ("Frida Finans", "fin", "frida@fin.no"),
    ("Jon Justis", "jd", "jon@jd.no"),
    ("Nina NGO", "ngo", "nina@ngo.no", "nb"),
    ("Ola NGO", "ngo", "ola@ngo.no"),
    ("Oskar Observer", "ks", "oskar@ks.no"),
]


def make_bot(people: list[tuple[str, ...]] | None = None, count: int = 2,
             max_size: int = 4) -> OgpBot:
    seminar = parse_seminar(seminar_doc(people or STANDARD, count, max_size))
    return OgpBot(seminar, MemoryStore(), FakeClock(START))


def say(bot: OgpBot, email: str, *lines: str) -> str:
    """Type `lines` into the console as `email`; the console's whole output."""
    out = io.StringIO()
    Console(bot, email, io.StringIO("".join(line + "\n" for line in lines)), out).run()
    return out.getvalue()


def propose(bot: OgpBot, email: str, title: str, area: str, ministry: str) -> str:
    return say(bot, email, f"propose {title} | A problem | A description | transparency | "
                           f"{area} | {ministry}")
