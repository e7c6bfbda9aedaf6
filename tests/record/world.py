"""A seminar with proposals in every state, made through `OgpBot.handle` as people would make
them (the agenda's and the table planner's moves, which other parts of the bot make, are
written the way those parts write them), and a small HTML reader for checking pages."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from bot.app.frontdoor import OgpBot
from bot.app.runtime import Runtime
from bot.core.clock import FakeClock
from bot.core.command import Command, Place, Speaker
from bot.core.model import HistoryEntry, Status
from bot.core.seminar import Seminar, load_seminar
from bot.core.settings import Settings
from bot.store.contract import Store
from bot.store.memory import MemoryStore
from bot.store.tinydb_file import TinyDBStore
from tests import cast

ROOT = Path(__file__).resolve().parents[2]
SEMINAR_FILE = str(ROOT / "data" / "seminar.toml")
START = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)

COORDINATOR = cast.KARI.email
JD = cast.INGRID.email  # Justis- og beredskapsdepartementet
FIN = cast.LARS.email  # Finansdepartementet
TI = cast.ANDERS.email  # Transparency International Norge
OUTSIDER = cast.OLA.email  # not on the roster
PWYP = cast.EMILY.email  # Publish What You Pay Norge

HOSTILE_TITLE = '<script>alert("x")</script> & <!channel>'
HOSTILE_ORG = 'Foreningen "Åpen" & <Fri>'
HOSTILE_REASON = '<b>Nei</b> – "for dyrt" & <!channel> @here'
INCLUDE_REASON = "Styrker innsynsretten; departementet har satt av midler."
HOSTILE_EDIT = 'Dette skal gjøres <raskt> & "godt"'
HOSTILE_NOTE = "Bordet ønsker <b>KS</b> med & <!channel>"


def say(bot: OgpBot, email: str, words: str) -> str:
    reply = bot.handle(Command(Speaker("console", email, email=email),
                               Place("console", f"console:{email}", is_direct=True),
                               words=words))
    assert reply.ok, reply.text
    return reply.text


def submit(bot: OgpBot, email: str, **form: object) -> str:
    reply = bot.handle(Command(Speaker("console", email, email=email),
                               Place("console", f"console:{email}", is_direct=True),
                               form_id="propose", form=form))
    assert reply.ok, reply.text
    return reply.text


def _line(title: str, ministry: str, area: str = "innsyn", org: str = "") -> str:
    parts = [title, "Problemet i dag", "Dette skal gjøres", "transparency, participation",
             area, ministry]
    if org:
        parts.append(org)
    return "propose " + " | ".join(parts)


def _bot_move(bot: OgpBot, number: int, status: Status, action: str) -> None:
    """The move the agenda (presented) or the table planner (in discussion) makes."""
    p = bot.records.proposal(number)
    assert p is not None
    entry = HistoryEntry(bot.clock.now(), "bot", "ogpbot", action, status)
    bot.records.save_proposal(p.moved(status, entry))


class _Clock(FakeClock):
    def advance_minutes(self, minutes: int) -> None:
        self.advance(timedelta(minutes=minutes))


def populate(bot: OgpBot, clock: _Clock) -> None:
    """P-1 submitted … P-9 withdrawn: one proposal in each status, in lifecycle order."""
    # P-1 submitted, by someone not on the roster, with hostile text everywhere it can go.
    submit(bot, OUTSIDER, title=HOSTILE_TITLE, problem='Problem <i>med</i> "sitater" & mer',
           description="Linje én\n# ikke en overskrift\n| ikke | en tabell |",
           values=["transparency"], area="innsyn", ministry="jd",
           milestones="2027-03-01 Første <utkast> & høring\n2027-12-31 =SUM(A1) ferdig",
           organization=HOSTILE_ORG)
    clock.advance_minutes(5)
    say(bot, TI, _line("Åpent eierskapsregister", "nfd", "antikorrupsjon"))       # P-2
    say(bot, TI, _line("Innsyn i offentlige innkjøp", "fin", "antikorrupsjon"))   # P-3
    say(bot, TI, _line("Åpne data om klima", "kld", "apne-data"))               # P-4
    say(bot, TI, _line("Varslervern i staten", "jd", "antikorrupsjon"))          # P-5
    say(bot, TI, _line("Innsynsportal for departementene", "jd"))               # P-6
    say(bot, TI, _line("Offentlig journal i kommunene", "jd"))                  # P-7
    say(bot, TI, _line("Lobbyregister", "fin", "antikorrupsjon"))               # P-8
    say(bot, TI, _line("Trukket forslag", "jd"))                                # P-9
    clock.advance_minutes(60)
    for n in range(2, 9):
        _bot_move(bot, n, Status.PRESENTED, "presented")
    for n in range(3, 9):
        _bot_move(bot, n, Status.IN_DISCUSSION, "discussed")
    clock.advance_minutes(60)
    say(bot, COORDINATOR, "outcome P-4 agreed")
    say(bot, JD, "outcome P-5 bilateral")
    say(bot, JD, "meet P-5 2026-12-10 14:00 R5, Akersgata 59")
    say(bot, JD, "outcome P-6 agreed")
    say(bot, JD, "report P-6 agreed Enige om en felles innsynsportal.")
    say(bot, JD, "outcome P-7 agreed")
    say(bot, JD, "report P-7 agreed Alle kommuner publiserer journal innen 2028.")
    # P-7 refined at its table: two more versions, an actor who joined, the table's notes.
    say(bot, JD, "edit P-7 goal Alle kommuner har en åpen journal")
    say(bot, TI, f"edit P-7 description {HOSTILE_EDIT}")
    say(bot, PWYP, "join P-7")
    say(bot, TI, f"note P-7 {HOSTILE_NOTE}")
    say(bot, OUTSIDER, "note P-1 Et notat fra forslagsstilleren")
    say(bot, FIN, "outcome P-8 agreed")
    say(bot, FIN, "report P-8 declined Ikke enighet om omfanget.")
    clock.advance_minutes(60 * 24)
    say(bot, COORDINATOR, f"decide P-7 include {INCLUDE_REASON}")
    say(bot, JD, "milestone P-7 add 2027-01-01 2027-06-30 Pilot i ti kommuner")
    say(bot, JD, "milestone P-7 done 1 Ferdig i juni")
    say(bot, COORDINATOR, f"decide P-8 exclude {HOSTILE_REASON}")
    say(bot, TI, "withdraw P-9")


def make_runtime(store: Store | None = None, populated: bool = True,
                 seminar: Seminar | None = None) -> Runtime:
    """The record's world on `seminar` (default: the shipped one)."""
    seminar = seminar if seminar is not None else load_seminar(SEMINAR_FILE)
    store = store if store is not None else MemoryStore()
    clock = _Clock(START)
    bot = OgpBot(seminar, store, clock)
    if populated:
        populate(bot, clock)
    settings = Settings(db=":memory:", seminar=SEMINAR_FILE)
    return Runtime(settings, seminar, store, bot, clock)


