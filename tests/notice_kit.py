"""Shared pieces for the notice tests: a small seminar, a bot on a fake clock, and an in-memory
notifier (a fake at the Notifier port) that records what it was asked to send (and one whose
messages take their time to reach the platform, for the pace)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from bot.app.frontdoor import OgpBot
from bot.core.clock import FakeClock
from bot.core.command import Command, Place, Speaker
from bot.core.notice import Notice
from bot.core.reply import Reply
from bot.core.seminar import Seminar, parse_seminar
from bot.notices.dispatcher import Dispatcher
from bot.notices.port import DeliveryError, FileAttachment
from bot.notices.written import written
from bot.store.contract import Store
from bot.store.memory import MemoryStore
from tests import cast
from tests.cast import Person

OSLO = ZoneInfo("Europe/Oslo")
COORDINATOR, MINISTRY, PROPOSER = cast.KARI, cast.INGRID, cast.ANDERS
AGENDA = (("09:00", "Velkommen", "talk"), ("09:45", "Forslagene presenteres", "presentations"),
          ("10:15", "Diskusjon", "discussion"))


def seminar_data(date: str = "2026-12-01", agenda: list[dict[str, Any]] | None = None,
                 heads_up: int = 5, leads: tuple[str, ...] = ("24h", "1h"),
                 digest_minutes: int = 0) -> dict[str, Any]:
    """The coordinator, a ministry (in English) and a proposer, with their Slack ids; each new
    proposal is told at once unless `digest_minutes` gathers them into digests."""
    items = [(a["time"], a["title"], a["kind"]) for a in agenda] if agenda else AGENDA
    return cast.seminar_data(date, items, leads, title="Seminar", heads_up=heads_up,
                             digest_minutes=digest_minutes,
                             people=[COORDINATOR.roster(slack=True),
                                     MINISTRY.roster(slack=True, language="en"),
                                     PROPOSER.roster(slack=True)])


@dataclass
class Sent:
    kind: str  # post | direct
    to: str
    message: Reply
    attachment: FileAttachment | None = None
    key: str = ""


class RecordingNotifier:
    """A Notifier that keeps what it sends, and fails as told (`fail_next`)."""

    pace = 0.0

    def __init__(self, platform: str = "slack") -> None:
        self.platform = platform
        self.sent: list[Sent] = []
        self.failures: list[DeliveryError] = []
        self.broken: dict[str, DeliveryError] = {}  # address -> the error it always gets
        self.attempts = 0
        self.directory: dict[str, str] = {}  # email -> user id, for find_user
        self.can_check = False  # whether `delivered` can tell (Slack can, Teams cannot)
        self.checked: list[str] = []  # the keys `delivered` was asked about
        self.answers_lost = 0

    def fail_next(self, *errors: DeliveryError) -> None:
        self.failures.extend(errors)

    async def post(self, conversation: str, message: Reply,
                   reference: dict[str, Any] | None = None, *, key: str = "") -> None:
        self._attempt(conversation)
        self.sent.append(Sent("post", conversation, message, key=key))
        self._answer_lost()

    async def direct(self, user_id: str, message: Reply,
                     attachment: FileAttachment | None = None, *, key: str = "") -> None:
        self._attempt(user_id)
        self.sent.append(Sent("direct", user_id, message, attachment, key=key))
        self._answer_lost()

    async def delivered(self, address: str, key: str, *, direct: bool) -> bool | None:
        """Like Slack when `can_check` (it reads its history back), else like Teams."""
        self.checked.append(key)
        if not self.can_check:
            return None
        return any(s.key == key and s.to == address for s in self.sent)

    def lose_answers(self, count: int = 1) -> None:
        """The next `count` sends arrive, but their answer never comes back."""
        self.answers_lost += count

    def _answer_lost(self) -> None:
        if self.answers_lost:
            self.answers_lost -= 1
            raise DeliveryError("network: TimeoutError", permanent=False, in_doubt=True)

    async def find_user(self, email: str) -> str | None:
        return self.directory.get(email)

    def _attempt(self, address: str) -> None:
        self.attempts += 1
        if address in self.broken:
            raise self.broken[address]
        if self.failures:
            raise self.failures.pop(0)

    def to(self, address: str) -> list[Sent]:
        return [s for s in self.sent if s.to == address]


class SlowToArrive(RecordingNotifier):
    """A platform that allows one message a second per conversation, on a clock of real
    seconds the test moves (`seconds[0]`): each message takes the next of `transits` seconds
    to reach it (then 0.05 s; the first ones longer, as in a busy moment), and it answers as
    the message arrives; `arrived` holds those moments."""

    pace = 1.0

    def __init__(self, seconds: list[float], transits: list[float]) -> None:
        super().__init__()
        self.seconds = seconds
        self.transits = transits
        self.arrived: list[float] = []

    async def post(self, conversation: str, message: Reply,
                   reference: dict[str, Any] | None = None, *, key: str = "") -> None:
        self.seconds[0] += self.transits.pop(0) if self.transits else 0.05
        self.arrived.append(self.seconds[0])
        await super().post(conversation, message, reference, key=key)


class Kit:
    """A bot, its fake clock, a recording notifier and a dispatcher around them."""

    def __init__(self, now: datetime, seminar: Seminar | None = None,
                 store: Store | None = None) -> None:
        self.clock = FakeClock(now)
        self.seminar = seminar or parse_seminar(seminar_data())
        self.store = store or MemoryStore()
        self.bot = OgpBot(self.seminar, self.store, self.clock)
        self.notifier = RecordingNotifier()
        self.dispatcher = Dispatcher(self.bot, {"slack": self.notifier}, pace={},
                                     public_url="https://ogp.example.org")

    def say(self, who: Person, words: str, channel: str = "C0SEMINAR") -> Reply:
        speaker = Speaker("slack", who.slack_id, email=who.email, locale=None)
        return self.bot.handle(Command(speaker, Place("slack", channel, name="#seminar"),
                                       words=words))

    async def at(self, when: datetime) -> list[Sent]:
        """Move the clock to `when`, run the dispatcher once, and return what it sent."""
        before = len(self.notifier.sent)
        self.clock.set(when)
        await self.dispatcher.run_due()
        return self.notifier.sent[before:]

    def propose(self, title: str = "Åpne innsynslogger") -> Reply:
        return self.say(PROPOSER, f"propose {title} | Lite innsyn | Publiser loggene | "
                                  "transparency | innsyn | jd")


def event_of(content: bytes) -> tuple[Calendar, Event]:
    """A calendar file as its calendar and its one event, parsed by the `icalendar` package."""
    calendar = Calendar.from_ical(content)
    [event] = calendar.walk("VEVENT")
    return calendar, event


def oslo(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=OSLO)  # type: ignore[misc]


def as_sent(bot: OgpBot, notice: Notice) -> Reply:
    """A scheduled notice's words as they would go out now: written in the language its
    reader reads now (what the dispatcher sends)."""
    said = written(bot, notice, bot.clock.now())
    assert isinstance(said, Reply), said
    return said
