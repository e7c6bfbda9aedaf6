"""A test harness for the core: `chat.say("kari.nordmann@example.org", "status P-1")` sends one
line as that person and returns the reply, so tests read like a conversation."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.app.frontdoor import OgpBot
from bot.core.clock import FakeClock
from bot.core.command import Command, Place, Speaker
from bot.core.reply import Reply
from bot.core.seminar import Seminar, load_seminar
from bot.store.contract import Store
from bot.store.memory import MemoryStore
from tests import cast

ROOT = Path(__file__).resolve().parent.parent
SEMINAR_FILE = ROOT / "data" / "seminar.toml"

# The people of the shipped roster, by their e-mail (see tests/cast.py).
COORDINATOR = cast.KARI.email
COORDINATOR_2 = cast.PER.email
JD = cast.INGRID.email  # Justis- og beredskapsdepartementet
FIN = cast.LARS.email
OBSERVER = cast.MARTE.email  # KS
CSO = cast.ANDERS.email  # Transparency International Norge, on the roster
CSO_EN = cast.EMILY.email  # Publish What You Pay Norge, language = "en"
OUTSIDER = cast.SIRI.email  # not on the roster

# Before the seminar day, in Oslo.
START = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)

LINE = ("Åpent lobbyregister | Det er vanskelig å se hvem som møter statsråder | "
        "Publiser alle møter i et åpent register | transparency, accountability | innsyn | jd")


class Chat:
    def __init__(self, store: Store | None = None, seminar: Seminar | None = None,
                 now: datetime = START) -> None:
        self.clock = FakeClock(now)
        self.store = store if store is not None else MemoryStore()
        self.seminar = seminar or load_seminar(SEMINAR_FILE)
        self.bot = OgpBot(self.seminar, self.store, self.clock)

    def command(self, who: str, words: str = "", platform: str = "console",
                locale: str | None = None, **extra: Any) -> Command:
        speaker = Speaker(platform, who, email=who if "@" in who else None, locale=locale)
        place = Place(platform, f"{platform}:{who}", is_direct=True)
        return Command(speaker, place, words=words, **extra)

    def say(self, who: str, words: str, **kw: Any) -> Reply:
        return self.bot.handle(self.command(who, words, **kw))

    def submit(self, who: str, form: dict[str, Any], **kw: Any) -> Reply:
        return self.bot.handle(self.command(who, form_id="propose", form=form, **kw))

    def propose(self, who: str = CSO, line: str = LINE) -> str:
        """Propose in one line; return the new proposal's number, e.g. "P-1"."""
        reply = self.say(who, f"propose {line}")
        assert reply.ok, reply.text
        return reply.title.split()[-1].rstrip(".") if reply.title else ""

    def snapshot(self) -> dict[str, list[dict[str, Any]]]:
        """Everything in the store, to show that a refused command changed nothing."""
        return {name: sorted(self.store.all(name), key=repr) for name in (
            "proposals", "people", "meetings", "settings", "outbox", "counters")}