def served_file(folder: Path, monkeypatch: pytest.MonkeyPatch,
                make: Callable[[Store], Runtime] = make_runtime) -> Iterator[Runtime]:
    """A store file filled by `make`, still open for writing as under `serve`, and named by
    `OGPBOT_DB` (the seminar by `OGPBOT_SEMINAR`) for the `ogpbot` command (a fixture's
    body: it closes the store after the test)."""
    db = folder / "ogpbot.json"
    runtime = make(TinyDBStore(db))
    monkeypatch.setenv("OGPBOT_DB", str(db))
    monkeypatch.setenv("OGPBOT_SEMINAR", SEMINAR_FILE)
    yield runtime
    runtime.close()


# -- reading HTML ------------------------------------------------------------------------------


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)

    def text(self) -> str:
        parts = [c if isinstance(c, str) else c.text() for c in self.children]
        return " ".join(" ".join(parts).split())

    def all(self, tag: str) -> list[Node]:
        found: list[Node] = []
        for c in self.children:
            if isinstance(c, Node):
                if c.tag == tag:
                    found.append(c)
                found.extend(c.all(tag))
        return found

    def one(self, tag: str) -> Node:
        found = self.all(tag)
        assert len(found) == 1, f"{len(found)} <{tag}> elements"
        return found[0]

    def by_id(self, ident: str) -> Node | None:
        for c in self.children:
            if isinstance(c, Node):
                if c.attrs.get("id") == ident:
                    return c
                hit = c.by_id(ident)
                if hit is not None:
                    return hit
        return None


_VOID = {"meta", "link", "input", "br", "hr", "img"}


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse_html(text: str) -> Node:
    builder = _Builder()
    builder.feed(text)
    builder.close()
    return builder.root


def items(node: Node) -> list[str]:
    """The text of each item of a list (`ol` or `ul`), in order."""
    return [c.text() for c in node.children if isinstance(c, Node) and c.tag == "li"]


def cards(doc: Node) -> dict[str, dict[str, str]]:
    """The record's cards (what a narrow screen shows): each proposal's number, to its title
    (under "") and its facts by label."""
    found: dict[str, dict[str, str]] = {}
    for card in doc.one("ol").all("li") if doc.all("ol") else []:
        if "card" not in card.attrs.get("class", ""):
            continue
        dl = card.one("dl")
        pairs = [c for c in dl.children if isinstance(c, Node) and c.tag in ("dt", "dd")]
        facts = {dt.text(): dd.text() for dt, dd in zip(pairs[::2], pairs[1::2], strict=True)}
        found[card.attrs["id"].removeprefix("card-")] = {"": card.one("h2").text(), **facts}
    return found


def table_rows(table: Node) -> list[list[str]]:
    """Each body row's cells (th and td) as text."""
    rows = []
    for tr in table.one("tbody").all("tr"):
        rows.append([c.text() for c in tr.children
                     if isinstance(c, Node) and c.tag in ("th", "td")])
    return rows
