"""`overview`: the coordinator's view of where the process stands and what waits on whom (a
ministry's of its own), each line with its P-N and how long it has waited by the clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.chat import COORDINATOR, CSO, CSO_EN, FIN, JD, OBSERVER, Chat

TABLES = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # 11:00 in Oslo: the small tables start


def line(ministry: str, title: str = "Åpent lobbyregister") -> str:
    return (f"{title} | Det er vanskelig å se hvem som møter statsråder | Publiser alle møter "
            f"| transparency | innsyn | {ministry}")


def lines_under(text: str, heading: str) -> list[str]:
    """The lines of one kind of wait: those after its heading, up to the next blank line."""
    rows = text.splitlines()
    start = next(i for i, row in enumerate(rows) if row.startswith(heading))
    found = []
    for row in rows[start + 1:]:
        if not row.strip():
            break
        found.append(row)
    return found


@pytest.fixture
def chat() -> Chat:
    return Chat()


def ok(chat: Chat, who: str, words: str) -> None:
    reply = chat.say(who, words)
    assert reply.ok, reply.text


def test_before_the_tables_nothing_waits_and_the_counts_are_shown(chat: Chat) -> None:
    assert "Ingen forslag ennå" in chat.say(COORDINATOR, "overview").text
    chat.propose(CSO, line("jd"))
    chat.propose(CSO, line("fin", "Åpne budsjetter"))
    reply = chat.say(COORDINATOR, "overview")
    assert reply.title == "Oversikt: hvor prosessen står"
    assert [(f.label, f.value) for f in reply.fields] == [("innsendt", "2")]
    assert "Ingenting venter på noen nå." in reply.lines


def test_what_waits_on_whom_with_how_long(chat: Chat) -> None:
    for ministry in ("jd", "jd", "fin", "jd", "fin"):
        chat.propose(CSO, line(ministry))
    chat.clock.set(TABLES + timedelta(hours=2))
    ok(chat, JD, "outcome P-1 agreed")
    ok(chat, JD, "outcome P-2 bilateral")
    ok(chat, FIN, "outcome P-3 agreed")
    ok(chat, FIN, "report P-3 agreed Vi gjør det")
    ok(chat, JD, "outcome P-4 bilateral")
    ok(chat, JD, "meet P-4 2026-12-02 10:00 Rom 2")
    chat.clock.set(datetime(2026, 12, 4, 12, 0, tzinfo=UTC))  # days after the seminar
    reply = chat.say(COORDINATOR, "oversikt")
    assert [(f.label, f.value) for f in reply.fields] == [
        ("innsendt", "1"), ("enighet", "1"), ("bilateralt møte", "2"), ("rapportert", "1")]
    text = reply.text
    jd = "Justis- og beredskapsdepartementet"
    assert lines_under(text, "Utfall fra bordene som skal registreres (1):") == [
        "P-5 Åpent lobbyregister – Finansdepartementet – har ventet i 3 døgn"]
    assert lines_under(text, "Bilaterale møter som skal avtales (1):") == [
        f"P-2 Åpent lobbyregister – {jd} – har ventet i 3 døgn"]
    # P-4's meeting was on 2 December (11:00–12:00 Oslo): its report is owed since it ended.
    assert lines_under(text, "Rapporter departementene skylder (2):") == [
        f"P-1 Åpent lobbyregister – {jd} – har ventet i 3 døgn",
        f"P-4 Åpent lobbyregister – {jd} – har ventet i 2 døgn"]
    assert lines_under(text, "Beslutninger koordinatoren skal ta (1):") == [
        "P-3 Åpent lobbyregister – Finansdepartementet rapporterte enighet – har ventet i 3 døgn"]
    # The ministry sees its own only.
    own = chat.say(FIN, "overview")
    assert own.title == "Oversikt for Finansdepartementet"
    assert "P-3" in own.text and "P-5" in own.text
    assert "P-1" not in own.text and jd not in own.text
    # Doing what was owed takes it off the list.
    ok(chat, COORDINATOR, "decide P-3 include Et godt forslag")
    ok(chat, JD, "report P-4 agreed Vi gjør det")
    text = chat.say(COORDINATOR, "overview").text
    assert "Beslutninger koordinatoren skal ta (1):" in text  # P-4 now
    assert lines_under(text, "Rapporter departementene skylder (1):") == [
        f"P-1 Åpent lobbyregister – {jd} – har ventet i 3 døgn"]


def test_commitments_late_with_progress_reports_and_milestones(chat: Chat) -> None:
    chat.propose(CSO, line("jd"))
    ok(chat, JD, "milestone P-1 add 2027-01-01 2027-03-01 Pilot i to departementer")
    ok(chat, JD, "milestone P-1 add 2027-01-01 2027-09-01 Alle departementer")
    for who, words in ((JD, "outcome P-1 agreed"), (JD, "report P-1 agreed Vi gjør det"),
                       (COORDINATOR, "decide P-1 include Et godt forslag")):
        ok(chat, who, words)
    chat.clock.set(datetime(2027, 4, 10, 7, 0, tzinfo=UTC))  # 09:00 in Oslo, summer time
    text = chat.say(JD, "overview").text
    # The plan asks for a report every third month from 1 January: 1 April at 09:00.
    assert lines_under(text, "Framdriftsrapporter på etterskudd (1):") == [
        "P-1 Åpent lobbyregister – Justis- og beredskapsdepartementet – etterspurt 1. april, "
        "har ventet i 9 døgn"]
    assert lines_under(text, "Milepæler over fristen (1):") == [
        "P-1 milepæl 1 «Pilot i to departementer» (frist 1. mars) – Justis- og "
        "beredskapsdepartementet – 6 uker over fristen"]
    ok(chat, JD, "progress P-1 limited Piloten er i gang")
    ok(chat, JD, "milestone P-1 done 1")
    assert chat.say(JD, "overview").lines == ("Ingenting venter på noen nå.",)


def test_in_nynorsk_and_english(chat: Chat) -> None:
    chat.propose(CSO, line("jd"))
    chat.clock.set(TABLES + timedelta(days=3, minutes=1))
    ok(chat, FIN, "language nn")
    ok(chat, JD, "language en")
    nn = chat.say(COORDINATOR, "språk nn")
    assert nn.ok
    nn_text = chat.say(COORDINATOR, "oversyn").text
    assert nn_text.startswith("Oversikt: kvar prosessen står")
    assert "Utfall frå borda som skal registrerast (1):" in nn_text
    assert "– har venta i 3 døgn" in nn_text
    en = chat.say(JD, "overview").text
    assert en.startswith("Overview for Justis- og beredskapsdepartementet")
    assert "Table outcomes to record (1):" in en and "– waiting for 3 days" in en
    fin = chat.say(FIN, "overview").text  # nynorsk, and nothing of Finansdepartementet's
    assert fin.startswith("Oversikt for Finansdepartementet") and "Ingen forslag enno." in fin


def test_long_lists_are_cut_with_a_count(chat: Chat) -> None:
    for n in range(25):
        chat.propose(CSO, line("jd", f"Forslag {n + 1}"))
    chat.clock.set(TABLES + timedelta(hours=1))
    text = chat.say(COORDINATOR, "overview").text
    waiting = lines_under(text, "Utfall fra bordene som skal registreres (25):")
    assert len(waiting) == 21 and waiting[-1] == "… og 5 til"
    assert waiting[0].startswith("P-1 Forslag 1 –")


@pytest.mark.parametrize("who", [CSO, CSO_EN, OBSERVER])
def test_others_may_not_and_nothing_changes(chat: Chat, who: str) -> None:
    chat.propose(CSO, line("jd"))
    before = chat.snapshot()
    reply = chat.say(who, "overview")
    assert not reply.ok
    assert "overview" in reply.text and "P-1" not in reply.text
    assert chat.snapshot()["proposals"] == before["proposals"]


def test_help_names_overview_for_those_who_may_use_it(chat: Chat) -> None:
    assert "overview –" in chat.say(COORDINATOR, "help").text
    assert "overview –" in chat.say(JD, "help").text
    assert "overview –" not in chat.say(CSO, "help").text
