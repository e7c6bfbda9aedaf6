"""`ogpbot shell` as a new user runs it: piped lines in, replies out, in their language."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from adapters.console import Console
from tests.chat import COORDINATOR, CSO, CSO_EN, JD, LINE, OUTSIDER, SEMINAR_FILE, Chat
from tests.core.test_seminar import run_cli
from tests.serving import clock_env

SESSION = f"propose {LINE}\nstatus P-1\nagenda\nsing a song\n"


def test_piped_session_in_norwegian(tmp_path: Path) -> None:
    env = {"OGPBOT_DB": str(tmp_path / "db.json"), "OGPBOT_SEMINAR": str(SEMINAR_FILE)}
    result = run_cli("shell", "--user", CSO, env=env, stdin=SESSION)
    out = result.stdout
    assert "Takk! Forslaget ditt er registrert som P-1." in out
    assert "Status: innsendt" in out
    assert "Dagsorden tirsdag 1. desember" in out and "09:45" in out
    assert "Jeg forstår ikke «sing»" in out
    assert result.returncode == 1  # one line was not understood
    again = run_cli("shell", "--user", CSO, env=env, stdin="status\n")
    assert again.returncode == 0 and "P-1 Åpent lobbyregister – innsendt" in again.stdout


def test_piped_session_in_english(tmp_path: Path) -> None:
    env = {"OGPBOT_DB": str(tmp_path / "db.json"), "OGPBOT_SEMINAR": str(SEMINAR_FILE)}
    out = run_cli("shell", "--user", CSO_EN, env=env, stdin=SESSION).stdout
    assert "Thank you! Your proposal is registered as P-1." in out
    assert "Status: submitted" in out
    assert "Agenda Tuesday 1 December" in out
    assert "I don't understand “sing”" in out


def test_default_user_is_the_first_coordinator(tmp_path: Path) -> None:
    env = {"OGPBOT_DB": str(tmp_path / "db.json"), "OGPBOT_SEMINAR": str(SEMINAR_FILE)}
    result = run_cli("shell", env=env, stdin="help\n")
    assert result.returncode == 0 and "(koordinator)" in result.stdout


def test_interactive_propose_prompts_for_each_field() -> None:
    chat = Chat()
    answers = "\n".join([
        "propose", "Åpne kommunebudsjetter", "Budsjetter er vanskelige å finne",
        "Publiser alle budsjetter som åpne data", "Alle kan se hva kommunen bruker penger på",
        "", "1, 3", "apne-data", "Finansdepartementet",
        "2027-01-01 Pilot; 2027-06-01 Alle", "Budsjettalliansen", "status",
    ]) + "\n"
    out = io.StringIO()
    code = Console(chat.bot, OUTSIDER, io.StringIO(answers), out).run()
    text = out.getvalue()
    assert code == 0, text
    assert "1. åpenhet (transparency)" in text
    assert "registrert som P-1" in text
    proposal = chat.bot.records.proposal(1)
    assert proposal is not None
    assert proposal.values == ("transparency", "accountability")
    assert proposal.ministry == "fin" and proposal.organization == "Budsjettalliansen"
    assert [m.text for m in proposal.milestones] == ["Pilot", "Alle"]
    assert (proposal.goal, proposal.results) == ("Alle kan se hva kommunen bruker penger på", "")


def test_interactive_propose_asks_again_for_a_refused_field_and_can_be_cancelled() -> None:
    chat = Chat()
    answers = "propose\nTittel\nProblem\nBeskrivelse\n\n\nfreedom\ninnsyn\njd\n\n\n"
    out = io.StringIO()
    Console(chat.bot, COORDINATOR, io.StringIO(answers), out).run()
    text = out.getvalue()
    assert "«freedom» er ikke en OGP-verdi" in text
    assert "Avbrutt; ingenting ble sendt inn." in text
    assert chat.bot.records.proposals() == []


def shell(chat: Chat, who: str, lines: str) -> str:
    out = io.StringIO()
    Console(chat.bot, who, io.StringIO(lines), out).run()
    return out.getvalue()


def test_the_shell_shows_its_persons_notices_once_and_leaves_the_others() -> None:
    chat = Chat()
    chat.propose(CSO)  # someone else proposes: the coordinator and the ministry are told
    chat.clock.advance(timedelta(minutes=10))  # in their digests, due ten minutes later
    out = shell(chat, COORDINATOR, "help\nstatus\n")
    assert out.count("→ Nytt forslag P-1: Åpent lobbyregister") == 1
    first_reply_ends = out.index("→ Nytt forslag")
    assert "Hva du kan gjøre (koordinator)" in out[:first_reply_ends]  # after the reply
    assert "  Skriv «status P-1» for detaljer." in out
    states = {n.key: n.state.value for n in chat.bot.outbox.all()}
    assert states[f"digest:P-1:roster:{COORDINATOR}"] == "sent"
    assert states[f"digest:P-1:roster:{JD}"] == "pending"  # for serve, not for this shell
    assert "→" not in shell(chat, COORDINATOR, "status\n")  # sent once


def test_the_proposer_sees_the_invitation_and_the_reminder_when_it_is_due() -> None:
    chat = Chat()
    chat.propose(CSO)
    assert chat.say(COORDINATOR, "outcome P-1 bilateral").ok
    assert chat.say(COORDINATOR, "meet P-1 2026-12-01 14:00 Rom 2").ok
    out = shell(chat, CSO, "meetings\n")
    assert "→ Bilateralt møte om P-1: Åpent lobbyregister" in out
    assert "Påminnelse" not in out  # the reminders are not due yet
    oslo = ZoneInfo("Europe/Oslo")
    for when in (datetime(2026, 11, 30, 14, tzinfo=oslo), datetime(2026, 12, 1, 13, tzinfo=oslo)):
        chat.clock.set(when)  # a day before the meeting, then an hour before
        out = shell(chat, CSO, "meetings\n")
        assert out.count("→ Påminnelse: bilateralt møte om P-1") == 1
        assert "→ Bilateralt møte" not in out


def test_piped_sessions_show_what_others_did_meanwhile(tmp_path: Path) -> None:
    env = {"OGPBOT_DB": str(tmp_path / "db.json"), "OGPBOT_SEMINAR": str(SEMINAR_FILE)}
    start = datetime(2026, 11, 30, 12, 0, tzinfo=ZoneInfo("Europe/Oslo"))
    proposer = run_cli("shell", "--user", CSO, env={**env, **clock_env(start, 0)},
                       stdin=f"propose {LINE}\n")
    assert proposer.returncode == 0 and "→" not in proposer.stdout  # nothing for Anders yet
    # the coordinator's digest of new proposals is due ten minutes after the first
    soon = run_cli("shell", env={**env, **clock_env(start + timedelta(minutes=9), 0)},
                   stdin="status\n")
    assert soon.returncode == 0 and "Nytt forslag" not in soon.stdout
    coordinator = run_cli("shell", env={**env, **clock_env(start + timedelta(minutes=10), 0)},
                          stdin=(
        "status\noutcome P-1 bilateral\nmeet P-1 2030-01-10 10:00 Rom 2\n"))
    assert coordinator.returncode == 0, coordinator.stderr
    assert coordinator.stdout.count("→ Nytt forslag P-1: Åpent lobbyregister") == 1
    again = run_cli("shell", "--user", CSO,
                    env={**env, **clock_env(start + timedelta(minutes=10), 0)},
                    stdin="meetings\n")
    assert "→ Bilateralt møte om P-1: Åpent lobbyregister" in again.stdout
    assert "  Sted: Rom 2" in again.stdout
